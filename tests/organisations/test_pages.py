"""Organisation pages: the admin list, the start page, settings and people."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from governance.auth import sessions
from governance.auth.models import RoleAssignment, User
from governance.mail import OutboxMessage
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.conftest import Client
from tests.factories import KEYS, make_member, make_org, make_user, signed_in_client


def test_an_admin_adds_an_organisation_then_invites_its_secretary(
    db: Session, make_client: Any
) -> None:
    admin = make_user(db, "admin@example.org", platform_admin=True, totp=True)
    client = signed_in_client(make_client, admin)
    page = client.get("/admin/organisations")
    assert page.status_code == 200 and "Add an organisation" in page.text
    bad = client.form(
        "/admin/organisations",
        {
            "name": "Hill Trust",
            "slug": "Hill Trust",
            "type": "foundation_trust",
            "time_zone": "Europe/London",
        },
    )
    assert (
        bad.status_code == 400 and 'href="#slug"' in bad.text and 'value="Hill Trust"' in bad.text
    )
    made = client.form(
        "/admin/organisations",
        {
            "name": "Hill Trust",
            "slug": "hill-ft",
            "type": "foundation_trust",
            "time_zone": "Europe/London",
        },
        follow_redirects=False,
    )
    assert made.headers["location"] == "/o/hill-ft/people?notice=created"
    people = client.get("/o/hill-ft/people?notice=created")
    assert "Invite its secretary" in people.text
    invited = client.form(
        "/o/hill-ft/people/invite",
        {"name": "Sam Secretary", "email": "sam@hill.example", "role": "secretary"},
    )
    assert invited.status_code == 200 and "Sam Secretary" in invited.text
    assert db.exec(select(OutboxMessage.to_address)).all() == ["sam@hill.example"]
    db.commit()


def test_the_admin_list_is_for_admins_only(db: Session, make_client: Any, client: Client) -> None:
    governor = make_user(db, "gov@example.org")
    assert client.get("/admin/organisations", follow_redirects=False).status_code == 303
    assert signed_in_client(make_client, governor).get("/admin/organisations").status_code == 404


def test_the_start_page_is_public_and_shows_staff_their_areas(
    db: Session, client: Client, make_client: Any
) -> None:
    org = make_org(db, "vale-coop", name="Vale Co-op")
    public = client.get("/o/vale-coop")
    assert public.status_code == 200
    assert "Sign in as a member" in public.text and "People and roles" not in public.text
    public_links = set(re.findall(r'href="(/o/vale-coop/[^"]*)"', public.text))
    assert {
        "/o/vale-coop/elections",
        "/o/vale-coop/meetings",
        "/o/vale-coop/meetings.ics",
        "/o/vale-coop/transparency",
        "/o/vale-coop/membership",
        "/o/vale-coop/public-register",
        "/o/vale-coop/join",
        "/o/vale-coop/member-sign-in",
    } <= public_links
    assert "/o/vale-coop/me" not in public_links
    for link in sorted(public_links):  # every link works for a visitor
        assert client.get(link).status_code == 200, link
    assert client.get("/o/no-such-org").status_code == 404
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    staff = signed_in_client(make_client, secretary).get("/o/vale-coop")
    assert "People and roles" in staff.text and "Settings and constitution" in staff.text
    governor = make_user(db, "gov@example.org", roles={org.slug: [Role.GOVERNOR]})
    assert (
        "People and roles" not in signed_in_client(make_client, governor).get("/o/vale-coop").text
    )


def test_a_member_sees_they_are_signed_in(db: Session, client: Client) -> None:
    org = make_org(db)
    make_member(db, org, first_name="Mo", last_name="Member", reference="M-7")
    member = db.exec(select(Member)).one()
    token = sessions.issue(db, KEYS, Settings(secret_key="x" * 40), member=member)
    db.commit()
    client.cookies.set("gov_session", token, domain="testserver.local")
    page = client.get("/o/org-a")
    assert "You are signed in as Mo Member, member M-7" in page.text
    links = set(re.findall(r'href="(/o/org-a/[^"]*)"', page.text))
    assert {"/o/org-a/me", "/o/org-a/ask", "/o/org-a/my-requests", "/o/org-a/requisitions"} <= links
    assert "/o/org-a/join" not in links and "/o/org-a/member-sign-in" not in links
    for link in sorted(links):  # every link works for the member
        assert client.get(link).status_code == 200, link


def test_settings_and_constitution_forms(db: Session, make_client: Any) -> None:
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = signed_in_client(make_client, secretary)
    page = client.get("/o/org-a/settings")
    assert page.status_code == 200 and 'name="minimum_age"' in page.text
    bad = client.form(
        "/o/org-a/settings", {"name": "Org A", "time_zone": "Atlantis/Deep", "logo_url": ""}
    )
    assert bad.status_code == 400 and 'href="#time_zone"' in bad.text
    saved = client.form(
        "/o/org-a/settings",
        {"name": "Org A Trust", "time_zone": "Europe/London", "logo_url": ""},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/o/org-a/settings?notice=settings-saved"
    fields = {
        name: str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in org.constitution.to_json().items()
    }
    form = {k: v for k, v in fields.items() if v not in {"true", "false"}}
    form |= {k: "yes" for k, v in fields.items() if v == "true"}
    form["minimum_age"] = "twelve"
    wrong = client.form("/o/org-a/constitution", form)
    assert wrong.status_code == 400 and 'href="#minimum_age"' in wrong.text
    form["minimum_age"] = "12"
    form["chair_casting_vote"] = "yes"
    done = client.form("/o/org-a/constitution", form, follow_redirects=False)
    assert done.status_code == 303
    db.refresh(org)
    db.commit()
    assert org.name == "Org A Trust"
    assert org.constitution.minimum_age == 12 and org.constitution.chair_casting_vote


def test_people_page_grants_and_removes_roles(db: Session, make_client: Any) -> None:
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    director = make_user(db, "dir@example.org", roles={org.slug: [Role.DIRECTOR]})
    client = signed_in_client(make_client, secretary)
    page = client.get("/o/org-a/people")
    assert "dir@example.org" in page.text
    conflict = client.form(
        "/o/org-a/people/grant", {"user_id": str(director.id), "role": "returning_officer"}
    )
    assert conflict.status_code == 400 and 'href="#grant_role"' in conflict.text
    user = db.exec(select(User).where(User.email == "dir@example.org")).one()
    db.commit()
    assignment = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).one()
    db.commit()
    # The button asks first, and nothing changes until the person confirms.
    asked = client.form(f"/o/org-a/people/{assignment.id}/revoke", {})
    assert asked.status_code == 200 and "Remove the director role from" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert db.get(RoleAssignment, assignment.id) is not None
    db.commit()
    removed = client.form(
        f"/o/org-a/people/{assignment.id}/revoke", {"confirm": "yes"}, follow_redirects=False
    )
    assert removed.headers["location"] == "/o/org-a/people?notice=role-removed"
    own = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == secretary.id)).one()
    db.commit()
    refused = client.form(f"/o/org-a/people/{own.id}/revoke", {"confirm": "yes"})
    assert refused.status_code == 409 and "only secretary" in refused.text


def test_the_last_secretary_cannot_be_removed_even_by_an_administrator(
    db: Session, make_client: Any
) -> None:
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    admin = make_user(db, "admin@example.org", platform_admin=True, totp=True)
    client = signed_in_client(make_client, admin)
    only = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == secretary.id)).one()
    db.commit()
    refused = client.form(f"/o/org-a/people/{only.id}/revoke", {"confirm": "yes"})
    assert refused.status_code == 409 and "only secretary" in refused.text
    second = make_user(db, "sec2@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    assert second.id is not None
    removed = client.form(
        f"/o/org-a/people/{only.id}/revoke", {"confirm": "yes"}, follow_redirects=False
    )
    assert removed.status_code == 303


def test_the_settings_page_takes_a_contact_address_for_replies(
    db: Session, make_client: Any
) -> None:
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = signed_in_client(make_client, secretary)
    assert 'name="contact_email"' in client.get("/o/org-a/settings").text
    fields = {"name": "Org A", "time_zone": "Europe/London", "logo_url": ""}
    bad = client.form("/o/org-a/settings", {**fields, "contact_email": "members at org-a"})
    assert bad.status_code == 400 and 'href="#contact_email"' in bad.text
    saved = client.form(
        "/o/org-a/settings",
        {**fields, "contact_email": "members@org-a.example"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(Organisation, org.id).contact_email == "members@org-a.example"  # type: ignore[union-attr]
    db.commit()  # end the read: on SQLite it holds the write lock the next page needs
    assert 'value="members@org-a.example"' in client.get("/o/org-a/settings").text
