"""Calling a meeting: the draft, the notice check and its override, publication and email, the
public pages, bad input, tenant isolation, CSRF and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.db import utcnow
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Meeting
from governance.organisations.constitution import Role
from tests.factories import (
    audit_actions,
    make_user,
    member_client,
    signed_in_client,
    travel_to,
)
from tests.meetings.meeting_support import (
    api_client,
    at_local,
    count,
    create_meeting,
    fresh,
    make_body,
    outbox_to,
)

SLUG = "river-coop"


def today() -> date:
    return utcnow().date()


def test_a_secretary_calls_an_agm_with_enough_notice(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(
        staff, SLUG, at_local(today() + timedelta(days=30)), questions_deadline=None
    )
    assert made["status"] == "draft" and made["page"] == f"/o/{SLUG}/meetings/{made['id']}"
    public = make_client()
    assert public.get(made["page"]).status_code == 404, "a draft is not public"
    detail = staff.get(f"/api/orgs/{SLUG}/meetings/{made['id']}").json()
    assert detail["notice_check"] == []
    item = staff.post(
        f"/api/orgs/{SLUG}/meetings/{made['id']}/agenda", json={"title": "Annual report"}
    )
    assert item.status_code == 201

    called = staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={})
    assert called.status_code == 200, called.text
    assert called.json()["status"] == "called" and called.json()["notice_issues"] == []
    sent = outbox_to(db, f"meeting:{made['id']}")
    assert len(sent) == 6 and {m.to_address for m in sent} == {m.email for m in body.members}
    assert "Notice of meeting" in sent[0].subject and "1. Annual report" in sent[0].body_text
    page = public.get(made["page"])
    assert page.status_code == 200 and "Annual report" in page.text and "The Hall" in page.text
    listing = public.get(f"/o/{SLUG}/meetings")
    assert "Annual general meeting" in listing.text
    assert {"meeting.created", "meeting.agenda_item_added", "meeting.called"} <= set(
        audit_actions(db)
    )

    again = staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={})
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-called"


def test_late_notice_needs_a_reason_that_is_kept(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(staff, SLUG, at_local(today() + timedelta(days=10)))
    url = f"/api/orgs/{SLUG}/meetings/{made['id']}/notice"
    refused = staff.post(url, json={})
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/notice-rules"
    assert [i["code"] for i in problem["issues"]] == ["late-notice"]
    assert "14 clear days" in problem["detail"] and "Give a reason" in problem["detail"]
    assert fresh(db, made["id"]).status == MeetingStatus.DRAFT
    assert outbox_to(db, f"meeting:{made['id']}") == []
    assert "meeting.called" not in audit_actions(db)

    accepted = staff.post(url, json={"late_notice_reason": "The auditors' report was late"})
    assert accepted.status_code == 200
    meeting = fresh(db, made["id"])
    assert meeting.status == MeetingStatus.CALLED
    assert meeting.late_notice_reason == "The auditors' report was late"
    assert [i["code"] for i in meeting.notice_issues] == ["late-notice"]
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "meeting.called")).one()
    assert "auditors" in entry.detail and '"late-notice"' in entry.detail


def test_the_fifteen_month_rule_looks_at_the_last_agm(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    last = today() - timedelta(days=460)
    db.add(
        Meeting(
            organisation_id=body.org.id or 0,
            kind="coop_agm",
            title="Last AGM",
            starts_at=at_local(last),
            ends_at=at_local(last, 20),
            status=MeetingStatus.CLOSED,
        )
    )
    db.commit()
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(staff, SLUG, at_local(today() + timedelta(days=30)))
    check = staff.get(f"/api/orgs/{SLUG}/meetings/{made['id']}").json()["notice_check"]
    assert [i["code"] for i in check] == ["annual-interval"] and "15 months" in check[0]["message"]
    general = create_meeting(
        staff, SLUG, at_local(today() + timedelta(days=30)), kind="coop_general"
    )
    assert staff.get(f"/api/orgs/{SLUG}/meetings/{general['id']}").json()["notice_check"] == []


def test_a_meeting_in_the_past_cannot_be_called_even_with_a_reason(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(staff, SLUG, utcnow() - timedelta(days=2))
    response = staff.post(
        f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={"late_notice_reason": "x"}
    )
    assert response.status_code == 422 and response.json()["issues"][0]["code"] == "in-the-past"


def test_bad_input_is_refused_and_nothing_is_written(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    start = at_local(today() + timedelta(days=30))
    url = f"/api/orgs/{SLUG}/meetings"
    cases = [
        ({"starts_at": start.replace(tzinfo=None).isoformat()}, 400),
        ({"kind": "picnic"}, 400),
        ({"title": ""}, 400),
        ({"surprise": 1}, 400),
        ({"online_url": "javascript:alert(1)"}, 400),
        ({"ends_at": (start - timedelta(hours=1)).isoformat()}, 422),
        ({"questions_deadline": (start + timedelta(hours=1)).isoformat()}, 422),
        ({"starts_at": (start + timedelta(days=3000)).isoformat()}, 422),
        ({"requisition_id": 999}, 422),
    ]
    before = len(audit_actions(db))
    for change, status in cases:
        payload = {"kind": "coop_agm", "title": "AGM", "starts_at": start.isoformat()} | change
        response = staff.post(url, json=payload)
        assert response.status_code == status, (change, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    ends = staff.post(
        url,
        json={
            "kind": "coop_agm",
            "title": "AGM",
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
        },
    )
    assert ends.json()["errors"][0]["field"] == "ends_at"
    assert count(db, Meeting) == 0
    assert len(audit_actions(db)) == before


def test_changing_a_called_meeting(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(staff, SLUG, at_local(today() + timedelta(days=30)))
    url = f"/api/orgs/{SLUG}/meetings/{made['id']}"
    moved = staff.patch(url, json={"starts_at": at_local(today() + timedelta(days=31)).isoformat()})
    assert moved.status_code == 200
    assert staff.post(f"{url}/notice", json={}).status_code == 200
    refused = staff.patch(
        url, json={"starts_at": at_local(today() + timedelta(days=32)).isoformat()}
    )
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/notice-given"
    changed = staff.patch(url, json={"location": "The Annexe"})
    assert changed.status_code == 200 and changed.json()["location"] == "The Annexe"
    assert fresh(db, made["id"]).revision == 1
    assert audit_actions(db).count("meeting.updated") == 2


def test_council_notice_goes_to_governors(db: Session, engine: Engine, make_client: Any) -> None:
    from governance.members.offices import Office
    from governance.organisations.constitution import OrganisationType
    from tests.meetings.meeting_support import (
        appoint,
    )

    body = make_body(db, "north-ft", kind=OrganisationType.FOUNDATION_TRUST)
    appoint(db, body.org, body.members[:3], Office.GOVERNOR)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(
        staff,
        "north-ft",
        at_local(today() + timedelta(days=20)),
        kind="council_of_governors",
        title="Council",
    )
    assert (
        staff.post(f"/api/orgs/north-ft/meetings/{made['id']}/notice", json={}).status_code == 200
    )
    sent = outbox_to(db, f"meeting:{made['id']}")
    assert sorted(m.to_address for m in sent) == sorted(m.email or "" for m in body.members[:3])


def test_another_organisations_people_get_404(
    db: Session, engine: Engine, make_client: Any
) -> None:
    ours = make_body(db)
    theirs = make_body(db, "hill-coop")
    staff = api_client(make_client, engine, ours.secretary)
    made = create_meeting(staff, SLUG, at_local(today() + timedelta(days=30)))
    staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={})
    outsider = api_client(make_client, engine, theirs.secretary)
    base = f"/api/orgs/{SLUG}/meetings"
    assert outsider.get(base).status_code == 404
    assert outsider.post(base, json={"kind": "coop_agm"}).status_code == 404
    assert outsider.get(f"{base}/{made['id']}").status_code == 404
    assert outsider.post(f"{base}/{made['id']}/cancel", json={"reason": "x"}).status_code == 404
    # Their own organisation's path with our meeting's id: 404 as well.
    assert outsider.get(f"/api/orgs/hill-coop/meetings/{made['id']}").status_code == 404
    assert outsider.post(f"/api/orgs/hill-coop/meetings/{made['id']}/open").status_code == 404
    stranger = member_client(make_client, engine, theirs.members[0])
    asked = stranger.api("POST", f"{base}/{made['id']}/questions", json={"text": "Why?"})
    assert asked.status_code == 404
    own_path = stranger.api(
        "POST", f"/api/orgs/hill-coop/meetings/{made['id']}/questions", json={"text": "Why?"}
    )
    assert own_path.status_code == 404
    assert stranger.get(f"/o/{SLUG}/meetings/{made['id']}/ask").status_code == 404
    assert fresh(db, made["id"]).status == MeetingStatus.CALLED


def test_pages_need_the_csrf_token(db: Session, make_client: Any) -> None:
    body = make_body(db)
    browser = signed_in_client(make_client, body.secretary)
    day = (today() + timedelta(days=30)).isoformat()
    form = {"kind": "coop_agm", "title": "AGM", "day": day, "start": "18:30"}
    refused = browser.post(f"/o/{SLUG}/meetings/new", data=form)
    assert refused.status_code == 403
    assert count(db, Meeting) == 0
    created = browser.form(f"/o/{SLUG}/meetings/new", form, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"].endswith("notice=created")


def test_a_secretary_works_through_the_pages(db: Session, make_client: Any) -> None:
    body = make_body(db)
    browser = signed_in_client(make_client, body.secretary)
    assert "Set up a meeting" in browser.get(f"/o/{SLUG}/meetings/manage").text
    blank = browser.form(
        f"/o/{SLUG}/meetings/new", {"kind": "coop_agm", "title": "", "day": "", "start": ""}
    )
    assert (
        blank.status_code == 400 and "error-summary" in blank.text and 'href="#day"' in blank.text
    )
    day = (today() + timedelta(days=8)).isoformat()
    created = browser.form(
        f"/o/{SLUG}/meetings/new",
        {"kind": "coop_agm", "title": "AGM 2026", "day": day, "start": "18:30", "end": "20:00"},
    )
    assert created.status_code == 200 and "14 clear days" in created.text
    meeting = db.exec(select(Meeting)).one()
    db.commit()
    manage = f"/o/{SLUG}/meetings/{meeting.id}/manage"
    no_reason = browser.form(f"{manage}/notice", {})
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    agenda = browser.form(
        f"{manage}/agenda", {"item_title": "Accounts", "item_presenter": "Treasurer"}
    )
    assert "Accounts" in agenda.text
    item_id = _item_id(db)
    pdf = b"%PDF-1.4 minimal"
    upload = browser.post(
        f"{manage}/papers",
        data={"_csrf": browser.csrf(), "item_id": str(item_id), "paper_title": "Accounts 2025"},
        files={"file": ("accounts.pdf", pdf, "application/pdf")},
    )
    assert upload.status_code == 200 and "Accounts 2025" in upload.text
    fake = browser.post(
        f"{manage}/papers",
        data={"_csrf": browser.csrf(), "item_id": str(item_id), "paper_title": "Sneaky"},
        files={"file": ("page.pdf", b"<html><script>", "application/pdf")},
    )
    assert fake.status_code == 422 and "not a valid PDF" in fake.text
    called = browser.form(f"{manage}/notice", {"late_notice_reason": "Rearranged after the floods"})
    assert called.status_code == 200 and "Notice has been given" in called.text
    public = make_client().get(f"/o/{SLUG}/meetings/{meeting.id}")
    assert "Accounts 2025" in public.text and "Treasurer" in public.text
    paper_url = f"/o/{SLUG}/meetings/{meeting.id}/papers/"
    link = public.text.split(paper_url, 1)[1].split('"', 1)[0]
    download = make_client().get(paper_url + link)
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in download.headers["content-disposition"]
    assert {"meeting.paper_added", "meeting.called"} <= set(audit_actions(db))
    assert audit_actions(db).count("meeting.paper_added") == 1
    # A file name in any alphabet downloads (it used to answer 500: headers are Latin-1).
    named = browser.post(
        f"{manage}/papers",
        data={"_csrf": browser.csrf(), "item_id": str(item_id), "paper_title": "Minutes"},
        files={"file": ("Протокол Łódź.pdf", pdf, "application/pdf")},
    )
    assert named.status_code == 200, named.text
    page = make_client().get(f"/o/{SLUG}/meetings/{meeting.id}").text
    links = [chunk.split('"', 1)[0] for chunk in page.split(paper_url)[1:]]
    answers = [make_client().get(paper_url + found) for found in links]
    assert [a.status_code for a in answers] == [200] * len(links) and len(links) == 2
    disposition = answers[-1].headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D0%9F%D1%80%D0%BE%D1%82%D0%BE%D0%BA%D0%BE%D0%BB" in disposition


def _item_id(db: Session) -> int:
    from governance.meetings.models import AgendaItem

    item = db.exec(select(AgendaItem)).one()
    db.commit()
    assert item.id is not None
    return item.id


def test_only_the_secretary_manages_meetings(db: Session, engine: Engine, make_client: Any) -> None:
    body = make_body(db)
    governor = make_user(db, "gov@river-coop.example", roles={SLUG: [Role.GOVERNOR]})
    client = api_client(make_client, engine, governor)
    assert client.get(f"/api/orgs/{SLUG}/meetings").status_code == 404
    assert body.secretary.id is not None


def test_api_calls_with_a_session_need_the_csrf_header(
    db: Session, engine: Engine, make_client: Any
) -> None:
    body = make_body(db)
    staff = api_client(make_client, engine, body.secretary)
    made = create_meeting(
        staff,
        SLUG,
        at_local(today() + timedelta(days=30)),
        questions_deadline=at_local(today() + timedelta(days=25)).isoformat(),
    )
    staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={})
    member = member_client(make_client, engine, body.members[0])
    url = f"/api/orgs/{SLUG}/meetings/{made['id']}/questions"
    refused = member.post(url, json={"text": "No token?"})
    assert refused.status_code == 403
    from governance.meetings.models import Question

    assert count(db, Question) == 0
    assert member.api("POST", url, json={"text": "With the token"}).status_code == 201


def test_every_state_of_the_dashboard_renders(
    db: Session, engine: Engine, make_client: Any
) -> None:

    body = make_body(db, members=2)
    other = make_body(db, "hill-coop", prefix="h")
    staff = api_client(make_client, engine, body.secretary)
    browser = signed_in_client(make_client, body.secretary)
    start = at_local(today() + timedelta(days=30))
    made = create_meeting(
        staff,
        SLUG,
        start,
        questions_deadline=(start - timedelta(days=1)).isoformat(),
        online_url="https://x.example/m",
    )
    manage = f"/o/{SLUG}/meetings/{made['id']}/manage"
    staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/agenda", json={"title": "Reports"})
    assert "Give notice and email it" in browser.get(manage).text
    staff.post(f"/api/orgs/{SLUG}/meetings/{made['id']}/notice", json={})
    member = member_client(make_client, engine, body.members[0])
    member.api("POST", f"/api/orgs/{SLUG}/meetings/{made['id']}/questions", json={"text": "Tea?"})
    page = browser.get(manage)
    assert "Open the meeting" in page.text and "Tea?" in page.text
    question = staff.get(f"/api/orgs/{SLUG}/meetings/{made['id']}/questions").json()[0]
    answered = browser.form(
        f"{manage}/questions/{question['id']}",
        {"action": "answer", f"answer-{question['id']}": "Yes, and cake.", "publish": "yes"},
    )
    assert "The answer is saved" in answered.text
    outsider = signed_in_client(make_client, other.secretary)
    assert outsider.get(manage).status_code == 404
    assert outsider.form(f"{manage}/cancel", {"cancel_reason": "mine now"}).status_code == 404
    travel_to(start)
    browser = signed_in_client(make_client, body.secretary)
    assert "Close the meeting" in browser.form(f"{manage}/open", {}).text
    saved = browser.form(
        f"{manage}/minutes", {"action": "save", "minutes_text": "We met.\n\nWe ate cake."}
    )
    assert "The draft minutes are saved" in saved.text
    assert "The meeting is closed" in browser.form(f"{manage}/close", {}).text
    later = create_meeting(
        staff, SLUG, start + timedelta(days=40), kind="coop_general", title="Later"
    )
    staff.post(f"/api/orgs/{SLUG}/meetings/{later['id']}/notice", json={"late_notice_reason": "t"})
    travel_to(start + timedelta(days=40))
    browser = signed_in_client(make_client, body.secretary)
    staff.post(f"/api/orgs/{SLUG}/meetings/{later['id']}/open")
    approved = browser.form(
        f"{manage}/minutes", {"action": "approve", "at_meeting_id": str(later["id"])}
    )
    assert "recorded as approved" in approved.text
    published = browser.form(f"{manage}/minutes", {"action": "publish"})
    assert "The minutes are published" in published.text
    public = make_client().get(f"/o/{SLUG}/meetings/{made['id']}").text
    assert "We ate cake." in public and "Yes, and cake." in public
    cancelled = create_meeting(staff, SLUG, start + timedelta(days=90), title="Never")
    staff.post(f"/api/orgs/{SLUG}/meetings/{cancelled['id']}/cancel", json={"reason": "No need"})
    assert browser.get(f"/o/{SLUG}/meetings/{cancelled['id']}/manage").status_code == 200
    assert "minutes_published" not in audit_actions(db)
