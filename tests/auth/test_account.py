"""The account page and API: who am I, API tokens, two-factor settings, bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.auth import tokens, totp
from governance.auth.models import ApiToken, RecoveryCode, User
from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.factories import (
    DEFAULT_PASSWORD,
    KEYS,
    audit_actions,
    make_org,
    make_user,
    signed_in_client,
    totp_code,
)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _count(db: Session, model: Any) -> int:
    total = len(db.exec(select(model)).all())
    db.commit()
    return total


def test_me_says_who_is_asking(db: Session, client: Client) -> None:
    assert client.get("/api/auth/me").status_code == 401
    problem = client.get("/api/auth/me").json()
    assert problem["type"] == "/problems/not-signed-in"
    org = make_org(db)
    user = make_user(db, "dir@example.org", name="Dee Rector", roles={org.slug: [Role.DIRECTOR]})
    secret, _ = tokens.create_token(db, KEYS, user=user, name="cli", expires_in_days=30)
    me = client.get("/api/auth/me", headers=_bearer(secret)).json()
    assert me == {
        "kind": "staff",
        "id": user.id,
        "name": "Dee Rector",
        "email": "dir@example.org",
        "platform_admin": False,
        "totp_enabled": False,
        "organisation": None,
        "roles": [{"organisation": "org-a", "organisation_name": "Org A", "role": "director"}],
    }


def test_tokens_are_shown_once_listed_without_secret_and_revocable(
    db: Session, make_client: Any
) -> None:
    user = make_user(db, "gov@example.org")
    browser = signed_in_client(make_client, user)
    made = browser.api("POST", "/api/auth/tokens", json={"name": "import", "expires_in_days": 7})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("gov_")
    stored = db.exec(select(ApiToken)).one()
    db.commit()
    assert stored.token_hmac == KEYS.token_hmac(secret, "api")
    listed = browser.get("/api/auth/tokens").json()
    print(listed)
    assert [t["name"] for t in listed] == ["import"] and "token" not in listed[0]

    script = make_client()
    assert script.get("/api/auth/me", headers=_bearer(secret)).status_code == 200
    refused = script.post("/api/auth/tokens", json={"name": "more"}, headers=_bearer(secret))
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/token-from-token"
    revoked = browser.api("DELETE", f"/api/auth/tokens/{made.json()['id']}")
    assert revoked.status_code == 204
    assert script.get("/api/auth/me", headers=_bearer(secret)).status_code == 401
    actions = audit_actions(db)
    assert "auth.api_token_created" in actions and "auth.api_token_revoked" in actions


def test_another_users_token_cannot_be_revoked(db: Session, client: Client) -> None:
    alice = make_user(db, "alice@example.org")
    bob = make_user(db, "bob@example.org")
    _, token = tokens.create_token(db, KEYS, user=alice, name="a", expires_in_days=None)
    bob_secret, _ = tokens.create_token(db, KEYS, user=bob, name="b", expires_in_days=None)
    response = client.delete(f"/api/auth/tokens/{token.id}", headers=_bearer(bob_secret))
    assert response.status_code == 404
    assert db.get(ApiToken, token.id).revoked_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (
            "malformed",
            {"content": b'{"name": "x",', "headers": {"content-type": "application/json"}},
        ),
        ("wrong type", {"json": {"name": 12, "expires_in_days": "soon"}}),
        ("too long", {"json": {"name": "x" * 101}}),
        ("unknown field", {"json": {"name": "ok", "scope": "admin"}}),
        ("out of range", {"json": {"name": "ok", "expires_in_days": 9999}}),
        ("not an object", {"json": ["name"]}),
    ],
)
def test_bad_token_requests_get_a_clear_4xx_and_change_nothing(
    db: Session, client: Client, body: str, kwargs: dict[str, Any]
) -> None:
    user = make_user(db, "gov@example.org")
    secret, _ = tokens.create_token(db, KEYS, user=user, name="first", expires_in_days=None)
    before = (_count(db, ApiToken), _count(db, AuditEntry))
    headers = {**_bearer(secret), **kwargs.pop("headers", {})}
    response = client.post("/api/auth/tokens", headers=headers, **kwargs)
    assert response.status_code == 400, body
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400 and problem["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert (_count(db, ApiToken), _count(db, AuditEntry)) == before


def test_the_account_page_shows_roles_two_factor_and_tokens(db: Session, make_client: Any) -> None:
    org = make_org(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = signed_in_client(make_client, user)
    page = client.get("/account")
    assert page.status_code == 200
    assert "Org A" in page.text and "Secretary" in page.text
    assert "cannot be turned off" in page.text
    made = client.form(
        "/account/tokens",
        {
            "token_name": "nightly",
            "expires_in_days": "never",
            "organisation": org.slug,
            "scopes": "secretary",
        },
    )
    assert made.status_code == 200 and "will not be shown again" in made.text
    secret = re.search(r'<code class="secret">(gov_[^<]+)</code>', made.text)
    assert secret and "<td>nightly</td>" in client.get("/account").text
    token_id = db.exec(select(ApiToken.id)).one()
    db.commit()
    revoked = client.form(f"/account/tokens/{token_id}/revoke", {}, follow_redirects=False)
    assert revoked.headers["location"] == "/account?notice=token-revoked"
    blank = client.form("/account/tokens", {"token_name": ""})
    assert blank.status_code == 400 and 'href="#token_name"' in blank.text


def test_secretaries_cannot_turn_two_factor_off(db: Session, make_client: Any) -> None:
    org = make_org(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client = signed_in_client(make_client, user)
    response = client.form("/account/two-factor/disable", {"disable_code": totp_code(db, user)})
    assert response.status_code == 400
    assert "cannot be turned off" in response.text
    assert db.get(User, user.id, populate_existing=True).totp_enabled  # type: ignore[union-attr]
    db.commit()


def test_a_governor_can_turn_two_factor_off_with_a_code(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org", totp=True)
    totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    client = signed_in_client(make_client, user)
    wrong = client.form("/account/two-factor/disable", {"disable_code": "000000"})
    assert wrong.status_code == 400 and 'href="#disable_code"' in wrong.text
    response = client.form(
        "/account/two-factor/disable", {"disable_code": totp_code(db, user)}, follow_redirects=False
    )
    assert response.headers["location"] == "/account?notice=totp-disabled"
    fresh = db.get(User, user.id, populate_existing=True)
    assert fresh is not None and not fresh.totp_enabled and fresh.totp_secret_enc is None
    assert db.exec(select(RecoveryCode)).all() == []
    db.commit()
    assert "auth.totp_disabled" in audit_actions(db)


def test_new_recovery_codes_need_a_current_code(db: Session, make_client: Any) -> None:
    org = make_org(db)
    user = make_user(db, "ro@example.org", roles={org.slug: [Role.RETURNING_OFFICER]}, totp=True)
    old = totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    client = signed_in_client(make_client, user)
    assert client.form("/account/recovery-codes", {"recovery_code_totp": old[0]}).status_code == 400
    response = client.form("/account/recovery-codes", {"recovery_code_totp": totp_code(db, user)})
    assert response.status_code == 200
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert "auth.recovery_codes_replaced" in audit_actions(db)


def test_sign_out_everywhere_revokes_every_token(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    secret, _ = tokens.create_token(db, KEYS, user=user, name="script", expires_in_days=None)
    api = make_client()
    assert api.get("/api/auth/me", headers=_bearer(secret)).status_code == 200
    browser = signed_in_client(make_client, user)
    page = browser.get("/account").text
    assert "revokes all" in page and "API tokens (1)" in page
    assert browser.form("/account/sign-out-everywhere", {}).status_code == 200
    assert api.get("/api/auth/me", headers=_bearer(secret)).status_code == 401
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.action == "auth.signed_out_everywhere")
    ).one()
    assert json.loads(entry.detail)["tokens_revoked"] == 1


def test_changing_the_password_revokes_every_token(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    secret, _ = tokens.create_token(db, KEYS, user=user, name="script", expires_in_days=None)
    browser = signed_in_client(make_client, user)
    new = "a completely new passphrase"
    changed = browser.form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": new, "confirm_password": new},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert make_client().get("/api/auth/me", headers=_bearer(secret)).status_code == 401
    assert tokens.active_tokens(db, user) == []


def test_the_account_page_shows_when_each_token_was_last_used(
    db: Session, make_client: Any
) -> None:
    user = make_user(db, "gov@example.org")
    secret, token = tokens.create_token(db, KEYS, user=user, name="nightly", expires_in_days=None)
    browser = signed_in_client(make_client, user)
    assert "Not yet" in browser.get("/account").text
    assert make_client().get("/api/auth/me", headers=_bearer(secret)).status_code == 200
    db.expire_all()
    used = db.get(ApiToken, token.id)
    assert used is not None and used.last_used_at is not None
    db.commit()
    listed = browser.get("/api/auth/tokens").json()
    assert listed[0]["last_used_at"] is not None
    assert "Not yet" not in browser.get("/account").text
