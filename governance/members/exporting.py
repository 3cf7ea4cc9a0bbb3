"""Exporting the register as CSV, streamed page by page in the import's own columns.

A file exported and imported again changes nothing. Former members are left out unless asked
for; then two more columns, ``status`` and ``left_on``, say how and when they left (the import
ignores those two columns).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance import spreadsheet
from governance.members.models import (
    Constituency,
    ElectoralArea,
    Member,
    MembershipPeriod,
    MemberStatus,
)

PAGE = 5000
EXPORTED = (
    "reference", "first_name", "last_name", "email", "date_of_birth", "constituency",
    "area_code", "address_line1", "address_line2", "town", "postcode", "phone", "joined_on",
    "contact_email", "contact_post", "contact_sms", "hide_from_public_register", "gender",
    "ethnicity", "deprivation_decile", "last_attended_on",
)  # fmt: skip
FORMER = ("status", "left_on")
BOM = b"\xef\xbb\xbf"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_csv(
    engine: Engine, organisation_id: int, *, include_former: bool = False
) -> Iterator[bytes]:
    """The register as CSV bytes, UTF-8 with a byte-order mark, one page of members at a time.

    Each page is read in its own short session, so a slow download holds no transaction open.
    """
    codes: dict[int, str] = {}
    areas: dict[int, str] = {}
    with Session(engine) as session:
        for cid, code in session.exec(
            select(Constituency.id, Constituency.code).where(
                Constituency.organisation_id == organisation_id
            )
        ).all():
            codes[cid or 0] = code
        for aid, code in session.exec(
            select(ElectoralArea.id, ElectoralArea.code).where(
                ElectoralArea.organisation_id == organisation_id
            )
        ).all():
            areas[aid or 0] = code
    header = list(EXPORTED) + (list(FORMER) if include_former else [])
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)
    writer.writerow(header)
    yield BOM + buffer.getvalue().encode()
    last = 0
    while True:
        with Session(engine) as session:
            rows = _page(session, organisation_id, last, include_former)
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for member, constituency_id, left_on in rows:
            values = {name: getattr(member, name, None) for name in EXPORTED}
            values["constituency"] = codes.get(constituency_id or 0)
            values["area_code"] = areas.get(member.area_id or 0)
            cells = [_cell(values[name]) for name in EXPORTED]
            if include_former:
                cells += [member.status, _cell(left_on if not member.active else None)]
            writer.writerow(cells)
        yield buffer.getvalue().encode()
        last = rows[-1][0].id or 0


def _page(
    session: Session, organisation_id: int, after: int, include_former: bool
) -> list[tuple[Member, int | None, date | None]]:
    """Members after id ``after`` with their latest spell's constituency and end."""
    wanted = (
        col(Member.status) != MemberStatus.ERASED.value
        if include_former
        else col(Member.status) == MemberStatus.ACTIVE.value
    )
    members = list(
        session.exec(
            select(Member)
            .where(col(Member.organisation_id) == organisation_id, col(Member.id) > after, wanted)
            .order_by(col(Member.id))
            .limit(PAGE)
        ).all()
    )
    if not members:
        return []
    spells = session.exec(
        select(
            MembershipPeriod.member_id,
            MembershipPeriod.constituency_id,
            col(MembershipPeriod.end_date),
        )
        .where(col(MembershipPeriod.member_id).in_([m.id for m in members]))
        .order_by(col(MembershipPeriod.member_id), col(MembershipPeriod.start_date).desc())
    ).all()
    found: dict[int, tuple[int, date | None]] = {}
    for member_id, constituency_id, end_date in spells:
        found.setdefault(member_id, (constituency_id, end_date))
    return [(m, *found.get(m.id or 0, (None, None))) for m in members]
