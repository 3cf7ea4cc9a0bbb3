"""A member signs in by emailed link and votes on a motion on a phone-sized screen with the
keyboard alone; axe-core runs on every page of the flow, and nothing scrolls sideways."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from governance.auth import sessions
from governance.auth.middleware import SESSION_COOKIE
from governance.auth.models import RoleAssignment, User
from governance.db import utcnow
from governance.meetings import motions
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_schemas import MotionIn
from governance.meetings.thresholds import MotionKind
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.organisations.constitution import OrganisationType, Role, default_constitution
from governance.organisations.models import Organisation
from governance.security import Keys
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

        # From the meeting's page (where the notice links to), to its motions.
        page.goto(f"/o/{slug}/meetings/{meeting_id}")
        assert_accessible(page)
        tab_to(page, "a.button >> text=Vote on the motions")
        page.keyboard.press("Enter")
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


def signed_in(
    browser: Browser,
    server: LiveServer,
    *,
    member_id: int | None = None,
    user_id: int | None = None,
    **options: Any,
) -> Page:
    """A browser context already signed in (a session issued directly; the emailed link and the
    staff sign-in have tests of their own)."""
    with server.session() as db:
        member = db.get(Member, member_id) if member_id else None
        user = db.get(User, user_id) if user_id else None
        token = sessions.issue(
            db, Keys(server.settings.secret_key), server.settings, member=member, user=user
        )
        db.commit()
    context = browser.new_context(base_url=server.url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server.url}])
    return context.new_page()


def test_proxy_and_console_pages_pass_axe(browser: Browser, live_server: LiveServer) -> None:
    slug, meeting_id, motion_id = seed(live_server)
    with live_server.session() as db:
        org = db.exec(select(Organisation).where(Organisation.slug == slug)).one()
        mo = db.exec(select(Member).where(Member.reference == "M1")).one()
        holder = Member(
            organisation_id=org.id or 0,
            reference="M2",
            first_name="Hal",
            last_name="Holder",
            email="hal@example.org",
        )
        secretary = User(
            email="sec@example.org", name="Sam Secretary", password_hash="!", totp_enabled=True
        )
        db.add_all([holder, secretary])
        db.commit()
        db.add(
            RoleAssignment(
                user_id=secretary.id or 0, organisation_id=org.id or 0, role=Role.SECRETARY
            )
        )
        db.commit()
        ids = (mo.id or 0, holder.id or 0, secretary.id or 0)

    phone = signed_in(
        browser, live_server, member_id=ids[0], viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        phone.goto(f"/o/{slug}/meetings/{meeting_id}/proxy")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Your proxy")
        assert_accessible(phone)
        fits_the_screen(phone)
        # Tab reaches the group of radio buttons at its first; the arrow keys move within it.
        tab_to(phone, "#holder-chair")
        phone.keyboard.press("ArrowDown")
        expect(phone.locator("#holder-member")).to_be_checked()
        tab_to(phone, "#holder_reference")
        phone.keyboard.type("M2")
        phone.keyboard.press("Tab")
        phone.keyboard.type("Holder")
        tab_to(phone, "button >> text=Appoint my proxy")
        phone.keyboard.press("Enter")
        expect(phone.locator(".notice-success")).to_contain_text("Your proxy has been appointed")
        assert_accessible(phone)
        fits_the_screen(phone)
    finally:
        phone.context.close()

    desk = signed_in(browser, live_server, user_id=ids[2])
    try:
        desk.goto(f"/o/{slug}/meetings/{meeting_id}/motions")
        expect(desk.get_by_role("heading", level=1)).to_contain_text("Motions")
        assert_accessible(desk)
        desk.goto(f"/o/{slug}/motions/{motion_id}/manage")
        assert_accessible(desk)
        with live_server.session() as db:
            agm = db.get(Meeting, meeting_id)
            assert agm is not None
            agm.status = MeetingStatus.OPEN.value
            agm.starts_at = utcnow() - timedelta(minutes=5)
            agm.ends_at = utcnow() + timedelta(hours=2)
            db.add(agm)
            db.commit()
        tab_to(desk, "button >> text=Open the poll in the meeting")
        desk.keyboard.press("Enter")
        expect(desk.locator(".notice-success")).to_contain_text("The poll is open")
        assert_accessible(desk)
    finally:
        desk.context.close()

    holding = signed_in(
        browser, live_server, member_id=ids[1], viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        holding.goto(f"/o/{slug}/motions/{motion_id}/proxies")
        expect(holding.locator("table")).to_contain_text("Mo Member")
        assert_accessible(holding)
        fits_the_screen(holding)
        tab_to(holding, "#choice")
        holding.keyboard.press("Space")
        tab_to(holding, "button >> text=Cast the proxy votes")
        holding.keyboard.press("Enter")
        expect(holding.locator(".notice-success")).to_contain_text("1 proxy vote(s) recorded")
        assert_accessible(holding)
    finally:
        holding.context.close()
