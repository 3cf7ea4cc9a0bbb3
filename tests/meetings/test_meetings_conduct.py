"""Holding a meeting: attendance (staff and members), the live quorum with proxies, opening,
closing, adjournment by the chair and for want of a quorum (by the dashboard and the scheduled
job), dissolution, and the quorum of the adjourned meeting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.db import utcnow
from governance.meetings import hooks
from governance.meetings.jobs import adjourn_inquorate
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Attendance, Meeting
from governance.members.offices import Office
from governance.organisations.constitution import OrganisationType
from governance.settings import Settings
from tests.conftest import Client
from tests.factories import (
    audit_actions,
    make_member,
    member_client,
    travel_to,
)
from tests.meetings.meeting_support import (
    Org,
    api_client,
    appoint,
    at_local,
    count,
    create_meeting,
    fresh,
    make_body,
    outbox_to,
)

SLUG = "river-coop"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def proxies() -> Iterator[dict[int, int]]:
    """Proxies by meeting id, counted through the hook the resolutions side fills."""
    held: dict[int, int] = {}

    def counter(session: Session, meeting: Meeting, present: frozenset[int]) -> int:
        return held.get(meeting.id or 0, 0)

    hooks.register_proxy_counter(counter)
    yield held
    hooks._proxy_counters.remove(counter)


def called_meeting(
    db: Session, engine: Engine, make_client: Any, body: Org, **changes: Any
) -> tuple[Client, dict[str, Any]]:
    staff = api_client(make_client, engine, body.secretary)
    start = at_local(utcnow().date() + timedelta(days=20))
    slug = body.org.slug
    made = create_meeting(staff, slug, start, **changes)
    called = staff.post(
        f"/api/orgs/{slug}/meetings/{made['id']}/notice", json={"late_notice_reason": "tests"}
    )
    assert called.status_code == 200, called.text
    return staff, called.json()


def register(staff: Client, slug: str, meeting_id: int, reference: str, **extra: Any) -> Any:
    return staff.post(
        f"/api/orgs/{slug}/meetings/{meeting_id}/attendance",
        json={"member_reference": reference, **extra},
    )


def test_attendance_and_the_live_quorum(
    db: Session, engine: Engine, make_client: Any, proxies: dict[int, int]
) -> None:
    body = make_body(db, members=10)
    staff, meeting = called_meeting(db, engine, make_client, body)
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}"
    early = register(staff, SLUG, meeting["id"], "M0001")
    assert early.status_code == 409 and early.json()["type"] == "/problems/attendance-closed"
    travel_to(datetime.fromisoformat(meeting["starts_at"]) - timedelta(minutes=30))
    opened = staff.post(f"{url}/open")
    assert opened.status_code == 200 and opened.json()["body_size"] == 10
    quorum = staff.get(f"{url}/quorum").json()
    assert quorum["required"] == 5 and quorum["counted"] == 0 and not quorum["quorate"]
    assert quorum["adjourns_at"] is not None
    for reference in ("M0001", "M0002", "M0003"):
        assert register(staff, SLUG, meeting["id"], reference).status_code == 201
    twice = register(staff, SLUG, meeting["id"], "M0001")
    assert twice.status_code == 409 and twice.json()["type"] == "/problems/already-registered"
    proxies[meeting["id"]] = 1
    member = member_client(make_client, engine, body.members[3])
    online = member.api("POST", f"{url}/attendance/me")
    assert online.status_code == 201 and online.json()["mode"] == "online"
    quorum = staff.get(f"{url}/quorum").json()
    assert quorum["present"] == 4 and quorum["proxies"] == 1 and quorum["quorate"]
    assert fresh(db, meeting["id"]).quorate_at is not None
    # Members joining after the meeting opened do not change the body it was counted against.
    make_member(db, body.org, email="late@example.org", reference="LATE")
    assert staff.get(f"{url}/quorum").json()["body_size"] == 10
    listed = staff.get(f"{url}/attendance").json()
    first = next(a for a in listed if a["member_reference"] == "M0001")
    left = staff.post(f"{url}/attendance/{first['id']}/leave")
    assert left.status_code == 200 and left.json()["present"] == 3
    assert register(staff, SLUG, meeting["id"], "M0001").status_code == 201, "coming back"
    actions = audit_actions(db)
    assert actions.count("meeting.attendance_registered") == 5
    assert {"meeting.opened", "meeting.attendance_left"} <= set(actions)
    # Quorate once, the meeting does not stand adjourned later.
    travel_to(datetime.fromisoformat(meeting["starts_at"]) + timedelta(hours=1))
    assert staff.get(f"{url}/quorum").json()["adjourns_at"] is None
    assert staff.post(f"{url}/close").status_code == 200
    assert fresh(db, meeting["id"]).status == MeetingStatus.CLOSED


def test_who_may_be_registered(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db)
    other = make_body(db, "hill-coop", prefix="h")
    outsider = make_member(
        db, body.org, email="lapsed@example.org", reference="NOPE"
    )  # no membership period
    staff, meeting = called_meeting(db, engine, make_client, body)
    travel_to(datetime.fromisoformat(meeting["starts_at"]))
    missing = register(staff, SLUG, meeting["id"], "ZZZ")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "member_reference"
    not_member = register(staff, SLUG, meeting["id"], outsider.reference)
    assert not_member.status_code == 422 and not_member.json()["type"] == "/problems/not-a-member"
    theirs = register(staff, SLUG, meeting["id"], other.members[0].reference)
    assert theirs.status_code == 422, "another organisation's member number is unknown here"
    governor = register(staff, SLUG, meeting["id"], "M0001", capacity="governor")
    assert (
        governor.status_code == 422 and governor.json()["type"] == "/problems/not-an-office-holder"
    )
    bad = register(staff, SLUG, meeting["id"], "M0001", mode="carrier-pigeon")
    assert bad.status_code == 400
    assert count(db, Attendance) == 0
    assert "meeting.attendance_registered" not in audit_actions(db)


def test_a_council_counts_its_governors(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db, "north-ft", members=9, kind=OrganisationType.FOUNDATION_TRUST)
    appoint(db, body.org, body.members[:6], Office.GOVERNOR)
    staff, meeting = called_meeting(
        db, engine, make_client, body, kind="council_of_governors", title="Council"
    )
    url = f"/api/orgs/north-ft/meetings/{meeting['id']}"
    travel_to(datetime.fromisoformat(meeting["starts_at"]))
    assert staff.post(f"{url}/open").status_code == 200
    observer = register(staff, "north-ft", meeting["id"], body.members[8].reference)
    assert observer.json()["attendance"]["capacity"] == "member"
    first = register(staff, "north-ft", meeting["id"], body.members[0].reference)
    assert first.json()["attendance"]["capacity"] == "governor"
    assert first.json()["quorum"]["required"] == 2 and not first.json()["quorum"]["quorate"]
    second = register(staff, "north-ft", meeting["id"], body.members[1].reference)
    assert second.json()["quorum"]["quorate"] and second.json()["quorum"]["body_size"] == 6


def test_an_inquorate_meeting_stands_adjourned_a_week_later(
    db: Session, engine: Engine, make_client: Any, settings: Settings
) -> None:
    body = make_body(db, members=10)
    staff, meeting = called_meeting(db, engine, make_client, body)
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}"
    starts = datetime.fromisoformat(meeting["starts_at"])
    travel_to(starts)
    staff.post(f"{url}/open")
    register(staff, SLUG, meeting["id"], "M0001")
    travel_to(starts + timedelta(minutes=29))
    assert adjourn_inquorate(engine, settings) == 0
    travel_to(starts + timedelta(minutes=31))
    assert adjourn_inquorate(engine, settings) == 1
    assert adjourn_inquorate(engine, settings) == 0, "once"
    first = fresh(db, meeting["id"])
    assert first.status == MeetingStatus.ADJOURNED and "No quorum within 30 minutes" in (
        first.adjournment_reason or ""
    )
    resumed = db.query(Meeting).filter(Meeting.adjourned_from_id == meeting["id"]).one()
    db.commit()
    assert resumed.status == MeetingStatus.CALLED
    # The same day next week at the same time on London's clocks, across a clock change too.
    same_time_next_week = (starts.astimezone(LONDON) + timedelta(days=7)).astimezone(UTC)
    assert resumed.starts_at == same_time_next_week
    assert resumed.title.endswith("(adjourned)")
    assert len(outbox_to(db, f"meeting:{meeting['id']}")) == 20, "notice, then the adjournment"
    public = make_client().get(f"/o/{SLUG}/meetings/{meeting['id']}")
    assert "adjourned meeting" in public.text
    # At the adjourned meeting the members present form the quorum.
    travel_to(resumed.starts_at)
    resumed_url = f"/api/orgs/{SLUG}/meetings/{resumed.id}"
    assert staff.post(f"{resumed_url}/open").status_code == 200
    register(staff, SLUG, resumed.id or 0, "M0002")
    assert not staff.get(f"{resumed_url}/quorum").json()["quorate"]
    quorate = register(staff, SLUG, resumed.id or 0, "M0003").json()["quorum"]
    assert quorate["quorate"] and quorate["required"] == 2
    entry = [a for a in audit_actions(db) if a == "meeting.adjourned"]
    assert len(entry) == 1


def test_an_adjourned_meeting_still_inquorate_is_dissolved(
    db: Session, engine: Engine, make_client: Any, settings: Settings
) -> None:
    body = make_body(db, members=10, adjourned_quorum_present=False)
    staff, meeting = called_meeting(db, engine, make_client, body)
    starts = datetime.fromisoformat(meeting["starts_at"])
    travel_to(starts)
    staff.post(f"/api/orgs/{SLUG}/meetings/{meeting['id']}/open")
    travel_to(starts + timedelta(minutes=40))
    page = signed_dashboard(staff, meeting["id"])
    assert page == MeetingStatus.ADJOURNED
    resumed = db.query(Meeting).filter(Meeting.adjourned_from_id == meeting["id"]).one()
    db.commit()
    travel_to(resumed.starts_at)
    staff.post(f"/api/orgs/{SLUG}/meetings/{resumed.id}/open")
    quorum = staff.get(f"/api/orgs/{SLUG}/meetings/{resumed.id}/quorum").json()
    assert quorum["required"] == 5, "the same rule as the first meeting"
    travel_to(resumed.starts_at + timedelta(minutes=31))
    assert adjourn_inquorate(engine, settings) == 1
    ended = fresh(db, resumed.id or 0)
    assert ended.status == MeetingStatus.CLOSED and "dissolved" in (ended.adjournment_reason or "")
    assert count(db, Meeting) == 2


def signed_dashboard(staff: Client, meeting_id: int) -> MeetingStatus:
    """Reading the quorum applies the rule (as the dashboard does)."""
    staff.get(f"/api/orgs/{SLUG}/meetings/{meeting_id}/quorum")
    return MeetingStatus(
        staff.get(f"/api/orgs/{SLUG}/meetings/{meeting_id}").json()["meeting"]["status"]
    )


def test_the_chair_adjourns_to_a_chosen_time(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db)
    staff, meeting = called_meeting(db, engine, make_client, body)
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}"
    starts = datetime.fromisoformat(meeting["starts_at"])
    travel_to(starts)
    staff.post(f"{url}/open")
    past = staff.post(
        f"{url}/adjourn", json={"reason": "Fire alarm", "starts_at": starts.isoformat()}
    )
    assert past.status_code == 422 and fresh(db, meeting["id"]).status == MeetingStatus.OPEN
    later = starts + timedelta(days=2)
    adjourned = staff.post(
        f"{url}/adjourn", json={"reason": "Fire alarm", "starts_at": later.isoformat()}
    )
    assert adjourned.status_code == 200
    assert datetime.fromisoformat(adjourned.json()["resumes_as"]["starts_at"]) == later
    assert staff.post(f"{url}/adjourn", json={"reason": "again"}).status_code == 409
    assert staff.post(f"{url}/close").status_code == 409


def test_opening_too_early_or_twice(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db)
    staff, meeting = called_meeting(db, engine, make_client, body)
    url = f"/api/orgs/{SLUG}/meetings/{meeting['id']}"
    assert staff.post(f"{url}/open").json()["type"] == "/problems/too-early"
    travel_to(datetime.fromisoformat(meeting["starts_at"]))
    assert staff.post(f"{url}/open").status_code == 200
    assert staff.post(f"{url}/open").status_code == 409
    assert staff.post(f"{url}/cancel", json={"reason": "late"}).status_code == 409
    assert audit_actions(db).count("meeting.opened") == 1


def test_the_dashboard_shows_the_quorum(db: Session, engine: Engine, make_client: Any) -> None:
    from tests.factories import signed_in_client

    body = make_body(db, members=4)
    _staff, meeting = called_meeting(db, engine, make_client, body)
    travel_to(datetime.fromisoformat(meeting["starts_at"]))
    browser = signed_in_client(make_client, body.secretary)
    manage = f"/o/{SLUG}/meetings/{meeting['id']}/manage"
    opened = browser.form(f"{manage}/open", {})
    assert "The meeting is open" in opened.text and "Not quorate" in opened.text
    registered = browser.form(
        f"{manage}/attendance", {"member_reference": "M0001", "mode": "in_person"}
    )
    assert "Attendance is registered" in registered.text and "Member1" in registered.text
    unknown = browser.form(f"{manage}/attendance", {"member_reference": "nobody"})
    assert unknown.status_code == 422 and 'href="#member_reference"' in unknown.text
    quorate = browser.form(f"{manage}/attendance", {"member_reference": "M0002", "mode": "online"})
    assert "Quorate." in quorate.text
