"""Pages for secretaries and returning officers: scheduling an election (with its generated
timetable shown, late dates flagged and, for the returning officer, overridden with a reason),
and each election's dashboard (stages planned and actual, nominations to decide, the count, the
declaration). Every form posts back with its CSRF token; a refusal re-shows the page with the
message, having changed nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.auth.guards import require_role
from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.auth.tenancy import organisation_guard
from governance.elections import declaration, key_custody, nominations, service
from governance.elections.candidacy import REJECTION_REASONS
from governance.elections.counting.registry import METHODS
from governance.elections.election_key import private_key_from_text, shares_from_text
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.lifecycle_schemas import ElectionCreate, TimetableIn
from governance.elections.lifecycle_views import staff_detail
from governance.elections.models import Channel, Election, ElectionStatus
from governance.elections.planning import timetable_rows
from governance.elections.removal import remove_candidate
from governance.elections.results_chart import stage_chart
from governance.elections.timetable import Step
from governance.elections.web import (
    STAFF_ROLES,
    actor_of,
    all_values,
    first_value,
    is_returning_officer,
    page,
    staff_election,
)
from governance.errors import Invalid, Problem
from governance.members import configuration
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.forms import RowId, field_errors, parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ELECTIONS = "/o/{slug:str}/elections"
MANAGE = ELECTIONS + "/{election_id:int}/manage"
STAFF = [organisation_guard(STAFF_ROLES)]
OFFICER = [organisation_guard([Role.RETURNING_OFFICER])]
NOTICES = {
    "scheduled": "The election is scheduled.",
    "draft": "The draft is saved. Schedule it once the timetable has no problems.",
    "timetable": "The timetable is changed.",
    "decided": "The decision is recorded and the candidate has been told.",
    "withdrawn": "The withdrawal is recorded.",
    "removed": "The candidate's death or disqualification is recorded.",
    "counted": "The ballots are counted. Check the result, then declare it.",
    "key": "The election public key is set. Keep the private key safe for the count.",
    "declared": "The result is declared and the ballots are published.",
    "cancelled": "The election is cancelled.",
}
STEP_INPUTS = [step for step in Step if step is not Step.CLOSE_OF_POLL]


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def problem_extra(error: Problem) -> dict[str, Any]:
    return error.extra if isinstance(error.extra, dict) else {}


# -- the schedule form -------------------------------------------------------------------------


def _dates(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _timetable_fields(data: dict[str, Any]) -> dict[str, Any]:
    dates = {s.value: first_value(data, f"date_{s.value}") for s in STEP_INPUTS}
    overrides = {s.value: first_value(data, f"override_{s.value}", 500) for s in Step}
    return {
        "close_of_poll": first_value(data, "close_of_poll") or None,
        "dates": {k: v for k, v in dates.items() if v},
        "overrides": {k: v for k, v in overrides.items() if v},
        "non_working_days": _dates(first_value(data, "non_working_days", 2000)),
    }


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": first_value(data, "title"),
        "constituency_id": first_value(data, "constituency_id") or None,
        "office": first_value(data, "office") or None,
        "seats": first_value(data, "seats") or None,
        "method": first_value(data, "method"),
        "channels": all_values(data, "channels"),
        "term_years": first_value(data, "term_years") or None,
        "draft": first_value(data, "action") == "draft",
        **_timetable_fields(data),
    }


def _new_page(
    db: Session,
    organisation: Organisation,
    user: User,
    *,
    form: dict[str, Any],
    status: int = 200,
    **extra: Any,
) -> Template:
    assert organisation.id is not None
    return page(
        "election_new.html",
        "Schedule an election",
        status=status,
        organisation=organisation,
        form=form,
        constituencies=configuration.constituencies(db, organisation.id),
        methods=sorted(METHODS),
        channels=[c.value for c in Channel],
        steps=STEP_INPUTS,
        all_steps=list(Step),
        officer=is_returning_officer(db, user, organisation),
        **extra,
    )


@get(f"{ELECTIONS}/new", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def new_election_page(db: Session, identity: Identity, slug: str) -> Template:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    form = {"seats": "1", "method": "mer2014-stv", "channels": ["online"]}
    return _new_page(db, organisation, user, form=form)


@post(f"{ELECTIONS}/new", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def new_election_submit(db: Session, identity: Identity, slug: str, data: Form) -> Response[Any]:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    values = _form_values(data)
    officer = is_returning_officer(db, user, organisation)
    checking = first_value(data, "action") == "check"
    parsed, errors = parse_form(ElectionCreate, values)
    rows: list[dict[str, Any]] = []
    if parsed is not None:
        try:
            plan, _ = service.make_plan(organisation, parsed, may_override=officer)
            rows = timetable_rows(plan)
            if not checking:
                election = service.create_election(
                    db, organisation, parsed, actor=actor_of(user), may_override=officer
                )
                notice = "draft" if parsed.draft else "scheduled"
                return redirect(f"/o/{slug}/elections/{election.id}/manage?notice={notice}")
        except Problem as error:
            errors = field_errors(error, "close_of_poll")
            issues = problem_extra(error).get("issues")
            if issues:
                errors = {f"date_{i['step']}": i["message"] for i in issues}
    status = 200 if checking and not errors else 400
    return _new_page(db, organisation, user, form=values, rows=rows, errors=errors, status=status)


# -- the list and the dashboard ----------------------------------------------------------------


@get(f"{ELECTIONS}/manage", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def manage_list(db: Session, identity: Identity, slug: str) -> Template:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    return page(
        "election_list.html",
        "Elections",
        organisation=organisation,
        elections=service.elections_of(db, organisation),
        staff=True,
    )


def _dashboard(
    db: Session,
    organisation: Organisation,
    election: Election,
    user: User,
    *,
    status: int = 200,
    notice: str = "",
    **extra: Any,
) -> Template:
    detail = staff_detail(db, organisation, election)
    candidates = nominations.candidates_of(db, election)
    conduct = db.get(ElectionConduct, election.id)
    return page(
        "election_manage.html",
        election.title,
        status=status,
        organisation=organisation,
        election=election,
        detail=detail,
        candidates=candidates,
        officer=is_returning_officer(db, user, organisation),
        reasons=REJECTION_REASONS,
        chart=stage_chart(election.result) if election.result else "",
        flash_messages=[{"kind": "success", "text": NOTICES[notice]}] if notice in NOTICES else [],
        editable=election.status in service.EDITABLE,
        S=ElectionStatus,
        all_steps=list(Step),
        steps=STEP_INPUTS,
        form=extra.pop("form", {}),
        non_working_days=conduct.non_working_days if conduct else [],
        key_fingerprint=key_custody.key_fingerprint(election),
        key_settable=key_custody.settable(db, election),
        **extra,
    )


@get(MANAGE, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def dashboard(
    db: Session, identity: Identity, slug: str, election_id: RowId, notice: str = ""
) -> Template:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    return _dashboard(db, organisation, election, user, notice=notice)


def _act(
    db: Session,
    identity: Identity,
    slug: str,
    election_id: RowId,
    action: Any,
    *,
    officer: bool = True,
    notice: str,
) -> Response[Any]:
    """Run ``action(organisation, election, user)``; on a refusal, show the dashboard with it."""
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=officer
    )
    try:
        action(organisation, election, user)
    except Problem as error:
        db.rollback()
        election = db.get(Election, election_id, populate_existing=True) or election
        return _dashboard(
            db,
            organisation,
            election,
            user,
            status=error.status_code,
            errors=field_errors(error, "form"),
        )
    return redirect(f"/o/{slug}/elections/{election_id}/manage?notice={notice}")


@post(f"{MANAGE}/schedule", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def schedule_submit(
    db: Session, identity: Identity, slug: str, election_id: RowId
) -> Response[Any]:
    return _act(
        db,
        identity,
        slug,
        election_id,
        lambda o, e, u: service.schedule(db, o, e, actor=actor_of(u)),
        officer=False,
        notice="scheduled",
    )


@post(f"{MANAGE}/timetable", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def timetable_submit(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: Form
) -> Response[Any]:
    values = _timetable_fields(data)
    parsed, errors = parse_form(TimetableIn, values)
    if parsed is None:
        organisation, election, user = staff_election(
            db, identity, slug, election_id, returning_officer=False
        )
        return _dashboard(db, organisation, election, user, status=400, errors=errors, form=values)

    def change(organisation: Organisation, election: Election, user: User) -> None:
        service.change_timetable(
            db,
            organisation,
            election,
            parsed,
            actor=actor_of(user),
            may_override=is_returning_officer(db, user, organisation),
        )

    return _act(db, identity, slug, election_id, change, officer=False, notice="timetable")


@post(
    f"{MANAGE}/candidates/{{candidate_id:int}}/decision",
    guards=OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
)
def decision_submit(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
    data: Form,
) -> Response[Any]:
    choice = first_value(data, "decision")
    reason = first_value(data, "reason", 40) or None

    def decide(organisation: Organisation, election: Election, user: User) -> None:
        if choice not in {"accept", "reject"}:
            raise Problem(422, "invalid", "Choose whether to accept or reject the nomination.")
        nominations.decide(
            db,
            organisation,
            election,
            nominations.candidate_in(db, election, candidate_id),
            accept=choice == "accept",
            reason=reason,
            note=first_value(data, "note", 500),
            actor=actor_of(user),
            base_url=state["settings"].base_url,
        )

    return _act(db, identity, slug, election_id, decide, notice="decided")


@post(
    f"{MANAGE}/candidates/{{candidate_id:int}}/withdrawal",
    guards=OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
)
def withdrawal_submit(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
) -> Response[Any]:
    def withdraw(organisation: Organisation, election: Election, user: User) -> None:
        nominations.withdraw(
            db,
            organisation,
            election,
            nominations.candidate_in(db, election, candidate_id),
            actor=actor_of(user),
            base_url=state["settings"].base_url,
        )

    return _act(db, identity, slug, election_id, withdraw, notice="withdrawn")


@post(
    f"{MANAGE}/candidates/{{candidate_id:int}}/removal",
    guards=OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
)
def removal_submit(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    candidate_id: RowId,
    data: Form,
) -> Response[Any]:
    cause = first_value(data, "cause")

    def remove(organisation: Organisation, election: Election, user: User) -> None:
        if cause not in {"died", "disqualified"}:
            raise Problem(422, "invalid", "Choose whether the candidate died or was disqualified.")
        remove_candidate(
            db,
            organisation,
            election,
            nominations.candidate_in(db, election, candidate_id),
            cause=cause,
            note=first_value(data, "note", 500),
            actor=actor_of(user),
            base_url=state["settings"].base_url,
        )

    return _act(db, identity, slug, election_id, remove, notice="removed")


@post(f"{MANAGE}/count", guards=OFFICER, include_in_schema=False, sync_to_thread=True)
def count_submit(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: Form
) -> Response[Any]:
    seed = first_value(data, "seed", 100) or None
    pasted = first_value(data, "election_key", 20_000)
    shares = shares_from_text(pasted)
    private_key = None if shares else (private_key_from_text(pasted) or None)
    del pasted

    def run(organisation: Organisation, election: Election, user: User) -> None:
        try:
            declaration.count(
                db,
                election,
                seed=seed,
                actor=actor_of(user),
                private_key=private_key,
                shares=shares,
            )
        except Invalid as error:  # the key: shown beside the key field
            raise Invalid(
                error.slug, str(error.detail), extra=_on("election_key", str(error.detail))
            ) from None

    return _act(db, identity, slug, election_id, run, notice="counted")


@post(f"{MANAGE}/election-key", guards=OFFICER, include_in_schema=False, sync_to_thread=True)
def election_key_submit(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: Form
) -> Response[Any]:
    public_key = first_value(data, "public_key", 200)
    typed = {name: first_value(data, name, 3) for name in ("trustees", "shares_needed")}

    def run(organisation: Organisation, election: Election, user: User) -> None:
        numbers: dict[str, int | None] = {}
        for name, text in typed.items():
            if text and not text.isdigit():
                raise Invalid(
                    "bad-number", "Give a whole number.", extra=_on(name, "Give a whole number.")
                )
            numbers[name] = int(text) if text else None
        try:
            key_custody.set_public_key(
                db,
                election,
                public_key=public_key,
                shares_needed=numbers["shares_needed"],
                trustees=numbers["trustees"],
                actor=actor_of(user),
            )
        except Invalid as error:
            field = "trustees" if error.slug == "bad-threshold" else "public_key"
            raise Invalid(
                error.slug, str(error.detail), extra=_on(field, str(error.detail))
            ) from None

    return _act(db, identity, slug, election_id, run, notice="key")


def _on(field: str, message: str) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message}]}


@post(f"{MANAGE}/declare", guards=OFFICER, include_in_schema=False, sync_to_thread=True)
def declare_submit(
    db: Session, identity: Identity, state: State, slug: str, election_id: RowId
) -> Response[Any]:
    return _act(
        db,
        identity,
        slug,
        election_id,
        lambda o, e, u: declaration.declare(
            db, o, e, actor=actor_of(u), base_url=state["settings"].base_url
        ),
        notice="declared",
    )


@post(f"{MANAGE}/cancel", guards=OFFICER, include_in_schema=False, sync_to_thread=True)
def cancel_submit(
    db: Session, identity: Identity, slug: str, election_id: RowId, data: Form
) -> Response[Any]:
    reason = first_value(data, "reason", 500)

    def cancel(organisation: Organisation, election: Election, user: User) -> None:
        if not reason:
            raise Problem(
                422,
                "invalid",
                "Give the reason for cancelling.",
                extra={"errors": [{"field": "reason", "message": "Give the reason"}]},
            )
        service.cancel(db, election, reason=reason, actor=actor_of(user))

    return _act(db, identity, slug, election_id, cancel, notice="cancelled")


def staff_lifecycle_pages() -> list[Any]:
    return [
        new_election_page,
        new_election_submit,
        manage_list,
        dashboard,
        schedule_submit,
        timetable_submit,
        decision_submit,
        withdrawal_submit,
        removal_submit,
        count_submit,
        election_key_submit,
        declare_submit,
        cancel_submit,
    ]
