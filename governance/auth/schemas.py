"""Request and response shapes for sign-in pages and the account API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from governance.auth.passwords import MAX_LENGTH as PASSWORD_MAX
from governance.web.forms import Strict

Scope = Literal["member", "governor", "director", "secretary", "returning_officer", "admin"]


class SignInForm(Strict):
    email: str = Field(min_length=1, max_length=254, title="your email address")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="your password")
    next: str = Field(default="", max_length=500)


class CodeForm(Strict):
    code: str = Field(min_length=1, max_length=64, title="the code")
    next: str = Field(default="", max_length=500)


class PasswordChangeForm(Strict):
    current_password: str = Field(
        min_length=1, max_length=PASSWORD_MAX, title="your current password"
    )
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="a new password")
    confirm_password: str = Field(
        min_length=1, max_length=PASSWORD_MAX, title="the new password again"
    )


class SetPasswordForm(Strict):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="a password")
    confirm_password: str = Field(min_length=1, max_length=PASSWORD_MAX, title="the password again")


class TokenForm(Strict):
    token_name: str = Field(min_length=1, max_length=100, title="a name for the token")
    expires_in_days: int | None = Field(default=None, ge=1, le=366, title="how long it lasts")

    @field_validator("expires_in_days", mode="before")
    @classmethod
    def _never(cls, value: object) -> object:
        return None if value in ("", "never") else value


class MemberSignInForm(Strict):
    email: str = Field(min_length=1, max_length=254, title="your email address")


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=366)
    organisation: str | None = Field(
        default=None,
        max_length=100,
        description="The slug of the one organisation the token acts in; with neither this "
        "nor scopes, a person with one organisation gets it with every role held there.",
    )
    scopes: list[Scope] | None = Field(
        default=None,
        max_length=10,
        description='The roles the token may use there; "admin" for platform administration.',
    )


class TokenOut(BaseModel):
    id: int
    name: str
    organisation: str | None = Field(description="The organisation the token acts in")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown this once only.")


class RoleHeld(BaseModel):
    organisation: str
    organisation_name: str
    role: str


class Me(BaseModel):
    kind: str = Field(description='"staff" or "member"')
    id: int
    name: str
    email: str | None
    platform_admin: bool = False
    totp_enabled: bool = False
    organisation: str | None = Field(default=None, description="A member's organisation")
    roles: list[RoleHeld] = []
