"""Casting votes on motions: one vote per voter per motion, whatever the channel.

Every vote, the member's own (online in advance or on a phone in the meeting) or one cast by
their proxy, goes through :func:`record_all`: the voter's roll rows for the motion are flipped from
``eligible`` to ``voted`` by a conditional UPDATE that must change exactly the rows read, and
the vote is inserted in the same transaction (anonymous for a secret motion, with the voter's
name for a named one). Two submissions racing each other therefore count once, and a member
whose proxy has voted for them cannot vote again, nor the proxy after the member.

Whether a motion is open is decided from its status and planned times on every call: votes in
advance until ``advance_closes_at``, then only once the chair opens the poll in the meeting.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from litestar.exceptions import NotFoundException
from sqlalchemy import insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from governance.db import utcnow
from governance.errors import Conflict, Problem
from governance.meetings.motion_models import (
    Choice,
    Motion,
    MotionStatus,
    MotionVoter,
    NamedVote,
    RollStatus,
    SecretVote,
    VoteChannel,
)
from governance.members.models import Member


class NotOnRoll(Problem):
    def __init__(self) -> None:
        super().__init__(
            403,
            "not-on-roll",
            "You are not entitled to vote on this motion: only those who were members (or held "
            "the office) when voting opened can vote.",
        )


def channel_now(motion: Motion, now: datetime) -> VoteChannel | None:
    """The channel a member's own vote would come by now, or None when voting is shut."""
    if motion.status == MotionStatus.OPEN_FOR_ADVANCE:
        if motion.advance_closes_at is None or now < motion.advance_closes_at:
            return VoteChannel.ONLINE
        return None
    if motion.status == MotionStatus.OPEN_IN_MEETING:
        return VoteChannel.IN_MEETING
    return None


class AlreadyVoted(Conflict):
    def __init__(self, by_proxy: bool) -> None:
        detail = (
            "Your proxy has already voted for you on this motion."
            if by_proxy
            else "A vote has already been recorded for you on this motion."
        )
        super().__init__("already-voted", detail)


@dataclass(frozen=True)
class Ballot:
    """One vote to record: on which motion, which way, and by which channel."""

    motion: Motion
    choice: Choice
    channel: VoteChannel


class _RollRow(NamedTuple):
    id: int
    motion_id: int
    member_id: int
    body: str
    class_id: int | None
    status: str
    channel: str | None


def _vote_values(
    ballot: Ballot, row: _RollRow, *, proxy_id: int | None, now: datetime
) -> dict[str, Any]:
    """The stored form of one vote: anonymous for a secret motion, named otherwise."""
    motion = ballot.motion
    assert motion.id is not None
    if motion.secret:
        return {
            "id": secrets.token_hex(16),
            "motion_id": motion.id,
            "body": row.body,
            "class_id": row.class_id,
            "choice": ballot.choice.value,
        }
    return {
        "motion_id": motion.id,
        "member_id": row.member_id,
        "body": row.body,
        "class_id": row.class_id,
        "choice": ballot.choice.value,
        "channel": ballot.channel.value,
        "proxy_id": proxy_id,
        "cast_at": now,
    }


def record_all(
    session: Session,
    member_id: int,
    ballots: Sequence[Ballot],
    *,
    proxy_id: int | None = None,
    now: datetime,
) -> None:
    """Flip the voter's roll rows on every motion and insert the votes, in the caller's
    transaction, or raise (:class:`NotOnRoll`, :class:`AlreadyVoted`) having written nothing.

    One SELECT reads the voter's rows on all the motions; one UPDATE per channel flips them (by
    id, while still eligible) and must change exactly the rows read; the votes go in as one
    INSERT per kind (secret, named). Plain statements rather than the ORM's unit of work:
    every vote comes through here.
    """
    ids = [b.motion.id for b in ballots]
    if len(set(ids)) != len(ids):
        raise Conflict("already-voted", "The ballot names the same motion twice.")
    rows = [
        _RollRow(*found)
        for found in session.execute(
            select_columns(
                col(MotionVoter.id),
                col(MotionVoter.motion_id),
                col(MotionVoter.member_id),
                col(MotionVoter.body),
                col(MotionVoter.class_id),
                col(MotionVoter.status),
                col(MotionVoter.channel),
            ).where(col(MotionVoter.motion_id).in_(ids), col(MotionVoter.member_id) == member_id)
        ).all()
    ]
    waiting: dict[int | None, list[_RollRow]] = {}
    for ballot in ballots:
        mine = [r for r in rows if r.motion_id == ballot.motion.id]
        if not mine:
            raise NotOnRoll()
        waiting[ballot.motion.id] = [r for r in mine if r.status == RollStatus.ELIGIBLE]
        if not waiting[ballot.motion.id]:
            raise AlreadyVoted(any(r.channel == VoteChannel.PROXY for r in mine))
    for channel in {b.channel for b in ballots}:
        # By the rows' own ids: a condition on motion and member could be planned as a scan
        # of every eligible row of the motions (a prepared statement's generic plan did).
        row_ids = [r.id for b in ballots if b.channel is channel for r in waiting[b.motion.id]]
        flipped = session.execute(
            update(MotionVoter)
            .where(
                col(MotionVoter.id).in_(row_ids),
                col(MotionVoter.status) == RollStatus.ELIGIBLE,
            )
            .values(status=RollStatus.VOTED.value, channel=channel.value, voted_on=now.date())
            .execution_options(synchronize_session=False)
        )
        if flipped.rowcount != len(row_ids):  # type: ignore[attr-defined]
            raise Conflict("already-voted", "A vote was recorded for you at the same moment.")
    for table, secret in ((SecretVote, True), (NamedVote, False)):
        values = [
            _vote_values(ballot, row, proxy_id=proxy_id, now=now)
            for ballot in ballots
            if ballot.motion.secret is secret
            for row in waiting[ballot.motion.id]
        ]
        if values:
            session.execute(insert(table), values)


def record(
    session: Session,
    motion: Motion,
    member_id: int,
    choice: Choice,
    channel: VoteChannel,
    *,
    proxy_id: int | None = None,
    now: datetime,
) -> bool:
    """One vote; False, having written nothing, when the voter has already voted (a proxy
    holder's batch skips them). Raises :class:`NotOnRoll` for someone not on the roll."""
    try:
        record_all(
            session, member_id, [Ballot(motion, choice, channel)], proxy_id=proxy_id, now=now
        )
    except AlreadyVoted:
        return False
    return True


def _own_ballots(
    member: Member, motions: Sequence[tuple[Motion, Choice]], now: datetime
) -> list[Ballot]:
    ballots = []
    for motion, choice in motions:
        if member.organisation_id != motion.organisation_id:
            raise NotFoundException()
        channel = channel_now(motion, now)
        if channel is None:
            raise Conflict("poll-closed", f"Voting on '{motion.title}' is not open.")
        ballots.append(Ballot(motion, choice, channel))
    return ballots


def vote_many(
    session: Session,
    motions: Sequence[tuple[Motion, Choice]],
    member: Member,
    *,
    now: datetime | None = None,
) -> list[VoteChannel]:
    """A member's own votes on one or more motions, recorded together or (on any refusal) not
    at all; commits."""
    now = now or utcnow()
    try:
        ballots = _own_ballots(member, motions, now)
        assert member.id is not None
        record_all(session, member.id, ballots, now=now)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return [b.channel for b in ballots]


def vote(
    session: Session, motion: Motion, member: Member, choice: Choice, *, now: datetime | None = None
) -> VoteChannel:
    """A member's own vote on one motion; commits, or raises having recorded nothing."""
    return vote_many(session, [(motion, choice)], member, now=now)[0]


def my_votes(session: Session, motion_ids: Sequence[int], member_id: int) -> dict[int, str]:
    """For each motion, how the member's vote was recorded (channel), if it was."""
    if not motion_ids:
        return {}
    rows = session.exec(
        select(MotionVoter).where(
            col(MotionVoter.motion_id).in_(motion_ids),
            MotionVoter.member_id == member_id,
            MotionVoter.status == RollStatus.VOTED,
        )
    ).all()
    return {r.motion_id: r.channel or "" for r in rows}


def on_roll(session: Session, motion_id: int, member_id: int) -> bool:
    found = session.exec(
        select(MotionVoter.id).where(
            MotionVoter.motion_id == motion_id, MotionVoter.member_id == member_id
        )
    ).first()
    return found is not None


def voted_members(session: Session, motion: Motion, member_ids: Sequence[int]) -> set[int]:
    """Which of ``member_ids`` have a vote recorded on the motion (by any channel)."""
    if not member_ids:
        return set()
    rows = session.exec(
        select(MotionVoter.member_id).where(
            MotionVoter.motion_id == motion.id,
            col(MotionVoter.member_id).in_(list(member_ids)),
            MotionVoter.status == RollStatus.VOTED,
        )
    ).all()
    return set(rows)
