"""Per-request identity and CSRF protection.

The session middleware reads the ``gov_session`` cookie (or an ``Authorization: Bearer`` API
token), finds the matching row by HMAC, and puts the signed-in user or member on
``request.state``. The CSRF middleware protects every unsafe request that could carry ambient
credentials (cookies): the form field ``_csrf`` or header ``X-CSRF-Token`` must equal an HMAC of
the ``gov_csrf`` cookie. Requests authenticated by a bearer token carry no ambient credentials and
are exempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import AbstractMiddleware
from litestar.types import Message, Receive, Scope, Send
from sqlalchemy import update
from sqlmodel import Session, col, select

from governance.auth.models import ApiToken, AuthSession, User
from governance.db import utcnow
from governance.members.models import Member
from governance.security import Keys, constant_time_equal, new_token

SESSION_COOKIE = "gov_session"
CSRF_COOKIE = "gov_csrf"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOUCH_EVERY = timedelta(minutes=5)


class Identity:
    """Who is making the request (filled by the session middleware)."""

    __slots__ = ("api_token", "auth_session", "csrf_cookie", "member", "user")

    def __init__(self) -> None:
        self.user: User | None = None
        self.member: Member | None = None
        self.auth_session: AuthSession | None = None
        self.api_token: ApiToken | None = None
        self.csrf_cookie: str | None = None

    @property
    def staff_signed_in(self) -> bool:
        return self.user is not None and not (
            self.auth_session is not None and self.auth_session.second_factor_pending
        )


def _cookies(scope: Scope) -> dict[str, str]:
    raw = ""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            raw = value.decode("latin-1")
            break
    jar: dict[str, str] = {}
    for part in raw.split(";"):
        if "=" in part:
            key, _, val = part.strip().partition("=")
            jar.setdefault(key, val)
    return jar


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def load_identity(
    engine: Any, keys: Keys, session_token: str | None, bearer: str | None
) -> Identity:
    """Look up the session or API token (runs in a worker thread)."""
    identity = Identity()
    if not session_token and not bearer:
        return identity
    now = utcnow()
    with Session(engine, expire_on_commit=False) as db:
        if bearer:
            token = db.exec(
                select(ApiToken).where(ApiToken.token_hmac == keys.token_hmac(bearer, "api"))
            ).first()
            if (
                token
                and token.revoked_at is None
                and (token.expires_at is None or token.expires_at > now)
            ):
                user = db.get(User, token.user_id)
                if user and user.is_active:
                    from governance.auth.tokens import scoped_user

                    identity.user = scoped_user(user, token)
                    identity.api_token = token
                    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
                        db.execute(
                            update(ApiToken)
                            .where(col(ApiToken.id) == token.id)
                            .values(last_used_at=now)
                        )
                        db.commit()
                        token.last_used_at = now
            return identity
        assert session_token is not None
        row = db.exec(
            select(AuthSession).where(
                AuthSession.token_hmac == keys.token_hmac(session_token, "session")
            )
        ).first()
        if row is None or row.expires_at <= now:
            return identity
        if row.user_id is not None:
            user = db.get(User, row.user_id)
            if user is None or not user.is_active:
                return identity
            identity.user = user
        elif row.member_id is not None:
            identity.member = db.get(Member, row.member_id)
            if identity.member is None:
                return identity
        identity.auth_session = row
        if now - row.last_seen_at > TOUCH_EVERY:
            db.execute(
                update(AuthSession).where(col(AuthSession.id) == row.id).values(last_seen_at=now)
            )
            db.commit()
    return identity


class SessionMiddleware(AbstractMiddleware):
    """Attach an :class:`Identity` to every HTTP request and issue the CSRF cookie."""

    scopes = {ScopeType.HTTP}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        keys: Keys = app.state["keys"]
        cookies = _cookies(scope)
        authorization = _header(scope, b"authorization") or ""
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        session_token = cookies.get(SESSION_COOKIE)
        if session_token or bearer:
            identity = await anyio.to_thread.run_sync(
                load_identity, app.state.engine, keys, session_token, bearer
            )
        else:  # nothing to look up: spare the thread hop (voters on the poll, the public)
            identity = Identity()
        csrf_cookie = cookies.get(CSRF_COOKIE)
        issue_cookie = not csrf_cookie or len(csrf_cookie) < 32
        if issue_cookie:
            csrf_cookie = new_token()
        identity.csrf_cookie = csrf_cookie
        scope.setdefault("state", {})["identity"] = identity
        if not issue_cookie or bearer:
            await self.app(scope, receive, send)
            return
        secure = app.state.settings.secure_cookies
        header = Cookie(
            key=CSRF_COOKIE,
            value=csrf_cookie,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        ).to_header(header="")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class CSRFMiddleware(AbstractMiddleware):
    """Refuse unsafe cookie-authenticated requests without a matching CSRF token (403)."""

    scopes = {ScopeType.HTTP}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        identity: Identity = scope["state"]["identity"]
        if identity.api_token is not None:
            await self.app(scope, receive, send)
            return
        from litestar import Request

        request: Request[Any, Any, Any] = Request(scope, receive=receive, send=send)
        supplied = request.headers.get(CSRF_HEADER)
        if not supplied:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                supplied = value if isinstance(value, str) else None
        keys: Keys = scope["litestar_app"].state["keys"]
        cookie = _cookies(scope).get(CSRF_COOKIE)
        if not supplied or not cookie or not constant_time_equal(supplied, keys.csrf_token(cookie)):
            from governance.errors import problem_response

            response = problem_response(
                request,
                403,
                "This form has expired or did not come from this site. Go back, reload the page "
                "and try again.",
                slug="csrf",
            )
            await response.to_asgi_response(None, request)(scope, receive, send)
            return
        await self.app(scope, receive, send)
