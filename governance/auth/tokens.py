"""API tokens: bearer credentials for scripts acting as a staff user.

A token is shown once when made and stored as an HMAC (purpose "api"), which is what the session
middleware looks up. Tokens are made only from a signed-in browser session (after the second
factor), never by another token, so a leaked token cannot mint replacements for itself.

Each token acts in one organisation with the roles chosen for it (its scopes), never with all of
its owner's roles everywhere; a platform administrator's token acts as administrator only with
the ``admin`` scope. :func:`scoped_user` gives the request a copy of the owner narrowed to that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, or_, select

from governance import audit
from governance.auth.models import ApiToken, RoleAssignment, User
from governance.auth.service import AccountError, actor_of
from governance.db import utcnow
from governance.organisations.constitution import Role
from governance.security import Keys, new_token

PREFIX = "gov_"  # lets secret scanners recognise a leaked token
MAX_ACTIVE = 20
ADMIN_SCOPE = "admin"
SCOPES = (*[role.value for role in Role], ADMIN_SCOPE)


def scoped_user(user: User, token: ApiToken) -> User:
    """A detached copy of ``user`` that holds only what ``token`` allows.

    ``roles_in`` and ``organisations_for`` read the copy's token scope; its platform-admin flag
    is set only with the ``admin`` scope. A copy, so that nothing narrowed is ever saved.
    """
    copy = User(**{name: getattr(user, name) for name in User.model_fields})
    copy.is_platform_admin = user.is_platform_admin and ADMIN_SCOPE in token.scope_set
    roles = frozenset(Role(s) for s in token.scope_set if s != ADMIN_SCOPE)
    object.__setattr__(copy, "token_scope", (token.organisation_id, roles))
    return copy


def _roles_held(session: Session, user: User) -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    for organisation_id, role in session.exec(
        select(RoleAssignment.organisation_id, RoleAssignment.role).where(
            RoleAssignment.user_id == user.id
        )
    ).all():
        held.setdefault(organisation_id, set()).add(str(role))
    return held


def check_scopes(
    session: Session,
    user: User,
    organisation_id: int | None,
    scopes: set[str],
    *,
    allow_none: bool = False,
) -> tuple[int | None, str]:
    """Refuse scopes the user does not hold; the token's organisation and scope string."""
    unknown = scopes - set(SCOPES)
    if unknown or not (scopes or allow_none):
        raise AccountError("Choose at least one thing the token may do", field="scopes")
    if ADMIN_SCOPE in scopes and not user.is_platform_admin:
        raise AccountError("Only platform administrators can give a token that", field="scopes")
    roles = scopes - {ADMIN_SCOPE}
    if roles:
        if organisation_id is None:
            raise AccountError("Choose the organisation the token acts in", field="organisation")
        missing = roles - _roles_held(session, user).get(organisation_id, set())
        if missing:
            labels = ", ".join(sorted(Role(m).label.lower() for m in missing))
            raise AccountError(
                f"You are not {labels} in that organisation, so the token cannot be",
                field="scopes",
            )
    return organisation_id, " ".join(sorted(scopes))


def default_scopes(session: Session, user: User) -> tuple[int | None, set[str]]:
    """For a user with one organisation (or a platform administrator without any): that
    organisation and every role held there; otherwise the organisation must be chosen."""
    held = _roles_held(session, user)
    if not held:  # nothing to narrow to: administration, or only saying who the owner is
        return None, {ADMIN_SCOPE} if user.is_platform_admin else set()
    if len(held) != 1:
        raise AccountError("Choose the organisation the token acts in", field="organisation")
    ((organisation_id, roles),) = held.items()
    return organisation_id, roles | ({ADMIN_SCOPE} if user.is_platform_admin else set())


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
    organisation_id: int | None = None,
    scopes: set[str] | None = None,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Make a token for one organisation and the chosen scopes (by default, for a user with a
    single organisation, every role held there); returns the secret (to show once) and the row.
    """
    now = now or utcnow()
    defaulted = scopes is None and organisation_id is None
    if defaulted:
        organisation_id, scopes = default_scopes(session, user)
    organisation_id, scope_text = check_scopes(
        session, user, organisation_id, scopes or set(), allow_none=defaulted
    )
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
        organisation_id=organisation_id,
        scopes=scope_text,
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
        detail={
            "name": name,
            "expires_at": token.expires_at,
            "organisation_id": organisation_id,
            "scopes": scope_text,
        },
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
