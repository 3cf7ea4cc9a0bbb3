"""The count and the declaration: seeds and lots, the declaration's figures, the published
ballots recounting to the same result, and office terms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.elections import declaration
from governance.elections.counting import report
from governance.elections.counting.blt import parse_blt
from governance.elections.counting.registry import METHODS
from governance.elections.election_key import generate_key_pair
from governance.elections.lifecycle_models import ElectionConduct, ElectionPublication
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.elections.results_chart import stage_chart
from governance.errors import Conflict
from governance.members.offices import Office, OfficeTerm, holders_on, term_end
from governance.settings import Settings
from tests.conftest import Client
from tests.elections.lifecycle_support import (
    BASE_URL,
    election_at_poll,
    refreshed,
    run_jobs_at,
    vote,
)
from tests.elections.poll_helpers import ELECTION_KEY
from tests.factories import (
    staff_client,
)

PEOPLE = [
    (f"P{i}", name)
    for i, name in enumerate(
        ["Archer", "Baker", "Cooper", "Dyer", "Ely", "Fox", "Gale", "Hart", "Iles", "Jay"]
    )
]


def closed(db: Session, engine: Engine, settings: Settings, poll: object) -> Election:
    election = poll.election  # type: ignore[attr-defined]
    run_jobs_at(db, engine, settings, election.poll_close_at)
    return refreshed(db, election)


KEY = ELECTION_KEY.private


def test_a_tie_is_settled_by_a_drawn_seed_that_replays(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE[:4], standing=2, method="fptp")
    a, b = poll.candidates
    vote(db, poll, poll.members[0], [a.id])
    vote(db, poll, poll.members[1], [b.id])
    election = closed(db, engine, settings, poll)
    with_lot = declaration.count(db, election, seed=None, actor="user:ro", private_key=KEY)
    assert with_lot["ties"][0]["broken_by"] == "lot"
    drawn = with_lot["seed"]
    assert drawn
    conduct = db.get(ElectionConduct, election.id)
    assert conduct is not None and conduct.seed_source == "drawn"
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "election.counted")).one()
    assert drawn in entry.detail and '"seed_source":"drawn"' in entry.detail
    db.commit()
    replay = declaration.count(
        db, refreshed(db, election), seed=drawn, actor="user:ro", private_key=KEY
    )
    assert replay["elected"] == with_lot["elected"]
    assert db.get(ElectionConduct, election.id).seed_source == "supplied"  # type: ignore[union-attr]


def test_a_count_without_a_lot_records_no_seed(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE[:4], standing=2, method="fptp")
    a = poll.candidates[0]
    for member in poll.members[:3]:
        vote(db, poll, member, [a.id])
    election = closed(db, engine, settings, poll)
    result = declaration.count(db, election, seed=None, actor="user:ro", private_key=KEY)
    assert result["seed"] is None and result["ties"] == []
    assert result["elected"] == [a.ballot_name]


def test_declaration_figures_and_published_ballots(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    poll = election_at_poll(
        db,
        engine,
        settings,
        people=PEOPLE,
        standing=4,
        seats=2,
        method="fptp",
        channels=("online", "postal"),
    )
    ids = [c.id for c in poll.candidates]
    ballots = [
        [ids[0], ids[1]],
        [ids[0]],
        [ids[1], ids[2]],
        [ids[0], ids[2]],
        [ids[3]],
        [ids[0], ids[3]],
    ]
    for member, ballot in zip(poll.members, ballots, strict=False):
        vote(db, poll, member, ballot)
    vote(db, poll, poll.members[6], [], rejected="unmarked")
    vote(db, poll, poll.members[7], [], rejected="identifies-voter")
    election = closed(db, engine, settings, poll)
    counted = declaration.count(db, election, seed="fixed", actor="user:ro", private_key=KEY)
    assert counted["stages"][0]["totals"] == {
        poll.candidates[0].ballot_name: "4",
        poll.candidates[1].ballot_name: "2",
        poll.candidates[2].ballot_name: "2",
        poll.candidates[3].ballot_name: "2",
    }
    organisation = poll.trust.org
    conduct = declaration.declare(
        db, organisation, refreshed(db, election), actor="user:ro", base_url=BASE_URL
    )
    figures = conduct.declaration
    assert figures is not None
    assert figures["electorate"] == 10
    assert figures["votes_cast"] == 8
    assert figures["turnout"] == "80.0%"
    assert figures["valid_votes"] == 6
    assert figures["rejected_total"] == 2
    assert {r["reason"] for r in figures["rejected"]} == {
        "Unmarked or wholly void for uncertainty",
        "Writing or a mark by which the voter can be identified",
    }
    assert figures["elected"][0]["name"] == poll.candidates[0].ballot_name
    assert figures["unfilled_seats"] == 0
    declared_on = date.fromisoformat(figures["term_starts_on"])
    assert figures["challenge_until"] == (declared_on + timedelta(days=21)).isoformat()

    # The published file recounts to the same result; the receipts are all there.
    publication = db.get(ElectionPublication, election.id)
    assert publication is not None and publication.ballots == 6
    recount = METHODS["fptp"].count(parse_blt(publication.blt), "fixed")
    assert report.as_json(recount, "")["elected"] == counted["elected"]
    assert report.as_json(recount, "")["stages"] == counted["stages"]
    assert len(publication.receipt_hashes.split()) == 8
    # One line per counted ballot, each of weight 1.
    lines = [line for line in publication.blt.splitlines()[1:] if line.startswith("1 ")]
    assert len(lines) == 6

    # The elected hold office from the declaration, for the term.
    terms = db.exec(select(OfficeTerm).where(OfficeTerm.election_id == election.id)).all()
    assert len(terms) == 2
    assert {t.ends_on for t in terms} == {term_end(declared_on, 3)}
    assert len(holders_on(db, organisation.id or 0, declared_on, Office.GOVERNOR)) == 2
    assert holders_on(db, organisation.id or 0, term_end(declared_on, 3), Office.GOVERNOR) == []
    statuses = sorted(
        c.status
        for c in db.exec(select(Candidate).where(Candidate.election_id == election.id)).all()
    )
    assert statuses == ["elected", "elected", "not_elected", "not_elected"]
    db.commit()

    # Public pages: the declaration with its table and chart.
    public = make_client()
    page = public.get(f"/o/{organisation.slug}/elections/{election.id}/declaration")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "80.0%" in page.text and "Unmarked" in page.text


def test_the_count_waits_for_the_close_and_the_officer(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE[:4], standing=3, seats=1)
    election = poll.election
    try:
        declaration.count(db, election, seed=None, actor="user:ro", private_key=KEY)
    except Conflict as error:
        assert error.slug == "not-countable"
    else:
        raise AssertionError("counted before the close")
    db.rollback()
    vote(db, poll, poll.members[0], [poll.candidates[0].id])
    election = closed(db, engine, settings, poll)
    slug = poll.trust.org.slug
    base = f"/api/orgs/{slug}/elections/{election.id}"
    officer = staff_client(make_client, engine, poll.trust.officer)
    secretary = staff_client(make_client, engine, poll.trust.secretary)
    assert officer.post(f"{base}/declaration").status_code == 409  # nothing counted yet
    assert make_client().get(f"{base}/results").status_code == 404
    assert secretary.post(f"{base}/count", json={}).status_code == 404
    assert officer.post(f"{base}/count", json={"seed": ""}).status_code == 400
    # Without the key, or with a wrong one, nothing is counted.
    missing = officer.post(f"{base}/count", json={})
    assert missing.status_code == 422 and missing.json()["type"].endswith("no-key")
    wrong = officer.post(f"{base}/count", json={"private_key": generate_key_pair().private})
    assert wrong.status_code == 422 and "does not match" in wrong.json()["detail"]
    assert refreshed(db, election).status == ElectionStatus.POLL_CLOSED
    assert officer.post(f"{base}/count", json={"private_key": KEY}).status_code == 200
    assert make_client().get(f"{base}/results").status_code == 404  # counted, not declared
    assert officer.post(f"{base}/declaration").status_code == 200
    assert officer.post(f"{base}/declaration").status_code == 409
    assert officer.post(f"{base}/count", json={"private_key": KEY}).status_code == 409
    assert make_client().get(f"{base}/results").status_code == 200


def test_stv_count_with_a_seed_replays_and_the_blt_recounts(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE, standing=5, seats=2)
    ids = [c.id for c in poll.candidates]
    rankings = [
        [0, 1, 2],
        [0, 2],
        [1, 0],
        [1, 3, 4],
        [2, 3],
        [3, 2, 1],
        [4, 3],
        [4, 0, 1],
        [0],
        [2, 4],
    ]
    for member, ranking in zip(poll.members, rankings, strict=True):
        vote(db, poll, member, [ids[i] for i in ranking])
    election = closed(db, engine, settings, poll)
    first = declaration.count(db, election, seed="abc", actor="user:ro", private_key=KEY)
    again = declaration.count(
        db, refreshed(db, election), seed="abc", actor="user:ro", private_key=KEY
    )
    assert first == again
    declaration.declare(
        db, poll.trust.org, refreshed(db, election), actor="user:ro", base_url=BASE_URL
    )
    publication = db.get(ElectionPublication, election.id)
    assert publication is not None
    recount = report.as_json(METHODS["mer2014-stv"].count(parse_blt(publication.blt), "abc"), "")
    assert recount["stages"] == first["stages"] and recount["elected"] == first["elected"]
    assert refreshed(db, election).status == ElectionStatus.DECLARED
    chart = stage_chart(first)
    assert chart.count("<rect") == len(first["stages"]) * 5
    assert "Quota" in chart
    db.commit()


def test_office_terms_can_start_on_a_configured_day(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = election_at_poll(db, engine, settings, people=PEOPLE[:3], standing=2, method="fptp")
    conduct = db.get(ElectionConduct, poll.election.id)
    assert conduct is not None
    conduct.term_starts_on = date(2028, 2, 29)
    db.add(conduct)
    db.commit()
    vote(db, poll, poll.members[0], [poll.candidates[0].id])
    election = closed(db, engine, settings, poll)
    declaration.count(db, election, seed=None, actor="user:ro", private_key=KEY)
    declaration.declare(
        db, poll.trust.org, refreshed(db, election), actor="user:ro", base_url=BASE_URL
    )
    term = db.exec(select(OfficeTerm).where(OfficeTerm.election_id == election.id)).one()
    assert term.starts_on == date(2028, 2, 29)
    assert term.ends_on == date(2031, 3, 1)
    loser = db.exec(
        select(Candidate).where(
            Candidate.election_id == election.id, Candidate.status == CandidateStatus.NOT_ELECTED
        )
    ).one()
    assert loser.member_id != term.member_id
