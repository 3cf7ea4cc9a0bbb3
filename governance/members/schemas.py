"""Request and response shapes for the register API and forms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from governance.members.eligibility import Category, Kind
from governance.web.forms import Body, not_null

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Percent = Decimal


class ConstituencyIn(Body):
    code: str = Field(min_length=1, max_length=32, pattern=CODE, title="code")
    name: str = Field(min_length=1, max_length=200, title="name")
    kind: Kind = Field(title="kind")
    parent: str | None = Field(default=None, max_length=32, title="staff constituency")
    category: Category | None = Field(default=None, title="kind of member")
    description: str = Field(default="", max_length=500, title="description")
    vote_share_percent: Percent | None = Field(
        default=None, ge=0, le=100, decimal_places=2, title="share of the vote"
    )
    vote_cap_percent: Percent | None = Field(
        default=None, ge=0, le=100, decimal_places=2, title="cap on the vote"
    )
    minimum_members: int | None = Field(default=None, ge=0, title="minimum number of members")
    joinable: bool = Field(default=True, title="open to joining online")
    position: int = Field(default=0, ge=0, le=10_000, title="position")


class ConstituencyUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    category: Category | None = None
    vote_share_percent: Percent | None = Field(default=None, ge=0, le=100, decimal_places=2)
    vote_cap_percent: Percent | None = Field(default=None, ge=0, le=100, decimal_places=2)
    minimum_members: int | None = Field(default=None, ge=0)
    joinable: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)

    _stored_not_null = field_validator("name", "description", "joinable", "position")(not_null)


class ConstituencyOut(BaseModel):
    code: str
    name: str
    kind: Kind
    parent: str | None
    category: Category | None
    description: str
    vote_share_percent: str | None
    vote_cap_percent: str | None
    minimum_members: int
    joinable: bool
    position: int


class AreaIn(Body):
    code: str = Field(min_length=1, max_length=20, pattern=CODE, title="area code")
    name: str = Field(min_length=1, max_length=200, title="area name")
    constituency: str = Field(min_length=1, max_length=32, title="constituency")
    postcode_prefixes: str = Field(default="", max_length=2000, title="postcode prefixes")


class AreaOut(BaseModel):
    code: str
    name: str
    constituency: str
    postcode_prefixes: str


class ContactPreferences(Body):
    contact_email: bool = False
    contact_post: bool = False
    contact_sms: bool = False
    hide_from_public_register: bool = False


class JoinIn(ContactPreferences):
    """What someone gives when joining online (page or API)."""

    first_name: str = Field(min_length=1, max_length=100, title="first name")
    last_name: str = Field(min_length=1, max_length=100, title="last name")
    email: str = Field(min_length=3, max_length=254, title="email address")
    date_of_birth: date = Field(title="date of birth")
    postcode: str | None = Field(default=None, max_length=12, title="postcode")
    area_code: str | None = Field(default=None, max_length=20, title="area")
    address_line1: str | None = Field(default=None, max_length=200, title="address")
    address_line2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100, title="town")
    phone: str | None = Field(default=None, max_length=32, title="mobile number")
    works_for_organisation: bool = Field(default=False, title="whether you work for us")
    patient_or_carer: bool = Field(default=False, title="whether you are a patient or carer")
    member_class: str | None = Field(default=None, max_length=32, title="class of member")
    gender: str | None = Field(default=None, max_length=40)
    ethnicity: str | None = Field(default=None, max_length=80)
    consent: bool = Field(title="your agreement")


class MemberCreate(JoinIn):
    """A member added by the secretary (eligibility is checked just the same)."""

    reference: str | None = Field(default=None, max_length=64, title="member number")
    constituency: str | None = Field(default=None, max_length=32, title="constituency")
    joined_on: date | None = None
    consent: bool = True


class MemberUpdate(Body):
    """A change of details; absent fields stay as they are."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100, title="first name")
    last_name: str | None = Field(default=None, min_length=1, max_length=100, title="last name")
    email: str | None = Field(default=None, max_length=254, title="email address")
    date_of_birth: date | None = None
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=12)
    area_code: str | None = Field(default=None, max_length=20, title="area")
    phone: str | None = Field(default=None, max_length=32)
    gender: str | None = Field(default=None, max_length=40)
    ethnicity: str | None = Field(default=None, max_length=80)
    deprivation_decile: int | None = Field(default=None, ge=1, le=10)
    contact_email: bool | None = None
    contact_post: bool | None = None
    contact_sms: bool | None = None
    hide_from_public_register: bool | None = None


class LeaveIn(Body):
    reason: Literal["lapsed", "resigned", "deceased", "expelled", "opted_out"]
    on: date | None = None
    note: str | None = Field(default=None, max_length=500)


class ReinstateIn(Body):
    constituency: str | None = Field(default=None, max_length=32)
    on: date | None = None


class EraseIn(Body):
    confirm: Literal["erase"] = Field(title="confirmation")


class MoveIn(Body):
    constituency: str = Field(min_length=1, max_length=32)
    on: date | None = None


class SuitablePersonIn(Body):
    name: str = Field(min_length=1, max_length=200, title="name")
    relationship: str = Field(default="", max_length=100, title="relationship")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    since: date | None = None


class SuitablePersonOut(BaseModel):
    id: int
    name: str
    relationship: str
    email: str | None
    phone: str | None
    address: str | None
    since: date
    ended_on: date | None


class PeriodOut(BaseModel):
    constituency: str
    constituency_name: str
    start_date: date
    start_reason: str
    end_date: date | None
    end_reason: str | None
    end_note: str | None


class MemberSummary(BaseModel):
    reference: str
    name: str
    email: str | None
    postcode: str | None
    constituency: str | None
    status: str


class MemberOut(BaseModel):
    reference: str
    first_name: str
    last_name: str
    email: str | None
    date_of_birth: date | None
    status: str
    joined_on: date | None
    constituency: str | None
    area_code: str | None
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    phone: str | None
    gender: str | None
    ethnicity: str | None
    deprivation_decile: int | None
    last_attended_on: date | None
    contact_email: bool
    contact_post: bool
    contact_sms: bool
    hide_from_public_register: bool
    consent_recorded_at: datetime | None
    history: list[PeriodOut]
    suitable_persons: list[SuitablePersonOut]


class JoinReceived(BaseModel):
    status: Literal["received"] = "received"
    message: str


class ImportOut(BaseModel):
    id: int
    status: str
    filename: str
    sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int
    refused: int
    fingerprint: str
    error: str | None
    created_at: datetime
    applied_at: datetime | None
    report_csv: str


class ReportRowOut(BaseModel):
    row: int
    action: str
    reference: str
    reason: str
    message: str


class ImportReport(ImportOut):
    entries: list[ReportRowOut]
    next_offset: int | None


class ApplyIn(Body):
    fingerprint: str = Field(min_length=10, max_length=128)


class CountOut(BaseModel):
    constituency: str
    name: str
    members: int | None = Field(description="None when fewer than 10 (suppressed)")
    shown: str


class PublicEntry(BaseModel):
    name: str
    constituency: str


class ElectorateOut(BaseModel):
    constituency: str
    on: date
    count: int
    references: list[str]
