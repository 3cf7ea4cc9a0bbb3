"""CSRF: an unsafe request without the right token is refused and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.auth import tokens
from governance.auth.models import ApiToken, AuthSession
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import DEFAULT_PASSWORD, KEYS, make_user, signed_in_client


def _counts(db: Session) -> tuple[int, int, int]:
    result = (
        len(db.exec(select(AuditEntry)).all()),
        len(db.exec(select(AuthSession)).all()),
        len(db.exec(select(Organisation)).all()),
    )
    db.commit()
    return result


def test_a_form_without_or_with_a_wrong_token_is_refused(db: Session, client: Client) -> None:
    make_user(db, "gov@example.org")
    client.get("/sign-in")
    before = _counts(db)
    form = {"email": "gov@example.org", "password": DEFAULT_PASSWORD}
    missing = client.post("/sign-in", data=form)
    wrong = client.post("/sign-in", data={**form, "_csrf": "0" * 64})
    assert missing.status_code == wrong.status_code == 403
    assert "did not come from this site" in missing.text
    assert "gov_session" not in client.cookies
    assert _counts(db) == before


def test_a_token_for_another_browser_is_refused(db: Session, make_client: Any) -> None:
    make_user(db, "gov@example.org")
    attacker, victim = make_client(), make_client()
    attacker.get("/sign-in")
    victim.get("/sign-in")
    response = victim.post(
        "/sign-in",
        data={"email": "gov@example.org", "password": DEFAULT_PASSWORD, "_csrf": attacker.csrf()},
    )
    assert response.status_code == 403


def test_api_calls_from_a_browser_session_need_the_header(db: Session, make_client: Any) -> None:
    admin = make_user(db, "admin@example.org", platform_admin=True, totp=True)
    client = signed_in_client(make_client, admin)
    before = _counts(db)
    body = {"slug": "new-org", "name": "New", "type": "cooperative"}
    response = client.post("/api/orgs", json=body)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/csrf"
    assert _counts(db) == before
    assert client.api("POST", "/api/orgs", json=body).status_code == 201


def test_bearer_token_requests_need_no_csrf_token(db: Session, client: Client) -> None:
    user = make_user(db, "gov@example.org")
    secret, token = tokens.create_token(db, KEYS, user=user, name="script", expires_in_days=None)
    fresh = Client(app=client.app, base_url="http://testserver.local")
    response = fresh.delete(
        f"/api/auth/tokens/{token.id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 204
    assert db.exec(select(ApiToken.revoked_at)).one() is not None
