"""Demo data: a foundation trust, a multi-stakeholder co-operative and a direct-payments
mutual, with staff accounts, members and months of history.

Everything goes through the same services the pages and the API use (organisations, roles,
constituencies, the register import, elections, meetings and motions, forward plans and
members' questions), with the service clock moved back months and forward through each
timetable (:mod:`governance.demo_timeline`), so the demo shows the product as it really
behaves. Running it again keeps the data and gives the staff accounts new passwords, because
passwords are only ever stored hashed and cannot be shown a second time.
"""

from __future__ import annotations

import csv
import io
import random
import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from governance.auth import passwords, service, staff
from governance.auth.models import User
from governance.demo_story import Made, StaffLogin, Story, local_today, made_from, start_here
from governance.demo_timeline import Timeline
from governance.elections.models import Election
from governance.members import configuration, importing
from governance.members.eligibility import Category, Kind
from governance.members.models import Member
from governance.members.schemas import AreaIn, ConstituencyIn
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.settings import Settings

__all__ = ["Made", "StaffLogin", "build", "link_base", "start_here"]

ACTOR = "demo"
FIRST_NAMES = (
    *("Amara", "Ben", "Chloe", "Dev", "Ellis", "Fatima", "George", "Hana", "Isaac", "Jade"),
    *("Kwame", "Layla", "Mohammed", "Niamh", "Oliver", "Priya", "Quentin", "Rosa", "Sam"),
    *("Tomasz", "Uma", "Victor", "Wei", "Xavier", "Yasmin", "Zainab", "Aled", "Bethan", "Dylan"),
)
LAST_NAMES = (
    *("Adeyemi", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal"),
    *("Jones", "Khan", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts"),
    *("Smith", "Taylor", "Usman", "Venkat", "Walker", "Williams", "Young", "Zhang"),
)


def _user(db: Session, email: str, name: str, admin: bool = False) -> tuple[User, str]:
    """Create the account, or give it a new password; returns the password to print."""
    password = "demo-" + secrets.token_urlsafe(9)
    user = db.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = service.create_user(
            db, email=email, name=name, password=password, platform_admin=admin, actor=ACTOR
        )
    else:
        user.password_hash = passwords.hash_password(password)
        db.add(user)
        db.commit()
    return user, password


def _organisation(db: Session, slug: str, name: str, kind: OrganisationType) -> Organisation:
    found = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if found is not None:
        return found
    return organisations.create_organisation(db, slug=slug, name=name, type=kind, actor=ACTOR)


def _grant(db: Session, org: Organisation, user: User, role: Role, admin: User) -> None:
    for person in staff.people(db, org):
        if person.user.id == user.id and any(a.role == role.value for a in person.assignments):
            return
    staff.grant_role(db, organisation=org, user=user, role=role, actor=admin)


def _area(code: str, name: str, constituency: str, prefixes: str) -> AreaIn:
    return AreaIn.model_validate(
        {"code": code, "name": name, "constituency": constituency, "postcode_prefixes": prefixes}
    )


def _trust_shape(db: Session, org: Organisation) -> None:
    if configuration.constituencies(db, org.id or 0):
        return
    for code, name, kind, parent in (
        ("NORTH", "Public: North", Kind.PUBLIC, None),
        ("SOUTH", "Public: South", Kind.PUBLIC, None),
        ("STAFF", "Staff", Kind.STAFF, None),
        ("NURSING", "Staff: nursing and midwifery", Kind.STAFF_CLASS, "STAFF"),
        ("MEDICAL", "Staff: medical and dental", Kind.STAFF_CLASS, "STAFF"),
        ("OTHER", "Staff: all other staff", Kind.STAFF_CLASS, "STAFF"),
        ("PATIENT", "Patients and carers", Kind.PATIENT_CARER, None),
    ):
        shape = {"code": code, "name": name, "kind": kind, "parent": parent}
        configuration.add_constituency(db, org, ConstituencyIn.model_validate(shape), actor=ACTOR)
    configuration.save_areas(
        db,
        org,
        [
            _area("E05000001", "Abbey", "NORTH", "RV1"),
            _area("E05000002", "Bridge", "NORTH", "RV2"),
            _area("E05000003", "Castle", "SOUTH", "RV3"),
            _area("E05000004", "Dale", "SOUTH", "RV4"),
        ],
        actor=ACTOR,
    )


def _mutual_shape(db: Session, org: Organisation) -> None:
    if configuration.constituencies(db, org.id or 0):
        return
    for code, name, category in (
        ("DIRECT", "People receiving direct payments", Category.DIRECT_PAYMENTS),
        ("CARERS", "Unpaid carers", Category.UNPAID_CARER),
        ("PAS", "Personal assistants", Category.PERSONAL_ASSISTANT),
    ):
        shape = {"code": code, "name": name, "kind": Kind.MEMBER_CLASS, "category": category}
        configuration.add_constituency(db, org, ConstituencyIn.model_validate(shape), actor=ACTOR)


def _coop_shape(db: Session, org: Organisation) -> None:
    if configuration.constituencies(db, org.id or 0):
        return
    for code, name, share, cap in (
        ("WORKERS", "Worker members", Decimal("50"), None),
        ("CONSUMERS", "Consumer members", Decimal("40"), None),
        ("INVESTORS", "Investor members", None, Decimal("10")),
    ):
        configuration.add_constituency(
            db,
            org,
            ConstituencyIn.model_validate(
                {
                    "code": code,
                    "name": name,
                    "kind": Kind.MEMBER_CLASS,
                    "vote_share_percent": share,
                    "vote_cap_percent": cap,
                }
            ),
            actor=ACTOR,
        )


def _trust_rows(rng: random.Random, count: int, today: date) -> list[dict[str, str]]:
    rows = []
    areas = [("E05000001", "RV1"), ("E05000002", "RV2"), ("E05000003", "RV3"), ("E05000004", "RV4")]
    for number in range(1, count + 1):
        kind = rng.random()
        row = _person(rng, number, "RFT", today)
        if kind < 0.6:
            area, prefix = rng.choice(areas)
            row |= {"area_code": area, "postcode": f"{prefix} {rng.randint(1, 9)}AB"}
        elif kind < 0.85:
            row |= {
                "constituency": rng.choice(("NURSING", "MEDICAL", "OTHER")),
                "contract": "permanent",
                "service_start": str(today - timedelta(days=rng.randint(400, 6000))),
            }
        else:
            row |= {
                "constituency": "PATIENT",
                "last_attended_on": str(today - timedelta(days=rng.randint(10, 900))),
            }
        rows.append(row)
    return rows


def _coop_rows(rng: random.Random, count: int, today: date) -> list[dict[str, str]]:
    rows = []
    for number in range(1, count + 1):
        row = _person(rng, number, "GCC", today)
        row["constituency"] = rng.choices(("WORKERS", "CONSUMERS", "INVESTORS"), (2, 7, 1))[0]
        rows.append(row)
    return rows


def _mutual_rows(rng: random.Random, count: int, today: date) -> list[dict[str, str]]:
    rows = []
    for number in range(1, count + 1):
        row = _person(rng, number, "DPM", today)
        row["constituency"] = rng.choices(("DIRECT", "CARERS", "PAS"), (5, 3, 2))[0]
        rows.append(row)
    return rows


def _person(rng: random.Random, number: int, prefix: str, today: date) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    born = today - timedelta(days=rng.randint(17 * 365, 88 * 365))
    handle = f"{first}.{last}".lower().replace("'", "")
    return {
        "reference": f"{prefix}{number:06d}",
        "first_name": first,
        "last_name": last,
        "email": f"{handle}.{number}@example.org",
        "date_of_birth": str(born),
        "address_line1": f"{rng.randint(1, 120)} {rng.choice(('Mill', 'Church', 'Station'))} Road",
        "town": "Riverside",
        "joined_on": str(today - timedelta(days=rng.randint(0, 1500))),
        "contact_email": "yes",
        "gender": rng.choice(("female", "male", "female", "male", "non-binary")),
    }


def _import_members(db: Session, org: Organisation, rows: list[dict[str, str]], today: date) -> int:
    assert org.id is not None
    has_members = db.exec(select(func.count()).where(Member.organisation_id == org.id)).one()
    if has_members or not rows:
        return 0
    columns = sorted({key for row in rows for key in row})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    source = io.BytesIO(buffer.getvalue().encode("utf-8"))
    checked = importing.check(db, org, source, filename="demo.csv", actor=ACTOR, today=today)
    applied = importing.apply(
        db,
        org,
        checked.id or 0,
        fingerprint_given=importing.fingerprint(checked),
        actor=ACTOR,
        today=today,
    )
    return applied.created


TRUST = ("riverside-ft", "Riverside NHS Foundation Trust", OrganisationType.FOUNDATION_TRUST)
COOP = ("greenfield-coop", "Greenfield Community Co-operative", OrganisationType.COOPERATIVE)
MUTUAL = (
    "together-mutual",
    "Together Direct Payments Mutual",
    OrganisationType.DIRECT_PAYMENTS_MUTUAL,
)
STAFF = (
    (TRUST, "secretary@riverside.example.org", "Sam Secretary", Role.SECRETARY),
    (TRUST, "governor@riverside.example.org", "Gita Governor", Role.GOVERNOR),
    (TRUST, "returning.officer@example.org", "Robin Returning", Role.RETURNING_OFFICER),
    (COOP, "secretary@greenfield.example.org", "Casey Secretary", Role.SECRETARY),
    (COOP, "returning.officer@example.org", "Robin Returning", Role.RETURNING_OFFICER),
    (MUTUAL, "secretary@together.example.org", "Morgan Secretary", Role.SECRETARY),
    (MUTUAL, "returning.officer@example.org", "Robin Returning", Role.RETURNING_OFFICER),
)


def link_base(host: str, port: int) -> str:
    """The address links should use for a service listening on ``host`` and ``port``."""
    if host in ("0.0.0.0", ""):  # noqa: S104 (naming the wildcard, not binding to it)
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _setup(
    db: Session, rng: random.Random, members: int, today: date
) -> tuple[dict[str, Organisation], dict[str, User], list[StaffLogin]]:
    """The organisations, their registers and staff (refreshing passwords when they exist)."""
    logins: list[StaffLogin] = []
    admin, password = _user(db, "admin@example.org", "Platform Administrator", admin=True)
    logins.append(StaffLogin("(all)", "platform admin", admin.email, password))
    orgs = {slug: _organisation(db, slug, name, kind) for slug, name, kind in (TRUST, COOP, MUTUAL)}
    trust, coop, mutual = orgs[TRUST[0]], orgs[COOP[0]], orgs[MUTUAL[0]]
    _trust_shape(db, trust)
    _coop_shape(db, coop)
    _mutual_shape(db, mutual)
    _import_members(db, trust, _trust_rows(rng, members, today), today)
    _import_members(db, coop, _coop_rows(rng, members, today), today)
    _import_members(db, mutual, _mutual_rows(rng, max(members // 2, 12), today), today)
    accounts: dict[str, User] = {}
    for (slug, _, _), email, name, role in STAFF:
        if email not in accounts:
            accounts[email], password = _user(db, email, name)
            logins.append(StaffLogin(slug, role.label, email, password))
        _grant(db, orgs[slug], accounts[email], role, admin)
    return orgs, accounts, logins


MIN_MEMBERS = 30
"""Fewer members than this leave a constituency without enough candidates or voters."""


def build(engine: Engine, settings: Settings, *, members: int = 60) -> Made:
    """Create the demo (or refresh its passwords) and say where each kind of user starts."""
    if members < MIN_MEMBERS:
        raise ValueError(f"the demo needs at least {MIN_MEMBERS} members per organisation")
    rng = random.Random(2026)  # noqa: S311 (demo names and votes, not secrets)
    with Session(engine, expire_on_commit=False) as db:
        exists = db.exec(select(Organisation).where(Organisation.slug == TRUST[0])).first()
        lived = (
            exists is not None
            and db.exec(select(Election.id).where(Election.organisation_id == exists.id)).first()
        )
    if exists is not None and not lived:
        raise ValueError(
            "this database holds an earlier demo without its history; build the demo in an "
            "empty data directory (GOVERNANCE_DATA_DIR) or database instead"
        )
    if exists is not None:
        with Session(engine, expire_on_commit=False) as db:
            today = local_today(exists)
            _, _, refreshed = _setup(db, rng, members, today)
        return made_from(engine, settings, refreshed)
    timeline = Timeline(engine, settings)
    story = Story(timeline, rng)
    start = story.start()
    logins: list[StaffLogin] = []

    def setup(db: Session) -> None:
        orgs, accounts, found = _setup(db, rng, members, local_today(None))
        logins.extend(found)
        story.begin(orgs, accounts)

    timeline.at(start, setup)
    timeline.run()
    return made_from(engine, settings, logins)
