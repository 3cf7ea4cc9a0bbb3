"""A candidate who dies or is disqualified before the declaration (RULES.md section 4)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.elections import declaration, stages
from governance.elections.ballot_box import ballot_candidates
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.elections.removal import remove_candidate
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.conftest import Client
from tests.elections.lifecycle_support import (
    BASE_URL,
    election_at_poll,
    enrol,
    make_trust,
    refreshed,
    run_jobs_at,
    schedule_election,
    stand,
    vote,
)
from tests.elections.poll_helpers import ELECTION_KEY
from tests.factories import (
    staff_client,
)

S = ElectionStatus
PEOPLE = [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper"), ("Dan", "Dyer"), ("Eve", "Ely")]


def remove(
    db: Session, election: Election, candidate: Candidate, cause: str = "died"
) -> Election | None:
    organisation = db.get(Organisation, election.organisation_id)
    fresh = db.get(Candidate, candidate.id)
    assert organisation is not None and fresh is not None
    return remove_candidate(
        db,
        organisation,
        refreshed(db, election),
        fresh,
        cause=cause,
        note="Notified by the family",
        actor="user:ro",
        base_url=BASE_URL,
    )


KEY = ELECTION_KEY.private


def test_before_the_poll_they_come_off_the_ballot(
    db: Session, engine: Engine, settings: Settings
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    election = schedule_election(db, trust, seats=1)
    run_jobs_at(db, engine, settings, election.notice_at)
    made = [stand(db, trust, election, m) for m in members[:3]]
    run_jobs_at(db, engine, settings, election.statement_at)
    remove(db, election, made[0], "disqualified")
    candidate = db.get(Candidate, made[0].id)
    assert candidate is not None
    assert candidate.status == CandidateStatus.DISQUALIFIED and candidate.ballot_position is None
    run_jobs_at(db, engine, settings, election.withdrawals_close_at)
    election = refreshed(db, election)
    assert election.status == S.AWAITING_POLL  # two left for one seat: still a contest
    assert [c.id for c in ballot_candidates(db, election.id or 0)] == [made[1].id, made[2].id]


def test_if_that_leaves_no_contest_those_left_are_elected(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll_trust = make_trust(db)
    members = enrol(db, poll_trust.org, poll_trust.public, PEOPLE)
    election = schedule_election(db, poll_trust, seats=1)
    run_jobs_at(db, engine, settings, election.notice_at)
    made = [stand(db, poll_trust, election, m) for m in members[:2]]
    run_jobs_at(db, engine, settings, election.withdrawals_close_at)
    assert refreshed(db, election).status == S.AWAITING_POLL
    remove(db, election, made[0])
    election = refreshed(db, election)
    assert election.status == S.UNCONTESTED
    assert db.get(Candidate, made[1].id).status == CandidateStatus.ELECTED  # type: ignore[union-attr]
    db.commit()
    run_jobs_at(db, engine, settings, election.poll_open_at)
    assert refreshed(db, election).status == S.UNCONTESTED  # the stage machine leaves it there


def test_fptp_after_voting_opens_the_poll_is_abandoned_and_rerun(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE, standing=3, method="fptp")
    vote(db, poll, poll.members[0], [poll.candidates[0].id])
    officer = staff_client(make_client, engine, poll.trust.officer)
    base = f"/api/orgs/{poll.trust.org.slug}/elections/{poll.election.id}"
    response = officer.post(
        f"{base}/candidates/{poll.candidates[1].id}/removal", json={"cause": "died", "note": "x"}
    )
    assert response.status_code == 200, response.text
    rerun_id = response.json()["rerun_id"]
    assert response.json()["election"]["status"] == "cancelled"
    assert "abandoned" in response.json()["election"]["cancelled_reason"]
    rerun = db.get(Election, rerun_id)
    assert rerun is not None and rerun.status == S.DRAFT and rerun.method == "fptp"
    carried = db.exec(select(Candidate).where(Candidate.election_id == rerun_id)).all()
    assert sorted(c.member_id for c in carried) == sorted(
        c.member_id for c in poll.candidates if c.id != poll.candidates[1].id
    )
    assert {c.status for c in carried} == {CandidateStatus.VALID}
    conduct = db.get(ElectionConduct, rerun_id)
    assert conduct is not None and conduct.rerun_of_id == poll.election.id
    db.commit()
    # Voting in the abandoned poll is now refused.
    assert refreshed(db, poll.election).status == S.CANCELLED
    run_jobs_at(db, engine, settings, poll.election.poll_close_at)
    assert refreshed(db, poll.election).status == S.CANCELLED


def test_stv_the_count_continues_as_if_they_were_excluded(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE, standing=3, seats=1)
    a, b, c = (x.id for x in poll.candidates)
    for member, ranking in zip(poll.members, [[a, b], [a, b], [a, c], [b, c], [c, b]], strict=True):
        vote(db, poll, member, ranking)
    run_jobs_at(db, engine, settings, poll.election.poll_close_at)
    election = refreshed(db, poll.election)
    first = declaration.count(db, election, seed="s", actor="user:ro", private_key=KEY)
    assert first["elected"] == [poll.candidates[0].ballot_name]
    # The leading candidate dies after the count but before the declaration.
    remove(db, election, poll.candidates[0])
    election = refreshed(db, election)
    assert election.status == S.POLL_CLOSED and election.result is None
    second = declaration.count(db, election, seed="s", actor="user:ro", private_key=KEY)
    assert second["withdrawn"] == [poll.candidates[0].ballot_name]
    # Her papers went to their next preferences: Baker has 1 + 2 = 3 of 5, the quota.
    assert second["elected"] == [poll.candidates[1].ballot_name]
    assert second["stages"][0]["totals"][poll.candidates[0].ballot_name] == "0.00"


def test_after_the_declaration_nothing_changes(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE, standing=2, method="fptp")
    vote(db, poll, poll.members[0], [poll.candidates[0].id])
    run_jobs_at(db, engine, settings, poll.election.poll_close_at)
    election = refreshed(db, poll.election)
    declaration.count(db, election, seed=None, actor="user:ro", private_key=KEY)
    declaration.declare(
        db, poll.trust.org, refreshed(db, election), actor="user:ro", base_url=BASE_URL
    )
    officer = staff_client(make_client, engine, poll.trust.officer)
    base = f"/api/orgs/{poll.trust.org.slug}/elections/{election.id}"
    late = officer.post(
        f"{base}/candidates/{poll.candidates[0].id}/removal", json={"cause": "died"}
    )
    assert late.status_code == 409
    bad = officer.post(
        f"{base}/candidates/{poll.candidates[0].id}/removal", json={"cause": "bored"}
    )
    assert bad.status_code == 400
    statuses = db.exec(
        select(Candidate.status).where(col(Candidate.election_id) == election.id)
    ).all()
    assert sorted(statuses) == ["elected", "not_elected"]
    db.commit()
    assert stages.advance_due(engine, settings) == []
