"""Password hashing, rehash on parameter change, the dummy verify, and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher

from governance.auth import passwords


def test_verify_accepts_the_password_and_refuses_others() -> None:
    stored = passwords.hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "a long enough password") == (True, None)
    assert passwords.verify_password(stored, "a long enough passworD") == (False, None)


def test_a_hash_with_old_parameters_is_replaced_on_success() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("old but correct pw")
    matches, new_hash = passwords.verify_password(weak, "old but correct pw")
    assert matches
    assert new_hash is not None and new_hash != weak
    assert not PasswordHasher().check_needs_rehash(new_hash)
    assert passwords.verify_password(new_hash, "old but correct pw") == (True, None)


def test_accounts_without_a_password_never_match() -> None:
    assert passwords.verify_password(passwords.UNUSABLE, "anything at all!") == (False, None)
    assert passwords.verify_password("not-a-hash", "anything at all!") == (False, None)


def test_the_dummy_hash_costs_what_a_real_one_does() -> None:
    dummy = passwords._dummy_hash()
    assert not PasswordHasher().check_needs_rehash(dummy)


def test_policy() -> None:
    email = "sam.secretary@example.org"
    assert passwords.password_problem("short", email) == (
        "Your password must be at least 12 characters long"
    )
    assert "email" in (passwords.password_problem("Sam.Secretary@example.org", email) or "")
    assert "easy to guess" in (passwords.password_problem("Password1234", email) or "")
    assert "easy to guess" in (passwords.password_problem("zzzzzzzzzzzzzzzz", email) or "")
    assert "at most" in (passwords.password_problem("x" * 1025, email) or "")
    assert passwords.password_problem("kettle orbit lantern moss", email) is None
