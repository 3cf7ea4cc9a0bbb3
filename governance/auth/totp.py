"""Second factor: TOTP codes (RFC 6238) and single-use recovery codes.

Codes are 6 digits for 30-second steps, accepted one step either side of now. Each accepted code
moves ``User.totp_last_step`` forward with a conditional UPDATE, so a code (or any earlier one)
is accepted once only, even when two workers receive it at the same moment. TOTP secrets are
sealed with the server key; recovery codes are stored as HMACs and burnt by a conditional UPDATE.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any, cast

import pyotp
import segno
from sqlalchemy import CursorResult, delete, func, or_, update
from sqlmodel import Session, col, select

from governance.auth.models import RecoveryCode, User
from governance.security import Keys

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
ISSUER = "Governance"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def seal_secret(keys: Keys, secret: str) -> str:
    return keys.seal(secret, "totp")


def secret_of(keys: Keys, user: User) -> str:
    if not user.totp_secret_enc:
        raise ValueError("this account has no authenticator secret")
    return keys.unseal(user.totp_secret_enc, "totp")


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """An inline SVG QR code for ``uri`` (with a title for assistive technology)."""
    code = segno.make(uri, error="m")
    return str(
        code.svg_inline(
            scale=5, border=4, title="QR code to add this account to an authenticator app"
        )
    )


def grouped(secret: str) -> str:
    """The secret in blocks of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def looks_like_totp(code: str) -> bool:
    cleaned = normalise(code)
    return len(cleaned) == DIGITS and cleaned.isdigit()


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code is ``code`` (pure; no replay check)."""
    cleaned = normalise(code)
    if not looks_like_totp(cleaned):
        return None
    current = time_step(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at(secret, step), cleaned):
            return step
    return None


def verify(session: Session, keys: Keys, user: User, code: str, now: datetime) -> bool:
    """Accept ``code`` for ``user`` once: refuse any step at or before the last one accepted.

    The caller commits (with its audit entry); the claim is made in the caller's transaction.
    """
    step = matching_step(secret_of(keys, user), code, now)
    if step is None:
        return False
    result = session.execute(
        update(User)
        .where(
            col(User.id) == user.id,
            or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def replace_recovery_codes(session: Session, keys: Keys, user: User) -> list[str]:
    """Issue a fresh set of codes (the old ones stop working); returns them for showing once."""
    assert user.id is not None
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(
            RecoveryCode(user_id=user.id, code_hmac=keys.token_hmac(normalise(code), "recovery"))
        )
    return codes


def use_recovery_code(session: Session, keys: Keys, user: User, code: str, now: datetime) -> bool:
    """Burn one unused recovery code of ``user`` (in the caller's transaction)."""
    cleaned = normalise(code)
    if not cleaned or len(cleaned) > 64:
        return False
    result = session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hmac) == keys.token_hmac(cleaned, "recovery"),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def recovery_codes_left(session: Session, user: User) -> int:
    return session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
    ).one()
