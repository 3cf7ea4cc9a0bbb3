"""The organisations API: admin creation, settings, constitution, roles, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.auth import tokens
from governance.auth.models import RoleAssignment, User
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import KEYS, make_org, make_user


def _headers(db: Session, user: User) -> dict[str, str]:
    secret, _ = tokens.create_token(db, KEYS, user=user, name="t", expires_in_days=None)
    return {"Authorization": f"Bearer {secret}"}


def _count(db: Session, model: Any) -> int:
    total = len(db.exec(select(model)).all())
    db.commit()
    return total


@pytest.fixture
def admin(db: Session) -> dict[str, str]:
    return _headers(db, make_user(db, "admin@example.org", platform_admin=True, totp=True))


def test_a_platform_admin_creates_and_lists_organisations(
    db: Session, client: Client, admin: dict[str, str]
) -> None:
    body = {"slug": "river-coop", "name": "River Co-op", "type": "cooperative"}
    response = client.post("/api/orgs", json=body, headers=admin)
    assert response.status_code == 201
    created = response.json()
    assert created["slug"] == "river-coop" and created["time_zone"] == "Europe/London"
    assert created["type_label"] == "Co-operative society"
    constitution = client.get("/api/orgs/river-coop/constitution", headers=admin).json()
    assert constitution["rules_version"] == "co-operatives-uk-model"
    assert [o["slug"] for o in client.get("/api/orgs", headers=admin).json()] == ["river-coop"]
    again = client.post("/api/orgs", json=body, headers=admin)
    assert again.status_code == 409 and again.json()["type"] == "/problems/slug-taken"


def test_only_platform_admins_create_organisations(db: Session, client: Client) -> None:
    make_org(db)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    headers = _headers(db, secretary)
    body = {"slug": "mine", "name": "Mine", "type": "cooperative"}
    assert client.post("/api/orgs", json=body, headers=headers).status_code == 404
    assert client.api("POST", "/api/orgs", json=body).status_code == 401
    assert [o["slug"] for o in client.get("/api/orgs", headers=headers).json()] == ["org-a"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"content": b'{"slug": "x"', "headers": {"content-type": "application/json"}},
        {"json": {"slug": "ok-slug", "name": "N", "type": "bank"}},
        {"json": {"slug": "ok-slug", "name": 5, "type": "cooperative"}},
        {"json": {"slug": "BAD SLUG", "name": "N", "type": "cooperative"}},
        {"json": {"slug": "ok-slug", "name": "N" * 201, "type": "cooperative"}},
        {"json": {"slug": "ok-slug", "name": "N", "type": "cooperative", "owner": "me"}},
        {"json": {"slug": "ok-slug", "name": "N"}},
    ],
)
def test_bad_organisation_bodies_are_refused_and_change_nothing(
    db: Session, client: Client, admin: dict[str, str], kwargs: dict[str, Any]
) -> None:
    before = (_count(db, Organisation), _count(db, AuditEntry))
    headers = {**admin, **kwargs.pop("headers", {})}
    response = client.post("/api/orgs", headers=headers, **kwargs)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in response.text
    assert (_count(db, Organisation), _count(db, AuditEntry)) == before


def test_an_unknown_time_zone_is_a_422(client: Client, admin: dict[str, str]) -> None:
    body = {"slug": "tz-org", "name": "TZ", "type": "cooperative", "time_zone": "Nowhere/Else"}
    response = client.post("/api/orgs", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "time_zone"


def test_secretaries_change_settings_and_constitution(db: Session, client: Client) -> None:
    make_org(db)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    headers = _headers(db, secretary)
    patched = client.patch("/api/orgs/org-a", json={"name": "Org A Trust"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["name"] == "Org A Trust"
    changed = client.patch(
        "/api/orgs/org-a/constitution", json={"minimum_age": 14}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["minimum_age"] == 14
    unknown = client.patch("/api/orgs/org-a/constitution", json={"voting_age": 14}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["type"] == "/problems/unknown-setting"
    wrong = client.patch(
        "/api/orgs/org-a/constitution", json={"minimum_age": "old"}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "minimum_age"
    not_object = client.patch("/api/orgs/org-a/constitution", json=[1], headers=headers)
    assert not_object.status_code == 400
    assert client.get("/api/orgs/org-a/constitution", headers=headers).json()["minimum_age"] == 14


def test_a_governor_may_read_but_not_change_settings(db: Session, client: Client) -> None:
    make_org(db)
    governor = make_user(db, "gov@example.org", roles={"org-a": [Role.GOVERNOR]})
    headers = _headers(db, governor)
    assert client.get("/api/orgs/org-a", headers=headers).status_code == 200
    assert client.patch("/api/orgs/org-a", json={"name": "x"}, headers=headers).status_code == 404
    assert client.get("/api/orgs/org-a/roles", headers=headers).status_code == 404


def test_roles_are_listed_assigned_and_revoked(db: Session, client: Client) -> None:
    make_org(db)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    governor = make_user(db, "gov@example.org", roles={"org-a": [Role.GOVERNOR]})
    headers = _headers(db, secretary)
    listed = client.get("/api/orgs/org-a/roles", headers=headers).json()
    assert {(r["email"], r["role"]) for r in listed} == {
        ("sec@example.org", "secretary"),
        ("gov@example.org", "governor"),
    }
    stranger = make_user(db, "stranger@example.org")
    refused = client.post(
        "/api/orgs/org-a/roles", json={"user_id": stranger.id, "role": "governor"}, headers=headers
    )
    assert refused.status_code == 404, "only people already on this organisation's staff"
    bad_role = client.post(
        "/api/orgs/org-a/roles", json={"user_id": governor.id, "role": "king"}, headers=headers
    )
    assert bad_role.status_code == 400
    made = client.post(
        "/api/orgs/org-a/roles", json={"user_id": governor.id, "role": "director"}, headers=headers
    )
    assert made.status_code == 201 and made.json()["role"] == "director"
    gone = client.delete(f"/api/orgs/org-a/roles/{made.json()['id']}", headers=headers)
    assert gone.status_code == 204
    assert _count(db, RoleAssignment) == 2


def test_ids_beyond_the_column_range_are_a_400_not_a_crash(db: Session, client: Client) -> None:
    make_org(db)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    headers = _headers(db, secretary)
    huge = 6208685226408732000256
    assert client.delete(f"/api/orgs/org-a/roles/{huge}", headers=headers).status_code == 400
    assert client.delete(f"/api/auth/tokens/{huge}", headers=headers).status_code == 400
    body = {"user_id": huge, "role": "director"}
    assert client.post("/api/orgs/org-a/roles", json=body, headers=headers).status_code == 400
    assert client.delete("/api/orgs/org-a/roles/0", headers=headers).status_code == 400


def test_the_contact_address_for_replies_is_set_checked_and_cleared(
    db: Session, client: Client
) -> None:
    make_org(db)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    headers = _headers(db, secretary)
    set_ = client.patch(
        "/api/orgs/org-a", json={"contact_email": " Members@Org-A.example "}, headers=headers
    )
    assert set_.status_code == 200 and set_.json()["contact_email"] == "members@org-a.example"
    bad = client.patch("/api/orgs/org-a", json={"contact_email": "not an address"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "contact_email"
    assert client.get("/api/orgs/org-a", headers=headers).json()["contact_email"] == (
        "members@org-a.example"
    )
    cleared = client.patch("/api/orgs/org-a", json={"contact_email": ""}, headers=headers)
    assert cleared.status_code == 200 and cleared.json()["contact_email"] is None
