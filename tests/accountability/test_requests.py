"""Members requiring updates: only the right constituency, due dates in working days, chasing
(remind, then escalate to the lead governor and the secretary), once each, and answering."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar.exceptions import NotFoundException
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.accountability import update_requests
from governance.accountability.access import Staff
from governance.accountability.jobs import chase_requests
from governance.accountability.models import Chase, RequestStatus, UpdateRequest
from governance.accountability.schemas import AnswerIn, RequestIn
from governance.auth.ratelimit import RateLimited
from governance.errors import Invalid, Problem
from governance.organisations.constitution import Role
from governance.settings import Settings
from tests.accountability.support import governor, local, mail_to, member_in, set_clock, trust
from tests.factories import KEYS, audit_actions, make_user

ASKED = date(2025, 4, 14)  # a Monday; Easter and the early May bank holiday follow
TERM_STARTS = date(2024, 4, 1)  # the governors' terms (three years) cover ASKED and after
QUESTION = RequestIn(subject="Car parking", body="When will the new car park open?")


def setting(db: Session) -> dict[str, Any]:
    """A trust with an asker and governors, on ASKED (tests move on from there)."""
    set_clock(local(ASKED))
    org = trust(db)
    asker = member_in(db, org, "NORTH", first="Nia", last="Asker")
    _north, north_user, _ = governor(
        db, org, "NORTH", first="Gwen", last="North", starts_on=TERM_STARTS
    )
    _south, south_user, _ = governor(
        db, org, "SOUTH", first="Sam", last="South", starts_on=TERM_STARTS
    )
    _lead, lead_user, _ = governor(
        db, org, "SOUTH", first="Lena", last="Lead", lead=True, starts_on=TERM_STARTS
    )
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    return {
        "org": org,
        "asker": asker,
        "north": north_user,
        "south": south_user,
        "lead": lead_user,
        "secretary": secretary,
    }


def raise_(db: Session, s: dict[str, Any], data: RequestIn = QUESTION) -> UpdateRequest:
    return update_requests.raise_request(
        db, KEYS, s["org"], s["asker"], data, ip="192.0.2.1", base_url="http://x.test"
    )


def test_a_request_is_due_in_twenty_working_days_and_acknowledged(db: Session) -> None:
    s = setting(db)
    set_clock(local(ASKED))
    request = raise_(db, s)
    assert request.received_on == ASKED and request.due_on == date(2025, 5, 15)
    assert request.status == RequestStatus.ACKNOWLEDGED
    receipt = mail_to(db, "nia.asker@example.org")
    assert receipt and "Thursday 15 May 2025" in receipt[-1].body_text
    assert mail_to(db, s["north"].email), "the constituency's governors are told"
    assert not mail_to(db, s["south"].email), "governors of other constituencies are not"
    assert "accountability.request_raised" in audit_actions(db)


def test_members_ask_only_their_own_constituency(db: Session) -> None:
    s = setting(db)
    with pytest.raises(Problem) as refused:
        raise_(db, s, QUESTION.model_copy(update={"constituency": "SOUTH"}))
    assert refused.value.status_code == 403
    assert raise_(db, s, QUESTION.model_copy(update={"constituency": "north"})).id
    lapsed = member_in(db, s["org"], "NORTH", first="Lou", last="Lapsed")
    lapsed.status = "lapsed"
    db.add(lapsed)
    db.commit()
    with pytest.raises(Problem, match="current members"):
        update_requests.raise_request(
            db, KEYS, s["org"], lapsed, QUESTION, ip="192.0.2.9", base_url="http://x.test"
        )
    assert len(db.exec(select(UpdateRequest)).all()) == 1


def test_requests_are_rate_limited(db: Session) -> None:
    s = setting(db)
    for _ in range(update_requests.PER_MEMBER.limit):
        raise_(db, s)
    with pytest.raises(RateLimited):
        raise_(db, s)
    assert "auth.rate_limited" in audit_actions(db)


def chased(db: Session) -> list[str]:
    db.expire_all()
    stages = [c.stage for c in db.exec(select(Chase).order_by(Chase.id)).all()]
    db.commit()
    return stages


def test_overdue_requests_remind_then_escalate_once_each(
    db: Session, engine: Engine, settings: Settings
) -> None:
    s = setting(db)
    set_clock(local(ASKED))
    request = raise_(db, s)
    assert request.due_on == date(2025, 5, 15)
    set_clock(local(date(2025, 5, 15)))
    chase_requests(engine, settings)
    assert chased(db) == [], "not overdue on the due day"
    set_clock(local(date(2025, 5, 16)))  # the first working day after
    chase_requests(engine, settings)
    chase_requests(engine, settings)
    assert chased(db) == ["reminder"]
    reminders = [m for m in mail_to(db, s["north"].email) if m.subject.startswith("Overdue")]
    assert len(reminders) == 1
    assert not [m for m in mail_to(db, s["lead"].email) if "Escalated" in m.subject]
    set_clock(local(date(2025, 5, 21)))  # the 4th working day after the due date
    chase_requests(engine, settings)
    assert chased(db) == ["reminder"]
    set_clock(local(date(2025, 5, 22)))  # the 5th
    chase_requests(engine, settings)
    chase_requests(engine, settings)
    assert chased(db) == ["reminder", "escalation"]
    for who in ("lead", "secretary"):
        escalations = [m for m in mail_to(db, s[who].email) if m.subject.startswith("Escalated")]
        assert len(escalations) == 1, who
    assert not [m for m in mail_to(db, s["north"].email) if m.subject.startswith("Escalated")]
    db.refresh(request)
    assert request.escalated_at is not None
    assert {"accountability.request_reminder", "accountability.request_escalation"} <= set(
        audit_actions(db)
    )


def test_escalation_waits_for_working_days_over_a_bank_holiday(
    db: Session, engine: Engine, settings: Settings
) -> None:
    s = setting(db)
    set_clock(local(date(2025, 4, 2)))
    request = raise_(db, s)
    assert request.due_on == date(2025, 5, 2), "Good Friday and Easter Monday do not count"
    set_clock(local(date(2025, 5, 5)))  # the early May bank holiday
    chase_requests(engine, settings)
    assert chased(db) == []
    set_clock(local(date(2025, 5, 6)))
    chase_requests(engine, settings)
    assert chased(db) == ["reminder"]
    set_clock(local(date(2025, 5, 12)))
    chase_requests(engine, settings)
    assert chased(db) == ["reminder", "escalation"]


def test_answered_requests_are_not_chased(db: Session, engine: Engine, settings: Settings) -> None:
    s = setting(db)
    set_clock(local(ASKED))
    request = raise_(db, s)
    who = Staff(s["org"], s["north"], frozenset({Role.GOVERNOR}))
    update_requests.answer(db, who, request, AnswerIn(answer="In June."), base_url="http://x")
    set_clock(local(date(2025, 6, 30)))
    chase_requests(engine, settings)
    assert chased(db) == []
    answer = [m for m in mail_to(db, "nia.asker@example.org") if "answer" in m.subject]
    assert answer and "In June." in answer[0].body_text


def test_who_may_assign_and_answer(db: Session) -> None:
    s = setting(db)
    request = raise_(db, s)
    south = Staff(s["org"], s["south"], frozenset({Role.GOVERNOR}))
    with pytest.raises(NotFoundException):
        update_requests.answer(db, south, request, AnswerIn(answer="No."), base_url="x")
    lead = Staff(s["org"], s["lead"], frozenset({Role.GOVERNOR}))
    update_requests.assign(db, lead, request, s["south"].id)
    assert request.status == RequestStatus.ASSIGNED
    with pytest.raises(Invalid, match="not to be published"):
        update_requests.answer(
            db, south, request, AnswerIn(answer="Yes.", publish=False), base_url="x"
        )
    update_requests.answer(
        db,
        south,
        request,
        AnswerIn(answer="Yes.", publish=False, withheld_reason="It names a patient."),
        base_url="x",
    )
    assert request.withheld_reason == "It names a patient."
    stranger = make_user(db, "nobody@example.org", roles={s["org"].slug: [Role.DIRECTOR]})
    north = Staff(s["org"], s["north"], frozenset({Role.GOVERNOR}))
    with pytest.raises(Invalid):
        update_requests.assign(db, north, raise_(db, s), stranger.id or 0)


def test_members_withdraw_their_own_requests(db: Session) -> None:
    s = setting(db)
    request = raise_(db, s)
    other = member_in(db, s["org"], "NORTH", first="Olly", last="Other")
    with pytest.raises(NotFoundException):
        update_requests.withdraw(db, s["org"], other, request)
    update_requests.withdraw(db, s["org"], s["asker"], request)
    assert request.status == RequestStatus.WITHDRAWN


def test_the_accountability_jobs_are_registered() -> None:
    from governance.scheduler import load_jobs

    assert {
        "accountability.chase_requests",
        "accountability.term_end_prompts",
        "accountability.missed_reports",
    } <= set(load_jobs())
