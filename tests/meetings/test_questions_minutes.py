"""Members' questions (the deadline, who may ask, the rate limit, answers and publication) and
minutes (draft, approved at a later meeting of the same body, published with the votes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.db import utcnow
from governance.meetings import hooks
from governance.meetings.models import Meeting, Minutes, Question
from tests.conftest import Client
from tests.factories import (
    audit_actions,
    member_client,
    travel_to,
)
from tests.meetings.meeting_support import (
    Org,
    api_client,
    at_local,
    count,
    make_body,
)

SLUG = "river-coop"


def call(staff: Client, start: datetime, **changes: Any) -> dict[str, Any]:
    payload = {"kind": "coop_agm", "title": "AGM", "starts_at": start.isoformat()} | changes
    made = staff.post(f"/api/orgs/{SLUG}/meetings", json=payload)
    assert made.status_code == 201, made.text
    called = staff.post(
        f"/api/orgs/{SLUG}/meetings/{made.json()['id']}/notice", json={"late_notice_reason": "t"}
    )
    assert called.status_code == 200, called.text
    result: dict[str, Any] = called.json()
    return result


@pytest.fixture
def setup(db: Session, engine: Engine, make_client: Any) -> tuple[Org, Client, dict[str, Any]]:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    start = at_local(utcnow().date() + timedelta(days=20))
    meeting = call(staff, start, questions_deadline=(start - timedelta(days=2)).isoformat())
    return body, staff, meeting


def test_members_ask_before_the_deadline(
    db: Session, engine: Engine, make_client: Any, setup: tuple[Org, Client, dict[str, Any]]
) -> None:
    body, staff, meeting = setup
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}/questions"
    assert make_client().post(url, json={"text": "Hello?"}).status_code in {401, 403}
    member = member_client(make_client, engine, body.members[0])
    asked = member.api("POST", url, json={"text": "Why did the fees rise?", "name_published": True})
    assert asked.status_code == 201 and asked.json()["status"] == "submitted"
    quiet = member_client(make_client, engine, body.members[1])
    assert quiet.api("POST", url, json={"text": "Who audits the accounts?"}).status_code == 201
    assert member.api("POST", url, json={"text": ""}).status_code == 400
    assert member.api("POST", url, json={"text": "x" * 2001}).status_code == 400
    travel_to(datetime.fromisoformat(meeting["questions_deadline"]) + timedelta(seconds=1))
    member = member_client(make_client, engine, body.members[2])  # sessions last hours, not weeks
    late = member.api("POST", url, json={"text": "Too late?"})
    assert late.status_code == 409 and late.json()["type"] == "/problems/questions-closed"
    assert count(db, Question) == 2
    assert audit_actions(db).count("meeting.question_submitted") == 2

    listed = staff.get(url).json()
    loud, hushed = listed
    assert loud["asked_by"] == "Member1 M" and hushed["asked_by"] == "Member2 M"
    answered = staff.post(
        f"{url}/{loud['id']}/answer", json={"answer": "Costs rose.", "publish": True}
    )
    assert answered.status_code == 200 and answered.json()["published_at"]
    staff.post(f"{url}/{hushed['id']}/answer", json={"answer": "An independent firm."})
    page = make_client().get(f"/o/{SLUG}/meetings/{meeting['id']}").text
    assert "Costs rose." in page and "Question from Member1 M" in page
    assert "An independent firm." not in page, "not published yet"
    assert staff.post(f"{url}/{hushed['id']}/publish").status_code == 200
    page = make_client().get(f"/o/{SLUG}/meetings/{meeting['id']}").text
    assert "An independent firm." in page and "Member2" not in page, "named only with consent"
    assert staff.post(f"{url}/{hushed['id']}/reject", json={"reason": "x"}).status_code == 409
    assert {"meeting.question_answered", "meeting.question_published"} <= set(audit_actions(db))


def test_questions_are_rate_limited(
    db: Session, engine: Engine, make_client: Any, setup: tuple[Org, Client, dict[str, Any]]
) -> None:
    body, _, meeting = setup
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}/questions"
    member = member_client(make_client, engine, body.members[0])
    for n in range(5):
        assert member.api("POST", url, json={"text": f"Question {n}"}).status_code == 201
    refused = member.api("POST", url, json={"text": "One more"})
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert count(db, Question) == 5


def test_meetings_without_a_deadline_take_no_questions(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    meeting = call(staff, at_local(utcnow().date() + timedelta(days=20)))
    member = member_client(make_client, engine, body.members[0])
    refused = member.api(
        "POST", f"/api/orgs/{SLUG}/meetings/{meeting['id']}/questions", json={"text": "Hi"}
    )
    assert (
        refused.status_code == 409 and refused.json()["type"] == "/problems/questions-not-invited"
    )


def test_a_member_asks_through_the_pages(
    db: Session, engine: Engine, make_client: Any, setup: tuple[Org, Client, dict[str, Any]]
) -> None:
    body, staff, meeting = setup
    page = f"/o/{SLUG}/meetings/{meeting['id']}"
    assert "Sign in as a member</a> to ask a question" in make_client().get(page).text
    member = member_client(make_client, engine, body.members[0])
    assert "Ask a question" in member.get(page).text
    form = member.get(f"{page}/ask")
    assert form.status_code == 200 and 'name="text"' in form.text
    empty = member.form(f"{page}/ask", {"text": ""})
    assert empty.status_code == 400 and 'href="#text"' in empty.text
    sent = member.form(f"{page}/ask", {"text": "Will the AGM be filmed?", "name_published": "yes"})
    assert sent.status_code == 200 and "Your question has been sent" in sent.text
    assert "Will the AGM be filmed?" in sent.text
    question = staff.get(f"/api/orgs/{SLUG}/meetings/{meeting['id']}/questions").json()[0]
    assert question["text"] == "Will the AGM be filmed?"


@pytest.fixture
def results() -> Iterator[list[hooks.ResultLink]]:
    links: list[hooks.ResultLink] = []

    def lister(session: Session, meeting: Meeting) -> list[hooks.ResultLink]:
        return list(links)

    hooks.register_result_lister(lister)
    yield links
    hooks._result_listers.remove(lister)


def test_minutes_are_approved_at_a_later_meeting_and_published(
    db: Session, engine: Engine, make_client: Any, results: list[hooks.ResultLink]
) -> None:
    body = make_body(db, members=2)
    staff = api_client(make_client, engine, body.secretary)
    day = utcnow().date() + timedelta(days=20)
    first = call(staff, at_local(day), kind="coop_general", title="General meeting")
    second = call(staff, at_local(day + timedelta(days=30)), title="AGM")
    url = f"/api/orgs/{SLUG}/meetings/{first['id']}/minutes"
    early = staff.put(url, json={"text": "Nothing yet"})
    assert early.status_code == 409 and early.json()["type"] == "/problems/not-held"
    travel_to(datetime.fromisoformat(first["starts_at"]))
    staff.post(f"/api/orgs/{SLUG}/meetings/{first['id']}/open")
    assert (
        staff.put(
            url, json={"text": "Present: 2 members.\n\nThe accounts were received."}
        ).status_code
        == 200
    )
    assert (
        staff.put(
            url, json={"text": "Present: 2 members.\n\nThe accounts were received, nem. con."}
        ).status_code
        == 200
    )
    assert staff.post(f"{url}/publish").json()["type"] == "/problems/not-approved"
    not_held = staff.post(f"{url}/approve", json={"at_meeting_id": second["id"]})
    assert not_held.status_code == 422 and not_held.json()["errors"][0]["field"] == "at_meeting_id"
    itself = staff.post(f"{url}/approve", json={"at_meeting_id": first["id"]})
    assert itself.status_code == 422
    travel_to(datetime.fromisoformat(second["starts_at"]))
    staff.post(f"/api/orgs/{SLUG}/meetings/{second['id']}/open")
    approved = staff.post(f"{url}/approve", json={"at_meeting_id": second["id"]})
    assert approved.status_code == 200 and approved.json()["approved_at_meeting_id"] == second["id"]
    assert staff.put(url, json={"text": "rewrite"}).status_code == 409
    results.append(
        hooks.ResultLink("Special resolution: new rules", "carried (80% of votes cast)", "/r/1")
    )
    page = make_client().get(f"/o/{SLUG}/meetings/{first['id']}").text
    assert "nem. con." not in page, "not published yet"
    assert staff.post(f"{url}/publish").status_code == 200
    page = make_client().get(f"/o/{SLUG}/meetings/{first['id']}").text
    assert "nem. con." in page and "Special resolution: new rules" in page and 'href="/r/1"' in page
    found = db.get(Minutes, first["id"], populate_existing=True)
    db.commit()
    assert found is not None and found.status == "published"
    actions = audit_actions(db)
    assert actions.count("meeting.minutes_saved") == 2
    assert {"meeting.minutes_approved", "meeting.minutes_published"} <= set(actions)


def test_minutes_are_approved_by_the_same_body(
    db: Session, engine: Engine, make_client: Any
) -> None:
    from governance.members.offices import Office
    from governance.organisations.constitution import OrganisationType
    from tests.meetings.meeting_support import (
        appoint,
    )

    body = make_body(db, "north-ft", members=3, kind=OrganisationType.FOUNDATION_TRUST)
    appoint(db, body.org, body.members, Office.GOVERNOR)
    staff = api_client(make_client, engine, body.secretary)
    day = utcnow().date() + timedelta(days=20)
    made = [
        staff.post(
            "/api/orgs/north-ft/meetings",
            json={
                "kind": kind,
                "title": kind,
                "starts_at": at_local(day + timedelta(days=n * 10)).isoformat(),
            },
        ).json()
        for n, kind in enumerate(["council_of_governors", "ft_annual_members"])
    ]
    for meeting in made:
        staff.post(
            f"/api/orgs/north-ft/meetings/{meeting['id']}/notice", json={"late_notice_reason": "t"}
        )
        travel_to(datetime.fromisoformat(meeting["starts_at"]))
        staff.post(f"/api/orgs/north-ft/meetings/{meeting['id']}/open")
    url = f"/api/orgs/north-ft/meetings/{made[0]['id']}/minutes"
    staff.put(url, json={"text": "Council minutes"})
    refused = staff.post(f"{url}/approve", json={"at_meeting_id": made[1]["id"]})
    assert refused.status_code == 422 and "same body" in refused.json()["detail"]
