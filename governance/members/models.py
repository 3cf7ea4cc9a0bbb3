"""Member register tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from governance.db import UTCDateTime, utcnow


class Member(SQLModel, table=True):
    """A person on an organisation's register of members.

    ``reference`` is the organisation's own member number, unique within it; imports match on it.
    """

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    )
    reference: str = Field(max_length=64)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str | None = Field(default=None, sa_column=Column(String(254), index=True))
    date_of_birth: date | None = None
    status: str = Field(default="active", max_length=20)
    joined_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
