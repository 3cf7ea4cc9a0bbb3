"""Motion, roll, vote, show-of-hands, proxy and result tables.

Secrecy follows the election poll (DESIGN.md, "Ballot secrecy and one vote per member"):

* ``motion_voter`` is the roll: one row per person who may vote on the motion, in each body they
  vote in, written when the motion opens (so the size of each body at that moment is the number
  of its rows). Voting flips a row from ``eligible`` to ``voted`` with a conditional UPDATE that
  must change exactly one row; the vote is inserted in the same transaction.
* A secret vote goes into ``motion_secret_vote``: a random id, the motion, the body, the class of
  member (which weighted counting needs) and the choice; no voter, no time, no order (``WITHOUT
  ROWID`` on SQLite). The roll keeps only the day and the channel.
* A named vote goes into ``motion_named_vote`` with the voter, for publication.

The result of a closed motion is stored in ``motion_result`` with the counts it was computed
from; :func:`governance.meetings.results.recompute` must give the same from the stored votes.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from governance.db import JSONDoc, UTCDateTime, utcnow


class MotionStatus(StrEnum):
    DRAFT = "draft"  # being written; nobody can vote
    OPEN_FOR_ADVANCE = "open_for_advance"  # online votes until ``advance_closes_at``
    OPEN_IN_MEETING = "open_in_meeting"  # the chair has opened the poll in the meeting
    CLOSED = "closed"  # no more votes; the result is stored

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "open_for_advance": "Open for voting in advance",
            "open_in_meeting": "Poll open in the meeting",
            "closed": "Closed",
        }[self.value]


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"

    @property
    def label(self) -> str:
        return {"for": "For", "against": "Against", "abstain": "Abstain"}[self.value]


class VoteChannel(StrEnum):
    ONLINE = "online"  # in advance, on the website
    IN_MEETING = "in_meeting"  # during the meeting's poll, on a phone or computer
    PROXY = "proxy"  # cast by the member's proxy


class RollStatus(StrEnum):
    ELIGIBLE = "eligible"
    VOTED = "voted"


def _motion_fk() -> Column[int]:
    return Column(Integer, ForeignKey("motion.id", ondelete="CASCADE"), nullable=False, index=True)


class Motion(SQLModel, table=True):
    """A motion on a meeting's agenda, of a kind from ``thresholds.RULES``.

    When it opens, the bodies that vote are counted (``body_snapshot``: eligible per body and per
    class) and the constitution's voting settings and the class weights are copied
    (``settings_snapshot``), so the result never depends on a later change to either.
    """

    __tablename__ = "motion"
    __table_args__ = (Index("ix_motion_meeting_id_position", "meeting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    agenda_item_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("agenda_item.id", ondelete="SET NULL")),
    )
    position: int = 0
    kind: str = Field(max_length=40)
    title: str = Field(max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    secret: bool = True
    status: str = Field(default=MotionStatus.DRAFT, max_length=20)
    # The first vote this one completes (an FT amendment's members' approval, or the second
    # meeting that confirms an amalgamation).
    follows_motion_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("motion.id", ondelete="SET NULL"), index=True),
    )
    advance_closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    body_on: date | None = None
    body_snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    settings_snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    # The chair's casting vote per body ({"members": true}), given only on a tie.
    casting_votes: dict[str, bool] = Field(default_factory=dict, sa_type=JSONDoc)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    poll_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(default="system", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Bumped by every change of state, first in its transaction: it serialises the chair's
    # actions on one motion (a row lock on PostgreSQL).
    revision: int = 0


class MotionVoter(SQLModel, table=True):
    """The roll: one row per voter per body, frozen when the motion opens."""

    __tablename__ = "motion_voter"
    __table_args__ = (
        UniqueConstraint("motion_id", "member_id", "body"),
        # Covers the counts of who voted (by channel, by body), so results never read the rows.
        Index(
            "ix_motion_voter_motion_id_status_channel_body",
            "motion_id",
            "status",
            "channel",
            "body",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("motion.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), nullable=False, index=True)
    )
    body: str = Field(max_length=20)
    class_id: int | None = None  # the member's constituency or class when the motion opened
    status: str = Field(default=RollStatus.ELIGIBLE, max_length=10)
    channel: str | None = Field(default=None, max_length=12)
    voted_on: date | None = None  # the day only


class SecretVote(SQLModel, table=True):
    """One secret vote: anonymous, no time, no order."""

    __tablename__ = "motion_secret_vote"
    __table_args__ = (
        # Covers the count (GROUP BY body, class, choice) so results never read the rows.
        Index("ix_motion_secret_vote_motion_id", "motion_id", "body", "class_id", "choice"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))  # random hex
    motion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("motion.id", ondelete="CASCADE"), nullable=False)
    )
    body: str = Field(max_length=20)
    class_id: int | None = None
    choice: str = Field(max_length=10)


class NamedVote(SQLModel, table=True):
    """One named vote, published with the voter's name."""

    __tablename__ = "motion_named_vote"
    __table_args__ = (UniqueConstraint("motion_id", "member_id", "body"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(sa_column=_motion_fk())
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), nullable=False, index=True)
    )
    body: str = Field(max_length=20)
    class_id: int | None = None
    choice: str = Field(max_length=10)
    channel: str = Field(max_length=12)
    proxy_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("proxy.id", ondelete="SET NULL"))
    )
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HandsCount(SQLModel, table=True):
    """A show of hands counted by the chair: one row per body (and class), replaced whole."""

    __tablename__ = "motion_hands"

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(sa_column=_motion_fk())
    body: str = Field(max_length=20)
    class_id: int | None = None
    votes_for: int = 0
    against: int = 0
    abstain: int = 0
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Proxy(SQLModel, table=True):
    """A member's appointment of a proxy for one meeting.

    The holder is another member (``holder_member_id``), the chair of the meeting
    (``holder_is_chair``) or a named person who is not a member (``holder_name``), whose votes the
    secretary enters at the meeting. ``directions`` maps motion ids to the choice the holder must
    cast; motions without a direction are at the holder's discretion. ``live_key`` is
    ``"<meeting>:<appointer>"`` while the appointment stands and NULL once revoked: its unique
    constraint allows one standing proxy per member per meeting.
    """

    __tablename__ = "proxy"
    __table_args__ = (
        Index("ix_proxy_meeting_id_holder_member_id", "meeting_id", "holder_member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    appointer_member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), nullable=False, index=True)
    )
    holder_member_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("member.id"))
    )
    holder_is_chair: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    holder_name: str | None = Field(default=None, max_length=200)
    holder_present: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    directions: dict[str, str] = Field(default_factory=dict, sa_type=JSONDoc)
    live_key: str | None = Field(default=None, sa_column=Column(String(40), unique=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MotionResult(SQLModel, table=True):
    """The decision computed when the motion closed, and the counts it was computed from."""

    __tablename__ = "motion_result"

    motion_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("motion.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    passed: bool
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    decision: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    computed_by: str = Field(max_length=100)
