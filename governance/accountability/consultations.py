"""Consultations: governors ask the members of their constituencies before a decision, members
respond online, governors record the council's view and the board records how it had regard
to it. The consultation, its figures, the council's view and the board's regard are published;
a response's text only where its author agreed, and never a name.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance.accountability import people
from governance.accountability.access import Staff, end_of_day, local_day
from governance.accountability.models import (
    Consultation,
    ConsultationConstituency,
    ConsultationResponse,
    ConsultationStatus,
    KeyDecision,
)
from governance.accountability.schemas import ConsultationIn, ResponseIn, StatementIn
from governance.accountability.service import owned, record
from governance.auth import ratelimit
from governance.db import utcnow
from governance.errors import Conflict, Invalid, Problem
from governance.members import configuration
from governance.members.models import Member
from governance.members.queries import current_constituencies
from governance.organisations.models import Organisation
from governance.security import Keys

PER_MEMBER = ratelimit.Limit("consultation-response:member", 20, 60 * 60)


def is_open(consultation: Consultation, now: datetime) -> bool:
    return consultation.status == ConsultationStatus.OPEN and now < consultation.closes_at


def shown_status(consultation: Consultation, now: datetime) -> ConsultationStatus:
    """Open until its closing time has passed, whether or not anything has run since."""
    if consultation.status == ConsultationStatus.OPEN and now >= consultation.closes_at:
        return ConsultationStatus.CLOSED
    return ConsultationStatus(consultation.status)


def constituency_ids(session: Session, consultation_id: int) -> list[int]:
    return list(
        session.exec(
            select(ConsultationConstituency.constituency_id).where(
                ConsultationConstituency.consultation_id == consultation_id
            )
        ).all()
    )


def open_consultation(session: Session, who: Staff, data: ConsultationIn) -> Consultation:
    """Open a consultation now, closing at the end of ``closes_on`` (local time)."""
    organisation = who.organisation
    assert organisation.id is not None
    now = utcnow()
    today = local_day(organisation, now)
    if data.closes_on <= today:
        raise Invalid("closes-too-soon", "The closing date must be after today.")
    if data.closes_on > today + timedelta(days=366):
        raise Invalid("closes-too-late", "A consultation can run for a year at most.")
    if data.decision_id is not None:
        owned(session, KeyDecision, organisation, data.decision_id)
    chosen = []
    for code in dict.fromkeys(c.strip() for c in data.constituencies if c.strip()):
        found = configuration.by_code(session, organisation.id, code)
        if found is None or found.id is None:
            raise Invalid("unknown-constituency", f"There is no constituency {code!r}.")
        chosen.append(found.id)
    if not chosen:
        raise Invalid("constituency-needed", "Choose at least one constituency.")
    consultation = Consultation(
        organisation_id=organisation.id,
        decision_id=data.decision_id,
        title=data.title,
        question=data.question,
        status=ConsultationStatus.OPEN,
        opened_at=now,
        closes_at=end_of_day(organisation, data.closes_on),
        created_by=who.actor,
    )
    session.add(consultation)
    session.flush()
    assert consultation.id is not None
    for constituency_id in chosen:
        session.add(
            ConsultationConstituency(
                consultation_id=consultation.id, constituency_id=constituency_id
            )
        )
    record(
        session, organisation, who.actor, "consultation_opened", consultation,
        constituencies=chosen, closes_at=consultation.closes_at,
    )  # fmt: skip
    session.commit()
    return consultation


def consultations(
    session: Session, organisation: Organisation, *, public: bool = False
) -> list[Consultation]:
    query = select(Consultation).where(Consultation.organisation_id == organisation.id)
    if public:
        query = query.where(Consultation.status != ConsultationStatus.DRAFT.value)
    return list(session.exec(query.order_by(col(Consultation.closes_at).desc())).all())


def may_respond(session: Session, consultation: Consultation, member: Member) -> int | None:
    """The member's constituency id if they are among those consulted, else None."""
    if not member.active or member.organisation_id != consultation.organisation_id:
        return None
    organisation = session.get(Organisation, consultation.organisation_id)
    assert organisation is not None and consultation.id is not None
    (own,) = current_constituencies(session, [member], local_day(organisation))
    if own is None or own.id is None:
        return None
    asked = set(constituency_ids(session, consultation.id))
    family = people.constituency_family(session, own.id)
    return own.id if asked & family else None


def respond(
    session: Session,
    keys: Keys,
    organisation: Organisation,
    consultation: Consultation,
    *,
    member: Member,
    data: ResponseIn,
) -> ConsultationResponse:
    assert consultation.id is not None and member.id is not None
    actor = f"member:{member.id}"
    ratelimit.enforce(session, keys, PER_MEMBER, str(member.id), actor=actor)
    if not is_open(consultation, utcnow()):
        raise Conflict("consultation-closed", "This consultation is closed.")
    constituency_id = may_respond(session, consultation, member)
    if constituency_id is None:
        raise Problem(
            403,
            "not-consulted",
            "This consultation is for members of other constituencies.",
        )
    response = ConsultationResponse(
        consultation_id=consultation.id,
        member_id=member.id,
        constituency_id=constituency_id,
        body=data.body,
        publish_text=data.publish_text,
    )
    session.add(response)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("already-responded", "You have already responded to this.") from None
    record(
        session, organisation, actor, "consultation_response", consultation,
        response_id=response.id, publish_text=data.publish_text,
    )  # fmt: skip
    session.commit()
    return response


def has_responded(session: Session, consultation_id: int, member_id: int) -> bool:
    return (
        session.exec(
            select(ConsultationResponse.id).where(
                ConsultationResponse.consultation_id == consultation_id,
                ConsultationResponse.member_id == member_id,
            )
        ).first()
        is not None
    )


def responses(session: Session, consultation_id: int) -> list[ConsultationResponse]:
    return list(
        session.exec(
            select(ConsultationResponse)
            .where(ConsultationResponse.consultation_id == consultation_id)
            .order_by(col(ConsultationResponse.submitted_at))
        ).all()
    )


def response_counts(session: Session, consultation_id: int) -> Counter[int]:
    """Responses per constituency id."""
    return Counter(r.constituency_id for r in responses(session, consultation_id))


def record_council_view(
    session: Session, who: Staff, consultation: Consultation, data: StatementIn
) -> Consultation:
    if consultation.status == ConsultationStatus.DRAFT:
        raise Conflict("consultation-draft", "Open the consultation first.")
    consultation.council_view = data.text
    consultation.council_view_at = utcnow()
    session.add(consultation)
    record(session, who.organisation, who.actor, "council_view_recorded", consultation)
    session.commit()
    return consultation


def record_board_regard(
    session: Session, who: Staff, consultation: Consultation, data: StatementIn
) -> Consultation:
    if not consultation.council_view_at:
        raise Conflict("view-needed", "The council's view must be recorded first.")
    consultation.board_regard = data.text
    consultation.board_regard_at = utcnow()
    session.add(consultation)
    record(session, who.organisation, who.actor, "board_regard_recorded", consultation)
    session.commit()
    return consultation
