"""The council's requests to the board: for information, and its requirement that directors
attend a meeting (a power whose every use the annual report must list). Logged with the board's
response."""

from __future__ import annotations

from sqlmodel import Session, col, select

from governance.accountability.access import Staff
from governance.accountability.models import BoardRequest, BoardRequestKind
from governance.accountability.schemas import BoardRequestIn, BoardResponseIn
from governance.accountability.service import record
from governance.errors import Invalid
from governance.organisations.models import Organisation


def log_request(session: Session, who: Staff, data: BoardRequestIn) -> BoardRequest:
    organisation = who.organisation
    assert organisation.id is not None
    if data.kind is BoardRequestKind.ATTENDANCE and data.meeting_date is None:
        raise Invalid("meeting-date-needed", "Give the date of the meeting directors must attend.")
    request = BoardRequest(
        organisation_id=organisation.id,
        kind=data.kind,
        subject=data.subject,
        detail=data.detail,
        directors=data.directors,
        requested_on=data.requested_on,
        meeting_date=data.meeting_date,
        recorded_by=who.actor,
    )
    session.add(request)
    session.flush()
    record(session, organisation, who.actor, "board_request_logged", request, kind=data.kind.value)
    session.commit()
    return request


def respond(
    session: Session, who: Staff, request: BoardRequest, data: BoardResponseIn
) -> BoardRequest:
    if data.responded_on < request.requested_on:
        raise Invalid("response-before-request", "The response cannot come before the request.")
    request.response = data.response
    request.responded_on = data.responded_on
    session.add(request)
    record(session, who.organisation, who.actor, "board_request_answered", request)
    session.commit()
    return request


def board_requests(
    session: Session, organisation: Organisation, year: int | None = None
) -> list[BoardRequest]:
    query = select(BoardRequest).where(BoardRequest.organisation_id == organisation.id)
    rows = session.exec(query.order_by(col(BoardRequest.requested_on).desc())).all()
    return [r for r in rows if year is None or r.requested_on.year == year]
