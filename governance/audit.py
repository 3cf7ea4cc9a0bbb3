"""The append-only, hash-chained audit log and its verifier.

Each entry's ``hash`` is HMAC-SHA256 (under the server key) of the previous entry's hash and the
entry's own canonical content, so an edited entry breaks its own hash, a deleted entry breaks the
sequence and the next entry's link, and a removed tail no longer matches the head row. Appending
goes through a single head row updated first in the transaction: on PostgreSQL the row lock, on
SQLite the write lock, serialises writers, so concurrent workers cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Text, update
from sqlmodel import Field, Session, SQLModel, col, select

from governance.db import UTCDateTime, utcnow

GENESIS = "0" * 64


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UTCDateTime)
    organisation_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=100, index=True)
    object_type: str = Field(default="", max_length=60)
    object_id: str = Field(default="", max_length=100)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class AuditHead(SQLModel, table=True):
    """One row: the sequence number and hash of the newest entry."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default=GENESIS, max_length=64)


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "organisation_id": entry.organisation_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(key: str, entry: AuditEntry) -> str:
    return hmac.new(key.encode(), _canonical(entry), hashlib.sha256).hexdigest()


class AuditKey:
    """The server key the chain is signed with, set once at start-up."""

    value: str = ""


def configure(secret_key: str) -> None:
    AuditKey.value = hashlib.sha256(b"governance-audit:" + secret_key.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    organisation_id: int | None = None,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (it is committed with the change it records).

    ``actor`` is ``user:ID``, ``member:ID``, ``system`` or ``anonymous``. ``detail`` must never
    hold secrets, ballot contents or anything that links a voter to a ballot.
    """
    if not AuditKey.value:
        raise RuntimeError("audit.configure() has not been called")
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=AuditHead.seq + 1))
    seq, prev_hash = session.exec(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    ).one()
    entry = AuditEntry(
        seq=seq,
        at=at or utcnow(),
        organisation_id=organisation_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(AuditKey.value, entry)
    session.add(entry)
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(hash=entry.hash))
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # "edited", "missing", "relinked", "truncated"
    message: str


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.seq) > last)
            .order_by(col(AuditEntry.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Check every entry against its hash, its predecessor and the head row.

    Returns the number of entries read and the problems found (empty when the chain is whole).
    """
    problems: list[ChainProblem] = []
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    for entry in _entries(session):
        count += 1
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq}"
                if entry.seq == expected_seq + 1
                else f"entries {expected_seq} to {entry.seq - 1}"
            )
            problems.append(ChainProblem(expected_seq, "missing", f"{missing} deleted"))
        elif entry.prev_hash != prev_hash:
            problems.append(
                ChainProblem(
                    entry.seq, "relinked", f"entry {entry.seq} does not follow its predecessor"
                )
            )
        if not hmac.compare_digest(entry_hash(AuditKey.value, entry), entry.hash):
            problems.append(ChainProblem(entry.seq, "edited", f"entry {entry.seq} was edited"))
        expected_seq = entry.seq + 1
        prev_hash = entry.hash
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append(ChainProblem(0, "truncated", "the audit head row is missing"))
    elif head.seq != expected_seq - 1 or head.hash != prev_hash:
        if head.seq > expected_seq - 1:
            problems.append(
                ChainProblem(
                    expected_seq,
                    "truncated",
                    f"entries {expected_seq} to {head.seq} were removed from the end",
                )
            )
        else:
            problems.append(
                ChainProblem(head.seq, "truncated", "the audit head does not match the last entry")
            )
    return count, problems
