"""TOTP codes (window, single use) and recovery codes (HMAC-stored, single use)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import text
from sqlmodel import Session, select

from governance.auth import totp
from governance.auth.models import RecoveryCode, User
from governance.db import utcnow
from tests.factories import KEYS, make_user


def _secret(user: User) -> str:
    return totp.secret_of(KEYS, user)


def test_codes_one_step_either_side_are_accepted_and_no_further() -> None:
    secret = pyotp.random_base32()
    now = utcnow()
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, step + offset), now) == step + offset
    assert totp.matching_step(secret, totp.code_at(secret, step + 2), now) is None
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None
    spaced = totp.code_at(secret, step)
    assert totp.matching_step(secret, f"{spaced[:3]} {spaced[3:]}", now) == step


def test_a_code_is_accepted_once_even_within_its_window(db: Session) -> None:
    user = make_user(db, "ro@example.org", totp=True)
    now = utcnow()
    code = totp.code_at(_secret(user), totp.time_step(now))
    assert totp.verify(db, KEYS, user, code, now)
    db.commit()
    assert not totp.verify(db, KEYS, user, code, now)
    assert not totp.verify(db, KEYS, user, code, now + timedelta(seconds=20))
    earlier = totp.code_at(_secret(user), totp.time_step(now) - 1)
    assert not totp.verify(db, KEYS, user, earlier, now), "an older step is refused too"
    later = totp.code_at(_secret(user), totp.time_step(now) + 1)
    assert totp.verify(db, KEYS, user, later, now)


def test_the_secret_is_sealed(db: Session) -> None:
    user = make_user(db, "sealed@example.org", totp=True)
    stored = db.exec(select(User.totp_secret_enc).where(User.id == user.id)).one()
    assert stored and _secret(user) not in stored


def test_provisioning_uri_and_qr_code() -> None:
    secret = pyotp.random_base32()
    uri = totp.provisioning_uri(secret, "sam@example.org")
    assert uri.startswith("otpauth://totp/Governance:sam%40example.org?")
    assert f"secret={secret}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "<title>" in svg
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_ten_recovery_codes_stored_as_hmac_each_single_use(db: Session) -> None:
    user = make_user(db, "rc@example.org", totp=True)
    codes = totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    dump = " ".join(str(row) for row in db.execute(text("SELECT * FROM recovery_code")).all())
    for code in codes:
        assert code not in dump and totp.normalise(code) not in dump
    now = utcnow()
    assert totp.use_recovery_code(db, KEYS, user, codes[0].upper(), now)
    db.commit()
    assert not totp.use_recovery_code(db, KEYS, user, codes[0], now)
    assert totp.recovery_codes_left(db, user) == 9
    assert totp.use_recovery_code(db, KEYS, user, codes[1].replace("-", " "), now)
    assert not totp.use_recovery_code(db, KEYS, user, "aaaa-bbbb-cccc", now)


def test_new_recovery_codes_replace_the_old_ones(db: Session) -> None:
    user = make_user(db, "rc2@example.org", totp=True)
    old = totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    new = totp.replace_recovery_codes(db, KEYS, user)
    db.commit()
    assert not set(old) & set(new)
    assert len(db.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()) == 10
    assert not totp.use_recovery_code(db, KEYS, user, old[0], utcnow())
    assert totp.use_recovery_code(db, KEYS, user, new[0], utcnow())


def test_a_recovery_code_belongs_to_one_account(db: Session) -> None:
    alice = make_user(db, "alice@example.org", totp=True)
    bob = make_user(db, "bob@example.org", totp=True)
    codes = totp.replace_recovery_codes(db, KEYS, alice)
    db.commit()
    assert not totp.use_recovery_code(db, KEYS, bob, codes[0], utcnow())
    assert totp.use_recovery_code(db, KEYS, alice, codes[0], utcnow())
