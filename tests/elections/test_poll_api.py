"""The voting API: casting, each refusal with its stable problem type, rate limits, CSRF,
tenancy, and receipt checks. Every refusal leaves no trace but its count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from governance.auth import backoff
from governance.db import Clock, utcnow
from governance.elections.models import Ballot, Election, ElectionStatus, RefusalCount, Voter
from governance.elections.voting import PER_ADDRESS, PER_VOTER_ID, PER_VOTER_ID_AND_ADDRESS
from tests.conftest import Client
from tests.elections.poll_helpers import Poll, credentials, make_poll
from tests.factories import from_address, make_org


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


def test_wrong_codes_for_a_known_voter_id_slow_the_guesser_not_the_voter(
    db: Session, make_client: Any, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    attacker = from_address(make_client(), "203.0.113.9")
    token = ballot_api(attacker, poll)
    body = {"voter_id": creds.voter_id, "choices": poll.candidate_ids()[:1], "declaration": True}
    free = PER_VOTER_ID_AND_ADDRESS.free
    for attempt in range(free + 1):
        wrong = post_ballot(attacker, poll, {**body, "code": f"{attempt:08d}"}, token)
        assert wrong.status_code == 403, attempt
    # The guesser now waits before its next guess is looked at, right or wrong.
    limited = post_ballot(attacker, poll, {**body, "code": "99999999"}, token)
    assert limited.status_code == 429
    assert limited.json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["retry-after"]) == PER_VOTER_ID_AND_ADDRESS.first_wait
    assert refusals(db, poll) == {"wrong-credentials": free + 1, "rate-limited": 1}
    # The wait doubles with each further failure.
    Clock.offset = timedelta(seconds=PER_VOTER_ID_AND_ADDRESS.first_wait)
    assert post_ballot(attacker, poll, {**body, "code": "99999998"}, token).status_code == 403
    again = post_ballot(attacker, poll, {**body, "code": "99999997"}, token)
    assert int(again.headers["retry-after"]) == 2 * PER_VOTER_ID_AND_ADDRESS.first_wait
    # The voter, at their own address, votes at once with the right code.
    voter = from_address(make_client(), "198.51.100.7")
    voted = post_ballot(voter, poll, {**body, "code": creds.code})
    assert voted.status_code == 201, voted.text


def test_many_addresses_guessing_one_voter_id_still_let_the_voter_in(
    db: Session, make_client: Any, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    body = {"voter_id": creds.voter_id, "choices": poll.candidate_ids()[:1], "declaration": True}
    guessers = [from_address(make_client(), f"203.0.113.{n}") for n in range(PER_VOTER_ID.free + 2)]
    for n, guesser in enumerate(guessers):
        assert post_ballot(guesser, poll, {**body, "code": f"{n:08d}"}).status_code == 403
    # Past the free failures across addresses, an address that has failed must wait...
    assert post_ballot(guessers[0], poll, {**body, "code": "99999999"}).status_code == 429
    # ...while the voter at a clean address is never held up.
    voter = from_address(make_client(), "198.51.100.7")
    assert post_ballot(voter, poll, {**body, "code": creds.code}).status_code == 201


def test_a_noisy_shared_address_is_paced_not_blocked(
    db: Session, make_client: Any, poll: Poll
) -> None:
    """A hospital's network: one address for everyone, and someone there guessing."""
    hospital = from_address(make_client(), "192.0.2.50")
    token = ballot_api(hospital, poll)
    for attempt in range(PER_ADDRESS.free + 1):
        body = {"voter_id": f"ZZZZ-ZZZZ-{attempt:04d}", "code": "12345678", "choices": [1]}
        assert post_ballot(hospital, poll, body, token).status_code == 403
    voters = list(credentials(db, poll.election).values())
    choices = poll.candidate_ids()[:1]
    first = {"voter_id": voters[0].voter_id, "code": voters[0].code, "choices": choices}
    assert post_ballot(hospital, poll, {**first, "declaration": True}, token).status_code == 201
    # Each attempt from the address takes a turn; when the queue is full the answer says when.
    engine = hospital.app.state.engine
    keys = hospital.app.state["keys"]
    record = backoff.key(keys, PER_ADDRESS.name, backoff.place("192.0.2.50"))
    waits = []
    with Session(engine) as session, pytest.raises(backoff.TryLater):
        for _ in range(100):  # an attacker filling the queue
            waits.append(backoff.take_turn(session, record, PER_ADDRESS, utcnow()))
    assert waits[0] > 0 and waits == sorted(waits) and waits[-1] <= PER_ADDRESS.max_queue
    second = {"voter_id": voters[1].voter_id, "code": voters[1].code, "choices": choices}
    busy = post_ballot(hospital, poll, {**second, "declaration": True}, token)
    assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
    Clock.offset = timedelta(seconds=int(busy.headers["retry-after"]) + PER_ADDRESS.max_queue)
    assert post_ballot(hospital, poll, {**second, "declaration": True}, token).status_code == 201
    assert ballots(db, poll) == 2


def test_malformed_receipt_check_is_a_clear_error(client: Client, poll: Poll) -> None:
    token = ballot_api(client, poll)
    response = client.post(
        f"{poll.api}/receipts/check", json={"receipt": "nonsense"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/malformed-receipt"
