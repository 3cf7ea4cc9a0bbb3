"""Receipts: what a voter can check, and the list the declaration publishes.

A receipt is random; a ballot stores only its SHA-256 (``receipt_hash``). Before the declaration
a voter can learn that a ballot with their receipt is recorded and will be counted; after it,
that their receipt is in the published list of counted ballots. Neither says how they voted.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, col, select

from governance.elections.ballot_box import receipt_hash
from governance.elections.models import Ballot, Election, ElectionStatus

RECEIPT_CHARS = frozenset("0123456789ABCDEF")


class ReceiptStatus(StrEnum):
    RECORDED = "recorded"  # before the declaration: it will be counted
    COUNTED = "counted"  # declared: it is in the published list
    LATE = "late"  # arrived after the close: kept, not counted
    NOT_FOUND = "not-found"
    MALFORMED = "malformed"


def normalise_receipt(text: str) -> str | None:
    """``abcd1234 ef56-7890`` -> ``ABCD-1234-EF56-7890``; None if it cannot be a receipt."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != 16 or not set(cleaned) <= RECEIPT_CHARS:
        return None
    return "-".join(cleaned[i : i + 4] for i in range(0, 16, 4))


def receipt_hashes(session: Session, election: Election) -> list[str]:
    """The hashes of every ballot that is counted, sorted so their order reveals nothing."""
    rows = session.exec(
        select(Ballot.receipt_hash).where(
            Ballot.election_id == election.id, col(Ballot.late).is_(False)
        )
    ).all()
    return sorted(rows)


def check_receipt(session: Session, election: Election, receipt: str) -> ReceiptStatus:
    normal = normalise_receipt(receipt)
    if normal is None:
        return ReceiptStatus.MALFORMED
    found = session.exec(
        select(Ballot.late).where(
            Ballot.election_id == election.id, Ballot.receipt_hash == receipt_hash(normal)
        )
    ).first()
    if found is None:
        return ReceiptStatus.NOT_FOUND
    if found:
        return ReceiptStatus.LATE
    if election.status == ElectionStatus.DECLARED:
        return ReceiptStatus.COUNTED
    return ReceiptStatus.RECORDED
