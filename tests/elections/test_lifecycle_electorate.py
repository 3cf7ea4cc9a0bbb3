"""The electorate: members of the constituency on the day nominations close, frozen then, with a
fingerprint anyone holding the register for that day can reproduce."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.elections import electorate
from governance.elections.lifecycle_schemas import ElectionCreate
from governance.elections.models import Voter
from governance.elections.service import create_election
from governance.members import history
from governance.members.models import EndReason
from governance.organisations.constitution import OrganisationType
from governance.settings import Settings
from tests.elections.lifecycle_support import (
    enrol,
    make_trust,
    refreshed,
    run_jobs_at,
    schedule_election,
    stand,
    working_close_of_poll,
)


def test_the_fingerprint_is_sha256_of_the_sorted_references() -> None:
    expected = hashlib.sha256(b"A1\nB2\nb3\n").hexdigest()
    assert electorate.fingerprint(["b3", "A1", "B2"]) == expected
    assert electorate.fingerprint([]) == hashlib.sha256(b"").hexdigest()


def test_frozen_on_the_day_nominations_close(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    election = schedule_election(db, trust)
    close_day = electorate.local_day(election.nominations_close_at, trust.org)  # type: ignore[arg-type]
    old = enrol(db, trust.org, trust.public, [("Ann", "Old"), ("Ben", "Old")])
    on_the_day = enrol(db, trust.org, trust.public, [("Cat", "Day")], since=close_day, prefix="D")
    after = enrol(
        db,
        trust.org,
        trust.public,
        [("Dan", "After")],
        since=close_day + timedelta(days=1),
        prefix="A",
    )
    left = enrol(db, trust.org, trust.public, [("Eve", "Left")], prefix="L")
    history.end_periods(db, [left[0].id or 0], close_day, EndReason.RESIGNED)  # gone by the day
    elsewhere = enrol(db, trust.org, trust.nurses, [("Fay", "Nurse")], prefix="N")
    db.commit()

    run_jobs_at(db, engine, settings, election.notice_at)
    stand(db, trust, election, old[0])
    stand(db, trust, election, old[1])
    # The scheduler is down over the close and catches up days later; the day still decides.
    run_jobs_at(db, engine, settings, election.statement_at + timedelta(days=1))  # type: ignore[operator]
    election = refreshed(db, election)
    expected = [*old, *on_the_day]
    assert election.electorate_count == len(expected)
    refs = [m.reference for m in expected]
    assert election.electorate_fingerprint == electorate.fingerprint(refs)
    assert electorate.frozen_fingerprint(db, election) == election.electorate_fingerprint
    # Anyone with the register can reproduce it for the day.
    again = electorate.member_ids_on(db, election, close_day)
    assert again == sorted(m.id for m in expected)
    assert after[0].id not in again and elsewhere[0].id not in again
    db.commit()

    run_jobs_at(db, engine, settings, election.withdrawals_close_at)
    roll = db.exec(select(Voter.member_id).where(Voter.election_id == election.id)).all()
    assert sorted(roll) == sorted(m.id for m in expected)
    db.commit()


def test_a_staff_election_takes_in_its_classes_and_needs_no_declaration(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    nurses = enrol(db, trust.org, trust.nurses, [("Gus", "Nurse"), ("Hal", "Nurse")], prefix="N")
    staff = enrol(db, trust.org, trust.staff, [("Ivy", "Porter")], prefix="S")
    enrol(db, trust.org, trust.public, [("Jo", "Public")])
    election = schedule_election(db, trust, constituency=trust.staff)
    assert election.identity_declaration is False
    run_jobs_at(db, engine, settings, election.nominations_close_at)
    election = refreshed(db, election)
    assert election.electorate_count == 3
    assert electorate.frozen_fingerprint(db, election) == electorate.fingerprint(
        m.reference for m in [*nurses, *staff]
    )
    db.commit()


def test_a_board_election_takes_in_every_member(
    db: Session, engine: Engine, settings: Settings
) -> None:
    coop = make_trust(db, "valley-coop", kind=OrganisationType.COOPERATIVE)
    enrol(db, coop.org, coop.public, [("Kit", "Customer"), ("Lee", "Customer")])
    enrol(db, coop.org, coop.staff, [("Max", "Worker")], prefix="W")
    data = ElectionCreate(
        title="Board", seats=2, method="fptp", close_of_poll=working_close_of_poll()
    )
    election = create_election(db, coop.org, data, actor="user:test", may_override=False)
    assert election.identity_declaration is True and election.office == "director"
    run_jobs_at(db, engine, settings, election.nominations_close_at)
    assert refreshed(db, election).electorate_count == 3
