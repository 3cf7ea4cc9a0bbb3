"""Staff-facing JSON shapes for the accountability API. These may show what staff may see
(for example who asked a question); public output goes through ``public.py`` only."""

from __future__ import annotations

from typing import Any

from governance.accountability.models import (
    BoardRequest,
    Consultation,
    ForwardPlan,
    GovernorReport,
    KeyDecision,
    UpdateRequest,
)
from governance.accountability.notice import Assessment


def plan_out(plan: ForwardPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "year": plan.year,
        "title": plan.title,
        "summary": plan.summary,
        "status": plan.status,
        "governors_views": plan.governors_views,
        "views_gathered_on": plan.views_gathered_on,
        "board_regard": plan.board_regard,
        "published_at": plan.published_at,
    }


def decision_out(decision: KeyDecision, found: Assessment) -> dict[str, Any]:
    return {
        "id": decision.id,
        "title": decision.title,
        "description": decision.description,
        "decision_maker": decision.decision_maker,
        "decision_date": decision.decision_date,
        "papers": decision.papers,
        "category": decision.category,
        "threshold": decision.threshold,
        "status": decision.status,
        "notice_published_at": decision.notice_published_at,
        "urgent": decision.urgent,
        "urgent_reason": decision.urgent_reason,
        "taken_on": decision.taken_on,
        "outcome": decision.outcome,
        "motion_id": decision.motion_id,
        "notice": {
            "status": found.status.value,
            "publish_by": found.publish_by,
            "clear_days_given": found.clear_days_given,
            "shortfall": found.shortfall,
            "taken_without_notice": found.taken_without_notice,
        },
    }


def consultation_out(consultation: Consultation, status: str, responses: int) -> dict[str, Any]:
    return {
        "id": consultation.id,
        "title": consultation.title,
        "question": consultation.question,
        "decision_id": consultation.decision_id,
        "status": status,
        "opened_at": consultation.opened_at,
        "closes_at": consultation.closes_at,
        "responses": responses,
        "council_view": consultation.council_view,
        "board_regard": consultation.board_regard,
    }


def request_out(request: UpdateRequest, *, staff: bool) -> dict[str, Any]:
    """A request as its asker (``staff=False``) or the governors see it."""
    shown: dict[str, Any] = {
        "id": request.id,
        "reference": f"R{request.id}",
        "kind": request.kind,
        "subject": request.subject,
        "body": request.body,
        "status": request.status,
        "received_on": request.received_on,
        "due_on": request.due_on,
        "answer": request.answer,
        "answered_on": request.answered_on,
        "answered_by": request.answered_by_name,
        "name_published": request.name_published,
    }
    if staff:
        shown |= {
            "member_id": request.member_id,
            "constituency_id": request.constituency_id,
            "assigned_user_id": request.assigned_user_id,
            "withheld_reason": request.withheld_reason,
            "escalated_at": request.escalated_at,
        }
    return shown


def report_out(report: GovernorReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "title": report.title,
        "constituency_id": report.constituency_id,
        "author": report.author_name,
        "published_on": report.published_on,
        "body": report.body,
    }


def board_request_out(request: BoardRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "kind": request.kind,
        "subject": request.subject,
        "detail": request.detail,
        "directors": request.directors,
        "requested_on": request.requested_on,
        "meeting_date": request.meeting_date,
        "response": request.response,
        "responded_on": request.responded_on,
    }
