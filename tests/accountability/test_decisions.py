"""Forward plans and key decisions: the 28-clear-day notice, the urgent route, decisions taken
without notice, categories from the meetings' thresholds, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar.exceptions import NotFoundException
from sqlmodel import Session

from governance.accountability import public, service
from governance.accountability.models import DecisionStatus, KeyDecision
from governance.accountability.notice import NoticeStatus
from governance.accountability.schemas import (
    DecisionIn,
    DecisionPublishIn,
    PlanIn,
    PlanPublishIn,
    TakenIn,
    ViewsIn,
    VoteIn,
)
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import hooks
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Motion, MotionResult
from governance.organisations.constitution import OrganisationType
from tests.accountability.support import local, set_clock, trust
from tests.factories import audit_actions, make_org

DECISION_DAY = date(2025, 6, 3)


def decision(db: Session, org, day: date = DECISION_DAY, **extra: object) -> KeyDecision:  # type: ignore[no-untyped-def]
    data = DecisionIn(
        title="Close the minor injuries unit",
        decision_maker="The board of directors",
        decision_date=day,
        **extra,  # type: ignore[arg-type]
    )
    return service.create_decision(db, org, data, actor="user:1")


def test_a_notice_published_in_time_is_on_time(db: Session) -> None:
    org = trust(db)
    set_clock(local(date(2025, 4, 28)))
    found = decision(db, org)
    assert service.assessment(org, found, date(2025, 4, 28)).status is NoticeStatus.DUE
    published = service.publish_decision(db, org, found, DecisionPublishIn(), actor="user:1")
    assert published.status is NoticeStatus.ON_TIME and published.clear_days_given == 35
    assert found.status == DecisionStatus.PUBLISHED
    assert "accountability.decision_published" in audit_actions(db)


def test_publishing_on_the_last_day_over_a_bank_holiday(db: Session) -> None:
    """28 clear days before 3 June 2025 is 5 May, the early May bank holiday."""
    org = trust(db)
    set_clock(local(date(2025, 5, 5)))
    on_time = service.publish_decision(db, org, decision(db, org), DecisionPublishIn(), actor="u")
    assert on_time.status is NoticeStatus.ON_TIME and on_time.clear_days_given == 28
    set_clock(local(date(2025, 5, 6)))
    late = service.publish_decision(db, org, decision(db, org), DecisionPublishIn(), actor="u")
    assert late.status is NoticeStatus.LATE and late.shortfall == 1


def test_working_day_notice_is_a_setting(db: Session) -> None:
    org = trust(db)
    org.constitution_json = org.constitution.updated(
        key_decision_notice_working_days=True
    ).to_json()
    db.add(org)
    db.commit()
    set_clock(local(date(2025, 4, 22)))  # the day after Easter Monday: one working day short
    late = service.publish_decision(db, org, decision(db, org), DecisionPublishIn(), actor="u")
    assert late.status is NoticeStatus.LATE and late.clear_days_given == 27
    assert service.notice_rule(org).publish_by_working_day(DECISION_DAY) == date(2025, 4, 17)


def test_the_urgent_route_records_why_notice_was_shorter(db: Session) -> None:
    org = trust(db)
    set_clock(local(date(2025, 5, 20)))
    found = decision(db, org)
    reason = DecisionPublishIn(urgent_reason="The regulator's deadline is 4 June.")
    urgent = service.publish_decision(db, org, found, reason, actor="user:1")
    assert urgent.status is NoticeStatus.URGENT and urgent.clear_days_given == 13
    assert found.urgent and found.urgent_reason == "The regulator's deadline is 4 June."


def test_a_decision_taken_without_notice_is_flagged(db: Session) -> None:
    org = trust(db)
    set_clock(local(date(2025, 6, 3)))
    found = decision(db, org)
    taken = service.take_decision(
        db,
        org,
        found,
        TakenIn(
            taken_on=date(2025, 6, 3),
            outcome="Closed from July.",
            votes=[VoteIn(name="Ann Archer", role="director", vote="for")],
        ),
        actor="user:1",
    )
    assert taken.status is NoticeStatus.MISSING and taken.taken_without_notice
    assert found.status == DecisionStatus.TAKEN
    assert service.votes_of(db, [found.id or 0])[found.id or 0][0].name == "Ann Archer"
    assert "accountability.decision_taken" in audit_actions(db)
    with pytest.raises(Conflict):
        service.publish_decision(db, org, found, DecisionPublishIn(), actor="u")


def test_an_unpublished_decision_goes_missing_after_its_deadline(db: Session) -> None:
    org = trust(db)
    set_clock(local(date(2025, 5, 6)))
    found = decision(db, org)
    assert service.assessment(org, found, date(2025, 5, 6)).status is NoticeStatus.MISSING
    set_clock(local(date(2025, 6, 3)))
    with pytest.raises(Conflict, match="record the decision as taken"):
        service.publish_decision(db, org, found, DecisionPublishIn(), actor="u")
    with pytest.raises(Invalid):
        service.take_decision(
            db, org, found, TakenIn(taken_on=date(2025, 6, 4), outcome="x"), actor="u"
        )


def test_categories_come_from_the_meetings_thresholds(db: Session) -> None:
    org = trust(db)
    found = decision(db, org, category="significant_transaction")
    assert found.threshold == "more than half of governors voting"
    merger = decision(db, org, category="merger")
    assert merger.threshold == "more than half of all governors"
    with pytest.raises(Invalid):
        decision(db, org, category="no_such_thing")
    coop = make_org(db, "valley", type=OrganisationType.COOPERATIVE)
    with pytest.raises(Invalid, match="does not apply"):
        decision(db, coop, category="significant_transaction")
    values = [value for value, _label, _threshold in service.categories(coop)]
    assert "special_resolution" in values and "merger" not in values and values[-1] == "other"


def test_a_decision_links_the_motion_that_decided_it(db: Session) -> None:
    org = trust(db)
    other = make_org(db, "other-trust")
    now = utcnow()
    meetings = [
        Meeting(
            organisation_id=o.id or 0,
            kind="council_of_governors",
            title="Council",
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=2, hours=-2),
            status="closed",
        )
        for o in (org, other)
    ]
    db.add_all(meetings)
    db.commit()
    motions = [
        Motion(
            organisation_id=m.organisation_id,
            meeting_id=m.id or 0,
            kind="significant_transaction",
            title="Approve the transaction",
            text="...",
        )
        for m in meetings
    ]
    db.add_all(motions)
    db.commit()
    found = decision(db, org, day=now.date())
    with pytest.raises(Invalid, match="no such motion"):
        service.take_decision(
            db,
            org,
            found,
            TakenIn(taken_on=now.date(), outcome="Approved", motion_id=motions[1].id),
            actor="u",
        )
    service.take_decision(
        db,
        org,
        found,
        TakenIn(taken_on=now.date(), outcome="Approved", motion_id=motions[0].id),
        actor="u",
    )
    assert found.motion_id == motions[0].id


def test_records_of_another_organisation_are_not_found(db: Session) -> None:
    org = trust(db)
    other = make_org(db, "other-trust")
    found = decision(db, org)
    with pytest.raises(NotFoundException):
        service.owned(db, KeyDecision, other, found.id or 0)


def test_a_forward_plan_needs_the_governors_views_before_publication(db: Session) -> None:
    org = trust(db)
    plan = service.create_plan(db, org, PlanIn(year=2026, title="Plan 2026"), actor="u")
    with pytest.raises(Conflict, match="plan for 2026"):
        service.create_plan(db, org, PlanIn(year=2026, title="Again"), actor="u")
    with pytest.raises(Conflict, match="governors' views"):
        service.publish_plan(db, org, plan, PlanPublishIn(board_regard="We listened."), actor="u")
    service.record_views(
        db,
        org,
        plan,
        ViewsIn(governors_views="More on waiting times.", gathered_on=date(2026, 1, 5)),
        actor="u",
    )
    service.publish_plan(db, org, plan, PlanPublishIn(board_regard="Added a section."), actor="u")
    assert plan.status == "published" and plan.published_at is not None
    actions = audit_actions(db)
    assert {
        "accountability.plan_created",
        "accountability.plan_views_recorded",
        "accountability.plan_published",
    } <= set(actions)
    linked = decision(db, org, forward_plan_year=2026)
    assert linked.forward_plan_id == plan.id
    with pytest.raises(Invalid):
        decision(db, org, forward_plan_year=2031)


def test_the_public_decision_links_the_motion_result(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = trust(db)
    now = utcnow()
    meeting = Meeting(
        organisation_id=org.id or 0,
        kind="council_of_governors",
        title="Council",
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(hours=20),
        status="closed",
    )
    db.add(meeting)
    db.commit()
    motion = Motion(
        organisation_id=org.id or 0,
        meeting_id=meeting.id or 0,
        kind="significant_transaction",
        title="Approve the transaction",
        text="...",
        status="closed",
    )
    db.add(motion)
    db.commit()
    db.add(MotionResult(motion_id=motion.id or 0, passed=True, computed_by="test"))
    db.commit()
    path = f"/o/{org.slug}/motions/{motion.id}/result"
    listed = [hooks.ResultLink(title="Approve the transaction", outcome="Carried", path=path)]
    monkeypatch.setattr(hooks, "_result_listers", [lambda _session, _meeting: listed])
    found = decision(db, org, day=now.date(), category="significant_transaction")
    service.take_decision(
        db,
        org,
        found,
        TakenIn(taken_on=now.date(), outcome="Approved", motion_id=motion.id),
        actor="u",
    )
    (row,) = public.decision_rows(db, org)
    assert row["motion_link"] == path and row["motion_passed"] is True
    assert row["threshold"] == "more than half of governors voting"
