"""Public lists as Atom 1.0, CSV and JSON documents (pure).

Every public list is a sequence of rows that have already been cut down to the list's public
fields (``public.py``); these functions only change the format. Atom is built with
``xml.etree`` so that text is escaped by the XML writer, and characters XML 1.0 cannot carry
are removed first. CSV cells that a spreadsheet would read as a formula are prefixed with an
apostrophe, because the text comes from members and staff.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from governance.spreadsheet import BOM, defuse

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Value = str | int | bool | None | Sequence[Mapping[str, Any]]
Row = Mapping[str, Value]


@dataclass(frozen=True)
class Entry:
    """One item of a feed; ``id`` and ``link`` are absolute URLs."""

    id: str
    title: str
    updated: datetime
    link: str
    summary: str = ""
    published: datetime | None = None


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("feed times must be aware")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: ElementTree.Element, tag: str, text: str = "", **attrs: str) -> None:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text:
        element.text = xml_text(text)


def atom(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alternate_url: str,
    author: str,
    entries: Sequence[Entry],
    updated: datetime,
) -> bytes:
    """An Atom 1.0 feed document. ``updated`` is used when there are no entries."""
    ElementTree.register_namespace("", ATOM_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    newest = max((e.updated for e in entries), default=updated)
    _sub(feed, "updated", rfc3339(newest))
    _sub(feed, "link", rel="self", href=xml_text(self_url), type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=xml_text(alternate_url), type="text/html")
    person = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(person, "name", author or "governance")
    for entry in entries:
        item = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _sub(item, "id", entry.id)
        _sub(item, "title", entry.title or "(untitled)")
        _sub(item, "updated", rfc3339(entry.updated))
        if entry.published is not None:
            _sub(item, "published", rfc3339(entry.published))
        _sub(item, "link", rel="alternate", href=xml_text(entry.link), type="text/html")
        if entry.summary:
            _sub(item, "summary", entry.summary, type="text")
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def cell(value: Value) -> str:
    """One CSV cell: lists of records flattened, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        value = "; ".join(", ".join(f"{k}: {v}" for k, v in item.items()) for item in value)
    return defuse(value)


def csv_text(columns: Sequence[tuple[str, str]], rows: Sequence[Row]) -> str:
    """A CSV document: a header of the columns' keys, then one line per row."""
    buffer = io.StringIO()
    buffer.write(BOM)  # so that Excel reads accented names as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([key for key, _label in columns])
    for row in rows:
        writer.writerow([cell(row.get(key)) for key, _label in columns])
    return buffer.getvalue()


def json_document(
    *, organisation: str, listing: str, generated_at: datetime, rows: Sequence[Row]
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "list": listing,
        "generated_at": rfc3339(generated_at),
        "count": len(rows),
        "items": [dict(row) for row in rows],
    }
