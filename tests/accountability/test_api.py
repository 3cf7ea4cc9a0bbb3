"""The accountability API: thin handlers over the services, guarded by role and organisation,
with bad input refused and nothing changed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.accountability.models import ForwardPlan, UpdateRequest
from governance.auth.tokens import create_token
from governance.organisations.constitution import Role
from tests.accountability.support import (
    governor,
    local,
    member_in,
    set_clock,
    trust,
)
from tests.conftest import Client
from tests.factories import KEYS, make_user, member_client


def api_client(db: Session, make_client: Any, user: Any) -> Client:
    secret, _ = create_token(db, KEYS, user=user, name="tests", expires_in_days=None)
    db.commit()
    client = make_client()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_the_secretary_runs_plans_and_decisions_through_the_api(
    db: Session, make_client: Any
) -> None:
    org = trust(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = api_client(db, make_client, user)
    base = f"/api/orgs/{org.slug}/accountability"
    set_clock(local(date(2025, 4, 28)))
    plan = client.post(f"{base}/plans", json={"year": 2025, "title": "Plan"}).json()
    early = client.post(f"{base}/plans/{plan['id']}/publish", json={"board_regard": "x"})
    assert early.status_code == 409 and early.json()["type"] == "/problems/views-needed"
    views = {"governors_views": "Fine", "gathered_on": "2025-04-01"}
    assert client.post(f"{base}/plans/{plan['id']}/views", json=views).status_code == 200
    published = client.post(f"{base}/plans/{plan['id']}/publish", json={"board_regard": "Noted"})
    assert published.json()["status"] == "published"
    bad = client.post(f"{base}/decisions", json={"title": "", "decision_date": "soon"})
    assert bad.status_code == 400
    decision = client.post(
        f"{base}/decisions",
        json={
            "title": "Sell the old site",
            "decision_maker": "Council",
            "decision_date": "2025-06-03",
            "category": "significant_transaction",
            "forward_plan_year": 2025,
        },
    ).json()
    assert (
        decision["notice"]["status"] == "due" and decision["notice"]["publish_by"] == "2025-05-05"
    )
    out = client.post(f"{base}/decisions/{decision['id']}/publish", json={}).json()
    assert out["notice"]["status"] == "on_time" and out["notice"]["clear_days_given"] == 35
    listed = client.get(f"{base}/decisions").json()
    assert [d["title"] for d in listed] == ["Sell the old site"]
    assert client.get(f"{base}/health/2025").json()["rows"]
    statement = client.put(
        f"{base}/annual-statements/2025", json={"representativeness_steps": "Stalls at fairs."}
    )
    assert statement.status_code == 200
    page = make_client().get(f"/o/{org.slug}/transparency/annual-report/2025")
    assert "Stalls at fairs." in page.text


def test_members_and_governors_through_the_api(
    db: Session, engine: Engine, make_client: Any
) -> None:
    org = trust(db)
    asker = member_in(db, org, "NORTH", first="Nia", last="Asker", email="nia@example.org")
    _, gov_user, _ = governor(db, org, "NORTH", first="Gwen", last="North")
    assert gov_user is not None
    member = member_client(make_client, engine, asker)
    base = f"/api/orgs/{org.slug}/accountability"
    wrong = member.api(
        "POST", f"{base}/requests", json={"subject": "S", "body": "B", "constituency": "SOUTH"}
    )
    assert wrong.status_code == 403 and wrong.json()["type"] == "/problems/not-your-constituency"
    extra = member.api("POST", f"{base}/requests", json={"subject": "S", "body": "B", "x": 1})
    assert extra.status_code == 400
    assert db.exec(select(UpdateRequest)).all() == []
    db.commit()
    sent = member.api("POST", f"{base}/requests", json={"subject": "Parking", "body": "When?"})
    assert sent.status_code == 201, sent.text
    assert "member_id" not in sent.json()
    governors = api_client(db, make_client, gov_user)
    open_ = governors.get(f"{base}/requests").json()
    assert [r["subject"] for r in open_] == ["Parking"]
    answered = governors.post(f"{base}/requests/{open_[0]['id']}/answer", json={"answer": "Soon"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    mine = member.get(f"{base}/my-requests").json()
    assert mine[0]["answer"] == "Soon"
    assert member.get(f"{base}/requests").status_code == 401, "members are not staff"
    assert governors.get(f"{base}/plans").status_code == 404, "plans are the secretary's"


def test_other_organisations_get_404(db: Session, make_client: Any) -> None:
    org = trust(db)
    other = trust(db, "elsewhere")
    stranger = make_user(db, "s@example.org", roles={other.slug: [Role.SECRETARY]}, totp=True)
    client = api_client(db, make_client, stranger)
    base = f"/api/orgs/{org.slug}/accountability"
    assert client.post(f"{base}/plans", json={"year": 2025, "title": "x"}).status_code == 404
    assert client.get(f"{base}/governors").status_code == 404
    assert db.exec(select(ForwardPlan)).all() == []
