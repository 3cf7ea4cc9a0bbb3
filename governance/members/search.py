"""Searching the register by name prefix, email, postcode or member number.

Each kind of search is one or two queries that each read a single index in its own order
(``normalise.py`` explains the key columns), so a page of results costs the same with 200 or
200,000 members, and the query planner has only one sensible plan to choose:

- an email (anything with ``@``): that email, or emails starting with the text;
- a postcode, whole or the start of one: by postcode, then name;
- one word: surnames starting with it, then first names starting with it;
- two or more words: first name starting with the first word and surname with the last;
- in every case but email, a member number equal to the text comes first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, not_
from sqlmodel import Session, col, select

from governance.members import configuration
from governance.members.models import Member, MemberStatus
from governance.members.normalise import postcode_key, prefix_bound, search_key
from governance.members.queries import (
    PAGE,
    Found,
    current_constituencies,
    members_on,
    starts_with,
    with_classes,
)

POSTCODE_START = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?(\s*[0-9][A-Za-z]{0,2})?$")
UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EXACT_CAP = 500
BY_NAME = (col(Member.last_name_key), col(Member.first_name_key), col(Member.id))
BY_FIRST_NAME = (col(Member.first_name_key), col(Member.last_name_key), col(Member.id))
BY_POSTCODE = (col(Member.postcode_key), *BY_NAME)


def _upper_bound(key: str) -> str | None:
    chars = list(key)
    while chars:
        position = UPPER.find(chars[-1])
        if 0 <= position < len(UPPER) - 1:
            chars[-1] = UPPER[position + 1]
            return "".join(chars)
        chars.pop()
    return None


class _Search:
    def __init__(self, session: Session, filters: list[ColumnElement[bool]]) -> None:
        self.session = session
        self.filters = filters

    def page(self, condition: Any, order: tuple[Any, ...], offset: int, limit: int) -> list[Member]:
        statement = select(Member).where(*self.filters)
        if condition is not None:
            statement = statement.where(condition)
        return list(self.session.exec(statement.order_by(*order).offset(offset).limit(limit)).all())

    def count(self, condition: Any) -> int:
        statement = select(func.count()).select_from(Member).where(*self.filters, condition)
        return int(self.session.exec(statement).one())

    def exact(self, condition: Any) -> list[Member]:
        """Few rows: read through the condition's index, sorted here."""
        found = self.session.exec(
            select(Member).where(*self.filters, condition).limit(EXACT_CAP)
        ).all()
        return sorted(found, key=lambda m: (m.last_name_key, m.first_name_key, m.id or 0))

    def then(
        self,
        first: Any,
        second: Any,
        *,
        orders: tuple[tuple[Any, ...], tuple[Any, ...]],
        offset: int,
        limit: int,
    ) -> list[Member]:
        """Matches of ``first`` in its order, followed by those of ``second`` (not ``first``)."""
        first_order, second_order = orders
        found = self.page(first, first_order, offset, limit)
        if len(found) == limit:
            return found
        before = offset + len(found) if found or offset == 0 else self.count(first)
        rest = self.page(
            second & not_(first), second_order, max(offset - before, 0), limit - len(found)
        )
        return found + rest


def search(
    session: Session,
    organisation_id: int,
    q: str = "",
    *,
    constituency: str | None = None,
    status: str | None = MemberStatus.ACTIVE.value,
    offset: int = 0,
    limit: int = PAGE,
    today: date,
) -> list[Found]:
    """A page of members matching the search text (see the module's description)."""
    filters: list[ColumnElement[bool]] = [col(Member.organisation_id) == organisation_id]
    if status:
        filters.append(col(Member.status) == status)
    if constituency:
        chosen = configuration.require(session, organisation_id, constituency)
        filters.append(col(Member.id).in_(members_on(with_classes(session, chosen), today)))
    members = _find(_Search(session, filters), q.strip(), offset, limit)
    constituencies = current_constituencies(session, members, today)
    return [Found(m, c) for m, c in zip(members, constituencies, strict=True)]


def _find(find: _Search, text: str, offset: int, limit: int) -> list[Member]:
    if not text:
        return find.page(None, BY_NAME, offset, limit)
    if "@" in text:
        email = text.lower()
        if "." in email.split("@", 1)[1]:
            return find.exact(col(Member.email) == email)[offset : offset + limit]
        bound = email[:-1] + chr(ord(email[-1]) + 1)
        by_email = (col(Member.email), col(Member.id))
        return find.page(starts_with(col(Member.email), email, bound), by_email, offset, limit)
    numbered = find.exact(col(Member.reference) == text) if offset == 0 else []
    if POSTCODE_START.match(text) and any(c.isdigit() for c in text):
        key = postcode_key(text)
        found = find.page(
            starts_with(col(Member.postcode_key), key, _upper_bound(key)),
            BY_POSTCODE,
            offset,
            limit,
        )
    else:
        words = [w for w in (search_key(word) for word in text.split()) if w]
        found = _by_name(find, words, offset, limit)
    seen = {m.id for m in numbered}
    return (numbered + [m for m in found if m.id not in seen])[:limit]


def _by_name(find: _Search, words: list[str], offset: int, limit: int) -> list[Member]:
    if not words:
        return []
    first, last = words[0], words[-1]
    surname = starts_with(col(Member.last_name_key), last, prefix_bound(last))
    if len(words) > 1:
        given = starts_with(col(Member.first_name_key), first, prefix_bound(first))
        return find.page(surname & given, BY_NAME, offset, limit)
    given = starts_with(col(Member.first_name_key), first, prefix_bound(first))
    return find.then(surname, given, orders=(BY_NAME, BY_FIRST_NAME), offset=offset, limit=limit)
