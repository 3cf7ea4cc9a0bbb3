"""Casting votes: one transaction per vote, one vote per voter, nothing linking ballot to voter.

Every channel (online, postal, telephone, paper entered by staff) goes through :func:`cast`.
The voter's row is flipped from ``issued`` to ``voted`` by a conditional UPDATE that must change
exactly one row, and the ballot is inserted in the same transaction; concurrent submissions of
one code therefore count once. Whether the poll is open is decided from the planned times on
every call and checked again just before commit, so neither a late scheduler nor a slow request
can let a vote in after the close.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.db import utcnow
from governance.elections.models import (
    Ballot,
    Candidate,
    CandidateStatus,
    Channel,
    Election,
    ElectionStatus,
    RefusalCount,
    Voter,
    VoterStatus,
)
from governance.security import Keys

# Unambiguous characters for codes people type from paper (no 0/O, 1/I/L).
VOTER_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
OPEN_STATUSES = frozenset({ElectionStatus.AWAITING_POLL, ElectionStatus.POLLING})
ON_BALLOT = frozenset({CandidateStatus.VALID, CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED})


class VoteRefused(Exception):
    """A vote was not recorded. ``reason`` is a stable slug; ``message`` is for the voter."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Credentials:
    voter_id: str
    code: str


@dataclass(frozen=True)
class CastReceipt:
    receipt: str
    election_id: int


def new_credentials() -> Credentials:
    raw = "".join(secrets.choice(VOTER_ID_ALPHABET) for _ in range(12))
    voter_id = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    code = f"{secrets.randbelow(10**8):08d}"
    return Credentials(voter_id, code)


def normalise_voter_id(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}" if len(cleaned) == 12 else cleaned


def voter_id_hmac(keys: Keys, election_id: int, voter_id: str) -> str:
    return keys.token_hmac(f"{election_id}:{normalise_voter_id(voter_id)}", "voter-id")


def code_hmac(keys: Keys, election_id: int, voter_id: str, code: str) -> str:
    digits = "".join(ch for ch in code if ch.isdigit())
    return keys.token_hmac(f"{election_id}:{normalise_voter_id(voter_id)}:{digits}", "voter-code")


def receipt_hash(receipt: str) -> str:
    """What is published for a receipt: SHA-256 of the receipt text (anyone can recompute it)."""
    return hashlib.sha256(f"governance-receipt:{receipt.strip().upper()}".encode()).hexdigest()


def ballot_seal(
    keys: Keys, ballot_id: str, election_id: int, choices: Sequence[int], receipt_h: str
) -> str:
    body = json.dumps([ballot_id, election_id, list(choices), receipt_h], separators=(",", ":"))
    return hmac.new(keys.derive("ballot-seal"), body.encode(), hashlib.sha256).hexdigest()


def voting_open(election: Election, now: datetime) -> bool:
    """Open by the clock: the planned window, in a status that allows voting."""
    if election.status not in OPEN_STATUSES:
        return False
    if election.poll_open_at is None or election.poll_close_at is None:
        return False
    return election.poll_open_at <= now < election.poll_close_at


def count_refusal(engine: Engine, election_id: int, reason: str) -> None:
    """Count a refused attempt in its own transaction (the vote's own transaction rolls back)."""
    with Session(engine) as session:
        changed = session.execute(
            update(RefusalCount)
            .where(col(RefusalCount.election_id) == election_id, col(RefusalCount.reason) == reason)
            .values(count=RefusalCount.count + 1)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            session.add(RefusalCount(election_id=election_id, reason=reason, count=1))
        session.commit()


def ballot_candidates(session: Session, election_id: int) -> list[Candidate]:
    """The candidates on the ballot paper, in the statement's order."""
    rows = session.exec(
        select(Candidate)
        .where(Candidate.election_id == election_id, col(Candidate.status).in_(ON_BALLOT))
        .order_by(col(Candidate.ballot_position), col(Candidate.id))
    ).all()
    return list(rows)


def check_choices(
    election: Election, candidates: Sequence[Candidate], choices: Sequence[int]
) -> list[int]:
    """Validate an online or telephone ballot; returns the choices as candidate ids."""
    allowed = {c.id for c in candidates}
    picked = [int(c) for c in choices]
    if not picked:
        raise VoteRefused("empty-ballot", "Choose at least one candidate.")
    if any(c not in allowed for c in picked):
        raise VoteRefused("unknown-candidate", "The ballot names someone who is not a candidate.")
    if len(set(picked)) != len(picked):
        raise VoteRefused("repeated-preference", "Each candidate can be chosen only once.")
    if election.method == "fptp" and len(picked) > election.seats:
        raise VoteRefused(
            "too-many-marks", f"You can vote for up to {election.seats} candidate(s)."
        )
    return picked


def cast(
    session: Session,
    keys: Keys,
    *,
    election: Election,
    voter_id: str,
    code: str,
    choices: Sequence[int],
    channel: Channel,
    declaration_made: bool,
    now: datetime | None = None,
) -> CastReceipt:
    """Record one vote, or raise :class:`VoteRefused` having changed nothing.

    The caller counts refusals (``count_refusal``) and applies rate limits; this function only
    decides and records.
    """
    assert election.id is not None
    assert election.poll_close_at is not None
    fixed_clock = now is not None
    now = now or utcnow()
    if not voting_open(election, now):
        raise VoteRefused("poll-closed", "Voting is not open for this election.")
    voter = session.exec(
        select(Voter).where(
            Voter.election_id == election.id,
            Voter.voter_id_hmac == voter_id_hmac(keys, election.id, voter_id),
        )
    ).first()
    expected = code_hmac(keys, election.id, voter_id, code)
    if voter is None or not hmac.compare_digest(voter.code_hmac, expected):
        raise VoteRefused("wrong-credentials", "The voter ID and security code do not match.")
    if voter.status == VoterStatus.VOTED:
        raise VoteRefused("already-voted", "A vote has already been recorded with this voter ID.")
    if voter.needs_declaration and channel == Channel.ONLINE and not declaration_made:
        raise VoteRefused(
            "declaration-missing", "You must make the declaration of identity to vote."
        )
    picked = check_choices(election, ballot_candidates(session, election.id), choices)

    flipped = session.execute(
        update(Voter)
        .where(col(Voter.id) == voter.id, col(Voter.status) == VoterStatus.ISSUED)
        .values(status=VoterStatus.VOTED, channel=channel.value, voted_on=now.date())
    )
    if flipped.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise VoteRefused("already-voted", "A vote has already been recorded with this voter ID.")
    receipt = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    ballot_id = secrets.token_hex(16)
    receipt_h = receipt_hash(receipt)
    session.add(
        Ballot(
            id=ballot_id,
            election_id=election.id,
            choices=picked,
            receipt_hash=receipt_h,
            seal=ballot_seal(keys, ballot_id, election.id, picked, receipt_h),
        )
    )
    session.flush()
    if (now if fixed_clock else utcnow()) >= election.poll_close_at:
        session.rollback()
        raise VoteRefused("poll-closed", "Voting closed before your vote could be recorded.")
    session.commit()
    return CastReceipt(receipt=receipt, election_id=election.id)
