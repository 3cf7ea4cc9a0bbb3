"""Joining in a real browser with the keyboard alone, and axe-core on every page of the flow."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from governance.members.models import Member
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.browser.members_support import tab_to, trust

pytestmark = pytest.mark.browser


def continue_(page: Page) -> None:
    tab_to(page, "button[type=submit].button >> nth=-1")
    page.keyboard.press("Enter")


def test_joining_a_trust_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    trust(live_server)
    page.goto("/o/riverside/join")
    expect(page.get_by_role("heading", level=1)).to_have_text("What is your date of birth?")
    assert_accessible(page)
    tab_to(page, "#dob-day")
    page.keyboard.type("27")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("1980")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Do you work for Riverside NHS FT?")
    assert_accessible(page)
    tab_to(page, "#works_for_organisation-yes")
    page.keyboard.press("ArrowDown")  # moves to, and selects, "No"
    expect(page.locator("#works_for_organisation-no")).to_be_checked()
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("What is your postcode?")
    assert_accessible(page)
    tab_to(page, "#postcode")
    page.keyboard.type("LS6 2AB")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your name and contact details")
    assert_accessible(page)
    for field, text in [
        ("#first_name", "Ann"),
        ("#last_name", "Able"),
        ("#email", "ann@example.org"),
        ("#address_line1", "1 High Street"),
        ("#town", "Leeds"),
    ]:
        tab_to(page, field)
        page.keyboard.type(text)
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("How may we contact you?")
    assert_accessible(page)
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("Castle")).to_be_visible()
    assert_accessible(page)
    continue_(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    assert_accessible(page)
    with live_server.session() as db:
        member = db.query(Member).one()
        assert (member.email, member.postcode) == ("ann@example.org", "LS6 2AB")
    (welcome,) = live_server.sent_mail()
    assert welcome["To"] == "ann@example.org"


def test_errors_and_refusals_are_accessible(page: Page, live_server: LiveServer) -> None:
    trust(live_server)
    page.goto("/o/riverside/join")
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter your date of birth")
    expect(page).to_have_title(re.compile(r"^Error: What is your date of birth\?"))
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.locator("#dob-day")).to_be_focused()
    page.locator("#dob-day").fill("1")
    page.locator("#dob-month").fill("1")
    page.locator("#dob-year").fill("2015")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot join")
    expect(page.get_by_text("at least 16")).to_be_visible()
    assert_accessible(page)
