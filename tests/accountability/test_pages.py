"""The accountability pages through HTTP: staff pages for each role, a member asking through
the pages and a governor answering, forms refused without CSRF, other organisations 404."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.accountability.models import KeyDecision, UpdateRequest
from governance.organisations.constitution import Role
from tests.accountability.support import (
    governor,
    local,
    member_in,
    set_clock,
    trust,
)
from tests.factories import make_org, make_user, member_client, signed_in_client

STAFF_PAGES = [
    "",
    "/plans",
    "/decisions",
    "/consultations",
    "/requests",
    "/requests?show=all",
    "/reports",
    "/governors",
    "/board-requests",
    "/annual-report/2025",
]


def test_secretary_pages_render_and_forms_work(db: Session, make_client: Any) -> None:
    org = trust(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = signed_in_client(make_client, secretary)
    base = f"/o/{org.slug}/accountability"
    for path in STAFF_PAGES:
        response = client.get(base + path)
        assert response.status_code == 200, (path, response.text[:2000])
    created = client.form(f"{base}/plans", {"year": "2026", "title": "Plan 2026", "summary": "S"})
    assert created.status_code == 200 and "The forward plan has been created." in created.text
    refused = client.form(f"{base}/plans", {"year": "2026", "title": ""})
    assert refused.status_code == 400 and "error-summary" in refused.text
    decision = client.form(
        f"{base}/decisions",
        {
            "title": "Merge with the community trust",
            "decision_maker": "The council",
            "decision_date": "2030-06-03",
            "category": "merger",
            "papers": "",
            "threshold": "",
            "description": "",
            "forward_plan_year": "2026",
        },
    )
    assert decision.status_code == 200, decision.text[:2000]
    assert "more than half of all governors" in decision.text
    found = db.exec(select(KeyDecision)).one()
    db.commit()  # end the read: on SQLite every transaction holds the write lock
    published = client.form(f"{base}/decisions/{found.id}/publish", {"urgent_reason": ""})
    assert "Published on time" in published.text
    taken = client.form(
        f"{base}/decisions/{found.id}/taken",
        {"taken_on": "2020-01-01", "outcome": "x", "votes": "Ann Archer, governor, maybe"},
    )
    assert taken.status_code == 400 and "Line 1" in taken.text
    no_csrf = client.post(f"{base}/plans", data={"year": "2027", "title": "No token"})
    assert no_csrf.status_code in {400, 403}


def test_roles_see_their_pages_and_other_organisations_see_nothing(
    db: Session, make_client: Any
) -> None:
    org = trust(db)
    other = make_org(db, "other-trust")
    _, gov_user, _ = governor(db, org, "NORTH", first="Gwen", last="North")
    assert gov_user is not None
    governor_client = signed_in_client(make_client, gov_user)
    base = f"/o/{org.slug}/accountability"
    for path in ["", "/consultations", "/requests", "/reports", "/board-requests"]:
        assert governor_client.get(base + path).status_code == 200, path
    for path in ["/plans", "/decisions", "/governors", "/annual-report/2025"]:
        assert governor_client.get(base + path).status_code == 404, path
    director = make_user(db, "dir@example.org", roles={org.slug: [Role.DIRECTOR]})
    director_client = signed_in_client(make_client, director)
    dashboard = director_client.get(base)
    assert dashboard.status_code == 200 and "/accountability/requests" not in dashboard.text
    assert director_client.get(f"{base}/consultations").status_code == 200
    assert director_client.get(f"{base}/requests").status_code == 404
    outsider = make_user(db, "out@example.org", roles={other.slug: [Role.GOVERNOR]})
    outsider_client = signed_in_client(make_client, outsider)
    for path in STAFF_PAGES:
        assert outsider_client.get(base + path).status_code == 404, path
    assert outsider_client.get(f"/api/orgs/{org.slug}/accountability/requests").status_code == 404


def test_a_member_asks_and_a_governor_answers_through_the_pages(
    db: Session, engine: Engine, make_client: Any
) -> None:
    org = trust(db)
    asker = member_in(db, org, "NORTH", first="Nia", last="Asker", email="nia@example.org")
    gwen = governor(db, org, "NORTH", first="Gwen", last="North", starts_on=date(2024, 4, 1))
    _, gov_user, _ = gwen
    assert gov_user is not None
    set_clock(local(date(2025, 4, 14)))
    anonymous = make_client()
    assert anonymous.get(f"/o/{org.slug}/ask", follow_redirects=False).headers["location"] == (
        f"/o/{org.slug}/member-sign-in"
    )
    member = member_client(make_client, engine, asker)
    page = member.get(f"/o/{org.slug}/ask")
    assert page.status_code == 200 and "governors elected for North" in page.text
    empty = member.form(f"/o/{org.slug}/ask", {"kind": "update", "subject": "", "body": ""})
    assert empty.status_code == 400 and "Enter a subject" in empty.text
    sent = member.form(
        f"/o/{org.slug}/ask",
        {"kind": "view", "subject": "Saturday clinics", "body": "Will they return?"},
    )
    assert sent.status_code == 200 and "Saturday clinics" in sent.text
    request = db.exec(select(UpdateRequest)).one()
    assert request.kind == "view" and request.due_on == date(2025, 5, 15)
    db.commit()
    staff = signed_in_client(make_client, gov_user)
    shown = staff.get(f"/o/{org.slug}/accountability/requests/{request.id}")
    assert shown.status_code == 200 and "Nia Asker" in shown.text
    answered = staff.form(
        f"/o/{org.slug}/accountability/requests/{request.id}/answer",
        {"answer": "Yes, from September."},
    )
    assert answered.status_code == 200 and "The answer has been sent" in answered.text
    public = anonymous.get(f"/o/{org.slug}/transparency/requests")
    assert "Yes, from September." in public.text and "Nia" not in public.text
    mine = member.get(f"/o/{org.slug}/my-requests")
    assert "Yes, from September." in mine.text


def test_a_member_responds_to_a_consultation_through_the_pages(
    db: Session, engine: Engine, make_client: Any
) -> None:
    org = trust(db)
    _, gov_user, _ = governor(db, org, "NORTH", first="Gwen", last="North")
    assert gov_user is not None
    north = member_in(db, org, "NORTH", first="Nia", last="North", email="nia@example.org")
    south = member_in(db, org, "SOUTH", first="Sid", last="South", email="sid@example.org")
    set_clock(local(date(2025, 5, 1)))
    staff = signed_in_client(make_client, gov_user)
    opened = staff.form(
        f"/o/{org.slug}/accountability/consultations",
        {
            "title": "Saturday opening",
            "question": "Should we?",
            "closes_on": "2025-05-31",
            "constituencies": "NORTH",
            "decision_id": "",
        },
    )
    assert opened.status_code == 200 and "The consultation is open." in opened.text
    number = re.search(r"/consultations/(\d+)\"", opened.text)
    assert number
    path = f"/o/{org.slug}/consultations/{number.group(1)}"
    south_client = member_client(make_client, engine, south)
    assert "for members of North" in south_client.get(path).text
    refused = south_client.form(path, {"body": "Me too"})
    assert refused.status_code == 403
    north_client = member_client(make_client, engine, north)
    sent = north_client.form(path, {"body": "Yes please", "publish_text": "yes"})
    assert sent.status_code == 200 and "You have responded" in sent.text
    public = make_client().get(path)
    assert "Yes please" in public.text and "Nia" not in public.text
    view = staff.form(
        f"/o/{org.slug}/accountability/consultations/{number.group(1)}/council-view",
        {"council_view": "Members want it."},
    )
    assert "view has been recorded." in view.text
