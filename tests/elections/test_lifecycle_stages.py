"""The stage machine: on time, once each, catching up after downtime, safe with two runners."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.audit import verify
from governance.elections import electorate, stages
from governance.elections.lifecycle_models import Elector
from governance.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    ElectionStatus,
    StageEvent,
    Voter,
)
from governance.mail import OutboxMessage
from governance.members.offices import OfficeTerm
from governance.scheduler import load_jobs, run_all_once
from governance.settings import Settings
from tests.elections.lifecycle_support import (
    Trust,
    enrol,
    just_after,
    make_trust,
    schedule_election,
    stand,
)
from tests.factories import (
    run_together,
    travel_to,
)

S = ElectionStatus
VOTERS = [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper"), ("Dan", "Dyer"), ("Eve", "Ely")]


def schedule(db: Session, trust: Trust, *, seats: int = 1) -> Election:
    return schedule_election(db, trust, seats=seats)


def advance(db: Session, engine: Engine, settings: Settings) -> list[stages.Advanced]:
    """Run the job as the scheduler would, after ending the test's own read transaction (on
    SQLite every transaction holds the write lock)."""
    db.commit()
    return stages.advance_due(engine, settings)


def stage_names(db: Session, election: Election) -> list[str]:
    rows = db.exec(
        select(StageEvent.stage)
        .where(StageEvent.election_id == election.id)
        .order_by(col(StageEvent.happened_at), col(StageEvent.id))
    ).all()
    return list(rows)


def fresh(db: Session, election: Election) -> Election:
    found = db.get(Election, election.id, populate_existing=True)
    assert found is not None
    return found


def test_each_stage_happens_on_time_and_once(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, VOTERS)
    election = schedule(db, trust)
    assert election.status == S.SCHEDULED
    assert advance(db, engine, settings) == []  # nothing due yet

    travel_to(election.notice_at - timedelta(minutes=1))  # type: ignore[operator]
    assert advance(db, engine, settings) == []
    travel_to(just_after(election.notice_at))
    moved = advance(db, engine, settings)
    assert [m.stage for m in moved] == [S.NOMINATIONS_OPEN]
    assert advance(db, engine, settings) == []  # and not again
    notices = db.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).startswith("Notice of election"))
    ).all()
    assert sorted(m.to_address for m in notices) == sorted(m.email for m in members)

    stand(db, trust, election, members[0])
    stand(db, trust, election, members[1])

    travel_to(just_after(election.nominations_close_at))
    assert [m.stage for m in advance(db, engine, settings)] == [S.NOMINATIONS_CLOSED]
    election = fresh(db, election)
    assert election.electorate_count == 5
    assert election.electorate_fingerprint == electorate.fingerprint(m.reference for m in members)

    travel_to(just_after(election.statement_at))
    assert [m.stage for m in advance(db, engine, settings)] == [S.WITHDRAWALS_OPEN]
    positions = {
        c.ballot_name: (c.status, c.ballot_position)
        for c in db.exec(select(Candidate).where(Candidate.election_id == election.id)).all()
    }
    assert positions == {
        "Ann Archer": (CandidateStatus.VALID, 1),
        "Ben Baker": (CandidateStatus.VALID, 2),
    }

    travel_to(just_after(election.withdrawals_close_at))
    assert [m.stage for m in advance(db, engine, settings)] == [S.AWAITING_POLL]
    voters = db.exec(select(Voter).where(Voter.election_id == election.id)).all()
    assert len(voters) == 5

    travel_to(just_after(election.poll_open_at))
    assert [m.stage for m in advance(db, engine, settings)] == [S.POLLING]
    travel_to(just_after(election.poll_close_at))
    assert [m.stage for m in advance(db, engine, settings)] == [S.POLL_CLOSED]
    assert advance(db, engine, settings) == []

    assert stage_names(db, election) == [
        S.SCHEDULED,
        S.NOMINATIONS_OPEN,
        S.NOMINATIONS_CLOSED,
        S.WITHDRAWALS_OPEN,
        S.AWAITING_POLL,
        S.POLLING,
        S.POLL_CLOSED,
    ]
    events = db.exec(select(StageEvent).where(StageEvent.election_id == election.id)).all()
    for event in events:
        if event.planned_at is not None:
            assert event.planned_at <= event.happened_at < event.planned_at + timedelta(minutes=1)
    assert verify(db)[1] == []


def test_catches_up_after_downtime_in_order(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, VOTERS)
    election = schedule(db, trust)
    travel_to(just_after(election.notice_at))
    advance(db, engine, settings)
    stand(db, trust, election, members[0])
    stand(db, trust, election, members[1])
    # The scheduler is down from here until after voting has opened.
    travel_to(just_after(election.poll_open_at))
    moved = advance(db, engine, settings)
    assert [m.stage for m in moved] == [
        S.NOMINATIONS_CLOSED,
        S.WITHDRAWALS_OPEN,
        S.AWAITING_POLL,
        S.POLLING,
    ]
    assert [m.planned_at for m in moved] == [
        election.nominations_close_at,
        election.statement_at,
        election.withdrawals_close_at,
        election.poll_open_at,
    ]
    # The electorate is that of the day nominations closed, not of the day the job ran.
    assert fresh(db, election).electorate_count == 5
    assert advance(db, engine, settings) == []


def test_restart_runs_the_job_through_the_scheduler_registry(
    db: Session, engine: Engine, settings: Settings
) -> None:
    assert "elections.advance" in load_jobs()
    trust = make_trust(db)
    enrol(db, trust.org, trust.public, VOTERS)
    election = schedule(db, trust)
    travel_to(just_after(election.nominations_close_at))
    db.commit()
    run_all_once(engine, settings)  # a freshly started scheduler runs every job at once
    assert fresh(db, election).status == S.NOMINATIONS_CLOSED
    db.commit()
    run_all_once(engine, settings)
    assert stage_names(db, election).count(S.NOMINATIONS_CLOSED) == 1


def test_two_runners_at_once_move_each_stage_once(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, VOTERS)
    election = schedule(db, trust)
    travel_to(just_after(election.notice_at))
    advance(db, engine, settings)
    for member in members[:3]:
        stand(db, trust, election, member)
    travel_to(just_after(election.poll_open_at))
    db.commit()
    results, errors = run_together(lambda: stages.advance_due(engine, settings), 2)
    assert not errors
    done = sorted(m.stage for batch in results for m in batch)
    assert done == sorted([S.NOMINATIONS_CLOSED, S.WITHDRAWALS_OPEN, S.AWAITING_POLL, S.POLLING])
    names = stage_names(db, election)
    assert len(names) == len(set(names))
    assert len(db.exec(select(Voter).where(Voter.election_id == election.id)).all()) == 5
    assert len(db.exec(select(Elector).where(Elector.election_id == election.id)).all()) == 5


def test_uncontested_when_candidates_do_not_exceed_seats(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, VOTERS)
    election = schedule(db, trust, seats=3)
    travel_to(just_after(election.notice_at))
    advance(db, engine, settings)
    stand(db, trust, election, members[0])
    stand(db, trust, election, members[1])
    travel_to(just_after(election.withdrawals_close_at))
    moved = advance(db, engine, settings)
    assert [m.stage for m in moved][-1] == S.UNCONTESTED
    election = fresh(db, election)
    assert election.declared_at is not None
    assert db.exec(select(Voter).where(Voter.election_id == election.id)).all() == []
    elected = db.exec(
        select(Candidate.member_id).where(
            Candidate.election_id == election.id, Candidate.status == CandidateStatus.ELECTED
        )
    ).all()
    assert sorted(elected) == sorted([members[0].id, members[1].id])
    terms = db.exec(select(OfficeTerm).where(OfficeTerm.election_id == election.id)).all()
    assert len(terms) == 2 and all(t.office == "governor" for t in terms)
    travel_to(just_after(election.poll_close_at))
    assert advance(db, engine, settings) == []  # an uncontested election stops there
