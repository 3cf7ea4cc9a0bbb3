"""Shaping stored rows for the API and the pages, and finding what a request is about."""

from __future__ import annotations

from sqlmodel import Session

from governance.auth.guards import require_member_of, require_role
from governance.auth.middleware import Identity
from governance.auth.service import actor_of
from governance.meetings import service
from governance.meetings.agenda import Item
from governance.meetings.conduct import Quorum
from governance.meetings.mailing import meeting_path
from governance.meetings.models import (
    Attendance,
    Meeting,
    MeetingPaper,
    Minutes,
    Question,
    Requisition,
)
from governance.meetings.requisitions import Progress
from governance.meetings.schemas import (
    AgendaItemOut,
    AttendanceOut,
    IssueOut,
    MeetingOut,
    MinutesOut,
    PaperOut,
    QuestionOut,
    QuorumOut,
    RequisitionOut,
)
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

STAFF_ROLES = (Role.SECRETARY,)


def staff_meeting(
    db: Session, identity: Identity, slug: str, meeting_id: int
) -> tuple[Organisation, Meeting, str]:
    """The organisation, the meeting and the audit actor for a secretary's request."""
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    return organisation, service.meeting_of(db, organisation, meeting_id), actor_of(user)


def signed_in_member(db: Session, identity: Identity, slug: str) -> tuple[Organisation, Member]:
    organisation = require_member_of(db, identity, slug)
    assert identity.member is not None and identity.member.id is not None
    member = db.get(Member, identity.member.id)
    assert member is not None
    return organisation, member


def paper_path(organisation: Organisation, meeting: Meeting, paper: MeetingPaper) -> str:
    return f"{meeting_path(organisation, meeting)}/papers/{paper.id}"


def paper_out(organisation: Organisation, meeting: Meeting, paper: MeetingPaper) -> PaperOut:
    return PaperOut(
        id=paper.id or 0,
        title=paper.title,
        url=paper.url or paper_path(organisation, meeting, paper),
        filename=paper.filename,
        content_type=paper.content_type,
        size=paper.size,
    )


def item_out(organisation: Organisation, meeting: Meeting, found: Item) -> AgendaItemOut:
    item = found.item
    return AgendaItemOut(
        id=item.id or 0,
        position=item.position,
        title=item.title,
        description=item.description,
        presenter=item.presenter,
        papers=[paper_out(organisation, meeting, p) for p in found.papers],
    )


def meeting_out(organisation: Organisation, meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.id or 0,
        kind=meeting.meeting_kind,
        title=meeting.title,
        description=meeting.description,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        online_url=meeting.online_url,
        status=meeting.status,
        questions_deadline=meeting.questions_deadline,
        requisition_id=meeting.requisition_id,
        adjourned_from_id=meeting.adjourned_from_id,
        notice_published_at=meeting.notice_published_at,
        late_notice_reason=meeting.late_notice_reason,
        notice_issues=[IssueOut(**issue) for issue in meeting.notice_issues],
        body_on=meeting.body_on,
        body_size=meeting.body_size,
        quorate_at=meeting.quorate_at,
        adjourned_at=meeting.adjourned_at,
        adjournment_reason=meeting.adjournment_reason,
        page=meeting_path(organisation, meeting),
    )


def quorum_out(quorum: Quorum) -> QuorumOut:
    return QuorumOut(
        rule=quorum.rule.describe(),
        body_size=quorum.tally.body_size,
        present=quorum.tally.present,
        proxies=quorum.tally.proxies,
        required=quorum.state.required,
        counted=quorum.state.counted,
        quorate=quorum.state.quorate,
        explanation=quorum.state.explanation,
        adjourns_at=quorum.adjourns_at,
    )


def attendance_out(attendance: Attendance, member: Member) -> AttendanceOut:
    return AttendanceOut(
        id=attendance.id or 0,
        member_reference=member.reference,
        name=member.display_name,
        capacity=attendance.capacity,
        mode=attendance.mode,
        registered_at=attendance.registered_at,
        left_at=attendance.left_at,
    )


def asker_name(db: Session, question: Question, *, staff: bool) -> str | None:
    """Staff always see who asked; the public only when the asker agreed."""
    if not (staff or question.name_published):
        return None
    member = db.get(Member, question.member_id)
    return member.display_name if member else None


def question_out(db: Session, question: Question, *, staff: bool) -> QuestionOut:
    return QuestionOut(
        id=question.id or 0,
        text=question.text,
        asked_by=asker_name(db, question, staff=staff),
        submitted_at=question.submitted_at,
        status=question.status,
        answer=question.answer,
        answered_at=question.answered_at,
        published_at=question.published_at,
    )


def minutes_out(minutes: Minutes) -> MinutesOut:
    return MinutesOut(
        meeting_id=minutes.meeting_id,
        text=minutes.text,
        status=minutes.status,
        approved_at_meeting_id=minutes.approved_at_meeting_id,
        approved_at=minutes.approved_at,
        published_at=minutes.published_at,
    )


def requisition_out(
    requisition: Requisition, progress: Progress, meeting: Meeting | None
) -> RequisitionOut:
    return RequisitionOut(
        id=requisition.id or 0,
        purpose=requisition.purpose,
        status=requisition.status,
        signatures=progress.signatures,
        required=progress.required,
        members=progress.members,
        threshold_percent=requisition.threshold_percent,
        started_at=requisition.started_at,
        reached_at=requisition.reached_at,
        meeting_id=meeting.id if meeting else None,
    )
