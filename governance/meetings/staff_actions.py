"""The dashboard's forms for the agenda and papers, attendance, questions and minutes."""

from __future__ import annotations

from typing import Any

from litestar import Response, post
from litestar.datastructures import UploadFile
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.meetings import agenda, attendance, minutes, questions, service
from governance.meetings.agenda import PAPER_MAX_BYTES
from governance.meetings.kinds import AttendanceMode
from governance.meetings.models import Meeting
from governance.meetings.schemas import AgendaItemIn, AnswerIn, MinutesIn, ReasonIn
from governance.meetings.staff_web import (
    STAFF,
    Form,
    Multipart,
    checked,
    form_problem,
    manage_path,
    run_action,
    text_field,
)
from governance.members.service import member_by_reference
from governance.organisations.models import Organisation


@post(manage_path("agenda"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def agenda_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    values = {
        "title": text_field(data, "item_title", 300),
        "description": text_field(data, "item_description", 10_000),
        "presenter": text_field(data, "item_presenter", 200),
    }

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        agenda.add_item(
            db, organisation, meeting, checked(AgendaItemIn, values, "item_title"), actor=actor
        )
        return "agenda"

    form = {f"item_{k}": v for k, v in values.items()}
    return run_action(db, identity, slug, meeting_id, act, field="item_title", form=form)


@post(
    manage_path("agenda/{item_id:int}"), guards=STAFF, include_in_schema=False, sync_to_thread=True
)
def item_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, item_id: int, data: Form
) -> Response[Any]:
    choice = text_field(data, "action")

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        if choice in ("up", "down"):
            agenda.move_item(db, organisation, meeting, item_id, choice, actor=actor)
        elif choice == "remove":
            agenda.remove_item(db, organisation, meeting, item_id, actor=actor)
        else:
            raise form_problem("agenda", "Choose what to do with the item.")
        return "agenda"

    return run_action(db, identity, slug, meeting_id, act, field="agenda")


@post(
    manage_path("papers"),
    guards=STAFF,
    include_in_schema=False,
    sync_to_thread=True,
    request_max_body_size=PAPER_MAX_BYTES + 200_000,
)
def paper_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, data: Multipart
) -> Response[Any]:
    upload = data.get("file")
    content = None
    filename = None
    if isinstance(upload, UploadFile) and upload.filename:
        content = upload.file.read(PAPER_MAX_BYTES + 1)
        filename = upload.filename
    url = text_field(data, "url", 500) or None
    title = text_field(data, "paper_title", 300)
    item = text_field(data, "item_id", 20)

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        if not title:
            raise form_problem("paper_title", "Enter the paper's title")
        if url is not None and not url.startswith(("https://", "http://")):
            raise form_problem("url", "Enter a link starting with https://")
        agenda.add_paper(
            db,
            organisation,
            meeting,
            int(item) if item.isdigit() else 0,
            title=title,
            actor=actor,
            url=url,
            filename=filename,
            content=content,
        )
        return "paper"

    return run_action(
        db,
        identity,
        slug,
        meeting_id,
        act,
        field="file",
        form={"paper_title": title, "url": url or ""},
    )


@post(
    manage_path("papers/{paper_id:int}/remove"),
    guards=STAFF,
    include_in_schema=False,
    sync_to_thread=True,
)
def paper_remove(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, paper_id: int
) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        agenda.remove_paper(db, organisation, meeting, paper_id, actor=actor)
        return "paper-removed"

    return run_action(db, identity, slug, meeting_id, act, field="agenda")


@post(manage_path("attendance"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def attendance_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    reference = text_field(data, "member_reference", 64)
    mode = text_field(data, "mode") or AttendanceMode.IN_PERSON.value

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        assert organisation.id is not None
        member = member_by_reference(db, organisation.id, reference) if reference else None
        if member is None:
            message = "Enter the member number of someone on the register"
            raise form_problem("member_reference", message, 422)
        chosen = AttendanceMode.ONLINE if mode == "online" else AttendanceMode.IN_PERSON
        attendance.register(db, organisation, meeting, member, mode=chosen, actor=actor)
        return "registered"

    return run_action(
        db,
        identity,
        slug,
        meeting_id,
        act,
        field="member_reference",
        form={"member_reference": reference},
    )


@post(
    manage_path("attendance/{attendance_id:int}/leave"),
    guards=STAFF,
    include_in_schema=False,
    sync_to_thread=True,
)
def leave_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, attendance_id: int
) -> Response[Any]:
    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        attendance.leave(db, organisation, meeting, attendance_id, actor=actor)
        return "left"

    return run_action(db, identity, slug, meeting_id, act, field="attendance")


@post(
    manage_path("questions/{question_id:int}"),
    guards=STAFF,
    include_in_schema=False,
    sync_to_thread=True,
)
def question_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, question_id: int, data: Form
) -> Response[Any]:
    choice = text_field(data, "action")
    field = f"answer-{question_id}"  # one form per question on the page, each its own field
    text = text_field(data, field, 10_000)

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        question = questions.question_of(db, meeting, question_id)
        if choice == "reject":
            parsed = checked(ReasonIn, {"reason": text[:500]}, field)
            questions.reject(db, organisation, question, reason=parsed.reason, actor=actor)
            return "rejected"
        if choice == "publish":
            questions.publish(db, organisation, question, actor=actor)
            return "published"
        answer = checked(AnswerIn, {"answer": text, "publish": data.get("publish") == "yes"}, field)
        questions.answer(
            db, organisation, question, text=answer.answer, publish=answer.publish, actor=actor
        )
        return "answered"

    return run_action(db, identity, slug, meeting_id, act, field=field, form={field: text})


@post(manage_path("minutes"), guards=STAFF, include_in_schema=False, sync_to_thread=True)
def minutes_submit(
    db: Session, identity: Identity, *, slug: str, meeting_id: int, data: Form
) -> Response[Any]:
    choice = text_field(data, "action")
    text = text_field(data, "minutes_text", 200_000)

    def act(organisation: Organisation, meeting: Meeting, actor: str) -> str:
        if choice == "approve":
            at = text_field(data, "at_meeting_id", 20)
            if not at.isdigit():
                message = "Choose the meeting that approved the minutes"
                raise form_problem("at_meeting_id", message)
            found = service.meeting_of(db, organisation, int(at))
            minutes.approve(db, organisation, meeting, found, actor=actor)
            return "approved"
        if choice == "publish":
            minutes.publish(db, organisation, meeting, actor=actor)
            return "minutes-published"
        parsed = checked(MinutesIn, {"text": text}, "minutes_text")
        minutes.save_draft(db, organisation, meeting, parsed.text, actor=actor)
        return "minutes"

    return run_action(
        db, identity, slug, meeting_id, act, field="minutes_text", form={"minutes_text": text}
    )


def action_pages() -> list[Any]:
    return [
        agenda_submit,
        item_submit,
        paper_submit,
        paper_remove,
        attendance_submit,
        leave_submit,
        question_submit,
        minutes_submit,
    ]
