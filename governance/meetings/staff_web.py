"""What the secretary's meeting pages share: rendering, reading form fields, and the
dashboard that every action re-shows when it is refused.

Every form posts back with its CSRF token. A refusal re-shows the dashboard with the message and
the status the API would give, having changed nothing; success redirects with a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.errors import Problem
from governance.meetings import agenda, attendance, conduct, minutes, questions, service
from governance.meetings.agenda import PAPER_MAX_BYTES
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.views import STAFF_ROLES, staff_meeting
from governance.organisations.models import Organisation
from governance.web.forms import parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
MEETINGS = "/o/{slug:str}/meetings"
MANAGE = MEETINGS + "/{meeting_id:int}/manage"
STAFF = [organisation_guard(STAFF_ROLES)]
NO_STORE = {"Cache-Control": "no-store"}
NOTICES = {
    "created": "The meeting is set up as a draft. Add the agenda, then give notice.",
    "called": "Notice has been given and emailed.",
    "cancelled": "The meeting is cancelled.",
    "opened": "The meeting is open.",
    "adjourned": "The meeting is adjourned.",
    "closed": "The meeting is closed.",
    "agenda": "The agenda is changed.",
    "paper": "The paper is added.",
    "paper-removed": "The paper is removed.",
    "registered": "Attendance is registered.",
    "left": "Recorded as having left.",
    "answered": "The answer is saved.",
    "rejected": "The question is ruled out of order.",
    "published": "The answer is published.",
    "minutes": "The draft minutes are saved.",
    "approved": "The minutes are recorded as approved.",
    "minutes-published": "The minutes are published.",
}


def page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    """Render ``meetings/<template>``, never cached; a page showing errors says so first."""
    errors = context.setdefault("errors", {})
    context["page_title"] = f"Error: {title}" if errors else title
    return Template(
        f"meetings/{template}", context=context, status_code=status, headers=dict(NO_STORE)
    )


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def text_field(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:limit]


def errors_of(error: Problem, field: str) -> dict[str, str]:
    listed = error.extra.get("errors") if isinstance(error.extra, dict) else None
    if listed:
        return {str(i.get("field") or field): str(i.get("message")) for i in listed}
    return {field: error.detail}


def form_problem(field: str, message: str, status: int = 400) -> Problem:
    """A refusal of a form field, shown beside the field on the re-shown page."""
    return Problem(
        status, "invalid-form", message, extra={"errors": [{"field": field, "message": message}]}
    )


def local_time(organisation: Organisation, day: str, clock: str) -> datetime | None:
    """A date and a time typed in the organisation's time zone, as an aware time; None when
    either is missing or not a real date or time."""
    try:
        parsed = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        return None
    return parsed.replace(tzinfo=ZoneInfo(organisation.time_zone))


def dashboard(
    db: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    status: int = 200,
    notice: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> Template:
    now = utcnow()
    root = service.root_of(db, meeting)
    held = meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED)
    quorum = conduct.quorum_of(db, organisation, meeting) if held else None
    candidates = service.meetings_of(db, organisation)
    context: dict[str, Any] = {
        "organisation": organisation,
        "meeting": meeting,
        "root": root if root.id != meeting.id else None,
        "resumed": service.adjourned_to(db, meeting),
        "issues": service.notice_issues(db, organisation, meeting, now)
        if meeting.status == MeetingStatus.DRAFT
        else [],
        "items": agenda.items_of(db, root),
        "agenda_editable": root.id == meeting.id and meeting.status in agenda.EDITABLE,
        "quorum": quorum,
        "attendees": attendance.attendees(db, meeting) if held else [],
        "attendance_open": attendance.attendance_open(meeting, now),
        "questions": questions.questions_of(db, root) if root.id == meeting.id else [],
        "minutes": minutes.minutes_of(db, meeting),
        "approvers": minutes.later_meetings(db, meeting, candidates),
        "paper_max_mb": PAPER_MAX_BYTES // 1_000_000,
        "form": form or {},
        "errors": errors or {},
    }
    message = NOTICES.get(notice)
    if message:
        context["flash_messages"] = [{"kind": "success", "text": message}]
    return page("manage.html", f"Manage: {meeting.title}", status=status, **context)


Action = Callable[[Organisation, Meeting, str], str]


def run_action(
    db: Session,
    identity: Identity,
    slug: str,
    meeting_id: int,
    action: Action,
    *,
    field: str,
    form: dict[str, Any] | None = None,
) -> Response[Any]:
    """Run ``action`` (which returns the notice to show); on refusal, re-show the dashboard."""
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    try:
        notice = action(organisation, meeting, actor)
    except Problem as error:
        db.rollback()
        meeting = service.meeting_of(db, organisation, meeting_id)
        return dashboard(
            db,
            organisation,
            meeting,
            status=error.status_code,
            errors=errors_of(error, field),
            form=form,
        )
    return redirect(f"/o/{slug}/meetings/{meeting_id}/manage?notice={notice}")


def checked(schema: type[BaseModel], values: dict[str, Any], field: str) -> Any:
    found, errors = parse_form(schema, values)
    if found is None:
        raise form_problem(field, next(iter(errors.values())))
    return found


def manage_path(suffix: str) -> str:
    return f"{MANAGE}/{suffix}"
