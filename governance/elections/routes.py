"""The poll's JSON API, under ``/api/orgs/{slug}/elections/{election_id}``.

Voters have no accounts, so casting is public, but it stays under the CSRF rule like every
other unsafe request with cookies: a script first GETs the ballot paper (which sets the
``gov_csrf`` cookie and returns the matching ``csrf_token``), then POSTs its ballot with that
cookie and an ``X-CSRF-Token`` header. Requiring the token stops a third-party page from making
its visitors' browsers submit guesses (which would spread them over many addresses and so
around the per-address limit). The staff endpoints take a session (with the CSRF header) or a
bearer token.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from sqlmodel import Session, select

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.auth.web import client_ip
from governance.db import utcnow
from governance.elections import postal, receipts, turnout, voting
from governance.elections.ballot_box import VoteRefused
from governance.elections.models import Channel, Delivery
from governance.elections.pages import voter_pages
from governance.elections.poll import (
    PollError,
    issue_replacement,
    replacement_list,
    standing_of,
)
from governance.elections.schemas import (
    BallotIn,
    DayCount,
    LatePaperIn,
    PostalPackOut,
    ReceiptCheckIn,
    ReceiptCheckOut,
    ReceiptOut,
    ReplacementIn,
    ReplacementLineOut,
    ReplacementOut,
    StaffVoteIn,
    TurnoutOut,
    VoterStatusIn,
    VoterStatusOut,
)
from governance.elections.staff_pages import staff_pages
from governance.elections.web import (
    NO_STORE,
    STAFF_ROLES,
    actor_of,
    ballot_paper,
    pack_response,
    public_election,
    release,
    staff_election,
)
from governance.errors import Problem
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

BASE = "/{slug:str}/elections/{election_id:int}"
REFUSAL_STATUS = {
    "poll-closed": 409,
    "poll-open": 409,
    "already-voted": 409,
    "wrong-credentials": 403,
    "rate-limited": 429,
}
POLL_ERROR_STATUS = {"already-voted": 409, "poll-closed": 409, "roll-not-open": 409}


def vote_problem(refused: VoteRefused) -> Problem:
    problem = Problem(REFUSAL_STATUS.get(refused.reason, 422), refused.reason, refused.message)
    if isinstance(refused, voting.TooManyAttempts):
        problem.headers = {"Retry-After": str(refused.retry_after)}
    return problem


def poll_problem(error: PollError) -> Problem:
    return Problem(POLL_ERROR_STATUS.get(error.slug, 422), error.slug, error.message)


# -- public: the ballot paper, casting, receipts ------------------------------------------------


@get(f"{BASE}/ballot", sync_to_thread=True, summary="The ballot paper (and a CSRF token)")
def get_ballot(
    request: Request[Any, Any, Any], db: Session, slug: str, election_id: int
) -> Response[dict[str, Any]]:
    organisation, election = public_election(db, slug, election_id)
    paper = ballot_paper(db, organisation, election, utcnow())
    release(db)
    identity: Identity = request.scope["state"]["identity"]
    token = request.app.state["keys"].csrf_token(identity.csrf_cookie or "")
    return Response({**paper.as_json(), "csrf_token": token}, headers=dict(NO_STORE))


@post(f"{BASE}/ballots", sync_to_thread=True, summary="Cast a vote; answers with the receipt")
def cast_ballot(
    request: Request[Any, Any, Any],
    db: Session,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: BallotIn,
) -> Response[ReceiptOut]:
    organisation, election = public_election(db, slug, election_id)
    choices = voting.choice_ids(data.choices)
    if choices is None:
        raise vote_problem(
            voting.refuse_malformed(
                db, state.engine, election, "choices must be a list of candidate ids"
            )
        )
    try:
        cast = voting.vote_online(
            db,
            state.engine,
            state["keys"],
            election,
            voter_id=data.voter_id,
            code=data.code,
            choices=choices,
            declaration=data.declaration,
            ip=client_ip(request),
        )
    except VoteRefused as refused:
        raise vote_problem(refused) from None
    check = f"/o/{organisation.slug}/elections/{election.id}/check-receipt"
    return Response(
        ReceiptOut(receipt=cast.receipt, check_url=check), status_code=201, headers=dict(NO_STORE)
    )


@post(f"{BASE}/receipts/check", sync_to_thread=True, status_code=200, summary="Check a receipt")
def check_receipt(
    db: Session, slug: str, election_id: int, data: ReceiptCheckIn
) -> ReceiptCheckOut:
    _organisation, election = public_election(db, slug, election_id)
    result = receipts.check_receipt(db, election, data.receipt)
    release(db)
    if result == receipts.ReceiptStatus.MALFORMED:
        raise Problem(422, "malformed-receipt", "A receipt is 16 hexadecimal characters.")
    return ReceiptCheckOut(status=result.value)


# -- staff ----------------------------------------------------------------------------------------

STAFF = [organisation_guard(STAFF_ROLES)]
RETURNING_OFFICER = [organisation_guard([Role.RETURNING_OFFICER])]


def _member(db: Session, organisation: Organisation, reference: str) -> Member:
    member = db.exec(
        select(Member).where(
            Member.organisation_id == organisation.id, Member.reference == reference.strip()
        )
    ).first()
    if member is None:
        raise Problem(422, "unknown-member", "No member has that reference.")
    return member


@get(f"{BASE}/turnout", guards=STAFF, sync_to_thread=True, summary="Turnout (counts only)")
def get_turnout(db: Session, identity: Identity, slug: str, election_id: int) -> TurnoutOut:
    _organisation, election, _user = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    figures = turnout.turnout(db, election)
    return TurnoutOut(
        electorate=figures.electorate,
        voted=figures.voted,
        turnout=figures.percent,
        by_channel=figures.by_channel,
        by_day=[DayCount(date=day, voted=count) for day, count in figures.by_day],
        late_ballots=figures.late_ballots,
    )


@get(f"{BASE}/refusals", guards=RETURNING_OFFICER, sync_to_thread=True, summary="Refusals")
def get_refusals(db: Session, identity: Identity, slug: str, election_id: int) -> dict[str, int]:
    _organisation, election, _user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    return turnout.refusal_counts(db, election)


@post(f"{BASE}/staff-votes", guards=RETURNING_OFFICER, sync_to_thread=True, status_code=201)
def enter_vote(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: StaffVoteIn,
) -> ReceiptOut:
    """Enter a postal, telephone or paper vote through the same one-vote path as online votes."""
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    if data.channel not in election.channels:
        raise Problem(422, "channel-not-offered", "This election does not offer that channel.")
    try:
        cast = voting.enter_staff_vote(
            db,
            state.engine,
            state["keys"],
            election,
            channel=Channel(data.channel),
            voter_id=data.voter_id,
            code=data.code,
            choices=data.choices,
            declaration=data.declaration,
            rejected=data.rejected,
            actor=actor_of(user),
        )
    except VoteRefused as refused:
        raise vote_problem(refused) from None
    check = f"/o/{organisation.slug}/elections/{election.id}/check-receipt"
    return ReceiptOut(receipt=cast.receipt, check_url=check)


@post(f"{BASE}/late-papers", guards=RETURNING_OFFICER, sync_to_thread=True, status_code=201)
def enter_late_paper(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: LatePaperIn,
) -> dict[str, str]:
    """Keep a postal paper that arrived after the close: stored as late, never counted."""
    _organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    try:
        voting.enter_late_paper(
            db,
            state.engine,
            state["keys"],
            election,
            voter_id=data.voter_id,
            code=data.code,
            choices=data.choices,
            actor=actor_of(user),
        )
    except VoteRefused as refused:
        raise vote_problem(refused) from None
    return {"status": "kept, not counted"}


@get(f"{BASE}/replacements", guards=RETURNING_OFFICER, sync_to_thread=True)
def list_replacements(
    db: Session, identity: Identity, slug: str, election_id: int
) -> list[ReplacementLineOut]:
    """The statutory list of replacement voting information issued."""
    _organisation, election, _user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    return [ReplacementLineOut(**vars(line)) for line in replacement_list(db, election)]


@post(f"{BASE}/replacements", guards=RETURNING_OFFICER, sync_to_thread=True, status_code=201)
def create_replacement(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: ReplacementIn,
) -> Response[ReplacementOut]:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    member = _member(db, organisation, data.member_reference)
    try:
        issued = issue_replacement(
            db,
            state["keys"],
            election,
            member,
            reason=data.reason,
            actor=actor_of(user),
            delivery=Delivery(data.delivery) if data.delivery else None,
            base_url=state.settings.base_url,
        )
    except PollError as error:
        raise poll_problem(error) from None
    posted = issued.delivery == Delivery.POST
    body = ReplacementOut(
        member_reference=member.reference,
        reason=data.reason,
        delivery=issued.delivery.value,
        issued_at=issued.replacement.issued_at,
        voter_id=issued.credentials.voter_id if posted else None,
        code=issued.credentials.code if posted else None,
    )
    return Response(body, status_code=201, headers=dict(NO_STORE))


@post(f"{BASE}/voter-status", guards=RETURNING_OFFICER, sync_to_thread=True, status_code=200)
def voter_status(
    db: Session, identity: Identity, slug: str, election_id: int, data: VoterStatusIn
) -> VoterStatusOut:
    """Whether a member has voted (returning officer only; every look-up is audited)."""
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    standing = standing_of(
        db, election, _member(db, organisation, data.member_reference), actor_of(user)
    )
    return VoterStatusOut(**vars(standing))


@get(f"{BASE}/postal-packs", guards=RETURNING_OFFICER, sync_to_thread=True)
def list_packs(db: Session, identity: Identity, slug: str, election_id: int) -> list[PostalPackOut]:
    _organisation, election, _user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    return [
        PostalPackOut(id=p.id or 0, rows=p.rows, created_at=p.created_at, downloads=p.downloads)
        for p in postal.packs_for(db, election)
        if p.content_sealed is not None
    ]


@post(
    f"{BASE}/postal-packs/{{pack_id:int}}/download",
    guards=RETURNING_OFFICER,
    sync_to_thread=True,
    status_code=200,
)
def download_pack(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: int,
    pack_id: int,
) -> Response[str]:
    """The mail house's CSV (each download audited and counted)."""
    _organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=True
    )
    found = postal.download(db, state["keys"], election, pack_id, actor_of(user))
    if found is None:
        raise Problem(404, "not-found", "There is no such postal pack, or it has been erased.")
    return pack_response(found)


def election_routes() -> list[Any]:
    """The poll's API router and its pages."""
    api = Router(
        path="/api/orgs",
        route_handlers=[
            get_ballot,
            cast_ballot,
            check_receipt,
            get_turnout,
            get_refusals,
            enter_vote,
            enter_late_paper,
            list_replacements,
            create_replacement,
            voter_status,
            list_packs,
            download_pack,
        ],
        tags=["elections: the poll"],
    )
    # Pages go in a router too: registered loose, a GET and a POST sharing a path make Litestar
    # (2.25) wrap the sync GET handler for its thread twice, and it then fails.
    pages = Router(
        path="/", route_handlers=[*voter_pages(), *staff_pages()], include_in_schema=False
    )
    return [api, pages]
