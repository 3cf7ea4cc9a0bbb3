"""Accountability tables.

Nothing here is public as stored: what reaches a public page or feed is chosen field by field in
``public.py``. Drafts, asker identities, assignment and internal notes stay on staff pages.
Reminders, escalations and prompts are recorded in ``accountability_chase`` with a unique key,
so a scheduler job that runs twice (or after a restart) sends each one once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from governance.db import UTCDateTime, utcnow


def _org_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )


def _member_fk() -> Column[int]:
    return Column(Integer, ForeignKey("member.id"), nullable=False, index=True)


def _text(nullable: bool = False) -> Column[str]:
    return Column(Text, nullable=nullable)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    VIEWS_GATHERED = "views_gathered"  # governors' views recorded
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "views_gathered": "Governors' views gathered",
            "published": "Published",
        }[self.value]


class DecisionStatus(StrEnum):
    DRAFT = "draft"  # not yet published: never shown in public
    PUBLISHED = "published"  # notice published, decision to come
    TAKEN = "taken"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Vote(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"for": "For", "against": "Against", "abstain": "Abstained", "absent": "Absent"}[
            self.value
        ]


class ConsultationStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RequestKind(StrEnum):
    UPDATE = "update"
    VIEW = "view"

    @property
    def label(self) -> str:
        return {"update": "An update", "view": "The governors' view"}[self.value]


class RequestStatus(StrEnum):
    ACKNOWLEDGED = "acknowledged"  # received and acknowledged to the member
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class BoardRequestKind(StrEnum):
    INFORMATION = "information"  # the council requests information
    ATTENDANCE = "attendance"  # the council requires directors to attend a meeting

    @property
    def label(self) -> str:
        return {
            "information": "Request for information",
            "attendance": "Requirement that directors attend",
        }[self.value]


class DeclarationKind(StrEnum):
    INTERESTS = "interests"
    ELIGIBILITY = "eligibility"

    @property
    def label(self) -> str:
        return {"interests": "Interests", "eligibility": "Eligibility"}[self.value]


class ForwardPlan(SQLModel, table=True):
    """The board's forward plan for one year, and the governors' views on it."""

    __tablename__ = "forward_plan"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    year: int
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_column=_text())
    status: str = Field(default=PlanStatus.DRAFT, max_length=20)
    governors_views: str = Field(default="", sa_column=_text())
    views_gathered_on: date | None = None
    board_regard: str = Field(default="", sa_column=_text())
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KeyDecision(SQLModel, table=True):
    """A key decision: what, who decides, when, the papers, the statutory category.

    ``threshold`` keeps the wording of the category's threshold as it stood when recorded.
    ``notice_published_at`` is when the notice went out; notice is assessed against
    ``decision_date`` (``notice.py``). ``motion_id`` links the meeting motion that decided it.
    """

    __tablename__ = "key_decision"
    __table_args__ = (
        Index("ix_key_decision_organisation_id_decision_date", "organisation_id", "decision_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    forward_plan_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("forward_plan.id", ondelete="SET NULL"), index=True),
    )
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=_text())
    decision_maker: str = Field(max_length=200)
    decision_date: date
    papers: str = Field(default="", sa_column=_text())
    category: str = Field(default="other", max_length=60)
    threshold: str = Field(default="", max_length=500)
    status: str = Field(default=DecisionStatus.DRAFT, max_length=20, index=True)
    notice_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    urgent: bool = False
    urgent_reason: str | None = Field(default=None, sa_column=_text(nullable=True))
    taken_on: date | None = None
    outcome: str = Field(default="", sa_column=_text())
    motion_id: int | None = None
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DecisionVote(SQLModel, table=True):
    """How one governor or director voted on a key decision (published with the decision)."""

    __tablename__ = "key_decision_vote"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("key_decision.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)  # governor | director
    vote: str = Field(max_length=10)


class Consultation(SQLModel, table=True):
    """Governors asking the members of their constituencies before a decision is taken."""

    __tablename__ = "consultation"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    decision_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("key_decision.id", ondelete="SET NULL"), index=True),
    )
    title: str = Field(max_length=200)
    question: str = Field(sa_column=_text())
    status: str = Field(default=ConsultationStatus.DRAFT, max_length=20)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    council_view: str = Field(default="", sa_column=_text())
    council_view_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    board_regard: str = Field(default="", sa_column=_text())
    board_regard_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsultationConstituency(SQLModel, table=True):
    """A constituency whose members are asked (staff classes are covered by their parent)."""

    __tablename__ = "consultation_constituency"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    constituency_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("constituency.id", ondelete="CASCADE"), primary_key=True
        )
    )


class ConsultationResponse(SQLModel, table=True):
    """One member's response. Its text is published only with ``publish_text`` (never a name)."""

    __tablename__ = "consultation_response"
    __table_args__ = (UniqueConstraint("consultation_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(sa_column=_member_fk())
    constituency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("constituency.id"), nullable=False)
    )
    body: str = Field(sa_column=_text())
    publish_text: bool = False
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UpdateRequest(SQLModel, table=True):
    """A member asking the governors of their constituency for an update or a view.

    ``due_on`` is fixed when the request arrives (working days from ``received_on``, the local
    day). The asker is named in public only with ``name_published``; an answer can be withheld
    from publication with a reason (it is still counted in public figures).
    """

    __tablename__ = "update_request"
    __table_args__ = (
        Index("ix_update_request_organisation_id_status", "organisation_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(sa_column=_member_fk())
    constituency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("constituency.id"), nullable=False, index=True)
    )
    kind: str = Field(default=RequestKind.UPDATE, max_length=10)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=_text())
    name_published: bool = False
    status: str = Field(default=RequestStatus.ACKNOWLEDGED, max_length=20)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    received_on: date
    due_on: date
    assigned_user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    )
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer: str = Field(default="", sa_column=_text())
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_on: date | None = None
    answered_by: str | None = Field(default=None, max_length=100)
    answered_by_name: str = Field(default="", max_length=200)
    withheld_reason: str | None = Field(default=None, max_length=500)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Chase(SQLModel, table=True):
    """A reminder, escalation or prompt that has been sent: at most one per subject and stage."""

    __tablename__ = "accountability_chase"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    subject: str = Field(max_length=30)  # update_request | office_term | report | declaration
    subject_id: int
    stage: str = Field(max_length=40)
    recipients: int = 0
    done_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GovernorReport(SQLModel, table=True):
    """A governor's report back to their constituency (``None``: to every member)."""

    __tablename__ = "governor_report"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    constituency_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("constituency.id"), index=True)
    )
    title: str = Field(max_length=200)
    body: str = Field(sa_column=_text())
    author_name: str = Field(max_length=200)
    author: str = Field(max_length=100)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_on: date


class BoardRequest(SQLModel, table=True):
    """The council asking the board for information, or requiring directors to attend."""

    __tablename__ = "board_request"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    kind: str = Field(max_length=20)
    subject: str = Field(max_length=200)
    detail: str = Field(default="", sa_column=_text())
    directors: str = Field(default="", max_length=300)
    requested_on: date
    meeting_date: date | None = None
    response: str = Field(default="", sa_column=_text())
    responded_on: date | None = None
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GovernorRecord(SQLModel, table=True):
    """A governor on the register: the staff account they act through, and the lead role.

    Terms of office live in ``office_term`` (members); this row links the person to their
    account so requests can be assigned and reminders sent, and names the lead governor.
    """

    __tablename__ = "governor_record"
    __table_args__ = (
        UniqueConstraint("organisation_id", "member_id"),
        UniqueConstraint("organisation_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    member_id: int = Field(sa_column=_member_fk())
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"))
    )
    lead: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    lead_since: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Training(SQLModel, table=True):
    __tablename__ = "governor_training"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    member_id: int = Field(sa_column=_member_fk())
    course: str = Field(max_length=200)
    completed_on: date
    recorded_by: str = Field(max_length=100)


class Declaration(SQLModel, table=True):
    """A governor's or director's declaration of interests or of eligibility, renewed yearly.

    The newest of each kind per person is the current one. Interests are published; for
    eligibility only the date is.
    """

    __tablename__ = "office_declaration"
    __table_args__ = (Index("ix_office_declaration_member_id_kind", "member_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    member_id: int = Field(sa_column=Column(Integer, ForeignKey("member.id"), nullable=False))
    office: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    content: str = Field(default="", sa_column=_text())  # "" = nothing to declare
    declared_on: date
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AnnualStatement(SQLModel, table=True):
    """What the annual report must say that the service cannot count: the steps taken to keep
    the membership representative."""

    __tablename__ = "annual_statement"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    year: int
    representativeness_steps: str = Field(default="", sa_column=_text())
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
