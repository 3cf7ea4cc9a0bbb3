"""The site-wide pages in a real browser: content, accessibility, keyboard use."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def add_riverside(live_server: LiveServer) -> None:
    with live_server.session() as db:
        db.add(
            Organisation(
                slug="riverside", name="Riverside NHS FT", type=OrganisationType.FOUNDATION_TRUST
            )
        )
        db.commit()


def test_home_page_lists_organisations(page: Page, live_server: LiveServer) -> None:
    add_riverside(live_server)
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page).to_have_title("Governance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Member democracy, run properly")
    expect(page.get_by_role("link", name="Riverside NHS FT")).to_have_attribute(
        "href", "/o/riverside"
    )
    assert_accessible(page)


def test_an_organisations_start_page_leads_visitors_on(page: Page, live_server: LiveServer) -> None:
    add_riverside(live_server)
    page.goto("/")
    page.get_by_role("link", name="Riverside NHS FT").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside NHS FT")
    assert_accessible(page)
    page.get_by_role("link", name="Transparency").click()
    expect(page).to_have_url("/o/riverside/transparency")
    assert_accessible(page)


def test_home_page_without_organisations(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_text("No organisation has been set up yet")).to_be_visible()
    assert_accessible(page)


def test_accessibility_statement(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Accessibility").click()
    expect(page).to_have_url("/accessibility")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    assert_accessible(page)


def test_unknown_page_shows_a_plain_error(page: Page) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    expect(page.get_by_role("link", name="Go to the start page")).to_be_visible()
    assert_accessible(page)


def test_stylesheet_is_served(page: Page) -> None:
    page.goto("/")
    loaded = page.evaluate("() => Array.from(document.styleSheets).map(s => s.cssRules.length)")
    assert loaded and loaded[0] > 0


def test_keyboard_reaches_skip_link_then_main_content(page: Page) -> None:
    page.goto("/accessibility")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 1 and box["height"] > 1, (
        "the skip link must be visible when focused"
    )
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused skip link needs a visible focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url("/accessibility#main")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # From the main content, the next Tab stop is a link inside it or after it, not the header.
    page.keyboard.press("Tab")
    in_header = page.evaluate("() => !!document.activeElement.closest('header')")
    assert not in_header


def test_skip_link_is_hidden_until_focused(page: Page) -> None:
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to main content")
    box = skip.bounding_box()
    assert box is None or box["y"] + box["height"] <= 0 or box["width"] <= 1


def test_page_fits_a_phone_screen(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/accessibility")
    overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "content must reflow at 320 CSS pixels without scrolling sideways"
    assert_accessible(page)
