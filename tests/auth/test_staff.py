"""Staff of an organisation: invitations, first passwords, role changes and their audit."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import text, update
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.auth import passwords, staff, tokens
from governance.auth.models import AuthSession, RoleAssignment, StaffInvitation, User
from governance.db import utcnow
from governance.mail import OutboxMessage, rendered_text
from governance.members.models import Member
from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.factories import (
    KEYS,
    make_member,
    make_org,
    make_user,
    signed_in_api,
    signed_in_client,
)

LINK_RE = re.compile(r"http://testserver\.local/invitation/([A-Za-z0-9_-]+)")


def _secretary_token(db: Session, slug: str = "org-a") -> tuple[User, dict[str, str]]:
    secretary = make_user(db, f"sec@{slug}.example", roles={slug: [Role.SECRETARY]}, totp=True)
    secret, _ = tokens.create_token(db, KEYS, user=secretary, name="t", expires_in_days=None)
    return secretary, {"Authorization": f"Bearer {secret}"}


def _rows(db: Session, model: Any) -> list[Any]:
    rows = list(db.exec(select(model)).all())
    db.commit()
    return rows


def _invite(client: Client, headers: dict[str, str], **body: str) -> Any:
    return client.post("/api/orgs/org-a/invitations", json=body, headers=headers)


def test_an_invited_person_sets_a_password_once_and_signs_in(
    db: Session, client: Client, make_client: Any
) -> None:
    make_org(db)
    _, headers = _secretary_token(db)
    response = _invite(
        client, headers, email="New.Gov@Example.org", name="New Governor", role="governor"
    )
    assert response.status_code == 201, response.text
    user = db.exec(select(User).where(User.email == "new.gov@example.org")).one()
    db.commit()
    assert user.password_hash == passwords.UNUSABLE
    mail = _rows(db, OutboxMessage)[-1]
    assert mail.to_address == "new.gov@example.org" and mail.purpose == "staff-invitation"
    found = LINK_RE.search(rendered_text(KEYS, mail))
    assert found
    token = found.group(1)
    assert _rows(db, StaffInvitation)[0].token_hmac == KEYS.token_hmac(token, "invitation")
    assert token not in str(db.execute(text("SELECT * FROM staff_invitation")).all())
    db.commit()

    browser = make_client()
    assert browser.get(f"/invitation/{token}").status_code == 200
    weak = browser.form(
        f"/invitation/{token}", {"password": "password1234", "confirm_password": "password1234"}
    )
    assert weak.status_code == 400 and "too easy to guess" in weak.text
    good = "plum kettle orbit meadow"
    done = browser.form(
        f"/invitation/{token}",
        {"password": good, "confirm_password": good},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/sign-in?notice=password-set"
    again = browser.form(f"/invitation/{token}", {"password": good, "confirm_password": good})
    assert again.status_code == 410
    me = signed_in_api(signed_in_client(make_client, user, password=good))
    assert me["roles"][0]["role"] == "governor"


def test_another_organisations_director_is_only_offered_the_role_until_they_accept(
    db: Session, client: Client, make_client: Any
) -> None:
    make_org(db)
    make_org(db, "org-b")
    existing = make_user(
        db, "known@example.org", name="Real Name", roles={"org-b": [Role.DIRECTOR]}
    )
    secretary, headers = _secretary_token(db)
    response = _invite(client, headers, email="known@example.org", name="Typed", role="director")
    assert response.status_code == 201

    def held() -> list[str]:
        roles = db.exec(
            select(RoleAssignment.role).where(RoleAssignment.user_id == existing.id)
        ).all()
        db.commit()
        return sorted(roles)

    assert held() == ["director"], "nothing granted without consent"
    people = client.get("/api/orgs/org-a/roles", headers=headers).json()
    assert all(p["email"] != "known@example.org" for p in people)
    browser = signed_in_client(make_client, secretary)
    page = browser.get("/o/org-a/people").text
    assert "known@example.org" in page and "Waiting for acceptance" in page
    assert "Real Name" not in page, "the account's real name is not shown"
    offer = _rows(db, OutboxMessage)[-1]
    assert offer.purpose == "staff-role-offer" and "Real Name" not in offer.body_text
    link = LINK_RE.search(offer.body_text)
    assert link
    token = link.group(1)
    # Anyone else with the link cannot take it, and it cannot set a password.
    assert "Sign in to accept" in make_client().get(f"/invitation/{token}").text
    assert browser.form(f"/invitation/{token}/accept", {}).status_code == 410
    refused = make_client().form(
        f"/invitation/{token}", {"password": "x" * 20, "confirm_password": "x" * 20}
    )
    assert refused.status_code == 410
    assert held() == ["director"]
    # The owner signs in and accepts.
    owner = signed_in_client(make_client, existing)
    assert "Accept the role" in owner.get(f"/invitation/{token}").text
    accepted = owner.form(f"/invitation/{token}/accept", {}, follow_redirects=False)
    assert accepted.headers["location"] == "/account?notice=role-accepted"
    assert held() == ["director", "director"]
    assert owner.form(f"/invitation/{token}/accept", {}).status_code == 410, "used once"
    assert "auth.role_offer_accepted" in [e.action for e in _rows(db, AuditEntry)]
    twice = _invite(client, headers, email="known@example.org", name="x", role="director")
    assert twice.status_code == 409


def test_a_new_invitation_replaces_an_unused_one(db: Session, client: Client) -> None:
    make_org(db)
    _, headers = _secretary_token(db)
    _invite(client, headers, email="slow@example.org", name="Slow", role="governor")
    first = LINK_RE.search(rendered_text(KEYS, _rows(db, OutboxMessage)[-1])).group(1)  # type: ignore[union-attr]
    again = _invite(client, headers, email="slow@example.org", name="Slow", role="governor")
    assert again.status_code == 201
    second = LINK_RE.search(rendered_text(KEYS, _rows(db, OutboxMessage)[-1])).group(1)  # type: ignore[union-attr]
    assert first != second
    assert client.get(f"/invitation/{first}").status_code == 410
    assert client.get(f"/invitation/{second}").status_code == 200


def test_an_expired_invitation_is_refused(db: Session, client: Client) -> None:
    make_org(db)
    _, headers = _secretary_token(db)
    _invite(client, headers, email="late@example.org", name="Late", role="governor")
    token = LINK_RE.search(rendered_text(KEYS, _rows(db, OutboxMessage)[-1])).group(1)  # type: ignore[union-attr]
    db.execute(update(StaffInvitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    assert client.get(f"/invitation/{token}").status_code == 410


def test_the_returning_officer_is_recorded_without_membership(db: Session, client: Client) -> None:
    org = make_org(db)
    _, headers = _secretary_token(db)
    response = _invite(
        client, headers, email="ro@elections.example", name="Ro", role="returning_officer"
    )
    assert response.status_code == 201
    assert _rows(db, Member) == []
    ro = db.exec(select(User).where(User.email == "ro@elections.example")).one()
    db.commit()
    held = {p.user.id: [a.role for a in p.assignments] for p in staff.people(db, org)}
    assert held[ro.id] == ["returning_officer"]


def test_the_returning_officer_must_be_independent(db: Session, client: Client) -> None:
    org = make_org(db)
    secretary, headers = _secretary_token(db)
    make_member(db, org, email="member@example.org")
    before = (len(_rows(db, User)), len(_rows(db, AuditEntry)))
    member_ro = _invite(
        client, headers, email="member@example.org", name="M", role="returning_officer"
    )
    assert member_ro.status_code == 422
    assert member_ro.json()["type"] == "/problems/returning-officer-independence"
    assert (len(_rows(db, User)), len(_rows(db, AuditEntry))) == before, "nothing written"

    self_ro = client.post(
        "/api/orgs/org-a/roles",
        json={"user_id": secretary.id, "role": "returning_officer"},
        headers=headers,
    )
    assert self_ro.status_code == 422
    ro = make_user(db, "ro@example.org", roles={"org-a": [Role.RETURNING_OFFICER]})
    also_director = client.post(
        "/api/orgs/org-a/roles", json={"user_id": ro.id, "role": "director"}, headers=headers
    )
    assert also_director.status_code == 422


def test_role_changes_are_audited(db: Session, client: Client) -> None:
    org = make_org(db)
    _, headers = _secretary_token(db)
    person = make_user(db, "gov@example.org", roles={"org-a": [Role.GOVERNOR]})
    granted = client.post(
        "/api/orgs/org-a/roles", json={"user_id": person.id, "role": "director"}, headers=headers
    )
    assert granted.status_code == 201
    assignment_id = granted.json()["id"]
    revoked = client.delete(f"/api/orgs/org-a/roles/{assignment_id}", headers=headers)
    assert revoked.status_code == 204
    entries = db.exec(
        select(AuditEntry).where(AuditEntry.action == "auth.role_change").order_by(AuditEntry.seq)
    ).all()
    db.commit()
    assert [json.loads(e.detail)["change"] for e in entries] == ["grant", "revoke"]
    assert all(e.organisation_id == org.id and e.object_id == str(assignment_id) for e in entries)
    assert json.loads(entries[0].detail) == {
        "change": "grant",
        "role": "director",
        "user_id": person.id,
    }


def test_a_secretary_cannot_remove_their_own_secretary_role(db: Session, client: Client) -> None:
    make_org(db)
    secretary, headers = _secretary_token(db)
    own = db.exec(select(RoleAssignment.id).where(RoleAssignment.user_id == secretary.id)).one()
    db.commit()
    response = client.delete(f"/api/orgs/org-a/roles/{own}", headers=headers)
    assert response.status_code == 409
    assert len(_rows(db, RoleAssignment)) == 1


def test_a_role_needing_totp_ends_sessions_made_without_it(db: Session, make_client: Any) -> None:
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    governor = make_user(db, "gov@example.org", roles={org.slug: [Role.GOVERNOR]})
    theirs = signed_in_client(make_client, governor)
    mine = signed_in_client(make_client, secretary)
    mine.get("/o/org-a/people")
    response = mine.form(
        "/o/org-a/people/grant", {"user_id": str(governor.id), "role": "secretary"}
    )
    assert response.status_code == 200 and "The role has been given" in response.text
    assert theirs.get("/api/auth/me").status_code == 401
    assert len([s for s in _rows(db, AuthSession) if s.user_id == governor.id]) == 0
