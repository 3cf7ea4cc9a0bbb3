"""Request and response shapes for organisations, their settings, constitution and staff."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from governance.auth.models import RoleAssignment, User
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID, Strict

SLUG_PATTERN = r"^[a-z0-9-]{3,63}$"


class OrganisationCreate(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=63, title="a short name for web addresses")
    name: str = Field(min_length=1, max_length=200, title="the organisation's name")
    type: OrganisationType = Field(title="the type of organisation")
    time_zone: str = Field(
        default="Europe/London", min_length=1, max_length=64, title="a time zone"
    )


class OrganisationUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200, title="the name")
    time_zone: str | None = Field(default=None, min_length=1, max_length=64, title="a time zone")
    logo_url: str | None = Field(default=None, max_length=500, title="the logo address")
    contact_email: str | None = Field(
        default=None, max_length=254, title="the address members' replies go to"
    )


class SettingsForm(Strict):
    name: str = Field(min_length=1, max_length=200, title="the organisation's name")
    time_zone: str = Field(min_length=1, max_length=64, title="a time zone")
    logo_url: str = Field(default="", max_length=500, title="the logo address")
    contact_email: str = Field(
        default="", max_length=254, title="the address members' replies go to"
    )


class RoleAssign(Strict):
    user_id: int = Field(ge=1, le=MAX_ID, title="the person")
    role: Role = Field(title="a role")


class InvitationCreate(Strict):
    email: str = Field(min_length=1, max_length=254, title="their email address")
    name: str = Field(min_length=1, max_length=200, title="their name")
    role: Role = Field(title="a role")


class OrganisationOut(BaseModel):
    id: int
    slug: str
    name: str
    type: OrganisationType
    type_label: str
    time_zone: str
    logo_url: str | None
    contact_email: str | None
    created_at: datetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationOut:
        assert organisation.id is not None
        return cls(
            id=organisation.id,
            slug=organisation.slug,
            name=organisation.name,
            type=organisation.kind,
            type_label=organisation.kind.label,
            time_zone=organisation.time_zone,
            logo_url=organisation.logo_url,
            contact_email=organisation.contact_email,
            created_at=organisation.created_at,
        )


class RoleAssignmentOut(BaseModel):
    id: int
    user_id: int
    name: str
    email: str
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, assignment: RoleAssignment, user: User) -> RoleAssignmentOut:
        assert assignment.id is not None
        return cls(
            id=assignment.id,
            user_id=assignment.user_id,
            name=user.name,
            email=user.email,
            role=Role(assignment.role),
            created_at=assignment.created_at,
        )
