"""Forward plans and key decisions: recording, publishing, taking; and helpers every
accountability operation shares (finding an organisation's record, auditing a change).

Each operation is one transaction, committed here, with its audit entry in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from litestar.exceptions import NotFoundException
from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from governance import audit
from governance.accountability.access import local_day
from governance.accountability.meetings_read import motion_of
from governance.accountability.models import (
    AnnualStatement,
    DecisionStatus,
    DecisionVote,
    ForwardPlan,
    KeyDecision,
    PlanStatus,
)
from governance.accountability.notice import Assessment, NoticeRule, assess
from governance.accountability.schemas import (
    DecisionIn,
    DecisionPublishIn,
    PlanIn,
    PlanPublishIn,
    TakenIn,
    ViewsIn,
)
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings.thresholds import RULES, MotionKind
from governance.organisations.models import Organisation

T = TypeVar("T", bound=SQLModel)
OTHER = "other"


def owned(session: Session, model: type[T], organisation: Organisation, record_id: int) -> T:
    """The organisation's record of this type and id; 404 for anyone else's."""
    found = session.get(model, record_id)
    if found is None or getattr(found, "organisation_id", None) != organisation.id:
        raise NotFoundException()
    return found


def record(
    session: Session,
    organisation: Organisation,
    actor: str,
    action: str,
    obj: SQLModel,
    **detail: Any,
) -> None:
    """Audit a change to ``obj`` in the caller's transaction."""
    audit.record(
        session,
        actor=actor,
        action=f"accountability.{action}",
        organisation_id=organisation.id,
        object_type=str(getattr(obj, "__tablename__", type(obj).__name__)),
        object_id=getattr(obj, "id", "") or "",
        detail=detail,
    )


# -- forward plans ---------------------------------------------------------------------------


def plans(session: Session, organisation: Organisation) -> list[ForwardPlan]:
    return list(
        session.exec(
            select(ForwardPlan)
            .where(ForwardPlan.organisation_id == organisation.id)
            .order_by(col(ForwardPlan.year).desc())
        ).all()
    )


def plan_for_year(session: Session, organisation: Organisation, year: int) -> ForwardPlan | None:
    return session.exec(
        select(ForwardPlan).where(
            ForwardPlan.organisation_id == organisation.id, ForwardPlan.year == year
        )
    ).first()


def create_plan(
    session: Session, organisation: Organisation, data: PlanIn, *, actor: str
) -> ForwardPlan:
    assert organisation.id is not None
    if plan_for_year(session, organisation, data.year) is not None:
        raise Conflict("plan-exists", f"There is already a forward plan for {data.year}.")
    plan = ForwardPlan(
        organisation_id=organisation.id,
        year=data.year,
        title=data.title,
        summary=data.summary,
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    record(session, organisation, actor, "plan_created", plan, year=data.year)
    session.commit()
    return plan


def record_views(
    session: Session, organisation: Organisation, plan: ForwardPlan, data: ViewsIn, *, actor: str
) -> ForwardPlan:
    """Record the governors' views on the draft plan (before it is published)."""
    if plan.status == PlanStatus.PUBLISHED:
        raise Conflict("plan-published", "The plan has been published already.")
    plan.governors_views = data.governors_views
    plan.views_gathered_on = data.gathered_on
    plan.status = PlanStatus.VIEWS_GATHERED
    plan.updated_at = utcnow()
    session.add(plan)
    record(session, organisation, actor, "plan_views_recorded", plan, gathered_on=data.gathered_on)
    session.commit()
    return plan


def publish_plan(
    session: Session,
    organisation: Organisation,
    plan: ForwardPlan,
    data: PlanPublishIn,
    *,
    actor: str,
) -> ForwardPlan:
    """Publish the plan with how the board had regard to the governors' views, which must
    have been gathered first."""
    if plan.status == PlanStatus.PUBLISHED:
        raise Conflict("plan-published", "The plan has been published already.")
    if plan.status != PlanStatus.VIEWS_GATHERED:
        raise Conflict(
            "views-needed", "Record the governors' views before publishing the forward plan."
        )
    plan.board_regard = data.board_regard
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = plan.updated_at = utcnow()
    session.add(plan)
    record(session, organisation, actor, "plan_published", plan)
    session.commit()
    return plan


# -- key decisions ---------------------------------------------------------------------------


def notice_rule(organisation: Organisation) -> NoticeRule:
    constitution = organisation.constitution
    return NoticeRule(
        clear_days=constitution.key_decision_notice_clear_days,
        working_only=constitution.key_decision_notice_working_days,
    )


def assessment(organisation: Organisation, decision: KeyDecision, today: date) -> Assessment:
    published_on = (
        local_day(organisation, decision.notice_published_at)
        if decision.notice_published_at
        else None
    )
    return assess(
        notice_rule(organisation),
        decision_date=decision.decision_date,
        published_on=published_on,
        today=today,
        urgent=decision.urgent,
        taken_on=decision.taken_on,
    )


def categories(organisation: Organisation) -> list[tuple[str, str, str]]:
    """(value, label, threshold) for the motion kinds this kind of organisation uses."""
    kinds = [
        (kind.value, rule.label, rule.describe())
        for kind, rule in RULES.items()
        if organisation.type in rule.types
    ]
    return [*kinds, (OTHER, "Other (no statutory threshold)", "")]


def _category(organisation: Organisation, data: DecisionIn) -> tuple[str, str]:
    if data.category == OTHER:
        return OTHER, data.threshold
    try:
        kind = MotionKind(data.category)
    except ValueError:
        raise Invalid("unknown-category", "Choose a statutory category from the list.") from None
    rule = RULES[kind]
    if organisation.type not in rule.types:
        raise Invalid("unknown-category", "That category does not apply to this organisation.")
    return kind.value, rule.describe()


def decisions(
    session: Session, organisation: Organisation, *, statuses: tuple[str, ...] = ()
) -> list[KeyDecision]:
    query = select(KeyDecision).where(KeyDecision.organisation_id == organisation.id)
    if statuses:
        query = query.where(col(KeyDecision.status).in_(statuses))
    return list(session.exec(query.order_by(col(KeyDecision.decision_date), col(KeyDecision.id))))


def create_decision(
    session: Session, organisation: Organisation, data: DecisionIn, *, actor: str
) -> KeyDecision:
    """Record an upcoming key decision (a draft until published)."""
    assert organisation.id is not None
    category, threshold = _category(organisation, data)
    try:
        notice_rule(organisation).publish_by(data.decision_date)
    except ValueError:
        raise Invalid(
            "date-out-of-range",
            "Working days cannot be counted for that year yet; choose an earlier date.",
        ) from None
    plan = None
    if data.forward_plan_year is not None:
        plan = plan_for_year(session, organisation, data.forward_plan_year)
        if plan is None:
            raise Invalid("no-plan", f"There is no forward plan for {data.forward_plan_year}.")
    decision = KeyDecision(
        organisation_id=organisation.id,
        forward_plan_id=plan.id if plan else None,
        title=data.title,
        description=data.description,
        decision_maker=data.decision_maker,
        decision_date=data.decision_date,
        papers=data.papers,
        category=category,
        threshold=threshold,
        created_by=actor,
    )
    session.add(decision)
    session.flush()
    record(
        session, organisation, actor, "decision_created", decision,
        decision_date=data.decision_date, category=category,
    )  # fmt: skip
    session.commit()
    return decision


def publish_decision(
    session: Session,
    organisation: Organisation,
    decision: KeyDecision,
    data: DecisionPublishIn,
    *,
    actor: str,
) -> Assessment:
    """Publish the notice now. Short notice is allowed but reported as late, or as urgent
    when the reason for it is recorded."""
    if decision.status != DecisionStatus.DRAFT:
        raise Conflict("not-draft", "Only a decision not yet published can be published.")
    now = utcnow()
    today = local_day(organisation, now)
    if decision.decision_date <= today:
        raise Conflict(
            "decision-day-passed",
            "The day of the decision has come; record the decision as taken instead.",
        )
    decision.notice_published_at = decision.updated_at = now
    decision.status = DecisionStatus.PUBLISHED
    reason = data.urgent_reason.strip()
    if reason:
        decision.urgent = True
        decision.urgent_reason = reason
    found = assessment(organisation, decision, today)
    session.add(decision)
    record(
        session, organisation, actor, "decision_published", decision,
        notice=found.status.value, clear_days=found.clear_days_given, urgent=decision.urgent,
    )  # fmt: skip
    session.commit()
    return found


def take_decision(
    session: Session,
    organisation: Organisation,
    decision: KeyDecision,
    data: TakenIn,
    *,
    actor: str,
) -> Assessment:
    """Record the decision as taken, with its outcome and votes (and the motion that decided
    it). A decision taken without notice is allowed, and flagged."""
    if decision.status in (DecisionStatus.TAKEN, DecisionStatus.WITHDRAWN):
        raise Conflict("decision-closed", "This decision has been taken or withdrawn already.")
    today = local_day(organisation)
    if data.taken_on > today:
        raise Invalid("taken-in-future", "A decision cannot be recorded as taken in the future.")
    if data.motion_id is not None and motion_of(session, organisation, data.motion_id) is None:
        raise Invalid("unknown-motion", "There is no such motion in this organisation.")
    assert decision.id is not None
    decision.taken_on = data.taken_on
    decision.outcome = data.outcome
    decision.motion_id = data.motion_id
    decision.status = DecisionStatus.TAKEN
    decision.updated_at = utcnow()
    session.execute(delete(DecisionVote).where(col(DecisionVote.decision_id) == decision.id))
    for vote in data.votes:
        session.add(
            DecisionVote(decision_id=decision.id, name=vote.name, role=vote.role, vote=vote.vote)
        )
    found = assessment(organisation, decision, today)
    session.add(decision)
    record(
        session, organisation, actor, "decision_taken", decision,
        taken_on=data.taken_on, notice=found.status.value,
        without_notice=found.taken_without_notice, votes=len(data.votes),
    )  # fmt: skip
    session.commit()
    return found


def withdraw_decision(
    session: Session, organisation: Organisation, decision: KeyDecision, *, actor: str
) -> None:
    if decision.status in (DecisionStatus.TAKEN, DecisionStatus.WITHDRAWN):
        raise Conflict("decision-closed", "This decision has been taken or withdrawn already.")
    decision.status = DecisionStatus.WITHDRAWN
    decision.updated_at = utcnow()
    session.add(decision)
    record(session, organisation, actor, "decision_withdrawn", decision)
    session.commit()


def votes_of(session: Session, decision_ids: list[int]) -> dict[int, list[DecisionVote]]:
    found: dict[int, list[DecisionVote]] = {i: [] for i in decision_ids}
    if decision_ids:
        for vote in session.exec(
            select(DecisionVote)
            .where(col(DecisionVote.decision_id).in_(decision_ids))
            .order_by(col(DecisionVote.role), col(DecisionVote.name))
        ):
            found[vote.decision_id].append(vote)
    return found


def save_statement(
    session: Session, organisation: Organisation, year: int, steps: str, *, actor: str
) -> AnnualStatement:
    """Record the steps taken in ``year`` to keep the membership representative."""
    assert organisation.id is not None
    found = session.exec(
        select(AnnualStatement).where(
            AnnualStatement.organisation_id == organisation.id, AnnualStatement.year == year
        )
    ).first()
    statement = found or AnnualStatement(
        organisation_id=organisation.id, year=year, updated_by=actor
    )
    statement.representativeness_steps = steps
    statement.updated_by = actor
    statement.updated_at = utcnow()
    session.add(statement)
    session.flush()
    record(session, organisation, actor, "statement_saved", statement, year=year)
    session.commit()
    return statement
