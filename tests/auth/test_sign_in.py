"""Staff sign-in: password step, no enumeration, rehash, mandatory TOTP, codes, rate limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from sqlmodel import Session, select

from governance.auth import passwords, ratelimit, service, totp
from governance.auth.models import AuthSession
from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.factories import (
    DEFAULT_PASSWORD,
    KEYS,
    audit_actions,
    complete_enrolment,
    from_address,
    make_org,
    make_user,
    now_utc,
    signed_in_api,
    signed_in_client,
    totp_code,
    travel_to,
)
from tests.public_routes import is_public

SIGN_IN_PAGES = {"/account/two-factor/setup", "/sign-in"}


def password_step(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    client.get("/sign-in")
    return client.form("/sign-in", {"email": email, "password": password}, follow_redirects=False)


def test_a_governor_signs_in_with_a_password_alone(db: Session, client: Client) -> None:
    org = make_org(db, "north-ft")
    user = make_user(db, "gov@example.org", roles={org.slug: [Role.GOVERNOR]})
    response = password_step(client, "GOV@example.org ")
    assert response.status_code == 303
    assert response.headers["location"] == "/o/north-ft"
    assert signed_in_api(client)["roles"] == [
        {"organisation": "north-ft", "organisation_name": "North Ft", "role": "governor"}
    ]
    assert "auth.signed_in" in audit_actions(db)
    db.refresh(user)
    assert user.last_sign_in_at is not None


def test_unknown_email_and_wrong_password_look_the_same(
    db: Session, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, "known@example.org")
    verified: list[str] = []

    class Watched(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", Watched())
    wrong = password_step(client, "known@example.org", "not the password")
    unknown = password_step(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.text.replace("known@", "X@") == unknown.text.replace("nobody@", "X@")
    assert "Enter a correct email address and password" in wrong.text
    assert len(verified) == 2, "the unknown account was checked against a dummy hash"
    assert verified[1] == passwords._dummy_hash()
    assert audit_actions(db).count("auth.sign_in_failed") == 2
    assert db.exec(select(AuthSession)).all() == []


def test_sign_in_rehashes_a_password_made_with_old_parameters(db: Session, client: Client) -> None:
    user = make_user(db, "old@example.org")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(
        DEFAULT_PASSWORD
    )
    db.add(user)
    db.commit()
    assert password_step(client, user.email).status_code == 303
    db.refresh(user)
    assert "m=65536" in user.password_hash
    assert not PasswordHasher().check_needs_rehash(user.password_hash)


def _route_paths(app: Litestar) -> list[tuple[str, dict[str, type]]]:
    paths = []
    for route in app.routes:
        if "GET" not in route.methods:
            continue
        template = route.path
        for name, definition in route.path_parameters.items():
            template = template.replace(definition.full, name)
        paths.append((template, {n: d.type for n, d in route.path_parameters.items()}))
    return paths


@pytest.mark.parametrize("kind", ["secretary", "returning_officer", "platform_admin"])
def test_totp_is_mandatory_before_anything_else(
    db: Session, client: Client, app: Litestar, kind: str
) -> None:
    org = make_org(db, "trust-a")
    if kind == "platform_admin":
        user = make_user(db, "admin@example.org", platform_admin=True)
    else:
        user = make_user(db, "staff@example.org", roles={org.slug: [Role(kind)]})
    response = password_step(client, user.email)
    assert response.headers["location"] == "/account/two-factor/setup"
    assert client.get("/api/auth/me").status_code == 401
    checked = 0
    for template, params in _route_paths(app):
        if is_public("GET", template):
            continue
        url = template.format(**dict.fromkeys(params, "1") | {"slug": org.slug})
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code in {303, 401, 404}, url
        if answer.status_code == 303:
            location = answer.headers["location"].split("?")[0]
            assert location in SIGN_IN_PAGES or location.endswith("/member-sign-in"), url
        checked += 1
    assert checked >= 5
    page = client.get("/account/two-factor/setup")
    assert "Set it up now to continue" in page.text
    assert 'autocomplete="one-time-code"' in page.text and "<svg" in page.text
    assert len(complete_enrolment(client)) == 10
    me = signed_in_api(client)
    assert me["totp_enabled"] is True
    assert client.get("/account").status_code == 200
    assert {"auth.totp_enabled", "auth.signed_in"} <= set(audit_actions(db))


def test_a_wrong_enrolment_code_does_not_turn_totp_on(db: Session, client: Client) -> None:
    org = make_org(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    password_step(client, user.email)
    client.get("/account/two-factor/setup")
    response = client.form("/account/two-factor/setup", {"code": "000000"})
    assert response.status_code == 400
    assert "error-summary" in response.text and 'href="#code"' in response.text
    db.refresh(user)
    db.commit()
    assert not user.totp_enabled
    assert client.get("/api/auth/me").status_code == 401


def test_enrolled_staff_enter_a_code_and_a_code_works_once(db: Session, make_client: Any) -> None:
    org = make_org(db)
    user = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]}, totp=True)
    first = make_client()
    assert password_step(first, user.email).headers["location"] == "/sign-in/code"
    assert first.get("/api/auth/me").status_code == 401
    code = totp_code(db, user)
    response = first.form("/sign-in/code", {"code": code}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/o/org-a"
    assert signed_in_api(first)["email"] == user.email

    second = make_client()
    password_step(second, user.email)
    replay = second.form("/sign-in/code", {"code": code}, follow_redirects=False)
    assert replay.status_code == 400
    assert "used already" in replay.text
    assert second.get("/api/auth/me").status_code == 401
    assert "auth.second_factor_failed" in audit_actions(db)


def test_a_recovery_code_signs_in_once(db: Session, make_client: Any) -> None:
    user = make_user(db, "admin@example.org", platform_admin=True, totp=True)
    codes = totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    first = make_client()
    password_step(first, user.email)
    response = first.form("/sign-in/code", {"code": codes[3]}, follow_redirects=False)
    assert response.headers["location"] == "/admin/organisations"
    assert "auth.recovery_code_used" in audit_actions(db)
    second = make_client()
    password_step(second, user.email)
    again = second.form("/sign-in/code", {"code": codes[3]}, follow_redirects=False)
    assert again.status_code == 400
    assert totp.recovery_codes_left(db, user) == 9


def test_wrong_passwords_slow_the_guesser_but_never_lock_the_person_out(
    db: Session, make_client: Any
) -> None:
    make_user(db, "target@example.org")
    guesser = from_address(make_client(), "203.0.113.9")
    rule = service.SIGN_IN_PER_EMAIL_AND_ADDRESS
    for _ in range(rule.free + 1):
        assert password_step(guesser, "target@example.org", "guess guess guess").status_code == 400
    limited = password_step(guesser, "TARGET@example.org", "guess guess guess")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == rule.first_wait
    assert audit_actions(db).count("auth.rate_limited") == 1
    # Well past the old ten-attempt lock: the person, at their own address, signs in at once.
    owner = from_address(make_client(), "198.51.100.7")
    assert password_step(owner, "target@example.org").status_code == 303
    assert signed_in_api(owner)["email"] == "target@example.org"
    # The guesser's waits double.
    travel_to(now_utc() + timedelta(seconds=rule.first_wait))
    assert password_step(guesser, "target@example.org", "guess again!!").status_code == 400
    again = password_step(guesser, "target@example.org", "guess again!!")
    assert int(again.headers["retry-after"]) == 2 * rule.first_wait


def test_guessing_from_many_addresses_slows_them_not_the_owner(
    db: Session, make_client: Any
) -> None:
    make_user(db, "target@example.org")
    rule = service.SIGN_IN_PER_EMAIL
    guessers = [from_address(make_client(), f"203.0.113.{n}") for n in range(rule.free + 1)]
    for guesser in guessers:
        assert password_step(guesser, "target@example.org", "guess guess guess").status_code == 400
    assert password_step(guessers[0], "target@example.org", "guess 2 guess").status_code == 429
    owner = from_address(make_client(), "198.51.100.7")
    assert password_step(owner, "target@example.org").status_code == 303


def test_mistyped_passwords_are_forgotten_after_signing_in(db: Session, client: Client) -> None:
    make_user(db, "target@example.org")
    rule = service.SIGN_IN_PER_EMAIL_AND_ADDRESS
    for _ in range(rule.free):
        assert password_step(client, "target@example.org", "typo typo typo").status_code == 400
    assert password_step(client, "target@example.org").status_code == 303
    for _ in range(rule.free):
        assert password_step(client, "target@example.org", "typo typo typo").status_code == 400


def test_code_entry_is_rate_limited_per_account(db: Session, client: Client) -> None:
    user = make_user(db, "sec@example.org", platform_admin=True, totp=True)
    password_step(client, user.email)
    for _ in range(ratelimit.CODE_PER_ACCOUNT.limit):
        assert client.form("/sign-in/code", {"code": "000000"}).status_code == 400
    limited = client.form("/sign-in/code", {"code": totp_code(db, user)})
    assert limited.status_code == 429 and "retry-after" in limited.headers
    assert "auth.rate_limited" in audit_actions(db)
    assert client.get("/api/auth/me").status_code == 401


def test_next_only_leads_within_the_site(db: Session, client: Client) -> None:
    make_user(db, "gov@example.org")
    client.get("/sign-in")
    response = client.form(
        "/sign-in",
        {"email": "gov@example.org", "password": DEFAULT_PASSWORD, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account"


def test_signed_in_client_factory_completes_forced_enrolment(db: Session, make_client: Any) -> None:
    org = make_org(db)
    user = make_user(db, "ro@example.org", roles={org.slug: [Role.RETURNING_OFFICER]})
    client = signed_in_client(make_client, user)
    assert signed_in_api(client)["totp_enabled"] is True
