"""API tokens: bearer credentials for scripts acting as a staff user.

A token is shown once when made and stored as an HMAC (purpose "api"), which is what the session
middleware looks up. Tokens are made only from a signed-in browser session (after the second
factor), never by another token, so a leaked token cannot mint replacements for itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, or_, select

from governance import audit
from governance.auth.models import ApiToken, User
from governance.auth.service import AccountError, actor_of
from governance.db import utcnow
from governance.security import Keys, new_token

PREFIX = "gov_"  # lets secret scanners recognise a leaked token
MAX_ACTIVE = 20


def _active(user: User, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        col(ApiToken.user_id) == user.id,
        col(ApiToken.revoked_at).is_(None),
        or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now),
    )


def active_tokens(session: Session, user: User, *, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return list(
        session.exec(
            select(ApiToken).where(*_active(user, now)).order_by(col(ApiToken.created_at))
        ).all()
    )


def create_token(
    session: Session,
    keys: Keys,
    *,
    user: User,
    name: str,
    expires_in_days: int | None,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Make a token; returns the secret (to show once) and the stored row."""
    now = now or utcnow()
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("Enter a name of 100 characters or fewer", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise AccountError("A token can last from 1 to 366 days", field="expires_in_days")
    count = session.exec(select(func.count()).select_from(ApiToken).where(*_active(user, now)))
    if count.one() >= MAX_ACTIVE:
        raise AccountError(
            f"You have {MAX_ACTIVE} tokens already; revoke one first",
            slug="too-many-tokens",
            status=409,
        )
    assert user.id is not None
    secret = PREFIX + new_token()
    token = ApiToken(
        token_hmac=keys.token_hmac(secret, "api"),
        user_id=user.id,
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.api_token_created",
        object_type="api_token",
        object_id=token.id,
        detail={"name": name, "expires_at": token.expires_at},
    )
    session.commit()
    return secret, token


def revoke_all(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Revoke every live token of the user (caller commits); how many were revoked."""
    now = now or utcnow()
    result = session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_token(
    session: Session, *, user: User, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is "not found"."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise AccountError("There is no such token", slug="not-found", status=404)
    token.revoked_at = now or utcnow()
    session.add(token)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.api_token_revoked",
        object_type="api_token",
        object_id=token.id,
        detail={"name": token.name},
    )
    session.commit()
    return token
