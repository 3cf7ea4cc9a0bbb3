"""Sending a reminder, escalation or prompt at most once.

:func:`claim` inserts the (subject, id, stage) row with "do nothing on conflict" and reports
whether this call inserted it; the caller queues its mail in the same transaction, so the row
and the mail are committed together or not at all, and a second run finds the row and sends
nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from governance.accountability.models import Chase
from governance.db import upsert_insert, utcnow


def claim(
    session: Session,
    *,
    organisation_id: int,
    subject: str,
    subject_id: int,
    stage: str,
    recipients: int = 0,
) -> bool:
    """Record the stage as done; False when it had been done already."""
    table = Chase.__table__  # type: ignore[attr-defined]
    statement = (
        upsert_insert(session, table)
        .values(
            organisation_id=organisation_id,
            subject=subject,
            subject_id=subject_id,
            stage=stage,
            recipients=recipients,
            done_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[table.c.subject, table.c.subject_id, table.c.stage])
        .returning(table.c.id)
    )
    # RETURNING, not rowcount: the PostgreSQL driver reports -1 rows for this statement.
    return session.execute(statement).first() is not None
