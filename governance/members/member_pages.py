"""Pages for people rather than staff: joining, a member's own record, the public register
and the public membership figures. None needs an account except a member's own pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Response, Template
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug
from governance.auth.middleware import Identity
from governance.auth.ratelimit import enforce
from governance.auth.web import client_ip
from governance.errors import Problem
from governance.members import configuration, privacy, queries, service
from governance.members.access import JOIN_PER_IP, member_actor, today_in
from governance.members.eligibility import STAFF_KINDS, Refusal
from governance.members.file_pages import representativeness_context
from governance.members.join_flow import (
    NONE_OF_THESE,
    STATE_FIELDS,
    STEP_FIELDS,
    Context,
    next_step,
    read_step,
    refusal,
)
from governance.members.models import EndReason, Member
from governance.members.schemas import JoinIn, MemberUpdate
from governance.organisations.models import Organisation
from governance.web.forms import FormData, field_errors, render

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
QUESTIONS = {
    "age": "What is your date of birth?",
    "work": "Do you work for {name}?",
    "home": "What is your postcode?",
    "area": "Which area do you live in?",
    "patient": "Have you been a patient or a carer at {name}?",
    "class": "Which kind of member are you joining as?",
    "details": "Your name and contact details",
    "contact": "How may we contact you?",
    "check": "Check your answers",
}
NOTICES = {
    "saved": "Your details have been saved.",
    "left": "You are no longer a member. Thank you for your support.",
}


def _page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    notice = NOTICES.get(context.pop("notice", "") or "")
    return render(f"members/{template}", title, status=status, notice=notice, **context)


# -- joining ------------------------------------------------------------------------------------


def _context(db: Session, organisation: Organisation) -> Context:
    return Context(
        organisation.kind,
        configuration.shape(db, organisation),
        organisation.constitution,
        today_in(organisation),
    )


def _join_page(
    organisation: Organisation,
    context: Context,
    step: str,
    answers: dict[str, str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Template:
    question = QUESTIONS[step].format(name=organisation.name)
    carried = {k: v for k, v in answers.items() if k in STATE_FIELDS and k not in STEP_FIELDS[step]}
    classes = context.shape.joinable_classes()
    return _page(
        "join.html",
        question,
        status=status,
        organisation=organisation,
        step=step,
        question=question,
        answers=answers,
        carried=carried,
        form=form or {},
        errors=errors or {},
        areas=sorted(context.shape.areas, key=lambda a: a.name),
        classes=classes,
        none_of_these=NONE_OF_THESE,
        patient_years=context.constitution.patient_period_years,
        area_name=_area_name(context, answers.get("area_code", "")),
        class_name=_class_name(context, answers.get("member_class", "")),
    )


def _area_name(context: Context, code: str) -> str:
    area = context.shape.area(code) if code and code != NONE_OF_THESE else None
    return area.name if area else ""


def _class_name(context: Context, code: str) -> str:
    found = context.shape.constituency(code) if code else None
    return found.name if found else ""


@get("/o/{slug:str}/join", sync_to_thread=True, include_in_schema=False)
def join_start(db: Session, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    return _join_page(organisation, _context(db, organisation), "age", {})


@post("/o/{slug:str}/join", sync_to_thread=True, include_in_schema=False)
def join_step(
    request: Request[Any, Any, Any], db: Session, state: State, slug: str, data: FormData
) -> Template:
    organisation = organisation_by_slug(db, slug)
    context = _context(db, organisation)
    step = data.get("step", "age")
    if step not in context.steps:
        step = "age"
    answers = {k: str(data.get(k, "")) for k in STATE_FIELDS if data.get(k)}
    errors = read_step(step, data, answers, context)
    if errors:
        return _join_page(
            organisation, context, step, answers, status=400, errors=errors, form=data
        )
    refused = refusal(step, answers, context)
    if refused is not None:
        return _refused(organisation, refused)
    if step != "check":
        return _join_page(organisation, context, next_step(step, answers, context), answers)
    enforce(db, state["keys"], JOIN_PER_IP, client_ip(request), detail={"slug": slug})
    return _submit(db, state, organisation, context, answers)


def _refused(organisation: Organisation, refused: Refusal) -> Template:
    return _page(
        "join_refused.html",
        "You cannot join",
        organisation=organisation,
        reason=refused.message,
    )


def _submit(
    db: Session,
    state: State,
    organisation: Organisation,
    context: Context,
    answers: dict[str, str],
) -> Template:
    values: dict[str, Any] = {
        name: answers.get(name) or None
        for name in ("first_name", "last_name", "email", "postcode", "address_line1",
                     "address_line2", "town", "phone", "member_class")
    }  # fmt: skip
    area = answers.get("area_code", "")
    values["area_code"] = area if area and area != NONE_OF_THESE else None
    for flag in ("works_for_organisation", "patient_or_carer", "contact_email", "contact_post",
                 "contact_sms", "hide_from_public_register", "consent"):  # fmt: skip
        values[flag] = answers.get(flag) == "yes"
    values["date_of_birth"] = answers.get("date_of_birth")
    try:
        data = JoinIn(**values)
        outcome = service.join(
            db, organisation, data, actor="anonymous", base_url=state.settings.base_url,
            today=context.today,
        )  # fmt: skip
    except (Problem, ValueError) as error:
        errors = field_errors(error, "email")
        return _join_page(organisation, context, "check", answers, status=400, errors=errors)
    if isinstance(outcome, Refusal):
        return _refused(organisation, outcome)
    return _page(
        "join_done.html",
        "Application received",
        organisation=organisation,
        email=values["email"],
    )


# -- a member's own record ----------------------------------------------------------------------


def _signed_in(db: Session, identity: Identity, slug: str) -> tuple[Organisation, Member] | None:
    organisation = organisation_by_slug(db, slug)
    if identity.member is None or identity.member.organisation_id != organisation.id:
        return None
    member = db.get(Member, identity.member.id)
    return (organisation, member) if member is not None else None


def _sign_in(slug: str) -> Redirect:
    return Redirect(path=f"/o/{slug}/member-sign-in", status_code=303)


def _me_page(
    db: Session, organisation: Organisation, member: Member, *, status: int = 200, **context: Any
) -> Template:
    today = today_in(organisation)
    (current,) = queries.current_constituencies(db, [member], today)
    return _page(
        "me.html",
        "Your membership",
        status=status,
        organisation=organisation,
        person=member,
        record=queries.member_out(db, member, today),
        current=current,
        pending=queries.pending_move(db, member, today),
        staff=current is not None and current.kind in STAFF_KINDS,
        areas=configuration.areas(db, organisation.id or 0),
        form=context.pop("form", {}),
        **context,
    )


@get("/o/{slug:str}/me", sync_to_thread=True, include_in_schema=False)
def me_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Response[Any]:
    found = _signed_in(db, identity, slug)
    if found is None:
        return _sign_in(slug)
    organisation, member = found
    return _me_page(db, organisation, member, notice=notice)


@post("/o/{slug:str}/me/{action:str}", sync_to_thread=True, include_in_schema=False)
def me_action(
    db: Session, identity: Identity, slug: str, action: str, data: FormData
) -> Response[Any]:
    found = _signed_in(db, identity, slug)
    if found is None:
        return _sign_in(slug)
    organisation, member = found
    today = today_in(organisation)
    actor = member_actor(member)
    try:
        if action == "details":
            values: dict[str, Any] = {
                name: data.get(name, "")
                for name in (
                    "first_name", "last_name", "email", "address_line1", "address_line2",
                    "town", "postcode", "phone",
                )
            }  # fmt: skip
            area = data.get("area_code")
            values["area_code"] = None if area in {None, "", NONE_OF_THESE} else area
            for flag in (
                "contact_email",
                "contact_post",
                "contact_sms",
                "hide_from_public_register",
            ):
                values[flag] = data.get(flag) == "yes"
            changes = MemberUpdate(**values)
            note = service.update_details(
                db, organisation, member, changes, actor=actor, today=today, by_member=True
            )
            if note:
                return _me_page(
                    db, organisation, member, flash_messages=[{"kind": "info", "text": note}]
                )
            return Redirect(path=f"/o/{slug}/me?notice=saved", status_code=303)
        if action == "leave":
            if data.get("confirm") != "yes":
                raise Problem(
                    422, "confirm-needed", "Tick the box to confirm that you want to leave."
                )
            (current,) = queries.current_constituencies(db, [member], today)
            reason = (
                EndReason.OPTED_OUT
                if current is not None and current.kind in STAFF_KINDS
                else EndReason.RESIGNED
            )
            service.leave(
                db, organisation, member, reason, on=today, note=None, actor=actor, today=today
            )
            return Redirect(path=f"/o/{slug}/me?notice=left", status_code=303)
        if action == "erase":
            if data.get("confirm") != "yes":
                raise Problem(422, "confirm-needed", "Tick the box to confirm the erasure.")
            privacy.erase(db, organisation, member, actor=actor, today=today)
            return _page("erased.html", "Your details have been erased", organisation=organisation)
    except (Problem, ValueError) as error:
        db.rollback()
        fresh = db.get(Member, member.id, populate_existing=True) or member
        return _me_page(
            db, organisation, fresh, status=400, errors=field_errors(error, action), form=data
        )
    return Redirect(path=f"/o/{slug}/me", status_code=303)


@get("/o/{slug:str}/me/data.json", sync_to_thread=True, include_in_schema=False)
def me_data(db: Session, identity: Identity, slug: str) -> Response[Any]:
    found = _signed_in(db, identity, slug)
    if found is None:
        return _sign_in(slug)
    organisation, member = found
    return Response(
        privacy.data_about(db, organisation, member),
        headers={"Content-Disposition": f'attachment; filename="{slug}-my-data.json"'},
    )


# -- public pages -------------------------------------------------------------------------------


@get("/o/{slug:str}/public-register", sync_to_thread=True, include_in_schema=False)
def public_register_page(db: Session, slug: str, letter: str = "", offset: int = 0) -> Template:
    organisation = organisation_by_slug(db, slug)
    letter = letter.upper()[:1] if letter[:1].isalpha() else ""
    entries = queries.public_register(
        db, organisation.id or 0, letter=letter, offset=max(offset, 0), today=today_in(organisation)
    )
    return _page(
        "public_register.html",
        "Register of members",
        organisation=organisation,
        entries=entries,
        letter=letter,
        letters=LETTERS,
        offset=max(offset, 0),
        page_size=queries.PAGE,
    )


@get("/o/{slug:str}/membership", sync_to_thread=True, include_in_schema=False)
def membership_page(db: Session, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    return _page(
        "membership.html",
        "Our membership",
        organisation=organisation,
        counts=queries.public_counts(db, organisation, today_in(organisation)),
        **representativeness_context(db, organisation, public=True),
    )


def member_page_routes() -> list[Any]:
    return [
        join_start,
        join_step,
        me_page,
        me_action,
        me_data,
        public_register_page,
        membership_page,
    ]
