"""A member asks the governors, a governor answers, and the answer is published without the
member's name: in a real browser, with the keyboard where it matters, axe-core on every page."""

from __future__ import annotations

import re
from datetime import date

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from governance.accountability.models import GovernorRecord
from governance.auth import totp
from governance.db import utcnow
from governance.members import configuration
from governance.members.models import Member, MembershipPeriod
from governance.members.offices import Office, start_terms
from governance.members.schemas import ConstituencyIn
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.security import Keys
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.factories import DEFAULT_PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/magic/[A-Za-z0-9_-]+)")
MAX_TABS = 60


def seed(server: LiveServer) -> None:
    """Riverside with a North constituency, a member there and a North governor."""
    with server.session() as db:
        org = make_org(db, "riverside", name="Riverside NHS FT")
        data = ConstituencyIn(code="NORTH", name="North", kind="public")  # type: ignore[arg-type]
        configuration.add_constituency(db, org, data, actor="test")
        north = configuration.by_code(db, org.id or 0, "NORTH")
        assert north is not None and north.id is not None
        people = []
        for reference, first, last, email in [
            ("M1", "Nia", "Asker", "nia@example.org"),
            ("M2", "Gwen", "Governor", "gwen.member@example.org"),
        ]:
            member = Member(
                organisation_id=org.id or 0,
                reference=reference,
                first_name=first,
                last_name=last,
                email=email,
            )
            db.add(member)
            db.flush()
            db.add(
                MembershipPeriod(
                    organisation_id=org.id or 0,
                    member_id=member.id or 0,
                    constituency_id=north.id,
                    start_date=date(2020, 1, 1),
                    start_reason="joined",
                )
            )
            people.append(member)
        start_terms(
            db,
            organisation_id=org.id or 0,
            member_ids=[people[1].id or 0],
            office=Office.GOVERNOR,
            starts_on=date(2024, 4, 1),
            years=3,
            constituency_id=north.id,
        )
        db.commit()
        user = make_user(
            db, "gwen@example.org", name="Gwen Governor", roles={org.slug: [Role.GOVERNOR]}
        )
        db.add(
            GovernorRecord(
                organisation_id=org.id or 0, member_id=people[1].id or 0, user_id=user.id
            )
        )
        db.commit()


def tab_to(page: Page, selector: str) -> None:
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def sign_in_member(page: Page, server: LiveServer) -> None:
    page.goto("/o/riverside/member-sign-in")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_role("button", name="Send me a link").click()
    bodies = [str(m.get_payload(decode=False)) for m in server.sent_mail()]
    links = [found.group(1) for body in bodies for found in [LINK.search(body)] if found]
    page.goto(links[-1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/o/riverside"))


def test_a_member_asks_and_a_governor_answers(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    seed(live_server)
    sign_in_member(page, live_server)
    page.goto("/o/riverside/ask")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask your governors")
    assert_accessible(page)

    page.get_by_role("button", name="Send to your governors").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    tab_to(page, "#subject")
    page.keyboard.type("Saturday clinics")
    page.keyboard.press("Tab")
    page.keyboard.type("Will the Saturday clinic in North reopen this year?")
    tab_to(page, "button.button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your questions to the governors")
    expect(page.get_by_text("Your question has been sent to your governors.")).to_be_visible()
    assert_accessible(page)

    staff = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    staff.goto("/sign-in")
    staff.get_by_label("Email address").fill("gwen@example.org")
    staff.get_by_label("Password").fill(DEFAULT_PASSWORD)
    staff.get_by_role("button", name="Continue").click()
    staff.goto("/o/riverside/accountability")
    assert_accessible(staff)
    staff.goto("/o/riverside/accountability/requests")
    assert_accessible(staff)
    staff.get_by_role("link", name="Saturday clinics").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Saturday clinics")
    assert_accessible(staff)
    tab_to(staff, "#answer")
    staff.keyboard.type("Yes: from September, every Saturday morning.")
    tab_to(staff, "form[action$='/answer'] button[type=submit]")
    staff.keyboard.press("Enter")
    expect(staff.get_by_text("The answer has been sent to the member.")).to_be_visible()
    assert_accessible(staff)
    staff.context.close()

    page.goto("/o/riverside/my-requests")
    expect(page.get_by_text("Yes: from September, every Saturday morning.")).to_be_visible()

    public = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    public.goto("/o/riverside/transparency")
    assert_accessible(public)
    public.get_by_role(
        "link", name="Members' questions and the governors' answers", exact=True
    ).click()
    expect(public.get_by_text("Yes: from September, every Saturday morning.")).to_be_visible()
    content = public.content()
    assert "Nia" not in content and "nia@example.org" not in content
    assert_accessible(public)
    public.goto(f"/o/riverside/transparency/health/{utcnow().date().year}")
    assert_accessible(public)
    public.context.close()


def sign_in_secretary(page: Page, server: LiveServer) -> None:
    secret = pyotp.random_base32()
    with server.session() as db:
        org = db.exec(select(Organisation)).one()
        user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
        user.totp_secret_enc = Keys(server.settings.secret_key).seal(secret, "totp")
        user.totp_enabled = True
        db.add(user)
        db.commit()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("sec@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(
        totp.code_at(secret, totp.time_step(utcnow()))
    )
    page.get_by_role("button", name=re.compile("Continue|Sign in|Confirm", re.IGNORECASE)).click()
    page.wait_for_url(re.compile("/o/riverside"))


def test_the_secretary_and_public_pages_pass_axe(page: Page, live_server: LiveServer) -> None:
    seed(live_server)
    sign_in_secretary(page, live_server)
    base = "/o/riverside/accountability"
    page.goto(f"{base}/decisions")
    page.get_by_label("What is to be decided").fill("Sell the old hospital site")
    page.get_by_label("Who decides").fill("The council of governors")
    page.get_by_label("Date of the decision").fill("2035-06-05")
    page.get_by_label("Statutory category").select_option("significant_transaction")
    page.get_by_role("button", name="Record as a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sell the old hospital site")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the notice").click()
    expect(page.get_by_text("Published on time")).to_be_visible()
    year = utcnow().date().year
    for path in [
        "",
        "/plans",
        "/decisions",
        "/consultations",
        "/requests",
        "/reports",
        "/governors",
        "/board-requests",
        f"/annual-report/{year}",
    ]:
        page.goto(base + path)
        assert_accessible(page)
    for name in ["upcoming", "people", "decisions", "consultations", "meetings"]:
        page.goto(f"/o/riverside/transparency/{name}")
        assert_accessible(page)
    page.goto(f"/o/riverside/transparency/annual-report/{year}")
    assert_accessible(page)
