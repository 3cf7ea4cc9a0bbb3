"""Seeding for the motion tests: organisations with classes or constituencies, members placed in
them by membership periods, governors and directors by terms of office, meetings in any state,
and browsers signed in as members or staff (sessions and tokens issued directly)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.auth import sessions
from governance.auth.middleware import SESSION_COOKIE
from governance.auth.tokens import create_token
from governance.db import Clock, utcnow
from governance.meetings.kinds import MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.members import configuration
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.members.offices import Office, OfficeTerm
from governance.members.schemas import ConstituencyIn
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import KEYS, make_org, make_user

JOINED = date(2020, 1, 1)


def travel_to(moment: datetime) -> None:
    Clock.offset += moment - utcnow()


@dataclass
class Org:
    organisation: Organisation
    classes: dict[str, Constituency]
    members: dict[str, list[Member]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.organisation.slug

    def everyone(self) -> list[Member]:
        return [m for group in self.members.values() for m in group]


def add_class(db: Session, org: Organisation, code: str, kind: str, **extra: Any) -> Constituency:
    data = ConstituencyIn(code=code, name=extra.pop("name", code.title()), kind=kind, **extra)  # type: ignore[arg-type]
    return configuration.add_constituency(db, org, data, actor="test")


def add_members(
    db: Session, org: Org, code: str, count: int, *, prefix: str | None = None
) -> list[Member]:
    """``count`` members of class ``code``, with email addresses, members since 2020."""
    constituency = org.classes[code]
    assert org.organisation.id is not None and constituency.id is not None
    prefix = prefix or code.lower()
    start = len(org.members.get(code, []))
    made = []
    for i in range(start, start + count):
        member = Member(
            organisation_id=org.organisation.id,
            reference=f"{code[:3]}{i + 1:05d}",
            first_name=f"{code.title()}{i + 1}",
            last_name=f"Member{i + 1}",
            email=f"{prefix}{i + 1}@{org.slug}.example",
            status="active",
            joined_on=JOINED,
        )
        db.add(member)
        made.append(member)
    db.flush()
    for member in made:
        assert member.id is not None
        db.add(
            MembershipPeriod(
                organisation_id=org.organisation.id,
                member_id=member.id,
                constituency_id=constituency.id,
                start_date=JOINED,
                start_reason="joined",
            )
        )
    db.commit()
    org.members.setdefault(code, []).extend(made)
    return made


def coop(db: Session, slug: str = "valley-coop", **constitution: Any) -> Org:
    """A multi-stakeholder co-op: workers 50%, customers 40%, investors capped at 10%."""
    org = make_org(db, slug, type=OrganisationType.COOPERATIVE)
    classes = {
        "WORKERS": add_class(db, org, "WORKERS", "member_class", vote_share_percent="50"),
        "CUSTOMERS": add_class(db, org, "CUSTOMERS", "member_class", vote_share_percent="40"),
        "INVESTORS": add_class(db, org, "INVESTORS", "member_class", vote_cap_percent="10"),
    }
    if constitution:
        organisations.update_constitution(db, org, changes=constitution, actor="test")
    return Org(org, classes)


def plain_coop(db: Session, slug: str = "plain-coop", **constitution: Any) -> Org:
    """A co-op with one class of member (one member one vote)."""
    org = make_org(db, slug, type=OrganisationType.COOPERATIVE)
    if constitution:
        organisations.update_constitution(db, org, changes=constitution, actor="test")
    return Org(org, {"MEMBERS": add_class(db, org, "MEMBERS", "member_class")})


def trust(db: Session, slug: str = "riverside") -> Org:
    """A foundation trust with a public constituency and a staff constituency."""
    org = make_org(db, slug, type=OrganisationType.FOUNDATION_TRUST)
    classes = {
        "PUBLIC": add_class(db, org, "PUBLIC", "public"),
        "STAFF": add_class(db, org, "STAFF", "staff"),
    }
    return Org(org, classes)


def office_holders(db: Session, org: Org, office: Office, members: list[Member]) -> None:
    assert org.organisation.id is not None
    for member in members:
        assert member.id is not None
        db.add(
            OfficeTerm(
                organisation_id=org.organisation.id,
                member_id=member.id,
                office=office.value,
                starts_on=JOINED,
                ends_on=date(2099, 1, 1),
            )
        )
    db.commit()


def meeting(
    db: Session,
    org: Org,
    kind: MeetingKind,
    *,
    status: MeetingStatus = MeetingStatus.CALLED,
    starts_in: timedelta = timedelta(days=14),
    title: str | None = None,
) -> Meeting:
    starts = utcnow() + starts_in
    assert org.organisation.id is not None
    row = Meeting(
        organisation_id=org.organisation.id,
        kind=kind.value,
        title=title or kind.label,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status=status.value,
        notice_published_at=utcnow() if status != MeetingStatus.DRAFT else None,
    )
    db.add(row)
    db.commit()
    return row


def set_meeting_status(engine: Engine, meeting_row: Meeting, status: MeetingStatus) -> None:
    with Session(engine) as db:
        found = db.get(Meeting, meeting_row.id)
        assert found is not None
        found.status = status.value
        db.add(found)
        db.commit()


def member_client(make_client: Callable[[], Client], engine: Engine, member: Member) -> Client:
    """A browser with a member's session (issued directly, as the magic link would)."""
    client = make_client()
    with Session(engine) as db:
        fresh = db.get(Member, member.id)
        assert fresh is not None
        token = sessions.issue(db, KEYS, client.app.state.settings, member=fresh)
        db.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return client


def secretary_client(
    make_client: Callable[[], Client], db: Session, org: Org, email: str | None = None
) -> Client:
    """An API client for the organisation's secretary (a bearer token: no CSRF needed)."""
    user = make_user(
        db, email or f"secretary@{org.slug}.example", roles={org.slug: [Role.SECRETARY]}
    )
    secret, _ = create_token(db, KEYS, user=user, name="tests", expires_in_days=None)
    db.commit()
    client = make_client()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def api(org: Org) -> str:
    return f"/api/orgs/{org.slug}"
