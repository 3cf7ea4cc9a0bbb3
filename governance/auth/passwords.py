"""Staff passwords: argon2id hashing, verification with rehash, and the password policy.

Hashes use argon2-cffi's defaults (argon2id). When those defaults change in a new release, a
successful verification returns a fresh hash so accounts upgrade as people sign in. Unknown
accounts are checked against a dummy hash made with the same parameters, so the time a sign-in
takes does not reveal whether the email belongs to an account.
"""

from __future__ import annotations

import contextlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024

# Passwords long enough to pass the length rule that still appear near the top of breach lists.
COMMON_PASSWORDS = frozenset(
    {
        "000000000000",
        "111111111111",
        "123123123123",
        "123456789012",
        "1234567890123",
        "12345678910",
        "aaaaaaaaaaaa",
        "abc123456789",
        "abcdefghijkl",
        "administrator",
        "changeme1234",
        "iloveyou1234",
        "letmein12345",
        "password1234",
        "password123!",
        "passwordpassword",
        "qwerty123456",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "welcome12345",
        "welcome123456",
    }
)

# A marker stored for accounts that have no password yet (invited staff); never a valid hash.
UNUSABLE = "!"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# The hash of a random string nobody kept, made with argon2-cffi's current defaults.
_FIXED_DUMMY = (
    "$argon2id$v=19$m=65536,t=3,p=4$/xYgwfopxaQId4PZkx4c9w$"
    "2w/W+ZgFVspihT9uWS+L8OUS58Fu/UCOYqvW28Jcke8"
)


@cache
def _dummy_hash() -> str:
    """The fixed dummy hash, or a fresh one if the defaults have moved on (so costs match)."""
    if _hasher.check_needs_rehash(_FIXED_DUMMY):
        return _hasher.hash(secrets.token_urlsafe(24))
    return _FIXED_DUMMY


def dummy_verify(password: str) -> None:
    """Spend the time a real verification takes, for an account that does not exist."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)


def verify_password(stored: str, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against ``stored``: (matches, new hash if the parameters changed)."""
    if stored == UNUSABLE or not stored:
        dummy_verify(password)
        return False, None
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(stored):
        return True, _hasher.hash(password)
    return True, None


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` is not acceptable for the account ``email``, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Your password must be at most {MAX_LENGTH} characters long"
    folded = password.strip().casefold()
    if folded == email.strip().casefold():
        return "Your password must not be your email address"
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return "That password is too easy to guess; choose a less common one"
    return None
