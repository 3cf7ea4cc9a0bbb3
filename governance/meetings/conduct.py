"""Holding a meeting: opening it, the live quorum, adjournment and closing.

Opening a meeting records the body as it stands that day (members, governors and directors on
the register) and the quorum rule in force, so the quorum and any "of all" threshold can be
checked later against what was true at the time. The quorum is evaluated from the attendance on
every request; the first moment it is present is kept (``quorate_at``). A meeting still without
its quorum when the time allowed has passed stands adjourned (``adjourn_inquorate``, run by the
dashboard and by a scheduled job): it resumes a week later at the same local time, or is
dissolved when it was already an adjourned meeting, or was requisitioned and the constitution
says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import body, hooks, mailing
from governance.meetings.kinds import Capacity, MeetingStatus
from governance.meetings.models import Attendance, Meeting
from governance.meetings.quorum import (
    Body,
    QuorumRule,
    QuorumState,
    Tally,
    adjourned_start,
    adjournment_due_at,
    evaluate,
    must_adjourn,
    rule_for,
)
from governance.meetings.service import local_day
from governance.organisations.models import Organisation

OPENS_BEFORE_START = timedelta(hours=1)
COUNTED_CAPACITY = {
    Body.MEMBERS: None,  # everyone registered is a member
    Body.GOVERNORS: Capacity.GOVERNOR,
    Body.DIRECTORS: Capacity.DIRECTOR,
}


@dataclass(frozen=True)
class Quorum:
    rule: QuorumRule
    tally: Tally
    state: QuorumState
    adjourns_at: datetime | None


def rule_of(organisation: Organisation, meeting: Meeting) -> QuorumRule:
    if meeting.quorum_rule:
        return QuorumRule.from_json(meeting.quorum_rule)
    adjourned = meeting.adjourned_from_id is not None
    return rule_for(meeting.meeting_kind, organisation.constitution, adjourned=adjourned)


def _body_size(session: Session, organisation: Organisation, meeting: Meeting, which: Body) -> int:
    stored = {
        Body.MEMBERS: meeting.body_size,
        Body.GOVERNORS: meeting.body_governors,
        Body.DIRECTORS: meeting.body_directors,
    }[which]
    if stored is not None:
        return stored
    assert organisation.id is not None
    return body.size_on(session, organisation.id, which, local_day(organisation, utcnow()))


def present_ids(session: Session, meeting: Meeting, which: Body) -> frozenset[int]:
    query = select(Attendance.member_id).where(
        Attendance.meeting_id == meeting.id, col(Attendance.left_at).is_(None)
    )
    capacity = COUNTED_CAPACITY[which]
    if capacity is not None:
        query = query.where(Attendance.capacity == capacity)
    return frozenset(session.exec(query).all())


def quorum_of(session: Session, organisation: Organisation, meeting: Meeting) -> Quorum:
    rule = rule_of(organisation, meeting)
    present = present_ids(session, meeting, rule.body)
    proxies = hooks.proxies_present(session, meeting, present) if rule.counts_proxies else 0
    tally = Tally(_body_size(session, organisation, meeting, rule.body), len(present), proxies)
    state = evaluate(rule, tally)
    waiting = meeting.quorate_at is None and meeting.status == MeetingStatus.OPEN
    return Quorum(
        rule, tally, state, adjournment_due_at(rule, meeting.starts_at) if waiting else None
    )


def mark_quorate(session: Session, meeting: Meeting, now: datetime) -> bool:
    """Record the first moment the quorum was present (in the caller's transaction)."""
    result = session.execute(
        update(Meeting)
        .where(
            col(Meeting.id) == meeting.id,
            col(Meeting.status) == MeetingStatus.OPEN,
            col(Meeting.quorate_at).is_(None),
        )
        .values(quorate_at=now)
    )
    if getattr(result, "rowcount", 0) == 1:
        meeting.quorate_at = now
        return True
    return False


def check_quorum(session: Session, organisation: Organisation, meeting: Meeting) -> Quorum:
    """The quorum now, recording it if it has just been reached (caller commits)."""
    quorum = quorum_of(session, organisation, meeting)
    if quorum.state.quorate and meeting.status == MeetingStatus.OPEN:
        mark_quorate(session, meeting, utcnow())
    return quorum


def _transition(
    session: Session,
    meeting: Meeting,
    expected: tuple[MeetingStatus, ...],
    status: MeetingStatus,
    *,
    now: datetime,
    conflict: Conflict,
) -> None:
    """Move the meeting on with a conditional UPDATE, so two people (or the scheduler) acting
    at once cannot both do it; the loser gets ``conflict`` and nothing is written."""
    result = session.execute(
        update(Meeting)
        .where(col(Meeting.id) == meeting.id, col(Meeting.status).in_(expected))
        .values(status=status, updated_at=now, revision=Meeting.revision + 1)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        raise conflict
    session.refresh(meeting)


def _snapshot(
    session: Session, organisation: Organisation, meeting: Meeting, now: datetime
) -> None:
    assert organisation.id is not None
    day = local_day(organisation, now)
    meeting.body_on = day
    meeting.body_size = body.size_on(session, organisation.id, Body.MEMBERS, day)
    meeting.body_governors = body.size_on(session, organisation.id, Body.GOVERNORS, day)
    meeting.body_directors = body.size_on(session, organisation.id, Body.DIRECTORS, day)
    meeting.quorum_rule = rule_of(organisation, meeting).to_json()


def open_meeting(
    session: Session, organisation: Organisation, meeting: Meeting, *, actor: str
) -> Meeting:
    """Open a called meeting, from an hour before its start (commits)."""
    now = utcnow()
    if now < meeting.starts_at - OPENS_BEFORE_START:
        raise Conflict("too-early", "A meeting can be opened from an hour before its start.")
    refused = Conflict("not-called", "Only a called meeting that has not opened can be opened.")
    _transition(
        session, meeting, (MeetingStatus.CALLED,), MeetingStatus.OPEN, now=now, conflict=refused
    )
    _snapshot(session, organisation, meeting, now)
    meeting.opened_at = now
    session.add(meeting)
    session.flush()
    quorum = check_quorum(session, organisation, meeting)
    audit.record(
        session,
        actor=actor,
        action="meeting.opened",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={
            "body_on": meeting.body_on,
            "members": meeting.body_size,
            "governors": meeting.body_governors,
            "directors": meeting.body_directors,
            "quorum": quorum.state.explanation,
        },
    )
    session.commit()
    return meeting


def close_meeting(
    session: Session, organisation: Organisation, meeting: Meeting, *, actor: str
) -> Meeting:
    now = utcnow()
    refused = Conflict("not-open", "Only an open meeting can be closed.")
    _transition(
        session, meeting, (MeetingStatus.OPEN,), MeetingStatus.CLOSED, now=now, conflict=refused
    )
    meeting.closed_at = now
    session.add(meeting)
    audit.record(
        session,
        actor=actor,
        action="meeting.closed",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
    )
    session.commit()
    return meeting


def _dissolves(organisation: Organisation, meeting: Meeting) -> bool:
    """An inquorate meeting that is not adjourned again: an adjourned one, or a requisitioned
    one when the constitution says so."""
    if meeting.adjourned_from_id is not None:
        return True
    constitution = organisation.constitution
    return meeting.requisition_id is not None and constitution.requisitioned_inquorate_dissolves


def _resumed(
    organisation: Organisation, meeting: Meeting, starts_at: datetime, now: datetime
) -> Meeting:
    return Meeting(
        organisation_id=meeting.organisation_id,
        kind=meeting.kind,
        title=meeting.title if "(adjourned)" in meeting.title else f"{meeting.title} (adjourned)",
        description=meeting.description,
        starts_at=starts_at,
        ends_at=starts_at + (meeting.ends_at - meeting.starts_at),
        location=meeting.location,
        online_url=meeting.online_url,
        status=MeetingStatus.CALLED,
        requisition_id=meeting.requisition_id,
        adjourned_from_id=meeting.id,
        notice_published_at=now,
        called_by=meeting.called_by,
    )


def adjourn_meeting(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    reason: str,
    actor: str,
    base_url: str,
    starts_at: datetime | None = None,
    inquorate: bool = False,
) -> Meeting | None:
    """Adjourn a called or open meeting (commits). Returns the meeting it resumes as, or None
    when it is dissolved instead."""
    now = utcnow()
    if starts_at is not None and starts_at <= now:
        message = "The adjourned meeting must resume in the future."
        errors = [{"field": "starts_at", "message": message}]
        raise Invalid("invalid-meeting", message, extra={"errors": errors})
    dissolved = inquorate and _dissolves(organisation, meeting)
    status = MeetingStatus.CLOSED if dissolved else MeetingStatus.ADJOURNED
    refused = Conflict("not-open", "Only a called or open meeting can be adjourned.")
    _transition(
        session,
        meeting,
        (MeetingStatus.CALLED, MeetingStatus.OPEN),
        status,
        now=now,
        conflict=refused,
    )
    if meeting.body_on is None:
        _snapshot(session, organisation, meeting, now)
    meeting.adjourned_at = now
    meeting.adjournment_reason = f"{reason}. The meeting is dissolved." if dissolved else reason
    session.add(meeting)
    resumed = None
    if not dissolved:
        days = organisation.constitution.adjourn_to_days
        when = starts_at or adjourned_start(meeting.starts_at, days, organisation.time_zone)
        resumed = _resumed(organisation, meeting, when, now)
        session.add(resumed)
        session.flush()
    sent = mailing.send_adjournment(
        session, organisation, meeting, resumed, base_url=base_url, now=now
    )
    audit.record(
        session,
        actor=actor,
        action="meeting.adjourned",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={
            "reason": reason,
            "inquorate": inquorate,
            "dissolved": dissolved,
            "resumes_as": resumed.id if resumed else None,
            "resumes_at": resumed.starts_at if resumed else None,
            "notices_queued": sent,
        },
    )
    session.commit()
    return resumed


def adjourn_if_inquorate(
    session: Session, organisation: Organisation, meeting: Meeting, *, base_url: str
) -> bool:
    """Apply the adjournment rule to an open meeting now; True if it stood adjourned."""
    if meeting.status != MeetingStatus.OPEN or meeting.quorate_at is not None:
        return False
    quorum = check_quorum(session, organisation, meeting)
    if quorum.state.quorate or not must_adjourn(quorum.rule, meeting.starts_at, utcnow(), None):
        session.commit()
        return False
    minutes = quorum.rule.adjourn_after_minutes
    adjourn_meeting(
        session,
        organisation,
        meeting,
        reason=f"No quorum within {minutes} minutes of the start ({quorum.state.explanation})",
        actor="system",
        base_url=base_url,
        inquorate=True,
    )
    return True
