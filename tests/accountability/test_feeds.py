"""Atom, CSV and JSON documents for the public lists (no database)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest

from governance.accountability.feeds import ATOM_NS, Entry, atom, cell, csv_text, json_document

A = f"{{{ATOM_NS}}}"
WHEN = datetime(2025, 6, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_an_atom_feed_has_ids_titles_and_updated_times() -> None:
    entries = [
        Entry(
            id="http://x.test/o/a/transparency/decisions#d1",
            title="Close <ward> 7 & move",
            updated=WHEN,
            link="http://x.test/o/a/transparency/decisions#d1",
            summary="Text with \x00 a control character",
            published=WHEN - timedelta(days=1),
        ),
        Entry(
            id="http://x.test/o/a/transparency/decisions#d2",
            title="Later",
            updated=WHEN + timedelta(hours=1),
            link="http://x.test/o/a/transparency/decisions#d2",
        ),
    ]
    body = atom(
        feed_id="http://x.test/o/a/transparency/decisions",
        title="Decisions",
        self_url="http://x.test/o/a/transparency/decisions.atom",
        alternate_url="http://x.test/o/a/transparency/decisions",
        author="Riverside & Co",
        entries=entries,
        updated=WHEN,
    )
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(body)
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == "http://x.test/o/a/transparency/decisions"
    assert root.findtext(f"{A}updated") == "2025-06-02T10:30:15Z", "the newest entry"
    assert root.findtext(f"{A}author/{A}name") == "Riverside & Co"
    first = root.findall(f"{A}entry")[0]
    assert first.findtext(f"{A}title") == "Close <ward> 7 & move"
    assert first.findtext(f"{A}summary") == "Text with  a control character"
    assert first.findtext(f"{A}published") == "2025-06-01T09:30:15Z"
    assert all(
        e.findtext(f"{A}id") and e.findtext(f"{A}updated") for e in root.findall(f"{A}entry")
    )
    assert b"&lt;ward&gt;" in body


def test_an_empty_feed_is_still_valid() -> None:
    body = atom(
        feed_id="urn:x",
        title="Empty",
        self_url="http://x/s",
        alternate_url="http://x/",
        author="",
        entries=[],
        updated=WHEN,
    )
    root = ElementTree.fromstring(body)
    assert root.findtext(f"{A}updated") == "2025-06-02T09:30:15Z"
    assert root.findtext(f"{A}author/{A}name") == "governance"


def test_feed_times_must_be_aware_and_are_given_in_utc() -> None:
    summer = datetime(2025, 6, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    body = atom(
        feed_id="urn:x",
        title="t",
        self_url="http://x",
        alternate_url="http://x",
        author="a",
        entries=[],
        updated=summer,
    )
    assert b"2025-06-02T09:00:00Z" in body
    with pytest.raises(ValueError, match="aware"):
        atom(
            feed_id="urn:x",
            title="t",
            self_url="http://x",
            alternate_url="http://x",
            author="a",
            entries=[],
            updated=datetime(2025, 1, 1),
        )


def test_csv_defuses_formulas_and_flattens_lists() -> None:
    text = csv_text(
        [("title", "Title"), ("votes", "Votes"), ("count", "Count"), ("flag", "Flag")],
        [
            {
                "title": '=HYPERLINK("http://evil")',
                "votes": [{"name": "Ann", "vote": "for"}],
                "count": 3,
                "flag": True,
            },
            {"title": "Plain, with comma", "votes": [], "count": None, "flag": False},
        ],
    )
    assert text.startswith("\ufeff"), "a byte-order mark, for Excel"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["title", "votes", "count", "flag"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "name: Ann, vote: for", "3", "yes"]
    assert rows[2] == ["Plain, with comma", "", "", "no"]
    assert cell("-1+A1") == "'-1+A1" and cell("@x") == "'@x" and cell("fine") == "fine"
    assert cell("-1") == "-1", "a plain number is not a formula"


def test_json_document() -> None:
    doc = json_document(organisation="Org", listing="decisions", generated_at=WHEN, rows=[{"a": 1}])
    assert doc == {
        "organisation": "Org",
        "list": "decisions",
        "generated_at": "2025-06-02T09:30:15Z",
        "count": 1,
        "items": [{"a": 1}],
    }
