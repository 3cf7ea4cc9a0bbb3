"""Minutes: drafted after a meeting, approved at a later meeting of the same body, published.

Draft minutes can be changed until they are approved; approval names the meeting that approved
them (held later, by the same body: members' meetings approve members' meetings, the council
its own, the board its own). Published minutes are listed with the results of the meeting's
votes (``hooks.results_of``).
"""

from __future__ import annotations

from sqlmodel import Session

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings.body import body_of
from governance.meetings.kinds import MeetingStatus, MinutesStatus
from governance.meetings.models import Meeting, Minutes
from governance.organisations.models import Organisation

HAS_BEEN_HELD = (MeetingStatus.OPEN, MeetingStatus.ADJOURNED, MeetingStatus.CLOSED)


def minutes_of(session: Session, meeting: Meeting) -> Minutes | None:
    return session.get(Minutes, meeting.id)


def _record(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    action: str,
    actor: str,
    **detail: object,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"meeting.minutes_{action}",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail=detail,
    )


def save_draft(
    session: Session, organisation: Organisation, meeting: Meeting, text: str, *, actor: str
) -> Minutes:
    if meeting.status not in HAS_BEEN_HELD:
        raise Conflict("not-held", "Minutes can be written once the meeting has opened.")
    minutes = minutes_of(session, meeting)
    if minutes is not None and minutes.status != MinutesStatus.DRAFT:
        raise Conflict("minutes-approved", "Approved minutes cannot be changed.")
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id or 0, text=text, drafted_by=actor)
    minutes.text = text
    minutes.updated_at = utcnow()
    session.add(minutes)
    _record(session, organisation, meeting, "saved", actor, characters=len(text))
    session.commit()
    return minutes


def approve(
    session: Session, organisation: Organisation, meeting: Meeting, at: Meeting, *, actor: str
) -> Minutes:
    """Record that meeting ``at`` approved the draft minutes of ``meeting`` (commits)."""
    minutes = minutes_of(session, meeting)
    if minutes is None or minutes.status != MinutesStatus.DRAFT:
        raise Conflict("no-draft", "There are no draft minutes to approve.")
    errors = []
    if at.organisation_id != organisation.id or at.id == meeting.id:
        errors.append("Choose a later meeting of this organisation.")
    elif at.starts_at <= meeting.starts_at:
        errors.append("Minutes are approved at a later meeting.")
    elif body_of(at.meeting_kind) is not body_of(meeting.meeting_kind):
        errors.append("Minutes are approved by a meeting of the same body.")
    elif at.status not in HAS_BEEN_HELD:
        errors.append("The approving meeting has not been held yet.")
    if errors:
        raise Invalid(
            "invalid-approval",
            errors[0],
            extra={"errors": [{"field": "at_meeting_id", "message": errors[0]}]},
        )
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at_meeting_id = at.id
    minutes.approved_at = utcnow()
    session.add(minutes)
    _record(session, organisation, meeting, "approved", actor, at_meeting_id=at.id)
    session.commit()
    return minutes


def publish(
    session: Session, organisation: Organisation, meeting: Meeting, *, actor: str
) -> Minutes:
    minutes = minutes_of(session, meeting)
    if minutes is None or minutes.status != MinutesStatus.APPROVED:
        raise Conflict("not-approved", "Only approved minutes can be published.")
    minutes.status = MinutesStatus.PUBLISHED
    minutes.published_at = utcnow()
    session.add(minutes)
    _record(session, organisation, meeting, "published", actor)
    session.commit()
    return minutes


def later_meetings(session: Session, meeting: Meeting, candidates: list[Meeting]) -> list[Meeting]:
    """The meetings that could approve ``meeting``'s minutes, from ``candidates``."""
    return [
        m
        for m in candidates
        if m.id != meeting.id
        and m.starts_at > meeting.starts_at
        and m.status in HAS_BEEN_HELD
        and body_of(m.meeting_kind) is body_of(meeting.meeting_kind)
    ]
