"""A member's own data: everything held about them, and erasure.

Erasure keeps the member row (status ``erased``) and the membership periods with their dates and
constituencies, so past counts, electorates and the foreign keys of voter rolls stay valid;
everything that identifies the person is blanked. The audit log is not touched (its entries
name members only by id) and ballots are never linked to members in the first place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from governance import audit
from governance.audit import AuditEntry
from governance.auth.models import AuthSession, MagicLink
from governance.db import utcnow
from governance.errors import Conflict
from governance.mail import OutboxMessage
from governance.members import history
from governance.members.models import (
    Constituency,
    ElectoralArea,
    EndReason,
    Member,
    MembershipPeriod,
    MemberStatus,
    SuitablePerson,
)
from governance.members.state import bump_version
from governance.organisations.models import Organisation

PERSONAL_FIELDS = (
    "email",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "postcode_key",
    "phone",
    "area_id",
    "gender",
    "ethnicity",
    "deprivation_decile",
    "last_attended_on",
)

# Voting information (credentials, replacements, reminders) goes only to those who have not yet
# voted, at moments that follow the voting: listing it would tell staff who voted. It is left out.
POLL_PURPOSES = ("election-credentials:", "election-reminder:")
POLL_MESSAGES_NOTE = (
    "Messages with voting information for elections are not listed: which of them you were "
    "sent would show whether you had voted."
)


def erase(
    session: Session, organisation: Organisation, member: Member, *, actor: str, today: date
) -> None:
    """Anonymise the member for good. Their membership, if current, ends today."""
    assert organisation.id is not None and member.id is not None
    if member.status == MemberStatus.ERASED:
        raise Conflict("member-erased", "This member's details were erased already.")
    bump_version(session, organisation.id)
    if member.active:
        history.end_periods(session, [member.id], today, EndReason.ERASED)
    session.execute(
        update(MembershipPeriod)
        .where(col(MembershipPeriod.member_id) == member.id)
        .values(end_note=None)
    )
    session.execute(delete(SuitablePerson).where(col(SuitablePerson.member_id) == member.id))
    session.execute(delete(AuthSession).where(col(AuthSession.member_id) == member.id))
    session.execute(delete(MagicLink).where(col(MagicLink.member_id) == member.id))
    if member.email:
        session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.organisation_id) == organisation.id,
                col(OutboxMessage.to_address) == member.email,
            )
        )
    for name in PERSONAL_FIELDS:
        setattr(member, name, None)
    member.first_name = "Erased"
    member.last_name = "member"
    member.first_name_key = ""
    member.last_name_key = ""
    member.contact_email = member.contact_post = member.contact_sms = False
    member.hide_from_public_register = True
    member.status = MemberStatus.ERASED.value
    member.erased_at = member.updated_at = utcnow()
    session.add(member)
    audit.record(
        session,
        actor=actor,
        action="member.erased",
        organisation_id=organisation.id,
        object_type="member",
        object_id=member.id,
    )
    session.commit()


def data_about(session: Session, organisation: Organisation, member: Member) -> dict[str, Any]:
    """Everything the service holds about one member, for them to download."""
    assert member.id is not None
    area = session.get(ElectoralArea, member.area_id) if member.area_id else None
    names = {
        c.id: c.name
        for c in session.exec(
            select(Constituency).where(Constituency.organisation_id == organisation.id)
        ).all()
    }
    details = member.model_dump(
        exclude={"id", "organisation_id", "first_name_key", "last_name_key", "postcode_key"}
    )
    details["area"] = area.name if area else None
    periods = [
        {
            "constituency": names.get(p.constituency_id, ""),
            "from": p.start_date,
            "why": p.start_reason,
            "until": p.end_date,
            "ended_because": p.end_reason,
            "note": p.end_note,
        }
        for p in history.periods_of(session, member.id)
    ]
    persons = [
        p.model_dump(exclude={"id", "organisation_id", "member_id"})
        for p in session.exec(
            select(SuitablePerson).where(SuitablePerson.member_id == member.id)
        ).all()
    ]
    events = [
        {"at": e.at, "action": e.action, "by": e.actor}
        for e in session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.organisation_id == organisation.id,
                AuditEntry.object_type == "member",
                AuditEntry.object_id == str(member.id),
            )
            .order_by(col(AuditEntry.seq))
        ).all()
    ]
    messages = []
    if member.email:
        messages = [
            {"subject": m.subject, "queued": m.created_at, "sent": m.sent_at, "status": m.status}
            for m in session.exec(
                select(OutboxMessage)
                .where(
                    OutboxMessage.organisation_id == organisation.id,
                    OutboxMessage.to_address == member.email,
                    *(~col(OutboxMessage.purpose).startswith(p) for p in POLL_PURPOSES),
                )
                .order_by(col(OutboxMessage.id))
            ).all()
        ]
    return {
        "organisation": organisation.name,
        "member": details,
        "membership": periods,
        "suitable_persons": persons,
        "changes_recorded": events,
        "emails": messages,
        "emails_not_listed": POLL_MESSAGES_NOTE,
        "produced_at": utcnow(),
    }
