"""Pages for the secretary: the list of meetings and requisitions, setting a meeting up, and
each meeting's dashboard with giving notice, cancelling, opening, adjourning and closing. The
dashboard's other forms (agenda and papers, attendance, questions, minutes) are in
``staff_actions.py``.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.response import Template
from sqlmodel import Session

from governance.auth.guards import require_role
from governance.auth.middleware import Identity
from governance.auth.service import actor_of
from governance.errors import Problem
from governance.meetings import conduct, requisitions, service
from governance.meetings.kinds import MeetingKind
from governance.meetings.models import Meeting
from governance.meetings.schemas import AdjournIn, MeetingIn, ReasonIn
from governance.meetings.staff_actions import action_pages
from governance.meetings.staff_web import (
    MANAGE,
    MEETINGS,
    STAFF,
    Form,
    checked,
    dashboard,
    errors_of,
    form_problem,
    local_time,
    manage_path,
    page,
    redirect,
    run_action,
    text_field,
)
from governance.meetings.views import STAFF_ROLES, staff_meeting
from governance.organisations.areas import register_area
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.forms import parse_form

register_area(
    "Meetings",
    "/meetings/manage",
    "Call meetings, publish notices and papers, register attendance, and keep the minutes.",
    [Role.SECRETARY],
)


# -- list and set-up -----------------------------------------------------------------------------


@get(f"{MEETINGS}/manage", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def manage_list(db: Session, identity: Identity, *, slug: str) -> Template:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    found = requisitions.requisitions_of(db, organisation)
    return page(
        "list.html",
        "Meetings",
        organisation=organisation,
        upcoming=service.meetings_of(db, organisation),
        past=[],
        staff=True,
        requisitions=[(r, requisitions.progress(db, organisation, r)) for r in found],
    )


def _meeting_values(
    organisation: Organisation, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    form = {
        name: text_field(data, name, 10_000 if name == "description" else 500)
        for name in (
            "kind",
            "title",
            "description",
            "day",
            "start",
            "end",
            "location",
            "online_url",
            "questions_day",
            "questions_time",
            "requisition_id",
        )
    }
    errors: dict[str, str] = {}
    starts_at = local_time(organisation, form["day"], form["start"])
    if starts_at is None:
        errors["day"] = "Enter the date and start time of the meeting"
    ends_at = local_time(organisation, form["day"], form["end"]) if form["end"] else None
    if form["end"] and ends_at is None:
        errors["end"] = "Enter the end time as hours and minutes, for example 19:30"
    deadline = None
    if form["questions_day"]:
        deadline = local_time(
            organisation, form["questions_day"], form["questions_time"] or "17:00"
        )
        if deadline is None:
            errors["questions_day"] = "Enter the deadline for questions as a date and a time"
    values = {
        "kind": form["kind"],
        "title": form["title"],
        "description": form["description"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": form["location"],
        "online_url": form["online_url"] or None,
        "questions_deadline": deadline,
        "requisition_id": form["requisition_id"] or None,
    }
    return {"form": form, "values": values}, errors


def _new_page(
    db: Session,
    organisation: Organisation,
    form: dict[str, Any],
    *,
    status: int = 200,
    **extra: Any,
) -> Template:
    found = requisitions.requisitions_of(db, organisation)
    return page(
        "new.html",
        "Set up a meeting",
        status=status,
        organisation=organisation,
        form=form,
        kinds=list(MeetingKind),
        requisitions=[r for r in found if r.status == "reached"],
        **extra,
    )


@get(f"{MEETINGS}/new", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def new_page(db: Session, identity: Identity, *, slug: str, requisition_id: str = "") -> Template:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    kind = "coop_general" if requisition_id else ""
    return _new_page(db, organisation, {"requisition_id": requisition_id, "kind": kind})


@post(f"{MEETINGS}/new", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def new_submit(db: Session, identity: Identity, *, slug: str, data: Form) -> Response[Any]:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    shaped, errors = _meeting_values(organisation, data)
    parsed = None
    if not errors:
        parsed, errors = parse_form(MeetingIn, shaped["values"])
        errors = {
            {"starts_at": "day", "questions_deadline": "questions_day"}.get(k, k): v
            for k, v in errors.items()
        }
    if parsed is not None:
        try:
            meeting = service.create_meeting(db, organisation, parsed, actor=actor_of(user))
        except Problem as error:
            errors = {
                {"starts_at": "day", "ends_at": "end", "questions_deadline": "questions_day"}.get(
                    k, k
                ): v
                for k, v in errors_of(error, "title").items()
            }
        else:
            return redirect(f"/o/{slug}/meetings/{meeting.id}/manage?notice=created")
    return _new_page(db, organisation, shaped["form"], status=400, errors=errors)


@get(MANAGE, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def manage_page(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: int, notice: str = ""
) -> Template:
    organisation, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    if conduct.adjourn_if_inquorate(db, organisation, meeting, base_url=state.settings.base_url):
        notice = "adjourned"
    return dashboard(db, organisation, meeting, notice=notice)


@post(manage_path("notice"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def call_submit(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    reason = text_field(data, "late_notice_reason", 1000) or None

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        service.call_meeting(
            db, organisation, meeting, reason=reason, actor=actor, base_url=state.settings.base_url
        )
        return "called"

    return run_action(
        db,
        identity,
        slug,
        meeting_id,
        act,
        field="late_notice_reason",
        form={"late_notice_reason": reason or ""},
    )


@post(manage_path("cancel"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def cancel_submit(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        parsed = checked(
            ReasonIn, {"reason": text_field(data, "cancel_reason", 500)}, "cancel_reason"
        )
        service.cancel_meeting(
            db,
            organisation,
            meeting,
            reason=parsed.reason,
            actor=actor,
            base_url=state.settings.base_url,
        )
        return "cancelled"

    return run_action(db, identity, slug, meeting_id, act, field="cancel_reason")


@post(manage_path("open"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def open_submit(db: Session, identity: Identity, *, slug: str, meeting_id: int) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        conduct.open_meeting(db, organisation, meeting, actor=actor)
        return "opened"

    return run_action(db, identity, slug, meeting_id, act, field="conduct")


@post(manage_path("close"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def close_submit(db: Session, identity: Identity, *, slug: str, meeting_id: int) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        conduct.close_meeting(db, organisation, meeting, actor=actor)
        return "closed"

    return run_action(db, identity, slug, meeting_id, act, field="conduct")


@post(manage_path("adjourn"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def adjourn_submit(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        day, clock = text_field(data, "resume_day"), text_field(data, "resume_time")
        starts_at = local_time(organisation, day, clock or "00:00") if day else None
        if day and starts_at is None:
            raise form_problem("resume_day", "Enter the date the meeting resumes")
        values = {"reason": text_field(data, "adjourn_reason", 500), "starts_at": starts_at}
        parsed = checked(AdjournIn, values, "adjourn_reason")
        conduct.adjourn_meeting(
            db,
            organisation,
            meeting,
            reason=parsed.reason,
            actor=actor,
            base_url=state.settings.base_url,
            starts_at=parsed.starts_at,
        )
        return "adjourned"

    return run_action(db, identity, slug, meeting_id, act, field="adjourn_reason")


def staff_pages() -> list[Any]:
    return [
        manage_list,
        new_page,
        new_submit,
        manage_page,
        call_submit,
        cancel_submit,
        open_submit,
        close_submit,
        adjourn_submit,
        *action_pages(),
    ]
