"""The register's version counter and member numbers.

Every change to an organisation's register bumps ``register_state.version`` first in its
transaction. That takes the row's lock on PostgreSQL (SQLite already holds the write lock), so
changes to one register queue rather than interleave, and an import can tell whether anything
changed since its dry run.
"""

from __future__ import annotations

from sqlalchemy import Table, select
from sqlmodel import Session

from governance.db import upsert_insert, utcnow
from governance.members.models import Member, RegisterState

STATE: Table = RegisterState.__table__  # type: ignore[attr-defined]


def _upsert(session: Session, organisation_id: int, numbers: int = 0) -> tuple[int, int]:
    """Add one to the version (and ``numbers`` to the member-number counter); both, after."""
    now = utcnow()
    statement = (
        upsert_insert(session, STATE)
        .values(organisation_id=organisation_id, version=1, next_number=numbers, changed_at=now)
        .on_conflict_do_update(
            index_elements=[STATE.c.organisation_id],
            set_={
                "version": STATE.c.version + 1,
                "next_number": STATE.c.next_number + numbers,
                "changed_at": now,
            },
        )
        .returning(STATE.c.version, STATE.c.next_number)
    )
    row = session.execute(statement).one()
    return int(row[0]), int(row[1])


def bump_version(session: Session, organisation_id: int) -> int:
    """Mark the register changed (and lock it for this transaction); the new version."""
    version, _ = _upsert(session, organisation_id)
    return version


def current_version(session: Session, organisation_id: int) -> int:
    found = session.execute(
        select(STATE.c.version).where(STATE.c.organisation_id == organisation_id)
    ).scalar()
    return int(found or 0)


def claim_version(session: Session, organisation_id: int, expected: int) -> bool:
    """Bump the version only if it is still ``expected`` (an import's apply step)."""
    if expected == 0 and current_version(session, organisation_id) == 0:
        return bump_version(session, organisation_id) == 1
    result = session.execute(
        STATE.update()
        .where(STATE.c.organisation_id == organisation_id, STATE.c.version == expected)
        .values(version=STATE.c.version + 1, changed_at=utcnow())
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def new_reference(session: Session, organisation_id: int) -> str:
    """The next free member number for someone joining (``J`` and six or more digits)."""
    while True:
        _, number = _upsert(session, organisation_id, numbers=1)
        reference = f"J{number:06d}"
        taken = session.execute(
            select(Member.id).where(  # type: ignore[call-overload]
                Member.organisation_id == organisation_id, Member.reference == reference
            )
        ).first()
        if taken is None:
            return reference
