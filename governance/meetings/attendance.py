"""Registering attendance: staff at the door (in person), members themselves (online).

Attendance opens an hour before the start and stays open while the meeting is. Only someone on
the register on the day can be registered as a member, and only someone holding the office on
the day as a governor or director; whoever is registered in which capacity is what the quorum
counts. Someone who leaves is marked as gone rather than deleted, and can come back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import body
from governance.meetings.conduct import OPENS_BEFORE_START, Quorum, check_quorum
from governance.meetings.kinds import AttendanceMode, Capacity, MeetingKind, MeetingStatus
from governance.meetings.models import Attendance, Meeting
from governance.meetings.service import local_day
from governance.members.models import Member, MemberStatus
from governance.members.offices import Office
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID

USUAL_CAPACITY = {
    MeetingKind.COUNCIL_OF_GOVERNORS: Capacity.GOVERNOR,
    MeetingKind.BOARD_IN_PUBLIC: Capacity.DIRECTOR,
}


def attendance_open(meeting: Meeting, now: datetime) -> bool:
    if meeting.status == MeetingStatus.OPEN:
        return True
    return meeting.status == MeetingStatus.CALLED and now >= meeting.starts_at - OPENS_BEFORE_START


def _refuse(slug: str, message: str) -> Invalid:
    return Invalid(
        slug, message, extra={"errors": [{"field": "member_reference", "message": message}]}
    )


def _capacity(
    session: Session,
    meeting: Meeting,
    member: Member,
    *,
    wanted: Capacity | None,
    now: datetime,
    organisation: Organisation,
) -> Capacity:
    day = local_day(organisation, now)
    usual = USUAL_CAPACITY.get(meeting.meeting_kind)
    if wanted is None and usual is not None:
        office = Office.GOVERNOR if usual is Capacity.GOVERNOR else Office.DIRECTOR
        wanted = usual if body.holds_office(session, member, day, office) else Capacity.MEMBER
    wanted = wanted or Capacity.MEMBER
    if wanted is Capacity.MEMBER:
        if member.status != MemberStatus.ACTIVE or not body.is_member_on(session, member, day):
            raise _refuse("not-a-member", f"{member.display_name} is not a member today.")
        return wanted
    office = Office.GOVERNOR if wanted is Capacity.GOVERNOR else Office.DIRECTOR
    if not body.holds_office(session, member, day, office):
        raise _refuse(
            "not-an-office-holder", f"{member.display_name} is not a {office.value} today."
        )
    return wanted


def register(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    member: Member,
    *,
    mode: AttendanceMode,
    actor: str,
    capacity: Capacity | None = None,
) -> tuple[Attendance, Quorum]:
    """Record ``member`` as present (commits); the quorum as it now stands."""
    now = utcnow()
    if member.organisation_id != organisation.id:
        raise _refuse("not-a-member", "That person is not a member of this organisation.")
    if not attendance_open(meeting, now):
        raise Conflict(
            "attendance-closed",
            "Attendance can be registered from an hour before the start while the meeting is open.",
        )
    counted_as = _capacity(
        session, meeting, member, wanted=capacity, now=now, organisation=organisation
    )
    found = session.exec(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.member_id == member.id
        )
    ).first()
    if found is not None and found.left_at is None:
        raise Conflict(
            "already-registered", f"{member.display_name} is already registered as present."
        )
    attendance = found or Attendance(
        meeting_id=meeting.id or 0, member_id=member.id or 0, mode=mode
    )
    attendance.mode = mode.value
    attendance.capacity = counted_as.value
    attendance.registered_at = now
    attendance.registered_by = actor
    attendance.left_at = None
    session.add(attendance)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "already-registered", f"{member.display_name} is already registered."
        ) from None
    quorum = check_quorum(session, organisation, meeting)
    audit.record(
        session,
        actor=actor,
        action="meeting.attendance_registered",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"member_id": member.id, "mode": mode.value, "capacity": counted_as.value},
    )
    session.commit()
    return attendance, quorum


def leave(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    attendance_id: int,
    *,
    actor: str,
) -> Attendance:
    attendance = session.get(Attendance, attendance_id) if 1 <= attendance_id <= MAX_ID else None
    if attendance is None or attendance.meeting_id != meeting.id:
        raise Invalid("no-such-attendance", "That person is not registered at this meeting.")
    if attendance.left_at is not None:
        raise Conflict("already-left", "That person has already left.")
    attendance.left_at = utcnow()
    session.add(attendance)
    audit.record(
        session,
        actor=actor,
        action="meeting.attendance_left",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"member_id": attendance.member_id},
    )
    session.commit()
    return attendance


def attendees(session: Session, meeting: Meeting) -> list[tuple[Attendance, Member]]:
    rows = session.exec(
        select(Attendance, Member)
        .join(Member, col(Member.id) == col(Attendance.member_id))
        .where(Attendance.meeting_id == meeting.id)
        .order_by(col(Attendance.registered_at), col(Attendance.id))
    ).all()
    return [(a, m) for a, m in rows]


def attendance_of(session: Session, meeting: Meeting, member: Member) -> Attendance | None:
    return session.exec(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.member_id == member.id
        )
    ).first()
