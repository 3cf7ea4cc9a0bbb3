"""Receipts: what a voter can check, and the bulletin board the declaration publishes.

A ballot is stored sealed to the election key; its *tracker* is the SHA-256 of that ciphertext,
and the voter's receipt is the tracker's first 16 hex digits. The ballot row keeps the hash of
the receipt (``receipt_hash``) to find it by index. Before the declaration a voter can learn
that a ballot with their receipt is recorded and will be counted; after it, the bulletin board
lists the tracker of every counted ballot (sorted), so the voter finds the line that starts with
their receipt, and anyone holding the published ciphertexts' hashes can check none was added or
dropped from the count's total. The opened ballots carry no receipt or tracker, and no one but
the key holder can open a ciphertext: a receipt cannot show anyone how its voter voted, and the
voter cannot use it to prove their vote to a buyer or a coercer. (A poll opened before sealed
ballots, ``plain_ballots``, publishes the receipts' hashes as it always did.)
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, col, select

from governance.elections.ballot_box import receipt_hash
from governance.elections.election_key import tracker
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
    """The bulletin board: the tracker of every counted ballot (the receipts' hashes for a plain
    poll), sorted so their order reveals nothing."""
    if election.ballot_public_key:
        sealed = session.exec(
            select(Ballot.sealed).where(
                Ballot.election_id == election.id, col(Ballot.late).is_(False)
            )
        ).all()
        return sorted(tracker(s) for s in sealed if s is not None)
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
