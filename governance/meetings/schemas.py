"""Request and response shapes for meetings, agendas, attendance, questions, minutes and
requisitions. Times in requests carry their offset; a time without one is refused rather than
guessed at."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator

from governance.meetings.kinds import AttendanceMode, Capacity, MeetingKind
from governance.web.forms import MAX_ID, Body

URL_PATTERN = r"^https?://[^\s<>\"]+$"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_range(value: datetime | None) -> datetime | None:
    """Times this century only: a meeting in year 9999 is a typing slip, and date arithmetic on
    it would overflow."""
    if value is not None and not EARLIEST <= value < LATEST:
        raise ValueError("must be a time between the years 2000 and 2099")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


class MeetingIn(Body):
    kind: MeetingKind = Field(title="the kind of meeting")
    title: str = Field(min_length=1, max_length=200, title="the title")
    description: str = Field(default="", max_length=10_000, title="the description")
    starts_at: Moment = Field(title="the start")
    ends_at: Moment | None = Field(default=None, title="the end")
    location: str = Field(default="", max_length=300, title="the place")
    online_url: str | None = Field(
        default=None, max_length=500, pattern=URL_PATTERN, title="the online link"
    )
    questions_deadline: Moment | None = Field(default=None, title="the deadline for questions")
    requisition_id: int | None = Field(default=None, ge=1, le=MAX_ID, title="the requisition")

    @field_validator("online_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class MeetingUpdate(Body):
    """Changes to a meeting; fields left out stay as they are. Once notice is given the time
    cannot move (cancel and call the meeting again)."""

    title: str | None = Field(default=None, min_length=1, max_length=200, title="the title")
    description: str | None = Field(default=None, max_length=10_000, title="the description")
    starts_at: Moment | None = Field(default=None, title="the start")
    ends_at: Moment | None = Field(default=None, title="the end")
    location: str | None = Field(default=None, max_length=300, title="the place")
    online_url: str | None = Field(
        default=None, max_length=500, pattern=URL_PATTERN, title="the online link"
    )
    questions_deadline: Moment | None = Field(default=None, title="the deadline for questions")


class CallIn(Body):
    late_notice_reason: str | None = Field(
        default=None, min_length=1, max_length=1000, title="the reason for going ahead"
    )


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=500, title="the reason")


class AdjournIn(Body):
    reason: str = Field(min_length=1, max_length=500, title="the reason")
    starts_at: Moment | None = Field(default=None, title="when the meeting resumes")


class AgendaItemIn(Body):
    title: str = Field(min_length=1, max_length=300, title="the item's title")
    description: str = Field(default="", max_length=10_000, title="the description")
    presenter: str = Field(default="", max_length=200, title="who presents it")


class MoveIn(Body):
    direction: Literal["up", "down"] = Field(title="the direction")


class PaperIn(Body):
    """A paper: a link, or a file sent as base64 (the pages upload it as a file instead)."""

    title: str = Field(min_length=1, max_length=300, title="the paper's title")
    url: str | None = Field(default=None, max_length=500, pattern=URL_PATTERN, title="the link")
    filename: str | None = Field(default=None, min_length=1, max_length=200, title="file name")
    content_base64: str | None = Field(default=None, max_length=14_000_000, title="the file")


class AttendanceIn(Body):
    member_reference: str = Field(min_length=1, max_length=64, title="the member number")
    mode: AttendanceMode = Field(default=AttendanceMode.IN_PERSON, title="how they attend")
    capacity: Capacity | None = Field(default=None, title="in what capacity")


class QuestionIn(Body):
    text: str = Field(min_length=1, max_length=2000, title="your question")
    name_published: bool = Field(default=False, title="whether your name may be published")


class AnswerIn(Body):
    answer: str = Field(min_length=1, max_length=10_000, title="the answer")
    publish: bool = Field(default=False, title="publish it now")


class MinutesIn(Body):
    text: str = Field(min_length=1, max_length=200_000, title="the minutes")


class ApproveIn(Body):
    at_meeting_id: int = Field(ge=1, le=MAX_ID, title="the meeting that approved them")


class RequisitionIn(Body):
    purpose: str = Field(min_length=10, max_length=5000, title="what the meeting is for")


# -- responses -----------------------------------------------------------------------------------


class IssueOut(BaseModel):
    code: str
    message: str
    overridable: bool


class QuorumOut(BaseModel):
    rule: str
    body_size: int
    present: int
    proxies: int
    required: int
    counted: int
    quorate: bool
    explanation: str
    adjourns_at: datetime | None


class PaperOut(BaseModel):
    id: int
    title: str
    url: str
    filename: str | None
    content_type: str | None
    size: int


class AgendaItemOut(BaseModel):
    id: int
    position: int
    title: str
    description: str
    presenter: str
    papers: list[PaperOut]


class MeetingOut(BaseModel):
    id: int
    kind: MeetingKind
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online_url: str | None
    status: str
    questions_deadline: datetime | None
    requisition_id: int | None
    adjourned_from_id: int | None
    notice_published_at: datetime | None
    late_notice_reason: str | None
    notice_issues: list[IssueOut]
    body_on: date | None
    body_size: int | None
    quorate_at: datetime | None
    adjourned_at: datetime | None
    adjournment_reason: str | None
    page: str


class AttendanceOut(BaseModel):
    id: int
    member_reference: str
    name: str
    capacity: str
    mode: str
    registered_at: datetime
    left_at: datetime | None


class QuestionOut(BaseModel):
    id: int
    text: str
    asked_by: str | None
    submitted_at: datetime
    status: str
    answer: str | None
    answered_at: datetime | None
    published_at: datetime | None


class MinutesOut(BaseModel):
    meeting_id: int
    text: str
    status: str
    approved_at_meeting_id: int | None
    approved_at: datetime | None
    published_at: datetime | None


class RequisitionOut(BaseModel):
    id: int
    purpose: str
    status: str
    signatures: int
    required: int
    members: int
    threshold_percent: int
    started_at: datetime
    reached_at: datetime | None
    meeting_id: int | None
