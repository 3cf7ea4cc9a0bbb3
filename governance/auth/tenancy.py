"""A route guard that keeps each organisation's routes to the people of that organisation.

Attach ``guards=[organisation_guard(...)]`` to every handler whose path has ``{slug}``. Litestar
runs guards before it parses the body or resolves dependencies, so a caller from another
organisation gets 404 whatever they send: no validation error or other answer tells them what
the route expects or whether the organisation exists. Handlers still call ``require_role`` for
the organisation and user objects; the guard is the outer wall.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug, roles_in
from governance.auth.middleware import Identity
from governance.organisations.constitution import Role

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def organisation_guard(roles: Iterable[Role] | None = None, *, members: bool = False) -> Guard:
    """Let through staff holding one of ``roles`` (any role when None) in the organisation named
    by the ``slug`` path parameter, platform admins, and, with ``members``, its signed-in
    members. Everyone else signed in gets 404; nobody signed in gets 401."""
    wanted = frozenset(roles) if roles is not None else frozenset(Role)

    def allowed(connection: ASGIConnection[Any, Any, Any, Any], identity: Identity) -> bool:
        slug = str(connection.path_params.get("slug", ""))
        with Session(connection.app.state.engine) as db:
            try:
                org = organisation_by_slug(db, slug)
            except NotFoundException:
                return False
            if identity.staff_signed_in and identity.user is not None:
                if identity.user.is_platform_admin:
                    return True
                assert org.id is not None
                return bool(roles_in(db, identity.user, org.id) & wanted)
            return bool(
                members
                and identity.member is not None
                and identity.member.organisation_id == org.id
            )

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
    ) -> None:
        identity: Identity = connection.scope["state"]["identity"]
        signed_in = identity.staff_signed_in or (members and identity.member is not None)
        if not signed_in:
            raise NotAuthorizedException("Sign in to continue.")
        if not await anyio.to_thread.run_sync(allowed, connection, identity):
            raise NotFoundException()

    return guard
