"""Authorisation: every organisation-scoped route resolves its organisation through here.

A request for an organisation the caller has no role in answers 404 (never 403), so that one
organisation cannot learn what another holds, or even that it exists behind a slug.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.exceptions import NotAuthorizedException, NotFoundException
from sqlmodel import Session, col, select

from governance.auth.middleware import Identity
from governance.auth.models import RoleAssignment, User
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation


def organisation_by_slug(db: Session, slug: str) -> Organisation:
    org = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        raise NotFoundException()
    return org


def token_scope(user: User) -> tuple[int | None, frozenset[Role]] | None:
    """The organisation and roles an API token narrows ``user`` to (None: not a token)."""
    scope: tuple[int | None, frozenset[Role]] | None = getattr(user, "token_scope", None)
    return scope


def roles_in(db: Session, user: User, organisation_id: int) -> set[Role]:
    """The roles ``user`` may use in the organisation: those held, narrowed by an API token."""
    scope = token_scope(user)
    if scope is not None and scope[0] != organisation_id:
        return set()
    rows = db.exec(
        select(RoleAssignment.role).where(
            RoleAssignment.user_id == user.id, RoleAssignment.organisation_id == organisation_id
        )
    ).all()
    held = {Role(r) for r in rows}
    return held & scope[1] if scope is not None else held


def require_staff(identity: Identity) -> User:
    """The signed-in staff user (TOTP step completed), or 401."""
    if identity.user is None or not identity.staff_signed_in:
        raise NotAuthorizedException("Sign in to continue.")
    return identity.user


def require_platform_admin(identity: Identity) -> User:
    user = require_staff(identity)
    if not user.is_platform_admin:
        raise NotFoundException()
    return user


def require_role(
    db: Session, identity: Identity, slug: str, roles: Iterable[Role]
) -> tuple[Organisation, User]:
    """The organisation named by ``slug`` if the signed-in user holds one of ``roles`` in it.

    Platform admins pass for organisation administration; anyone else without the role gets 404.
    """
    user = require_staff(identity)
    org = organisation_by_slug(db, slug)
    if user.is_platform_admin:
        return org, user
    assert org.id is not None
    if roles_in(db, user, org.id) & set(roles):
        return org, user
    raise NotFoundException()


def require_member_of(db: Session, identity: Identity, slug: str) -> Organisation:
    """The organisation named by ``slug`` when the signed-in member belongs to it; else 404/401."""
    if identity.member is None:
        raise NotAuthorizedException("Sign in to continue.")
    org = organisation_by_slug(db, slug)
    if identity.member.organisation_id != org.id:
        raise NotFoundException()
    return org


def organisations_for(db: Session, user: User) -> list[Organisation]:
    if user.is_platform_admin:
        return list(db.exec(select(Organisation).order_by(col(Organisation.name))).all())
    ids = select(RoleAssignment.organisation_id).where(RoleAssignment.user_id == user.id)
    scope = token_scope(user)
    if scope is not None:
        ids = ids.where(RoleAssignment.organisation_id == scope[0])
    return list(
        db.exec(
            select(Organisation)
            .where(col(Organisation.id).in_(ids))
            .order_by(col(Organisation.name))
        ).all()
    )
