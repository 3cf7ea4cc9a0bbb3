"""Member sign-in by emailed link: no enumeration, HMAC storage, single use, expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, select

from governance.auth import ratelimit
from governance.auth.middleware import SESSION_COOKIE
from governance.auth.models import AuthSession, MagicLink
from governance.db import utcnow
from governance.mail import OutboxMessage, rendered_text
from tests.conftest import Client
from tests.factories import KEYS, audit_actions, make_member, make_org

LINK_RE = re.compile(r"http://testserver\.local/magic/([A-Za-z0-9_-]+)")


def _outbox(db: Session) -> list[OutboxMessage]:
    messages = list(db.exec(select(OutboxMessage)).all())
    db.commit()
    return messages


def _ask(client: Client, slug: str, email: str) -> Any:
    client.get(f"/o/{slug}/member-sign-in")
    return client.form(f"/o/{slug}/member-sign-in", {"email": email})


def _link(db: Session) -> str:
    found = LINK_RE.search(rendered_text(KEYS, _outbox(db)[-1]))
    assert found
    return found.group(1)


def test_the_answer_is_the_same_for_members_and_strangers(db: Session, client: Client) -> None:
    org = make_org(db)
    make_member(db, org, email="Ada@Example.org")
    member = _ask(client, org.slug, "ada@example.org")
    stranger = _ask(client, org.slug, "zed@example.org")
    assert member.status_code == stranger.status_code == 200
    assert member.text.replace("ada@", "X@") == stranger.text.replace("zed@", "X@")
    messages = _outbox(db)
    assert [m.to_address for m in messages] == ["Ada@Example.org"]
    assert messages[0].purpose == "magic-link" and messages[0].organisation_id == org.id


def test_the_link_is_stored_as_an_hmac_only(db: Session, client: Client) -> None:
    org = make_org(db)
    make_member(db, org)
    _ask(client, org.slug, "member@example.org")
    token = _link(db)
    stored = db.exec(select(MagicLink)).one()
    assert stored.token_hmac == KEYS.token_hmac(token, "magic")
    dump = str(db.execute(text("SELECT * FROM magic_link")).all())
    db.commit()
    assert token not in dump
    assert stored.expires_at - stored.created_at == timedelta(minutes=15)


def test_following_the_link_asks_first_and_signing_in_uses_it_once(
    db: Session, make_client: Any
) -> None:
    org = make_org(db)
    member = make_member(db, org)
    asker = make_client()
    _ask(asker, org.slug, "member@example.org")
    token = _link(db)
    scanner = make_client()
    confirm = scanner.get(f"/magic/{token}")
    assert confirm.status_code == 200 and 'action="/magic/' in confirm.text
    assert db.exec(select(MagicLink.used_at)).one() is None, "a GET does not spend the link"
    db.commit()

    browser = make_client()
    browser.get(f"/magic/{token}")
    browser.cookies.set(SESSION_COOKIE, "planted", domain="testserver.local")
    response = browser.form(f"/magic/{token}", {}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/o/{org.slug}"
    assert browser.cookies[SESSION_COOKIE] != "planted"
    me = browser.get("/api/auth/me").json()
    assert me["kind"] == "member" and me["id"] == member.id and me["organisation"] == org.slug
    assert "auth.member_signed_in" in audit_actions(db)

    again = make_client()
    again.get("/sign-in")
    second = again.form(f"/magic/{token}", {})
    assert second.status_code == 410
    assert "already been used" in second.text
    assert again.get(f"/magic/{token}").status_code == 410
    assert again.get("/api/auth/me").status_code == 401


def test_an_expired_link_is_refused(db: Session, client: Client) -> None:
    org = make_org(db)
    make_member(db, org)
    _ask(client, org.slug, "member@example.org")
    token = _link(db)
    db.execute(update(MagicLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get(f"/magic/{token}").status_code == 410
    assert client.form(f"/magic/{token}", {}).status_code == 410
    sessions = db.exec(select(AuthSession)).all()
    db.commit()
    assert sessions == []


def test_a_member_of_another_organisation_gets_no_link(db: Session, client: Client) -> None:
    org_a, org_b = make_org(db, "org-a"), make_org(db, "org-b")
    make_member(db, org_b, email="bea@example.org")
    _ask(client, org_a.slug, "bea@example.org")
    make_member(db, org_a, email="left@example.org", status="left")
    _ask(client, org_a.slug, "left@example.org")
    assert _outbox(db) == []


def test_an_unknown_organisation_is_not_found(client: Client) -> None:
    assert client.get("/o/no-such-org/member-sign-in").status_code == 404


def test_a_malformed_email_is_explained(db: Session, client: Client) -> None:
    org = make_org(db)
    response = _ask(client, org.slug, "not-an-email")
    assert response.status_code == 400
    assert 'href="#email"' in response.text and "correct format" in response.text


def test_requests_are_rate_limited(
    db: Session, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ratelimit, "MAGIC_LINK_PER_EMAIL", ratelimit.Limit("magic-link:email", 2, 3600)
    )
    org = make_org(db)
    make_member(db, org)
    assert _ask(client, org.slug, "member@example.org").status_code == 200
    assert _ask(client, org.slug, "member@example.org").status_code == 200
    limited = _ask(client, org.slug, "member@example.org")
    assert limited.status_code == 429 and "retry-after" in limited.headers
    assert len(_outbox(db)) == 2
