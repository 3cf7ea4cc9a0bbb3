"""Scheduling an election: its particulars, its timetable, and the returning officer's overrides.

A secretary (or the returning officer) proposes an election with its close of poll; the service
generates the rest of the timetable backwards from it (:mod:`planning`), checks it, and either
schedules it, keeps it as a draft, or refuses it with the issues found, having written nothing.
Only the returning officer may accept a late date, with a reason that is stored beside the
moment it accepted (so moving that step again needs a fresh decision) and audited.

Each operation is one transaction, audited, and committed here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections.counting.registry import METHODS
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.lifecycle_schemas import ElectionCreate, TimetableIn
from governance.elections.models import Election, ElectionStatus, StageEvent
from governance.elections.planning import (
    STEP_FIELDS,
    Plan,
    calendar_for,
    default_rules,
    issue_json,
    parse_step,
    plan_timetable,
)
from governance.elections.timetable import Step, TimetableRules
from governance.errors import Conflict, Invalid, Problem
from governance.members.eligibility import STAFF_KINDS
from governance.members.models import Constituency
from governance.members.offices import Office
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation

EDITABLE = frozenset({ElectionStatus.DRAFT, ElectionStatus.SCHEDULED})
FINISHED = frozenset(
    {ElectionStatus.DECLARED, ElectionStatus.UNCONTESTED, ElectionStatus.CANCELLED}
)


def invalid(field: str, message: str, slug: str = "invalid-election", **extra: Any) -> Invalid:
    return Invalid(slug, message, extra={"errors": [{"field": field, "message": message}], **extra})


def elections_of(session: Session, organisation: Organisation) -> list[Election]:
    return list(
        session.exec(
            select(Election)
            .where(Election.organisation_id == organisation.id)
            .order_by(col(Election.poll_close_at).desc(), col(Election.id).desc())
        ).all()
    )


def conduct_of(session: Session, election: Election) -> ElectionConduct:
    conduct = session.get(ElectionConduct, election.id)
    if conduct is None:  # an election made outside this service
        assert election.id is not None
        conduct = ElectionConduct(election_id=election.id)
        session.add(conduct)
    return conduct


def zone_of(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(organisation.time_zone)


def rules_for(organisation: Organisation, custom: dict[str, Any] | None) -> TimetableRules:
    if custom:
        try:
            return TimetableRules.from_dict(custom)
        except ValueError as error:
            raise invalid("timetable_rules", str(error)) from None
    return default_rules(organisation.kind is OrganisationType.FOUNDATION_TRUST)


def stored_rules(organisation: Organisation, conduct: ElectionConduct) -> TimetableRules:
    return rules_for(organisation, conduct.timetable_rules or None)


def _steps(values: dict[str, Any], field: str) -> dict[Step, Any]:
    try:
        return {parse_step(name): value for name, value in values.items()}
    except ValueError as error:
        raise invalid(field, str(error)) from None


def accepted_overrides(election: Election, moments: dict[Step, datetime]) -> dict[Step, str]:
    """Stored overrides that still apply: those whose step has not moved since."""
    kept: dict[Step, str] = {}
    for name, entry in election.timetable_overrides.items():
        step = Step(name)
        if isinstance(entry, dict) and entry.get("moment") == moments[step].isoformat():
            kept[step] = str(entry["reason"])
    return kept


def make_plan(
    organisation: Organisation,
    data: TimetableIn,
    *,
    may_override: bool,
    previous: Election | None = None,
) -> tuple[Plan, TimetableRules]:
    """Generate and check the timetable ``data`` proposes (raises 4xx problems for bad input)."""
    rules = rules_for(organisation, data.timetable_rules)
    proposed = _steps(data.dates, "dates")
    overrides = _steps(data.overrides, "overrides")
    if overrides and not may_override:
        raise Problem(
            403,
            "override-needs-returning-officer",
            "Only the returning officer may accept a late date.",
        )
    blank = [step.value for step, reason in overrides.items() if not reason.strip()]
    if blank:
        raise invalid("overrides", f"Give a reason for accepting the late {blank[0]} date.")
    try:
        calendar = calendar_for(data.non_working_days, data.working_days)

        def planned(accepted: dict[Step, str]) -> Plan:
            return plan_timetable(
                data.close_of_poll,
                proposed,
                rules=rules,
                calendar=calendar,
                zone=zone_of(organisation),
                overrides=accepted,
            )

        # Overrides stored earlier still count for steps that have not moved since.
        carried = accepted_overrides(previous, planned({}).moments) if previous else {}
        plan = planned({**carried, **overrides})
    except (ValueError, TypeError) as error:
        raise invalid("close_of_poll", str(error), slug="invalid-timetable") from None
    return plan, rules


def past_steps(plan: Plan, now: datetime) -> list[Step]:
    return [step for step, moment in plan.moments.items() if moment <= now]


def refuse_unschedulable(plan: Plan, now: datetime) -> None:
    """422 with the issues when the timetable cannot be scheduled as it stands."""
    if plan.standing:
        raise Invalid(
            "timetable-issues",
            plan.standing[0].message,
            extra={"issues": [issue_json(issue) for issue in plan.standing]},
        )
    past = past_steps(plan, now)
    if past:
        raise Invalid(
            "timetable-in-the-past",
            f"The {past[0].label} would already have passed: choose a later close of poll.",
            extra={"steps": [step.value for step in past]},
        )


def override_record(plan: Plan, actor: str, previous: Election | None) -> dict[str, Any]:
    """What to store in ``timetable_overrides``: reason, the moment accepted, and by whom."""
    before = previous.timetable_overrides if previous else {}
    stored: dict[str, Any] = {}
    for issue in plan.issues:
        if issue.override is None:
            continue
        moment = plan.moments[issue.step].isoformat()
        old = before.get(issue.step.value)
        if (
            isinstance(old, dict)
            and old.get("moment") == moment
            and (old.get("reason") == issue.override)
        ):
            stored[issue.step.value] = old
        else:
            stored[issue.step.value] = {"reason": issue.override, "moment": moment, "by": actor}
    return stored


def _constituency(
    session: Session, organisation: Organisation, constituency_id: int | None
) -> Constituency | None:
    if constituency_id is None:
        return None
    found = session.get(Constituency, constituency_id)
    if found is None or found.organisation_id != organisation.id:
        raise invalid("constituency_id", "Choose one of this organisation's constituencies.")
    return found


def create_election(
    session: Session,
    organisation: Organisation,
    data: ElectionCreate,
    *,
    actor: str,
    may_override: bool,
) -> Election:
    """Schedule an election, or keep it as a draft with ``data.draft``; refuses bad input."""
    assert organisation.id is not None
    now = utcnow()
    constituency = _constituency(session, organisation, data.constituency_id)
    if data.method not in METHODS:
        known = ", ".join(sorted(METHODS))
        raise invalid("method", f"Choose a counting method: {known}.")
    plan, rules = make_plan(organisation, data, may_override=may_override)
    if not data.draft:
        refuse_unschedulable(plan, now)
    foundation = organisation.kind is OrganisationType.FOUNDATION_TRUST
    office = data.office or (Office.GOVERNOR if foundation else Office.DIRECTOR).value
    declaration = data.identity_declaration
    if declaration is None:
        declaration = constituency is None or constituency.kind not in STAFF_KINDS
    election = Election(
        organisation_id=organisation.id,
        constituency_id=data.constituency_id,
        title=data.title,
        office=office,
        seats=data.seats,
        method=data.method,
        channels=list(dict.fromkeys(channel.value for channel in data.channels)),
        identity_declaration=declaration,
        status=ElectionStatus.DRAFT if data.draft else ElectionStatus.SCHEDULED,
        term_years=data.term_years or organisation.constitution.governor_term_years,
        returning_officer_contact=data.returning_officer_contact,
        timetable_overrides=override_record(plan, actor, None),
    )
    for name, moment in plan.fields().items():
        setattr(election, name, moment)
    session.add(election)
    session.flush()
    assert election.id is not None
    session.add(
        ElectionConduct(
            election_id=election.id,
            timetable_rules=rules.to_dict(),
            non_working_days=[day.isoformat() for day in sorted(set(data.non_working_days))],
            working_days=[day.isoformat() for day in sorted(set(data.working_days))],
            term_starts_on=data.term_starts_on,
            created_by=actor,
        )
    )
    if not data.draft:
        session.add(StageEvent(election_id=election.id, stage=election.status, actor=actor))
    audit.record(
        session,
        actor=actor,
        action="election.created",
        organisation_id=organisation.id,
        object_type="election",
        object_id=election.id,
        detail={
            "title": election.title,
            "status": election.status,
            "seats": election.seats,
            "method": election.method,
            "timetable": {s.value: m.isoformat() for s, m in plan.moments.items()},
        },
    )
    _audit_overrides(session, election, plan, actor, previous={})
    session.commit()
    return election


def _audit_overrides(
    session: Session, election: Election, plan: Plan, actor: str, previous: dict[str, Any]
) -> None:
    for step, entry in election.timetable_overrides.items():
        if previous.get(step) == entry:
            continue
        audit.record(
            session,
            actor=actor,
            action="election.timetable_overridden",
            organisation_id=election.organisation_id,
            object_type="election",
            object_id=election.id,
            detail={"step": step, "moment": entry["moment"], "reason": entry["reason"]},
        )


def change_timetable(
    session: Session,
    organisation: Organisation,
    election: Election,
    data: TimetableIn,
    *,
    actor: str,
    may_override: bool,
) -> Election:
    """Replace the timetable of a draft, or of a scheduled election before its notice."""
    now = utcnow()
    if election.status not in EDITABLE or (
        election.status == ElectionStatus.SCHEDULED
        and election.notice_at is not None
        and election.notice_at <= now
    ):
        raise Conflict(
            "timetable-fixed", "The timetable can change only until the notice of election."
        )
    plan, rules = make_plan(organisation, data, may_override=may_override, previous=election)
    if election.status == ElectionStatus.SCHEDULED:
        refuse_unschedulable(plan, now)
    previous = dict(election.timetable_overrides)
    overrides = override_record(plan, actor, election)
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == election.status)
        .values(timetable_overrides=overrides, **plan.fields())
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("stage-moved", "The election moved on while you were editing it.")
    conduct = conduct_of(session, election)
    conduct.timetable_rules = rules.to_dict()
    conduct.non_working_days = [d.isoformat() for d in sorted(set(data.non_working_days))]
    conduct.working_days = [d.isoformat() for d in sorted(set(data.working_days))]
    conduct.updated_at = now
    session.add(conduct)
    session.refresh(election)
    audit.record(
        session,
        actor=actor,
        action="election.timetable_changed",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"timetable": {s.value: m.isoformat() for s, m in plan.moments.items()}},
    )
    _audit_overrides(session, election, plan, actor, previous)
    session.commit()
    return election


def current_plan(session: Session, organisation: Organisation, election: Election) -> Plan:
    """The election's stored timetable, checked again (for the dashboard)."""
    conduct = conduct_of(session, election)
    assert election.poll_close_at is not None
    fields = {
        step: getattr(election, name)
        for step, name in STEP_FIELDS.items()
        if getattr(election, name) is not None
    }
    close = fields.pop(Step.CLOSE_OF_POLL)
    moments = {**fields, Step.CLOSE_OF_POLL: close}
    return plan_timetable(
        close,
        fields,
        rules=stored_rules(organisation, conduct),
        calendar=calendar_for(
            [date.fromisoformat(d) for d in conduct.non_working_days],
            [date.fromisoformat(d) for d in conduct.working_days],
        ),
        zone=zone_of(organisation),
        overrides=accepted_overrides(election, moments),
    )


def schedule(
    session: Session, organisation: Organisation, election: Election, *, actor: str
) -> Election:
    """A draft becomes scheduled once its timetable has no standing issue and lies ahead."""
    now = utcnow()
    if election.status != ElectionStatus.DRAFT:
        raise Conflict("not-a-draft", "Only a draft election can be scheduled.")
    if election.poll_close_at is None:
        raise Conflict("no-timetable", "Set the timetable first.")
    refuse_unschedulable(current_plan(session, organisation, election), now)
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == ElectionStatus.DRAFT)
        .values(status=ElectionStatus.SCHEDULED)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("not-a-draft", "Only a draft election can be scheduled.")
    assert election.id is not None
    session.add(StageEvent(election_id=election.id, stage=ElectionStatus.SCHEDULED, actor=actor))
    audit.record(
        session,
        actor=actor,
        action="election.scheduled",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
    )
    session.commit()
    session.refresh(election)
    return election


def cancel(session: Session, election: Election, *, reason: str, actor: str) -> Election:
    """Stop an election that has not finished (the returning officer's decision)."""
    if election.status in FINISHED:
        raise Conflict("election-finished", "This election has already finished.")
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == election.status)
        .values(status=ElectionStatus.CANCELLED, cancelled_reason=reason)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("stage-moved", "The election moved on; look again and retry.")
    assert election.id is not None
    session.add(StageEvent(election_id=election.id, stage=ElectionStatus.CANCELLED, actor=actor))
    audit.record(
        session,
        actor=actor,
        action="election.cancelled",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"reason": reason, "from": election.status},
    )
    session.commit()
    session.refresh(election)
    return election


def stage_events(session: Session, election: Election) -> list[StageEvent]:
    return list(
        session.exec(
            select(StageEvent)
            .where(StageEvent.election_id == election.id)
            .order_by(col(StageEvent.happened_at), col(StageEvent.id))
        ).all()
    )
