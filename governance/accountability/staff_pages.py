"""Governors' pages: the accountability start page, consultations, members' requests and the
reports back to constituencies. Directors (and the secretary) record the board's regard."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.accountability import consultations, people, reports, service, update_requests
from governance.accountability.access import (
    BOARD,
    GOVERNORS,
    STAFF,
    Staff,
    board_only,
    governors_only,
    local_day,
    staff,
    staff_only,
)
from governance.accountability.deadlines import is_overdue
from governance.accountability.governors import register
from governance.accountability.models import Consultation, UpdateRequest
from governance.accountability.notice import NoticeStatus
from governance.accountability.schemas import (
    AnswerIn,
    AssignIn,
    ConsultationIn,
    ReportIn,
    StatementIn,
)
from governance.accountability.web import (
    Form,
    back_to,
    fields,
    page,
    page_get,
    page_post,
    value,
    values,
)
from governance.auth.middleware import Identity
from governance.db import utcnow
from governance.errors import Problem
from governance.members import configuration
from governance.members.models import Member
from governance.organisations.areas import register_area
from governance.organisations.constitution import Role
from governance.web.forms import field_errors, parse_form

BASE = "/o/{slug:str}/accountability"

register_area(
    "Accountability",
    "/accountability",
    "Forward plans, key decisions, consultations, members' questions, the governor register "
    "and the democratic health report.",
    [Role.SECRETARY, Role.GOVERNOR, Role.DIRECTOR],
)


def _base(who: Staff) -> str:
    return f"/o/{who.organisation.slug}/accountability"


@page_get(BASE, staff_only)
def dashboard(db: Session, identity: Identity, slug: str) -> Template:
    who = staff(db, identity, slug, STAFF)
    organisation = who.organisation
    today = local_day(organisation)
    open_requests = update_requests.requests(db, organisation, statuses=update_requests.OPEN)
    decisions = [
        (d, service.assessment(organisation, d, today))
        for d in service.decisions(db, organisation, statuses=("draft", "published"))
    ]
    return page(
        "dashboard.html",
        "Accountability",
        organisation=organisation,
        who=who,
        overdue=[r for r in open_requests if is_overdue(r.due_on, today)],
        open_requests=open_requests,
        attention=[
            (d, a) for d, a in decisions if a.status in (NoticeStatus.MISSING, NoticeStatus.LATE)
        ],
        due=[(d, a) for d, a in decisions if a.status is NoticeStatus.DUE],
        terms=[e for e in register(db, organisation, today) if e.prompt],
        missed=[s for s in reports.schedule(db, organisation, today) if s.missed],
        year=today.year,
    )


# -- consultations ------------------------------------------------------------------------------


def _consultations_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    organisation = who.organisation
    return page(
        "consultations.html",
        "Consultations",
        status=status,
        organisation=organisation,
        who=who,
        consultations=consultations.consultations(db, organisation),
        shown_status=consultations.shown_status,
        now=utcnow(),
        constituencies=configuration.constituencies(db, organisation.id or 0),
        decisions=service.decisions(db, organisation, statuses=("published",)),
        can_open=bool(who.roles & set(GOVERNORS)),
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/consultations", staff_only)
def consultations_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _consultations_page(db, staff(db, identity, slug, STAFF), notice=notice)


@page_post(f"{BASE}/consultations", governors_only)
def consultations_open(db: Session, identity: Identity, slug: str, data: Form) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    raw: dict[str, Any] = fields(data, "title", "question", "closes_on", "decision_id")
    if not raw.get("decision_id"):
        raw.pop("decision_id", None)
    raw["constituencies"] = values(data, "constituencies")
    form, errors = parse_form(ConsultationIn, raw)
    if form is not None:
        try:
            found = consultations.open_consultation(db, who, form)
        except Problem as error:
            errors = field_errors(error, "constituencies")
        else:
            return back_to(f"{_base(who)}/consultations/{found.id}", "consultation-opened")
    return _consultations_page(db, who, status=400, errors=errors, form=dict(data))


def _consultation_page(
    db: Session, who: Staff, consultation: Consultation, *, status: int = 200, **context: Any
) -> Template:
    assert consultation.id is not None
    organisation = who.organisation
    counts = consultations.response_counts(db, consultation.id)
    names = {c.id: c.name for c in configuration.constituencies(db, organisation.id or 0)}
    return page(
        "consultation_staff.html",
        consultation.title,
        status=status,
        organisation=organisation,
        who=who,
        consultation=consultation,
        state=consultations.shown_status(consultation, utcnow()),
        asked=[names.get(i, "") for i in consultations.constituency_ids(db, consultation.id)],
        counts=[(names.get(i, ""), n) for i, n in sorted(counts.items())],
        responses=consultations.responses(db, consultation.id),
        can_view=bool(who.roles & set(GOVERNORS)),
        can_regard=bool(who.roles & set(BOARD)),
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/consultations/{{consultation_id:int}}", staff_only)
def consultation_page(
    db: Session, identity: Identity, slug: str, consultation_id: int, notice: str = ""
) -> Template:
    who = staff(db, identity, slug, STAFF)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return _consultation_page(db, who, found, notice=notice)


def _statement(db: Session, who: Staff, found: Consultation, data: Form, field: str) -> Any:
    """Record the council's view or the board's regard from the form's ``field``."""
    form, errors = parse_form(StatementIn, {"text": value(data, field)})
    if form is not None:
        try:
            if field == "council_view":
                consultations.record_council_view(db, who, found, form)
            else:
                consultations.record_board_regard(db, who, found, form)
        except Problem as error:
            errors = field_errors(error, field)
        else:
            notice = "view-recorded" if field == "council_view" else "regard-recorded"
            return back_to(f"{_base(who)}/consultations/{found.id}", notice)
    errors = {field: next(iter(errors.values()))} if errors else {}
    return _consultation_page(db, who, found, status=400, errors=errors, form=dict(data))


@page_post(f"{BASE}/consultations/{{consultation_id:int}}/council-view", governors_only)
def consultation_view(
    db: Session, identity: Identity, slug: str, consultation_id: int, data: Form
) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return _statement(db, who, found, data, "council_view")


@page_post(f"{BASE}/consultations/{{consultation_id:int}}/board-regard", board_only)
def consultation_regard(
    db: Session, identity: Identity, slug: str, consultation_id: int, data: Form
) -> Any:
    who = staff(db, identity, slug, BOARD)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return _statement(db, who, found, data, "board_regard")


# -- members' requests ----------------------------------------------------------------------------


@page_get(f"{BASE}/requests", governors_only)
def requests_page(
    db: Session, identity: Identity, slug: str, show: str = "open", notice: str = ""
) -> Template:
    who = staff(db, identity, slug, GOVERNORS)
    organisation = who.organisation
    statuses = update_requests.OPEN if show != "all" else ()
    found = update_requests.requests(db, organisation, statuses=statuses)
    names = {c.id: c.name for c in configuration.constituencies(db, organisation.id or 0)}
    return page(
        "requests.html",
        "Members' questions",
        organisation=organisation,
        who=who,
        requests=found,
        names=names,
        today=local_day(organisation),
        show=show,
        notice=notice,
    )


def _request_page(
    db: Session, who: Staff, request: UpdateRequest, *, status: int = 200, **context: Any
) -> Template:
    organisation = who.organisation
    today = local_day(organisation)
    member = db.get(Member, request.member_id)
    constituency = next(
        (c for c in configuration.constituencies(db, organisation.id or 0)
         if c.id == request.constituency_id),
        None,
    )  # fmt: skip
    governors = people.governor_users(db, organisation.id or 0, today, request.constituency_id)
    return page(
        "request_staff.html",
        request.subject,
        status=status,
        organisation=organisation,
        who=who,
        item=request,
        asker=member,
        constituency=constituency,
        governors=governors,
        overdue=is_overdue(request.due_on, today, request.answered_on),
        may_answer=update_requests.may_answer(db, who, request),
        open_=request.status in update_requests.OPEN,
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/requests/{{request_id:int}}", governors_only)
def request_page(
    db: Session, identity: Identity, slug: str, request_id: int, notice: str = ""
) -> Template:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, UpdateRequest, who.organisation, request_id)
    return _request_page(db, who, found, notice=notice)


@page_post(f"{BASE}/requests/{{request_id:int}}/{{action:str}}", governors_only)
def request_action(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    request_id: int,
    action: str,
    data: Form,
) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, UpdateRequest, who.organisation, request_id)
    here = f"{_base(who)}/requests/{found.id}"
    errors: dict[str, str] = {}
    try:
        if action == "assign":
            assign, errors = parse_form(AssignIn, fields(data, "user_id"))
            if assign is not None:
                update_requests.assign(db, who, found, assign.user_id)
                return back_to(here, "assigned")
        elif action == "answer":
            raw = fields(data, "answer", "withheld_reason")
            raw["publish"] = "no" if value(data, "withhold") else "yes"
            answer, errors = parse_form(AnswerIn, raw)
            if answer is not None:
                update_requests.answer(db, who, found, answer, base_url=state.settings.base_url)
                return back_to(here, "answered")
        else:
            return Redirect(path=here, status_code=303)
    except Problem as error:
        errors = field_errors(error, "answer" if action == "answer" else "user_id")
    return _request_page(db, who, found, status=400, errors=errors, form=dict(data))


# -- reports to constituencies --------------------------------------------------------------------


def _reports_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    organisation = who.organisation
    names = {c.id: c.name for c in configuration.constituencies(db, organisation.id or 0)}
    return page(
        "reports.html",
        "Reports to constituencies",
        status=status,
        organisation=organisation,
        who=who,
        schedule=reports.schedule(db, organisation, local_day(organisation)),
        reports=reports.reports(db, organisation),
        names=names,
        constituencies=configuration.constituencies(db, organisation.id or 0),
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/reports", governors_only)
def reports_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _reports_page(db, staff(db, identity, slug, GOVERNORS), notice=notice)


@page_post(f"{BASE}/reports", governors_only)
def reports_publish(db: Session, identity: Identity, slug: str, data: Form) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    raw = fields(data, "title", "body", "constituency")
    if not raw.get("constituency"):
        raw.pop("constituency", None)
    form, errors = parse_form(ReportIn, raw)
    if form is not None:
        try:
            reports.publish_report(db, who, form)
        except Problem as error:
            errors = field_errors(error, "constituency")
        else:
            return back_to(f"{_base(who)}/reports", "report-published")
    return _reports_page(db, who, status=400, errors=errors, form=dict(data))


def governor_routes() -> list[Any]:
    return [
        dashboard, consultations_page, consultations_open, consultation_page,
        consultation_view, consultation_regard, requests_page, request_page, request_action,
        reports_page, reports_publish,
    ]  # fmt: skip
