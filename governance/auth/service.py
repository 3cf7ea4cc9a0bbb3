"""Staff accounts: creation, sign-in with password and second factor, passwords and TOTP.

Every operation runs in one transaction, committed here together with its audit entry. Failed
attempts are committed too (their audit entry and rate-limit count must survive the refusal).
TOTP is mandatory for platform admins and for anyone holding a role in ``ROLES_NEEDING_TOTP``:
such a user who has not enrolled gets a session that can do nothing but enrol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance import audit
from governance.auth import backoff, passwords, ratelimit, sessions, totp
from governance.auth.models import AuthSession, RecoveryCode, RoleAssignment, User
from governance.db import utcnow
from governance.errors import Problem
from governance.organisations.constitution import ROLES_NEEDING_TOTP
from governance.security import Keys
from governance.settings import Settings

SIGN_IN_FAILED = "Enter a correct email address and password"
CODE_FAILED = "That code is not right, or it has been used already. Try the next code"
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

Step = Literal["done", "code", "enrol"]


class AccountError(ValueError):
    """An account operation was refused; ``field`` names the input at fault, if any."""

    def __init__(
        self, message: str, *, field: str = "", slug: str = "invalid", status: int = 422
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.slug = slug
        self.status = status

    def problem(self) -> Problem:
        """The same refusal as an API problem."""
        extra: dict[str, Any] = {}
        if self.field:
            extra["errors"] = [{"field": self.field, "message": self.message}]
        return Problem(self.status, self.slug, self.message, extra=extra)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in step: the new session token and what the person must do next."""

    user: User
    token: str
    step: Step


@dataclass(frozen=True)
class Enrolment:
    recovery_codes: list[str]
    token: str | None  # a new full session when enrolment completed a sign-in


def actor_of(user: User) -> str:
    return f"user:{user.id}"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str, field: str = "email") -> str:
    address = normalise_email(email)
    if len(address) > 254 or not EMAIL_RE.match(address):
        raise AccountError(
            "Enter an email address in the correct format, like name@example.org", field=field
        )
    return address


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    platform_admin: bool = False,
    actor: str,
) -> User:
    """Create a staff account (``password`` None: none yet, set through an invitation)."""
    user = add_user(
        session,
        email=email,
        name=name,
        password=password,
        platform_admin=platform_admin,
        actor=actor,
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _email_taken() from None
    return user


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    platform_admin: bool = False,
    actor: str,
) -> User:
    """Add an account in the caller's transaction (see :func:`create_user`)."""
    address = valid_email(email)
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("Enter a name of 200 characters or fewer", field="name")
    if password is not None and (problem := passwords.password_problem(password, address)):
        raise AccountError(problem, field="password")
    if session.exec(select(User.id).where(User.email == address)).first() is not None:
        raise _email_taken()
    user = User(
        email=address,
        name=name,
        password_hash=passwords.hash_password(password) if password else passwords.UNUSABLE,
        is_platform_admin=platform_admin,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.user_created",
        object_type="user",
        object_id=user.id,
        detail={"email": address, "platform_admin": platform_admin},
    )
    return user


def _email_taken() -> AccountError:
    return AccountError(
        "There is already an account with that email address",
        field="email",
        slug="email-taken",
        status=409,
    )


def totp_required(session: Session, user: User) -> bool:
    """Whether the account must use a second factor (admin, or a role that needs it)."""
    if user.is_platform_admin:
        return True
    roles = session.exec(select(RoleAssignment.role).where(RoleAssignment.user_id == user.id))
    return any(role in ROLES_NEEDING_TOTP for role in roles)


def _record_sign_in(session: Session, user: User, factor: str, ip: str, now: datetime) -> None:
    user.last_sign_in_at = now
    session.add(user)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.signed_in",
        object_type="user",
        object_id=user.id,
        detail={"factor": factor, "ip": ip},
    )


# Only failed passwords count, so the right password from the person's own address always works;
# see governance.auth.backoff. A password is chosen by a person, so its waits start sooner than
# a voter code's.
SIGN_IN_PER_EMAIL_AND_ADDRESS = backoff.Backoff("sign-in:email+ip", 5, 30, 3600)
SIGN_IN_PER_EMAIL = backoff.Backoff("sign-in:email", 10, 30, 3600)
SIGN_IN_PER_ADDRESS = backoff.Pacing("sign-in:ip", 50, 1.0, 100, 10.0, 20.0)


def _sign_in_records(keys: Keys, address: str, ip: str) -> tuple[str, str, str]:
    where = backoff.place(ip)
    return (
        backoff.key(keys, SIGN_IN_PER_EMAIL_AND_ADDRESS.name, address, where),
        backoff.key(keys, SIGN_IN_PER_EMAIL.name, address),
        backoff.key(keys, SIGN_IN_PER_ADDRESS.name, where),
    )


def _check_sign_in_backoff(session: Session, records: tuple[str, str, str], now: datetime) -> None:
    pair, email_record, address_record = records
    waiting = [pair]
    if backoff.failures(session, pair, now):
        waiting.append(email_record)
    backoff.check(session, waiting, now)
    backoff.wait_for_turn(backoff.take_turn(session, address_record, SIGN_IN_PER_ADDRESS, now))


def _note_sign_in_failure(
    session: Session, records: tuple[str, str, str], ip: str, now: datetime
) -> None:
    pair, email_record, address_record = records
    counted = backoff.note_failure(session, pair, SIGN_IN_PER_EMAIL_AND_ADDRESS, now)
    across = backoff.note_failure(session, email_record, SIGN_IN_PER_EMAIL, now)
    backoff.note_failure(session, address_record, None, now)
    if counted == SIGN_IN_PER_EMAIL_AND_ADDRESS.free + 1 or across == SIGN_IN_PER_EMAIL.free + 1:
        audit.record(
            session,
            actor="anonymous",
            action="auth.rate_limited",
            object_type="rate_limit",
            object_id="sign-in",
            detail={"ip": ip},
        )


def _refuse_sign_in(session: Session, user: User | None, reason: str, ip: str) -> AccountError:
    audit.record(
        session,
        actor="anonymous",
        action="auth.sign_in_failed",
        object_type="user",
        object_id=user.id if user else "",
        detail={"reason": reason, "ip": ip},
    )
    session.commit()
    return AccountError(SIGN_IN_FAILED, field="email", slug="sign-in-failed", status=400)


def sign_in_with_password(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    email: str,
    password: str,
    ip: str,
    replacing: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> SignIn:
    """The password step. The same refusal, taking the same time, whether or not the account
    exists; a successful step discards the browser's previous session and issues a new one."""
    now = now or utcnow()
    address = normalise_email(email)[:254]
    records = _sign_in_records(keys, address, ip)
    _check_sign_in_backoff(session, records, now)
    user = session.exec(select(User).where(User.email == address)).first() if address else None
    if user is None:
        passwords.dummy_verify(password)
        _note_sign_in_failure(session, records, ip, now)
        raise _refuse_sign_in(session, None, "unknown account", ip)
    matches, new_hash = passwords.verify_password(user.password_hash, password)
    if not matches:
        _note_sign_in_failure(session, records, ip, now)
        raise _refuse_sign_in(session, user, "wrong password", ip)
    backoff.clear(session, records[0])
    if not user.is_active:
        raise _refuse_sign_in(session, user, "account disabled", ip)
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    step: Step = "done"
    if user.totp_enabled:
        step = "code"
    elif totp_required(session, user):
        step = "enrol"
    token = sessions.issue(
        session,
        keys,
        settings,
        user=user,
        pending=step != "done",
        replacing=replacing,
        user_agent=user_agent,
        now=now,
    )
    if step == "done":
        _record_sign_in(session, user, "password", ip, now)
    session.commit()
    return SignIn(user, token, step)


def _check_code(session: Session, keys: Keys, user: User, code: str, now: datetime) -> str:
    """Verify a TOTP or recovery code (rate-limited); the factor used, or raise."""
    ratelimit.enforce(
        session,
        keys,
        ratelimit.CODE_PER_ACCOUNT,
        str(user.id),
        actor=actor_of(user),
        detail={"user_id": user.id},
        now=now,
    )
    if totp.looks_like_totp(code):
        if user.totp_secret_enc and totp.verify(session, keys, user, code, now):
            return "totp"
    elif user.totp_enabled and totp.use_recovery_code(session, keys, user, code, now):
        audit.record(
            session,
            actor=actor_of(user),
            action="auth.recovery_code_used",
            object_type="user",
            object_id=user.id,
            detail={"left": totp.recovery_codes_left(session, user)},
        )
        return "recovery"
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.second_factor_failed",
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    raise AccountError(CODE_FAILED, field="code", slug="wrong-code", status=400)


def complete_second_factor(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    auth_session: AuthSession,
    code: str,
    ip: str,
    replacing: str | None,
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """The code step after the password: a TOTP or recovery code; returns the new session."""
    now = now or utcnow()
    user = session.get(User, auth_session.user_id)
    if user is None or not auth_session.second_factor_pending or not user.totp_enabled:
        raise AccountError("Sign in again", slug="sign-in-again", status=401)
    factor = _check_code(session, keys, user, code, now)
    token = sessions.issue(
        session, keys, settings, user=user, replacing=replacing, user_agent=user_agent, now=now
    )
    _record_sign_in(session, user, factor, ip, now)
    session.commit()
    return token


def begin_totp_enrolment(session: Session, keys: Keys, user: User) -> str:
    """The secret to show for enrolment: kept until confirmed, so a reload shows the same one."""
    if user.totp_enabled:
        raise AccountError("Two-factor sign-in is already set up", slug="totp-enabled", status=409)
    if user.totp_secret_enc:
        return totp.secret_of(keys, user)
    secret = totp.new_secret()
    user.totp_secret_enc = totp.seal_secret(keys, secret)
    session.add(user)
    session.commit()
    return secret


def confirm_totp_enrolment(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    user: User,
    code: str,
    auth_session: AuthSession | None,
    ip: str,
    replacing: str | None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Enrolment:
    """Turn TOTP on once a code from the new secret is right; issue recovery codes.

    If the enrolment was the forced step of a sign-in, the password-only session is replaced by
    a full one."""
    now = now or utcnow()
    if user.totp_enabled or not user.totp_secret_enc:
        raise AccountError("Start the set-up again", slug="totp-setup-stale", status=409)
    if not totp.looks_like_totp(code):
        raise AccountError("Enter the 6-digit code from your app", field="code", status=400)
    _check_code(session, keys, user, code, now)
    user.totp_enabled = True
    session.add(user)
    codes = totp.replace_recovery_codes(session, keys, user)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.totp_enabled",
        object_type="user",
        object_id=user.id,
    )
    token = None
    if auth_session is not None and auth_session.second_factor_pending:
        token = sessions.issue(
            session,
            keys,
            settings,
            user=user,
            replacing=replacing,
            user_agent=user_agent,
            now=now,
        )
        _record_sign_in(session, user, "enrolment", ip, now)
    session.commit()
    return Enrolment(codes, token)


def disable_totp(
    session: Session, keys: Keys, *, user: User, code: str, now: datetime | None = None
) -> None:
    """Turn TOTP off (needs a current code; refused where a role requires it)."""
    now = now or utcnow()
    if not user.totp_enabled:
        raise AccountError("Two-factor sign-in is not on", slug="totp-disabled", status=409)
    if totp_required(session, user):
        raise AccountError(
            "Your role needs two-factor sign-in, so it cannot be turned off",
            slug="totp-required",
            status=409,
        )
    if not totp.looks_like_totp(code):
        raise AccountError("Enter the 6-digit code from your app", field="code", status=400)
    _check_code(session, keys, user, code, now)
    user.totp_enabled = False
    user.totp_secret_enc = None
    session.add(user)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.totp_disabled",
        object_type="user",
        object_id=user.id,
    )
    session.commit()


def regenerate_recovery_codes(
    session: Session, keys: Keys, *, user: User, code: str, now: datetime | None = None
) -> list[str]:
    """A new set of recovery codes (needs a current TOTP code); the old set stops working."""
    now = now or utcnow()
    if not user.totp_enabled:
        raise AccountError("Set up two-factor sign-in first", slug="totp-disabled", status=409)
    if not totp.looks_like_totp(code):
        raise AccountError("Enter the 6-digit code from your app", field="code", status=400)
    _check_code(session, keys, user, code, now)
    codes = totp.replace_recovery_codes(session, keys, user)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.recovery_codes_replaced",
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    return codes


def change_password(
    session: Session,
    keys: Keys,
    *,
    user: User,
    current: str,
    new: str,
    confirm: str,
    keep_session_id: int | None,
    now: datetime | None = None,
) -> int:
    """Replace the password and end every other session; how many sessions ended."""
    now = now or utcnow()
    ratelimit.enforce(
        session,
        keys,
        ratelimit.PASSWORD_CHANGE_PER_ACCOUNT,
        str(user.id),
        actor=actor_of(user),
        now=now,
    )
    matches, _ = passwords.verify_password(user.password_hash, current)
    if not matches:
        audit.record(
            session,
            actor=actor_of(user),
            action="auth.password_change_failed",
            object_type="user",
            object_id=user.id,
        )
        session.commit()
        raise AccountError("Your current password is not right", field="current_password")
    if problem := passwords.password_problem(new, user.email):
        raise AccountError(problem, field="new_password")
    if new != confirm:
        raise AccountError("The passwords do not match", field="confirm_password")
    user.password_hash = passwords.hash_password(new)
    session.add(user)
    assert user.id is not None
    ended = sessions.end_all_for_user(session, user.id, keep_id=keep_session_id)
    revoked = revoke_all_tokens(session, user.id, now=now)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.password_changed",
        object_type="user",
        object_id=user.id,
        detail={"sessions_ended": ended, "tokens_revoked": revoked},
    )
    session.commit()
    return ended


def sign_out(session: Session, keys: Keys, *, token: str | None, user: User | None) -> None:
    sessions.discard(session, keys, token)
    if user is not None:
        audit.record(
            session,
            actor=actor_of(user),
            action="auth.signed_out",
            object_type="user",
            object_id=user.id,
        )
    session.commit()


def revoke_all_tokens(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    from governance.auth.tokens import revoke_all

    return revoke_all(session, user_id, now=now)


def sign_out_everywhere(session: Session, *, user: User) -> int:
    """End every session of the user, this one included, and revoke every API token (a
    stolen token must not outlive the remedy); how many sessions ended."""
    assert user.id is not None
    ended = sessions.end_all_for_user(session, user.id)
    revoked = revoke_all_tokens(session, user.id)
    audit.record(
        session,
        actor=actor_of(user),
        action="auth.signed_out_everywhere",
        object_type="user",
        object_id=user.id,
        detail={"sessions_ended": ended, "tokens_revoked": revoked},
    )
    session.commit()
    return ended
