"""Consultations: members of the constituencies asked respond online, once, while open; the
council's view and then the board's regard are recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from governance.accountability import consultations
from governance.accountability.access import Staff
from governance.accountability.models import ConsultationStatus
from governance.accountability.schemas import ConsultationIn, ResponseIn, StatementIn
from governance.errors import Conflict, Invalid, Problem
from governance.organisations.constitution import Role
from tests.accountability.support import governor, local, member_in, set_clock, trust
from tests.factories import KEYS, audit_actions, make_user

REPLY = ResponseIn(body="Please keep the clinic open on Saturdays.", publish_text=True)


def test_members_asked_respond_once_while_it_is_open(db: Session) -> None:
    org = trust(db)
    _member, user, _term = governor(db, org, "NORTH", first="Gwen", last="North")
    assert user is not None
    who = Staff(org, user, frozenset({Role.GOVERNOR}))
    north = member_in(db, org, "NORTH", first="Nia", last="North")
    south = member_in(db, org, "SOUTH", first="Sid", last="South")
    nurse = member_in(db, org, "NURSES", first="Nell", last="Nurse")
    set_clock(local(date(2025, 5, 1)))
    with pytest.raises(Invalid, match="after today"):
        consultations.open_consultation(
            db,
            who,
            ConsultationIn(
                title="T", question="Q", closes_on=date(2025, 5, 1), constituencies=["NORTH"]
            ),
        )
    found = consultations.open_consultation(
        db,
        who,
        ConsultationIn(
            title="Saturday opening",
            question="Should the clinic open on Saturdays?",
            closes_on=date(2025, 5, 31),
            constituencies=["NORTH", "STAFF"],
        ),
    )
    assert found.status == ConsultationStatus.OPEN
    consultations.respond(db, KEYS, org, found, member=north, data=REPLY)
    consultations.respond(db, KEYS, org, found, member=nurse, data=REPLY)
    with pytest.raises(Conflict, match="already"):
        consultations.respond(db, KEYS, org, found, member=north, data=REPLY)
    with pytest.raises(Problem) as refused:
        consultations.respond(db, KEYS, org, found, member=south, data=REPLY)
    assert refused.value.status_code == 403
    assert sum(consultations.response_counts(db, found.id or 0).values()) == 2
    set_clock(local(date(2025, 6, 1)))
    assert consultations.shown_status(found, local(date(2025, 6, 1))) is ConsultationStatus.CLOSED
    late = member_in(db, org, "NORTH", first="Lee", last="Late")
    with pytest.raises(Conflict, match="closed"):
        consultations.respond(db, KEYS, org, found, member=late, data=REPLY)


def test_the_council_view_comes_before_the_board_regard(db: Session) -> None:
    org = trust(db)
    _member, user, _term = governor(db, org, "NORTH", first="Gwen", last="North")
    assert user is not None
    director = make_user(db, "director@example.org", roles={org.slug: [Role.DIRECTOR]})
    governors = Staff(org, user, frozenset({Role.GOVERNOR}))
    board = Staff(org, director, frozenset({Role.DIRECTOR}))
    set_clock(local(date(2025, 5, 1)))
    found = consultations.open_consultation(
        db,
        governors,
        ConsultationIn(
            title="T", question="Q", closes_on=date(2025, 5, 9), constituencies=["SOUTH"]
        ),
    )
    with pytest.raises(Conflict, match="council's view"):
        consultations.record_board_regard(db, board, found, StatementIn(text="Noted."))
    consultations.record_council_view(db, governors, found, StatementIn(text="Members agree."))
    consultations.record_board_regard(db, board, found, StatementIn(text="We will open."))
    assert found.board_regard == "We will open." and found.council_view_at is not None
    actions = set(audit_actions(db))
    assert {
        "accountability.consultation_opened",
        "accountability.council_view_recorded",
        "accountability.board_regard_recorded",
    } <= actions
    with pytest.raises(Invalid, match="no constituency"):
        consultations.open_consultation(
            db,
            governors,
            ConsultationIn(
                title="T", question="Q", closes_on=date(2025, 5, 9), constituencies=["NOWHERE"]
            ),
        )
