"""Scheduling: the timetable generated backwards on working days, late dates refused unless the
returning officer overrides them with a recorded reason, co-operatives' own periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from governance.audit import AuditEntry
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.models import Election, StageEvent
from governance.elections.timetable import (
    COOP_DEFAULT,
    MER2014,
    Step,
    statutory_timetable,
)
from governance.organisations.constitution import OrganisationType
from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar
from tests.conftest import Client
from tests.elections.lifecycle_support import (
    make_trust,
    working_close_of_poll,
)
from tests.factories import (
    staff_client,
    travel_to,
)


def body(trust_public_id: int | None, close: date, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Public governors",
        "constituency_id": trust_public_id,
        "seats": 2,
        "method": "mer2014-stv",
        "close_of_poll": close.isoformat(),
        **extra,
    }


def count_elections(db: Session) -> int:
    total = db.exec(select(func.count()).select_from(Election)).one()
    db.commit()
    return total


@pytest.fixture
def setup(db: Session, engine: Engine, make_client: Callable[[], Client]) -> Any:
    trust = make_trust(db)
    secretary = staff_client(make_client, engine, trust.secretary)
    officer = staff_client(make_client, engine, trust.officer)
    return trust, secretary, officer


def test_generated_backwards_from_the_close_of_poll(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    close = working_close_of_poll()
    response = secretary.post(
        f"/api/orgs/{trust.org.slug}/elections", json=body(trust.public.id, close)
    )
    assert response.status_code == 201, response.text
    rows = response.json()["timetable"]
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    assert [r["step"] for r in rows] == [s.value for s in Step]
    assert [date.fromisoformat(r["latest"]) for r in rows] == [latest[s] for s in Step]
    # Each step is at its latest date: 09:00 for what publishes, 17:00 for what closes.
    election = db.get(Election, response.json()["election"]["id"])
    assert election is not None
    assert election.poll_close_at.astimezone(MER2014_ZONE).hour == 17  # type: ignore[union-attr]
    assert election.notice_at.astimezone(MER2014_ZONE).hour == 9  # type: ignore[union-attr]
    assert election.notice_at.astimezone(MER2014_ZONE).date() == latest[Step.NOTICE_OF_ELECTION]  # type: ignore[union-attr]
    assert db.exec(select(StageEvent.stage).where(StageEvent.election_id == election.id)).all() == [
        "scheduled"
    ]


MER2014_ZONE = __import__("zoneinfo").ZoneInfo("Europe/London")


def test_preview_checks_without_saving(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    close = working_close_of_poll()
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    late_poll = latest[Step.NOTICE_OF_POLL] + timedelta(days=7)
    response = secretary.post(
        f"/api/orgs/{trust.org.slug}/elections/timetable",
        json={
            "close_of_poll": close.isoformat(),
            "dates": {"notice_of_poll": late_poll.isoformat()},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["schedulable"] is False
    assert [i["kind"] for i in response.json()["issues"]] == ["late"]
    assert count_elections(db) == 0


def test_a_late_date_is_refused_until_the_returning_officer_overrides_it(
    db: Session, setup: Any
) -> None:
    trust, secretary, officer = setup
    close = working_close_of_poll()
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    # A Monday after the latest notice of poll, so only "late" is wrong with it.
    late = latest[Step.NOTICE_OF_POLL] + timedelta(days=1)
    while late.weekday() != 0 or not ENGLAND_AND_WALES.is_working_day(late):
        late += timedelta(days=1)
    dates = {"notice_of_poll": late.isoformat()}
    url = f"/api/orgs/{trust.org.slug}/elections"

    refused = secretary.post(url, json=body(trust.public.id, close, dates=dates))
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/timetable-issues"
    assert problem["issues"][0]["step"] == "notice_of_poll"
    assert problem["issues"][0]["overridable"] is True
    assert count_elections(db) == 0

    not_theirs = secretary.post(
        url,
        json=body(trust.public.id, close, dates=dates, overrides={"notice_of_poll": "Printing"}),
    )
    assert not_theirs.status_code == 403
    assert not_theirs.json()["type"] == "/problems/override-needs-returning-officer"
    blank = officer.post(
        url, json=body(trust.public.id, close, dates=dates, overrides={"notice_of_poll": "  "})
    )
    assert blank.status_code == 422
    assert count_elections(db) == 0

    reason = "The mail house cannot print before this date"
    accepted = officer.post(
        url, json=body(trust.public.id, close, dates=dates, overrides={"notice_of_poll": reason})
    )
    assert accepted.status_code == 201, accepted.text
    election_id = accepted.json()["election"]["id"]
    stored = accepted.json()["election"]["overrides"]["notice_of_poll"]
    assert stored["reason"] == reason and stored["by"].startswith("user:")
    row = next(r for r in accepted.json()["timetable"] if r["step"] == "notice_of_poll")
    assert row["late"] is True and row["override"] == reason and row["issues"] == []
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.action == "election.timetable_overridden")
    ).one()
    assert reason in entry.detail and entry.object_id == str(election_id)
    db.commit()

    # Moving the overridden step again needs a fresh decision.
    later = late + timedelta(days=7)
    moved = secretary.put(
        f"{url}/{election_id}/timetable",
        json={"close_of_poll": close.isoformat(), "dates": {"notice_of_poll": later.isoformat()}},
    )
    assert moved.status_code == 422


def test_steps_out_of_order_or_in_the_past_cannot_be_overridden(db: Session, setup: Any) -> None:
    trust, _, officer = setup
    close = working_close_of_poll()
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    url = f"/api/orgs/{trust.org.slug}/elections"
    backwards = officer.post(
        url,
        json=body(
            trust.public.id,
            close,
            dates={
                "withdrawals_close": (
                    latest[Step.NOMINATIONS_CLOSE] - timedelta(days=7)
                ).isoformat()
            },
            overrides={"withdrawals_close": "Because"},
        ),
    )
    assert backwards.status_code == 422
    assert "out_of_order" in {i["kind"] for i in backwards.json()["issues"]}
    past = officer.post(url, json=body(trust.public.id, working_close_of_poll(20)))
    assert past.status_code == 422
    assert past.json()["type"] == "/problems/timetable-in-the-past"
    assert count_elections(db) == 0


def test_bad_input_is_refused_with_nothing_written(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    url = f"/api/orgs/{trust.org.slug}/elections"
    close = working_close_of_poll()
    for bad in (
        body(trust.public.id, close, method="pick-a-card"),
        body(trust.public.id, close, seats=0),
        body(999_999, close),
        body(trust.public.id, close, dates={"coronation": "2026-01-01"}),
        body(trust.public.id, close, channels=["carrier-pigeon"]),
        {**body(trust.public.id, close), "unexpected": 1},
        body(trust.public.id, close, close_of_poll="2040-01-05"),  # beyond the calendar
    ):
        response = secretary.post(url, json=bad)
        assert 400 <= response.status_code < 500, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert count_elections(db) == 0


def test_a_day_of_mourning_moves_the_steps_before_it(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    close = working_close_of_poll()
    plain = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    mourning = plain[Step.NOTICE_OF_POLL] + timedelta(days=1)
    while not ENGLAND_AND_WALES.is_working_day(mourning):
        mourning += timedelta(days=1)
    response = secretary.post(
        f"/api/orgs/{trust.org.slug}/elections",
        json=body(trust.public.id, close, non_working_days=[mourning.isoformat()]),
    )
    assert response.status_code == 201, response.text
    shifted = statutory_timetable(
        close, WorkingCalendar(extra_non_working_days=frozenset({mourning})), MER2014
    )
    rows = {r["step"]: date.fromisoformat(r["latest"]) for r in response.json()["timetable"]}
    assert rows["notice_of_poll"] == shifted[Step.NOTICE_OF_POLL] < plain[Step.NOTICE_OF_POLL]
    conduct = db.get(ElectionConduct, response.json()["election"]["id"])
    assert conduct is not None and conduct.non_working_days == [mourning.isoformat()]


def test_a_draft_is_scheduled_once_its_timetable_is_sound(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    close = working_close_of_poll()
    latest = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)
    url = f"/api/orgs/{trust.org.slug}/elections"
    late = {"notice_of_election": (latest[Step.NOTICE_OF_ELECTION] + timedelta(days=1)).isoformat()}
    draft = secretary.post(url, json=body(trust.public.id, close, dates=late, draft=True))
    assert draft.status_code == 201, draft.text
    election_id = draft.json()["election"]["id"]
    assert draft.json()["election"]["status"] == "draft"
    refused = secretary.post(f"{url}/{election_id}/schedule")
    assert refused.status_code == 422
    fixed = secretary.put(
        f"{url}/{election_id}/timetable", json={"close_of_poll": close.isoformat()}
    )
    assert fixed.status_code == 200, fixed.text
    scheduled = secretary.post(f"{url}/{election_id}/schedule")
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["election"]["status"] == "scheduled"
    again = secretary.post(f"{url}/{election_id}/schedule")
    assert again.status_code == 409
    # Once the notice is out the timetable is fixed.
    travel_to(datetime_of(scheduled.json()["election"]["timetable"]["notice_of_election"]))
    assert (
        secretary.put(
            f"{url}/{election_id}/timetable", json={"close_of_poll": close.isoformat()}
        ).status_code
        == 409
    )


def datetime_of(text: str) -> Any:

    return datetime.fromisoformat(text) + timedelta(seconds=1)


def test_a_cooperative_uses_its_own_notice_periods(
    db: Session, engine: Engine, make_client: Callable[[], Client]
) -> None:
    coop = make_trust(db, "valley-coop", kind=OrganisationType.COOPERATIVE)
    secretary = staff_client(make_client, engine, coop.secretary)
    close = working_close_of_poll()
    url = f"/api/orgs/{coop.org.slug}/elections"
    response = secretary.post(url, json=body(None, close, method="fptp", seats=3))
    assert response.status_code == 201, response.text
    assert response.json()["election"]["office"] == "director"
    latest = statutory_timetable(close, ENGLAND_AND_WALES, COOP_DEFAULT)
    rows = {r["step"]: date.fromisoformat(r["latest"]) for r in response.json()["timetable"]}
    assert rows == {s.value: latest[s] for s in Step}
    own = dict(COOP_DEFAULT.to_dict())
    own["name"] = "Valley Co-op rule 42"
    own["steps"] = {**own["steps"], "notice_of_election": {"days": 35, "counting": "clear_days"}}
    custom = secretary.post(url, json=body(None, close, method="fptp", timetable_rules=own))
    assert custom.status_code == 201, custom.text
    notice = next(r for r in custom.json()["timetable"] if r["step"] == "notice_of_election")
    assert date.fromisoformat(notice["latest"]) == close - timedelta(days=36)
    broken = secretary.post(
        url, json=body(None, close, method="fptp", timetable_rules={"name": "x"})
    )
    assert broken.status_code == 422


def test_audit_records_who_scheduled(db: Session, setup: Any) -> None:
    trust, secretary, _ = setup
    response = secretary.post(
        f"/api/orgs/{trust.org.slug}/elections", json=body(trust.public.id, working_close_of_poll())
    )
    assert response.status_code == 201
    actors = db.exec(
        select(AuditEntry.actor).where(col(AuditEntry.action) == "election.created")
    ).all()
    assert actors == [f"user:{trust.secretary.id}"]
