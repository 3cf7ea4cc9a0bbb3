"""The returning officer's side of the poll: entering votes through the one-vote path, late
papers, replacements, the audited look-up, the postal pack; and what secretaries may see."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from governance.audit import AuditEntry
from governance.db import Clock
from governance.elections.models import Ballot, ElectionStatus, Voter, VoterStatus
from governance.elections.poll import open_roll
from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.elections.poll_helpers import (
    BASE_URL,
    Poll,
    credentials,
    make_election,
    make_poll,
    make_voters,
    opened_ballots,
)
from tests.factories import KEYS, make_org, make_user, signed_in_client

RECEIPT = re.compile(r'<p class="receipt" id="receipt">([0-9A-F-]+)</p>')


@pytest.fixture
def poll(db: Session) -> Poll:
    org = make_org(db)
    made = make_poll(db, org, voters=4)
    make_org(db, "org-b")
    return made


@pytest.fixture
def officer(db: Session, poll: Poll, make_client: Callable[[], Client]) -> Client:
    user = make_user(db, "ro@example.org", roles={"org-a": [Role.RETURNING_OFFICER]}, totp=True)
    return signed_in_client(make_client, user)


@pytest.fixture
def secretary(db: Session, poll: Poll, make_client: Callable[[], Client]) -> Client:
    user = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    return signed_in_client(make_client, user)


def api_vote(client: Client, poll: Poll, body: dict[str, Any]) -> Any:
    token = client.get(f"{poll.api}/ballot").json()["csrf_token"]
    return client.post(f"{poll.api}/ballots", json=body, headers={"X-CSRF-Token": token})


def count(db: Session, model: Any, *where: Any) -> int:
    found = db.exec(select(func.count()).select_from(model).where(*where)).one()
    db.commit()
    return int(found)


def test_a_telephone_vote_goes_through_the_same_one_vote_check(
    db: Session, client: Client, officer: Client, poll: Poll
) -> None:
    first, second = list(credentials(db, poll.election).values())[:2]
    online = {
        "voter_id": first.voter_id,
        "code": first.code,
        "choices": poll.candidate_ids()[:1],
        "declaration": True,
    }
    assert api_vote(client, poll, online).status_code == 201
    phone = {**online, "channel": "telephone"}
    refused = officer.api("POST", f"{poll.api}/staff-votes", json=phone)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/already-voted"
    fresh = {**phone, "voter_id": second.voter_id, "code": second.code}
    accepted = officer.api("POST", f"{poll.api}/staff-votes", json=fresh)
    assert accepted.status_code == 201 and accepted.json()["receipt"]
    again = api_vote(client, poll, {**online, "voter_id": second.voter_id, "code": second.code})
    assert again.status_code == 409
    channels = sorted(db.exec(select(Voter.channel).where(Voter.status == "voted")).all())
    db.commit()
    assert channels == ["online", "telephone"]
    entries = db.exec(select(AuditEntry).where(AuditEntry.action == "election.vote_entered")).all()
    db.commit()
    assert [e.detail for e in entries] == ['{"channel":"telephone"}']


def test_postal_paper_entered_on_the_page_needs_the_declaration(
    db: Session, officer: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    page = officer.get(f"{poll.pages}/poll/enter")
    assert page.status_code == 200 and "Postal ballot paper" in page.text
    ranks = {f"rank-{cid}": str(n) for n, cid in enumerate(poll.candidate_ids(), start=1)}
    form = {"channel": "postal", "voter_id": creds.voter_id, "code": creds.code, **ranks}
    missing = officer.form(f"{poll.pages}/poll/enter", form)
    assert "declaration of identity" in missing.text and "There is a problem" in missing.text
    done = officer.form(f"{poll.pages}/poll/enter", {**form, "declaration": "yes"})
    assert "Vote recorded" in done.text and RECEIPT.search(done.text)
    [ballot] = opened_ballots(db, poll.election.id)
    assert ballot.choices == poll.candidate_ids() and ballot.invalid_reason is None


def test_a_rejected_paper_is_recorded_as_a_vote_that_is_not_counted(
    db: Session, officer: Client, poll: Poll
) -> None:
    creds = next(iter(credentials(db, poll.election).values()))
    form = {
        "channel": "postal",
        "voter_id": creds.voter_id,
        "code": creds.code,
        "declaration": "yes",
        "rejected": "unmarked",
    }
    done = officer.form(f"{poll.pages}/poll/enter", form)
    assert "Vote recorded" in done.text
    [ballot] = opened_ballots(db, poll.election.id)
    assert ballot.invalid_reason == "unmarked"
    assert count(db, Voter, Voter.status == VoterStatus.VOTED) == 1


def test_a_late_paper_is_kept_and_not_counted(
    db: Session, make_client: Callable[[], Client]
) -> None:
    poll = make_poll(db, make_org(db, "org-c"), voters=1, closes_in=timedelta(minutes=10))
    user = make_user(db, "ro-c@example.org", roles={"org-c": [Role.RETURNING_OFFICER]}, totp=True)
    officer = signed_in_client(make_client, user)
    creds = next(iter(credentials(db, poll.election).values()))
    form = {"voter_id": creds.voter_id, "code": creds.code}
    early = officer.form(f"{poll.pages}/poll/late", form)
    assert "has not closed" in early.text
    Clock.offset = timedelta(minutes=11)
    kept = officer.form(f"{poll.pages}/poll/late", form)
    assert "will not be counted" in kept.text
    assert count(db, Ballot, col(Ballot.late).is_(True)) == 1
    assert count(db, Voter, Voter.status == VoterStatus.VOTED) == 0
    turnout = officer.get(f"{poll.api}/turnout").json()
    assert turnout["voted"] == 0 and turnout["late_ballots"] == 1


def test_replacements_refused_after_voting_and_listed_otherwise(
    db: Session, client: Client, officer: Client, poll: Poll
) -> None:
    by_member = credentials(db, poll.election)
    voted, waiting = poll.members[0], poll.members[1]
    creds = by_member[voted.id or 0]
    body = {
        "voter_id": creds.voter_id,
        "code": creds.code,
        "choices": poll.candidate_ids()[:1],
        "declaration": True,
    }
    assert api_vote(client, poll, body).status_code == 201
    refused = officer.form(
        f"{poll.pages}/poll/replacements",
        {"member_reference": voted.reference, "reason": "lost", "delivery": "email"},
    )
    assert "already been recorded" in refused.text
    posted = officer.form(
        f"{poll.pages}/poll/replacements",
        {"member_reference": waiting.reference, "reason": "spoilt", "delivery": "post"},
    )
    assert "cannot be shown again" in posted.text
    new_id = re.search(r"<dt>Voter ID</dt><dd>([A-Z0-9-]+)</dd>", posted.text)
    new_code = re.search(r"<dt>Security code</dt><dd>(\d+)</dd>", posted.text)
    assert new_id and new_code
    old = by_member[waiting.id or 0]
    stale = api_vote(client, poll, {**body, "voter_id": old.voter_id, "code": old.code})
    assert stale.status_code == 403
    fresh = {**body, "voter_id": new_id.group(1), "code": new_code.group(1)}
    assert api_vote(client, poll, fresh).status_code == 201
    listed = officer.get(f"{poll.api}/replacements").json()
    assert [(r["member_reference"], r["reason"]) for r in listed] == [(waiting.reference, "Spoilt")]
    page = officer.get(f"{poll.pages}/poll/replacements")
    assert waiting.reference in page.text and voted.reference not in page.text
    api = officer.api(
        "POST",
        f"{poll.api}/replacements",
        json={"member_reference": voted.reference, "reason": "lost"},
    )
    assert api.status_code == 409 and api.json()["type"] == "/problems/already-voted"


def test_the_look_up_answers_the_officer_and_is_audited(
    db: Session, client: Client, officer: Client, poll: Poll
) -> None:
    member = poll.members[2]
    creds = credentials(db, poll.election)[member.id or 0]
    before = officer.form(f"{poll.pages}/poll/lookup", {"member_reference": member.reference})
    assert "no vote has been recorded yet" in before.text
    body = {
        "voter_id": creds.voter_id,
        "code": creds.code,
        "choices": poll.candidate_ids()[:1],
        "declaration": True,
    }
    api_vote(client, poll, body)
    after = officer.api(
        "POST", f"{poll.api}/voter-status", json={"member_reference": member.reference}
    )
    assert after.json() == {"on_roll": True, "voted": True, "replacements": 0}
    looked = count(db, AuditEntry, AuditEntry.action == "election.voter_status_viewed")
    assert looked == 2


def test_secretaries_see_turnout_and_nothing_about_who_voted(
    db: Session, client: Client, secretary: Client, poll: Poll
) -> None:
    creds = list(credentials(db, poll.election).values())
    for c in creds[:3]:
        body = {
            "voter_id": c.voter_id,
            "code": c.code,
            "choices": poll.candidate_ids()[:1],
            "declaration": True,
        }
        assert api_vote(client, poll, body).status_code == 201
    figures = secretary.get(f"{poll.api}/turnout").json()
    assert figures["electorate"] == 4 and figures["voted"] == 3
    assert figures["turnout"] == "75.0%" and figures["by_channel"] == {"online": 3}
    assert sum(day["voted"] for day in figures["by_day"]) == 3
    page = secretary.get(f"{poll.pages}/poll")
    assert "75.0%" in page.text and "Has a member voted?" not in page.text
    for path in ("/poll/lookup", "/poll/enter", "/poll/replacements", "/poll/late"):
        assert secretary.get(f"{poll.pages}{path}").status_code == 404
    member = poll.members[0].reference
    status = secretary.api("POST", f"{poll.api}/voter-status", json={"member_reference": member})
    assert status.status_code == 404
    assert secretary.get(f"{poll.api}/refusals").status_code == 404


def test_staff_of_another_organisation_get_not_found(
    db: Session, poll: Poll, make_client: Callable[[], Client]
) -> None:
    user = make_user(db, "ro-b@example.org", roles={"org-b": [Role.RETURNING_OFFICER]}, totp=True)
    other = signed_in_client(make_client, user)
    assert other.get(f"{poll.pages}/poll").status_code == 404
    assert other.get(f"{poll.api}/turnout").status_code == 404
    elsewhere = f"/o/org-b/elections/{poll.election.id}/poll"
    assert other.get(elsewhere).status_code == 404
    assert make_client().get(f"{poll.pages}/poll").status_code == 401


def test_the_officer_sees_refusals_and_downloads_the_postal_pack(
    db: Session, client: Client, officer: Client, poll: Poll
) -> None:
    election, _ = make_election(db, poll.organisation, status=ElectionStatus.AWAITING_POLL)
    members = make_voters(db, poll.organisation, 2, email=False, prefix="PP")
    open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    base = f"/o/org-a/elections/{election.id}"
    api = f"/api/orgs/org-a/elections/{election.id}"
    page = officer.get(f"{base}/poll")
    assert "Pack" in page.text and "downloaded 0 times" in page.text
    packs = officer.get(f"{api}/postal-packs").json()
    assert len(packs) == 1 and packs[0]["rows"] == 2
    download = officer.form(f"{base}/poll/postal-packs/{packs[0]['id']}/download", {})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.startswith("name,address_line1")
    token = client.get(f"{api}/ballot").json()["csrf_token"]
    client.post(
        f"{api}/ballots",
        json={"voter_id": "AAAA-AAAA-AAAA", "code": "1", "choices": []},
        headers={"X-CSRF-Token": token},
    )
    assert officer.get(f"{api}/refusals").json() == {"wrong-credentials": 1}
    assert "wrong-credentials" in officer.get(f"{base}/poll").text
    assert count(db, AuditEntry, AuditEntry.action == "election.postal_pack_downloaded") == 1
