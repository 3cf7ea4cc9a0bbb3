"""The voter's pages: credentials, declaration, ballot, review, cast, receipt; and receipt checks.

No account is needed and no JavaScript is used. Each step is a form posted back with the
voter's progress in a sealed hidden field (``vote_state``), so the server holds nothing about a
voter between pages, and every answer is marked ``no-store``.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Template
from sqlmodel import Session

from governance.auth.web import client_ip
from governance.db import utcnow
from governance.elections import ballot_form, receipts, voting
from governance.elections.ballot_box import VoteRefused
from governance.elections.models import Candidate
from governance.elections.vote_state import VoteState, open_state, seal_state
from governance.elections.web import (
    BallotPaper,
    ballot_paper,
    first_value,
    page,
    public_election,
    release,
)
from governance.organisations.models import Organisation
from governance.security import Keys

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
BASE = "/o/{slug:str}/elections/{election_id:int}"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _base(organisation: Organisation, election_id: int) -> str:
    return f"/o/{organisation.slug}/elections/{election_id}"


def _context(paper: BallotPaper, **extra: Any) -> dict[str, Any]:
    assert paper.election.id is not None
    return {
        "organisation": paper.organisation,
        "election": paper.election,
        "paper": paper,
        "base": _base(paper.organisation, paper.election.id),
        **extra,
    }


def _start(paper: BallotPaper, *, status: int = 200, **extra: Any) -> Template:
    extra.setdefault("voter_id", "")
    return page("vote_start.html", "Vote", status=status, **_context(paper, **extra))


def _closed(paper: BallotPaper, message: str = "") -> Template:
    return page("vote_closed.html", "Voting is not open", **_context(paper, message=message))


def _declaration(keys: Keys, paper: BallotPaper, state: VoteState, **extra: Any) -> Template:
    token = seal_state(keys, state, utcnow())
    return page(
        "vote_declaration.html",
        "Declaration of identity",
        **_context(paper, state=token, **extra),
    )


def _ballot(
    keys: Keys, paper: BallotPaper, state: VoteState, marks: dict[int, str], **extra: Any
) -> Template:
    token = seal_state(keys, state, utcnow())
    return page(
        "vote_ballot.html",
        "Your ballot paper",
        **_context(paper, state=token, marks=marks, **extra),
    )


def _expired(paper: BallotPaper) -> Template:
    return _start(
        paper,
        errors={"voter_id": "Your session ran out or the page was out of date. Start again."},
    )


def _setup(db: Session, slug: str, election_id: int) -> BallotPaper:
    organisation, election = public_election(db, slug, election_id)
    paper = ballot_paper(db, organisation, election, utcnow())
    release(db)
    return paper


def _progress(paper: BallotPaper, state: State, data: dict[str, Any]) -> VoteState | None:
    assert paper.election.id is not None
    return open_state(state["keys"], first_value(data, "state", 4000), paper.election.id, utcnow())


@get(f"{BASE}/vote", include_in_schema=False, sync_to_thread=True)
def vote_start(db: Session, slug: str, election_id: int) -> Template:
    paper = _setup(db, slug, election_id)
    if not paper.open_now:
        return _closed(paper)
    return _start(paper)


@post(f"{BASE}/vote", include_in_schema=False, sync_to_thread=True, status_code=200)
def vote_start_submit(
    request: Request[Any, Any, Any],
    db: Session,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: Form,
) -> Response[Any]:
    paper = _setup(db, slug, election_id)
    voter_id = first_value(data, "voter_id", 40)
    code = first_value(data, "code", 20)
    errors = {}
    if not voter_id:
        errors["voter_id"] = "Enter your voter ID"
    if not code:
        errors["code"] = "Enter your security code"
    if errors:
        return _start(paper, errors=errors, voter_id=voter_id)
    try:
        voter = voting.admit(
            db,
            state.engine,
            state["keys"],
            paper.election,
            voter_id=voter_id,
            code=code,
            ip=client_ip(request),
        )
    except voting.TooManyAttempts as refused:
        template = _start(paper, status=429, errors={"voter_id": refused.message})
        template.headers["Retry-After"] = str(refused.retry_after)
        return template
    except VoteRefused as refused:
        if refused.reason == "poll-closed":
            return _closed(paper, refused.message)
        return _start(paper, errors={"voter_id": _refusal_text(refused)}, voter_id=voter_id)
    assert paper.election.id is not None
    progress = VoteState(paper.election.id, voter_id, code, voter.needs_declaration)
    if voter.needs_declaration:
        return _declaration(state["keys"], paper, progress)
    return _ballot(state["keys"], paper, progress, {})


def _refusal_text(refused: VoteRefused) -> str:
    if refused.reason == "already-voted":
        return (
            "A vote has already been recorded with this voter ID. If it was not you, contact "
            "the returning officer."
        )
    if refused.reason == "wrong-credentials":
        return (
            "The voter ID and security code do not match. Check them against your voting "
            "information and try again."
        )
    return refused.message


@post(f"{BASE}/vote/declaration", include_in_schema=False, sync_to_thread=True, status_code=200)
def vote_declaration(
    db: Session, state: State, slug: str, election_id: int, data: Form
) -> Template:
    paper = _setup(db, slug, election_id)
    progress = _progress(paper, state, data)
    if progress is None:
        return _expired(paper)
    if not paper.open_now:
        return _closed(paper)
    if first_value(data, "declaration") != "yes":
        errors = {"declaration": "Tick the box to make the declaration, or you cannot vote online"}
        return _declaration(state["keys"], paper, progress, errors=errors)
    return _ballot(state["keys"], paper, progress.with_(declared=True), {})


@post(f"{BASE}/vote/ballot", include_in_schema=False, sync_to_thread=True, status_code=200)
def vote_ballot(db: Session, state: State, slug: str, election_id: int, data: Form) -> Template:
    paper = _setup(db, slug, election_id)
    progress = _progress(paper, state, data)
    if progress is None:
        return _expired(paper)
    if not paper.open_now:
        return _closed(paper)
    if progress.needs_declaration and not progress.declared:
        return _declaration(state["keys"], paper, progress)
    entry = read_ballot(paper, data)
    if not entry.ok:
        assert entry.reason is not None
        voting.count_form_refusal(db, state.engine, paper.election, entry.reason)
        return _ballot(state["keys"], paper, progress, entry.marks, errors=entry.errors)
    return page(
        "vote_review.html",
        "Check your vote",
        **_context(
            paper,
            state=seal_state(state["keys"], progress.with_(choices=entry.choices), utcnow()),
            chosen=[paper.name_of(c) for c in entry.choices],
            unranked=[c.ballot_name for c in paper.candidates if c.id not in entry.choices],
        ),
    )


def read_ballot(paper: BallotPaper, data: dict[str, Any]) -> ballot_form.BallotEntry:
    """The choices on a posted ballot form (marks for FPTP, numbers for STV)."""
    options = paper.options
    if paper.ranked:
        entered = {o.id: first_value(data, ballot_form.rank_field(o.id), 10) for o in options}
        return ballot_form.read_ranks(options, entered)
    marked = data.get("choice", [])
    return ballot_form.read_marks(
        options, marked if isinstance(marked, list) else [marked], paper.election.seats
    )


@post(f"{BASE}/vote/change", include_in_schema=False, sync_to_thread=True, status_code=200)
def vote_change(db: Session, state: State, slug: str, election_id: int, data: Form) -> Template:
    paper = _setup(db, slug, election_id)
    progress = _progress(paper, state, data)
    if progress is None:
        return _expired(paper)
    marks = ballot_form.marks_from_choices(paper.election.method, progress.choices)
    return _ballot(state["keys"], paper, progress, marks)


@post(f"{BASE}/vote/cast", include_in_schema=False, sync_to_thread=True, status_code=200)
def vote_cast(
    request: Request[Any, Any, Any],
    db: Session,
    state: State,
    *,
    slug: str,
    election_id: int,
    data: Form,
) -> Template:
    paper = _setup(db, slug, election_id)
    progress = _progress(paper, state, data)
    if progress is None:
        return _expired(paper)
    if not progress.choices:
        return _ballot(state["keys"], paper, progress, {})
    try:
        receipt = voting.vote_online(
            db,
            state.engine,
            state["keys"],
            paper.election,
            voter_id=progress.voter_id,
            code=progress.code,
            choices=progress.choices,
            declaration=progress.declared,
            ip=client_ip(request),
        )
    except voting.TooManyAttempts as refused:
        template = _start(paper, status=429, errors={"voter_id": refused.message})
        template.headers["Retry-After"] = str(refused.retry_after)
        return template
    except VoteRefused as refused:
        if refused.reason == "poll-closed":
            return _closed(paper, refused.message)
        if refused.reason in {"already-voted", "wrong-credentials"}:
            return _start(paper, errors={"voter_id": _refusal_text(refused)})
        if refused.reason == "declaration-missing":
            return _declaration(state["keys"], paper, progress)
        marks = ballot_form.marks_from_choices(paper.election.method, progress.choices)
        first = paper.options[0].id if paper.options else 0
        field = (ballot_form.rank_field if paper.ranked else ballot_form.mark_field)(first)
        return _ballot(state["keys"], paper, progress, marks, errors={field: refused.message})
    return page("vote_done.html", "Your vote has been recorded", **_context(paper, receipt=receipt))


@get(f"{BASE}/check-receipt", include_in_schema=False, sync_to_thread=True)
def receipt_page(db: Session, slug: str, election_id: int) -> Template:
    paper = _setup(db, slug, election_id)
    return page("check_receipt.html", "Check your receipt", **_context(paper, receipt=""))


@post(f"{BASE}/check-receipt", include_in_schema=False, sync_to_thread=True, status_code=200)
def receipt_check(db: Session, slug: str, election_id: int, data: Form) -> Template:
    paper = _setup(db, slug, election_id)
    text = first_value(data, "receipt", 60)
    if not text:
        return page(
            "check_receipt.html",
            "Check your receipt",
            **_context(paper, receipt="", errors={"receipt": "Enter your receipt"}),
        )
    result = receipts.check_receipt(db, paper.election, text)
    release(db)
    if result == receipts.ReceiptStatus.MALFORMED:
        message = "A receipt is 16 letters and numbers, like 3F9A-07C2-B815-6D4E"
        return page(
            "check_receipt.html",
            "Check your receipt",
            **_context(paper, receipt=text, errors={"receipt": message}),
        )
    return page(
        "check_receipt.html",
        "Check your receipt",
        **_context(paper, receipt=text, result=result.value),
    )


@get(f"{BASE}/candidates/{{candidate_id:int}}/photo", include_in_schema=False, sync_to_thread=True)
def candidate_photo(db: Session, slug: str, election_id: int, candidate_id: int) -> Response[bytes]:
    organisation, election = public_election(db, slug, election_id)
    candidate = db.get(Candidate, candidate_id)
    if (
        candidate is None
        or candidate.election_id != election.id
        or not candidate.photo
        or candidate.photo_type not in PHOTO_TYPES
        or organisation.id != election.organisation_id
    ):
        raise NotFoundException()
    return Response(
        candidate.photo,
        media_type=candidate.photo_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def voter_pages() -> list[Any]:
    return [
        vote_start,
        vote_start_submit,
        vote_declaration,
        vote_ballot,
        vote_change,
        vote_cast,
        receipt_page,
        receipt_check,
        candidate_photo,
    ]
