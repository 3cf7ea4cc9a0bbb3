"""Request shapes for the accountability API and forms, and the staff-facing response shapes.

Public outputs never use these: they are cut to their allow-lists in ``public.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from governance.accountability.models import BoardRequestKind, DeclarationKind, RequestKind, Vote

Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
"""A date a person would type: the service's calendars do not reach far beyond these years."""


class Body(BaseModel):
    """Base for request bodies: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanIn(Body):
    year: int = Field(ge=2000, le=2100, title="year")
    title: str = Field(min_length=1, max_length=200, title="title")
    summary: str = Field(default="", max_length=20_000, title="summary")


class ViewsIn(Body):
    governors_views: str = Field(min_length=1, max_length=20_000, title="the governors' views")
    gathered_on: Day = Field(title="the date the views were gathered")


class PlanPublishIn(Body):
    board_regard: str = Field(
        min_length=1, max_length=20_000, title="how the board had regard to the governors' views"
    )


class DecisionIn(Body):
    title: str = Field(min_length=1, max_length=200, title="what is to be decided")
    description: str = Field(default="", max_length=20_000, title="description")
    decision_maker: str = Field(min_length=1, max_length=200, title="who decides")
    decision_date: Day = Field(title="the date of the decision")
    papers: str = Field(default="", max_length=5_000, title="the papers")
    category: str = Field(default="other", max_length=60, title="statutory category")
    threshold: str = Field(default="", max_length=500, title="threshold")
    forward_plan_year: int | None = Field(default=None, ge=2000, le=2100, title="forward plan")


class DecisionPublishIn(Body):
    urgent_reason: str = Field(default="", max_length=5_000, title="why notice is shorter")


class VoteIn(Body):
    name: str = Field(min_length=1, max_length=200, title="name")
    role: str = Field(pattern="^(governor|director)$", title="role")
    vote: Vote = Field(title="vote")


class TakenIn(Body):
    taken_on: Day = Field(title="the date the decision was taken")
    outcome: str = Field(min_length=1, max_length=20_000, title="the outcome")
    votes: list[VoteIn] = Field(default_factory=list, max_length=200)
    motion_id: int | None = Field(default=None, ge=1, title="the meeting motion")


class ConsultationIn(Body):
    title: str = Field(min_length=1, max_length=200, title="title")
    question: str = Field(min_length=1, max_length=20_000, title="the question")
    closes_on: Day = Field(title="the closing date")
    constituencies: list[str] = Field(min_length=1, max_length=100, title="constituencies")
    decision_id: int | None = Field(default=None, ge=1, title="the key decision")


class ResponseIn(Body):
    body: str = Field(min_length=1, max_length=5_000, title="your response")
    publish_text: bool = Field(default=False, title="publish my response without my name")


class StatementIn(Body):
    text: str = Field(min_length=1, max_length=20_000, title="the statement")


class RequestIn(Body):
    kind: RequestKind = Field(default=RequestKind.UPDATE, title="what you are asking for")
    subject: str = Field(min_length=1, max_length=200, title="a subject")
    body: str = Field(min_length=1, max_length=5_000, title="your question")
    name_published: bool = Field(default=False, title="publish my name with the answer")
    constituency: str | None = Field(default=None, max_length=32, title="constituency")


class AssignIn(Body):
    user_id: int = Field(ge=1, title="the governor")


class AnswerIn(Body):
    answer: str = Field(min_length=1, max_length=20_000, title="the answer")
    publish: bool = Field(default=True, title="publish the question and answer")
    withheld_reason: str = Field(default="", max_length=500, title="why it is not published")

    @field_validator("withheld_reason")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()


class ReportIn(Body):
    title: str = Field(min_length=1, max_length=200, title="title")
    body: str = Field(min_length=1, max_length=50_000, title="the report")
    constituency: str | None = Field(default=None, max_length=32, title="constituency")


class BoardRequestIn(Body):
    kind: BoardRequestKind = Field(title="kind of request")
    subject: str = Field(min_length=1, max_length=200, title="subject")
    detail: str = Field(default="", max_length=20_000, title="detail")
    directors: str = Field(default="", max_length=300, title="directors")
    requested_on: Day = Field(title="the date of the request")
    meeting_date: Day | None = Field(default=None, title="the meeting date")


class BoardResponseIn(Body):
    response: str = Field(min_length=1, max_length=20_000, title="the response")
    responded_on: Day = Field(title="the date of the response")


class GovernorLinkIn(Body):
    member: str = Field(min_length=1, max_length=64, title="member number")
    user_email: str = Field(default="", max_length=254, title="staff account email")
    lead: bool = Field(default=False, title="lead governor")


class TrainingIn(Body):
    member: str = Field(min_length=1, max_length=64, title="member number")
    course: str = Field(min_length=1, max_length=200, title="course")
    completed_on: Day = Field(title="the date completed")


class DeclarationIn(Body):
    member: str = Field(min_length=1, max_length=64, title="member number")
    office: str = Field(default="governor", pattern="^(governor|director)$", title="office")
    kind: DeclarationKind = Field(title="kind of declaration")
    content: str = Field(default="", max_length=10_000, title="what is declared")
    declared_on: Day = Field(title="the date declared")


class StepsIn(Body):
    representativeness_steps: str = Field(
        min_length=1, max_length=20_000, title="steps taken to keep the membership representative"
    )


class Created(BaseModel):
    id: int
