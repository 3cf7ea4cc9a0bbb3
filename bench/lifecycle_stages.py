"""How long each stage of an election takes for a large constituency (prints figures only).

Seeds one trust with N members in one public constituency (15,000 by default, the size of a
typical foundation trust's membership), schedules an election, nominates three candidates, then
moves the clock through the timetable and times each stage the stage machine runs: the notice of
election (an email to every member), the freeze of the electorate, the statement, and the close
of withdrawals (the roll and every voter's credentials).

    .venv/bin/python bench/lifecycle_stages.py [members] [database-url]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from governance import audit
from governance.db import Clock, make_engine, utcnow
from governance.elections.lifecycle_schemas import ElectionCreate, NominationIn
from governance.elections.models import Election
from governance.elections.nominations import nominate
from governance.elections.service import create_election
from governance.elections.stages import advance_due
from governance.members import configuration
from governance.members.models import Member, MembershipPeriod
from governance.members.schemas import ConstituencyIn
from governance.migrate import upgrade
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES

SECRET = "bench-lifecycle-secret-key-long-enough-for-hmac-0123456789"


def seed(session: Session, members: int) -> tuple[int, int]:
    org = organisations.create_organisation(
        session,
        slug="bench-trust",
        name="Bench NHS FT",
        type=OrganisationType.FOUNDATION_TRUST,
        actor="bench",
    )
    assert org.id is not None
    configuration.add_constituency(
        session,
        org,
        ConstituencyIn(code="PUBLIC", name="Public", kind="public"),
        actor="bench",  # type: ignore[arg-type]
    )
    constituency = configuration.by_code(session, org.id, "PUBLIC")
    assert constituency is not None and constituency.id is not None
    since = utcnow().date() - timedelta(days=400)
    now = utcnow()
    session.execute(
        insert(Member),
        [
            {
                "organisation_id": org.id,
                "reference": f"M{i:07d}",
                "first_name": f"First{i}",
                "last_name": f"Last{i}",
                "email": f"m{i}@example.org",
                "status": "active",
                "created_at": now,
                "first_name_key": "",
                "last_name_key": "",
                "contact_email": True,
                "contact_post": False,
                "contact_sms": False,
                "hide_from_public_register": False,
            }
            for i in range(members)
        ],
    )
    ids = session.exec(select(Member.id).where(Member.organisation_id == org.id)).all()
    session.execute(
        insert(MembershipPeriod),
        [
            {
                "organisation_id": org.id,
                "member_id": member_id,
                "constituency_id": constituency.id,
                "start_date": since,
                "start_reason": "joined",
                "recorded_at": now,
            }
            for member_id in ids
        ],
    )
    session.commit()
    return org.id, constituency.id


def stand(engine: object, organisation: Organisation, election: Election, base_url: str) -> None:
    """Three members nominate themselves."""
    with Session(engine, expire_on_commit=False) as session:  # type: ignore[call-overload]
        for member in session.exec(select(Member).limit(3)).all():
            form = NominationIn(
                surname=member.last_name,
                other_names=member.first_name,
                address="1 High Street",
                no_interests=True,
                declared_eligible=True,
                confirm=True,
            )
            nominate(session, organisation, election, member, form, photo=None, base_url=base_url)


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 15_000
    with tempfile.TemporaryDirectory() as scratch:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        settings = Settings(
            environment="test", data_dir=Path(scratch), database_url=url, secret_key=SECRET
        )
        audit.configure(SECRET)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            started = time.perf_counter()
            org_id, constituency_id = seed(session, members)
            print(f"seeded {members} members in {time.perf_counter() - started:.1f} s")
            organisation = session.get(Organisation, org_id)
            assert organisation is not None
            close = utcnow().date() + timedelta(days=120)
            while not ENGLAND_AND_WALES.is_working_day(close):
                close += timedelta(days=1)
            data = ElectionCreate(
                title="Public governors",
                constituency_id=constituency_id,
                seats=2,
                method="mer2014-stv",
                close_of_poll=close,
            )
            election = create_election(
                session, organisation, data, actor="bench", may_override=False
            )
        for label, moment in [
            ("notice of election (emails)", election.notice_at),
            ("nominations close (freeze)", election.nominations_close_at),
            ("statement", election.statement_at),
            ("withdrawals close (roll)", election.withdrawals_close_at),
        ]:
            assert moment is not None
            Clock.offset += moment + timedelta(seconds=1) - utcnow()
            started = time.perf_counter()
            moved = advance_due(engine, settings)
            took = time.perf_counter() - started
            print(f"{label:30} {took:6.2f} s  ({', '.join(m.stage for m in moved)})")
            if moment == election.notice_at:
                stand(engine, organisation, election, settings.base_url)
        engine.dispose()


if __name__ == "__main__":
    main()
