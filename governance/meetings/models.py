"""Meeting tables.

A ``meeting`` row carries its planned times, its status and, once opened, the size of the
body that could attend (``body_size`` members, ``body_governors`` governors, ``body_directors``
directors, counted on ``body_on``). The register keeps its history, so the people behind those
counts can be listed again from ``membership_period`` and ``office_term`` for the same day;
the counts are kept so quorum and "of all" thresholds never depend on a later change.

Requisitions come first in the file because a meeting points at the requisition that forced it.
An adjourned meeting is a new row with ``adjourned_from_id`` pointing at the one that adjourned.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from governance.db import JSONDoc, UTCDateTime, utcnow
from governance.meetings.kinds import (
    Capacity,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
    QuestionStatus,
    RequisitionStatus,
)


def _org_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )


def _meeting_fk() -> Column[int]:
    return Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)


def _member_fk() -> Column[int]:
    return Column(Integer, ForeignKey("member.id"), nullable=False, index=True)


class Requisition(SQLModel, table=True):
    """Members requiring a general meeting. ``threshold_percent`` is the constitution's figure
    when the requisition started; the count it is measured against is the number of members on
    the day of each signature (see ``requisitions.py``)."""

    __tablename__ = "requisition"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    started_by_member_id: int = Field(sa_column=_member_fk())
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=RequisitionStatus.COLLECTING, max_length=20)
    threshold_percent: int
    signatures: int = 0
    members_when_reached: int | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RequisitionSignature(SQLModel, table=True):
    __tablename__ = "requisition_signature"
    __table_args__ = (UniqueConstraint("requisition_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    requisition_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("requisition.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=_member_fk())
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_organisation_id_starts_at", "organisation_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=30)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str = Field(default="", max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default=MeetingStatus.DRAFT, max_length=20, index=True)
    # Members may submit questions until this time (None: questions are not invited).
    questions_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    requisition_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("requisition.id", ondelete="SET NULL"), index=True),
    )
    adjourned_from_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"), index=True),
    )
    # Calling: when notice went out, the notice rules' findings at the time, and the reason
    # recorded when the secretary went ahead with notice the rules call late.
    notice_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notice_issues: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc)
    late_notice_reason: str | None = Field(default=None, max_length=1000)
    called_by: str | None = Field(default=None, max_length=100)
    # Sequence for the iCalendar feed: bumped whenever a published meeting changes.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The body when the meeting opened: who could attend, counted on ``body_on``.
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    body_on: date | None = None
    body_size: int | None = None
    body_governors: int | None = None
    body_directors: int | None = None
    quorum_rule: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
    # First moment the quorum was present: once set, the meeting does not stand adjourned.
    quorate_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    adjourned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    adjournment_reason: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def meeting_kind(self) -> MeetingKind:
        return MeetingKind(self.kind)

    @property
    def meeting_status(self) -> MeetingStatus:
        return MeetingStatus(self.status)

    @property
    def public(self) -> bool:
        return self.status != MeetingStatus.DRAFT


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_meeting_id_position", "meeting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    presenter: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingPaper(SQLModel, table=True):
    """A paper for an agenda item: an uploaded file kept in the database, or a link."""

    __tablename__ = "meeting_paper"
    __table_args__ = (CheckConstraint("(content IS NULL) <> (url IS NULL)", name="file_or_link"),)

    id: int | None = Field(default=None, primary_key=True)
    agenda_item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("agenda_item.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=200)
    content_type: str | None = Field(default=None, max_length=100)
    size: int = 0
    sha256: str | None = Field(default=None, max_length=64)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    url: str | None = Field(default=None, sa_column=Column(String(500)))
    uploaded_by: str = Field(default="system", max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attendance(SQLModel, table=True):
    """Someone at a meeting: a member, or an office holder (who is a member too)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(sa_column=_meeting_fk())
    member_id: int = Field(sa_column=_member_fk())
    capacity: str = Field(default=Capacity.MEMBER, max_length=20)
    mode: str = Field(max_length=20)
    registered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    registered_by: str = Field(default="self", max_length=100)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Question(SQLModel, table=True):
    __tablename__ = "meeting_question"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(sa_column=_meeting_fk())
    member_id: int = Field(sa_column=_member_fk())
    text: str = Field(sa_column=Column(Text, nullable=False))
    # Whether the asker agreed to be named when the answer is published.
    name_published: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default=QuestionStatus.SUBMITTED, max_length=20)
    answer: str | None = Field(default=None, sa_column=Column(Text))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: str | None = Field(default=None, max_length=100)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Minutes(SQLModel, table=True):
    """The minutes of one meeting: drafted, approved at a later meeting, then published."""

    __tablename__ = "meeting_minutes"

    meeting_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("meeting.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=MinutesStatus.DRAFT, max_length=20)
    drafted_by: str = Field(default="system", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_at_meeting_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"), index=True),
    )
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
