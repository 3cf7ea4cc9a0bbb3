"""A member reads a meeting's notice and sends a question with the keyboard alone, on a
phone-sized screen, and every page passes axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from governance.db import utcnow
from governance.meetings import agenda, service
from governance.meetings.kinds import MeetingKind
from governance.meetings.models import Question
from governance.meetings.schemas import AgendaItemIn, MeetingIn
from governance.members import configuration, history
from governance.members.schemas import ConstituencyIn
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.browser.members_support import sign_in_member, tab_to
from tests.factories import make_member, make_org

pytestmark = pytest.mark.browser
EMAIL = "mo@example.org"


def seed(server: LiveServer) -> str:
    """A co-op with one member and a called AGM taking questions; the meeting's path."""
    with server.session() as db:
        org = make_org(
            db, "river-coop", name="River Co-operative", type=OrganisationType.COOPERATIVE
        )
        data = ConstituencyIn(code="MEMBERS", name="Members", kind="member_class")  # type: ignore[arg-type]
        configuration.add_constituency(db, org, data, actor="test")
        members = configuration.by_code(db, org.id or 0, "MEMBERS")
        member = make_member(db, org, email=EMAIL, first_name="Mo", last_name="Member")
        history.start_periods(
            db,
            [
                {
                    "organisation_id": org.id,
                    "member_id": member.id,
                    "constituency_id": members.id if members else 0,
                    "start_date": utcnow().date() - timedelta(days=100),
                    "start_reason": "joined",
                }
            ],
        )
        db.commit()
        starts = (utcnow() + timedelta(days=20)).replace(
            hour=17, minute=30, second=0, microsecond=0
        )
        meeting = service.create_meeting(
            db,
            org,
            MeetingIn(
                kind=MeetingKind.COOP_AGM,
                title="Annual general meeting 2026",
                starts_at=starts,
                location="The Hall, 1 High Street",
                online_url="https://meet.example.org/agm",
                questions_deadline=starts - timedelta(days=3),
            ),
            actor="test",
        )
        agenda.add_item(
            db, org, meeting, AgendaItemIn(title="Annual report and accounts"), actor="test"
        )
        service.call_meeting(db, org, meeting, reason=None, actor="test", base_url=server.url)
        return f"/o/river-coop/meetings/{meeting.id}"


def test_a_member_reads_the_notice_and_asks_with_the_keyboard(
    page: Page, live_server: LiveServer
) -> None:
    path = seed(live_server)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual general meeting 2026")
    expect(page.locator("ol.agenda")).to_contain_text("Annual report and accounts")
    assert_accessible(page)

    with live_server.session() as db:
        org = db.exec(select(Organisation)).one()
    sign_in_member(page, live_server, org, EMAIL)
    page.goto(path)
    expect(page.get_by_role("link", name="Join the meeting online")).to_be_visible()
    assert_accessible(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the notice reflows without sideways scrolling"

    tab_to(page, "a >> text=Ask a question")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a question")
    assert_accessible(page)
    # Sending nothing shows an error summary that links to the field.
    tab_to(page, "button >> text=Send the question")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("Enter your question")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    tab_to(page, "#text")
    page.keyboard.type("Will the meeting be filmed for members who cannot attend?")
    page.keyboard.press("Tab")
    expect(page.locator("#name_published")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#name_published")).to_be_checked()
    tab_to(page, "button >> text=Send the question")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Your question has been sent")
    expect(page.locator("main")).to_contain_text("Will the meeting be filmed")
    assert_accessible(page)
    with live_server.session() as db:
        question = db.exec(select(Question)).one()
    assert question.name_published and question.text.startswith("Will the meeting be filmed")
