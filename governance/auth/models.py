"""Account, role, session and token tables.

Secrets are never stored as given: passwords as argon2id hashes, high-entropy tokens (session
tokens, magic links, recovery codes) as HMAC-SHA256 under the server key, TOTP secrets encrypted
under a key derived from the server key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from governance.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A staff account: secretary, returning officer, governor, director or platform admin."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False, index=True))
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    is_platform_admin: bool = False
    is_active: bool = True
    must_change_password: bool = False
    totp_secret_enc: str | None = Field(default=None, max_length=255)
    totp_enabled: bool = False
    totp_last_step: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    )
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    )
    role: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    )
    code_hmac: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A signed-in browser. Exactly one of user_id and member_id is set.

    ``second_factor_pending`` marks a staff session that has passed the password but not yet the
    TOTP step: it grants nothing but the code page.
    """

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hmac: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True),
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), index=True),
    )
    second_factor_pending: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    user_agent: str = Field(default="", max_length=300)


class MagicLink(SQLModel, table=True):
    """A single-use, short-lived sign-in link emailed to a member."""

    __tablename__ = "magic_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hmac: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for scripts acting as a staff user (stored as HMAC)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hmac: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    )
    name: str = Field(max_length=100)
    # The one organisation the token acts in (None only for a platform-administration token)
    # and the roles it may use there, space-separated ("admin" for platform administration).
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
        ),
    )
    scopes: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class RateLimitHit(SQLModel, table=True):
    """Counters for fixed-window rate limits, shared by every worker through the database."""

    __tablename__ = "rate_limit"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    window_start: datetime = Field(sa_type=UTCDateTime)
    count: int = 0


class FailureBackoff(SQLModel, table=True):
    """Failed attempts with one credential from one place, and when the next is looked at.

    Only failures are counted, so the right credentials never add to it; see
    :mod:`governance.auth.backoff`.
    """

    __tablename__ = "failure_backoff"

    key: str = Field(max_length=200, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(sa_type=UTCDateTime)
    retry_at: datetime = Field(sa_type=UTCDateTime)


class StaffInvitation(SQLModel, table=True):
    """A single-use link emailed to invited staff so they can set their first password, or,
    with a ``role``, an offer of that role to an existing account, granted only when its owner
    accepts it."""

    __tablename__ = "staff_invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hmac: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    )
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True),
    )
    role: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
