"""Sessions: rotation at every sign-in step, sign-out, sign-out everywhere, expiry, cookies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from governance.auth import sessions
from governance.auth.middleware import SESSION_COOKIE
from governance.auth.models import AuthSession
from governance.db import utcnow
from governance.organisations.constitution import Role
from governance.settings import Settings
from tests.conftest import Client
from tests.factories import (
    DEFAULT_PASSWORD,
    KEYS,
    audit_actions,
    make_org,
    make_user,
    signed_in_api,
    signed_in_client,
    totp_code,
)


def _session_rows(db: Session) -> list[AuthSession]:
    rows = list(db.exec(select(AuthSession)).all())
    db.commit()
    return rows


def test_each_sign_in_step_issues_a_new_session_and_discards_the_old(
    db: Session, client: Client
) -> None:
    org = make_org(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="testserver.local")
    client.get("/sign-in")
    client.form("/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})
    pending = client.cookies[SESSION_COOKIE]
    assert pending != "planted-by-an-attacker"
    assert [row.second_factor_pending for row in _session_rows(db)] == [True]
    client.form("/sign-in/code", {"code": totp_code(db, user)})
    signed_in = client.cookies[SESSION_COOKIE]
    assert signed_in != pending
    rows = _session_rows(db)
    assert len(rows) == 1 and not rows[0].second_factor_pending
    assert rows[0].token_hmac == KEYS.token_hmac(signed_in, "session")
    assert signed_in not in str([row.model_dump() for row in rows]), "only the HMAC is stored"

    client.cookies.set(SESSION_COOKIE, pending, domain="testserver.local")
    assert client.get("/api/auth/me").status_code == 401, "the pre-sign-in value is dead"
    client.cookies.set(SESSION_COOKIE, signed_in, domain="testserver.local")
    assert client.get("/api/auth/me").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site(db: Session, client: Client) -> None:
    make_user(db, "gov@example.org")
    client.get("/sign-in")
    response = client.form(
        "/sign-in",
        {"email": "gov@example.org", "password": DEFAULT_PASSWORD},
        follow_redirects=False,
    )
    header = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("gov_session=")
    )
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "max-age=43200" in lowered
    assert "secure" not in lowered, "plain http in tests"


def test_cookies_are_secure_over_https(settings: Settings) -> None:
    assert sessions.cookie(settings.with_(base_url="https://gov.example"), "t").secure
    assert sessions.cookie(settings.with_(environment="production"), "t").secure
    assert sessions.cookie(settings, "t", pending=True).max_age == 600


def test_sign_out_ends_this_session_only(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    first = signed_in_client(make_client, user)
    second = signed_in_client(make_client, user)
    response = first.form("/sign-out", {}, follow_redirects=False)
    assert response.headers["location"] == "/sign-in?notice=signed-out"
    assert first.get("/api/auth/me").status_code == 401
    assert second.get("/api/auth/me").status_code == 200
    assert "auth.signed_out" in audit_actions(db)


def test_sign_out_everywhere_ends_every_session(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    other_user = make_user(db, "other@example.org")
    first = signed_in_client(make_client, user)
    second = signed_in_client(make_client, user)
    bystander = signed_in_client(make_client, other_user)
    response = first.form("/account/sign-out-everywhere", {}, follow_redirects=False)
    assert response.status_code == 303
    assert first.get("/api/auth/me").status_code == 401
    assert second.get("/api/auth/me").status_code == 401
    assert bystander.get("/api/auth/me").status_code == 200
    assert "auth.signed_out_everywhere" in audit_actions(db)


def test_an_expired_session_is_refused(db: Session, make_client: Any) -> None:
    client = signed_in_client(make_client, make_user(db, "gov@example.org"))
    assert client.get("/api/auth/me").status_code == 200
    db.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_expired_sessions_are_cleaned_up(db: Session) -> None:
    user = make_user(db, "gov@example.org")
    settings = Settings(secret_key="x" * 40)
    now = utcnow()
    sessions.issue(db, KEYS, settings, user=user, now=now - timedelta(days=2))
    sessions.issue(db, KEYS, settings, user=user, now=now)
    db.commit()
    assert sessions.delete_expired(db, now=now) == 1
    remaining = db.exec(select(AuthSession.expires_at)).all()
    assert len(remaining) == 1 and remaining[0] > now


def test_changing_the_password_ends_other_sessions(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    here = signed_in_client(make_client, user)
    elsewhere = signed_in_client(make_client, user)
    new = "a fresh and longer passphrase"
    response = here.form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": new, "confirm_password": new},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account?notice=password-changed"
    assert here.get("/api/auth/me").status_code == 200
    assert elsewhere.get("/api/auth/me").status_code == 401
    assert "auth.password_changed" in audit_actions(db)
    count = db.exec(select(AuthSession).where(col(AuthSession.user_id) == user.id)).all()
    db.commit()
    assert len(count) == 1
    assert signed_in_api(signed_in_client(make_client, user, password=new))["email"] == user.email


def test_a_wrong_current_password_changes_nothing(db: Session, make_client: Any) -> None:
    user = make_user(db, "gov@example.org")
    client = signed_in_client(make_client, user)
    response = client.form(
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": "another long password",
            "confirm_password": "another long password",
        },
    )
    assert response.status_code == 400
    assert 'href="#current_password"' in response.text
    stored = db.exec(select(AuthSession)).all()
    db.commit()
    assert len(stored) == 1
    assert "auth.password_change_failed" in audit_actions(db)
