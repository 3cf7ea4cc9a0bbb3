"""The register API under ``/api/orgs/{slug}``: thin handlers over the services.

This module holds constituencies, areas and members (for the secretary) and assembles the
router with the file routes and the public routes."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Router, delete, get, patch, post, put
from litestar.datastructures import State
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug
from governance.auth.middleware import Identity
from governance.members import (
    configuration,
    privacy,
    queries,
    search,
    service,
    suitable,
)
from governance.members.access import (
    electorate_roles,
    member_of,
    refusal_problem,
    secretary,
    secretary_only,
    today_in,
)
from governance.members.eligibility import Refusal
from governance.members.file_routes import file_routes
from governance.members.member_pages import member_page_routes
from governance.members.models import EndReason
from governance.members.pages import (
    register_pages,
)
from governance.members.public_routes import public_routes
from governance.members.schemas import (
    AreaIn,
    AreaOut,
    ConstituencyIn,
    ConstituencyOut,
    ConstituencyUpdate,
    ElectorateOut,
    LeaveIn,
    MemberCreate,
    MemberOut,
    MemberSummary,
    MemberUpdate,
    MoveIn,
    ReinstateIn,
    SuitablePersonIn,
    SuitablePersonOut,
)
from governance.organisations.models import Organisation

# -- constituencies and areas ------------------------------------------------------------------


@get("/constituencies", guards=[secretary_only], sync_to_thread=True)
def list_constituencies(db: Session, identity: Identity, slug: str) -> list[ConstituencyOut]:
    organisation, _ = secretary(db, identity, slug)
    return configuration.listing(db, organisation)


@post("/constituencies", guards=[secretary_only], sync_to_thread=True)
def create_constituency(
    db: Session, identity: Identity, slug: str, data: ConstituencyIn
) -> ConstituencyOut:
    organisation, actor = secretary(db, identity, slug)
    configuration.add_constituency(db, organisation, data, actor=actor)
    return _one_constituency(db, organisation, data.code)


def _one_constituency(db: Session, organisation: Organisation, code: str) -> ConstituencyOut:
    listed = configuration.listing(db, organisation)
    return next(c for c in listed if c.code.upper() == code.upper())


@patch("/constituencies/{code:str}", guards=[secretary_only], sync_to_thread=True)
def change_constituency(
    db: Session, identity: Identity, slug: str, code: str, data: ConstituencyUpdate
) -> ConstituencyOut:
    organisation, actor = secretary(db, identity, slug)
    configuration.update_constituency(db, organisation, code, data, actor=actor)
    return _one_constituency(db, organisation, code)


@delete("/constituencies/{code:str}", guards=[secretary_only], sync_to_thread=True)
def remove_constituency(db: Session, identity: Identity, slug: str, code: str) -> None:
    organisation, actor = secretary(db, identity, slug)
    configuration.delete_constituency(db, organisation, code, actor=actor)


@get("/constituencies/{code:str}/electorate", guards=[electorate_roles], sync_to_thread=True)
def electorate(db: Session, slug: str, code: str, on: date) -> ElectorateOut:
    """Members of the constituency (and its classes) on a day: the frozen electorate."""
    organisation = organisation_by_slug(db, slug)
    constituency, references = queries.electorate(db, organisation.id or 0, code, on)
    return ElectorateOut(
        constituency=constituency.code, on=on, count=len(references), references=references
    )


@get("/areas", guards=[secretary_only], sync_to_thread=True)
def list_areas(db: Session, identity: Identity, slug: str) -> list[AreaOut]:
    organisation, _ = secretary(db, identity, slug)
    return configuration.area_listing(db, organisation.id or 0)


@put("/areas", guards=[secretary_only], sync_to_thread=True)
def save_areas(db: Session, identity: Identity, slug: str, data: list[AreaIn]) -> dict[str, int]:
    """Create or update areas by code (areas not listed stay as they are)."""
    organisation, actor = secretary(db, identity, slug)
    created, updated = configuration.save_areas(db, organisation, data, actor=actor)
    return {"created": created, "updated": updated}


@delete("/areas/{code:str}", guards=[secretary_only], sync_to_thread=True)
def remove_area(db: Session, identity: Identity, slug: str, code: str) -> None:
    organisation, actor = secretary(db, identity, slug)
    configuration.delete_area(db, organisation, code, actor=actor)


# -- members (secretary) -----------------------------------------------------------------------


@get("/members", guards=[secretary_only], sync_to_thread=True)
def search_members(
    db: Session,
    identity: Identity,
    slug: str,
    *,
    q: str = "",
    constituency: str | None = None,
    status: str | None = "active",
    offset: int = 0,
    limit: int = 50,
) -> list[MemberSummary]:
    """Search by name prefix ("smi", "ann smi"), email, postcode or member number."""
    organisation, _ = secretary(db, identity, slug)
    found = search.search(
        db,
        organisation.id or 0,
        q,
        constituency=constituency,
        status=status or None,
        offset=max(offset, 0),
        limit=min(max(limit, 1), 500),
        today=today_in(organisation),
    )
    return [queries.summary(f) for f in found]


@post("/members", guards=[secretary_only], sync_to_thread=True)
def add_member(
    db: Session, identity: Identity, state: State, slug: str, data: MemberCreate
) -> MemberOut:
    organisation, actor = secretary(db, identity, slug)
    today = today_in(organisation)
    outcome = service.join(
        db,
        organisation,
        data,
        actor=actor,
        base_url=state.settings.base_url,
        today=today,
        self_service=False,
    )
    if isinstance(outcome, Refusal):
        raise refusal_problem(outcome)
    assert outcome is not None
    return queries.member_out(db, outcome, today)


@get("/members/{reference:str}", guards=[secretary_only], sync_to_thread=True)
def get_member(db: Session, identity: Identity, slug: str, reference: str) -> MemberOut:
    organisation, _ = secretary(db, identity, slug)
    return queries.member_out(db, member_of(db, organisation, reference), today_in(organisation))


@patch("/members/{reference:str}", guards=[secretary_only], sync_to_thread=True)
def change_member(
    db: Session, identity: Identity, slug: str, reference: str, data: MemberUpdate
) -> MemberOut:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    service.update_details(
        db, organisation, member, data, actor=actor, today=today, by_member=False
    )
    return queries.member_out(db, member, today)


@post("/members/{reference:str}/leave", guards=[secretary_only], sync_to_thread=True)
def member_leaves(
    db: Session, identity: Identity, slug: str, reference: str, data: LeaveIn
) -> MemberOut:
    """Record that a member lapsed, resigned, died, was expelled (give the reason) or opted out."""
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    service.leave(
        db, organisation, member, EndReason(data.reason), on=data.on or today, note=data.note,
        actor=actor, today=today,
    )  # fmt: skip
    return queries.member_out(db, member, today)


@post("/members/{reference:str}/reinstate", guards=[secretary_only], sync_to_thread=True)
def reinstate_member(
    db: Session, identity: Identity, slug: str, reference: str, data: ReinstateIn
) -> MemberOut:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    service.reinstate(
        db, organisation, member, constituency_code=data.constituency, on=data.on or today,
        actor=actor,
    )  # fmt: skip
    return queries.member_out(db, member, today)


@post("/members/{reference:str}/move", guards=[secretary_only], sync_to_thread=True)
def move_member(
    db: Session, identity: Identity, slug: str, reference: str, data: MoveIn
) -> MemberOut:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    today = today_in(organisation)
    service.move_member(
        db, organisation, member, data.constituency, on=data.on or today, actor=actor, today=today
    )
    return queries.member_out(db, member, today)


@post(
    "/members/{reference:str}/erase", guards=[secretary_only], sync_to_thread=True, status_code=204
)
def erase_member(db: Session, identity: Identity, slug: str, reference: str) -> None:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    privacy.erase(db, organisation, member, actor=actor, today=today_in(organisation))


@get("/members/{reference:str}/data", guards=[secretary_only], sync_to_thread=True)
def member_data(db: Session, identity: Identity, slug: str, reference: str) -> dict[str, Any]:
    """Everything held about the member (to answer a subject access request)."""
    organisation, _ = secretary(db, identity, slug)
    return privacy.data_about(db, organisation, member_of(db, organisation, reference))


@post("/members/{reference:str}/suitable-persons", guards=[secretary_only], sync_to_thread=True)
def add_suitable_person(
    db: Session, identity: Identity, slug: str, reference: str, data: SuitablePersonIn
) -> SuitablePersonOut:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    person = suitable.add_suitable_person(
        db, organisation, member, data, actor=actor, today=today_in(organisation)
    )
    return SuitablePersonOut.model_validate(person, from_attributes=True)


@post(
    "/members/{reference:str}/suitable-persons/{person_id:int}/end",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=204,
)
def end_suitable_person(
    db: Session, identity: Identity, slug: str, reference: str, person_id: int
) -> None:
    organisation, actor = secretary(db, identity, slug)
    member = member_of(db, organisation, reference)
    suitable.end_suitable_person(
        db, organisation, member, person_id, actor=actor, today=today_in(organisation)
    )


def member_routes() -> list[Any]:
    """The register API, and the register's pages."""
    api = Router(
        path="/api/orgs/{slug:str}",
        route_handlers=[
            *file_routes(),
            *public_routes(),
            list_constituencies, create_constituency, change_constituency, remove_constituency,
            electorate, list_areas, save_areas, remove_area, search_members, add_member,
            get_member, change_member, member_leaves, reinstate_member, move_member,
            erase_member, member_data, add_suitable_person, end_suitable_person,
        ],
        tags=["member registers"],
    )  # fmt: skip
    return [api, *register_pages(), *member_page_routes()]
