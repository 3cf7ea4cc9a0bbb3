"""Member register tables.

The register's history lives in ``membership_period``: one row per spell in one constituency,
with why it started and why it ended. "Who was a member of constituency X on day D" is one
indexed query over it (``start_date <= D`` and ``end_date`` missing or later than D), which is
how an election freezes its electorate. The ``member`` row is never deleted: erasure anonymises
it, so counts and the foreign keys of voter rolls stay valid.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from governance.db import UTCDateTime, utcnow


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LAPSED = "lapsed"
    RESIGNED = "resigned"
    DECEASED = "deceased"
    EXPELLED = "expelled"
    OPTED_OUT = "opted_out"
    ERASED = "erased"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class StartReason(StrEnum):
    JOINED = "joined"
    ENROLLED = "enrolled"  # staff, from the HR import
    REJOINED = "rejoined"
    MOVED = "moved"


class EndReason(StrEnum):
    MOVED = "moved"
    LAPSED = "lapsed"
    RESIGNED = "resigned"
    DECEASED = "deceased"
    EXPELLED = "expelled"
    OPTED_OUT = "opted_out"
    ERASED = "erased"


LEAVING_STATUS: dict[EndReason, MemberStatus] = {
    EndReason.LAPSED: MemberStatus.LAPSED,
    EndReason.RESIGNED: MemberStatus.RESIGNED,
    EndReason.DECEASED: MemberStatus.DECEASED,
    EndReason.EXPELLED: MemberStatus.EXPELLED,
    EndReason.OPTED_OUT: MemberStatus.OPTED_OUT,
    EndReason.ERASED: MemberStatus.ERASED,
}


def _org_fk() -> Column[int]:
    return Column(
        Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=False
    )


def _false() -> dict[str, object]:
    # A plain string, not sa.false(): PostgreSQL reads '0' as false, and SQLite can then add
    # the column in place instead of rebuilding the member table.
    return {"server_default": "0"}


class Constituency(SQLModel, table=True):
    """A constituency (FT) or class of member (co-operatives, mutuals).

    Staff classes are children of the staff constituency (``parent_id``). ``vote_share_bp`` and
    ``vote_cap_bp`` are a multi-stakeholder class's fixed share of, or cap on, the total vote,
    in basis points (5000 = 50%).
    """

    __tablename__ = "constituency"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("constituency.id"), index=True)
    )
    kind: str = Field(max_length=20)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=500)
    category: str | None = Field(default=None, max_length=30)
    vote_share_bp: int | None = None
    vote_cap_bp: int | None = None
    minimum_members: int | None = None
    joinable: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ElectoralArea(SQLModel, table=True):
    """A local-government electoral area (ward or district) making up a public constituency.

    ``postcode_prefixes`` (space-separated, e.g. ``"LS1 LS2 LS6 1"``) let the join page place
    someone from their postcode; the longest matching prefix wins.
    """

    __tablename__ = "electoral_area"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    constituency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("constituency.id"), nullable=False, index=True)
    )
    code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    postcode_prefixes: str = Field(default="", max_length=2000)


class Member(SQLModel, table=True):
    """A person on an organisation's register of members.

    ``reference`` is the organisation's own member number, unique within it; imports match on it.
    The ``*_key`` columns are search keys (see ``normalise.py``); ``email`` is kept lower-cased.
    """

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        Index("ix_member_organisation_id_email", "organisation_id", "email"),
        # Surname and first-name searches read these in exactly the order they list results
        # (id last, so a page of 50 needs no sort however many share a name).
        Index(
            "ix_member_organisation_id_last_name_key_first_name_key_id",
            "organisation_id",
            "last_name_key",
            "first_name_key",
            "id",
        ),
        Index(
            "ix_member_organisation_id_first_name_key_last_name_key_id",
            "organisation_id",
            "first_name_key",
            "last_name_key",
            "id",
        ),
        Index("ix_member_organisation_id_postcode_key", "organisation_id", "postcode_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"))
    )
    reference: str = Field(max_length=64)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str | None = Field(default=None, sa_column=Column(String(254)))
    date_of_birth: date | None = None
    status: str = Field(default="active", max_length=20)
    joined_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_name_key: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    last_name_key: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=12)
    postcode_key: str | None = Field(default=None, max_length=12)
    phone: str | None = Field(default=None, max_length=32)
    area_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("electoral_area.id"))
    )
    gender: str | None = Field(default=None, max_length=40)
    ethnicity: str | None = Field(default=None, max_length=80)
    deprivation_decile: int | None = None
    last_attended_on: date | None = None
    contact_email: bool = Field(default=False, sa_column_kwargs=_false())
    contact_post: bool = Field(default=False, sa_column_kwargs=_false())
    contact_sms: bool = Field(default=False, sa_column_kwargs=_false())
    hide_from_public_register: bool = Field(default=False, sa_column_kwargs=_false())
    consent_recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_source: str | None = Field(default=None, max_length=20)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class MembershipPeriod(SQLModel, table=True):
    """One spell of membership in one constituency: ``[start_date, end_date)``.

    ``end_date`` is the first day the person is no longer a member there (None while they
    are). A transfer after notice is written at once with a future ``end_date`` and a
    future-starting period in the new constituency, so the history is right on every day
    without a job having to run on the day.
    """

    __tablename__ = "membership_period"
    __table_args__ = (
        Index(
            "ix_membership_period_constituency_id_start_date_end_date",
            "constituency_id",
            "start_date",
            "end_date",
        ),
        Index("ix_membership_period_organisation_id_start_date", "organisation_id", "start_date"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    constituency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("constituency.id"), nullable=False)
    )
    start_date: date
    start_reason: str = Field(max_length=20)
    end_date: date | None = None
    end_reason: str | None = Field(default=None, max_length=20)
    end_note: str | None = Field(default=None, max_length=500)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SuitablePerson(SQLModel, table=True):
    """Someone recorded as acting for a mutual's member who lacks capacity."""

    __tablename__ = "suitable_person"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_org_fk())
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=200)
    relationship: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    since: date
    ended_on: date | None = None
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RegisterState(SQLModel, table=True):
    """A counter bumped by every change to an organisation's register, first in the transaction.

    An import's dry run notes the version it saw; its apply step refuses if the version moved.
    Bumping it also serialises writers to one register (a row lock on PostgreSQL).
    """

    __tablename__ = "register_state"

    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    version: int = 0
    next_number: int = 0
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RegisterImport(SQLModel, table=True):
    """One uploaded CSV file: its dry-run summary and, once applied, when and by whom."""

    __tablename__ = "register_import"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    filename: str = Field(default="", max_length=200)
    sha256: str = Field(max_length=64)
    size_bytes: int = 0
    register_version: int = 0
    status: str = Field(default="checked", max_length=20)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    error: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_by: str | None = Field(default=None, max_length=100)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ImportChunk(SQLModel, table=True):
    """The uploaded file and the dry-run report, stored in pieces so neither is held whole."""

    __tablename__ = "register_import_chunk"

    import_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("register_import.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    kind: str = Field(sa_column=Column(String(10), primary_key=True))
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PopulationFigure(SQLModel, table=True):
    """The eligible population of a constituency in one category (e.g. age band 18-24)."""

    __tablename__ = "population_figure"
    __table_args__ = (UniqueConstraint("constituency_id", "dimension", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    constituency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("constituency.id", ondelete="CASCADE"), nullable=False)
    )
    dimension: str = Field(max_length=30)
    category: str = Field(max_length=80)
    count: int
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
