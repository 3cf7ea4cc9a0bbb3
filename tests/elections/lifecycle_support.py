"""Seeding and time travel for the election lifecycle's tests.

A trust with a public constituency and a staff constituency (with a class), members placed in
them by membership periods (the register's history), staff with roles, and a clock that the
tests move forward (``Clock.offset``) to run a timetable in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session, col, select

from governance.auth.models import User
from governance.db import utcnow
from governance.elections.ballot_box import Credentials, cast
from governance.elections.key_custody import set_public_key
from governance.elections.lifecycle_schemas import ElectionCreate, NominationIn
from governance.elections.models import Candidate, Channel, Election
from governance.elections.nominations import nominate
from governance.elections.service import create_election
from governance.members import configuration, history
from governance.members.models import Constituency, Member
from governance.members.schemas import ConstituencyIn
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.scheduler import run_all_once
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES
from tests.elections.poll_helpers import ELECTION_KEY, credentials
from tests.factories import (
    KEYS,
    make_member,
    make_org,
    make_user,
    travel_to,
)

BASE_URL = "http://testserver.local"


def just_after(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment + timedelta(seconds=1)


def working_close_of_poll(days_ahead: int = 120) -> date:
    """A working day about ``days_ahead`` days from now: room for the longest timetable."""
    day = utcnow().date() + timedelta(days=days_ahead)
    while not ENGLAND_AND_WALES.is_working_day(day):
        day += timedelta(days=1)
    return day


def add_constituency(
    db: Session, org: Organisation, code: str, kind: str, parent: str | None = None
) -> Constituency:
    data = ConstituencyIn(code=code, name=code.title(), kind=kind, parent=parent)  # type: ignore[arg-type]
    configuration.add_constituency(db, org, data, actor="test")
    found = configuration.by_code(db, org.id or 0, code)
    assert found is not None
    return found


def enrol(
    db: Session,
    org: Organisation,
    constituency: Constituency,
    names: list[tuple[str, str]],
    *,
    since: date | None = None,
    prefix: str = "M",
) -> list[Member]:
    """Members (first, last) placed in ``constituency`` from ``since`` (a year ago by default)."""
    start = since or (utcnow().date() - timedelta(days=365))
    made = []
    for first, last in names:
        member = make_member(
            db,
            org,
            email=f"{first.lower()}.{last.lower()}@example.org",
            first_name=first,
            last_name=last,
            reference=f"{prefix}{constituency.code}{len(made) + 1:04d}-{first}",
        )
        made.append(member)
    history.start_periods(
        db,
        [
            {
                "organisation_id": org.id,
                "member_id": m.id,
                "constituency_id": constituency.id,
                "start_date": start,
                "start_reason": "joined",
            }
            for m in made
        ],
    )
    db.commit()
    return made


@dataclass
class Trust:
    org: Organisation
    public: Constituency
    staff: Constituency
    nurses: Constituency
    secretary: User
    officer: User


def make_trust(
    db: Session,
    slug: str = "riverside",
    *,
    kind: OrganisationType = OrganisationType.FOUNDATION_TRUST,
) -> Trust:
    org = make_org(db, slug, type=kind)
    public_kind = "public" if kind is OrganisationType.FOUNDATION_TRUST else "member_class"
    public = add_constituency(db, org, "PUBLIC", public_kind)
    if kind is OrganisationType.FOUNDATION_TRUST:
        staff = add_constituency(db, org, "STAFF", "staff")
        nurses = add_constituency(db, org, "NURSES", "staff_class", parent="STAFF")
    else:
        staff = nurses = add_constituency(db, org, "WORKERS", "member_class")
    secretary = make_user(
        db, f"secretary@{slug}.example", roles={slug: [Role.SECRETARY]}, totp=True
    )
    officer = make_user(db, f"ro@{slug}.example", roles={slug: [Role.RETURNING_OFFICER]}, totp=True)
    return Trust(org, public, staff, nurses, secretary, officer)


def nomination(member: Member, **changes: Any) -> dict[str, Any]:
    """A complete nomination for ``member`` as the API takes it."""
    return {
        "surname": member.last_name,
        "other_names": member.first_name,
        "address": "1 High Street, Leeds LS1 1AA",
        "no_interests": True,
        "declared_eligible": True,
        "confirm": True,
        "statement": f"I am {member.first_name}. I will listen to members and report back.",
        **changes,
    }


def schedule_election(
    db: Session,
    trust: Trust,
    *,
    seats: int = 1,
    method: str = "mer2014-stv",
    constituency: Constituency | None = None,
    **extra: Any,
) -> Election:
    """An election scheduled through the service (as the secretary would), at the latest dates."""
    data = ElectionCreate(
        title="Public governors",
        constituency_id=(constituency or trust.public).id,
        seats=seats,
        method=method,
        close_of_poll=extra.pop("close_of_poll", working_close_of_poll()),
        **extra,
    )
    return create_election(db, trust.org, data, actor="user:test", may_override=False)


def run_jobs_at(db: Session, engine: Engine, settings: Settings, moment: datetime | None) -> None:
    """Move the clock to just after ``moment`` and run every job once (as a scheduler would)."""
    db.commit()
    travel_to(just_after(moment))
    run_all_once(engine, settings)
    resync(db)


def resync(db: Session) -> None:
    """Reload every object the test's session holds (the jobs changed rows behind it), then end
    the read so that the session holds no lock (on SQLite every transaction takes the write
    lock). Objects stay loaded, because the sessions do not expire on commit."""
    for obj in list(db.identity_map.values()):
        try:
            db.refresh(obj)
        except InvalidRequestError:  # deleted meanwhile
            db.expunge(obj)
    db.commit()


def stand(
    db: Session, trust: Trust, election: Election, member: Member, **changes: Any
) -> Candidate:
    """``member`` nominates themself (through the service)."""
    form = NominationIn(**nomination(member, **changes))
    return nominate(db, trust.org, election, member, form, photo=None, base_url=BASE_URL)


def refreshed(db: Session, election: Election) -> Election:
    found = db.get(Election, election.id, populate_existing=True)
    assert found is not None
    db.commit()
    return found


@dataclass
class AtPoll:
    """An election whose voting has just opened, with its candidates and voters' credentials."""

    trust: Trust
    election: Election
    members: list[Member]
    candidates: list[Candidate]  # in ballot order
    credentials: dict[int, Credentials]

    def by_surname(self, surname: str) -> int:
        return next(c.id for c in self.candidates if c.particulars["surname"] == surname) or 0


def election_at_poll(
    db: Session,
    engine: Engine,
    settings: Settings,
    *,
    people: list[tuple[str, str]],
    standing: int,
    seats: int = 1,
    method: str = "mer2014-stv",
    channels: tuple[str, ...] = ("online",),
    slug: str = "riverside",
) -> AtPoll:
    trust = make_trust(db, slug)
    members = enrol(db, trust.org, trust.public, people)
    election = schedule_election(db, trust, seats=seats, method=method, channels=list(channels))
    set_public_key(db, election, public_key=ELECTION_KEY.public, actor="user:ro")
    run_jobs_at(db, engine, settings, election.notice_at)
    for member in members[:standing]:
        stand(db, trust, election, member)
    run_jobs_at(db, engine, settings, election.poll_open_at)
    election = refreshed(db, election)
    found = list(
        db.exec(
            select(Candidate)
            .where(
                Candidate.election_id == election.id, col(Candidate.ballot_position).is_not(None)
            )
            .order_by(col(Candidate.ballot_position))
        ).all()
    )
    creds = credentials(db, election)
    db.commit()
    return AtPoll(trust, election, members, found, creds)


def vote(
    db: Session, poll: AtPoll, member: Member, choices: list[int], *, rejected: str | None = None
) -> str:
    """Cast ``member``'s vote (staff entry of a rejected paper when ``rejected`` is given)."""
    assert member.id is not None
    found = db.get(Election, poll.election.id, populate_existing=True)
    assert found is not None
    given = poll.credentials[member.id]
    receipt = cast(
        db,
        KEYS,
        election=found,
        voter_id=given.voter_id,
        code=given.code,
        choices=choices,
        channel=Channel.POSTAL if rejected else Channel.ONLINE,
        declaration_made=True,
        rejected=rejected,
    )
    return receipt.receipt
