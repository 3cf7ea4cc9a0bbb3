"""The messages meetings send, queued in the outbox in the caller's transaction.

Notice of a meeting goes to everyone entitled to it (``body.notice_recipients``) on the day
notice is given; the same people hear of a cancellation or an adjournment. Secretaries hear when
a requisition reaches its threshold.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from governance.auth.models import RoleAssignment, User
from governance.mail import queue_mail
from governance.meetings import body
from governance.meetings.models import AgendaItem, Meeting, Requisition
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.templating import localtime

WHEN = "%A %-d %B %Y at %H:%M"
FLUSH_EVERY = 1000


def meeting_path(organisation: Organisation, meeting: Meeting) -> str:
    return f"/o/{organisation.slug}/meetings/{meeting.id}"


def when(organisation: Organisation, moment: datetime | None) -> str:
    return localtime(moment, organisation.time_zone, WHEN)


def _where(meeting: Meeting) -> list[str]:
    lines = []
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.online_url:
        lines.append(f"Online: {meeting.online_url}")
    return lines


def _send_all(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    moment: datetime,
    subject: str,
    text: str,
) -> int:
    assert organisation.id is not None
    day = moment.astimezone(ZoneInfo(organisation.time_zone)).date()
    recipients = body.notice_recipients(session, organisation.id, meeting.meeting_kind, day)
    for count, member in enumerate(recipients, start=1):
        assert member.email
        queue_mail(
            session,
            to=member.email,
            subject=f"{subject}: {meeting.title}",
            text=f"Dear {member.display_name},\n\n{text}\n\n{organisation.name}",
            organisation_id=organisation.id,
            purpose=f"meeting:{meeting.id}",
        )
        if count % FLUSH_EVERY == 0:
            session.flush()
    return len(recipients)


def send_notice(
    session: Session, organisation: Organisation, meeting: Meeting, base_url: str, now: datetime
) -> int:
    """Notice of the meeting, with its agenda; the number of messages queued."""
    items = session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.position))
    ).all()
    lines = [
        f"Notice is given of the {meeting.meeting_kind.label.lower()} of {organisation.name}.",
        "",
        f"When: {when(organisation, meeting.starts_at)}",
        *_where(meeting),
    ]
    if meeting.requisition_id is not None:
        requisition = session.get(Requisition, meeting.requisition_id)
        if requisition is not None:
            lines += [
                "",
                "The meeting was requisitioned by members to consider:",
                requisition.purpose,
            ]
    if items:
        lines += ["", "Agenda:"] + [f"{n}. {item.title}" for n, item in enumerate(items, start=1)]
    if meeting.questions_deadline:
        lines += [
            "",
            f"You may send a question before {when(organisation, meeting.questions_deadline)}.",
        ]
    lines += [
        "",
        f"The notice and papers: {base_url.rstrip('/')}{meeting_path(organisation, meeting)}",
    ]
    return _send_all(
        session,
        organisation,
        meeting,
        moment=now,
        subject="Notice of meeting",
        text="\n".join(lines),
    )


def send_cancellation(
    session: Session, organisation: Organisation, meeting: Meeting, base_url: str
) -> int:
    text = "\n".join(
        [
            f"The meeting on {when(organisation, meeting.starts_at)} is cancelled.",
            f"Reason: {meeting.cancelled_reason or ''}",
            "",
            f"{base_url.rstrip('/')}{meeting_path(organisation, meeting)}",
        ]
    )
    return _send_all(
        session,
        organisation,
        meeting,
        moment=meeting.updated_at,
        subject="Meeting cancelled",
        text=text,
    )


def send_adjournment(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    resumed: Meeting | None,
    *,
    base_url: str,
    now: datetime,
) -> int:
    """Tell those given notice that the meeting stood adjourned, and when it resumes."""
    lines = [f"The meeting of {when(organisation, meeting.starts_at)} was adjourned."]
    if meeting.adjournment_reason:
        lines.append(f"Reason: {meeting.adjournment_reason}")
    if resumed is not None:
        lines += [
            "",
            f"It will resume on {when(organisation, resumed.starts_at)}.",
            *_where(resumed),
        ]
        lines += ["", f"{base_url.rstrip('/')}{meeting_path(organisation, resumed)}"]
    return _send_all(
        session,
        organisation,
        meeting,
        moment=now,
        subject="Meeting adjourned",
        text="\n".join(lines),
    )


def tell_secretaries(
    session: Session, organisation: Organisation, subject: str, text: str, purpose: str
) -> int:
    users = session.exec(
        select(User)
        .join(RoleAssignment, col(RoleAssignment.user_id) == col(User.id))
        .where(
            RoleAssignment.organisation_id == organisation.id,
            RoleAssignment.role == Role.SECRETARY,
            col(User.is_active),
        )
        .order_by(col(User.id))
    ).all()
    for user in users:
        queue_mail(
            session,
            to=user.email,
            subject=subject,
            text=f"{text}\n\n{organisation.name}",
            organisation_id=organisation.id,
            purpose=purpose,
        )
    return len(users)
