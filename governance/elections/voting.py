"""Voting as the service offers it: rate limits, refusal counting and staff entry around
:mod:`governance.elections.ballot_box`, which alone decides and records votes.

Every refusal is counted by reason (``election_refusal``), in its own transaction after the
vote's transaction has been rolled back. Wrong credentials also count against two fixed-window
limits, per voter ID and per client address; once either is reached, further attempts are
refused as ``rate-limited`` (429 with Retry-After) before the credentials are even looked at,
so guessing stops there whether or not the next guess would have been right. Correct votes do
not count against the limits, so many voters behind one address are not held up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance import audit
from governance.auth.models import RateLimitHit
from governance.auth.ratelimit import Limit, count_hit, subject_key, window_start
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

WINDOW = 15 * 60
PER_VOTER_ID = Limit("vote-code:voter-id", 5, WINDOW)
PER_ADDRESS = Limit("vote-code:ip", 30, WINDOW)
MAX_CHOICES = 200


class TooManyAttempts(VoteRefused):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "rate-limited",
            "There have been too many attempts with wrong details. Wait a few minutes and "
            "try again.",
        )
        self.retry_after = retry_after


def _limit_keys(keys: Keys, election_id: int, voter_id: str, ip: str) -> dict[str, Limit]:
    voter = f"{election_id}:{normalise_voter_id(voter_id)}"
    return {
        subject_key(keys, PER_VOTER_ID, voter): PER_VOTER_ID,
        subject_key(keys, PER_ADDRESS, ip): PER_ADDRESS,
    }


def check_limits(
    session: Session, keys: Keys, election: Election, *, voter_id: str, ip: str, now: datetime
) -> None:
    """Refuse before looking at the credentials if either limit has been reached."""
    assert election.id is not None
    start = window_start(now, WINDOW)
    wanted = _limit_keys(keys, election.id, voter_id, ip)
    rows = session.exec(
        select(RateLimitHit.key, RateLimitHit.count).where(
            col(RateLimitHit.key).in_(list(wanted)), RateLimitHit.window_start == start
        )
    ).all()
    if any(count >= wanted[key].limit for key, count in rows):
        ends = start + timedelta(seconds=WINDOW)
        raise TooManyAttempts(max(1, math.ceil((ends - now).total_seconds())))


def _note_wrong_credentials(
    engine: Engine, keys: Keys, election_id: int, voter_id: str, ip: str
) -> None:
    now = utcnow()
    with Session(engine) as session:
        for key in _limit_keys(keys, election_id, voter_id, ip):
            count_hit(session, key, WINDOW, now=now)
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
