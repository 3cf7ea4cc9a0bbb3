"""Seeding for the meetings tests: an organisation with members on the register (membership
periods), a secretary, clients signed in as the secretary (API token or pages) or as a member
(emailed link), and a clock the tests move (``Clock.offset``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from governance.auth.models import User
from governance.db import utcnow
from governance.mail import OutboxMessage
from governance.meetings.models import Meeting
from governance.members import configuration, history
from governance.members.models import Constituency, Member
from governance.members.offices import Office, start_terms
from governance.members.schemas import ConstituencyIn
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import (
    make_member,
    make_org,
    make_user,
    staff_client,
)


@dataclass
class Org:
    org: Organisation
    constituency: Constituency
    secretary: User
    members: list[Member]


def enrol(
    db: Session, org: Organisation, constituency: Constituency, count: int, *, prefix: str = "m"
) -> list[Member]:
    made = [
        make_member(
            db,
            org,
            email=f"{prefix}{n}@{org.slug}.example",
            first_name=f"Member{n}",
            last_name=prefix.upper(),
            reference=f"{prefix.upper()}{n:04d}",
        )
        for n in range(1, count + 1)
    ]
    history.start_periods(
        db,
        [
            {
                "organisation_id": org.id,
                "member_id": m.id,
                "constituency_id": constituency.id,
                "start_date": utcnow().date() - timedelta(days=400),
                "start_reason": "joined",
            }
            for m in made
        ],
    )
    db.commit()
    return made


def make_body(
    db: Session,
    slug: str = "river-coop",
    *,
    members: int = 6,
    kind: OrganisationType = OrganisationType.COOPERATIVE,
    prefix: str = "m",
    **constitution: Any,
) -> Org:
    org = make_org(db, slug, type=kind)
    if constitution:
        organisations.update_constitution(db, org, changes=constitution, actor="test")
        db.refresh(org)
    code = "PUBLIC" if kind is OrganisationType.FOUNDATION_TRUST else "MEMBERS"
    constituency_kind = "public" if kind is OrganisationType.FOUNDATION_TRUST else "member_class"
    configuration.add_constituency(
        db,
        org,
        ConstituencyIn(code=code, name=code.title(), kind=constituency_kind),
        actor="test",  # type: ignore[arg-type]
    )
    found = configuration.by_code(db, org.id or 0, code)
    assert found is not None
    secretary = make_user(
        db, f"secretary@{slug}.example", roles={slug: [Role.SECRETARY]}, totp=True
    )
    return Org(org, found, secretary, enrol(db, org, found, members, prefix=prefix))


def appoint(db: Session, org: Organisation, members: list[Member], office: Office) -> None:
    start_terms(
        db,
        organisation_id=org.id or 0,
        member_ids=[m.id or 0 for m in members],
        office=office,
        starts_on=utcnow().date() - timedelta(days=30),
        years=3,
    )
    db.commit()


api_client = staff_client


def at_local(day: date, hour: int = 18, minute: int = 30) -> datetime:
    """A time on ``day`` in London, as an aware time (so the test says what a secretary types)."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/London"))


def meeting_body(starts_at: datetime, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "coop_agm",
        "title": "Annual general meeting",
        "starts_at": starts_at.isoformat(),
        "location": "The Hall, 1 High Street",
    }
    return body | changes


def create_meeting(
    client: Client, slug: str, starts_at: datetime, **changes: Any
) -> dict[str, Any]:
    response = client.post(f"/api/orgs/{slug}/meetings", json=meeting_body(starts_at, **changes))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def count(db: Session, model: Any) -> int:
    rows = len(db.exec(select(model)).all())
    db.commit()
    return rows


def outbox_to(db: Session, purpose: str) -> list[OutboxMessage]:
    rows = list(db.exec(select(OutboxMessage).where(OutboxMessage.purpose == purpose)).all())
    db.commit()
    return rows


def fresh(db: Session, meeting_id: int) -> Meeting:
    found = db.get(Meeting, meeting_id, populate_existing=True)
    assert found is not None
    db.commit()
    return found
