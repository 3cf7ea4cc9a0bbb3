"""Organisation pages: the admin list, each organisation's start page, settings and people."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel import Session, col, select

from governance.auth import staff
from governance.auth.guards import organisation_by_slug, require_role, roles_in
from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.auth.service import AccountError, actor_of
from governance.auth.tenancy import organisation_guard
from governance.auth.web import pending_step, redirect
from governance.errors import Problem
from governance.organisations import service
from governance.organisations.areas import areas_for
from governance.organisations.constitution import RULES_VERSIONS, OrganisationType, Role
from governance.organisations.models import Organisation
from governance.organisations.schemas import (
    InvitationCreate,
    OrganisationCreate,
    RoleAssign,
    SettingsForm,
)
from governance.web.forms import FormData, RowId, field_errors, parse_form, render

SECRETARY = [Role.SECRETARY]
secretary_only = organisation_guard(SECRETARY)

NOTICES = {
    "created": "The organisation has been created. Invite its secretary below.",
    "settings-saved": "The settings have been saved.",
    "constitution-saved": "The constitution settings have been saved.",
    "invited": "The invitation has been sent. Someone who already has an account gets the role "
    "when they accept it.",
    "role-given": "The role has been given.",
    "role-removed": "The role has been removed.",
}


def page(template: str, title: str, *, notice: str = "", **kwargs: Any) -> Template:
    return render(f"organisations/{template}", title, notice=NOTICES.get(notice), **kwargs)


# -- platform administration -------------------------------------------------------------------


def _admin(identity: Identity) -> User | Response[Any]:
    if step := pending_step(identity):
        return redirect(step)
    if identity.user is None or not identity.staff_signed_in:
        return redirect("/sign-in?next=/admin/organisations")
    if not identity.user.is_platform_admin:
        raise NotFoundException()
    return identity.user


def _admin_page(db: Session, *, status: int = 200, **context: Any) -> Template:
    organisations = db.exec(select(Organisation).order_by(col(Organisation.name))).all()
    context.setdefault("form", {"time_zone": "Europe/London"})
    return page(
        "admin.html",
        "Organisations",
        status=status,
        organisations=organisations,
        types=list(OrganisationType),
        **context,
    )


@get("/admin/organisations", include_in_schema=False, sync_to_thread=True)
def admin_page(db: Session, identity: Identity) -> Response[Any]:
    admin = _admin(identity)
    if isinstance(admin, Response):
        return admin
    return _admin_page(db)


@post("/admin/organisations", include_in_schema=False, sync_to_thread=True)
def admin_create(db: Session, identity: Identity, data: FormData) -> Response[Any]:
    admin = _admin(identity)
    if isinstance(admin, Response):
        return admin
    form, errors = parse_form(OrganisationCreate, data)
    if form is not None:
        try:
            organisation = service.create_organisation(
                db,
                slug=form.slug,
                name=form.name,
                type=form.type,
                time_zone=form.time_zone,
                actor=actor_of(admin),
            )
        except Problem as error:
            errors = field_errors(error, "slug")
        else:
            return redirect(f"/o/{organisation.slug}/people?notice=created")
    return _admin_page(db, status=400, errors=errors, form=dict(data))


# -- an organisation's start page (public) ------------------------------------------------------


@get("/o/{slug:str}", include_in_schema=False, sync_to_thread=True)
def start_page(db: Session, identity: Identity, slug: str) -> Template:
    """Public information for anyone; links to the areas a signed-in person may use."""
    organisation = organisation_by_slug(db, slug)
    areas = []
    user = identity.user if identity.staff_signed_in else None
    if user is not None:
        assert organisation.id is not None
        areas = areas_for(
            roles_in(db, user, organisation.id), platform_admin=user.is_platform_admin
        )
    member = identity.member
    if member is not None and member.organisation_id != organisation.id:
        member = None
    return page(
        "start.html", organisation.name, organisation=organisation, areas=areas, member=member
    )


# -- settings and constitution -----------------------------------------------------------------


def _constitution_fields(organisation: Organisation) -> list[dict[str, Any]]:
    values = organisation.constitution.to_json()
    return [
        {
            "name": spec.name,
            "label": spec.name.replace("_", " ").capitalize(),
            "kind": "choice" if spec.name == "rules_version" else str(spec.type),
            "value": values[spec.name],
        }
        for spec in fields(type(organisation.constitution))
    ]


def _settings_page(organisation: Organisation, *, status: int = 200, **context: Any) -> Template:
    return page(
        "settings.html",
        "Settings and constitution",
        status=status,
        organisation=organisation,
        constitution=_constitution_fields(organisation),
        rules_versions=RULES_VERSIONS,
        **context,
    )


@get(
    "/o/{slug:str}/settings", include_in_schema=False, sync_to_thread=True, guards=[secretary_only]
)
def settings_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    organisation, _ = require_role(db, identity, slug, SECRETARY)
    return _settings_page(organisation, notice=notice)


@post(
    "/o/{slug:str}/settings", include_in_schema=False, sync_to_thread=True, guards=[secretary_only]
)
def settings_submit(db: Session, identity: Identity, slug: str, data: FormData) -> Response[Any]:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    form, errors = parse_form(SettingsForm, data)
    if form is not None:
        try:
            service.update_settings(
                db, organisation, changes=form.model_dump(), actor=actor_of(user)
            )
        except Problem as error:
            errors = field_errors(error, "name")
        else:
            return redirect(f"/o/{slug}/settings?notice=settings-saved")
    return _settings_page(organisation, status=400, errors=errors)


def _parse_constitution(
    organisation: Organisation, data: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values from the constitution form (checkboxes absent mean "no")."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields(type(organisation.constitution)):
        raw = str(data.get(spec.name, "")).strip()
        label = spec.name.replace("_", " ").capitalize()
        if spec.type == "bool":
            values[spec.name] = raw == "yes"
        elif spec.type == "int":
            if not raw.isdigit() or len(raw) > 9:
                errors[spec.name] = f"{label} must be a whole number"
            else:
                values[spec.name] = int(raw)
        else:
            values[spec.name] = raw
    return values, errors


@post(
    "/o/{slug:str}/constitution",
    include_in_schema=False,
    sync_to_thread=True,
    guards=[secretary_only],
)
def constitution_submit(
    db: Session, identity: Identity, slug: str, data: FormData
) -> Response[Any]:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    values, errors = _parse_constitution(organisation, data)
    if not errors:
        try:
            service.update_constitution(db, organisation, changes=values, actor=actor_of(user))
        except Problem as error:
            errors = field_errors(error, "rules_version")
        else:
            return redirect(f"/o/{slug}/settings?notice=constitution-saved")
    return _settings_page(organisation, status=400, errors=errors)


# -- people and roles --------------------------------------------------------------------------


def _people_page(
    db: Session, organisation: Organisation, user: User, *, status: int = 200, **context: Any
) -> Template:
    return page(
        "people.html",
        "People and roles",
        status=status,
        organisation=organisation,
        people=staff.people(db, organisation),
        offers=staff.pending_offers(db, organisation),
        roles=[role for role in Role if role is not Role.MEMBER],
        me=user,
        **context,
    )


@get("/o/{slug:str}/people", include_in_schema=False, sync_to_thread=True, guards=[secretary_only])
def people_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    return _people_page(db, organisation, user, notice=notice, invite={})


@post(
    "/o/{slug:str}/people/invite",
    include_in_schema=False,
    sync_to_thread=True,
    guards=[secretary_only],
)
def people_invite(
    db: Session, identity: Identity, state: State, slug: str, data: FormData
) -> Response[Any]:
    organisation, user = require_role(db, identity, slug, SECRETARY)
    form, errors = parse_form(InvitationCreate, data)
    if form is not None:
        try:
            staff.invite(
                db,
                state["keys"],
                state.settings,
                organisation=organisation,
                inviter=user,
                email=form.email,
                name=form.name,
                role=form.role,
            )
        except AccountError as error:
            errors = field_errors(error, "email")
        else:
            return redirect(f"/o/{slug}/people?notice=invited")
    return _people_page(db, organisation, user, status=400, errors=errors, invite=dict(data))


@post(
    "/o/{slug:str}/people/grant",
    include_in_schema=False,
    sync_to_thread=True,
    guards=[secretary_only],
)
def people_grant(db: Session, identity: Identity, slug: str, data: FormData) -> Response[Any]:
    organisation, actor = require_role(db, identity, slug, SECRETARY)
    form, errors = parse_form(RoleAssign, data)
    if form is not None:
        try:
            person = staff.staff_member(db, organisation, form.user_id)
            staff.grant_role(
                db, organisation=organisation, user=person, role=form.role, actor=actor
            )
        except AccountError as error:
            if error.status == 404:
                raise NotFoundException() from None
            errors = {"grant_role": error.message}
        else:
            return redirect(f"/o/{slug}/people?notice=role-given")
    errors = {("grant_role" if key == "role" else key): value for key, value in errors.items()}
    return _people_page(db, organisation, actor, status=400, errors=errors, invite={})


@post(
    "/o/{slug:str}/people/{assignment_id:int}/revoke",
    include_in_schema=False,
    sync_to_thread=True,
    guards=[secretary_only],
)
def people_revoke(
    db: Session, identity: Identity, slug: str, assignment_id: RowId, data: FormData
) -> Response[Any]:
    """Removing a role asks first: the button leads to a page that says what will happen."""
    organisation, actor = require_role(db, identity, slug, SECRETARY)
    if data.get("confirm") != "yes":
        try:
            assignment = staff.assignment_in(db, organisation, assignment_id)
        except AccountError:
            raise NotFoundException() from None
        person = db.get(User, assignment.user_id)
        return page(
            "revoke_confirm.html",
            "Remove a role",
            organisation=organisation,
            assignment=assignment,
            person=person,
            role=assignment.role.replace("_", " "),
            yourself=assignment.user_id == actor.id,
        )
    try:
        staff.revoke_role(db, organisation=organisation, assignment_id=assignment_id, actor=actor)
    except AccountError as error:
        if error.status == 404:
            raise NotFoundException() from None
        return _people_page(
            db, organisation, actor, status=409, errors={"people": error.message}, invite={}
        )
    return redirect(f"/o/{slug}/people?notice=role-removed")


def organisation_pages() -> list[Any]:
    return [
        admin_page,
        admin_create,
        start_page,
        settings_page,
        settings_submit,
        constitution_submit,
        people_page,
        people_invite,
        people_grant,
        people_revoke,
    ]
