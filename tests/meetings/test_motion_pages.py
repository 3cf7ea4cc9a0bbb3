"""The motion pages: the secretary's console, a member's voting and proxy pages, the result page;
who may reach them (404 across organisations), and CSRF on every form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.meetings import hooks
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.organisations.constitution import Role
from tests.factories import make_user, signed_in_client
from tests.meetings.motion_support import (
    add_members,
    api,
    coop,
    meeting,
    member_client,
    plain_coop,
    secretary_client,
    set_meeting_status,
    travel_to,
)


def test_the_secretary_runs_a_motion_from_the_console(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org = coop(db)
    workers = add_members(db, org, "WORKERS", 3)
    customers = add_members(db, org, "CUSTOMERS", 3)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    desk = secretary_client(make_client, db, org)
    listing = desk.get(f"/o/{org.slug}/meetings/{agm.id}/motions")
    assert listing.status_code == 200 and "Add a motion" in listing.text
    assert "Special resolution" in listing.text and "Significant transaction" not in listing.text
    missing = desk.post(
        f"/o/{org.slug}/meetings/{agm.id}/motions", data={"kind": "ordinary_resolution"}
    )
    assert missing.status_code == 400 and "Enter the title" in missing.text
    created = desk.post(
        f"/o/{org.slug}/meetings/{agm.id}/motions",
        data={
            "kind": "special_resolution",
            "title": "New rules",
            "text": "That the rules change.",
            "secret": "yes",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    console = created.headers["location"]
    assert "Open for votes in advance" in desk.get(console).text
    assert "Voting in advance is open" in desk.post(f"{console}/open-advance").text
    early = desk.post(f"{console}/open-poll")
    assert early.status_code == 409 and "once the meeting is open" in early.text

    voter = member_client(make_client, engine, workers[0])
    assert voter.form(f"/o/{org.slug}/motions/1/vote", {"choice": "for"}).status_code == 200
    travel_to(agm.starts_at + timedelta(minutes=2))
    set_meeting_status(engine, agm, MeetingStatus.OPEN)
    assert "The poll is open" in desk.post(f"{console}/open-poll").text
    page = desk.get(console).text
    assert 'name="members:WORKERS-for"' in page  # a show of hands counted class by class
    hands = {
        f"members:{code}-{part}": value
        for code, counts in {
            "WORKERS": (1, 0, 0),
            "CUSTOMERS": (2, 1, 0),
            "INVESTORS": (0, 0, 0),
        }.items()
        for part, value in zip(("for", "against", "abstain"), counts, strict=True)
    }
    assert "The show of hands is recorded" in desk.post(f"{console}/hands", data=hands).text
    bad = desk.post(f"{console}/hands", data={**hands, "members:WORKERS-for": "lots"})
    assert bad.status_code == 400
    too_many = desk.post(f"{console}/hands", data={**hands, "members:CUSTOMERS-for": "9"})
    assert too_many.status_code == 422 and "more than the" in too_many.text
    closed = desk.post(f"{console}/close")
    assert "The vote is closed: carried." in closed.text
    assert "The result, explained" in closed.text
    result = make_client().get(f"/o/{org.slug}/motions/1/result")
    assert result.status_code == 200
    assert "Weighted classes of member" in result.text and "Show of hands" in result.text
    assert customers  # the customers' votes came by show of hands
    with Session(engine) as fresh:
        found = fresh.get(Meeting, agm.id)
        assert found is not None
        (link,) = hooks.results_of(fresh, found)
    assert link.title == "New rules" and link.outcome == "Carried"


def test_a_member_votes_and_appoints_a_proxy_through_the_pages(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org = plain_coop(db)
    me, friend = add_members(db, org, "MEMBERS", 2)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    desk = secretary_client(make_client, db, org)
    for title in ("Accounts", "Auditors"):
        motion = desk.post(
            f"{api(org)}/meetings/{agm.id}/motions",
            json={"kind": "ordinary_resolution", "title": title, "text": f"That the {title} pass."},
        ).json()
        desk.post(f"{api(org)}/motions/{motion['id']}/open-advance")
    browser = member_client(make_client, engine, me)
    listing = browser.get(f"/o/{org.slug}/meetings/{agm.id}/vote")
    assert (
        listing.status_code == 200
        and "Accounts" in listing.text
        and "appoint a proxy" in listing.text
    )
    nothing = browser.form(f"/o/{org.slug}/motions/1/vote", {})
    assert nothing.status_code == 400 and "Choose for, against or abstain" in nothing.text
    voted = browser.form(f"/o/{org.slug}/motions/1/vote", {"choice": "against"})
    assert "Your vote is recorded" in voted.text and 'name="choice"' not in voted.text
    again = browser.form(f"/o/{org.slug}/motions/1/vote", {"choice": "for"})
    assert "Your vote is recorded" in again.text  # the page says so; nothing more is stored

    proxy_page = browser.get(f"/o/{org.slug}/meetings/{agm.id}/proxy")
    assert proxy_page.status_code == 200 and "Who will vote for you?" in proxy_page.text
    no_holder = browser.form(f"/o/{org.slug}/meetings/{agm.id}/proxy", {})
    assert no_holder.status_code == 400 and "Choose who will be your proxy" in no_holder.text
    wrong = browser.form(
        f"/o/{org.slug}/meetings/{agm.id}/proxy",
        {"holder": "member", "holder_reference": friend.reference, "holder_last_name": "Wrong"},
    )
    assert wrong.status_code == 422 and "No member has that member number and surname" in wrong.text
    appointed = browser.form(
        f"/o/{org.slug}/meetings/{agm.id}/proxy",
        {
            "holder": "member",
            "holder_reference": friend.reference,
            "holder_last_name": friend.last_name,
            "direction-2": "for",
        },
    )
    assert (
        "Your proxy has been appointed" in appointed.text and friend.display_name in appointed.text
    )
    revoked = browser.form(f"/o/{org.slug}/meetings/{agm.id}/proxy/revoke", {})
    assert "Your proxy has been revoked" in revoked.text
    holder_page = member_client(make_client, engine, friend).get(f"/o/{org.slug}/motions/2/proxies")
    assert holder_page.status_code == 200 and "You hold no proxies" in holder_page.text


def test_pages_answer_404_across_organisations_and_need_csrf(
    db: Session, make_client: Any, engine: Engine
) -> None:
    org = plain_coop(db)
    (member,) = add_members(db, org, "MEMBERS", 1)
    agm = meeting(db, org, MeetingKind.COOP_AGM)
    desk = secretary_client(make_client, db, org)
    motion = desk.post(
        f"{api(org)}/meetings/{agm.id}/motions",
        json={"kind": "ordinary_resolution", "title": "Accounts", "text": "That they pass."},
    ).json()
    desk.post(f"{api(org)}/motions/{motion['id']}/open-advance")
    other = plain_coop(db, "other-coop")
    (stranger,) = add_members(db, other, "MEMBERS", 1, prefix="stranger")
    outsider = member_client(make_client, engine, stranger)
    for path in (
        f"/o/{org.slug}/motions/{motion['id']}/vote",
        f"/o/{org.slug}/meetings/{agm.id}/vote",
        f"/o/{org.slug}/meetings/{agm.id}/proxy",
        f"/o/{other.slug}/motions/{motion['id']}/vote",
    ):
        assert outsider.get(path).status_code == 404, path
    assert make_client().get(f"/o/{org.slug}/motions/{motion['id']}/vote").status_code == 401
    other_desk = secretary_client(make_client, db, other)
    assert other_desk.get(f"/o/{org.slug}/motions/{motion['id']}/manage").status_code == 404
    assert other_desk.get(f"/o/{other.slug}/motions/{motion['id']}/manage").status_code == 404
    assert make_client().get(f"/o/{org.slug}/motions/{motion['id']}/result").status_code == 404

    # A secretary signed in with a browser session must send the CSRF token with each form.
    user = make_user(db, "chair@plain-coop.example", roles={org.slug: [Role.SECRETARY]}, totp=True)
    browser = signed_in_client(make_client, user)
    forged = browser.post(f"/o/{org.slug}/motions/{motion['id']}/manage/close", data={})
    assert forged.status_code == 403
    closed = browser.form(f"/o/{org.slug}/motions/{motion['id']}/manage/close", {})
    assert closed.status_code == 200 and "The vote is closed" in closed.text
    voter = member_client(make_client, engine, member)
    assert (
        voter.post(f"/o/{org.slug}/meetings/{agm.id}/proxy", data={"holder": "chair"}).status_code
        == 403
    )
