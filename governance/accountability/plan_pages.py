"""The secretary's pages for forward plans and key decisions (with their notice status)."""

from __future__ import annotations

from typing import Any

from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.accountability import service
from governance.accountability.access import SECRETARY, Staff, local_day, secretary_only, staff
from governance.accountability.models import DecisionStatus, ForwardPlan, KeyDecision, Vote
from governance.accountability.schemas import (
    DecisionIn,
    DecisionPublishIn,
    PlanIn,
    PlanPublishIn,
    TakenIn,
    ViewsIn,
    VoteIn,
)
from governance.accountability.web import Form, back_to, fields, page, page_get, page_post, value
from governance.auth.middleware import Identity
from governance.errors import Problem
from governance.web.forms import field_errors, parse_form

BASE = "/o/{slug:str}/accountability"


def _base(who: Staff) -> str:
    return f"/o/{who.organisation.slug}/accountability"


# -- forward plans ------------------------------------------------------------------------------


def _plans_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    context.setdefault("form", {"year": str(local_day(who.organisation).year + 1)})
    return page(
        "plans.html",
        "Forward plans",
        status=status,
        organisation=who.organisation,
        who=who,
        plans=service.plans(db, who.organisation),
        **context,
    )


@page_get(f"{BASE}/plans", secretary_only)
def plans_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _plans_page(db, staff(db, identity, slug, SECRETARY), notice=notice)


@page_post(f"{BASE}/plans", secretary_only)
def plans_create(db: Session, identity: Identity, slug: str, data: Form) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    form, errors = parse_form(PlanIn, fields(data, "year", "title", "summary"))
    if form is not None:
        try:
            plan = service.create_plan(db, who.organisation, form, actor=who.actor)
        except Problem as error:
            errors = field_errors(error, "year")
        else:
            return back_to(f"{_base(who)}/plans/{plan.id}", "plan-created")
    return _plans_page(db, who, status=400, errors=errors, form=dict(data))


def _plan_page(
    db: Session, who: Staff, plan: ForwardPlan, *, status: int = 200, **context: Any
) -> Template:
    return page(
        "plan.html",
        f"Forward plan {plan.year}",
        status=status,
        organisation=who.organisation,
        who=who,
        plan=plan,
        decisions=[
            d for d in service.decisions(db, who.organisation) if d.forward_plan_id == plan.id
        ],
        **context,
    )


@page_get(f"{BASE}/plans/{{plan_id:int}}", secretary_only)
def plan_page(
    db: Session, identity: Identity, slug: str, plan_id: int, notice: str = ""
) -> Template:
    who = staff(db, identity, slug, SECRETARY)
    plan = service.owned(db, ForwardPlan, who.organisation, plan_id)
    return _plan_page(db, who, plan, notice=notice)


@page_post(f"{BASE}/plans/{{plan_id:int}}/{{action:str}}", secretary_only)
def plan_action(
    db: Session, identity: Identity, *, slug: str, plan_id: int, action: str, data: Form
) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    plan = service.owned(db, ForwardPlan, who.organisation, plan_id)
    here = f"{_base(who)}/plans/{plan.id}"
    errors: dict[str, str] = {}
    if action == "views":
        views, errors = parse_form(ViewsIn, fields(data, "governors_views", "gathered_on"))
        if views is not None:
            try:
                service.record_views(db, who.organisation, plan, views, actor=who.actor)
            except Problem as error:
                errors = field_errors(error, "governors_views")
            else:
                return back_to(here, "views-recorded")
    elif action == "publish":
        publish, errors = parse_form(PlanPublishIn, fields(data, "board_regard"))
        if publish is not None:
            try:
                service.publish_plan(db, who.organisation, plan, publish, actor=who.actor)
            except Problem as error:
                errors = field_errors(error, "board_regard")
            else:
                return back_to(here, "plan-published")
    else:
        return Redirect(path=here, status_code=303)
    return _plan_page(db, who, plan, status=400, errors=errors, form=dict(data))


# -- key decisions ------------------------------------------------------------------------------

DECISION_FIELDS = (
    "title",
    "description",
    "decision_maker",
    "decision_date",
    "papers",
    "category",
    "threshold",
    "forward_plan_year",
)


def _decisions_page(db: Session, who: Staff, *, status: int = 200, **context: Any) -> Template:
    organisation = who.organisation
    today = local_day(organisation)
    found = service.decisions(db, organisation)
    rule = service.notice_rule(organisation)
    return page(
        "decisions.html",
        "Key decisions",
        status=status,
        organisation=organisation,
        who=who,
        rows=[(d, service.assessment(organisation, d, today)) for d in found],
        rule=rule,
        categories=service.categories(organisation),
        plans=service.plans(db, organisation),
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/decisions", secretary_only)
def decisions_page(db: Session, identity: Identity, slug: str, notice: str = "") -> Template:
    return _decisions_page(db, staff(db, identity, slug, SECRETARY), notice=notice)


@page_post(f"{BASE}/decisions", secretary_only)
def decisions_create(db: Session, identity: Identity, slug: str, data: Form) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    raw = fields(data, *DECISION_FIELDS)
    if not raw.get("forward_plan_year"):
        raw.pop("forward_plan_year", None)
    form, errors = parse_form(DecisionIn, raw)
    if form is not None:
        try:
            decision = service.create_decision(db, who.organisation, form, actor=who.actor)
        except Problem as error:
            errors = field_errors(error, "category")
        else:
            return back_to(f"{_base(who)}/decisions/{decision.id}", "decision-created")
    return _decisions_page(db, who, status=400, errors=errors, form=dict(data))


def _decision_page(
    db: Session, who: Staff, decision: KeyDecision, *, status: int = 200, **context: Any
) -> Template:
    organisation = who.organisation
    today = local_day(organisation)
    assert decision.id is not None
    return page(
        "decision.html",
        decision.title,
        status=status,
        organisation=organisation,
        who=who,
        decision=decision,
        found=service.assessment(organisation, decision, today),
        rule=service.notice_rule(organisation),
        votes=service.votes_of(db, [decision.id])[decision.id],
        choices=list(Vote),
        open_=decision.status in (DecisionStatus.DRAFT, DecisionStatus.PUBLISHED),
        today=today,
        form=context.pop("form", {}),
        **context,
    )


@page_get(f"{BASE}/decisions/{{decision_id:int}}", secretary_only)
def decision_page(
    db: Session, identity: Identity, slug: str, decision_id: int, notice: str = ""
) -> Template:
    who = staff(db, identity, slug, SECRETARY)
    decision = service.owned(db, KeyDecision, who.organisation, decision_id)
    return _decision_page(db, who, decision, notice=notice)


def _votes(data: Form) -> tuple[list[VoteIn], dict[str, str]]:
    """Votes typed one per line as "Name, governor|director, for|against|abstain|absent"."""
    votes: list[VoteIn] = []
    for number, line in enumerate(value(data, "votes").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            return [], {"votes": f"Line {number}: write the name, the role and the vote"}
        vote, errors = parse_form(VoteIn, {"name": parts[0], "role": parts[1].lower(),
                                           "vote": parts[2].lower()})  # fmt: skip
        if vote is None:
            return [], {"votes": f"Line {number}: {next(iter(errors.values()))}"}
        votes.append(vote)
    return votes, {}


@page_post(f"{BASE}/decisions/{{decision_id:int}}/{{action:str}}", secretary_only)
def decision_action(
    db: Session, identity: Identity, *, slug: str, decision_id: int, action: str, data: Form
) -> Any:
    who = staff(db, identity, slug, SECRETARY)
    decision = service.owned(db, KeyDecision, who.organisation, decision_id)
    here = f"{_base(who)}/decisions/{decision.id}"
    errors: dict[str, str] = {}
    try:
        if action == "publish":
            publish, errors = parse_form(DecisionPublishIn, fields(data, "urgent_reason"))
            if publish is not None:
                service.publish_decision(db, who.organisation, decision, publish, actor=who.actor)
                return back_to(here, "decision-published")
        elif action == "taken":
            votes, errors = _votes(data)
            raw: dict[str, Any] = fields(data, "taken_on", "outcome", "motion_id")
            if not raw.get("motion_id"):
                raw.pop("motion_id", None)
            taken, form_errors = parse_form(TakenIn, {**raw, "votes": []})
            errors = {**form_errors, **errors}
            if taken is not None and not errors:
                taken = taken.model_copy(update={"votes": votes})
                service.take_decision(db, who.organisation, decision, taken, actor=who.actor)
                return back_to(here, "decision-taken")
        elif action == "withdraw":
            service.withdraw_decision(db, who.organisation, decision, actor=who.actor)
            return back_to(here, "decision-withdrawn")
        else:
            return Redirect(path=here, status_code=303)
    except Problem as error:
        errors = field_errors(error, "taken_on" if action == "taken" else "urgent_reason")
    return _decision_page(
        db, who, decision, status=400, errors=errors, form={**dict(data), "action": action}
    )


def plan_routes() -> list[Any]:
    return [
        plans_page, plans_create, plan_page, plan_action,
        decisions_page, decisions_create, decision_page, decision_action,
    ]  # fmt: skip
