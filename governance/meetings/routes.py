"""The meetings JSON API, under ``/api/orgs/{slug}``.

Secretaries set meetings up, call them, manage agendas and papers, register attendance, follow
the quorum, adjourn, answer questions and keep the minutes. Signed-in members ask questions,
register their own online attendance, and start and sign requisitions. Every route carries the
organisation guard, so another organisation's people get 404 before the body is read; an id
from another organisation is 404 too.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Router, delete, get, patch, post, put
from litestar.datastructures import State
from sqlmodel import Session

from governance.auth.guards import require_role
from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.errors import Invalid
from governance.meetings import (
    agenda,
    attendance,
    conduct,
    minutes,
    questions,
    requisitions,
    service,
)
from governance.meetings.agenda import PAPER_MAX_BYTES
from governance.meetings.kinds import AttendanceMode
from governance.meetings.models import Requisition
from governance.meetings.pages import meeting_pages
from governance.meetings.schemas import (
    AdjournIn,
    AgendaItemIn,
    AgendaItemOut,
    AnswerIn,
    ApproveIn,
    AttendanceIn,
    AttendanceOut,
    CallIn,
    MeetingIn,
    MeetingOut,
    MeetingUpdate,
    MinutesIn,
    MinutesOut,
    MoveIn,
    PaperIn,
    PaperOut,
    QuestionIn,
    QuestionOut,
    QuorumOut,
    ReasonIn,
    RequisitionIn,
    RequisitionOut,
)
from governance.meetings.views import (
    STAFF_ROLES,
    attendance_out,
    item_out,
    meeting_out,
    minutes_out,
    paper_out,
    question_out,
    quorum_out,
    requisition_out,
    signed_in_member,
    staff_meeting,
)
from governance.members.service import member_by_reference
from governance.organisations.models import Organisation
from governance.web.forms import RowId

MEETINGS = "/{slug:str}/meetings"
ONE = MEETINGS + "/{meeting_id:int}"
REQUISITIONS = "/{slug:str}/requisitions"
STAFF = [organisation_guard(STAFF_ROLES)]
MEMBERS = [organisation_guard([], members=True)]
MEMBERS_AND_STAFF = [organisation_guard(STAFF_ROLES, members=True)]


def _base_url(state: State) -> str:
    return str(state.settings.base_url)


# -- meetings ------------------------------------------------------------------------------------


@get(MEETINGS, guards=STAFF, sync_to_thread=True, summary="The organisation's meetings")
def list_meetings(db: Session, identity: Identity, *, slug: str) -> list[MeetingOut]:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    return [meeting_out(organisation, m) for m in service.meetings_of(db, organisation)]


@post(MEETINGS, guards=STAFF, sync_to_thread=True, summary="Set up a meeting (a draft)")
def create_meeting(db: Session, identity: Identity, *, slug: str, data: MeetingIn) -> MeetingOut:
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    meeting = service.create_meeting(db, organisation, data, actor=f"user:{user.id}")
    return meeting_out(organisation, meeting)


@get(ONE, guards=STAFF, sync_to_thread=True, summary="A meeting, with what calling it now finds")
def get_meeting(db: Session, identity: Identity, *, slug: str, meeting_id: RowId) -> dict[str, Any]:
    organisation, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    issues = service.notice_issues(db, organisation, meeting, utcnow())
    return {
        "meeting": meeting_out(organisation, meeting).model_dump(mode="json"),
        "notice_check": [i.to_json() for i in issues],
    }


@patch(ONE, guards=STAFF, sync_to_thread=True, summary="Change a meeting")
def update_meeting(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, data: MeetingUpdate
) -> MeetingOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    service.update_meeting(db, organisation, meeting, data, actor=actor)
    return meeting_out(organisation, meeting)


@post(f"{ONE}/notice", guards=STAFF, sync_to_thread=True, status_code=200, summary="Give notice")
def call_meeting(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: RowId, data: CallIn
) -> MeetingOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    service.call_meeting(
        db,
        organisation,
        meeting,
        reason=data.late_notice_reason,
        actor=actor,
        base_url=_base_url(state),
    )
    return meeting_out(organisation, meeting)


@post(f"{ONE}/cancel", guards=STAFF, sync_to_thread=True, status_code=200, summary="Cancel")
def cancel_meeting(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: RowId, data: ReasonIn
) -> MeetingOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    service.cancel_meeting(
        db, organisation, meeting, reason=data.reason, actor=actor, base_url=_base_url(state)
    )
    return meeting_out(organisation, meeting)


@post(f"{ONE}/open", guards=STAFF, sync_to_thread=True, status_code=200, summary="Open")
def open_meeting(db: Session, identity: Identity, *, slug: str, meeting_id: RowId) -> MeetingOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    conduct.open_meeting(db, organisation, meeting, actor=actor)
    return meeting_out(organisation, meeting)


@post(f"{ONE}/adjourn", guards=STAFF, sync_to_thread=True, status_code=200, summary="Adjourn")
def adjourn_meeting(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: RowId, data: AdjournIn
) -> dict[str, Any]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    resumed = conduct.adjourn_meeting(
        db,
        organisation,
        meeting,
        reason=data.reason,
        actor=actor,
        base_url=_base_url(state),
        starts_at=data.starts_at,
    )
    return {
        "meeting": meeting_out(organisation, meeting).model_dump(mode="json"),
        "resumes_as": meeting_out(organisation, resumed).model_dump(mode="json")
        if resumed
        else None,
    }


@post(f"{ONE}/close", guards=STAFF, sync_to_thread=True, status_code=200, summary="Close")
def close_meeting(db: Session, identity: Identity, *, slug: str, meeting_id: RowId) -> MeetingOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    conduct.close_meeting(db, organisation, meeting, actor=actor)
    return meeting_out(organisation, meeting)


@get(f"{ONE}/quorum", guards=STAFF, sync_to_thread=True, summary="The quorum now")
def get_quorum(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: RowId
) -> QuorumOut:
    organisation, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    conduct.adjourn_if_inquorate(db, organisation, meeting, base_url=_base_url(state))
    quorum = conduct.quorum_of(db, organisation, meeting)
    db.commit()
    return quorum_out(quorum)


# -- agenda and papers ---------------------------------------------------------------------------


@get(f"{ONE}/agenda", guards=STAFF, sync_to_thread=True, summary="The agenda with its papers")
def get_agenda(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId
) -> list[AgendaItemOut]:
    organisation, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    root = service.root_of(db, meeting)
    return [item_out(organisation, root, i) for i in agenda.items_of(db, root)]


@post(f"{ONE}/agenda", guards=STAFF, sync_to_thread=True, summary="Add an agenda item")
def add_item(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, data: AgendaItemIn
) -> list[AgendaItemOut]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    agenda.add_item(db, organisation, meeting, data, actor=actor)
    return [item_out(organisation, meeting, i) for i in agenda.items_of(db, meeting)]


@post(
    f"{ONE}/agenda/{{item_id:int}}/move",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Move an item up or down",
)
def move_item(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, item_id: RowId, data: MoveIn
) -> list[AgendaItemOut]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    agenda.move_item(db, organisation, meeting, item_id, data.direction, actor=actor)
    return [item_out(organisation, meeting, i) for i in agenda.items_of(db, meeting)]


@delete(
    f"{ONE}/agenda/{{item_id:int}}",
    guards=STAFF,
    sync_to_thread=True,
    status_code=204,
    summary="Remove an item",
)
def remove_item(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, item_id: RowId
) -> None:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    agenda.remove_item(db, organisation, meeting, item_id, actor=actor)


def _decoded(data: PaperIn) -> bytes | None:
    if data.content_base64 is None:
        return None
    try:
        return base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("invalid-paper", "content_base64 is not valid base64.") from None


@post(
    f"{ONE}/agenda/{{item_id:int}}/papers",
    guards=STAFF,
    sync_to_thread=True,
    request_max_body_size=PAPER_MAX_BYTES * 4 // 3 + 100_000,
    summary="Attach a paper: a link, or a file in base64",
)
def add_paper(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, item_id: RowId, data: PaperIn
) -> PaperOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    paper = agenda.add_paper(
        db,
        organisation,
        meeting,
        item_id,
        title=data.title,
        actor=actor,
        url=data.url,
        filename=data.filename,
        content=_decoded(data),
    )
    return paper_out(organisation, meeting, paper)


@delete(
    f"{ONE}/papers/{{paper_id:int}}",
    guards=STAFF,
    sync_to_thread=True,
    status_code=204,
    summary="Remove a paper",
)
def remove_paper(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, paper_id: RowId
) -> None:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    agenda.remove_paper(db, organisation, meeting, paper_id, actor=actor)


# -- attendance ----------------------------------------------------------------------------------


@get(f"{ONE}/attendance", guards=STAFF, sync_to_thread=True, summary="Who is registered")
def list_attendance(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId
) -> list[AttendanceOut]:
    _, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    return [attendance_out(a, m) for a, m in attendance.attendees(db, meeting)]


@post(f"{ONE}/attendance", guards=STAFF, sync_to_thread=True, summary="Register attendance")
def register_attendance(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, data: AttendanceIn
) -> dict[str, Any]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    assert organisation.id is not None
    member = member_by_reference(db, organisation.id, data.member_reference)
    if member is None:
        message = "There is no member with that number."
        raise Invalid(
            "no-such-member",
            message,
            extra={"errors": [{"field": "member_reference", "message": message}]},
        )
    row, quorum = attendance.register(
        db, organisation, meeting, member, mode=data.mode, capacity=data.capacity, actor=actor
    )
    return {
        "attendance": attendance_out(row, member).model_dump(mode="json"),
        "quorum": quorum_out(quorum).model_dump(mode="json"),
    }


@post(
    f"{ONE}/attendance/{{attendance_id:int}}/leave",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Record that someone left",
)
def record_leaving(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, attendance_id: RowId
) -> QuorumOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    attendance.leave(db, organisation, meeting, attendance_id, actor=actor)
    quorum = conduct.quorum_of(db, organisation, meeting)
    db.commit()
    return quorum_out(quorum)


@post(
    f"{ONE}/attendance/me",
    guards=MEMBERS,
    sync_to_thread=True,
    summary="A member registers their own online attendance",
)
def attend_online(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId
) -> AttendanceOut:
    organisation, member = signed_in_member(db, identity, slug)
    meeting = service.public_meeting(db, organisation, meeting_id)
    row, _ = attendance.register(
        db, organisation, meeting, member, mode=AttendanceMode.ONLINE, actor=f"member:{member.id}"
    )
    return attendance_out(row, member)


# -- questions -----------------------------------------------------------------------------------


@post(f"{ONE}/questions", guards=MEMBERS, sync_to_thread=True, summary="A member asks a question")
def ask_question(
    db: Session, state: State, identity: Identity, *, slug: str, meeting_id: RowId, data: QuestionIn
) -> QuestionOut:
    organisation, member = signed_in_member(db, identity, slug)
    meeting = service.public_meeting(db, organisation, meeting_id)
    question = questions.submit(
        db,
        state["keys"],
        organisation,
        meeting,
        member,
        text=data.text,
        name_published=data.name_published,
    )
    return question_out(db, question, staff=True)


@get(f"{ONE}/questions", guards=STAFF, sync_to_thread=True, summary="Every question asked")
def list_questions(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId
) -> list[QuestionOut]:
    _, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    return [question_out(db, q, staff=True) for q in questions.questions_of(db, meeting)]


@post(
    f"{ONE}/questions/{{question_id:int}}/answer",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Answer a question",
)
def answer_question(
    db: Session,
    identity: Identity,
    *,
    slug: str,
    meeting_id: RowId,
    question_id: RowId,
    data: AnswerIn,
) -> QuestionOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    question = questions.question_of(db, meeting, question_id)
    questions.answer(
        db, organisation, question, text=data.answer, publish=data.publish, actor=actor
    )
    return question_out(db, question, staff=True)


@post(
    f"{ONE}/questions/{{question_id:int}}/reject",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Rule a question out of order",
)
def reject_question(
    db: Session,
    identity: Identity,
    *,
    slug: str,
    meeting_id: RowId,
    question_id: RowId,
    data: ReasonIn,
) -> QuestionOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    question = questions.question_of(db, meeting, question_id)
    questions.reject(db, organisation, question, reason=data.reason, actor=actor)
    return question_out(db, question, staff=True)


@post(
    f"{ONE}/questions/{{question_id:int}}/publish",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Publish an answered question",
)
def publish_question(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, question_id: RowId
) -> QuestionOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    question = questions.question_of(db, meeting, question_id)
    questions.publish(db, organisation, question, actor=actor)
    return question_out(db, question, staff=True)


# -- minutes -------------------------------------------------------------------------------------


@put(f"{ONE}/minutes", guards=STAFF, sync_to_thread=True, summary="Save the draft minutes")
def save_minutes(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, data: MinutesIn
) -> MinutesOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    return minutes_out(minutes.save_draft(db, organisation, meeting, data.text, actor=actor))


@post(
    f"{ONE}/minutes/approve",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Record the meeting that approved the minutes",
)
def approve_minutes(
    db: Session, identity: Identity, *, slug: str, meeting_id: RowId, data: ApproveIn
) -> MinutesOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    at = service.meeting_of(db, organisation, data.at_meeting_id)
    return minutes_out(minutes.approve(db, organisation, meeting, at, actor=actor))


@post(
    f"{ONE}/minutes/publish",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Publish approved minutes",
)
def publish_minutes(db: Session, identity: Identity, *, slug: str, meeting_id: RowId) -> MinutesOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    return minutes_out(minutes.publish(db, organisation, meeting, actor=actor))


# -- requisitions --------------------------------------------------------------------------------


def _requisition(
    db: Session, organisation: Organisation, requisition: Requisition
) -> RequisitionOut:
    found = requisitions.progress(db, organisation, requisition)
    return requisition_out(requisition, found, requisitions.answered_by(db, requisition))


@get(REQUISITIONS, guards=STAFF, sync_to_thread=True, summary="Requisitions and their counts")
def list_requisitions(db: Session, identity: Identity, *, slug: str) -> list[RequisitionOut]:
    organisation, _ = require_role(db, identity, slug, STAFF_ROLES)
    return [
        _requisition(db, organisation, r) for r in requisitions.requisitions_of(db, organisation)
    ]


@post(REQUISITIONS, guards=MEMBERS, sync_to_thread=True, summary="A member starts a requisition")
def start_requisition(
    db: Session, identity: Identity, *, slug: str, data: RequisitionIn
) -> RequisitionOut:
    organisation, member = signed_in_member(db, identity, slug)
    requisition = requisitions.start(db, organisation, member, data.purpose)
    return _requisition(db, organisation, requisition)


@post(
    f"{REQUISITIONS}/{{requisition_id:int}}/signatures",
    guards=MEMBERS,
    sync_to_thread=True,
    summary="A member signs a requisition",
)
def sign_requisition(
    db: Session, identity: Identity, *, slug: str, requisition_id: RowId
) -> RequisitionOut:
    organisation, member = signed_in_member(db, identity, slug)
    requisition = requisitions.requisition_of(db, organisation, requisition_id)
    requisitions.sign(db, organisation, requisition, member)
    return _requisition(db, organisation, requisition)


def meeting_routes() -> list[Any]:
    """The meetings API router and the meetings pages."""
    api = Router(
        path="/api/orgs",
        route_handlers=[
            list_meetings,
            create_meeting,
            get_meeting,
            update_meeting,
            call_meeting,
            cancel_meeting,
            open_meeting,
            adjourn_meeting,
            close_meeting,
            get_quorum,
            get_agenda,
            add_item,
            move_item,
            remove_item,
            add_paper,
            remove_paper,
            list_attendance,
            register_attendance,
            record_leaving,
            attend_online,
            ask_question,
            list_questions,
            answer_question,
            reject_question,
            publish_question,
            save_minutes,
            approve_minutes,
            publish_minutes,
            list_requisitions,
            start_requisition,
            sign_requisition,
        ],
        tags=["meetings"],
    )
    return [api, *meeting_pages()]
