"""Seeding for the accountability tests: a trust with constituencies, members on the register,
governors in office with their staff accounts, a clock set to a chosen moment, and browsers
signed in as a member (by the emailed link) or as staff."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from governance.accountability.models import GovernorRecord
from governance.auth.models import User
from governance.db import utcnow
from governance.mail import OutboxMessage
from governance.members import configuration
from governance.members.models import Member, MembershipPeriod
from governance.members.offices import Office, OfficeTerm, start_terms
from governance.members.schemas import ConstituencyIn
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from tests.factories import make_org, make_user, travel_to

LONDON = ZoneInfo("Europe/London")


def set_clock(moment: datetime) -> None:
    """Make ``utcnow()`` read (about) ``moment`` for the rest of the test."""
    travel_to(moment)


def local(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def trust(db: Session, slug: str = "riverside") -> Organisation:
    org = make_org(db, slug, name=f"{slug.title()} NHS FT")
    for code, name, kind, parent in [
        ("NORTH", "North", "public", None),
        ("SOUTH", "South", "public", None),
        ("STAFF", "Staff", "staff", None),
        ("NURSES", "Nursing staff", "staff_class", "STAFF"),
    ]:
        data = ConstituencyIn(code=code, name=name, kind=kind, parent=parent)  # type: ignore[arg-type]
        configuration.add_constituency(db, org, data, actor="test")
    return org


def constituency_id(db: Session, org: Organisation, code: str) -> int:
    found = configuration.by_code(db, org.id or 0, code)
    assert found is not None and found.id is not None
    return found.id


def member_in(
    db: Session,
    org: Organisation,
    code: str,
    *,
    first: str = "Ada",
    last: str = "Member",
    email: str | None = None,
    since: date = date(2020, 1, 1),
    reference: str | None = None,
) -> Member:
    """An active member of the constituency ``code`` since ``since``."""
    count = len(db.exec(select(Member.id).where(Member.organisation_id == org.id)).all())
    member = Member(
        organisation_id=org.id or 0,
        reference=reference or f"M{count + 1:05d}",
        first_name=first,
        last_name=last,
        email=email or f"{first.lower()}.{last.lower()}@example.org",
        joined_on=since,
    )
    db.add(member)
    db.flush()
    db.add(
        MembershipPeriod(
            organisation_id=org.id or 0,
            member_id=member.id or 0,
            constituency_id=constituency_id(db, org, code),
            start_date=since,
            start_reason="joined",
        )
    )
    db.commit()
    return member


def governor(
    db: Session,
    org: Organisation,
    code: str,
    *,
    first: str,
    last: str,
    starts_on: date | None = None,
    years: int = 3,
    lead: bool = False,
    account: bool = True,
) -> tuple[Member, User | None, OfficeTerm]:
    """A governor for ``code`` in office from ``starts_on``, with a staff account if asked.

    By default the term began on the 1 April at least a year before the service clock's date,
    so a governor is in office now, whatever instant the test runs at.
    """
    if starts_on is None:
        today = utcnow().date()
        starts_on = date(today.year - (1 if today >= date(today.year, 4, 1) else 2), 4, 1)
    member = member_in(db, org, code, first=first, last=last, since=date(2019, 1, 1))
    (term,) = start_terms(
        db,
        organisation_id=org.id or 0,
        member_ids=[member.id or 0],
        office=Office.GOVERNOR,
        starts_on=starts_on,
        years=years,
        constituency_id=constituency_id(db, org, code),
    )
    user = None
    if account:
        user = make_user(
            db,
            f"{first.lower()}.governor@example.org",
            name=f"{first} {last}",
            roles={org.slug: [Role.GOVERNOR]},
        )
    db.add(
        GovernorRecord(
            organisation_id=org.id or 0,
            member_id=member.id or 0,
            user_id=user.id if user else None,
            lead=lead,
        )
    )
    db.commit()
    return member, user, term


def mail_to(db: Session, address: str) -> list[OutboxMessage]:
    db.expire_all()
    found = list(
        db.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(col(OutboxMessage.id))
        ).all()
    )
    db.commit()
    return found
