"""Request and response shapes for motions, votes, shows of hands, proxies and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from governance.meetings.motion_models import Choice
from governance.meetings.thresholds import Body as VotingBody
from governance.meetings.thresholds import MotionKind
from governance.web.forms import MAX_ID, Strict, not_null

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class MotionIn(Strict):
    kind: MotionKind = Field(title="the kind of motion")
    title: str = Field(min_length=1, max_length=300, title="the title")
    text: str = Field(min_length=1, max_length=20_000, title="the text of the motion")
    secret: bool = Field(default=True, title="whether the vote is secret")
    agenda_item_id: Id | None = Field(default=None, title="the agenda item")
    follows_motion_id: Id | None = Field(
        default=None, title="the motion this vote confirms or approves"
    )
    advance_closes_at: AwareDatetime | None = Field(
        default=None, title="when voting in advance closes"
    )


class MotionUpdate(Strict):
    """Changes to a draft motion; fields left out stay as they are."""

    title: str | None = Field(default=None, min_length=1, max_length=300, title="the title")
    text: str | None = Field(default=None, min_length=1, max_length=20_000, title="the text")
    secret: bool | None = Field(default=None, title="whether the vote is secret")
    advance_closes_at: AwareDatetime | None = Field(
        default=None, title="when voting in advance closes"
    )

    _stored_not_null = field_validator("title", "text", "secret")(not_null)


class VoteIn(Strict):
    choice: Choice = Field(title="your vote")


class BallotLine(Strict):
    motion_id: Id
    choice: Choice


class BallotIn(Strict):
    """Votes on several motions of one meeting, recorded together or not at all."""

    votes: list[BallotLine] = Field(min_length=1, max_length=50)


class HandsLine(Strict):
    body: VotingBody
    class_code: str | None = Field(default=None, max_length=32)
    votes_for: int = Field(ge=0, le=10_000_000)
    against: int = Field(ge=0, le=10_000_000)
    abstain: int = Field(default=0, ge=0, le=10_000_000)


class HandsIn(Strict):
    """The chair's count of a show of hands: one line per body (per class when weighted)."""

    counts: list[HandsLine] = Field(min_length=1, max_length=50)


class CastingVoteIn(Strict):
    body: VotingBody = VotingBody.MEMBERS
    choice: Literal["for", "against"]


class ProxyIn(Strict):
    """Appointing a proxy: another member (by member number and surname), the chair of the
    meeting, or a named person who is not a member. ``directions`` maps motion ids to how the
    proxy must vote; motions left out are at the proxy's discretion."""

    holder: Literal["member", "chair", "person"]
    holder_reference: str | None = Field(default=None, max_length=64, title="their member number")
    holder_last_name: str | None = Field(default=None, max_length=100, title="their surname")
    holder_name: str | None = Field(default=None, max_length=200, title="their name")
    directions: dict[Id, Choice] = Field(default_factory=dict, max_length=100)


class ProxyVotesIn(Strict):
    """The holder's votes for the proxies they hold on one motion. Directed proxies are cast as
    directed whatever is sent; ``choice`` is used for the discretionary ones, or ``choices``
    per proxy id."""

    choice: Choice | None = None
    choices: dict[Id, Choice] = Field(default_factory=dict, max_length=1000)
    holder_name: str | None = Field(default=None, max_length=200)  # staff: a named person's


class MotionOut(BaseModel):
    id: int
    meeting_id: int
    kind: str
    kind_label: str
    rule: str
    title: str
    text: str
    secret: bool
    status: str
    follows_motion_id: int | None
    advance_closes_at: datetime | None
    opened_at: datetime | None
    poll_opened_at: datetime | None
    closed_at: datetime | None
    body_on: date | None
    eligible: dict[str, int]
    passed: bool | None = None


class VoteOut(BaseModel):
    motion_id: int
    channel: str
    recorded: bool = True


class ProxyOut(BaseModel):
    id: int
    meeting_id: int
    holder: str
    holder_name: str
    directions: dict[str, str]
    created_at: datetime
    revoked_at: datetime | None


class HeldProxyOut(BaseModel):
    id: int
    appointer: str
    direction: str | None  # on the motion asked about, if any
    voted: bool


class ProxyVotesOut(BaseModel):
    cast: int
    skipped: list[dict[str, Any]]


class ResultOut(BaseModel):
    motion_id: int
    title: str
    passed: bool
    standing: str
    decision: dict[str, Any]
    counts: dict[str, Any]
    reproducible: bool
    computed_at: datetime


class HolderPresentIn(Strict):
    holder_name: str = Field(min_length=1, max_length=200, title="the proxy holder's name")
