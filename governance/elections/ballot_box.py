"""Casting votes: one transaction per vote, one vote per voter, nothing linking ballot to voter.

Every channel (online, postal, telephone, paper entered by staff) goes through :func:`cast`.
The voter's row is flipped from ``issued`` to ``voted`` by a conditional UPDATE that must change
exactly one row, and the ballot is inserted in the same transaction; concurrent submissions of
one code therefore count once. Whether the poll is open is decided from the planned times on
every call and checked again just before commit, so neither a late scheduler nor a slow request
can let a vote in after the close.

Staff entering a returned paper that cannot be counted (unmarked, too many marks, ...) cast it
with ``rejected=<reason>``: the voter is marked as having voted and the ballot is kept with its
``invalid_reason``. A paper that arrives after the close goes through :func:`record_late`: it is
kept (``late=True``) and never counted, and the roll is not touched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.db import upsert_insert, utcnow
from governance.elections.election_key import receipt_of, seal_ballot, tracker
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
CANONICAL_VOTER_ID = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")
OPEN_STATUSES = frozenset({ElectionStatus.AWAITING_POLL, ElectionStatus.POLLING})
ON_BALLOT = frozenset({CandidateStatus.VALID, CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED})
# Why a returned paper cannot be counted (entered by staff; never for online votes).
REJECTION_REASONS = {
    "unmarked": "Unmarked or wholly void for uncertainty",
    "too-many-marks": "Votes for more candidates than there are seats",
    "no-first-preference": "No clear first preference",
    "identifies-voter": "Writing or a mark by which the voter can be identified",
}


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
    raw = _random_characters(12)
    voter_id = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    code = f"{secrets.randbelow(10**8):08d}"
    return Credentials(voter_id, code)


def _random_characters(count: int) -> str:
    """``count`` characters drawn uniformly from the alphabet, from one read of random bytes.

    A byte below 248 (eight times the 31 letters) maps to a letter without bias; larger ones
    are skipped. Much faster than one ``secrets.choice`` per character when issuing a roll.
    """
    size = len(VOTER_ID_ALPHABET)
    cutoff = 256 - 256 % size
    picked: list[str] = []
    while len(picked) < count:
        chunk = secrets.token_bytes(count + 4)
        picked.extend(VOTER_ID_ALPHABET[b % size] for b in chunk if b < cutoff)
    return "".join(picked[:count])


def normalise_voter_id(text: str) -> str:
    if CANONICAL_VOTER_ID.fullmatch(text):
        return text
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}" if len(cleaned) == 12 else cleaned


def voter_id_hmac(keys: Keys, election_id: int, voter_id: str) -> str:
    return _token_hmac(keys, f"{election_id}:{normalise_voter_id(voter_id)}", "voter-id")


def code_hmac(keys: Keys, election_id: int, voter_id: str, code: str) -> str:
    digits = "".join(ch for ch in code if ch.isdigit())
    text = f"{election_id}:{normalise_voter_id(voter_id)}:{digits}"
    return _token_hmac(keys, text, "voter-code")


def _token_hmac(keys: Keys, token: str, purpose: str) -> str:
    """``keys.token_hmac(token, purpose)``, with the purpose key derived once, not per call."""
    return hmac.new(_purpose_key(keys, purpose), token.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=32)
def _purpose_key(keys: Keys, purpose: str) -> bytes:
    return keys.derive(purpose)


def receipt_hash(receipt: str) -> str:
    """What is published for a receipt: SHA-256 of the receipt text (anyone can recompute it)."""
    return hashlib.sha256(f"governance-receipt:{receipt.strip().upper()}".encode()).hexdigest()


def ballot_seal(
    keys: Keys, ballot_id: str, election_id: int, content: Sequence[int] | str, receipt_h: str
) -> str:
    """HMAC under the server key over a ballot's row (``content``: the ciphertext's tracker, or a
    plain poll's choices), so a ballot edited in the database is detected."""
    shown = content if isinstance(content, str) else list(content)
    body = json.dumps([ballot_id, election_id, shown, receipt_h], separators=(",", ":"))
    return hmac.new(_purpose_key(keys, "ballot-seal"), body.encode(), hashlib.sha256).hexdigest()


def seal_matches(keys: Keys, ballot: Ballot) -> bool:
    """Whether a stored ballot is as the service wrote it (its seal checks)."""
    content: Sequence[int] | str = tracker(ballot.sealed) if ballot.sealed else ballot.choices
    expected = ballot_seal(keys, ballot.id, ballot.election_id, content, ballot.receipt_hash)
    return hmac.compare_digest(expected, ballot.seal)


def ready_for_ballots(election: Election) -> bool:
    """Whether ballots can be stored: sealed to the election key, or a plain poll of old."""
    return bool(election.ballot_public_key) or election.plain_ballots


def check_ready(election: Election) -> None:
    if not ready_for_ballots(election):
        raise VoteRefused(
            "no-election-key",
            "Voting cannot start until the returning officer has set the election key. "
            "Please try again later.",
        )


def voting_open(election: Election, now: datetime) -> bool:
    """Open by the clock: the planned window, in a status that allows voting."""
    if election.status not in OPEN_STATUSES:
        return False
    if election.poll_open_at is None or election.poll_close_at is None:
        return False
    return election.poll_open_at <= now < election.poll_close_at


def count_refusal(engine: Engine, election_id: int, reason: str) -> None:
    """Count a refused attempt in its own transaction (the vote's own transaction rolls back).

    One upsert, so that two first refusals for the same reason at the same moment both count
    (an UPDATE, then an INSERT when it changed nothing, let the second of them fail).
    """
    with Session(engine) as session:
        table = RefusalCount.__table__  # type: ignore[attr-defined]
        session.execute(
            upsert_insert(session, table)
            .values(election_id=election_id, reason=reason, count=1)
            .on_conflict_do_update(
                index_elements=[table.c.election_id, table.c.reason],
                set_={"count": table.c.count + 1},
            )
        )
        session.commit()


def ballot_candidates(session: Session, election_id: int) -> list[Candidate]:
    """The candidates on the ballot paper, in the statement's order."""
    rows = session.exec(
        select(Candidate)
        .where(Candidate.election_id == election_id, col(Candidate.status).in_(ON_BALLOT))
        .order_by(col(Candidate.ballot_position), col(Candidate.id))
    ).all()
    return list(rows)


def ballot_candidate_ids(session: Session, election_id: int) -> set[int]:
    """The ids of the candidates on the ballot paper (all a vote needs to be checked)."""
    rows = session.exec(
        select(Candidate.id).where(
            Candidate.election_id == election_id, col(Candidate.status).in_(ON_BALLOT)
        )
    ).all()
    return {r for r in rows if r is not None}


def check_choices(
    election: Election, allowed: Collection[int], choices: Sequence[int]
) -> list[int]:
    """Validate an online or telephone ballot against the candidate ids ``allowed``; returns the
    choices as candidate ids."""
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


def find_voter(session: Session, keys: Keys, election: Election, voter_id: str, code: str) -> Voter:
    """The roll entry these credentials open, or :class:`VoteRefused` (``wrong-credentials``).

    Whether the voter has already voted is not decided here: callers check ``status``.
    """
    assert election.id is not None
    voter = session.exec(
        select(Voter).where(
            Voter.election_id == election.id,
            Voter.voter_id_hmac == voter_id_hmac(keys, election.id, voter_id),
        )
    ).first()
    expected = code_hmac(keys, election.id, voter_id, code)
    if voter is None or not hmac.compare_digest(voter.code_hmac, expected):
        raise VoteRefused("wrong-credentials", "The voter ID and security code do not match.")
    return voter


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
    rejected: str | None = None,
) -> CastReceipt:
    """Record one vote, or raise :class:`VoteRefused` having changed nothing.

    The caller counts refusals (``count_refusal``), applies rate limits and rolls back its
    session on a refusal; this function only decides and records. The declaration of identity
    is needed whatever the channel (staff tick it for a signed postal declaration or one made on
    the telephone). ``rejected`` is for staff recording a returned paper that cannot be counted.
    """
    assert election.id is not None
    assert election.poll_close_at is not None
    fixed_clock = now is not None
    now = now or utcnow()
    if not voting_open(election, now):
        raise VoteRefused("poll-closed", "Voting is not open for this election.")
    check_ready(election)
    voter = find_voter(session, keys, election, voter_id, code)
    if voter.status == VoterStatus.VOTED:
        raise VoteRefused("already-voted", "A vote has already been recorded with this voter ID.")
    if voter.needs_declaration and not declaration_made:
        raise VoteRefused(
            "declaration-missing", "You must make the declaration of identity to vote."
        )
    if rejected is not None:
        if channel == Channel.ONLINE or rejected not in REJECTION_REASONS:
            raise VoteRefused("unknown-rejection", "That is not a reason to reject a paper.")
        picked: list[int] = []
        on_ballot = len(ballot_candidate_ids(session, election.id))
    else:
        allowed = ballot_candidate_ids(session, election.id)
        picked = check_choices(election, allowed, choices)
        on_ballot = len(allowed)
    # Sealed before the roll is touched, so the transaction below holds no clear choices.
    ballot = _prepare_ballot(keys, election, picked, rejected=rejected, on_ballot=on_ballot)

    # The credentials are part of the condition, so a replacement issued between the look-up
    # above and this statement leaves the old credentials unable to vote.
    flipped = session.execute(
        update(Voter)
        .where(
            col(Voter.id) == voter.id,
            col(Voter.status) == VoterStatus.ISSUED,
            col(Voter.voter_id_hmac) == voter.voter_id_hmac,
            col(Voter.code_hmac) == voter.code_hmac,
        )
        .values(status=VoterStatus.VOTED, channel=channel.value, voted_on=now.date())
        .execution_options(synchronize_session=False)
    )
    if flipped.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise VoteRefused("already-voted", "A vote has already been recorded with this voter ID.")
    session.execute(insert(Ballot).values(**ballot.row))
    if (now if fixed_clock else utcnow()) >= election.poll_close_at:
        session.rollback()
        raise VoteRefused("poll-closed", "Voting closed before your vote could be recorded.")
    session.commit()
    return CastReceipt(receipt=ballot.receipt, election_id=election.id)


def record_late(
    session: Session,
    keys: Keys,
    *,
    election: Election,
    voter_id: str,
    code: str,
    choices: Sequence[int],
    now: datetime | None = None,
) -> None:
    """Keep a paper that arrived after the close of poll: stored as ``late``, never counted.

    The credentials must belong to the roll (so stray papers are not recorded), but the roll is
    not changed and nothing links the paper to its voter. Commits.
    """
    assert election.id is not None
    assert election.poll_close_at is not None
    if (now or utcnow()) < election.poll_close_at:
        raise VoteRefused("poll-open", "The poll has not closed: enter this paper as a vote.")
    check_ready(election)
    find_voter(session, keys, election, voter_id, code)
    allowed = ballot_candidate_ids(session, election.id)
    kept = list(dict.fromkeys(int(c) for c in choices if int(c) in allowed))
    ballot = _prepare_ballot(keys, election, kept, rejected=None, on_ballot=len(allowed), late=True)
    session.execute(insert(Ballot).values(**ballot.row))
    session.commit()


def new_receipt() -> str:
    return "-".join(secrets.token_hex(2).upper() for _ in range(4))


@dataclass(frozen=True)
class PreparedBallot:
    row: dict[str, object]
    receipt: str


def _prepare_ballot(
    keys: Keys,
    election: Election,
    choices: list[int],
    *,
    rejected: str | None,
    on_ballot: int,
    late: bool = False,
) -> PreparedBallot:
    """The ballot row to insert (a plain INSERT: every vote comes through here) and its receipt.

    With an election key the choices and any rejection reason are sealed to it and the receipt
    abbreviates the ciphertext's hash; a plain poll of old stores them as it always did.
    """
    assert election.id is not None
    ballot_id = secrets.token_hex(16)
    if election.ballot_public_key:
        sealed = seal_ballot(
            election.ballot_public_key, choices, rejected, candidates_on_ballot=on_ballot
        )
        receipt = receipt_of(sealed)
        receipt_h = receipt_hash(receipt)
        content: list[int] | str = tracker(sealed)
        row: dict[str, object] = {"sealed": sealed, "choices": [], "invalid_reason": None}
    else:
        receipt = new_receipt()
        receipt_h = receipt_hash(receipt)
        content = choices
        row = {"sealed": None, "choices": choices, "invalid_reason": rejected}
    row.update(
        id=ballot_id,
        election_id=election.id,
        receipt_hash=receipt_h,
        seal=ballot_seal(keys, ballot_id, election.id, content, receipt_h),
        late=late,
    )
    return PreparedBallot(row=row, receipt=receipt)
