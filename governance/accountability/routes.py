"""The accountability API under ``/api/orgs/{slug}/accountability``: thin handlers over the
services. The same public lists as the pages are at ``/o/{slug}/transparency/<list>.json``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Request, Router, get, post, put
from litestar.datastructures import State
from sqlmodel import Session

from governance.accountability import (
    board_requests,
    consultations,
    governors,
    health,
    health_data,
    reports,
    service,
    update_requests,
    views,
)
from governance.accountability.access import (
    BOARD,
    GOVERNORS,
    SECRETARY,
    STAFF,
    board_only,
    governors_only,
    local_day,
    members_only,
    secretary_only,
    staff,
    staff_only,
)
from governance.accountability.member_pages import member_routes
from governance.accountability.models import (
    BoardRequest,
    Consultation,
    ForwardPlan,
    KeyDecision,
    UpdateRequest,
)
from governance.accountability.plan_pages import plan_routes
from governance.accountability.public_pages import public_routes
from governance.accountability.register_pages import register_routes
from governance.accountability.schemas import (
    AnswerIn,
    AssignIn,
    BoardRequestIn,
    BoardResponseIn,
    ConsultationIn,
    Created,
    DecisionIn,
    DecisionPublishIn,
    DeclarationIn,
    GovernorLinkIn,
    PlanIn,
    PlanPublishIn,
    ReportIn,
    RequestIn,
    ResponseIn,
    StatementIn,
    StepsIn,
    TakenIn,
    TrainingIn,
    ViewsIn,
)
from governance.accountability.staff_pages import governor_routes
from governance.auth.middleware import Identity
from governance.auth.web import client_ip
from governance.db import utcnow
from governance.errors import Invalid
from governance.members.access import signed_in_member

Out = dict[str, Any]

# -- forward plans and key decisions ------------------------------------------------------------


@get("/plans", guards=[secretary_only], sync_to_thread=True, summary="Forward plans")
def list_plans(db: Session, identity: Identity, slug: str) -> list[Out]:
    who = staff(db, identity, slug, SECRETARY)
    return [views.plan_out(p) for p in service.plans(db, who.organisation)]


@post("/plans", guards=[secretary_only], sync_to_thread=True, summary="Start a forward plan")
def create_plan(db: Session, identity: Identity, slug: str, data: PlanIn) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    return views.plan_out(service.create_plan(db, who.organisation, data, actor=who.actor))


@post(
    "/plans/{plan_id:int}/views",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=200,
    summary="Record the governors' views on a forward plan",
)
def plan_views(db: Session, identity: Identity, slug: str, plan_id: int, data: ViewsIn) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    plan = service.owned(db, ForwardPlan, who.organisation, plan_id)
    return views.plan_out(service.record_views(db, who.organisation, plan, data, actor=who.actor))


@post(
    "/plans/{plan_id:int}/publish",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=200,
    summary="Publish a forward plan with how the board had regard to the governors' views",
)
def plan_publish(
    db: Session, identity: Identity, slug: str, plan_id: int, data: PlanPublishIn
) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    plan = service.owned(db, ForwardPlan, who.organisation, plan_id)
    return views.plan_out(service.publish_plan(db, who.organisation, plan, data, actor=who.actor))


def _decision(db: Session, who: Any, decision: KeyDecision) -> Out:
    found = service.assessment(who.organisation, decision, local_day(who.organisation))
    return views.decision_out(decision, found)


@get("/decisions", guards=[secretary_only], sync_to_thread=True, summary="Key decisions")
def list_decisions(db: Session, identity: Identity, slug: str) -> list[Out]:
    """Every key decision, drafts included, with its notice status."""
    who = staff(db, identity, slug, SECRETARY)
    return [_decision(db, who, d) for d in service.decisions(db, who.organisation)]


@post("/decisions", guards=[secretary_only], sync_to_thread=True, summary="Record a key decision")
def create_decision(db: Session, identity: Identity, slug: str, data: DecisionIn) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    return _decision(db, who, service.create_decision(db, who.organisation, data, actor=who.actor))


@post(
    "/decisions/{decision_id:int}/publish",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=200,
    summary="Publish the notice of a key decision (urgent_reason for shorter notice)",
)
def publish_decision(
    db: Session, identity: Identity, slug: str, decision_id: int, data: DecisionPublishIn
) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    decision = service.owned(db, KeyDecision, who.organisation, decision_id)
    service.publish_decision(db, who.organisation, decision, data, actor=who.actor)
    return _decision(db, who, decision)


@post(
    "/decisions/{decision_id:int}/taken",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=200,
    summary="Record a key decision as taken, with its votes",
)
def decision_taken(
    db: Session, identity: Identity, slug: str, decision_id: int, data: TakenIn
) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    decision = service.owned(db, KeyDecision, who.organisation, decision_id)
    service.take_decision(db, who.organisation, decision, data, actor=who.actor)
    return _decision(db, who, decision)


@post(
    "/decisions/{decision_id:int}/withdraw",
    guards=[secretary_only],
    sync_to_thread=True,
    status_code=200,
    summary="Withdraw a key decision",
)
def decision_withdraw(db: Session, identity: Identity, slug: str, decision_id: int) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    decision = service.owned(db, KeyDecision, who.organisation, decision_id)
    service.withdraw_decision(db, who.organisation, decision, actor=who.actor)
    return _decision(db, who, decision)


# -- consultations ------------------------------------------------------------------------------


def _consultation(db: Session, consultation: Consultation) -> Out:
    assert consultation.id is not None
    counted = sum(consultations.response_counts(db, consultation.id).values())
    status = consultations.shown_status(consultation, utcnow()).value
    return views.consultation_out(consultation, status, counted)


@get("/consultations", guards=[staff_only], sync_to_thread=True, summary="Consultations")
def list_consultations(db: Session, identity: Identity, slug: str) -> list[Out]:
    who = staff(db, identity, slug, STAFF)
    return [_consultation(db, c) for c in consultations.consultations(db, who.organisation)]


@post("/consultations", guards=[governors_only], sync_to_thread=True, summary="Open one")
def open_consultation(db: Session, identity: Identity, slug: str, data: ConsultationIn) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    return _consultation(db, consultations.open_consultation(db, who, data))


@get(
    "/consultations/{consultation_id:int}/responses",
    guards=[staff_only],
    sync_to_thread=True,
    summary="The responses (without names)",
)
def consultation_responses(
    db: Session, identity: Identity, slug: str, consultation_id: int
) -> list[Out]:
    who = staff(db, identity, slug, STAFF)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return [
        {
            "constituency_id": r.constituency_id,
            "body": r.body,
            "publish_text": r.publish_text,
            "submitted_at": r.submitted_at,
        }
        for r in consultations.responses(db, found.id or 0)
    ]


@post(
    "/consultations/{consultation_id:int}/council-view",
    guards=[governors_only],
    sync_to_thread=True,
    status_code=200,
    summary="Record the council's view",
)
def council_view(
    db: Session, identity: Identity, slug: str, consultation_id: int, data: StatementIn
) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return _consultation(db, consultations.record_council_view(db, who, found, data))


@post(
    "/consultations/{consultation_id:int}/board-regard",
    guards=[board_only],
    sync_to_thread=True,
    status_code=200,
    summary="Record how the board had regard to the council's view",
)
def board_regard(
    db: Session, identity: Identity, slug: str, consultation_id: int, data: StatementIn
) -> Out:
    who = staff(db, identity, slug, BOARD)
    found = service.owned(db, Consultation, who.organisation, consultation_id)
    return _consultation(db, consultations.record_board_regard(db, who, found, data))


@post(
    "/consultations/{consultation_id:int}/responses",
    guards=[members_only],
    sync_to_thread=True,
    summary="A member responds",
)
def respond(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    consultation_id: int,
    data: ResponseIn,
) -> Created:
    organisation, member = signed_in_member(db, identity, slug)
    found = service.owned(db, Consultation, organisation, consultation_id)
    response = consultations.respond(
        db, state["keys"], organisation, found, member=member, data=data
    )
    return Created(id=response.id or 0)


# -- members' requests --------------------------------------------------------------------------


@post("/requests", guards=[members_only], sync_to_thread=True, summary="Ask your governors")
def raise_request(
    request: Request[Any, Any, Any],
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    data: RequestIn,
) -> Out:
    organisation, member = signed_in_member(db, identity, slug)
    found = update_requests.raise_request(
        db,
        state["keys"],
        organisation,
        member,
        data,
        ip=client_ip(request),
        base_url=state.settings.base_url,
    )
    return views.request_out(found, staff=False)


@get("/my-requests", guards=[members_only], sync_to_thread=True, summary="Your questions")
def my_requests(db: Session, identity: Identity, slug: str) -> list[Out]:
    organisation, member = signed_in_member(db, identity, slug)
    found = update_requests.requests(db, organisation, member_id=member.id)
    return [views.request_out(r, staff=False) for r in found]


@get("/requests", guards=[governors_only], sync_to_thread=True, summary="Members' questions")
def list_requests(db: Session, identity: Identity, slug: str, open_only: bool = True) -> list[Out]:
    who = staff(db, identity, slug, GOVERNORS)
    statuses = update_requests.OPEN if open_only else ()
    found = update_requests.requests(db, who.organisation, statuses=statuses)
    return [views.request_out(r, staff=True) for r in found]


@post(
    "/requests/{request_id:int}/assign",
    guards=[governors_only],
    sync_to_thread=True,
    status_code=200,
    summary="Assign a question to a governor",
)
def assign_request(
    db: Session, identity: Identity, slug: str, request_id: int, data: AssignIn
) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, UpdateRequest, who.organisation, request_id)
    return views.request_out(update_requests.assign(db, who, found, data.user_id), staff=True)


@post(
    "/requests/{request_id:int}/answer",
    guards=[governors_only],
    sync_to_thread=True,
    status_code=200,
    summary="Answer a question",
)
def answer_request(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    request_id: int,
    data: AnswerIn,
) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, UpdateRequest, who.organisation, request_id)
    answered = update_requests.answer(db, who, found, data, base_url=state.settings.base_url)
    return views.request_out(answered, staff=True)


# -- reports, the register, the board and the annual report -------------------------------------


@post("/reports", guards=[governors_only], sync_to_thread=True, summary="Publish a report")
def publish_report(db: Session, identity: Identity, slug: str, data: ReportIn) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    return views.report_out(reports.publish_report(db, who, data))


@get(
    "/reports/schedule",
    guards=[governors_only],
    sync_to_thread=True,
    summary="Reports due and missed",
)
def report_schedule(db: Session, identity: Identity, slug: str) -> list[Out]:
    who = staff(db, identity, slug, GOVERNORS)
    return [
        {
            "constituency": s.constituency.code,
            "last_report": s.last_report,
            "due_on": s.due_on,
            "missed": s.missed,
        }
        for s in reports.schedule(db, who.organisation, local_day(who.organisation))
    ]


@get("/governors", guards=[secretary_only], sync_to_thread=True, summary="The governor register")
def governor_register(db: Session, identity: Identity, slug: str) -> list[Out]:
    who = staff(db, identity, slug, SECRETARY)
    today = local_day(who.organisation)
    return [
        {
            "member": e.member.reference,
            "name": e.member.display_name,
            "office": e.office,
            "constituency": e.constituency,
            "starts_on": e.term.starts_on,
            "ends_on": e.term.ends_on,
            "lead": e.lead,
            "account": e.account,
            "served_months": e.standing.served_months,
            "served_at_term_end_months": e.standing.served_at_term_end,
            "cap_months": e.standing.cap_months,
            "can_stand_again": e.standing.can_stand_again,
            "council_meetings": e.meetings,
            "attended": e.attended,
            "training": [{"course": t.course, "completed_on": t.completed_on} for t in e.training],
            "interests": e.interests.content if e.interests else None,
            "interests_current": e.interests_current,
            "eligibility_current": e.eligibility_current,
            "election_prompt": e.prompt,
        }
        for e in governors.register(db, who.organisation, today)
    ]


@post("/governors", guards=[secretary_only], sync_to_thread=True, summary="Record a governor")
def link_governor(db: Session, identity: Identity, slug: str, data: GovernorLinkIn) -> Created:
    who = staff(db, identity, slug, SECRETARY)
    return Created(id=governors.link_account(db, who, data).id or 0)


@post("/governors/training", guards=[secretary_only], sync_to_thread=True, summary="Training")
def add_training(db: Session, identity: Identity, slug: str, data: TrainingIn) -> Created:
    who = staff(db, identity, slug, SECRETARY)
    return Created(id=governors.add_training(db, who, data).id or 0)


@post(
    "/governors/declarations",
    guards=[secretary_only],
    sync_to_thread=True,
    summary="A declaration of interests or of eligibility",
)
def add_declaration(db: Session, identity: Identity, slug: str, data: DeclarationIn) -> Created:
    who = staff(db, identity, slug, SECRETARY)
    return Created(id=governors.add_declaration(db, who, data).id or 0)


@get("/board-requests", guards=[governors_only], sync_to_thread=True, summary="Board log")
def list_board_requests(db: Session, identity: Identity, slug: str) -> list[Out]:
    who = staff(db, identity, slug, GOVERNORS)
    return [views.board_request_out(r) for r in board_requests.board_requests(db, who.organisation)]


@post("/board-requests", guards=[governors_only], sync_to_thread=True, summary="Log a request")
def log_board_request(db: Session, identity: Identity, slug: str, data: BoardRequestIn) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    return views.board_request_out(board_requests.log_request(db, who, data))


@post(
    "/board-requests/{request_id:int}/response",
    guards=[governors_only],
    sync_to_thread=True,
    status_code=200,
    summary="Record the board's response",
)
def board_response(
    db: Session, identity: Identity, slug: str, request_id: int, data: BoardResponseIn
) -> Out:
    who = staff(db, identity, slug, GOVERNORS)
    found = service.owned(db, BoardRequest, who.organisation, request_id)
    return views.board_request_out(board_requests.respond(db, who, found, data))


@put(
    "/annual-statements/{year:int}",
    guards=[secretary_only],
    sync_to_thread=True,
    summary="The steps taken to keep the membership representative",
)
def save_statement(db: Session, identity: Identity, slug: str, year: int, data: StepsIn) -> Out:
    who = staff(db, identity, slug, SECRETARY)
    if not 2000 <= year <= 2100:
        raise Invalid("bad-year", "Give a year between 2000 and 2100.")
    found = service.save_statement(
        db, who.organisation, year, data.representativeness_steps, actor=who.actor
    )
    return {"year": found.year, "representativeness_steps": found.representativeness_steps}


@get(
    "/health/{year:int}",
    guards=[staff_only],
    sync_to_thread=True,
    summary="The democratic health report, without suppression (staff only)",
)
def health_report(db: Session, identity: Identity, slug: str, year: int) -> Out:
    who = staff(db, identity, slug, STAFF)
    if not 2000 <= year <= local_day(who.organisation).year:
        raise Invalid("bad-year", "Give a year up to this one.")
    report = health.build(health_data.gather(db, who.organisation, year), public=False)
    return {"year": year, "rows": [asdict(r) for r in report.rows]}


def accountability_routes() -> list[Any]:
    """The API, and the staff, member and public pages."""
    api = Router(
        path="/api/orgs/{slug:str}/accountability",
        route_handlers=[
            list_plans, create_plan, plan_views, plan_publish, list_decisions, create_decision,
            publish_decision, decision_taken, decision_withdraw, list_consultations,
            open_consultation, consultation_responses, council_view, board_regard, respond,
            raise_request, my_requests, list_requests, assign_request, answer_request,
            publish_report, report_schedule, governor_register, link_governor, add_training,
            add_declaration, list_board_requests, log_board_request, board_response,
            save_statement, health_report,
        ],
        tags=["accountability"],
    )  # fmt: skip
    return [
        api,
        *plan_routes(),
        *governor_routes(),
        *register_routes(),
        *member_routes(),
        *public_routes(),
    ]
