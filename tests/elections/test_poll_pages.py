"""The voter's pages, driven as forms: the flow, each error, and what the server keeps."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from governance.db import Clock
from governance.elections.ballot_box import Credentials
from governance.elections.models import Ballot, Candidate, RefusalCount
from tests.conftest import Client
from tests.elections.poll_helpers import Poll, credentials, make_poll, opened_ballots
from tests.factories import make_org

STATE = re.compile(r'name="state" value="([^"]+)"')
RECEIPT = re.compile(r'<p class="receipt" id="receipt">([0-9A-F-]+)</p>')


def state_of(response: Any) -> str:
    found = STATE.search(response.text)
    assert found, response.text
    return found.group(1)


def start(client: Client, poll: Poll, creds: Credentials) -> Any:
    client.get(f"{poll.pages}/vote")
    return client.form(f"{poll.pages}/vote", {"voter_id": creds.voter_id, "code": creds.code})


def declared(client: Client, poll: Poll, creds: Credentials) -> Any:
    page = start(client, poll, creds)
    return client.form(
        f"{poll.pages}/vote/declaration", {"state": state_of(page), "declaration": "yes"}
    )


def ranks(poll: Poll, *numbers: str) -> dict[str, str]:
    return {f"rank-{cid}": n for cid, n in zip(poll.candidate_ids(), numbers, strict=False)}


def counted(db: Session, poll: Poll) -> tuple[int, dict[str, int]]:
    ballots = db.exec(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == poll.election.id)
    ).one()
    reasons = dict(
        db.exec(
            select(RefusalCount.reason, RefusalCount.count).where(
                RefusalCount.election_id == poll.election.id
            )
        ).all()
    )
    db.commit()
    return ballots, reasons


@pytest.fixture
def poll(db: Session) -> Poll:
    return make_poll(db, make_org(db), voters=3)


def test_a_voter_goes_from_credentials_to_receipt(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    first = client.get(f"{poll.pages}/vote")
    assert first.status_code == 200 and "Voting closes" in first.text
    assert first.headers["cache-control"] == "no-store"
    declaration = start(client, poll, creds)
    assert "Declaration of identity" in declaration.text
    assert creds.code not in declaration.text, "credentials travel sealed, never in clear"
    ballot = client.form(
        f"{poll.pages}/vote/declaration", {"state": state_of(declaration), "declaration": "yes"}
    )
    text = ballot.text
    assert text.index("Ann Archer") < text.index("Ben Baker") < text.index("Cat Cooper")
    assert "I am Ann" in text and "Voting closes" in text and "Seats to fill" in text
    review = client.form(
        f"{poll.pages}/vote/ballot", {"state": state_of(ballot), **ranks(poll, "2", "", "1")}
    )
    assert "Check your vote" in review.text
    assert review.text.index("Cat Cooper") < review.text.index("Ann Archer")
    assert counted(db, poll) == (0, {}), "nothing is recorded before the voter casts"
    done = client.form(f"{poll.pages}/vote/cast", {"state": state_of(review)})
    assert done.status_code == 200 and "Your vote has been recorded" in done.text
    receipt = RECEIPT.search(done.text)
    assert receipt
    [ballot_row] = opened_ballots(db, poll.election.id)
    ids = poll.candidate_ids()
    assert ballot_row.choices == [ids[2], ids[0]]
    check = client.form(f"{poll.pages}/check-receipt", {"receipt": receipt.group(1).lower()})
    assert "Your vote is recorded" in check.text
    again = client.form(f"{poll.pages}/vote/cast", {"state": state_of(review)})
    assert "already been recorded" in again.text
    assert counted(db, poll) == (1, {"already-voted": 1})


def test_the_voter_can_change_choices_from_the_review_page(
    db: Session, client: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    ballot = declared(client, poll, creds)
    review = client.form(
        f"{poll.pages}/vote/ballot", {"state": state_of(ballot), **ranks(poll, "1", "2")}
    )
    change = client.form(f"{poll.pages}/vote/change", {"state": state_of(review)})
    ids = poll.candidate_ids()
    assert f'name="rank-{ids[0]}" value="1"' in change.text
    assert f'name="rank-{ids[1]}" value="2"' in change.text


@pytest.mark.parametrize(
    ("numbers", "message", "reason"),
    [
        (("1", "1"), "the same preference", "repeated-preference"),
        (("1", "", "3"), "without a gap", "malformed-ranking"),
        (("2",), "must start at 1", "malformed-ranking"),
        (("one",), "enter a number from 1 to 3", "malformed-ranking"),
        (("", "", ""), "Write 1 next to", "empty-ballot"),
    ],
)
def test_a_malformed_ranking_is_shown_back_with_an_error_summary(
    db: Session,
    client: Client,
    poll: Poll,
    numbers: tuple[str, ...],
    message: str,
    reason: str,
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    ballot = declared(client, poll, creds)
    again = client.form(
        f"{poll.pages}/vote/ballot", {"state": state_of(ballot), **ranks(poll, *numbers)}
    )
    assert again.status_code == 200
    assert "There is a problem" in again.text and message in again.text
    assert "<title>Error:" in again.text
    assert 'aria-invalid="true"' in again.text or "field-error" in again.text
    assert counted(db, poll) == (0, {reason: 1})


def test_fptp_refuses_more_marks_than_seats(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1, method="fptp", seats=1)
    creds = next(iter(credentials(db, poll.election).values()))
    ballot = declared(client, poll, creds)
    assert 'type="checkbox"' in ballot.text and "Vote for one candidate" in ballot.text
    over = client.form(
        f"{poll.pages}/vote/ballot",
        {"state": state_of(ballot), "choice": [str(c) for c in poll.candidate_ids()[:2]]},
    )
    assert "You can vote for up to 1 candidate" in over.text
    assert "checked" in over.text, "the marks are shown again"
    review = client.form(
        f"{poll.pages}/vote/ballot",
        {"state": state_of(over), "choice": str(poll.candidate_ids()[1])},
    )
    done = client.form(f"{poll.pages}/vote/cast", {"state": state_of(review)})
    assert "Your vote has been recorded" in done.text
    assert counted(db, poll) == (1, {"too-many-marks": 1})


def test_the_declaration_must_be_made_by_public_voters(
    db: Session, client: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    page = start(client, poll, creds)
    refused = client.form(f"{poll.pages}/vote/declaration", {"state": state_of(page)})
    assert "Tick the box to make the declaration" in refused.text
    skipped = client.form(
        f"{poll.pages}/vote/ballot", {"state": state_of(page), **ranks(poll, "1")}
    )
    assert "Declaration of identity" in skipped.text, "the ballot is not reached without it"
    assert counted(db, poll)[0] == 0


def test_staff_voters_go_straight_to_the_ballot(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1, declaration=False)
    creds = next(iter(credentials(db, poll.election).values()))
    page = start(client, poll, creds)
    assert "Declaration of identity" not in page.text
    assert "Number the candidates" in page.text


def test_wrong_credentials_are_refused_on_the_first_page(
    db: Session, client: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    blank = client.form(f"{poll.pages}/vote", {"voter_id": "", "code": ""})
    assert "Enter your voter ID" in blank.text and "Enter your security code" in blank.text
    wrong = client.form(f"{poll.pages}/vote", {"voter_id": creds.voter_id, "code": "11111111"})
    assert "do not match" in wrong.text and 'name="state"' not in wrong.text
    assert counted(db, poll) == (0, {"wrong-credentials": 1})


def test_a_tampered_or_foreign_state_starts_again(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    ballot = declared(client, poll, creds)
    token = state_of(ballot)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = client.form(f"{poll.pages}/vote/ballot", {"state": forged, **ranks(poll, "1")})
    assert "Start again" in page.text
    other = make_poll(db, make_org(db, "org-b"), voters=1)
    moved = client.form(f"{other.pages}/vote/ballot", {"state": token, **ranks(other, "1")})
    assert "Start again" in moved.text


def test_forms_without_csrf_are_refused(db: Session, client: Client, poll: Poll) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    review = client.form(
        f"{poll.pages}/vote/ballot",
        {"state": state_of(declared(client, poll, creds)), **ranks(poll, "1")},
    )
    missing = client.post(f"{poll.pages}/vote/cast", data={"state": state_of(review)})
    forged = client.post(
        f"{poll.pages}/vote/cast", data={"state": state_of(review), "_csrf": "f" * 64}
    )
    assert missing.status_code == forged.status_code == 403
    assert "did not come from this site" in missing.text
    assert counted(db, poll)[0] == 0


def test_after_the_close_the_pages_say_so(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1, closes_in=timedelta(minutes=30))
    creds = next(iter(credentials(db, poll.election).values()))
    review = client.form(
        f"{poll.pages}/vote/ballot",
        {"state": state_of(declared(client, poll, creds)), **ranks(poll, "1")},
    )
    Clock.offset = timedelta(minutes=31)
    assert "Voting is not open" in client.get(f"{poll.pages}/vote").text
    late = client.form(f"{poll.pages}/vote/cast", {"state": state_of(review)})
    assert "Voting is not open" in late.text
    assert counted(db, poll) == (0, {"poll-closed": 1})


def test_receipt_page_explains_a_mistyped_receipt(client: Client, poll: Poll) -> None:
    page = client.form(f"{poll.pages}/check-receipt", {"receipt": "12"})
    assert "16 letters and numbers" in page.text
    missing = client.form(f"{poll.pages}/check-receipt", {"receipt": "ABCD-ABCD-ABCD-ABCD"})
    assert "No vote with this receipt was found" in missing.text


def test_candidate_photos_are_served_with_the_ballot(db: Session, client: Client) -> None:
    poll = make_poll(db, make_org(db), voters=1)
    candidate = db.get(Candidate, poll.candidate_ids()[0])
    assert candidate is not None
    candidate.photo, candidate.photo_type = b"\x89PNG\r\n\x1a\nfake", "image/png"
    db.add(candidate)
    db.commit()
    paper = client.get(f"{poll.api}/ballot").json()
    photo = paper["candidates"][0]["photo"]
    assert photo == f"{poll.pages}/candidates/{candidate.id}/photo"
    assert paper["candidates"][1]["photo"] is None
    served = client.get(photo)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    other = make_poll(db, make_org(db, "org-b"), voters=1)
    assert client.get(f"{other.pages}/candidates/{candidate.id}/photo").status_code == 404
    missing = poll.candidate_ids()[1]
    assert client.get(f"{poll.pages}/candidates/{missing}/photo").status_code == 404
