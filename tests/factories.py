"""Factories shared by the test suite: organisations, staff, members, signed-in browsers.

``make_user(..., roles={org.slug: [Role.SECRETARY]})`` keys roles by slug (or organisation id)
because table models are not hashable. ``signed_in_client`` signs in through the real pages:
password, then the TOTP code (computed from the sealed secret), or the forced enrolment.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

import pyotp
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.auth import passwords, totp
from governance.auth.models import RoleAssignment, User
from governance.auth.tokens import create_token
from governance.db import TEST_NOW_VARIABLE, Clock, utcnow
from governance.mail import OutboxMessage, rendered_text
from governance.members.models import Member
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.security import Keys
from tests.conftest import TEST_SECRET, Client

DEFAULT_PASSWORD = "correct horse battery staple"
KEYS = Keys(TEST_SECRET)
SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


@cache
def _hash(password: str) -> str:
    """One argon2 hash per distinct password per run, to keep the suite fast."""
    return passwords.hash_password(password)


def make_org(
    db: Session,
    slug: str = "org-a",
    *,
    name: str | None = None,
    type: OrganisationType = OrganisationType.FOUNDATION_TRUST,
    time_zone: str = "Europe/London",
) -> Organisation:
    return organisations.create_organisation(
        db,
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        type=type,
        time_zone=time_zone,
        actor="test",
    )


def _organisation_id(db: Session, key: str | int) -> int:
    if isinstance(key, int):
        return key
    org = db.exec(select(Organisation).where(Organisation.slug == key)).one()
    assert org.id is not None
    return org.id


def make_user(
    db: Session,
    email: str = "staff@example.org",
    *,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    roles: Mapping[str | int, Iterable[Role]] | None = None,
    totp: bool = False,
    platform_admin: bool = False,
) -> User:
    """A staff account; ``totp=True`` enrols an authenticator (secret sealed as the app does)."""
    user = User(
        email=email.lower(),
        name=name or email.split("@", maxsplit=1)[0].replace(".", " ").title(),
        password_hash=_hash(password),
        is_platform_admin=platform_admin,
    )
    if totp:
        user.totp_secret_enc = KEYS.seal(pyotp.random_base32(), "totp")
        user.totp_enabled = True
    db.add(user)
    db.flush()
    assert user.id is not None
    for key, held in (roles or {}).items():
        for role in held:
            db.add(
                RoleAssignment(
                    user_id=user.id, organisation_id=_organisation_id(db, key), role=role
                )
            )
    db.commit()
    return user


def make_member(
    db: Session,
    org: Organisation,
    *,
    email: str | None = "member@example.org",
    first_name: str = "Ada",
    last_name: str = "Member",
    reference: str | None = None,
    status: str = "active",
) -> Member:
    assert org.id is not None
    count = len(db.exec(select(Member.id).where(Member.organisation_id == org.id)).all())
    member = Member(
        organisation_id=org.id,
        reference=reference or f"M{count + 1:05d}",
        first_name=first_name,
        last_name=last_name,
        email=email,
        status=status,
    )
    db.add(member)
    db.commit()
    return member


def totp_code(db: Session, user: User, *, now: datetime | None = None) -> str:
    """A code the app will accept now, for a step in the window not yet used."""
    fresh = db.get(User, user.id, populate_existing=True)
    assert fresh is not None and fresh.totp_secret_enc
    secret = KEYS.unseal(fresh.totp_secret_enc, "totp")
    current = totp.time_step(now or utcnow())
    last = fresh.totp_last_step if fresh.totp_last_step is not None else -1
    db.commit()  # end the read: on SQLite every transaction holds the write lock
    # The current step first, then the next: a code for an earlier step would fall out of the
    # window if the clock crossed a step boundary before the app checked it.
    for step in (current, *range(current + 1, current + totp.WINDOW + 1), current - 1):
        if step > last:
            return totp.code_at(secret, step)
    raise AssertionError("every code in the window has been used; wait for the next step")


def signed_in_client(
    make_client: Callable[[], Client], user: User, *, password: str = DEFAULT_PASSWORD
) -> Client:
    """A browser that has signed ``user`` in through the pages (enrolling TOTP if forced to)."""
    client = make_client()
    client.get("/sign-in")
    response = client.form(
        "/sign-in", {"email": user.email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if location.startswith("/sign-in/code"):
        with Session(client.app.state.engine) as db:
            code = totp_code(db, user)
        response = client.form("/sign-in/code", {"code": code}, follow_redirects=False)
        assert response.status_code == 303, response.text
    elif location == "/account/two-factor/setup":
        complete_enrolment(client)
    return client


def complete_enrolment(client: Client) -> list[str]:
    """Set up TOTP through the set-up page as a person would; returns the recovery codes."""
    found = SECRET_RE.search(client.get("/account/two-factor/setup").text)
    assert found, "the set-up page shows the secret"
    secret = found.group(1).replace(" ", "")
    code = totp.code_at(secret, totp.time_step(utcnow()))
    response = client.form("/account/two-factor/setup", {"code": code})
    assert response.status_code == 200, response.text
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.text)


def signed_in_api(client: Client) -> dict[str, Any]:
    """Who the client is signed in as, according to the API."""
    response = client.get("/api/auth/me")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def audit_actions(db: Session) -> list[str]:
    """The actions in the audit log, oldest first (read fresh from the database)."""
    from governance.audit import AuditEntry

    actions = list(db.exec(select(AuditEntry.action).order_by(AuditEntry.seq)).all())
    db.commit()  # end the read: on SQLite every transaction holds the write lock
    return actions


def run_together(work: Callable[[], Any], times: int) -> tuple[list[Any], list[BaseException]]:
    """Run ``work`` in ``times`` threads released at the same moment; what each returned, and
    whatever escaped from any of them."""
    barrier = threading.Barrier(times)
    results: list[Any] = []
    errors: list[BaseException] = []

    def runner() -> None:
        barrier.wait()
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def travel_to(moment: datetime) -> None:
    """Move the service clock so that ``utcnow()`` reads ``moment`` (give or take a moment)."""
    Clock.offset += moment - utcnow()


def now_utc() -> datetime:
    """What the service clock reads (the pinned instant, plus any travel)."""
    return utcnow()


def subprocess_env(base: Mapping[str, str] | None = None, **variables: str) -> dict[str, str]:
    """The environment for a subprocess that should share this test's clock.

    The child reads ``GOVERNANCE_TEST_NOW`` (in the test environment only) and starts at the
    instant the service clock reads now.
    """
    import os

    env = dict(os.environ if base is None else base)
    env.update({"GOVERNANCE_ENV": "test", TEST_NOW_VARIABLE: utcnow().isoformat()})
    env.update(variables)
    return env


MAGIC_LINK_RE = re.compile(r"/magic/([A-Za-z0-9_\-]+)")


def member_client(make_client: Callable[[], Client], engine: Engine, member: Member) -> Client:
    """A browser signed in as ``member`` through the emailed link, as a member would."""
    client = make_client()
    with Session(engine) as db:
        org = db.get(Organisation, member.organisation_id)
        assert org is not None and member.email
        slug = org.slug
    client.get(f"/o/{slug}/member-sign-in")
    response = client.form(f"/o/{slug}/member-sign-in", {"email": member.email})
    assert response.status_code == 200, response.text
    with Session(engine) as db:
        message = db.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == member.email)
            .where(col(OutboxMessage.subject).contains("sign in"))
            .order_by(col(OutboxMessage.id).desc())
        ).first()
        assert message is not None
        found = MAGIC_LINK_RE.search(rendered_text(KEYS, message))
    assert found
    response = client.form(f"/magic/{found.group(1)}", {}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def staff_client(make_client: Callable[[], Client], engine: Engine, user: User) -> Client:
    """An API client for a member of staff, with a bearer token that outlives clock travel
    (a browser session lasts hours; a timetable takes weeks)."""
    with Session(engine) as db:
        found = db.get(User, user.id)
        assert found is not None
        secret, _ = create_token(db, KEYS, user=found, name="tests", expires_in_days=None)
    client = make_client()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def from_address(client: Client, ip: str) -> Client:
    """Make every request of ``client`` come from the client address ``ip``."""
    transport: Any = client._transport
    original = transport.parse_request

    def parse_request(request: Any) -> dict[str, Any]:
        scope: dict[str, Any] = original(request)
        scope["client"] = (ip, 50000)
        return scope

    transport.parse_request = parse_request
    return client
