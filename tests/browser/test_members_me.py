"""A member's own page in a real browser: details, contact preferences, data and leaving."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from governance.members import importing
from governance.organisations.models import Organisation
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.browser.members_support import sign_in_member, trust

pytestmark = pytest.mark.browser

CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code,postcode,contact_email\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,LS1 4AP,yes\n"
)


def load(server: LiveServer, org: Organisation, text: str) -> None:
    import io

    with server.session() as db:
        found = importing.check(
            db,
            org,
            io.BytesIO(text.encode()),
            filename="m.csv",
            actor="test",
            today=org.created_at.date(),
        )
        importing.apply(
            db,
            org,
            found.id or 0,
            fingerprint_given=importing.fingerprint(found),
            actor="test",
            today=org.created_at.date(),
        )


def test_a_member_keeps_their_own_details(page: Page, live_server: LiveServer) -> None:
    org = trust(live_server)
    load(live_server, org, CSV)
    sign_in_member(page, live_server, org, "ann@example.org")
    page.goto("/o/riverside/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your membership")
    expect(page.get_by_text("R1")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("By text message").check()
    page.get_by_label("Mobile phone number (optional)").fill("07700 900123")
    page.get_by_role("button", name="Save your details").click()
    expect(page.get_by_role("status")).to_have_text("Your details have been saved.")
    expect(page.get_by_label("By text message")).to_be_checked()
    assert_accessible(page)

    page.get_by_label("Area lived in").select_option(label="Castle")
    page.get_by_role("button", name="Save your details").click()
    expect(page.get_by_text("You will move to South on")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything we hold about you").click()
    assert download.value.suggested_filename == "riverside-my-data.json"

    page.get_by_role("button", name="Resign my membership").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    assert_accessible(page)
    page.get_by_label("I want to stop being a member").check()
    page.get_by_role("button", name="Resign my membership").click()
    expect(page.get_by_role("status")).to_contain_text("no longer a member")
    expect(page.locator("dl.summary")).to_contain_text("resigned")
    assert_accessible(page)
