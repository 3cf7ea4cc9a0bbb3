"""Read-only queries on the meetings' tables: council meetings and who attended them, public
meetings with their papers and minutes, and the motion a key decision was decided by.

Only what the meetings' own public pages show is read for public use: meetings past their
draft, papers of those meetings, published minutes, and closed motions' results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from governance.meetings import hooks
from governance.meetings.kinds import MeetingKind, MeetingStatus, MinutesStatus
from governance.meetings.models import AgendaItem, Attendance, Meeting, MeetingPaper, Minutes
from governance.meetings.motion_models import Motion, MotionResult, MotionStatus
from governance.organisations.models import Organisation


def meeting_path(organisation: Organisation, meeting_id: int) -> str:
    return f"/o/{organisation.slug}/meetings/{meeting_id}"


@dataclass(frozen=True)
class CouncilMeeting:
    id: int
    starts_at: datetime


def council_meetings(
    session: Session, organisation_id: int, since: datetime, before: datetime
) -> list[CouncilMeeting]:
    """Council of governors meetings held (closed) that started in ``[since, before)``."""
    rows = session.exec(
        select(Meeting.id, Meeting.starts_at)
        .where(
            Meeting.organisation_id == organisation_id,
            Meeting.kind == MeetingKind.COUNCIL_OF_GOVERNORS.value,
            Meeting.status == MeetingStatus.CLOSED.value,
            col(Meeting.starts_at) >= since,
            col(Meeting.starts_at) < before,
        )
        .order_by(col(Meeting.starts_at))
    ).all()
    return [CouncilMeeting(meeting_id, starts_at) for meeting_id, starts_at in rows if meeting_id]


def attended(session: Session, meeting_ids: list[int]) -> set[tuple[int, int]]:
    """(meeting id, member id) for everyone recorded as attending those meetings."""
    if not meeting_ids:
        return set()
    rows = session.exec(
        select(Attendance.meeting_id, Attendance.member_id).where(
            col(Attendance.meeting_id).in_(meeting_ids)
        )
    ).all()
    return {(meeting_id, member_id) for meeting_id, member_id in rows}


@dataclass(frozen=True)
class PublicMeeting:
    id: int
    title: str
    kind: str
    starts_at: datetime
    status: str
    papers: list[tuple[str, str]]  # (title, path or link)
    minutes_published_at: datetime | None
    updated_at: datetime


def public_meetings(
    session: Session, organisation: Organisation, limit: int = 200
) -> list[PublicMeeting]:
    """Meetings that have been called (never drafts), newest first, with papers and minutes."""
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.organisation_id == organisation.id,
            Meeting.status != MeetingStatus.DRAFT.value,
        )
        .order_by(col(Meeting.starts_at).desc())
        .limit(limit)
    ).all()
    ids = [m.id for m in meetings if m.id is not None]
    papers: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    if ids:
        rows = session.exec(
            select(AgendaItem.meeting_id, MeetingPaper)
            .join(MeetingPaper, col(MeetingPaper.agenda_item_id) == AgendaItem.id)
            .where(col(AgendaItem.meeting_id).in_(ids))
            .order_by(col(AgendaItem.position), col(MeetingPaper.id))
        ).all()
        for meeting_id, paper in rows:
            link = paper.url or f"{meeting_path(organisation, meeting_id)}/papers/{paper.id}"
            papers[meeting_id].append((paper.title, link))
    published = (
        dict(
            session.exec(
                select(Minutes.meeting_id, Minutes.published_at).where(
                    col(Minutes.meeting_id).in_(ids),
                    Minutes.status == MinutesStatus.PUBLISHED.value,
                )
            ).all()
        )
        if ids
        else {}
    )
    return [
        PublicMeeting(
            id=m.id or 0,
            title=m.title,
            kind=MeetingKind(m.kind).label if m.kind in set(MeetingKind) else m.kind,
            starts_at=m.starts_at,
            status=m.status,
            papers=papers.get(m.id or 0, []),
            minutes_published_at=published.get(m.id or 0),
            updated_at=max(m.updated_at, published.get(m.id or 0) or m.updated_at),
        )
        for m in meetings
    ]


@dataclass(frozen=True)
class MotionLink:
    id: int
    title: str
    kind: str
    meeting_id: int
    closed: bool
    passed: bool | None
    path: str


def motion_of(session: Session, organisation: Organisation, motion_id: int) -> MotionLink | None:
    """The organisation's motion with this id, with its result once closed; else None."""
    motion = session.get(Motion, motion_id)
    if motion is None or motion.organisation_id != organisation.id:
        return None
    result = session.get(MotionResult, motion_id)
    closed = motion.status == MotionStatus.CLOSED.value
    meeting = session.get(Meeting, motion.meeting_id)
    path = meeting_path(organisation, motion.meeting_id)
    if meeting is not None and closed:
        found = [
            link.path for link in hooks.results_of(session, meeting) if link.title == motion.title
        ]
        path = found[0] if found else path
    return MotionLink(
        id=motion_id,
        title=motion.title,
        kind=motion.kind,
        meeting_id=motion.meeting_id,
        closed=closed,
        passed=result.passed if result is not None and closed else None,
        path=path,
    )
