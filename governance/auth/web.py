"""Small helpers the page handlers share: who is asking, from where, and where to go next."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect
from sqlmodel import Session

from governance.auth.guards import organisations_for
from governance.auth.middleware import SESSION_COOKIE, Identity
from governance.auth.models import User

NOTICES = {
    "signed-out": "You have signed out.",
    "signed-out-everywhere": "You have signed out on every device. Sign in again to continue.",
    "password-set": "Your password is set. Sign in to continue.",
    "password-changed": "Your password has changed. You have been signed out everywhere else.",
    "totp-disabled": "Two-factor sign-in is now off.",
    "token-revoked": "The API token has been revoked.",
    "role-accepted": "You have accepted the role. It is listed under your roles below.",
}


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def presented_session(request: Request[Any, Any, Any]) -> str | None:
    """The session token the browser sent (to be discarded when a new one is issued)."""
    return request.cookies.get(SESSION_COOKIE) or None


def user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:300]


def safe_next(value: str | None) -> str:
    """A local path to return to after sign-in; anything else (another site) becomes ""."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    if any(ch in value for ch in "\r\n\t"):
        return ""
    return value


def landing_for(db: Session, user: User) -> str:
    """Where a member of staff starts: their organisation, the admin list, or their account."""
    if user.is_platform_admin:
        return "/admin/organisations"
    organisations = organisations_for(db, user)
    if len(organisations) == 1:
        return f"/o/{organisations[0].slug}"
    return "/account"


def pending_step(identity: Identity) -> str | None:
    """For a password-only session, the page that finishes signing in; else None."""
    if identity.user is None or identity.staff_signed_in:
        return None
    return "/sign-in/code" if identity.user.totp_enabled else "/account/two-factor/setup"


def redirect(path: str, **kwargs: Any) -> Redirect:
    return Redirect(path=path, status_code=303, **kwargs)
