"""Meetings: setting one up, calling it (checking and giving notice), changing and cancelling it.

A meeting starts as a draft that nobody else can see. Calling it checks the notice rules
(``notice.py``) against today in the organisation's time zone; late notice, or an annual meeting
held too long after the last, goes ahead only with the secretary's reason, which is kept on the
meeting and in the audit log. Calling publishes the meeting (its page, the calendar feed) and
emails the people entitled to notice. Every change is audited in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import mailing, notice
from governance.meetings.kinds import ANNUAL_KINDS, MeetingKind, MeetingStatus, RequisitionStatus
from governance.meetings.models import Meeting, Requisition
from governance.meetings.schemas import MeetingIn, MeetingUpdate
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID

DEFAULT_LENGTH = timedelta(hours=2)
FURTHEST_AHEAD = timedelta(days=5 * 366)
HELD = (MeetingStatus.CALLED, MeetingStatus.OPEN, MeetingStatus.ADJOURNED, MeetingStatus.CLOSED)


def local_day(organisation: Organisation, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(organisation.time_zone)).date()


def meeting_of(session: Session, organisation: Organisation, meeting_id: int) -> Meeting:
    """The organisation's meeting; 404 for a missing one or another organisation's."""
    meeting = session.get(Meeting, meeting_id) if 1 <= meeting_id <= MAX_ID else None
    if meeting is None or meeting.organisation_id != organisation.id:
        raise NotFoundException()
    return meeting


def public_meeting(session: Session, organisation: Organisation, meeting_id: int) -> Meeting:
    """A meeting anyone may see: called (or later); a draft answers 404."""
    meeting = meeting_of(session, organisation, meeting_id)
    if not meeting.public:
        raise NotFoundException()
    return meeting


def meetings_of(
    session: Session, organisation: Organisation, *, public_only: bool = False
) -> list[Meeting]:
    query = select(Meeting).where(Meeting.organisation_id == organisation.id)
    if public_only:
        query = query.where(Meeting.status != MeetingStatus.DRAFT)
    return list(session.exec(query.order_by(col(Meeting.starts_at).desc())).all())


def root_of(session: Session, meeting: Meeting) -> Meeting:
    """The meeting an adjourned meeting continues (itself if it was never adjourned). Its
    agenda, papers and questions are the adjourned meeting's too."""
    seen = {meeting.id}
    while meeting.adjourned_from_id is not None:
        earlier = session.get(Meeting, meeting.adjourned_from_id)
        if earlier is None or earlier.id in seen:
            break
        seen.add(earlier.id)
        meeting = earlier
    return meeting


def adjourned_to(session: Session, meeting: Meeting) -> Meeting | None:
    return session.exec(select(Meeting).where(Meeting.adjourned_from_id == meeting.id)).first()


def previous_annual_on(
    session: Session, organisation: Organisation, meeting: Meeting
) -> date | None:
    """The day of the last annual meeting of the same kind before this one (adjourned
    continuations are the same meeting, so they do not count)."""
    if meeting.meeting_kind not in ANNUAL_KINDS:
        return None
    found = session.exec(
        select(Meeting.starts_at)
        .where(
            Meeting.organisation_id == organisation.id,
            Meeting.kind == meeting.kind,
            col(Meeting.status).in_(HELD),
            col(Meeting.adjourned_from_id).is_(None),
            col(Meeting.starts_at) < meeting.starts_at,
            Meeting.id != meeting.id,
        )
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    ).first()
    return local_day(organisation, found) if found else None


def notice_issues(
    session: Session, organisation: Organisation, meeting: Meeting, now: datetime
) -> list[notice.Issue]:
    """What the notice rules say about calling ``meeting`` today."""
    if meeting.adjourned_from_id is not None:
        return []
    reached_on = None
    if meeting.requisition_id is not None:
        requisition = session.get(Requisition, meeting.requisition_id)
        if requisition is not None and requisition.reached_at is not None:
            reached_on = local_day(organisation, requisition.reached_at)
    try:
        return notice.check(
            meeting.meeting_kind,
            organisation.constitution,
            notice_on=local_day(organisation, now),
            meeting_on=local_day(organisation, meeting.starts_at),
            previous_annual_on=previous_annual_on(session, organisation, meeting),
            requisition_reached_on=reached_on,
        )
    except ValueError as error:  # a year the working-day calendar does not vouch for
        return [notice.Issue("calendar", str(error), overridable=False)]


def _field_error(field: str, message: str) -> Invalid:
    return Invalid(
        "invalid-meeting", message, extra={"errors": [{"field": field, "message": message}]}
    )


def _check_times(
    starts_at: datetime, ends_at: datetime, deadline: datetime | None, now: datetime
) -> None:
    if ends_at <= starts_at:
        raise _field_error("ends_at", "The meeting must end after it starts.")
    if ends_at - starts_at > timedelta(days=2):
        raise _field_error("ends_at", "A meeting can last at most two days.")
    if starts_at > now + FURTHEST_AHEAD:
        raise _field_error("starts_at", "A meeting can be set up at most five years ahead.")
    if deadline is not None and deadline >= starts_at:
        raise _field_error(
            "questions_deadline", "The deadline for questions must be before the start."
        )


def _check_requisition(session: Session, organisation: Organisation, requisition_id: int) -> None:
    requisition = session.get(Requisition, requisition_id)
    if requisition is None or requisition.organisation_id != organisation.id:
        raise _field_error("requisition_id", "There is no such requisition.")
    if requisition.status != RequisitionStatus.REACHED:
        raise _field_error(
            "requisition_id", "Only a requisition that has reached its threshold can be answered."
        )


def create_meeting(
    session: Session, organisation: Organisation, data: MeetingIn, *, actor: str
) -> Meeting:
    """A draft meeting (commits)."""
    now = utcnow()
    ends_at = data.ends_at or data.starts_at + DEFAULT_LENGTH
    _check_times(data.starts_at, ends_at, data.questions_deadline, now)
    if data.requisition_id is not None:
        _check_requisition(session, organisation, data.requisition_id)
    assert organisation.id is not None
    meeting = Meeting(
        organisation_id=organisation.id,
        kind=data.kind.value,
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=ends_at,
        location=data.location,
        online_url=data.online_url,
        questions_deadline=data.questions_deadline,
        requisition_id=data.requisition_id,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="meeting.created",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"kind": meeting.kind, "title": meeting.title, "starts_at": meeting.starts_at},
    )
    session.commit()
    return meeting


def update_meeting(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    data: MeetingUpdate,
    *,
    actor: str,
) -> Meeting:
    """Change a draft freely, or a called meeting's words and place (commits)."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not changes:
        return meeting
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.CALLED):
        raise Conflict("meeting-held", "A meeting that has opened can no longer be changed.")
    moving = {"starts_at", "ends_at"} & set(changes)
    if meeting.status == MeetingStatus.CALLED and moving:
        raise Conflict(
            "notice-given",
            "Notice of this meeting has been given, so its time cannot change. Cancel it and "
            "call the meeting again with fresh notice.",
        )
    if changes.get("starts_at") is not None and "ends_at" not in changes:
        changes["ends_at"] = changes["starts_at"] + (meeting.ends_at - meeting.starts_at)
    for required in ("title", "starts_at", "ends_at"):
        if required in changes and changes[required] is None:
            raise _field_error(required, f"The {required.replace('_', ' ')} cannot be removed.")
    _check_times(
        changes.get("starts_at", meeting.starts_at),
        changes.get("ends_at", meeting.ends_at),
        changes.get("questions_deadline", meeting.questions_deadline),
        utcnow(),
    )
    for name, value in changes.items():
        setattr(
            meeting, name, "" if value is None and name in ("location", "description") else value
        )
    meeting.updated_at = utcnow()
    if meeting.status == MeetingStatus.CALLED:
        meeting.revision += 1
    session.add(meeting)
    audit.record(
        session,
        actor=actor,
        action="meeting.updated",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"changed": sorted(changes)},
    )
    session.commit()
    return meeting


def call_meeting(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    reason: str | None,
    actor: str,
    base_url: str,
) -> Meeting:
    """Give notice: check the rules, publish the meeting and email those entitled (commits).

    Refuses (422, with the issues) when the rules find a problem and no reason is given, or
    when a problem cannot be overridden. Notice is given once: a second call is a conflict.
    """
    now = utcnow()
    issues = notice_issues(session, organisation, meeting, now)
    blocking = [i for i in issues if not i.overridable]
    if blocking or (issues and not reason):
        raise Invalid(
            "notice-rules",
            " ".join(i.message for i in issues)
            + ("" if blocking else " Give a reason to go ahead anyway."),
            extra={"issues": [i.to_json() for i in issues]},
        )
    claimed = session.execute(
        update(Meeting)
        .where(col(Meeting.id) == meeting.id, col(Meeting.status) == MeetingStatus.DRAFT)
        .values(
            status=MeetingStatus.CALLED,
            notice_published_at=now,
            notice_issues=[i.to_json() for i in issues],
            late_notice_reason=reason if issues else None,
            called_by=actor,
            updated_at=now,
        )
    )
    if getattr(claimed, "rowcount", 0) != 1:
        session.rollback()
        raise Conflict("already-called", "Notice of this meeting has already been given.")
    session.refresh(meeting)
    if meeting.requisition_id is not None:
        _requisition_met(session, organisation, meeting, actor)
    sent = mailing.send_notice(session, organisation, meeting, base_url, now)
    audit.record(
        session,
        actor=actor,
        action="meeting.called",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={
            "issues": [i.code for i in issues],
            "late_notice_reason": meeting.late_notice_reason,
            "notices_queued": sent,
        },
    )
    session.commit()
    return meeting


def _requisition_met(
    session: Session, organisation: Organisation, meeting: Meeting, actor: str
) -> None:
    session.execute(
        update(Requisition)
        .where(
            col(Requisition.id) == meeting.requisition_id,
            col(Requisition.status) == RequisitionStatus.REACHED,
        )
        .values(status=RequisitionStatus.MET, closed_at=utcnow())
    )
    audit.record(
        session,
        actor=actor,
        action="requisition.met",
        organisation_id=organisation.id,
        object_type="requisition",
        object_id=meeting.requisition_id,
        detail={"meeting_id": meeting.id},
    )


def cancel_meeting(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    reason: str,
    actor: str,
    base_url: str,
) -> Meeting:
    """Cancel a meeting that has not opened; those given notice are told (commits)."""
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.CALLED):
        raise Conflict("meeting-held", "Only a meeting that has not opened can be cancelled.")
    was_called = meeting.status == MeetingStatus.CALLED
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.updated_at = utcnow()
    meeting.revision += 1
    session.add(meeting)
    sent = mailing.send_cancellation(session, organisation, meeting, base_url) if was_called else 0
    audit.record(
        session,
        actor=actor,
        action="meeting.cancelled",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"reason": reason, "notices_queued": sent},
    )
    session.commit()
    return meeting


def kind_choices() -> list[MeetingKind]:
    return list(MeetingKind)
