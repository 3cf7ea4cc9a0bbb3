"""The organisations API (``/api/orgs``) and, through ``organisation_routes``, its pages.

Every route below ``/api/orgs/{slug}`` carries the organisation guard, which answers 404 to
anyone without the role there before the body is even read.
"""

from __future__ import annotations

from typing import Any

from litestar import Router, delete, get, patch, post
from litestar.datastructures import State
from sqlmodel import Session

from governance.auth import staff
from governance.auth.guards import (
    organisations_for,
    require_platform_admin,
    require_role,
    require_staff,
)
from governance.auth.middleware import Identity
from governance.auth.service import AccountError, actor_of
from governance.auth.tenancy import organisation_guard
from governance.organisations import service
from governance.organisations.constitution import Role
from governance.organisations.pages import organisation_pages
from governance.organisations.schemas import (
    InvitationCreate,
    OrganisationCreate,
    OrganisationOut,
    OrganisationUpdate,
    RoleAssign,
    RoleAssignmentOut,
)
from governance.web.forms import RowId

SECRETARY = [Role.SECRETARY]
secretary_only = organisation_guard(SECRETARY)
any_role = organisation_guard()


@get("/", sync_to_thread=True, summary="Organisations the caller works for (all, for admins)")
def list_organisations(db: Session, identity: Identity) -> list[OrganisationOut]:
    user = require_staff(identity)
    return [OrganisationOut.of(org) for org in organisations_for(db, user)]


@post("/", sync_to_thread=True, summary="Create an organisation (platform admins)")
def create_organisation(
    db: Session, identity: Identity, data: OrganisationCreate
) -> OrganisationOut:
    admin = require_platform_admin(identity)
    organisation = service.create_organisation(
        db,
        slug=data.slug,
        name=data.name,
        type=data.type,
        time_zone=data.time_zone,
        actor=actor_of(admin),
    )
    return OrganisationOut.of(organisation)


@get("/{slug:str}", sync_to_thread=True, guards=[any_role], summary="One organisation")
def get_organisation(db: Session, identity: Identity, slug: str) -> OrganisationOut:
    organisation, _ = require_role(db, identity, slug, list(Role))
    return OrganisationOut.of(organisation)


@patch("/{slug:str}", sync_to_thread=True, guards=[secretary_only], summary="Change settings")
def update_organisation(
    db: Session, identity: Identity, slug: str, data: OrganisationUpdate
) -> OrganisationOut:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    changes = data.model_dump(include=data.model_fields_set)
    service.update_settings(db, organisation, changes=changes, actor=actor_of(user))
    return OrganisationOut.of(organisation)


@get("/{slug:str}/constitution", sync_to_thread=True, guards=[any_role], summary="Constitution")
def get_constitution(db: Session, identity: Identity, slug: str) -> dict[str, Any]:
    organisation, _ = require_role(db, identity, slug, list(Role))
    return organisation.constitution.to_json()


@patch(
    "/{slug:str}/constitution",
    sync_to_thread=True,
    guards=[secretary_only],
    summary="Change constitution settings (only the keys given; unknown keys are refused)",
)
def update_constitution(
    db: Session, identity: Identity, slug: str, data: dict[str, Any]
) -> dict[str, Any]:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    updated = service.update_constitution(db, organisation, changes=data, actor=actor_of(user))
    return updated.to_json()


@get("/{slug:str}/roles", sync_to_thread=True, guards=[secretary_only], summary="Staff roles")
def list_roles(db: Session, identity: Identity, slug: str) -> list[RoleAssignmentOut]:
    organisation, _ = require_role(db, identity, slug, SECRETARY)
    return [
        RoleAssignmentOut.of(assignment, person.user)
        for person in staff.people(db, organisation)
        for assignment in person.assignments
    ]


@post(
    "/{slug:str}/roles",
    sync_to_thread=True,
    guards=[secretary_only],
    summary="Give a role to someone already on this organisation's staff",
)
def assign_role(db: Session, identity: Identity, slug: str, data: RoleAssign) -> RoleAssignmentOut:
    organisation, actor = require_role(db, identity, slug, SECRETARY)
    try:
        user = staff.staff_member(db, organisation, data.user_id)
        assignment = staff.grant_role(
            db, organisation=organisation, user=user, role=data.role, actor=actor
        )
    except AccountError as error:
        raise error.problem() from None
    return RoleAssignmentOut.of(assignment, user)


@delete(
    "/{slug:str}/roles/{assignment_id:int}",
    sync_to_thread=True,
    guards=[secretary_only],
    summary="Remove a role",
)
def revoke_role(db: Session, identity: Identity, slug: str, assignment_id: RowId) -> None:
    organisation, actor = require_role(db, identity, slug, SECRETARY)
    try:
        staff.revoke_role(db, organisation=organisation, assignment_id=assignment_id, actor=actor)
    except AccountError as error:
        raise error.problem() from None


@post(
    "/{slug:str}/invitations",
    sync_to_thread=True,
    guards=[secretary_only],
    summary="Invite someone to a role (their account is made if they have none)",
)
def invite(
    db: Session, identity: Identity, state: State, slug: str, data: InvitationCreate
) -> dict[str, str]:
    organisation, actor = require_role(db, identity, slug, SECRETARY)
    try:
        staff.invite(
            db,
            state["keys"],
            state.settings,
            organisation=organisation,
            inviter=actor,
            email=data.email,
            name=data.name,
            role=data.role,
        )
    except AccountError as error:
        raise error.problem() from None
    return {"status": "invited", "email": data.email.strip().lower()}


def organisation_routes() -> list[Any]:
    api = Router(
        path="/api/orgs",
        route_handlers=[
            list_organisations,
            create_organisation,
            get_organisation,
            update_organisation,
            get_constitution,
            update_constitution,
            list_roles,
            assign_role,
            revoke_role,
            invite,
        ],
        tags=["organisations"],
    )
    return [api, *organisation_pages()]
