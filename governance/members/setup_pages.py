"""The secretary's pages for constituencies, classes and electoral areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import get, post
from litestar.response import Response, Template
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.errors import Problem
from governance.members import configuration
from governance.members.access import secretary, secretary_only
from governance.members.eligibility import Category, Kind
from governance.members.schemas import AreaIn, ConstituencyIn
from governance.members.web import back_to, blank_to_none, page, register_path
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from governance.web.forms import FormData, field_errors, parse_form


def _setup_page(
    db: Session, organisation: Organisation, *, status: int = 200, **context: Any
) -> Template:
    assert organisation.id is not None
    listing = configuration.listing(db, organisation)
    return page(
        "constituencies.html",
        "Constituencies and areas",
        status=status,
        organisation=organisation,
        constituencies=listing,
        staff=[c for c in listing if c.kind is Kind.STAFF],
        areas=configuration.area_listing(db, organisation.id),
        kinds=sorted(configuration.KINDS_FOR_TYPE[organisation.kind], key=lambda k: k.value),
        categories=list(Category)
        if organisation.kind is OrganisationType.DIRECT_PAYMENTS_MUTUAL
        else [],
        **context,
    )


@get(
    "/o/{slug:str}/register/constituencies",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def setup_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _setup_page(db, organisation, notice=notice, form={})


@post(
    "/o/{slug:str}/register/constituencies",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def add_constituency(db: Session, identity: Identity, slug: str, data: FormData) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    values = blank_to_none(data, ConstituencyIn)
    values["joinable"] = data.get("joinable") == "yes"
    form, errors = parse_form(ConstituencyIn, values)
    if form is not None:
        try:
            configuration.add_constituency(db, organisation, form, actor=actor)
        except Problem as error:
            errors = field_errors(error, "code")
        else:
            return back_to(f"{register_path(organisation)}/constituencies", "constituency-added")
    return _setup_page(db, organisation, status=400, errors=errors, form=data)


@post(
    "/o/{slug:str}/register/constituencies/{code:str}/delete",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def delete_constituency(db: Session, identity: Identity, slug: str, code: str) -> Response[Any]:
    return _remove(
        db,
        identity,
        slug,
        configuration.delete_constituency,
        code,
        field="code",
        notice="constituency-removed",
    )


def _remove(
    db: Session,
    identity: Identity,
    slug: str,
    remove: Callable[..., object],
    code: str,
    *,
    field: str,
    notice: str,
) -> Response[Any]:
    """Remove a constituency or an area; back to the set-up page, or the reason it cannot go."""
    organisation, actor = secretary(db, identity, slug)
    try:
        remove(db, organisation, code, actor=actor)
    except Problem as error:
        return _setup_page(db, organisation, status=409, errors=field_errors(error, field), form={})
    return back_to(f"{register_path(organisation)}/constituencies", notice)


def parse_area_lines(text: str) -> tuple[list[AreaIn], dict[str, str]]:
    """Lines of ``code, name, constituency, postcode prefixes`` (prefixes optional)."""
    items: list[AreaIn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",", 3)]
        if len(parts) < 3:
            return [], {"areas": f"Line {number} needs a code, a name and a constituency code."}
        form, errors = parse_form(
            AreaIn,
            {"code": parts[0], "name": parts[1], "constituency": parts[2],
             "postcode_prefixes": parts[3] if len(parts) > 3 else ""},
        )  # fmt: skip
        if form is None:
            return [], {"areas": f"Line {number}: {next(iter(errors.values()))}."}
        items.append(form)
    if not items:
        return [], {"areas": "Enter at least one area."}
    return items, {}


@post(
    "/o/{slug:str}/register/areas",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def save_areas(db: Session, identity: Identity, slug: str, data: FormData) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    items, errors = parse_area_lines(data.get("areas", ""))
    if not errors:
        try:
            configuration.save_areas(db, organisation, items, actor=actor)
        except Problem as error:
            errors = field_errors(error, "areas")
        else:
            return back_to(f"{register_path(organisation)}/constituencies", "areas-saved")
    return _setup_page(db, organisation, status=400, errors=errors, form=data)


@post(
    "/o/{slug:str}/register/areas/{code:str}/delete",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def delete_area(db: Session, identity: Identity, slug: str, code: str) -> Response[Any]:
    return _remove(
        db, identity, slug, configuration.delete_area, code, field="areas", notice="area-removed"
    )


def setup_pages() -> list[Any]:
    return [setup_page, add_constituency, delete_constituency, save_areas, delete_area]
