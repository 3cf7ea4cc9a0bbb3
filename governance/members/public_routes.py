"""The register API for people: joining, the public register and counts, a member's own record."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, patch, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug
from governance.auth.middleware import Identity
from governance.auth.ratelimit import enforce
from governance.auth.web import client_ip
from governance.members import (
    privacy,
    queries,
    service,
)
from governance.members.access import (
    JOIN_PER_IP,
    member_actor,
    members_only,
    refusal_problem,
    signed_in_member,
    today_in,
)
from governance.members.eligibility import Refusal
from governance.members.schemas import (
    CountOut,
    EraseIn,
    JoinIn,
    JoinReceived,
    MemberOut,
    MemberUpdate,
    PublicEntry,
)

RECEIVED = (
    "Thank you. If you can be a member we have sent a confirmation to your email address; "
    "if that address already belongs to a member, we have written to it instead."
)


# -- joining and the public register (no sign-in) ------------------------------------------------


@post("/join", sync_to_thread=True, status_code=HTTP_202_ACCEPTED)
def join(
    request: Request[Any, Any, Any], db: Session, state: State, slug: str, data: JoinIn
) -> JoinReceived:
    """Join as a member. Refusals (too young, outside every area, staff) answer 422 with the
    reason; a received application answers the same whether or not the email was known."""
    organisation = organisation_by_slug(db, slug)
    enforce(db, state["keys"], JOIN_PER_IP, client_ip(request), detail={"slug": slug})
    outcome = service.join(
        db,
        organisation,
        data,
        actor="anonymous",
        base_url=state.settings.base_url,
        today=today_in(organisation),
    )
    if isinstance(outcome, Refusal):
        db.commit()
        raise refusal_problem(outcome)
    return JoinReceived(message=RECEIVED)


@get("/public/register", sync_to_thread=True)
def public_register(db: Session, slug: str, letter: str = "", offset: int = 0) -> list[PublicEntry]:
    """The register open to inspection: names and constituencies of members who have not
    asked to be left out."""
    organisation = organisation_by_slug(db, slug)
    entries = queries.public_register(
        db, organisation.id or 0, letter=letter, offset=max(offset, 0), today=today_in(organisation)
    )
    return [PublicEntry(name=name, constituency=constituency) for name, constituency in entries]


@get("/public/counts", sync_to_thread=True)
def public_counts(db: Session, slug: str) -> list[CountOut]:
    """Members per constituency; counts of 1 to 9 are given as "fewer than 10"."""
    organisation = organisation_by_slug(db, slug)
    return queries.public_counts(db, organisation, today_in(organisation))


# -- a member's own record -------------------------------------------------------------------


@get("/me", guards=[members_only], sync_to_thread=True)
def my_record(db: Session, identity: Identity, slug: str) -> MemberOut:
    organisation, member = signed_in_member(db, identity, slug)
    return queries.member_out(db, member, today_in(organisation))


@patch("/me", guards=[members_only], sync_to_thread=True)
def change_my_record(db: Session, identity: Identity, slug: str, data: MemberUpdate) -> MemberOut:
    organisation, member = signed_in_member(db, identity, slug)
    today = today_in(organisation)
    service.update_details(
        db, organisation, member, data, actor=member_actor(member), today=today, by_member=True
    )
    return queries.member_out(db, member, today)


@get("/me/data", guards=[members_only], sync_to_thread=True)
def my_data(db: Session, identity: Identity, slug: str) -> dict[str, Any]:
    """Everything held about you."""
    organisation, member = signed_in_member(db, identity, slug)
    return privacy.data_about(db, organisation, member)


@post("/me/erase", guards=[members_only], sync_to_thread=True, status_code=204)
def erase_me(db: Session, identity: Identity, slug: str, data: EraseIn) -> None:
    """Erase your details for good (send {"confirm": "erase"}); your membership ends."""
    organisation, member = signed_in_member(db, identity, slug)
    privacy.erase(
        db, organisation, member, actor=member_actor(member), today=today_in(organisation)
    )


def public_routes() -> list[Any]:
    return [
        join,
        public_register,
        public_counts,
        my_record,
        change_my_record,
        my_data,
        erase_me,
    ]
