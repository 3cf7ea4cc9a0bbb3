"""Members' pages: asking their governors, following their questions, and responding to a
consultation. A member signs in by emailed link; anyone not signed in as a member of this
organisation is sent to sign in."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.accountability import consultations, public, service, update_requests
from governance.accountability.access import local_day
from governance.accountability.models import RequestKind, UpdateRequest
from governance.accountability.schemas import RequestIn, ResponseIn
from governance.accountability.web import Form, back_to, fields, page, page_get, page_post
from governance.auth.guards import organisation_by_slug
from governance.auth.middleware import Identity
from governance.auth.web import client_ip
from governance.db import utcnow
from governance.errors import Problem
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.web.forms import field_errors, parse_form


def _signed_in(db: Session, identity: Identity, slug: str) -> tuple[Organisation, Member | None]:
    organisation = organisation_by_slug(db, slug)
    if identity.member is None or identity.member.organisation_id != organisation.id:
        return organisation, None
    return organisation, db.get(Member, identity.member.id)


def _sign_in(organisation: Organisation) -> Redirect:
    return Redirect(path=f"/o/{organisation.slug}/member-sign-in", status_code=303)


def _ask_page(
    db: Session, organisation: Organisation, member: Member, *, status: int = 200, **context: Any
) -> Template:
    today = local_day(organisation)
    constituency = update_requests.constituency_of(db, member, today) if member.active else None
    return page(
        "ask.html",
        "Ask your governors",
        status=status,
        organisation=organisation,
        constituency=constituency,
        kinds=list(RequestKind),
        working_days=organisation.constitution.update_request_working_days,
        form=context.pop("form", {}),
        **context,
    )


@page_get("/o/{slug:str}/ask")
def ask_page(db: Session, identity: Identity, slug: str) -> Any:
    organisation, member = _signed_in(db, identity, slug)
    if member is None:
        return _sign_in(organisation)
    return _ask_page(db, organisation, member)


@page_post("/o/{slug:str}/ask")
def ask_submit(
    request: Request[Any, Any, Any], db: Session, identity: Identity, state: State, *,
    slug: str, data: Form,
) -> Any:  # fmt: skip
    organisation, member = _signed_in(db, identity, slug)
    if member is None:
        return _sign_in(organisation)
    form, errors = parse_form(RequestIn, fields(data, "kind", "subject", "body", "name_published"))
    status = 400
    if form is not None:
        try:
            update_requests.raise_request(
                db, state["keys"], organisation, member, form,
                ip=client_ip(request), base_url=state.settings.base_url,
            )  # fmt: skip
        except Problem as error:
            if error.status_code == 429:
                raise
            errors = field_errors(error, "subject")
            status = error.status_code
        else:
            return back_to(f"/o/{organisation.slug}/my-requests", "asked")
    return _ask_page(db, organisation, member, status=status, errors=errors, form=dict(data))


@page_get("/o/{slug:str}/my-requests")
def my_requests(db: Session, identity: Identity, slug: str, notice: str = "") -> Any:
    organisation, member = _signed_in(db, identity, slug)
    if member is None:
        return _sign_in(organisation)
    found = update_requests.requests(db, organisation, member_id=member.id)
    return page(
        "my_requests.html",
        "Your questions to the governors",
        organisation=organisation,
        requests=sorted(found, key=lambda r: r.received_at, reverse=True),
        open_statuses=update_requests.OPEN,
        notice=notice,
    )


@page_post("/o/{slug:str}/my-requests/{request_id:int}/withdraw")
def withdraw_request(db: Session, identity: Identity, slug: str, request_id: int) -> Any:
    organisation, member = _signed_in(db, identity, slug)
    if member is None:
        return _sign_in(organisation)
    found = service.owned(db, UpdateRequest, organisation, request_id)
    update_requests.withdraw(db, organisation, member, found)
    return back_to(f"/o/{organisation.slug}/my-requests", "withdrawn")


# -- a consultation: public, with the response form for members consulted -----------------------


def _consultation_page(
    db: Session,
    organisation: Organisation,
    consultation_id: int,
    member: Member | None,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    found = public.consultation_of(db, organisation, consultation_id)
    if found is None:
        raise NotFoundException()
    rows = [
        r
        for r in public.consultation_rows(db, organisation)
        if r["id"] == f"consultation-{found.id}"
    ]
    assert found.id is not None
    responded = member is not None and consultations.has_responded(db, found.id, member.id or 0)
    eligible = member is not None and consultations.may_respond(db, found, member) is not None
    return page(
        "consultation.html",
        found.title,
        status=status,
        organisation=organisation,
        row=rows[0],
        consultation=found,
        open_=consultations.is_open(found, utcnow()),
        viewer=member,
        responded=responded,
        eligible=eligible,
        form=context.pop("form", {}),
        **context,
    )


@page_get("/o/{slug:str}/consultations/{consultation_id:int}")
def consultation_page(
    db: Session, identity: Identity, slug: str, consultation_id: int, notice: str = ""
) -> Template:
    organisation, member = _signed_in(db, identity, slug)
    return _consultation_page(db, organisation, consultation_id, member, notice=notice)


@page_post("/o/{slug:str}/consultations/{consultation_id:int}")
def consultation_respond(
    db: Session, identity: Identity, state: State, *, slug: str, consultation_id: int, data: Form
) -> Any:
    organisation, member = _signed_in(db, identity, slug)
    if member is None:
        return _sign_in(organisation)
    found = public.consultation_of(db, organisation, consultation_id)
    if found is None:
        raise NotFoundException()
    form, errors = parse_form(ResponseIn, fields(data, "body", "publish_text"))
    status = 400
    if form is not None:
        try:
            consultations.respond(db, state["keys"], organisation, found, member=member, data=form)
        except Problem as error:
            if error.status_code == 429:
                raise
            errors = field_errors(error, "body")
            status = error.status_code
        else:
            return back_to(f"/o/{organisation.slug}/consultations/{found.id}", "responded")
    return _consultation_page(
        db, organisation, consultation_id, member, status=status, errors=errors, form=dict(data)
    )


def member_routes() -> list[Any]:
    return [
        ask_page, ask_submit, my_requests, withdraw_request, consultation_page,
        consultation_respond,
    ]  # fmt: skip
