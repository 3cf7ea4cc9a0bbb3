"""The agenda and its papers.

Papers are either links or files kept in the database. A file must be one of a short list of
document and image types, recognised by its extension AND its first bytes (so a web page cannot
be uploaded as a "PDF" and served back from our address), and at most ``PAPER_MAX_BYTES``. An
adjourned meeting continues the business of the meeting it adjourned, so its agenda is that
meeting's (``service.root_of``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from governance import audit
from governance.errors import Conflict, Invalid
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import AgendaItem, Meeting, MeetingPaper
from governance.meetings.schemas import AgendaItemIn
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID

PAPER_MAX_BYTES = 10_000_000
ZIP = b"PK\x03\x04"
PAPER_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "odp": ("application/vnd.oasis.opendocument.presentation", ZIP),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
}
EDITABLE = (MeetingStatus.DRAFT, MeetingStatus.CALLED, MeetingStatus.OPEN)


@dataclass(frozen=True)
class Item:
    item: AgendaItem
    papers: list[MeetingPaper]


def _paper_error(message: str) -> Invalid:
    return Invalid(
        "invalid-paper", message, extra={"errors": [{"field": "file", "message": message}]}
    )


def content_type_of(filename: str, content: bytes) -> str:
    """The type to store and serve a file as, or 422 when it is not an accepted document."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in PAPER_TYPES:
        accepted = ", ".join(sorted({e.upper() for e in PAPER_TYPES if e != "jpeg"}))
        raise _paper_error(f"The file must be one of these types: {accepted}.")
    content_type, signature = PAPER_TYPES[extension]
    if not content:
        raise _paper_error("The file is empty.")
    if len(content) > PAPER_MAX_BYTES:
        raise _paper_error(f"The file must be at most {PAPER_MAX_BYTES // 1_000_000} MB.")
    if signature is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _paper_error("A text file must be in UTF-8.") from None
    elif not content.startswith(signature):
        raise _paper_error(f"The file is not a valid {extension.upper()} file.")
    return content_type


def _editable(meeting: Meeting) -> None:
    if meeting.status not in EDITABLE:
        raise Conflict("agenda-closed", "The agenda of a meeting that has ended cannot change.")


def items_of(session: Session, meeting: Meeting) -> list[Item]:
    items = session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.position))
    ).all()
    ids = [i.id for i in items]
    papers: dict[int, list[MeetingPaper]] = {}
    if ids:
        found = session.exec(
            select(MeetingPaper)
            .options(defer(MeetingPaper.content))  # type: ignore[arg-type]
            .where(col(MeetingPaper.agenda_item_id).in_(ids))
            .order_by(col(MeetingPaper.id))
        ).all()
        for paper in found:
            papers.setdefault(paper.agenda_item_id, []).append(paper)
    return [Item(item, papers.get(item.id or 0, [])) for item in items]


def item_of(session: Session, meeting: Meeting, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id) if 1 <= item_id <= MAX_ID else None
    if item is None or item.meeting_id != meeting.id:
        raise Invalid("no-such-item", "There is no such item on this meeting's agenda.")
    return item


def paper_of(session: Session, meeting: Meeting, paper_id: int) -> MeetingPaper | None:
    paper = session.get(MeetingPaper, paper_id) if 1 <= paper_id <= MAX_ID else None
    if paper is None:
        return None
    item = session.get(AgendaItem, paper.agenda_item_id)
    return paper if item is not None and item.meeting_id == meeting.id else None


def _audit(
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
        action=f"meeting.{action}",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail=detail,
    )


def add_item(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    data: AgendaItemIn,
    *,
    actor: str,
) -> AgendaItem:
    _editable(meeting)
    last = session.exec(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    ).one()
    item = AgendaItem(
        meeting_id=meeting.id or 0,
        position=(last or 0) + 1,
        title=data.title,
        description=data.description,
        presenter=data.presenter,
    )
    session.add(item)
    session.flush()
    _audit(
        session,
        organisation,
        meeting,
        "agenda_item_added",
        actor,
        item_id=item.id,
        title=item.title,
    )
    session.commit()
    return item


def remove_item(
    session: Session, organisation: Organisation, meeting: Meeting, item_id: int, *, actor: str
) -> None:
    _editable(meeting)
    item = item_of(session, meeting, item_id)
    _audit(
        session,
        organisation,
        meeting,
        "agenda_item_removed",
        actor,
        item_id=item.id,
        title=item.title,
    )
    session.delete(item)
    session.commit()


def move_item(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    item_id: int,
    direction: str,
    *,
    actor: str,
) -> None:
    """Swap an item with its neighbour above or below."""
    _editable(meeting)
    item = item_of(session, meeting, item_id)
    items = [i.item for i in items_of(session, meeting)]
    index = next(n for n, found in enumerate(items) if found.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    neighbour = items[other]
    item.position, neighbour.position = neighbour.position, item.position
    session.add_all([item, neighbour])
    _audit(
        session,
        organisation,
        meeting,
        "agenda_item_moved",
        actor,
        item_id=item.id,
        direction=direction,
    )
    session.commit()


def add_paper(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    item_id: int,
    *,
    title: str,
    actor: str,
    url: str | None = None,
    filename: str | None = None,
    content: bytes | None = None,
) -> MeetingPaper:
    """Attach a link or a file (exactly one) to an agenda item (commits)."""
    _editable(meeting)
    item = item_of(session, meeting, item_id)
    if (url is None) == (content is None):
        raise _paper_error("Give either a link or a file.")
    paper = MeetingPaper(agenda_item_id=item.id or 0, title=title, uploaded_by=actor)
    if url is not None:
        paper.url = url
    else:
        assert content is not None
        name = (filename or "paper").replace("/", "_").replace("\\", "_")[-200:]
        paper.content_type = content_type_of(name, content)
        paper.filename = name
        paper.content = content
        paper.size = len(content)
        paper.sha256 = hashlib.sha256(content).hexdigest()
    session.add(paper)
    session.flush()
    _audit(
        session,
        organisation,
        meeting,
        "paper_added",
        actor,
        paper_id=paper.id,
        title=title,
        url=url,
        filename=paper.filename,
        size=paper.size,
        sha256=paper.sha256,
    )
    session.commit()
    return paper


def remove_paper(
    session: Session, organisation: Organisation, meeting: Meeting, paper_id: int, *, actor: str
) -> None:
    _editable(meeting)
    paper = paper_of(session, meeting, paper_id)
    if paper is None:
        raise Invalid("no-such-paper", "There is no such paper for this meeting.")
    _audit(
        session,
        organisation,
        meeting,
        "paper_removed",
        actor,
        paper_id=paper.id,
        title=paper.title,
        sha256=paper.sha256,
    )
    session.delete(paper)
    session.commit()
