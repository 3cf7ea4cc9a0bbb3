"""Pages for members requisitioning a general meeting: the open requisitions with their counts,
starting one, and signing one (once each). The secretary sees them on the meetings list."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.errors import Problem
from governance.meetings import requisitions
from governance.meetings.kinds import RequisitionStatus
from governance.meetings.models import Requisition
from governance.meetings.schemas import RequisitionIn
from governance.meetings.staff_web import page
from governance.meetings.views import signed_in_member
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.web.forms import parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
REQUISITIONS = "/o/{slug:str}/requisitions"
ONE = REQUISITIONS + "/{requisition_id:int}"
MEMBERS = [organisation_guard([], members=True)]
NOTICES = {
    "started": "Your requisition is started and carries your signature. Share its page with "
    "other members so they can sign it too.",
    "signed": "Your signature is added.",
}


@get(REQUISITIONS, guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def requisition_list(db: Session, identity: Identity, *, slug: str) -> Template:
    organisation, _ = signed_in_member(db, identity, slug)
    found = [
        (r, requisitions.progress(db, organisation, r))
        for r in requisitions.requisitions_of(db, organisation)
        if r.status != RequisitionStatus.WITHDRAWN
    ]
    return page(
        "requisitions.html",
        "Requisition a general meeting",
        organisation=organisation,
        requisitions=found,
        percent=organisation.constitution.requisition_percent,
    )


def _new_page(organisation: Organisation, *, status: int = 200, **extra: Any) -> Template:
    return page(
        "requisition_new.html",
        "Start a requisition",
        status=status,
        organisation=organisation,
        percent=organisation.constitution.requisition_percent,
        **extra,
    )


@get(f"{REQUISITIONS}/new", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def requisition_new(db: Session, identity: Identity, *, slug: str) -> Template:
    organisation, _ = signed_in_member(db, identity, slug)
    return _new_page(organisation, form={})


@post(f"{REQUISITIONS}/new", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def requisition_start(db: Session, identity: Identity, *, slug: str, data: Form) -> Response[Any]:
    organisation, member = signed_in_member(db, identity, slug)
    purpose = str(data.get("purpose", ""))[:6000]
    parsed, errors = parse_form(RequisitionIn, {"purpose": purpose})
    if parsed is not None:
        try:
            requisition = requisitions.start(db, organisation, member, parsed.purpose)
        except Problem as error:
            errors = {"purpose": error.detail}
        else:
            return Redirect(
                f"/o/{slug}/requisitions/{requisition.id}?notice=started", status_code=303
            )
    return _new_page(organisation, status=400, form={"purpose": purpose}, errors=errors)


def _requisition_page(
    db: Session,
    organisation: Organisation,
    requisition: Requisition,
    member: Member,
    *,
    status: int = 200,
    notice: str = "",
    errors: dict[str, str] | None = None,
) -> Template:
    message = NOTICES.get(notice)
    return page(
        "requisition.html",
        "Requisition for a general meeting",
        status=status,
        organisation=organisation,
        requisition=requisition,
        progress=requisitions.progress(db, organisation, requisition),
        signed=requisitions.has_signed(db, requisition, member),
        meeting=requisitions.answered_by(db, requisition),
        errors=errors or {},
        flash_messages=[{"kind": "success", "text": message}] if message else [],
    )


@get(ONE, guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def requisition_page(
    db: Session, identity: Identity, *, slug: str, requisition_id: int, notice: str = ""
) -> Template:
    organisation, member = signed_in_member(db, identity, slug)
    requisition = requisitions.requisition_of(db, organisation, requisition_id)
    return _requisition_page(db, organisation, requisition, member, notice=notice)


@post(f"{ONE}/sign", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def requisition_sign(
    db: Session, identity: Identity, *, slug: str, requisition_id: int
) -> Response[Any]:
    organisation, member = signed_in_member(db, identity, slug)
    requisition = requisitions.requisition_of(db, organisation, requisition_id)
    try:
        requisitions.sign(db, organisation, requisition, member)
    except Problem as error:
        db.rollback()
        requisition = requisitions.requisition_of(db, organisation, requisition_id)
        return _requisition_page(
            db,
            organisation,
            requisition,
            member,
            status=error.status_code,
            errors={"sign": error.detail},
        )
    return Redirect(f"/o/{slug}/requisitions/{requisition_id}?notice=signed", status_code=303)


def requisition_pages() -> list[Any]:
    return [
        requisition_list,
        requisition_new,
        requisition_start,
        requisition_page,
        requisition_sign,
    ]
