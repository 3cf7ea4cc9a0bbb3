"""Browser sessions: issued with a fresh random token at every sign-in step, never reused.

Only the HMAC of the token is stored. Issuing a session always discards the one the browser
presented, so a session id planted before sign-in (fixation) is worthless afterwards, and a
password-only session cannot be upgraded in place: the second factor issues a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from litestar.datastructures import Cookie
from sqlalchemy import CursorResult, delete, or_
from sqlmodel import Session, col

from governance.auth.middleware import SESSION_COOKIE
from governance.auth.models import AuthSession, MagicLink, StaffInvitation, User
from governance.db import utcnow
from governance.members.models import Member
from governance.security import Keys, new_token
from governance.settings import Settings

PENDING_LIFETIME = timedelta(minutes=10)
KEEP_USED_LINKS_FOR = timedelta(days=1)


def issue(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    user: User | None = None,
    member: Member | None = None,
    pending: bool = False,
    replacing: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """Add a session for ``user`` or ``member`` (caller commits) and return its token."""
    if (user is None) == (member is None):
        raise ValueError("a session belongs to exactly one user or member")
    now = now or utcnow()
    discard(session, keys, replacing)
    token = new_token()
    lifetime = PENDING_LIFETIME if pending else timedelta(hours=settings.session_hours)
    session.add(
        AuthSession(
            token_hmac=keys.token_hmac(token, "session"),
            user_id=user.id if user else None,
            member_id=member.id if member else None,
            second_factor_pending=pending,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            user_agent=user_agent[:300],
        )
    )
    return token


def discard(session: Session, keys: Keys, token: str | None) -> None:
    """Delete the session a browser presented, if any (caller commits)."""
    if token:
        session.execute(
            delete(AuthSession).where(
                col(AuthSession.token_hmac) == keys.token_hmac(token, "session")
            )
        )


def end_all_for_user(session: Session, user_id: int, *, keep_id: int | None = None) -> int:
    """Delete every session of the user except ``keep_id``; how many ended (caller commits)."""
    statement = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
    if keep_id is not None:
        statement = statement.where(col(AuthSession.id) != keep_id)
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def delete_expired(session: Session, *, now: datetime | None = None) -> int:
    """Remove expired sessions and spent or expired sign-in links; the number removed."""
    now = now or utcnow()
    old = now - KEEP_USED_LINKS_FOR
    removed = 0
    for statement in (
        delete(AuthSession).where(col(AuthSession.expires_at) <= now),
        delete(MagicLink).where(
            or_(col(MagicLink.expires_at) <= old, col(MagicLink.used_at) <= old)
        ),
        delete(StaffInvitation).where(
            or_(col(StaffInvitation.expires_at) <= old, col(StaffInvitation.used_at) <= old)
        ),
    ):
        removed += cast(CursorResult[Any], session.execute(statement)).rowcount
    session.commit()
    return removed


def cookie(settings: Settings, token: str, *, pending: bool = False) -> Cookie:
    lifetime = PENDING_LIFETIME if pending else timedelta(hours=settings.session_hours)
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def cleared_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        max_age=0,
        expires=0,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
