"""A whole election by the API, with the clock moved forward: schedule, notice, nominations,
freeze, statement, withdrawals, the poll (votes through the poll's API), close, count,
declaration, and the published ballots recounted by the counting engine.

Runs on SQLite, and on PostgreSQL when GOVERNANCE_TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.audit import verify
from governance.elections.counting import report
from governance.elections.counting.blt import parse_blt
from governance.elections.counting.registry import METHODS
from governance.elections.electorate import fingerprint
from governance.elections.models import CountedBallot, Election
from governance.elections.timetable import MER2014, Step, statutory_timetable
from governance.members.models import Member
from governance.members.offices import OfficeTerm, term_end
from governance.scheduler import run_all_once
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES
from tests.conftest import Client
from tests.elections.key_support import make_key
from tests.elections.lifecycle_support import (
    enrol,
    just_after,
    make_trust,
    nomination,
    working_close_of_poll,
)
from tests.elections.poll_helpers import credentials
from tests.factories import (
    member_client,
    staff_client,
    travel_to,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
PEOPLE = [
    ("Zoe", "Young"),
    ("Adam", "Smith"),
    ("Beth", "Jones"),
    ("Carl", "Brown"),
    ("Dina", "Khan"),
    ("Ezra", "Lloyd"),
    ("Fay", "Moss"),
]


def tick(db: Session, engine: Engine, settings: Settings, moment: object) -> None:
    """Move the clock to just after ``moment`` and let the scheduler run its jobs once."""
    db.commit()
    travel_to(just_after(moment))  # type: ignore[arg-type]
    run_all_once(engine, settings)


def test_a_whole_election_by_the_api(
    db: Session,
    engine: Engine,
    settings: Settings,
    make_client: Callable[[], Client],
    tmp_path: Path,
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    slug = trust.org.slug
    api = f"/api/orgs/{slug}/elections"
    secretary = staff_client(make_client, engine, trust.secretary)
    officer = staff_client(make_client, engine, trust.officer)
    close = working_close_of_poll()

    # The secretary schedules: the timetable is generated backwards from the close of poll.
    response = secretary.request(
        "POST",
        api,
        json={
            "title": "Election of public governors",
            "constituency_id": trust.public.id,
            "seats": 2,
            "method": "mer2014-stv",
            "channels": ["online", "postal"],
            "close_of_poll": close.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    detail = response.json()
    election_id = detail["election"]["id"]
    one = f"{api}/{election_id}"
    assert detail["election"]["status"] == "scheduled"
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    assert [date.fromisoformat(row["latest"]) for row in detail["timetable"]] == [
        latest[step] for step in Step
    ]
    election = db.get(Election, election_id)
    assert election is not None
    db.commit()

    # The returning officer makes the election key on their own computer and gives the service
    # the public key only (the secretary cannot).
    key = make_key(tmp_path)
    body = {"public_key": key.public}
    assert secretary.request("PUT", f"{one}/election-key", json=body).status_code == 404
    given = officer.request("PUT", f"{one}/election-key", json=body)
    assert given.status_code == 200, given.text
    assert given.json()["fingerprint"] == key.fingerprint
    assert given.json()["election"]["ballot_key_fingerprint"] == key.fingerprint

    # Notice of election: members of the constituency are told.
    tick(db, engine, settings, election.notice_at)
    assert secretary.get(one).json()["election"]["status"] == "nominations_open"

    # Five members stand (one with a photo); the returning officer decides.
    def member(m: Member) -> Client:  # signed in afresh: sessions do not outlive the travel
        return member_client(make_client, engine, m)

    standing = members[:5]
    candidate_ids = {}
    for person in standing:
        body = nomination(person, photo_base64=PNG if person is standing[0] else None)
        response = member(person).api("POST", f"{one}/nominations", json=body)
        assert response.status_code == 201, response.text
        candidate_ids[person.last_name] = response.json()["id"]
    refused = officer.request(
        "POST",
        f"{one}/candidates/{candidate_ids['Khan']}/decision",
        json={"decision": "reject", "reason": "we do not like them"},
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/reason-not-allowed"
    for name in ("Young", "Smith", "Jones", "Brown"):
        decided = officer.request(
            "POST", f"{one}/candidates/{candidate_ids[name]}/decision", json={"decision": "accept"}
        )
        assert decided.status_code == 200, decided.text
    # Khan's nomination is left undecided: at the statement it is deemed valid.

    # Nominations close: the electorate is frozen and fingerprinted.
    tick(db, engine, settings, election.nominations_close_at)
    frozen = secretary.get(one).json()["election"]
    assert frozen["status"] == "nominations_closed"
    assert frozen["electorate_count"] == len(members)
    assert frozen["electorate_fingerprint"] == fingerprint(m.reference for m in members)
    late = member(members[5]).api("POST", f"{one}/nominations", json=nomination(members[5]))
    assert late.status_code == 409

    # The statement: candidates in alphabetical order of surname.
    tick(db, engine, settings, election.statement_at)
    candidates = secretary.get(f"{one}/candidates").json()
    on_paper = sorted(
        (c for c in candidates if c["ballot_position"]), key=lambda c: c["ballot_position"]
    )
    assert [c["particulars"]["surname"] for c in on_paper] == [
        "Brown",
        "Jones",
        "Khan",
        "Smith",
        "Young",
    ]

    # Young withdraws in time; a withdrawal after the deadline is refused.
    withdrawn = member(standing[0]).api("POST", f"{one}/nominations/mine/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    tick(db, engine, settings, election.withdrawals_close_at)
    too_late = member(standing[1]).api("POST", f"{one}/nominations/mine/withdrawal")
    assert too_late.status_code == 409
    assert secretary.get(one).json()["election"]["status"] == "awaiting_poll"

    # The poll: the voters' credentials came by email when withdrawals closed.
    tick(db, engine, settings, election.poll_open_at)
    creds = credentials(db, election)
    db.commit()
    assert len(creds) == len(members)
    ids = {c["particulars"]["surname"]: c["id"] for c in candidates}
    preferences = [
        ["Brown", "Jones"],
        ["Brown", "Khan"],
        ["Jones", "Brown"],
        ["Smith", "Jones"],
        ["Khan", "Smith"],
        ["Brown"],
    ]
    receipts = []
    for elector, ranking in zip(members, preferences, strict=False):
        voter = make_client()
        paper = voter.get(f"{one}/ballot").json()
        assert [c["name"] for c in paper["candidates"]] == [
            "Carl Brown",
            "Beth Jones",
            "Dina Khan",
            "Adam Smith",
        ]
        cast = voter.post(
            f"{one}/ballots",
            json={
                "voter_id": creds[elector.id].voter_id,
                "code": creds[elector.id].code,
                "choices": [ids[name] for name in ranking],
                "declaration": True,
            },
            headers={"X-CSRF-Token": paper["csrf_token"]},
        )
        assert cast.status_code == 201, cast.text
        receipts.append(cast.json()["receipt"])

    # The close; the count (with a seed, replayed) and the declaration.
    tick(db, engine, settings, election.poll_close_at)
    assert secretary.get(one).json()["election"]["status"] == "poll_closed"
    with_key = {"seed": "drawn-in-public-2026", "private_key": key.file_text()}
    assert secretary.request("POST", f"{one}/count", json=with_key).status_code == 404
    # Without the key, or with another one, nothing is opened and nothing changes.
    (tmp_path / "other").mkdir()
    other = make_key(tmp_path / "other")
    for body in ({"seed": "x"}, {"seed": "x", "private_key": other.file_text()}):
        refused = officer.request("POST", f"{one}/count", json=body)
        assert refused.status_code == 422, refused.text
        assert "key" in refused.json()["detail"]
    assert secretary.get(one).json()["election"]["status"] == "poll_closed"
    assert db.exec(select(CountedBallot)).all() == []
    db.commit()
    counted = officer.request("POST", f"{one}/count", json=with_key)
    assert counted.status_code == 200, counted.text
    again = officer.request("POST", f"{one}/count", json=with_key)
    assert again.json()["stages"] == counted.json()["stages"]
    result = counted.json()
    assert result["valid_votes"] == "6"
    assert result["quota"] == "3"
    declared = officer.request("POST", f"{one}/declaration")
    assert declared.status_code == 200, declared.text
    figures = declared.json()
    assert figures["electorate"] == 7
    assert figures["votes_cast"] == 6
    assert figures["turnout"] == "85.7%"
    assert [e["name"] for e in figures["elected"]] == result["elected"]

    # Anyone can read the declaration and recount the published ballots.
    public = make_client()
    results = public.get(f"{one}/results")
    assert results.status_code == 200
    assert results.json()["declaration"]["elected"] == figures["elected"]
    blt = public.get(f"{one}/results/ballots.blt")
    assert blt.status_code == 200
    recount = METHODS["mer2014-stv"].count(parse_blt(blt.text), "drawn-in-public-2026")
    mine = report.as_json(recount, "Election of public governors")
    assert mine["elected"] == result["elected"]
    assert mine["stages"] == result["stages"]
    published = public.get(f"{one}/results/receipts").text.split()
    assert published == sorted(published)
    # The bulletin board: one tracker per counted ballot; each receipt begins exactly one.
    assert len(published) == len(receipts) == 6
    for receipt in receipts:
        head = receipt.replace("-", "").lower()
        assert [t for t in published if t.startswith(head)], receipt

    # The elected take office for the constitution's term.
    terms = db.exec(select(OfficeTerm).where(OfficeTerm.election_id == election_id)).all()
    assert len(terms) == 2
    for term in terms:
        assert term.office == "governor"
        assert term.ends_on == term_end(term.starts_on, 3)
    db.commit()
    assert public.get(f"/o/{slug}/elections/{election_id}/declaration").status_code == 200
    assert verify(db)[1] == []
