"""The voting API: casting, each refusal with its stable problem type, rate limits, CSRF,
tenancy, and receipt checks. Every refusal leaves no trace but its count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from governance.db import Clock
from governance.elections.models import Ballot, Election, ElectionStatus, RefusalCount, Voter
from governance.elections.voting import PER_ADDRESS, PER_VOTER_ID
from tests.conftest import Client
from tests.elections.poll_helpers import Poll, credentials, make_poll
from tests.factories import make_org


def ballot_api(client: Client, poll: Poll) -> str:
    """Fetch the ballot paper as a script would: it sets the cookie and returns the token."""
    response = client.get(f"{poll.api}/ballot")
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def post_ballot(client: Client, poll: Poll, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"X-CSRF-Token": token or ballot_api(client, poll)}
    return client.post(f"{poll.api}/ballots", json=body, headers=headers)


def refusals(db: Session, poll: Poll) -> dict[str, int]:
    rows = db.exec(
        select(RefusalCount.reason, RefusalCount.count).where(
            RefusalCount.election_id == poll.election.id
        )
    ).all()
    db.commit()
    return dict(rows)


def ballots(db: Session, poll: Poll) -> int:
    found = db.exec(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == poll.election.id)
    ).one()
    db.commit()
    return found


@pytest.fixture
def poll(db: Session) -> Poll:
    return make_poll(db, make_org(db), voters=4)


def test_the_ballot_paper_lists_candidates_in_statement_order(client: Client, poll: Poll) -> None:
    paper = client.get(f"{poll.api}/ballot").json()
    assert [c["name"] for c in paper["candidates"]] == ["Ann Archer", "Ben Baker", "Cat Cooper"]
    assert [c["id"] for c in paper["candidates"]] == poll.candidate_ids()
    assert paper["seats"] == 2 and paper["ranked"] and paper["open"]
    assert paper["organisation"] == "Org A" and paper["closes_at"]
    assert "Write 1" in paper["instructions"]


def test_a_vote_gets_a_receipt_that_checks_out(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    body = {
        "voter_id": creds.voter_id.lower().replace("-", " "),
        "code": creds.code,
        "choices": poll.candidate_ids()[::-1],
        "declaration": True,
    }
    response = post_ballot(client, poll, body)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    receipt = response.json()["receipt"]
    assert response.json()["check_url"].endswith("/check-receipt")
    token = ballot_api(client, poll)
    check = client.post(
        f"{poll.api}/receipts/check", json={"receipt": receipt}, headers={"X-CSRF-Token": token}
    )
    assert check.json() == {"status": "recorded"}
    with Session(client.app.state.engine) as other:
        election = other.get(Election, poll.election.id)
        assert election is not None
        election.status = ElectionStatus.DECLARED
        other.add(election)
        other.commit()
    check = client.post(
        f"{poll.api}/receipts/check", json={"receipt": receipt}, headers={"X-CSRF-Token": token}
    )
    assert check.json() == {"status": "counted"}
    unknown = client.post(
        f"{poll.api}/receipts/check",
        json={"receipt": "0000-0000-0000-0000"},
        headers={"X-CSRF-Token": token},
    )
    assert unknown.json() == {"status": "not-found"}


@pytest.mark.parametrize(
    ("change", "status", "problem"),
    [
        ({"code": "00000000"}, 403, "wrong-credentials"),
        ({"voter_id": "AAAA-BBBB-CCCC"}, 403, "wrong-credentials"),
        ({"declaration": False}, 422, "declaration-missing"),
        ({"choices": []}, 422, "empty-ballot"),
        ({"choices": [999999]}, 422, "unknown-candidate"),
        ({"choices": "first"}, 422, "malformed-ranking"),
        ({"choices": [1.5]}, 422, "malformed-ranking"),
        ({"repeat": True}, 422, "repeated-preference"),
    ],
)
def test_each_refusal_is_clear_records_nothing_and_is_counted(
    db: Session, client: Client, poll: Poll, change: dict[str, Any], status: int, problem: str
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    body: dict[str, Any] = {
        "voter_id": creds.voter_id,
        "code": creds.code,
        "choices": poll.candidate_ids()[:2],
        "declaration": True,
    }
    if change.pop("repeat", False):
        body["choices"] = [poll.candidate_ids()[0]] * 2
    body.update(change)
    response = post_ballot(client, poll, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/problems/{problem}"
    assert ballots(db, poll) == 0
    assert refusals(db, poll) == {problem: 1}
    statuses = set(db.exec(select(Voter.status)).all())
    db.commit()
    assert statuses == {"issued"}


def test_too_many_fptp_marks_are_refused(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1, method="fptp", seats=1)
    creds = next(iter(credentials(db, poll.election).values()))
    body = {"voter_id": creds.voter_id, "code": creds.code, "declaration": True}
    response = post_ballot(client, poll, {**body, "choices": poll.candidate_ids()[:2]})
    assert response.json()["type"] == "/problems/too-many-marks"
    assert (
        post_ballot(client, poll, {**body, "choices": poll.candidate_ids()[:1]}).status_code == 201
    )
    assert refusals(db, poll) == {"too-many-marks": 1}


def test_a_reused_code_is_refused(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    body = {
        "voter_id": creds.voter_id,
        "code": creds.code,
        "choices": poll.candidate_ids()[:1],
        "declaration": True,
    }
    assert post_ballot(client, poll, body).status_code == 201
    again = post_ballot(client, poll, {**body, "choices": poll.candidate_ids()[1:]})
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-voted"
    assert ballots(db, poll) == 1
    assert refusals(db, poll) == {"already-voted": 1}


def test_votes_after_close_are_refused_though_the_status_says_polling(
    db: Session, client: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    Clock.offset = timedelta(days=3, seconds=1)
    body = {"voter_id": creds.voter_id, "code": creds.code, "choices": poll.candidate_ids()}
    response = post_ballot(client, poll, {**body, "declaration": True})
    assert response.status_code == 409 and response.json()["type"] == "/problems/poll-closed"
    assert ballots(db, poll) == 0 and refusals(db, poll) == {"poll-closed": 1}


def test_staff_constituency_voters_need_no_declaration(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1, declaration=False)
    creds = next(iter(credentials(db, poll.election).values()))
    body = {"voter_id": creds.voter_id, "code": creds.code, "choices": poll.candidate_ids()[:1]}
    assert post_ballot(client, poll, body).status_code == 201


def test_missing_or_forged_csrf_is_refused_and_records_nothing(
    db: Session, client: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    body = {
        "voter_id": creds.voter_id,
        "code": creds.code,
        "choices": poll.candidate_ids()[:1],
        "declaration": True,
    }
    ballot_api(client, poll)
    missing = client.post(f"{poll.api}/ballots", json=body)
    forged = client.post(f"{poll.api}/ballots", json=body, headers={"X-CSRF-Token": "0" * 64})
    for response in (missing, forged):
        assert response.status_code == 403
        assert response.json()["type"] == "/problems/csrf"
    assert ballots(db, poll) == 0
    assert post_ballot(client, poll, body).status_code == 201


def test_another_organisations_election_is_not_found(
    db: Session, client: Client, poll: Poll
) -> None:
    make_org(db, "org-b")
    creds = next(iter(credentials(db, poll.election).values()))
    token = ballot_api(client, poll)
    elsewhere = f"/api/orgs/org-b/elections/{poll.election.id}"
    assert client.get(f"{elsewhere}/ballot").status_code == 404
    body = {"voter_id": creds.voter_id, "code": creds.code, "choices": [], "declaration": True}
    response = client.post(f"{elsewhere}/ballots", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 404
    assert client.get(f"/o/org-b/elections/{poll.election.id}/vote").status_code == 404
    assert ballots(db, poll) == 0


def test_an_election_before_its_poll_is_not_found(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1)
    with Session(client.app.state.engine) as other:
        election = other.get(Election, poll.election.id)
        assert election is not None
        election.status = ElectionStatus.DRAFT
        other.add(election)
        other.commit()
    assert client.get(f"{poll.api}/ballot").status_code == 404


def test_wrong_codes_are_limited_per_voter_id(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    token = ballot_api(client, poll)
    body = {"voter_id": creds.voter_id, "choices": poll.candidate_ids()[:1], "declaration": True}
    for attempt in range(PER_VOTER_ID.limit):
        wrong = post_ballot(client, poll, {**body, "code": f"{attempt:08d}"}, token)
        assert wrong.status_code == 403
    # The right code is refused now too: the limit stops guessing, whatever the guess.
    limited = post_ballot(client, poll, {**body, "code": creds.code}, token)
    assert limited.status_code == 429
    assert limited.json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["retry-after"]) > 0
    assert refusals(db, poll) == {"wrong-credentials": PER_VOTER_ID.limit, "rate-limited": 1}
    # Another voter from the same address is not held up.
    other = list(credentials(db, poll.election).values())[1]
    body = {**body, "voter_id": other.voter_id, "code": other.code}
    assert post_ballot(client, poll, body, token).status_code == 201
    # After the window, the voter can vote.
    Clock.offset = timedelta(seconds=PER_VOTER_ID.window + 1)
    body = {**body, "voter_id": creds.voter_id, "code": creds.code}
    assert post_ballot(client, poll, body, token).status_code == 201


def test_wrong_codes_are_limited_per_address(db: Session, client: Client, poll: Poll) -> None:
    token = ballot_api(client, poll)
    for attempt in range(PER_ADDRESS.limit):
        body = {"voter_id": f"ZZZZ-ZZZZ-{attempt:04d}", "code": "12345678", "choices": [1]}
        assert post_ballot(client, poll, body, token).status_code == 403
    creds = next(iter(credentials(db, poll.election).values()))
    body = {"voter_id": creds.voter_id, "code": creds.code, "choices": poll.candidate_ids()[:1]}
    limited = post_ballot(client, poll, {**body, "declaration": True}, token)
    assert limited.status_code == 429 and "retry-after" in limited.headers
    assert refusals(db, poll)["rate-limited"] == 1
    assert ballots(db, poll) == 0


def test_malformed_receipt_check_is_a_clear_error(client: Client, poll: Poll) -> None:
    token = ballot_api(client, poll)
    response = client.post(
        f"{poll.api}/receipts/check", json={"receipt": "nonsense"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/malformed-receipt"
