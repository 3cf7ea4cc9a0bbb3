"""Writing and reading membership periods: the register's history.

Every change of constituency or membership goes through these few statements, written for many
members at once so the import uses the same code as a single change on a member's page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, insert, or_, update
from sqlmodel import Session, col, select

from governance.db import utcnow
from governance.members.models import EndReason, MembershipPeriod, StartReason

PERIOD: Table = MembershipPeriod.__table__  # type: ignore[attr-defined]


def current_on(day: date) -> ColumnElement[bool]:
    """Periods that cover ``day``: started on or before it, not ended by it."""
    return and_(
        col(MembershipPeriod.start_date) <= day,
        or_(col(MembershipPeriod.end_date).is_(None), col(MembershipPeriod.end_date) > day),
    )


def open_period() -> ColumnElement[bool]:
    """The latest period of a member who has not left (it may start in the future)."""
    return col(MembershipPeriod.end_date).is_(None)


def start_periods(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert periods; each row has organisation_id, member_id, constituency_id, start_date,
    start_reason."""
    if rows:
        now = utcnow()
        session.execute(insert(PERIOD), [{**row, "recorded_at": now} for row in rows])


def end_periods(
    session: Session,
    member_ids: Iterable[int],
    on: date,
    reason: EndReason,
    note: str | None = None,
) -> None:
    """End the members' current spells on ``on``, dropping any spell planned to start later
    (a pending transfer), so the history never runs past the change."""
    ids = list(member_ids)
    if not ids:
        return
    session.execute(
        delete(MembershipPeriod).where(
            col(MembershipPeriod.member_id).in_(ids), col(MembershipPeriod.start_date) > on
        )
    )
    session.execute(
        update(MembershipPeriod)
        .where(
            col(MembershipPeriod.member_id).in_(ids),
            or_(col(MembershipPeriod.end_date).is_(None), col(MembershipPeriod.end_date) > on),
        )
        .values(end_date=on, end_reason=reason.value, end_note=note)
    )


def cancel_pending(session: Session, member_ids: Iterable[int], today: date) -> None:
    """Undo transfers planned for after ``today``: drop the future spells, reopen the current."""
    ids = list(member_ids)
    if not ids:
        return
    session.execute(
        delete(MembershipPeriod).where(
            col(MembershipPeriod.member_id).in_(ids), col(MembershipPeriod.start_date) > today
        )
    )
    session.execute(
        update(MembershipPeriod)
        .where(
            col(MembershipPeriod.member_id).in_(ids),
            col(MembershipPeriod.end_date) > today,
            col(MembershipPeriod.end_reason) == EndReason.MOVED.value,
        )
        .values(end_date=None, end_reason=None, end_note=None)
    )


def move(
    session: Session,
    organisation_id: int,
    moves: Sequence[tuple[int, int]],
    *,
    on: date,
    today: date,
) -> None:
    """Move each ``(member_id, constituency_id)`` to that constituency from ``on``, replacing
    any transfer already planned."""
    cancel_pending(session, (member_id for member_id, _ in moves), today)
    end_periods(session, (member_id for member_id, _ in moves), on, EndReason.MOVED)
    start_periods(
        session,
        [
            {
                "organisation_id": organisation_id,
                "member_id": member_id,
                "constituency_id": constituency_id,
                "start_date": on,
                "start_reason": StartReason.MOVED.value,
            }
            for member_id, constituency_id in moves
        ],
    )


def periods_of(session: Session, member_id: int) -> list[MembershipPeriod]:
    return list(
        session.exec(
            select(MembershipPeriod)
            .where(col(MembershipPeriod.member_id) == member_id)
            .order_by(col(MembershipPeriod.start_date), col(MembershipPeriod.id))
        ).all()
    )
