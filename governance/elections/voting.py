"""Voting as the service offers it: rate limits, refusal counting and staff entry around
:mod:`governance.elections.ballot_box`, which alone decides and records votes.

Every refusal is counted by reason (``election_refusal``), in its own transaction after the
vote's transaction has been rolled back. Only wrong credentials are counted against the limits
(:mod:`governance.auth.backoff`), so nobody can lock a voter out:

- per voter ID *from one address*: three free failures, then a wait that doubles from 30
  seconds to an hour before that address's next attempt with that voter ID is looked at;
- per voter ID from all addresses: twenty free failures, then a wait doubling from 30 seconds
  to 15 minutes, applied only to addresses that have themselves failed with that voter ID, so
  the voter at a clean address always gets straight in;
- per address: past thirty failures (any voter IDs) its attempts are looked at one at a time,
  two seconds apart and more as failures grow, each waiting up to twenty seconds for its turn,
  so the right credentials from a shared network still work.

An attempt that comes before its wait is over is refused as ``rate-limited`` (429 with
Retry-After) without the credentials being looked at. See docs/security.md for the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import audit
from governance.auth import backoff
from governance.db import utcnow
from governance.elections.ballot_box import (
    CastReceipt,
    VoteRefused,
    cast,
    check_ready,
    count_refusal,
    find_voter,
    normalise_voter_id,
    record_late,
    voting_open,
)
from governance.elections.models import Channel, Election, Voter, VoterStatus
from governance.security import Keys

PER_VOTER_ID_AND_ADDRESS = backoff.Backoff("vote-code:voter-id+ip", 3, 30, 3600)
PER_VOTER_ID = backoff.Backoff("vote-code:voter-id", 20, 30, 900)
PER_ADDRESS = backoff.Pacing("vote-code:ip", 30, 2.0, 100, 15.0, 20.0)
MAX_CHOICES = 200


class TooManyAttempts(VoteRefused):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "rate-limited",
            "There have been too many attempts with wrong details. Wait a few minutes and "
            "try again.",
        )
        self.retry_after = retry_after


def _records(keys: Keys, election_id: int, voter_id: str, ip: str) -> tuple[str, str, str]:
    """The backoff records for (voter ID, address), the voter ID, and the address."""
    voter = normalise_voter_id(voter_id)
    where = backoff.place(ip)
    return (
        backoff.key(keys, PER_VOTER_ID_AND_ADDRESS.name, election_id, voter, where),
        backoff.key(keys, PER_VOTER_ID.name, election_id, voter),
        backoff.key(keys, PER_ADDRESS.name, where),
    )


def check_limits(
    session: Session, keys: Keys, election: Election, *, voter_id: str, ip: str, now: datetime
) -> None:
    """Before the credentials are looked at: refuse an attempt still inside its wait, and hold
    one from a paced address until its turn. Commits the (read-only) transaction."""
    assert election.id is not None
    pair, voter, address = _records(keys, election.id, voter_id, ip)
    waiting = [pair]
    if backoff.failures(session, pair, now):
        waiting.append(voter)
    try:
        backoff.check(session, waiting, now)
        turn = backoff.take_turn(session, address, PER_ADDRESS, now)
    except backoff.TryLater as later:
        raise TooManyAttempts(later.retry_after) from None
    backoff.wait_for_turn(turn)


def _note_wrong_credentials(
    engine: Engine, keys: Keys, election_id: int, voter_id: str, ip: str
) -> None:
    now = utcnow()
    pair, voter, address = _records(keys, election_id, voter_id, ip)
    with Session(engine) as session:
        backoff.note_failure(session, pair, PER_VOTER_ID_AND_ADDRESS, now)
        backoff.note_failure(session, voter, PER_VOTER_ID, now)
        backoff.note_failure(session, address, None, now)
        session.commit()


def _refused(
    session: Session,
    engine: Engine,
    keys: Keys,
    election: Election,
    refused: VoteRefused,
    *,
    voter_id: str,
    ip: str | None,
) -> None:
    # Read the id first: the rollback expires every loaded object, and reloading one would open
    # a transaction that (on SQLite) holds the write lock the counting session needs.
    election_id = election.id
    assert election_id is not None
    session.rollback()
    count_refusal(engine, election_id, refused.reason)
    if refused.reason == "wrong-credentials" and ip is not None:
        _note_wrong_credentials(engine, keys, election_id, voter_id, ip)


def admit(
    session: Session,
    engine: Engine,
    keys: Keys,
    election: Election,
    *,
    voter_id: str,
    code: str,
    ip: str,
) -> Voter:
    """The first voting page: do these credentials open a ballot now? Changes nothing."""
    try:
        now = utcnow()
        check_limits(session, keys, election, voter_id=voter_id, ip=ip, now=now)
        if not voting_open(election, now):
            raise VoteRefused("poll-closed", "Voting is not open for this election.")
        check_ready(election)
        voter = find_voter(session, keys, election, voter_id, code)
        if voter.status == VoterStatus.VOTED:
            raise VoteRefused(
                "already-voted", "A vote has already been recorded with this voter ID."
            )
    except VoteRefused as refused:
        _refused(session, engine, keys, election, refused, voter_id=voter_id, ip=ip)
        raise
    session.commit()  # nothing was written; ends the transaction without expiring objects
    return voter


def vote_online(
    session: Session,
    engine: Engine,
    keys: Keys,
    election: Election,
    *,
    voter_id: str,
    code: str,
    choices: Sequence[int],
    declaration: bool,
    ip: str,
) -> CastReceipt:
    """A voter's own vote, from the pages or the API."""
    try:
        check_limits(session, keys, election, voter_id=voter_id, ip=ip, now=utcnow())
        return cast(
            session,
            keys,
            election=election,
            voter_id=voter_id,
            code=code,
            choices=choices,
            channel=Channel.ONLINE,
            declaration_made=declaration,
        )
    except VoteRefused as refused:
        _refused(session, engine, keys, election, refused, voter_id=voter_id, ip=ip)
        raise


def count_form_refusal(session: Session, engine: Engine, election: Election, reason: str) -> None:
    """Count a refusal found before casting (a ballot form that cannot be read)."""
    election_id = election.id
    assert election_id is not None
    session.commit()  # only reads so far; releases the write lock on SQLite
    count_refusal(engine, election_id, reason)


def refuse_malformed(
    session: Session, engine: Engine, election: Election, message: str
) -> VoteRefused:
    """Count a ballot whose choices are not candidate ids, and give the refusal to raise."""
    count_form_refusal(session, engine, election, "malformed-ranking")
    return VoteRefused("malformed-ranking", message)


def choice_ids(raw: Any) -> list[int] | None:
    """Candidate ids from an API body's ``choices``: a list of whole numbers, else None."""
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        return None
    ids: list[int] = []
    for item in raw:
        if isinstance(item, bool):
            return None
        if isinstance(item, int):
            ids.append(item)
        elif isinstance(item, str) and item.strip().isdigit():
            ids.append(int(item))
        else:
            return None
    return ids


def enter_staff_vote(
    session: Session,
    engine: Engine,
    keys: Keys,
    election: Election,
    *,
    channel: Channel,
    voter_id: str,
    code: str,
    choices: Sequence[int],
    declaration: bool,
    actor: str,
    rejected: str | None = None,
) -> CastReceipt:
    """A postal, telephone or paper vote typed in by staff, through the same one-vote path.

    The audit entry says who entered a vote by which channel, never whose or what.
    """
    if channel == Channel.ONLINE:
        raise ValueError("staff enter postal, telephone and paper votes only")
    audit.record(
        session,
        actor=actor,
        action="election.vote_entered",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"channel": channel.value},
    )
    try:
        return cast(
            session,
            keys,
            election=election,
            voter_id=voter_id,
            code=code,
            choices=choices,
            channel=channel,
            declaration_made=declaration,
            rejected=rejected,
        )
    except VoteRefused as refused:
        _refused(session, engine, keys, election, refused, voter_id=voter_id, ip=None)
        raise


def enter_late_paper(
    session: Session,
    engine: Engine,
    keys: Keys,
    election: Election,
    *,
    voter_id: str,
    code: str,
    choices: Sequence[int],
    actor: str,
) -> None:
    """Keep a postal paper that arrived after the close (never counted). Audited."""
    audit.record(
        session,
        actor=actor,
        action="election.late_paper_recorded",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
    )
    try:
        record_late(session, keys, election=election, voter_id=voter_id, code=code, choices=choices)
    except VoteRefused as refused:
        _refused(session, engine, keys, election, refused, voter_id=voter_id, ip=None)
        raise
