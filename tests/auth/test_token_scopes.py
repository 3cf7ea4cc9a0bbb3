"""Each API token acts in one organisation with the roles chosen for it, not all its owner's."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from governance.auth import tokens
from governance.auth.service import AccountError
from governance.organisations.constitution import Role
from tests.factories import KEYS, make_org, make_user, signed_in_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_acts_only_in_its_organisation_and_with_its_scopes(
    db: Session, make_client: Any
) -> None:
    a, b = make_org(db, "org-a"), make_org(db, "org-b")
    user = make_user(
        db,
        "sec@example.org",
        roles={"org-a": [Role.SECRETARY, Role.DIRECTOR], "org-b": [Role.SECRETARY]},
    )
    director_only, _ = tokens.create_token(
        db,
        KEYS,
        user=user,
        name="d",
        expires_in_days=None,
        organisation_id=a.id,
        scopes={"director"},
    )
    secretary_a, _ = tokens.create_token(
        db,
        KEYS,
        user=user,
        name="s",
        expires_in_days=None,
        organisation_id=a.id,
        scopes={"secretary"},
    )
    api = make_client()
    # The owner is secretary of both; the token for org-a sees nothing of org-b.
    assert api.get("/api/orgs/org-b/roles", headers=bearer(secretary_a)).status_code == 404
    assert api.get("/api/orgs/org-a/roles", headers=bearer(secretary_a)).status_code == 200
    # A director-only token cannot do what only the secretary may.
    assert api.get("/api/orgs/org-a", headers=bearer(director_only)).status_code == 200
    assert api.get("/api/orgs/org-a/roles", headers=bearer(director_only)).status_code == 404
    renamed = api.patch("/api/orgs/org-a", json={"name": "X"}, headers=bearer(director_only))
    assert renamed.status_code == 404
    me = api.get("/api/auth/me", headers=bearer(director_only)).json()
    assert me["roles"] == [
        {"organisation": "org-a", "organisation_name": "Org A", "role": "director"}
    ]
    assert [o["slug"] for o in api.get("/api/orgs", headers=bearer(secretary_a)).json()] == [
        "org-a"
    ]
    assert b.id is not None


def test_a_token_cannot_be_given_a_role_its_owner_does_not_hold(db: Session) -> None:
    a = make_org(db, "org-a")
    make_org(db, "org-b")
    user = make_user(db, "dir@example.org", roles={"org-a": [Role.DIRECTOR]})
    for organisation_id, scopes in ((a.id, {"secretary"}), (a.id, {"admin"}), (a.id, set())):
        try:
            tokens.create_token(
                db,
                KEYS,
                user=user,
                name="t",
                expires_in_days=None,
                organisation_id=organisation_id,
                scopes=scopes,
            )
        except AccountError as error:
            assert error.field == "scopes"
        else:
            raise AssertionError(f"{scopes} was given")


def test_an_administrators_token_administers_only_with_the_admin_scope(
    db: Session, make_client: Any
) -> None:
    org = make_org(db, "org-a")
    admin = make_user(
        db, "admin@example.org", platform_admin=True, roles={"org-a": [Role.DIRECTOR]}
    )
    plain, _ = tokens.create_token(
        db,
        KEYS,
        user=admin,
        name="p",
        expires_in_days=None,
        organisation_id=org.id,
        scopes={"director"},
    )
    administering, _ = tokens.create_token(
        db, KEYS, user=admin, name="a", expires_in_days=None, scopes={"admin"}
    )
    api = make_client()
    assert api.get("/api/auth/me", headers=bearer(plain)).json()["platform_admin"] is False
    assert api.get("/api/auth/me", headers=bearer(administering)).json()["platform_admin"] is True
    created = {"slug": "org-new", "name": "New", "type": "cooperative"}
    assert api.post("/api/orgs", json=created, headers=bearer(plain)).status_code in (403, 404)
    made = api.post("/api/orgs", json=created, headers=bearer(administering))
    assert made.status_code == 201, made.text


def test_the_account_page_makes_a_scoped_token(db: Session, make_client: Any) -> None:
    make_org(db, "org-a")
    make_org(db, "org-b")
    user = make_user(
        db, "sec@example.org", roles={"org-a": [Role.SECRETARY], "org-b": [Role.GOVERNOR]}
    )
    browser = signed_in_client(make_client, user)
    page = browser.get("/account").text
    assert 'name="scopes" value="secretary"' in page and 'name="organisation"' in page
    refused = browser.form(
        "/account/tokens",
        {
            "token_name": "x",
            "expires_in_days": "30",
            "organisation": "org-b",
            "scopes": "secretary",
        },
    )
    assert refused.status_code == 400
    assert "You are not secretary in that organisation" in refused.text
    missing = browser.form("/account/tokens", {"token_name": "x", "expires_in_days": "30"})
    assert missing.status_code == 400 and "Choose at least one thing" in missing.text
    made = browser.form(
        "/account/tokens",
        {
            "token_name": "import",
            "expires_in_days": "30",
            "organisation": "org-a",
            "scopes": ["secretary"],
        },
    )
    assert made.status_code == 200, made.text
    assert "acts in Org A" in made.text
    secret = re.search(r"gov_[A-Za-z0-9_\-]+", made.text)
    assert secret
    api = make_client()
    assert api.get("/api/orgs/org-a/roles", headers=bearer(secret.group(0))).status_code == 200
    assert api.get("/api/orgs/org-b", headers=bearer(secret.group(0))).status_code == 404
    listed = browser.get("/api/auth/tokens").json()
    assert listed[0]["organisation"] == "org-a" and listed[0]["scopes"] == ["secretary"]
    account = browser.get("/account").text
    assert "Org A" in account and "secretary" in account


def test_the_api_makes_a_scoped_token(db: Session, make_client: Any) -> None:
    make_org(db, "org-a")
    make_org(db, "org-b")
    user = make_user(
        db, "sec@example.org", roles={"org-a": [Role.SECRETARY], "org-b": [Role.DIRECTOR]}
    )
    browser = signed_in_client(make_client, user)
    body = {"name": "t", "organisation": "org-b", "scopes": ["director"]}
    made = browser.api("POST", "/api/auth/tokens", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["organisation"] == "org-b" and made.json()["scopes"] == ["director"]
    elsewhere = browser.api("POST", "/api/auth/tokens", json={**body, "organisation": "nope"})
    assert elsewhere.status_code == 422
    unscoped = browser.api("POST", "/api/auth/tokens", json={"name": "t"})
    assert unscoped.status_code == 422, "two organisations: the token must say which"
