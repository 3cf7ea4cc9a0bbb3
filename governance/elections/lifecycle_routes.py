"""The election lifecycle's JSON API, under ``/api/orgs/{slug}/elections``.

Secretaries and returning officers schedule elections and follow them; only the returning
officer accepts late dates, decides nominations, records deaths and disqualifications, counts
and declares. Members nominate themselves and withdraw. The declaration and the published
ballots are public once declared. Every route with ``{slug}`` carries the organisation guard,
so another organisation's people get 404 before the body is read, and an election id from
another organisation is 404 too.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Response, Router, get, post, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug, require_member_of, require_role
from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.elections import declaration, key_custody, nominations, service
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.lifecycle_pages import lifecycle_pages
from governance.elections.lifecycle_schemas import (
    CancelIn,
    CandidateOut,
    CountIn,
    DecisionIn,
    ElectionCreate,
    ElectionKeyIn,
    ElectionOut,
    NominationIn,
    RemovalIn,
    TimetableIn,
)
from governance.elections.lifecycle_views import DECLARED, staff_detail
from governance.elections.models import Election
from governance.elections.planning import issue_json, timetable_rows
from governance.elections.removal import remove_candidate
from governance.elections.web import (
    NO_STORE,
    STAFF_ROLES,
    actor_of,
    election_of,
    is_returning_officer,
    staff_election,
)
from governance.errors import Invalid
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.forms import RowId

ELECTIONS = "/{slug:str}/elections"
ONE = ELECTIONS + "/{election_id:int}"
STAFF = [organisation_guard(STAFF_ROLES)]
OFFICER = [organisation_guard([Role.RETURNING_OFFICER])]
MEMBERS = [organisation_guard([], members=True)]


# -- scheduling --------------------------------------------------------------------------------


@get(ELECTIONS, guards=STAFF, sync_to_thread=True, summary="The organisation's elections")
def list_elections(db: Session, identity: Identity, slug: str) -> list[ElectionOut]:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    return [ElectionOut.of(e) for e in service.elections_of(db, organisation)]


@post(
    f"{ELECTIONS}/timetable",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Generate and check a timetable without saving anything",
)
def preview_timetable(
    db: Session, identity: Identity, slug: str, data: TimetableIn
) -> dict[str, Any]:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    plan, _ = service.make_plan(
        organisation, data, may_override=is_returning_officer(db, user, organisation)
    )
    return {
        "timetable": timetable_rows(plan),
        "issues": [issue_json(issue) for issue in plan.issues],
        "schedulable": plan.ok,
    }


@post(ELECTIONS, guards=STAFF, sync_to_thread=True, summary="Schedule an election (or a draft)")
def create_election(
    db: Session, identity: Identity, slug: str, data: ElectionCreate
) -> dict[str, Any]:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    election = service.create_election(
        db,
        organisation,
        data,
        actor=actor_of(user),
        may_override=is_returning_officer(db, user, organisation),
    )
    return staff_detail(db, organisation, election)


@get(ONE, guards=STAFF, sync_to_thread=True, summary="An election: timetable, stages, candidates")
def get_election(db: Session, identity: Identity, slug: str, election_id: RowId) -> dict[str, Any]:
    organisation, election, _ = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    return staff_detail(db, organisation, election)


@put(f"{ONE}/timetable", guards=STAFF, sync_to_thread=True, summary="Change the timetable")
def change_timetable(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: TimetableIn
) -> dict[str, Any]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    service.change_timetable(
        db,
        organisation,
        election,
        data,
        actor=actor_of(user),
        may_override=is_returning_officer(db, user, organisation),
    )
    return staff_detail(db, organisation, election)


@post(
    f"{ONE}/schedule",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Schedule a draft",
)
def schedule_draft(
    db: Session, identity: Identity, slug: str, election_id: RowId
) -> dict[str, Any]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    service.schedule(db, organisation, election, actor=actor_of(user))
    return staff_detail(db, organisation, election)


@post(f"{ONE}/cancel", guards=OFFICER, sync_to_thread=True, status_code=200, summary="Cancel")
def cancel_election(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: CancelIn
) -> dict[str, Any]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    service.cancel(db, election, reason=data.reason, actor=actor_of(user))
    return staff_detail(db, organisation, election)


# -- candidates (the returning officer) --------------------------------------------------------


@get(f"{ONE}/candidates", guards=STAFF, sync_to_thread=True, summary="Every nomination")
def list_candidates(
    db: Session, identity: Identity, slug: str, election_id: RowId
) -> list[CandidateOut]:
    _, election, _ = staff_election(db, identity, slug, election_id, returning_officer=False)
    return [CandidateOut.of(c) for c in nominations.candidates_of(db, election)]


@post(
    f"{ONE}/candidates/{{candidate_id:int}}/decision",
    guards=OFFICER,
    sync_to_thread=True,
    status_code=200,
    summary="Accept a nomination, or reject it for one of the allowed reasons",
)
def decide_nomination(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
    data: DecisionIn,
) -> CandidateOut:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    candidate = nominations.candidate_in(db, election, candidate_id)
    nominations.decide(
        db,
        organisation,
        election,
        candidate,
        accept=data.decision == "accept",
        reason=data.reason,
        note=data.note,
        actor=actor_of(user),
        base_url=state["settings"].base_url,
    )
    return CandidateOut.of(candidate)


@post(
    f"{ONE}/candidates/{{candidate_id:int}}/withdrawal",
    guards=OFFICER,
    sync_to_thread=True,
    status_code=200,
    summary="Record a withdrawal delivered in writing",
)
def record_withdrawal(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
) -> CandidateOut:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    candidate = nominations.candidate_in(db, election, candidate_id)
    nominations.withdraw(
        db,
        organisation,
        election,
        candidate,
        actor=actor_of(user),
        base_url=state["settings"].base_url,
    )
    return CandidateOut.of(candidate)


@post(
    f"{ONE}/candidates/{{candidate_id:int}}/removal",
    guards=OFFICER,
    sync_to_thread=True,
    status_code=200,
    summary="Record a candidate's death or disqualification",
)
def record_removal(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
    data: RemovalIn,
) -> dict[str, Any]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    candidate = nominations.candidate_in(db, election, candidate_id)
    rerun = remove_candidate(
        db,
        organisation,
        election,
        candidate,
        cause=data.cause,
        note=data.note,
        actor=actor_of(user),
        base_url=state["settings"].base_url,
    )
    return {
        "election": ElectionOut.of(election).model_dump(mode="json"),
        "candidate": CandidateOut.of(candidate).model_dump(mode="json"),
        "rerun_id": rerun.id if rerun else None,
    }


# -- the count and the declaration -------------------------------------------------------------


@post(f"{ONE}/count", guards=OFFICER, sync_to_thread=True, status_code=200, summary="Count")
def count_votes(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: CountIn
) -> dict[str, Any]:
    _, election, user = staff_election(db, identity, slug, election_id, returning_officer=True)
    return declaration.count(
        db,
        election,
        seed=data.seed,
        actor=actor_of(user),
        private_key=data.private_key,
        shares=data.shares,
    )


@put(
    f"{ONE}/election-key",
    guards=OFFICER,
    sync_to_thread=True,
    status_code=200,
    summary="Set the election public key ballots are sealed to",
)
def set_election_key(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: ElectionKeyIn
) -> dict[str, Any]:
    _, election, user = staff_election(db, identity, slug, election_id, returning_officer=True)
    mark = key_custody.set_public_key(
        db,
        election,
        public_key=data.public_key,
        shares_needed=data.shares_needed,
        trustees=data.trustees,
        actor=actor_of(user),
    )
    return {"fingerprint": mark, "election": ElectionOut.of(election).model_dump(mode="json")}


@post(
    f"{ONE}/declaration",
    guards=OFFICER,
    sync_to_thread=True,
    status_code=200,
    summary="Declare the counted result",
)
def declare_result(
    db: Session, identity: Identity, state: State, slug: str, election_id: RowId
) -> dict[str, Any]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    conduct = declaration.declare(
        db, organisation, election, actor=actor_of(user), base_url=state["settings"].base_url
    )
    return dict(conduct.declaration or {})


def _declared(db: Session, slug: str, election_id: RowId) -> Election:
    organisation = organisation_by_slug(db, slug)
    election = election_of(db, organisation, election_id)
    if election.status not in DECLARED:
        raise NotFoundException()
    return election


@get(f"{ONE}/results", sync_to_thread=True, summary="The declaration (public once declared)")
def get_results(db: Session, slug: str, election_id: RowId) -> dict[str, Any]:
    election = _declared(db, slug, election_id)
    conduct = db.get(ElectionConduct, election.id)
    publication = declaration.publication_of(db, election)
    return {
        "title": election.title,
        "status": election.status,
        "declared_at": election.declared_at,
        "declaration": conduct.declaration if conduct else None,
        "count": election.result,
        "published_ballots_sha256": publication.blt_sha256 if publication else None,
    }


@get(f"{ONE}/results/ballots.blt", sync_to_thread=True, summary="The anonymised ballots (BLT)")
def get_ballots(db: Session, slug: str, election_id: RowId) -> Response[str]:
    publication = declaration.publication_of(db, _declared(db, slug, election_id))
    if publication is None:
        raise NotFoundException()
    return Response(publication.blt, media_type="text/plain; charset=utf-8")


@get(
    f"{ONE}/results/receipts",
    sync_to_thread=True,
    summary="The bulletin board: the counted ballots' trackers",
)
def get_receipts(db: Session, slug: str, election_id: RowId) -> Response[str]:
    publication = declaration.publication_of(db, _declared(db, slug, election_id))
    if publication is None:
        raise NotFoundException()
    return Response(publication.receipt_hashes, media_type="text/plain; charset=utf-8")


# -- standing for election (members) -----------------------------------------------------------


def member_election(
    db: Session, identity: Identity, slug: str, election_id: RowId
) -> tuple[Organisation, Election, Member]:
    organisation = require_member_of(db, identity, slug)
    election = election_of(db, organisation, election_id)
    member = db.get(Member, identity.member.id if identity.member else 0)
    if member is None:
        raise NotFoundException()
    return organisation, election, member


def decode_photo(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(
            "photo-invalid",
            "The photo must be base64-encoded.",
            extra={"errors": [{"field": "photo_base64", "message": "Not valid base64"}]},
        ) from None


@post(
    f"{ONE}/nominations",
    guards=MEMBERS,
    sync_to_thread=True,
    summary="Stand for election (the signed-in member)",
)
def nominate(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    data: NominationIn,
) -> Response[CandidateOut]:
    organisation, election, member = member_election(db, identity, slug, election_id)
    candidate = nominations.nominate(
        db,
        organisation,
        election,
        member,
        data,
        photo=decode_photo(data.photo_base64),
        base_url=state["settings"].base_url,
    )
    return Response(CandidateOut.of(candidate), status_code=201, headers=dict(NO_STORE))


@get(f"{ONE}/nominations/mine", guards=MEMBERS, sync_to_thread=True, summary="Your nomination")
def my_nomination(db: Session, identity: Identity, slug: str, election_id: RowId) -> CandidateOut:
    _, election, member = member_election(db, identity, slug, election_id)
    candidate = nominations.nomination_of(db, election, member.id)
    if candidate is None:
        raise NotFoundException()
    return CandidateOut.of(candidate)


@post(
    f"{ONE}/nominations/mine/withdrawal",
    guards=MEMBERS,
    sync_to_thread=True,
    status_code=200,
    summary="Withdraw your nomination (until the deadline)",
)
def withdraw_mine(
    db: Session, identity: Identity, state: State, slug: str, election_id: RowId
) -> CandidateOut:
    organisation, election, member = member_election(db, identity, slug, election_id)
    candidate = nominations.nomination_of(db, election, member.id)
    if candidate is None:
        raise NotFoundException()
    nominations.withdraw(
        db,
        organisation,
        election,
        candidate,
        actor=f"member:{member.id}",
        base_url=state["settings"].base_url,
    )
    return CandidateOut.of(candidate)


def lifecycle_routes() -> list[Any]:
    """The lifecycle's API router and its pages."""
    api = Router(
        path="/api/orgs",
        route_handlers=[
            list_elections,
            preview_timetable,
            create_election,
            get_election,
            change_timetable,
            schedule_draft,
            cancel_election,
            list_candidates,
            decide_nomination,
            record_withdrawal,
            record_removal,
            count_votes,
            set_election_key,
            declare_result,
            get_results,
            get_ballots,
            get_receipts,
            nominate,
            my_nomination,
            withdraw_mine,
        ],
        tags=["elections: the lifecycle"],
    )
    return [api, *lifecycle_pages()]
