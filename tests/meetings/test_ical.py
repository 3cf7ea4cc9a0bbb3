"""The iCalendar feed, checked against RFC 5545 by a strict parser written here (the icalendar
package is not a dependency): CRLF line endings, folding at 75 octets without splitting a
character, escaping, and the properties each event must have."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.db import utcnow
from governance.meetings import ical
from tests.conftest import Client
from tests.factories import make_org
from tests.meetings.meeting_support import api_client, at_local, create_meeting, make_body

NAME = re.compile(r"^[A-Za-z0-9-]+$")
UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME"}
ONCE_PER_EVENT = ("UID", "DTSTAMP", "DTSTART")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            assert following in "\\;,nN", f"bad escape \\{following}"
            out.append("\n" if following in "nN" else following)
        else:
            assert char not in ";,", f"unescaped {char!r} in a TEXT value"
            out.append(char)
    return "".join(out)


def parse(feed: str) -> list[dict[str, Any]]:
    """The feed's components as dicts of property -> list of values; fails on any breach."""
    raw = feed.encode("utf-8")
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical), "bare LF or CR"
    assert all(len(line) <= 75 for line in physical), "a line longer than 75 octets"
    logical: list[str] = []
    for line in physical:
        text = line.decode("utf-8")  # raises if a fold split a character
        if text.startswith((" ", "\t")):
            assert logical, "a continuation line first"
            logical[-1] += text[1:]
        else:
            logical.append(text)
    stack: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for line in logical:
        name_part, sep, value = line.partition(":")
        assert sep, f"no colon in {line!r}"
        name = name_part.split(";")[0].upper()
        assert NAME.match(name), name
        if name == "BEGIN":
            stack.append({"_type": value})
        elif name == "END":
            component = stack.pop()
            assert component["_type"] == value, "mismatched END"
            done.append(component)
        else:
            assert stack, "a property outside any component"
            if name in TEXT_PROPERTIES:
                value = unescape(value)
            stack[-1].setdefault(name, []).append(value)
    assert not stack, "unclosed component"
    calendars = [c for c in done if c["_type"] == "VCALENDAR"]
    assert (
        len(calendars) == 1
        and calendars[0]["VERSION"] == ["2.0"]
        and len(calendars[0]["PRODID"]) == 1
    )
    events = [c for c in done if c["_type"] == "VEVENT"]
    for event in events:
        for name in ONCE_PER_EVENT:
            assert len(event.get(name, [])) == 1, f"{name} must appear once"
        for name in ("DTSTAMP", "DTSTART", "DTEND"):
            assert UTC_TIME.match(event[name][0]), event[name]
        assert event["DTEND"][0] > event["DTSTART"][0]
    return events


def test_folding_escaping_and_required_properties() -> None:
    start = datetime(2025, 6, 18, 17, 30, tzinfo=UTC)
    summary = "AGM; résumé, with commas\\and a backslash \u2013 " + "é" * 60
    description = "Line one\nLine two; three, four\r\nLine five " + "€" * 40
    feed = ical.calendar(
        "Riverside Co-op: meetings",
        [
            ical.Event(
                "m-1@example",
                start,
                start + timedelta(hours=2),
                summary,
                description,
                "Hall, Room 1",
            )
        ],
        now=start,
    )
    (event,) = parse(feed)
    assert event["SUMMARY"] == [summary]
    assert event["DESCRIPTION"] == ["Line one\nLine two; three, four\nLine five " + "€" * 40]
    assert event["LOCATION"] == ["Hall, Room 1"]
    assert event["DTSTART"] == ["20250618T173000Z"] and event["DTEND"] == ["20250618T193000Z"]


def test_fold_never_splits_a_character() -> None:
    for width in range(60, 90):
        line = "X" * width + "€" * 50
        pieces = ical.fold(line).split("\r\n ")
        assert "".join(pieces) == line
        assert all(len(p.encode()) <= (75 if i == 0 else 74) for i, p in enumerate(pieces))


def test_the_feed_lists_called_meetings_only(
    db: Session, engine: Engine, make_client: Any, client: Client
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    day = utcnow().date() + timedelta(days=40)
    called = create_meeting(staff, "river-coop", at_local(day), title="AGM, with a comma; and more")
    create_meeting(staff, "river-coop", at_local(day + timedelta(days=1)), title="Still a draft")
    assert (
        staff.post(f"/api/orgs/river-coop/meetings/{called['id']}/notice", json={}).status_code
        == 200
    )
    response = client.get("/o/river-coop/meetings.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = parse(response.text)
    assert [e["SUMMARY"] for e in events] == [["AGM, with a comma; and more"]]
    assert events[0]["UID"][0].startswith(f"meeting-{called['id']}-river-coop@")
    assert events[0]["STATUS"] == ["CONFIRMED"] and events[0]["SEQUENCE"] == ["0"]
    assert events[0]["URL"] == [f"http://testserver.local/o/river-coop/meetings/{called['id']}"]

    cancel = staff.post(
        f"/api/orgs/river-coop/meetings/{called['id']}/cancel", json={"reason": "Hall flooded"}
    )
    assert cancel.status_code == 200
    (event,) = parse(client.get("/o/river-coop/meetings.ics").text)
    assert event["STATUS"] == ["CANCELLED"] and event["SEQUENCE"] == ["1"]


def test_each_organisation_has_its_own_feed(db: Session, client: Client) -> None:
    make_org(db, "other-org")
    assert parse(client.get("/o/other-org/meetings.ics").text) == []
    assert client.get("/o/nobody/meetings.ics").status_code == 404
