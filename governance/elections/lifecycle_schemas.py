"""Request and response shapes for scheduling, nominations, the count and the declaration."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from governance.elections.key_custody import key_fingerprint
from governance.elections.models import Candidate, Channel, Election

StepDate = date | datetime


class Body(BaseModel):
    """A request body: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TimetableIn(Body):
    """The close of poll and any earlier dates; steps left out take their latest date."""

    close_of_poll: StepDate = Field(title="the close of poll")
    dates: dict[str, StepDate] = Field(default_factory=dict, title="dates for other steps")
    overrides: dict[str, str] = Field(
        default_factory=dict, title="the returning officer's reasons for accepting late dates"
    )
    non_working_days: list[date] = Field(
        default_factory=list, max_length=100, title="extra days that do not count"
    )
    working_days: list[date] = Field(
        default_factory=list, max_length=100, title="extra days that do count"
    )
    timetable_rules: dict[str, Any] | None = Field(default=None, title="the organisation's rules")


class ElectionCreate(TimetableIn):
    title: str = Field(min_length=1, max_length=200, title="the title")
    constituency_id: int | None = Field(default=None, ge=1, title="the constituency or class")
    office: Literal["governor", "director"] | None = Field(default=None, title="the office")
    seats: int = Field(ge=1, le=100, title="the number of seats")
    method: str = Field(min_length=1, max_length=40, title="the counting method")
    channels: list[Channel] = Field(
        default_factory=lambda: [Channel.ONLINE], min_length=1, title="the ways to vote"
    )
    term_years: int | None = Field(default=None, ge=1, le=10, title="the term of office")
    term_starts_on: date | None = Field(default=None, title="the first day of the term")
    identity_declaration: bool | None = Field(default=None, title="declaration of identity")
    returning_officer_contact: str = Field(default="", max_length=300, title="contact")
    draft: bool = Field(default=False, title="save as a draft")


class CancelIn(Body):
    reason: str = Field(min_length=1, max_length=500, title="the reason")


class NominationIn(Body):
    surname: str = Field(default="", max_length=100, title="your surname")
    other_names: str = Field(default="", max_length=100, title="your other names")
    address: str = Field(default="", max_length=500, title="your address")
    telephone: str = Field(default="", max_length=40, title="your telephone number")
    email: str = Field(default="", max_length=254, title="your email address")
    interests: str = Field(default="", max_length=5000, title="your interests")
    no_interests: bool = Field(default=False, title="no interests to declare")
    declared_eligible: bool = Field(default=False, title="the declaration of eligibility")
    qualifying_constituency_id: int | None = Field(default=None, title="your constituency")
    confirm: bool = Field(default=False, title="your confirmation")
    statement: str = Field(default="", max_length=5000, title="your statement")
    photo_base64: str | None = Field(default=None, max_length=1_400_000, title="a photo")


class DecisionIn(Body):
    decision: Literal["accept", "reject"] = Field(title="the decision")
    reason: str | None = Field(default=None, max_length=40, title="the reason")
    note: str = Field(default="", max_length=500, title="a note")


class RemovalIn(Body):
    cause: Literal["died", "disqualified"] = Field(title="what happened")
    note: str = Field(default="", max_length=500, title="a note")


class CountIn(Body):
    seed: str | None = Field(default=None, min_length=1, max_length=100, title="the seed")
    # The election private key, or k trustees' shares: used in memory for this count only.
    private_key: str | None = Field(default=None, max_length=4000, title="the private key")
    shares: list[str] = Field(default_factory=list, max_length=20, title="the trustees' shares")


class ElectionKeyIn(Body):
    public_key: str = Field(min_length=1, max_length=200, title="the public key")
    shares_needed: int | None = Field(default=None, ge=2, le=20, title="shares needed")
    trustees: int | None = Field(default=None, ge=2, le=20, title="trustees")


class CandidateOut(BaseModel):
    id: int
    member_id: int
    ballot_name: str
    status: str
    ballot_position: int | None
    particulars: dict[str, Any]
    interests: str
    statement: str
    has_photo: bool
    submitted_at: datetime
    decision_reason: str | None
    decided_at: datetime | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, candidate: Candidate) -> CandidateOut:
        assert candidate.id is not None
        return cls(
            id=candidate.id,
            member_id=candidate.member_id,
            ballot_name=candidate.ballot_name,
            status=candidate.status,
            ballot_position=candidate.ballot_position,
            particulars=dict(candidate.particulars),
            interests=candidate.interests,
            statement=candidate.statement,
            has_photo=candidate.photo is not None,
            submitted_at=candidate.submitted_at,
            decision_reason=candidate.decision_reason,
            decided_at=candidate.decided_at,
            withdrawn_at=candidate.withdrawn_at,
        )


class ElectionOut(BaseModel):
    id: int
    title: str
    status: str
    constituency_id: int | None
    office: str
    seats: int
    method: str
    channels: list[str]
    identity_declaration: bool
    term_years: int
    timetable: dict[str, datetime | None]
    overrides: dict[str, Any]
    electorate_count: int | None
    electorate_fingerprint: str | None
    electorate_frozen_at: datetime | None
    ballot_key_fingerprint: str | None
    key_shares_needed: int | None
    key_trustees: int | None
    seed: str | None
    counted_at: datetime | None
    declared_at: datetime | None
    cancelled_reason: str | None

    @classmethod
    def of(cls, election: Election) -> ElectionOut:
        assert election.id is not None
        return cls(
            id=election.id,
            title=election.title,
            status=election.status,
            constituency_id=election.constituency_id,
            office=election.office,
            seats=election.seats,
            method=election.method,
            channels=list(election.channels),
            identity_declaration=election.identity_declaration,
            term_years=election.term_years,
            timetable={
                "notice_of_election": election.notice_at,
                "nominations_close": election.nominations_close_at,
                "statement_of_nominated_candidates": election.statement_at,
                "withdrawals_close": election.withdrawals_close_at,
                "notice_of_poll": election.poll_open_at,
                "close_of_poll": election.poll_close_at,
            },
            overrides=dict(election.timetable_overrides),
            electorate_count=election.electorate_count,
            electorate_fingerprint=election.electorate_fingerprint,
            electorate_frozen_at=election.electorate_frozen_at,
            ballot_key_fingerprint=key_fingerprint(election),
            key_shares_needed=election.key_shares_needed,
            key_trustees=election.key_trustees,
            seed=election.seed,
            counted_at=election.counted_at,
            declared_at=election.declared_at,
            cancelled_reason=election.cancelled_reason,
        )
