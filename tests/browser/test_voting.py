"""Voting in a real browser with the keyboard alone, and axe-core on every page of the flow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from governance.db import utcnow
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.elections.poll import open_roll
from governance.members.models import Member
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from governance.security import Keys
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.elections.poll_helpers import ELECTION_KEY

pytestmark = pytest.mark.browser

VOTER_ID = re.compile(r"Your voter ID: +([A-Z0-9-]+)")
CODE = re.compile(r"Your security code: +(\d+)")
MAX_TABS = 80


def seed(server: LiveServer, *, method: str, seats: int) -> tuple[str, tuple[str, str]]:
    """An election at the poll with three candidates and one voter; their emailed credentials."""
    with server.session() as db:
        org = Organisation(
            slug="riverside", name="Riverside NHS FT", type=OrganisationType.FOUNDATION_TRUST
        )
        db.add(org)
        db.commit()
        assert org.id is not None
        now = utcnow()
        election = Election(
            organisation_id=org.id,
            title="Public governors: Riverside North",
            seats=seats,
            method=method,
            status=ElectionStatus.POLLING,
            poll_open_at=now - timedelta(days=1),
            poll_close_at=now + timedelta(days=5),
            ballot_public_key=ELECTION_KEY.public,
        )
        db.add(election)
        db.commit()
        assert election.id is not None
        for position, (first, last) in enumerate(
            [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper")], start=1
        ):
            member = Member(
                organisation_id=org.id, reference=f"C{position}", first_name=first, last_name=last
            )
            db.add(member)
            db.commit()
            assert member.id is not None
            db.add(
                Candidate(
                    election_id=election.id,
                    member_id=member.id,
                    ballot_name=f"{first} {last}",
                    statement=f"I have lived in Riverside for {position * 10} years.",
                    status=CandidateStatus.VALID,
                    ballot_position=position,
                )
            )
        voter = Member(
            organisation_id=org.id,
            reference="V1",
            first_name="Vera",
            last_name="Voter",
            email="vera@example.org",
        )
        db.add(voter)
        db.commit()
        open_roll(
            db,
            Keys(server.settings.secret_key),
            election,
            [voter],
            needs_declaration=True,
            base_url=server.url,
        )
        path = f"/o/riverside/elections/{election.id}"
    body = server.sent_mail()[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    voter_id, code = VOTER_ID.search(body), CODE.search(body)
    assert voter_id and code
    assert f"{server.url}{path}/vote" in body
    return path, (voter_id.group(1), code.group(1))


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_member_votes_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    path, (voter_id, code) = seed(live_server, method="mer2014-stv", seats=2)
    page.goto(f"{path}/vote")
    expect(page.get_by_role("heading", level=1)).to_have_text("Public governors: Riverside North")
    assert_accessible(page)

    tab_to(page, "#voter_id")
    page.keyboard.type(voter_id)
    page.keyboard.press("Tab")
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Declaration of identity")).to_be_visible()
    assert_accessible(page)
    tab_to(page, "#declaration")
    page.keyboard.press("Space")
    expect(page.locator("#declaration")).to_be_checked()
    tab_to(page, "button[type=submit] >> text=Continue to the ballot paper")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Number the candidates")).to_be_visible()
    names = page.locator(".candidate-name").all_inner_texts()
    assert [n.split(":")[0].strip() for n in names] == ["Ann Archer", "Ben Baker", "Cat Cooper"]
    assert_accessible(page)
    # A repeated preference is refused with an error summary that links to the field.
    tab_to(page, "input.rank >> nth=0")
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("the same preference")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    ben, cat = page.get_by_label("Ben Baker"), page.get_by_label("Cat Cooper")
    tab_to(page, "input.rank >> nth=0")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Tab")
    expect(ben).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    expect(cat).to_be_focused()
    page.keyboard.type("1")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Check your vote")).to_be_visible()
    expect(page.locator("ol.review-list li")).to_have_text(["Cat Cooper", "Ben Baker"])
    assert_accessible(page)
    tab_to(page, "button >> text=Cast your vote")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your vote has been recorded")).to_be_visible()
    receipt = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", receipt)
    assert_accessible(page)
    tab_to(page, "a >> text=Check your receipt")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your receipt")
    assert_accessible(page)
    tab_to(page, "#receipt")
    page.keyboard.type(receipt)
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-result")).to_contain_text("Your vote is recorded")
    assert_accessible(page)


def test_an_fptp_ballot_by_keyboard_refuses_too_many_marks(
    page: Page, live_server: LiveServer
) -> None:
    path, (voter_id, code) = seed(live_server, method="fptp", seats=1)
    page.goto(f"{path}/vote")
    tab_to(page, "#voter_id")
    page.keyboard.type(voter_id)
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    tab_to(page, "#declaration")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Vote for one candidate")).to_be_visible()
    boxes = page.locator("input[type=checkbox][name=choice]")
    tab_to(page, "input[name=choice] >> nth=0")
    page.keyboard.press("Space")
    tab_to(page, "input[name=choice] >> nth=2")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("up to 1 candidate")
    expect(boxes.nth(0)).to_be_checked()
    assert_accessible(page)
    tab_to(page, "input[name=choice] >> nth=0")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.locator("ul.review-list li")).to_have_text(["Cat Cooper"])
    tab_to(page, "button >> text=Cast your vote")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your vote has been recorded")).to_be_visible()


def test_the_ballot_fits_a_phone(page: Page, live_server: LiveServer) -> None:
    path, (voter_id, code) = seed(live_server, method="mer2014-stv", seats=2)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{path}/vote")
    page.fill("#voter_id", voter_id)
    page.fill("#code", code)
    page.keyboard.press("Enter")
    page.check("#declaration")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Number the candidates")).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "no sideways scrolling on a phone"
    for field in page.locator("input.rank").all():
        box = field.bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24
    assert_accessible(page)
