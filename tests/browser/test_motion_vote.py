"""A member signs in by emailed link and votes on a motion on a phone-sized screen with the
keyboard alone; axe-core runs on every page of the flow, and nothing scrolls sideways."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from governance.db import utcnow
from governance.meetings import motions
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_schemas import MotionIn
from governance.meetings.thresholds import MotionKind
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.organisations.constitution import OrganisationType, default_constitution
from governance.organisations.models import Organisation
from tests.browser.axe import assert_accessible
from tests.browser.conftest import TIMEOUT_MS, LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
LINK = re.compile(r"(/magic/[A-Za-z0-9_\-]+)")
MAX_TABS = 60


def seed(server: LiveServer) -> tuple[str, int, int]:
    """A co-op with one member and an AGM whose motion is open for votes in advance."""
    with server.session() as db:
        org = Organisation(
            slug="valley-coop",
            name="Valley Co-op",
            type=OrganisationType.COOPERATIVE,
            constitution_json=default_constitution(OrganisationType.COOPERATIVE).to_json(),
        )
        db.add(org)
        db.commit()
        assert org.id is not None
        members = Constituency(
            organisation_id=org.id, kind="member_class", code="M", name="Members"
        )
        member = Member(
            organisation_id=org.id,
            reference="M1",
            first_name="Mo",
            last_name="Member",
            email="mo@example.org",
        )
        db.add_all([members, member])
        db.commit()
        assert members.id is not None and member.id is not None
        db.add(
            MembershipPeriod(
                organisation_id=org.id,
                member_id=member.id,
                constituency_id=members.id,
                start_date=date(2020, 1, 1),
                start_reason="joined",
            )
        )
        starts = utcnow() + timedelta(days=14)
        agm = Meeting(
            organisation_id=org.id,
            kind=MeetingKind.COOP_AGM.value,
            title="Annual general meeting",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status=MeetingStatus.CALLED.value,
        )
        db.add(agm)
        db.commit()
        data = MotionIn(
            kind=MotionKind.ORDINARY,
            title="Adopt the annual accounts",
            text="That the accounts for the year be adopted.\nThe auditors' report is attached.",
        )
        motion = motions.create_motion(db, org, agm, data, actor="test")
        motions.open_for_advance(db, org, motion, actor="test")
        assert agm.id is not None and motion.id is not None
        return org.slug, agm.id, motion.id


def tab_to(page: Page, selector: str) -> None:
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def test_a_member_votes_on_a_phone_with_the_keyboard(
    browser: Browser, live_server: LiveServer
) -> None:
    slug, meeting_id, motion_id = seed(live_server)
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/o/{slug}/member-sign-in")
        tab_to(page, "#email")
        page.keyboard.type("mo@example.org")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("mo@example.org", timeout=TIMEOUT_MS)
        body = live_server.sent_mail()[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
        link = LINK.search(body)
        assert link
        page.goto(link.group(1))
        tab_to(page, "button >> text=Sign in")
        page.keyboard.press("Enter")
        expect(page.locator(".who")).to_contain_text("Mo Member")

        page.goto(f"/o/{slug}/meetings/{meeting_id}/vote")
        expect(page.get_by_role("heading", level=1)).to_have_text("Vote: Annual general meeting")
        assert_accessible(page)
        fits_the_screen(page)
        tab_to(page, "a.button")
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text("Adopt the annual accounts")
        assert_accessible(page)
        fits_the_screen(page)
        # Casting without a choice: an error summary that leads to the choices.
        tab_to(page, "button >> text=Cast your vote")
        page.keyboard.press("Enter")
        expect(page.locator(".error-summary")).to_contain_text("Choose for, against or abstain")
        assert page.title().startswith("Error:")
        assert_accessible(page)
        # Arrow keys move between the radio buttons of one group.
        tab_to(page, "#choice")
        page.keyboard.press("Space")
        expect(page.locator("#choice")).to_be_checked()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#choice-against")).to_be_checked()
        page.keyboard.press("ArrowUp")
        expect(page.locator("#choice")).to_be_checked()
        tab_to(page, "button >> text=Cast your vote")
        page.keyboard.press("Enter")

        expect(page.locator(".notice-success")).to_contain_text("Your vote is recorded")
        expect(page.locator("input[name=choice]")).to_have_count(0)
        assert_accessible(page)
        fits_the_screen(page)

        with live_server.session() as db:
            motion = db.get(motions.Motion, motion_id)
            assert motion is not None
            motions.close(db, motion, actor="test")
        page.goto(f"/o/{slug}/motions/{motion_id}/result")
        expect(page.locator(".outcome")).to_contain_text("Carried")
        assert_accessible(page)
        fits_the_screen(page)
    finally:
        context.close()
