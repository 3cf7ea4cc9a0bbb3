"""Pages for the public and for members: the list of meetings, each meeting's notice with its
agenda, papers, answered questions and minutes, the calendar feed, and (signed in as a member)
asking a question, registering online attendance and requisitioning a meeting.

A draft meeting answers 404 to everyone here, as does any meeting of another organisation.
Meetings of co-operatives and mutuals are for their members, so their online link is shown only
to members and staff; foundation trust meetings are held in public.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, Router, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug, roles_in
from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.errors import Problem
from governance.meetings import (
    agenda,
    attendance,
    hooks,
    ical,
    minutes,
    motion_votes,
    motions,
    questions,
    service,
)
from governance.meetings.kinds import AttendanceMode, MeetingKind, MinutesStatus
from governance.meetings.mailing import meeting_path
from governance.meetings.models import Meeting
from governance.meetings.requisition_pages import requisition_pages
from governance.meetings.schemas import QuestionIn
from governance.meetings.staff_pages import staff_pages
from governance.meetings.staff_web import page
from governance.meetings.views import STAFF_ROLES, asker_name, signed_in_member
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.web.downloads import content_disposition
from governance.web.forms import parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MEETINGS = "/o/{slug:str}/meetings"
ONE = MEETINGS + "/{meeting_id:int}"
MEMBERS = [organisation_guard([], members=True)]
PUBLIC_KINDS = frozenset(
    {MeetingKind.FT_ANNUAL_MEMBERS, MeetingKind.COUNCIL_OF_GOVERNORS, MeetingKind.BOARD_IN_PUBLIC}
)
NOTICES = {
    "asked": "Your question has been sent. You will be able to read the answer here once it is "
    "published.",
    "attending": "You are registered as attending online.",
}


def _staff(db: Session, identity: Identity, organisation: Organisation) -> bool:
    user = identity.user if identity.staff_signed_in else None
    if user is None or organisation.id is None:
        return False
    return user.is_platform_admin or bool(roles_in(db, user, organisation.id) & set(STAFF_ROLES))


def _member(identity: Identity, organisation: Organisation) -> Member | None:
    member = identity.member
    return member if member is not None and member.organisation_id == organisation.id else None


def _public(db: Session, slug: str, meeting_id: int) -> tuple[Organisation, Meeting]:
    organisation = organisation_by_slug(db, slug)
    return organisation, service.public_meeting(db, organisation, meeting_id)


@get(MEETINGS, include_in_schema=False, sync_to_thread=True)
def meeting_list(db: Session, identity: Identity, *, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    now = utcnow()
    meetings = service.meetings_of(db, organisation, public_only=True)
    return page(
        "list.html",
        "Meetings",
        organisation=organisation,
        upcoming=sorted((m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at),
        past=[m for m in meetings if m.ends_at < now],
        staff=False,
        can_manage=_staff(db, identity, organisation),
    )


def _meeting_context(
    db: Session, identity: Identity, organisation: Organisation, meeting: Meeting
) -> dict[str, Any]:
    now = utcnow()
    root = service.root_of(db, meeting)
    member = _member(identity, organisation)
    staff = _staff(db, identity, organisation)
    found = minutes.minutes_of(db, meeting)
    published = found if found is not None and found.status == MinutesStatus.PUBLISHED else None
    answered = questions.questions_of(db, root, published_only=True)
    return {
        "organisation": organisation,
        "meeting": meeting,
        "root": root if root.id != meeting.id else None,
        "resumed": service.adjourned_to(db, meeting),
        "items": agenda.items_of(db, root),
        "answered": [(q, asker_name(db, q, staff=False)) for q in answered],
        "minutes": published,
        "results": hooks.results_of(db, meeting) if published else [],
        "member": member,
        "can_manage": staff,
        "show_link": meeting.meeting_kind in PUBLIC_KINDS or member is not None or staff,
        "questions_open": questions.questions_open(root) and root.id == meeting.id,
        "attendance_open": attendance.attendance_open(meeting, now),
        "votes_open": any(
            motion_votes.channel_now(m, now) is not None
            for m in motions.motions_of(db, meeting)
            if m.status in motions.OPEN
        ),
        "vote_path": f"{meeting_path(organisation, meeting)}/vote",
        "attending": attendance.attendance_of(db, meeting, member) if member else None,
        "mine": questions.asked_by(db, root, member) if member else [],
    }


@get(ONE, include_in_schema=False, sync_to_thread=True)
def meeting_page(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, notice: str = ""
) -> Template:
    organisation, meeting = _public(db, slug, meeting_id)
    context = _meeting_context(db, identity, organisation, meeting)
    message = NOTICES.get(notice)
    if message:
        context["flash_messages"] = [{"kind": "success", "text": message}]
    return page("meeting.html", meeting.title, **context)


@get(f"{ONE}/papers/{{paper_id:int}}", include_in_schema=False, sync_to_thread=True)
def paper_download(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, paper_id: int
) -> Response[bytes]:
    organisation = organisation_by_slug(db, slug)
    meeting = service.meeting_of(db, organisation, meeting_id)
    if not meeting.public and not _staff(db, identity, organisation):
        raise NotFoundException()
    paper = agenda.paper_of(db, meeting, paper_id)
    if paper is None or paper.content is None:
        raise NotFoundException()
    return Response(
        paper.content,
        media_type=paper.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(paper.filename or "paper", default="paper"),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


@get("/o/{slug:str}/meetings.ics", include_in_schema=False, sync_to_thread=True)
def calendar_feed(db: Session, state: State, slug: str) -> Response[str]:
    organisation = organisation_by_slug(db, slug)
    base = str(state.settings.base_url).rstrip("/")
    host = base.split("://", 1)[-1].split("/", 1)[0] or "governance.local"
    events = [
        ical.Event(
            uid=f"meeting-{m.id}-{organisation.slug}@{host}",
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            summary=m.title,
            description=f"{m.meeting_kind.label}. {m.description}".strip(),
            location=m.location,
            url=f"{base}{meeting_path(organisation, m)}",
            sequence=m.revision,
            cancelled=m.status == "cancelled",
            last_modified=m.updated_at,
        )
        for m in service.meetings_of(db, organisation, public_only=True)
    ]
    text = ical.calendar(f"{organisation.name}: meetings", events, now=utcnow())
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{organisation.slug}-meetings.ics"'},
    )


# -- members -------------------------------------------------------------------------------------


def _ask_page(
    db: Session,
    identity: Identity,
    organisation: Organisation,
    meeting: Meeting,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    return page(
        "ask.html",
        f"Ask a question: {meeting.title}",
        status=status,
        organisation=organisation,
        meeting=meeting,
        open_now=questions.questions_open(meeting),
        form=form or {},
        errors=errors or {},
    )


@get(f"{ONE}/ask", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def ask_page(db: Session, identity: Identity, *, slug: str, meeting_id: int) -> Template:
    organisation, _ = signed_in_member(db, identity, slug)
    meeting = service.public_meeting(db, organisation, meeting_id)
    return _ask_page(db, identity, organisation, meeting)


@post(f"{ONE}/ask", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def ask_submit(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    organisation, member = signed_in_member(db, identity, slug)
    meeting = service.public_meeting(db, organisation, meeting_id)
    values = {
        "text": str(data.get("text", ""))[:5000],
        "name_published": data.get("name_published") == "yes",
    }
    parsed, errors = parse_form(QuestionIn, values)
    if parsed is not None:
        try:
            questions.submit(
                db,
                state["keys"],
                organisation,
                meeting,
                member,
                text=parsed.text,
                name_published=parsed.name_published,
            )
        except Problem as error:
            if error.status_code == 429:
                raise
            errors = {"text": error.detail}
        else:
            return Redirect(f"{meeting_path(organisation, meeting)}?notice=asked", status_code=303)
    return _ask_page(db, identity, organisation, meeting, status=400, form=values, errors=errors)


@post(f"{ONE}/attend", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def attend_submit(db: Session, identity: Identity, *, slug: str, meeting_id: int) -> Response[Any]:
    organisation, member = signed_in_member(db, identity, slug)
    meeting = service.public_meeting(db, organisation, meeting_id)
    try:
        attendance.register(
            db,
            organisation,
            meeting,
            member,
            mode=AttendanceMode.ONLINE,
            actor=f"member:{member.id}",
        )
    except Problem as error:
        context = _meeting_context(db, identity, organisation, meeting)
        context["errors"] = {"attend": error.detail}
        return page("meeting.html", meeting.title, status=error.status_code, **context)
    return Redirect(f"{meeting_path(organisation, meeting)}?notice=attending", status_code=303)


def meeting_pages() -> list[Any]:
    """Every meetings page, in one router (see ``elections.routes`` for why a router)."""
    handlers = [
        meeting_list,
        calendar_feed,
        meeting_page,
        paper_download,
        ask_page,
        ask_submit,
        attend_submit,
        *staff_pages(),
        *requisition_pages(),
    ]
    return [Router(path="/", route_handlers=handlers, include_in_schema=False)]
