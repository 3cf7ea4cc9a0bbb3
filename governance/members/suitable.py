"""Suitable persons: someone recorded as acting for a direct-payments mutual's member who
lacks capacity (RULES.md section 1)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from governance.errors import Conflict, Invalid
from governance.members.models import Member, SuitablePerson
from governance.members.normalise import tidy
from governance.members.schemas import SuitablePersonIn
from governance.members.service import audit_change, check_email
from governance.members.state import bump_version
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation


def suitable_persons(session: Session, member_id: int) -> list[SuitablePerson]:
    return list(
        session.exec(
            select(SuitablePerson)
            .where(SuitablePerson.member_id == member_id)
            .order_by(col(SuitablePerson.since))
        ).all()
    )


def add_suitable_person(
    session: Session,
    organisation: Organisation,
    member: Member,
    data: SuitablePersonIn,
    *,
    actor: str,
    today: date,
) -> SuitablePerson:
    """Record someone acting for a mutual's member who lacks capacity."""
    assert organisation.id is not None and member.id is not None
    if organisation.kind is not OrganisationType.DIRECT_PAYMENTS_MUTUAL:
        raise Invalid("not-a-mutual", "Suitable persons are recorded for mutuals' members only.")
    if not member.active:
        raise Conflict("not-a-member", "This person is not a current member.")
    bump_version(session, organisation.id)
    person = SuitablePerson(
        organisation_id=organisation.id,
        member_id=member.id,
        name=tidy(data.name, 200),
        relationship=tidy(data.relationship, 100),
        email=check_email(data.email),
        phone=tidy(data.phone, 32) or None,
        address=tidy(data.address, 500) or None,
        since=data.since or today,
    )
    session.add(person)
    session.flush()
    audit_change(session, organisation, member, actor, "member.suitable_person_added", id=person.id)
    session.commit()
    return person


def end_suitable_person(
    session: Session,
    organisation: Organisation,
    member: Member,
    person_id: int,
    *,
    actor: str,
    today: date,
) -> None:
    assert organisation.id is not None
    person = session.get(SuitablePerson, person_id)
    if person is None or person.member_id != member.id or person.ended_on is not None:
        raise Invalid("unknown-suitable-person", "There is no such suitable person to end.")
    bump_version(session, organisation.id)
    person.ended_on = today
    session.add(person)
    audit_change(session, organisation, member, actor, "member.suitable_person_ended", id=person_id)
    session.commit()
