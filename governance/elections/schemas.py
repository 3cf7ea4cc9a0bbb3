"""Request and response shapes for the poll's JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from governance.web.forms import Body


class BallotIn(Body):
    """A voter's ballot. ``choices`` are candidate ids: for STV in order of preference.

    ``choices`` is checked by the service rather than here, so that a ballot that cannot be read
    is refused and counted like any other refusal (``malformed-ranking``).
    """

    voter_id: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    choices: Any = Field(default_factory=list)
    declaration: bool = False


class ReceiptOut(BaseModel):
    receipt: str
    check_url: str


class ReceiptCheckIn(Body):
    receipt: str = Field(min_length=1, max_length=60)


class ReceiptCheckOut(BaseModel):
    status: Literal["recorded", "counted", "late", "not-found"]


class StaffVoteIn(Body):
    """A returned paper or a telephone vote, typed in by the returning officer's staff."""

    channel: Literal["postal", "telephone", "paper"]
    voter_id: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    choices: list[int] = Field(default_factory=list, max_length=200)
    declaration: bool = False
    rejected: str | None = Field(default=None, max_length=40)


class LatePaperIn(Body):
    voter_id: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=20)
    choices: list[int] = Field(default_factory=list, max_length=200)


class ReplacementIn(Body):
    member_reference: str = Field(min_length=1, max_length=64)
    reason: Literal["spoilt", "lost", "not-received"]
    delivery: Literal["email", "post"] | None = None


class ReplacementOut(BaseModel):
    """For delivery by post the new credentials are returned, once, to print; never stored."""

    member_reference: str
    reason: str
    delivery: str
    issued_at: datetime
    voter_id: str | None = None
    code: str | None = None


class ReplacementLineOut(BaseModel):
    issued_at: datetime
    member_reference: str
    member_name: str
    reason: str
    issued_by: str


class VoterStatusIn(Body):
    member_reference: str = Field(min_length=1, max_length=64)


class VoterStatusOut(BaseModel):
    on_roll: bool
    voted: bool
    replacements: int


class DayCount(BaseModel):
    date: date
    voted: int


class TurnoutOut(BaseModel):
    electorate: int
    voted: int
    turnout: str
    by_channel: dict[str, int]
    by_day: list[DayCount]
    late_ballots: int


class PostalPackOut(BaseModel):
    id: int
    rows: int
    created_at: datetime
    downloads: int
