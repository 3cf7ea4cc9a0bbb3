"""Members requisitioning a general meeting (RULES.md section 5: 10% of members by default).

A member starts a requisition with its purpose; other members sign it online, once each. The
threshold is ``requisition_percent`` (kept on the requisition as it was when it started) of the
number of members on the day of each signature, rounded up, so a register that grows or shrinks
while signatures are collected is counted as it stands. When the signatures reach it, the
requisition is marked as reached (a conditional UPDATE, so it happens once) and the secretaries
are emailed; calling a meeting in answer marks it as met.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar.exceptions import NotFoundException
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import body, mailing
from governance.meetings.kinds import RequisitionStatus
from governance.meetings.models import Meeting, Requisition, RequisitionSignature
from governance.meetings.quorum import Body
from governance.meetings.service import local_day
from governance.members.models import Member, MemberStatus
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID


@dataclass(frozen=True)
class Progress:
    signatures: int
    members: int
    required: int

    @property
    def reached(self) -> bool:
        return self.signatures >= self.required


def required_signatures(percent: int, members: int) -> int:
    """``percent`` of ``members``, rounded up; at least one."""
    return max(1, -(-percent * members // 100))


def requisition_of(
    session: Session, organisation: Organisation, requisition_id: int
) -> Requisition:
    found = session.get(Requisition, requisition_id) if 1 <= requisition_id <= MAX_ID else None
    if found is None or found.organisation_id != organisation.id:
        raise NotFoundException()
    return found


def requisitions_of(session: Session, organisation: Organisation) -> list[Requisition]:
    return list(
        session.exec(
            select(Requisition)
            .where(Requisition.organisation_id == organisation.id)
            .order_by(col(Requisition.started_at).desc())
        ).all()
    )


def progress(
    session: Session, organisation: Organisation, requisition: Requisition, day: date | None = None
) -> Progress:
    assert organisation.id is not None
    members = (
        requisition.members_when_reached
        if requisition.members_when_reached is not None
        else body.size_on(
            session, organisation.id, Body.MEMBERS, day or local_day(organisation, utcnow())
        )
    )
    return Progress(
        requisition.signatures, members, required_signatures(requisition.threshold_percent, members)
    )


def answered_by(session: Session, requisition: Requisition) -> Meeting | None:
    return session.exec(
        select(Meeting).where(Meeting.requisition_id == requisition.id).order_by(col(Meeting.id))
    ).first()


def has_signed(session: Session, requisition: Requisition, member: Member) -> bool:
    found = session.exec(
        select(RequisitionSignature.id).where(
            RequisitionSignature.requisition_id == requisition.id,
            RequisitionSignature.member_id == member.id,
        )
    ).first()
    return found is not None


def _eligible(session: Session, organisation: Organisation, member: Member) -> None:
    day = local_day(organisation, utcnow())
    if (
        member.organisation_id != organisation.id
        or member.status != MemberStatus.ACTIVE
        or not body.is_member_on(session, member, day)
    ):
        raise Invalid(
            "not-a-member", "Only members can requisition a meeting or sign a requisition."
        )


def start(
    session: Session, organisation: Organisation, member: Member, purpose: str
) -> Requisition:
    """A new requisition, signed by the member who starts it (commits)."""
    _eligible(session, organisation, member)
    assert organisation.id is not None and member.id is not None
    requisition = Requisition(
        organisation_id=organisation.id,
        started_by_member_id=member.id,
        purpose=purpose,
        threshold_percent=organisation.constitution.requisition_percent,
    )
    session.add(requisition)
    session.flush()
    audit.record(
        session,
        actor=f"member:{member.id}",
        action="requisition.started",
        organisation_id=organisation.id,
        object_type="requisition",
        object_id=requisition.id,
        detail={"threshold_percent": requisition.threshold_percent},
    )
    _add_signature(session, organisation, requisition, member)
    session.commit()
    return requisition


def sign(
    session: Session, organisation: Organisation, requisition: Requisition, member: Member
) -> Progress:
    """Add the member's signature, once (commits); the count as it now stands."""
    _eligible(session, organisation, member)
    if requisition.status != RequisitionStatus.COLLECTING:
        raise Conflict("requisition-closed", "This requisition is no longer collecting signatures.")
    if has_signed(session, requisition, member):
        raise Conflict("already-signed", "You have already signed this requisition.")
    result = _add_signature(session, organisation, requisition, member)
    session.commit()
    return result


def _add_signature(
    session: Session, organisation: Organisation, requisition: Requisition, member: Member
) -> Progress:
    session.add(RequisitionSignature(requisition_id=requisition.id or 0, member_id=member.id or 0))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("already-signed", "You have already signed this requisition.") from None
    count = session.exec(
        select(func.count()).where(RequisitionSignature.requisition_id == requisition.id)
    ).one()
    requisition.signatures = int(count)
    session.add(requisition)
    audit.record(
        session,
        actor=f"member:{member.id}",
        action="requisition.signed",
        organisation_id=organisation.id,
        object_type="requisition",
        object_id=requisition.id,
        detail={"signatures": requisition.signatures},
    )
    now_progress = progress(session, organisation, requisition)
    if now_progress.reached:
        _reached(session, organisation, requisition, now_progress)
    return now_progress


def _reached(
    session: Session, organisation: Organisation, requisition: Requisition, found: Progress
) -> None:
    now = utcnow()
    result = session.execute(
        update(Requisition)
        .where(
            col(Requisition.id) == requisition.id,
            col(Requisition.status) == RequisitionStatus.COLLECTING,
        )
        .values(
            status=RequisitionStatus.REACHED, reached_at=now, members_when_reached=found.members
        )
    )
    if getattr(result, "rowcount", 0) != 1:
        return
    requisition.status = RequisitionStatus.REACHED
    requisition.reached_at = now
    requisition.members_when_reached = found.members
    mailing.tell_secretaries(
        session,
        organisation,
        "A requisition for a general meeting has reached its threshold",
        f"{found.signatures} members have signed a requisition for a general meeting, reaching "
        f"the {requisition.threshold_percent}% needed ({found.required} of {found.members} "
        f"members).\n\nWhat it asks the meeting to consider:\n{requisition.purpose}\n\n"
        "Call the meeting from the meetings pages, choosing this requisition.",
        f"requisition:{requisition.id}",
    )
    audit.record(
        session,
        actor="system",
        action="requisition.reached",
        organisation_id=organisation.id,
        object_type="requisition",
        object_id=requisition.id,
        detail={
            "signatures": found.signatures,
            "members": found.members,
            "required": found.required,
        },
    )


def withdraw(
    session: Session, organisation: Organisation, requisition: Requisition, *, actor: str
) -> None:
    """The member who started it, or the secretary, withdraws a requisition still collecting."""
    if requisition.status != RequisitionStatus.COLLECTING:
        raise Conflict(
            "requisition-closed", "Only a requisition still collecting can be withdrawn."
        )
    requisition.status = RequisitionStatus.WITHDRAWN
    requisition.closed_at = utcnow()
    session.add(requisition)
    audit.record(
        session,
        actor=actor,
        action="requisition.withdrawn",
        organisation_id=organisation.id,
        object_type="requisition",
        object_id=requisition.id,
    )
    session.commit()
