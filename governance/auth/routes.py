"""The account API (``/api/auth``) and every sign-in and account page.

API clients authenticate with bearer tokens made on the account page; ``/api/auth/me`` says who
the caller is and what they may do, and ``/api/auth/tokens`` manages the caller's own tokens.
"""

from __future__ import annotations

from typing import Any

from litestar import Router, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from sqlmodel import Session, select

from governance.auth import tokens
from governance.auth.guards import organisations_for, require_staff, roles_in
from governance.auth.middleware import Identity
from governance.auth.models import ApiToken
from governance.auth.pages import auth_pages
from governance.auth.schemas import Me, RoleHeld, TokenCreate, TokenCreated, TokenOut
from governance.auth.service import AccountError
from governance.errors import Problem
from governance.organisations.models import Organisation
from governance.web.forms import RowId


def _token_out(db: Session, token: ApiToken) -> TokenOut:
    assert token.id is not None
    organisation = db.get(Organisation, token.organisation_id) if token.organisation_id else None
    return TokenOut(
        id=token.id,
        name=token.name,
        organisation=organisation.slug if organisation else None,
        scopes=sorted(token.scope_set),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


@get("/me", sync_to_thread=True, summary="Who the caller is, and their roles")
def me(db: Session, identity: Identity) -> Me:
    if identity.staff_signed_in and identity.user is not None:
        user = identity.user
        assert user.id is not None
        roles = [
            RoleHeld(organisation=org.slug, organisation_name=org.name, role=role.value)
            for org in organisations_for(db, user)
            for role in sorted(roles_in(db, user, org.id or 0))
        ]
        return Me(
            kind="staff",
            id=user.id,
            name=user.name,
            email=user.email,
            platform_admin=user.is_platform_admin,
            totp_enabled=user.totp_enabled,
            roles=roles,
        )
    if identity.member is not None and identity.member.id is not None:
        member = identity.member
        organisation = db.get(Organisation, member.organisation_id)
        return Me(
            kind="member",
            id=member.id,
            name=member.display_name,
            email=member.email,
            organisation=organisation.slug if organisation else None,
        )
    raise NotAuthorizedException("Sign in or send a bearer token.")


@get("/tokens", sync_to_thread=True, summary="The caller's active API tokens")
def list_tokens(db: Session, identity: Identity) -> list[TokenOut]:
    user = require_staff(identity)
    return [_token_out(db, token) for token in tokens.active_tokens(db, user)]


@post("/tokens", sync_to_thread=True, summary="Make an API token (shown once)")
def create_token(db: Session, identity: Identity, state: State, data: TokenCreate) -> TokenCreated:
    user = require_staff(identity)
    if identity.api_token is not None:
        raise Problem(
            403, "token-from-token", "API tokens can only be made from a signed-in browser."
        )
    organisation_id = None
    if data.organisation is not None:
        found = db.exec(select(Organisation).where(Organisation.slug == data.organisation)).first()
        if found is None or found not in organisations_for(db, user):
            raise Problem(422, "invalid", "The token's organisation must be one you work for.")
        organisation_id = found.id
    try:
        secret, token = tokens.create_token(
            db,
            state["keys"],
            user=user,
            name=data.name,
            expires_in_days=data.expires_in_days,
            organisation_id=organisation_id,
            scopes=set(data.scopes) if data.scopes is not None else None,
        )
    except AccountError as error:
        raise error.problem() from None
    return TokenCreated(**_token_out(db, token).model_dump(), token=secret)


@delete("/tokens/{token_id:int}", sync_to_thread=True, summary="Revoke one of the caller's tokens")
def revoke_token(db: Session, identity: Identity, token_id: RowId) -> None:
    user = require_staff(identity)
    try:
        tokens.revoke_token(db, user=user, token_id=token_id)
    except AccountError as error:
        raise error.problem() from None


def auth_routes() -> list[Any]:
    api = Router(
        path="/api/auth",
        route_handlers=[me, list_tokens, create_token, revoke_token],
        tags=["auth"],
    )
    return [api, *auth_pages()]
