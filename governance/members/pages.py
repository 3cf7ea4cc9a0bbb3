"""The secretary's register pages: counts and search, a member's record, adding a member.
Every handler is guarded (secretary of this organisation, else 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.response import Response, Template
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.errors import Problem
from governance.members import configuration, privacy, queries, search, service, suitable
from governance.members.access import member_of, secretary, secretary_only, today_in
from governance.members.eligibility import Refusal
from governance.members.file_pages import file_pages
from governance.members.models import EndReason, MemberStatus
from governance.members.schemas import LeaveIn, MemberCreate, MemberUpdate, MoveIn, SuitablePersonIn
from governance.members.setup_pages import setup_pages
from governance.members.web import back_to, blank_to_none, page, register_path
from governance.organisations.areas import register_area
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.web.forms import FormData, field_errors, parse_form

register_area(
    "Register of members",
    "/register",
    "Search and keep the register: constituencies, joining, imports, exports and "
    "representativeness.",
    [Role.SECRETARY],
)


# -- the register: counts and search -----------------------------------------------------------


@get(
    "/o/{slug:str}/register", guards=[secretary_only], sync_to_thread=True, include_in_schema=False
)
def register_page(
    db: Session,
    identity: Identity,
    slug: str,
    *,
    q: str = "",
    constituency: str = "",
    status: str = "active",
    offset: int = 0,
    notice: str = "",
) -> Template:
    organisation, _ = secretary(db, identity, slug)
    today = today_in(organisation)
    counts = queries.counts(db, organisation, today)
    constituencies = configuration.constituencies(db, organisation.id or 0)
    minimum = organisation.constitution.minimum_members_per_constituency
    errors: dict[str, str] = {}
    found: list[queries.Found] = []
    try:
        found = search.search(
            db,
            organisation.id or 0,
            q,
            constituency=constituency or None,
            status=status or None,
            offset=max(offset, 0),
            today=today,
        )
    except Problem as error:
        errors = field_errors(error, "constituency")
    return page(
        "register.html",
        "Register of members",
        organisation=organisation,
        constituencies=constituencies,
        counts=counts,
        minimum=minimum,
        found=found,
        q=q,
        constituency=constituency,
        status_filter=status,
        statuses=list(MemberStatus),
        offset=max(offset, 0),
        page_size=queries.PAGE,
        errors=errors,
        notice=notice,
    )


# -- one member ---------------------------------------------------------------------------------


def _member_page(
    db: Session, organisation: Organisation, reference: str, *, status: int = 200, **context: Any
) -> Template:
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    record = queries.member_out(db, member, today)
    return page(
        "member.html",
        f"Member {member.reference}",
        status=status,
        organisation=organisation,
        person=member,
        record=record,
        pending=queries.pending_move(db, member, today),
        areas=configuration.areas(db, organisation.id or 0),
        constituencies=configuration.constituencies(db, organisation.id or 0),
        reasons=[r for r in EndReason if r not in {EndReason.MOVED, EndReason.ERASED}],
        mutual=organisation.kind is OrganisationType.DIRECT_PAYMENTS_MUTUAL,
        today=today,
        **context,
    )


@get(
    "/o/{slug:str}/register/members/{reference:str}",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def member_page(
    db: Session, identity: Identity, slug: str, reference: str, notice: str = ""
) -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _member_page(db, organisation, reference, notice=notice)


def _member_action(
    db: Session,
    identity: Identity,
    slug: str,
    reference: str,
    *,
    action: str,
    data: dict[str, str],
) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    path = f"{register_path(organisation)}/members/{reference}"
    schema: Any = {
        "details": MemberUpdate,
        "leave": LeaveIn,
        "move": MoveIn,
        "person": SuitablePersonIn,
    }.get(action)
    form, errors = parse_form(schema, blank_to_none(data, schema)) if schema else (None, {})
    if not errors:
        try:
            notice = _perform(
                db, organisation, member, action=action, form=form, data=data, actor=actor,
                today=today,
            )  # fmt: skip
        except Problem as error:
            errors = field_errors(error, action)
        else:
            return back_to(path, notice)
    if action != "details":
        # The smaller forms show one message, beside the form's heading (its id is the action).
        anchor = "person" if action == "end-person" else action
        errors = {anchor: "; ".join(errors.values())}
    return _member_page(db, organisation, reference, status=400, errors=errors, form=data)


def _perform(
    db: Session,
    organisation: Organisation,
    member: Any,
    *,
    action: str,
    form: Any,
    data: dict[str, str],
    actor: str,
    today: date,
) -> str:
    if action == "details":
        changes = MemberUpdate(**{k: v for k, v in form.model_dump().items() if k in data})
        for flag in ("contact_email", "contact_post", "contact_sms", "hide_from_public_register"):
            setattr(changes, flag, data.get(flag) == "yes")
        service.update_details(
            db, organisation, member, changes, actor=actor, today=today, by_member=False
        )
        return "saved"
    if action == "leave":
        service.leave(
            db, organisation, member, EndReason(form.reason), on=form.on or today,
            note=form.note, actor=actor, today=today,
        )  # fmt: skip
        return "left"
    if action == "move":
        service.move_member(
            db, organisation, member, form.constituency, on=form.on or today, actor=actor,
            today=today,
        )  # fmt: skip
        return "moved"
    if action == "reinstate":
        service.reinstate(
            db, organisation, member, constituency_code=data.get("constituency") or None,
            on=today, actor=actor,
        )  # fmt: skip
        return "reinstated"
    if action == "erase":
        if data.get("confirm") != "yes":
            raise Problem(422, "confirm-needed", "Tick the box to confirm the erasure.")
        privacy.erase(db, organisation, member, actor=actor, today=today)
        return "erased"
    if action == "person":
        suitable.add_suitable_person(db, organisation, member, form, actor=actor, today=today)
        return "person-added"
    if action == "end-person":
        suitable.end_suitable_person(
            db, organisation, member, int(data.get("person_id", "0") or 0), actor=actor, today=today
        )
        return "person-ended"
    raise Problem(404, "not-found", "There is no such action.")


@post(
    "/o/{slug:str}/register/members/{reference:str}/{action:str}",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def member_action(
    db: Session, identity: Identity, slug: str, reference: str, *, action: str, data: FormData
) -> Response[Any]:
    return _member_action(db, identity, slug, reference, action=action, data=data)


# -- adding a member ----------------------------------------------------------------------------


@get(
    "/o/{slug:str}/register/add",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def add_page(db: Session, identity: Identity, slug: str) -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _add_page(db, organisation, form={})


def _add_page(
    db: Session, organisation: Organisation, *, status: int = 200, **context: Any
) -> Template:
    return page(
        "add.html",
        "Add a member",
        status=status,
        organisation=organisation,
        constituencies=configuration.constituencies(db, organisation.id or 0),
        areas=configuration.areas(db, organisation.id or 0),
        **context,
    )


@post(
    "/o/{slug:str}/register/add",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def add_submit(
    db: Session, identity: Identity, state: State, slug: str, data: FormData
) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    values = blank_to_none(data, MemberCreate)
    for flag in ("contact_email", "contact_post", "contact_sms", "hide_from_public_register"):
        values[flag] = data.get(flag) == "yes"
    values["consent"] = True
    form, errors = parse_form(MemberCreate, values)
    if form is not None:
        try:
            outcome = service.join(
                db, organisation, form, actor=actor, base_url=state.settings.base_url,
                today=today_in(organisation), self_service=False,
            )  # fmt: skip
        except Problem as error:
            errors = field_errors(error, "email")
        else:
            if isinstance(outcome, Refusal):
                errors = {"constituency": outcome.message}
            elif outcome is not None:
                return back_to(
                    f"{register_path(organisation)}/members/{outcome.reference}", "added"
                )
    return _add_page(db, organisation, status=400, errors=errors, form=data)


def register_pages() -> list[Any]:
    return [
        register_page, member_page, member_action, add_page, add_submit, *setup_pages(),
        *file_pages(),
    ]  # fmt: skip
