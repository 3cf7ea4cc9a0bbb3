"""The secretary's pages for the governor register, the council's requests to the board, and
the annual statement of steps taken to keep the membership representative."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from pydantic import BaseModel
from sqlmodel import Session

from governance.accountability import board_requests, governors, health_data, service
from governance.accountability.access import (
    GOVERNORS,
    SECRETARY,
    Staff,
    governors_only,
    local_day,
    secretary_only,
    staff,
)
from governance.accountability.models import BoardRequest, BoardRequestKind, DeclarationKind
from governance.accountability.schemas import (
    BoardRequestIn,
    BoardResponseIn,
    DeclarationIn,
    GovernorLinkIn,
    StepsIn,
    TrainingIn,
)
from governance.accountability.terms import years_and_months
from governance.accountability.web import Form, back_to, fields, page, page_get, page_post
from governance.auth.middleware import Identity
from governance.errors import Problem
from governance.web.forms import field_errors, parse_form

BASE = "/o/{slug:str}/accountability"
FORMS: dict[str, tuple[type[BaseModel], tuple[str, ...], str]] = {
    "link": (GovernorLinkIn, ("member", "user_email", "lead"), "governor-saved"),
    "training": (TrainingIn, ("member", "course", "completed_on"), "training-saved"),
    "declarations": (
        DeclarationIn,
        ("member", "office", "kind", "content", "declared_on"),
        "declaration-saved",
    ),
}


def _base(who: Staff) -> str:
    return f"/o/{who.organisation.slug}/accountability"


def _register_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    organisation = who.organisation
    constitution = organisation.constitution
    return page(
        "governors.html",
        "Governor register",
        status=status,
        organisation=organisation,
        who=who,
        entries=governors.register(db, organisation, local_day(organisation)),
        cap_years=constitution.governor_term_cap_years,
        prompt_months=constitution.term_end_prompt_months,
        years_and_months=years_and_months,
        kinds=list(DeclarationKind),
        form=context.pop("form", {}),
        which=context.pop("which", ""),
        **context,
    )


@page_get(f"{BASE}/governors", secretary_only)
def register_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _register_page(db, staff(db, identity, slug, SECRETARY), notice=notice)


@page_post(f"{BASE}/governors/{{which:str}}", secretary_only)
def register_action(db: Session, identity: Identity, slug: str, which: str, data: Form) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    if which not in FORMS:
        return Redirect(path=f"{_base(who)}/governors", status_code=303)
    schema, names, notice = FORMS[which]
    form, errors = parse_form(schema, fields(data, *names))
    if form is not None:
        try:
            if isinstance(form, GovernorLinkIn):
                governors.link_account(db, who, form)
            elif isinstance(form, TrainingIn):
                governors.add_training(db, who, form)
            elif isinstance(form, DeclarationIn):
                governors.add_declaration(db, who, form)
        except Problem as error:
            errors = field_errors(error, "member")
        else:
            return back_to(f"{_base(who)}/governors", notice)
    errors = {f"{which}-{field}": message for field, message in errors.items()}
    return _register_page(db, who, status=400, errors=errors, form=dict(data), which=which)


# -- the council's requests to the board ----------------------------------------------------------


def _board_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    return page(
        "board_requests.html",
        "Requests to the board",
        status=status,
        organisation=who.organisation,
        who=who,
        requests=board_requests.board_requests(db, who.organisation),
        kinds=list(BoardRequestKind),
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/board-requests", governors_only)
def board_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _board_page(db, staff(db, identity, slug, GOVERNORS), notice=notice)


@page_post(f"{BASE}/board-requests", governors_only)
def board_log(db: Session, identity: Identity, slug: str, data: Form) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    raw = fields(data, "kind", "subject", "detail", "directors", "requested_on", "meeting_date")
    if not raw.get("meeting_date"):
        raw.pop("meeting_date", None)
    form, errors = parse_form(BoardRequestIn, raw)
    if form is not None:
        try:
            board_requests.log_request(db, who, form)
        except Problem as error:
            errors = field_errors(error, "meeting_date")
        else:
            return back_to(f"{_base(who)}/board-requests", "board-request-logged")
    return _board_page(db, who, status=400, errors=errors, form=dict(data))


@page_post(f"{BASE}/board-requests/{{request_id:int}}/response", governors_only)
def board_respond(db: Session, identity: Identity, slug: str, request_id: int, data: Form) -> Any:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, BoardRequest, who.organisation, request_id)
    form, errors = parse_form(BoardResponseIn, fields(data, "response", "responded_on"))
    if form is not None:
        try:
            board_requests.respond(db, who, found, form)
        except Problem as error:
            errors = field_errors(error, "responded_on")
        else:
            return back_to(f"{_base(who)}/board-requests", "board-response-saved")
    errors = {f"r{request_id}-{field}": message for field, message in errors.items()}
    return _board_page(db, who, status=400, errors=errors, form=dict(data))


# -- the annual statement -----------------------------------------------------------------------


def _statement_page(
    db: Session, who: Staff, year: int, *, status: int = 200, **context: Any
) -> Template:
    if not 2000 <= year <= 2100:
        raise NotFoundException()
    found = health_data.statement(db, who.organisation, year)
    return page(
        "statement.html",
        f"Annual report {year}",
        status=status,
        organisation=who.organisation,
        who=who,
        year=year,
        statement=found,
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/annual-report/{{year:int}}", secretary_only)
def statement_page(
    db: Session, identity: Identity, slug: str, year: int, notice: str = ""
) -> Template:
    return _statement_page(db, staff(db, identity, slug, SECRETARY), year, notice=notice)


@page_post(f"{BASE}/annual-report/{{year:int}}", secretary_only)
def statement_save(db: Session, identity: Identity, slug: str, year: int, data: Form) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    if not 2000 <= year <= 2100:
        raise NotFoundException()
    form, errors = parse_form(StepsIn, fields(data, "representativeness_steps"))
    if form is not None:
        service.save_statement(
            db, who.organisation, year, form.representativeness_steps, actor=who.actor
        )
        return back_to(f"{_base(who)}/annual-report/{year}", "statement-saved")
    return _statement_page(db, who, year, status=400, errors=errors, form=dict(data))


def register_routes() -> list[Any]:
    return [
        register_page, register_action, board_page, board_log, board_respond,
        statement_page, statement_save,
    ]  # fmt: skip
