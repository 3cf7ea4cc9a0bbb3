"""Requisitions: members start and sign (once each), the count against the percentage of
members on the day, reaching the threshold tells the secretary once, and calling the meeting
in answer marks it met."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.db import utcnow
from governance.mail import OutboxMessage
from governance.meetings.models import Requisition, RequisitionSignature
from governance.meetings.requisitions import required_signatures
from tests.factories import (
    audit_actions,
    make_member,
    member_client,
)
from tests.meetings.meeting_support import (
    api_client,
    at_local,
    count,
    enrol,
    make_body,
)

SLUG = "river-coop"


def test_required_signatures_round_up() -> None:
    assert required_signatures(10, 20) == 2
    assert required_signatures(10, 21) == 3
    assert required_signatures(10, 0) == 1
    assert required_signatures(5, 6_500_000) == 325_000


def test_members_requisition_a_meeting(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db, members=20)
    first = member_client(make_client, engine, body.members[0])
    started = first.api(
        "POST", f"/api/orgs/{SLUG}/requisitions", json={"purpose": "To remove the board"}
    )
    assert started.status_code == 201, started.text
    requisition = started.json()
    assert (requisition["signatures"], requisition["required"], requisition["members"]) == (
        1,
        2,
        20,
    )
    url = f"/api/orgs/{SLUG}/requisitions/{requisition['id']}/signatures"
    twice = first.api("POST", url)
    assert twice.status_code == 409 and twice.json()["type"] == "/problems/already-signed"
    # The register grows while signatures are collected: the count is against it as it stands.
    extra = enrol(db, body.org, body.constituency, 1, prefix="x")
    assert extra
    second = member_client(make_client, engine, body.members[1])
    signed = second.api("POST", url)
    assert signed.status_code == 201
    assert (signed.json()["signatures"], signed.json()["required"], signed.json()["members"]) == (
        2,
        3,
        21,
    )
    assert signed.json()["status"] == "collecting"
    third = member_client(make_client, engine, body.members[2])
    reached = third.api("POST", url).json()
    assert reached["status"] == "reached" and reached["signatures"] == 3
    mail = db.exec(
        select(OutboxMessage).where(OutboxMessage.purpose == f"requisition:{requisition['id']}")
    ).all()
    db.commit()
    assert [m.to_address for m in mail] == [body.secretary.email]
    late = member_client(make_client, engine, body.members[3]).api("POST", url)
    assert late.status_code == 409 and late.json()["type"] == "/problems/requisition-closed"
    actions = audit_actions(db)
    assert actions.count("requisition.signed") == 3 and actions.count("requisition.reached") == 1

    staff = api_client(make_client, engine, body.secretary)
    listed = staff.get(f"/api/orgs/{SLUG}/requisitions").json()
    assert listed[0]["status"] == "reached" and listed[0]["members"] == 21
    start = at_local(utcnow().date() + timedelta(days=20))
    made = staff.post(
        f"/api/orgs/{SLUG}/meetings",
        json={
            "kind": "coop_general",
            "title": "Requisitioned meeting",
            "starts_at": start.isoformat(),
            "requisition_id": requisition["id"],
        },
    )
    assert made.status_code == 201
    assert (
        staff.post(f"/api/orgs/{SLUG}/meetings/{made.json()['id']}/notice", json={}).status_code
        == 200
    )
    found = db.get(Requisition, requisition["id"], populate_existing=True)
    db.commit()
    assert found is not None and found.status == "met"
    notice = db.exec(
        select(OutboxMessage).where(OutboxMessage.purpose == f"meeting:{made.json()['id']}")
    ).first()
    db.commit()
    assert notice is not None and "To remove the board" in notice.body_text
    assert "requisition.met" in audit_actions(db)


def test_only_members_on_the_register_sign(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db, members=5)
    other = make_body(db, "hill-coop", prefix="h")
    lapsed = make_member(db, body.org, email="lapsed@example.org", reference="L1")
    started = member_client(make_client, engine, body.members[0]).api(
        "POST",
        f"/api/orgs/{SLUG}/requisitions",
        json={"purpose": "A general meeting on the merger"},
    )
    url = f"/api/orgs/{SLUG}/requisitions/{started.json()['id']}/signatures"
    refused = member_client(make_client, engine, lapsed).api("POST", url)
    assert refused.status_code == 422 and refused.json()["type"] == "/problems/not-a-member"
    stranger = member_client(make_client, engine, other.members[0])
    assert stranger.api("POST", url).status_code == 404
    assert (
        stranger.api(
            "POST", f"/api/orgs/hill-coop/requisitions/{started.json()['id']}/signatures"
        ).status_code
        == 404
    )
    short = member_client(make_client, engine, body.members[1]).api(
        "POST", f"/api/orgs/{SLUG}/requisitions", json={"purpose": "short"}
    )
    assert short.status_code == 400
    assert count(db, RequisitionSignature) == 1 and count(db, Requisition) == 1


def test_members_sign_through_the_pages(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db, members=10)
    first = member_client(make_client, engine, body.members[0])
    form = first.get(f"/o/{SLUG}/requisitions/new")
    assert "10% of members" in form.text
    blank = first.form(f"/o/{SLUG}/requisitions/new", {"purpose": ""})
    assert blank.status_code == 400 and "error-summary" in blank.text
    started = first.form(f"/o/{SLUG}/requisitions/new", {"purpose": "To consider the rule changes"})
    assert "1 of the 1 signatures needed" in started.text or "reached" in started.text
    body2 = make_body(db, "lake-coop", members=30, prefix="l")
    lake = member_client(make_client, engine, body2.members[0])
    page = lake.form("/o/lake-coop/requisitions/new", {"purpose": "To consider the rule changes"})
    assert "1 of the 3 signatures needed (10% of 30 members)" in page.text
    requisition = db.exec(
        select(Requisition).where(Requisition.organisation_id == body2.org.id)
    ).one()
    db.commit()
    other = member_client(make_client, engine, body2.members[1])
    signed = other.form(f"/o/lake-coop/requisitions/{requisition.id}/sign", {})
    assert "Your signature is added" in signed.text and "2 of the 3" in signed.text
    again = other.form(f"/o/lake-coop/requisitions/{requisition.id}/sign", {})
    assert again.status_code == 409 and "already signed" in again.text
