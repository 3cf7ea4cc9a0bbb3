"""Organisation tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from governance.db import JSONDoc, UTCDateTime, utcnow
from governance.organisations.constitution import Constitution, OrganisationType


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(63), unique=True, nullable=False, index=True))
    name: str = Field(max_length=200)
    type: OrganisationType = Field(sa_column=Column(String(40), nullable=False))
    time_zone: str = Field(default="Europe/London", max_length=64)
    logo_url: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(default=None, max_length=254)
    constitution_json: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def kind(self) -> OrganisationType:
        return OrganisationType(self.type)

    @property
    def constitution(self) -> Constitution:
        return Constitution.from_json(self.constitution_json)
