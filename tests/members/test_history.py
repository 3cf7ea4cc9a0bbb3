"""A member's history and "who was a member of constituency X on day D" (real database)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from governance.errors import Conflict, Invalid
from governance.members import queries, service
from governance.members.models import EndReason, Member, MembershipPeriod
from governance.members.schemas import JoinIn, MemberCreate, MemberUpdate
from governance.organisations.models import Organisation
from tests.members.conftest import TODAY
from tests.members.helpers import load

HEADER = "reference,first_name,last_name,email,date_of_birth,area_code,constituency,joined_on\n"


def member(db: Session, org: Organisation, reference: str) -> Member:
    found = service.member_by_reference(db, org.id or 0, reference)
    assert found is not None
    return found


def on(db: Session, org: Organisation, code: str, day: date) -> list[str]:
    return queries.electorate(db, org.id or 0, code, day)[1]


def test_as_of_date_follows_joining_moving_and_leaving(db: Session, trust: Organisation) -> None:
    load(
        db,
        trust,
        HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01\n"
        "B,Bob,Best,,1970-01-01,E05000001,,2024-03-01\n"
        "C,Cat,Cole,,1970-01-01,E05000003,,2021-05-05\n",
    )
    service.move_member(
        db, trust, member(db, trust, "A"), "SOUTH", on=date(2024, 1, 1), actor="t", today=TODAY
    )
    service.leave(
        db,
        trust,
        member(db, trust, "C"),
        EndReason.DECEASED,
        on=date(2025, 2, 1),
        note=None,
        actor="t",
        today=TODAY,
    )
    service.leave(
        db,
        trust,
        member(db, trust, "B"),
        EndReason.EXPELLED,
        on=date(2025, 3, 1),
        note="Abusive conduct at the AGM",
        actor="t",
        today=TODAY,
    )
    assert on(db, trust, "NORTH", date(2019, 12, 31)) == []
    assert on(db, trust, "NORTH", date(2020, 1, 1)) == ["A"]
    assert on(db, trust, "NORTH", date(2023, 12, 31)) == ["A"]
    assert on(db, trust, "NORTH", date(2024, 1, 1)) == []  # moved that day
    assert on(db, trust, "SOUTH", date(2024, 1, 1)) == ["A", "C"]
    assert on(db, trust, "NORTH", date(2024, 3, 1)) == ["B"]
    assert on(db, trust, "NORTH", date(2025, 2, 28)) == ["B"]
    assert on(db, trust, "NORTH", date(2025, 3, 1)) == []  # expelled that day
    assert on(db, trust, "SOUTH", date(2025, 1, 31)) == ["A", "C"]
    assert on(db, trust, "SOUTH", date(2025, 2, 1)) == ["A"]
    b = queries.periods_out(db, member(db, trust, "B").id or 0)
    assert [(p.end_reason, p.end_note) for p in b] == [("expelled", "Abusive conduct at the AGM")]
    assert member(db, trust, "B").status == "expelled"
    assert member(db, trust, "C").status == "deceased"


def test_electorate_of_the_staff_constituency_includes_its_classes(
    db: Session, trust: Organisation
) -> None:
    load(
        db, trust, HEADER + "S1,Sue,One,,,,NURSES,2020-01-01\nS2,Sid,Two,,,,OTHERSTAFF,2020-01-01\n"
    )
    assert on(db, trust, "STAFF", TODAY) == ["S1", "S2"]
    assert on(db, trust, "NURSES", TODAY) == ["S1"]


def test_the_as_of_query_is_one_indexed_query(db: Session, trust: Organisation) -> None:
    statement = queries.members_on([1, 2], TODAY)
    compiled = str(statement.compile(db.get_bind()))
    assert compiled.count("SELECT") == 1
    if db.get_bind().dialect.name == "sqlite":
        plan = (
            db.connection()
            .exec_driver_sql(
                "EXPLAIN QUERY PLAN "
                + str(statement.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
            )
            .all()
        )
        assert any(
            "ix_membership_period_constituency_id_start_date_end_date" in str(row) for row in plan
        )


def test_moving_home_to_another_constituency_transfers_after_notice(
    db: Session, trust: Organisation
) -> None:
    load(db, trust, HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01\n")
    ann = member(db, trust, "A")
    note = service.update_details(
        db,
        trust,
        ann,
        MemberUpdate(area_code="E05000003"),
        actor="member:1",
        today=TODAY,
        by_member=True,
    )
    assert note is not None and "20 June 2025" in note
    assert on(db, trust, "NORTH", date(2025, 6, 19)) == ["A"]
    assert on(db, trust, "SOUTH", date(2025, 6, 19)) == []
    assert on(db, trust, "SOUTH", date(2025, 6, 20)) == ["A"]
    assert queries.pending_move(db, ann, TODAY) is not None
    # moving back before the transfer takes effect cancels it
    service.update_details(
        db,
        trust,
        ann,
        MemberUpdate(area_code="E05000002"),
        actor="member:1",
        today=TODAY,
        by_member=True,
    )
    assert on(db, trust, "NORTH", date(2025, 7, 1)) == ["A"]
    assert queries.pending_move(db, ann, TODAY) is None
    assert (
        len(db.exec(select(MembershipPeriod).where(MembershipPeriod.member_id == ann.id)).all())
        == 1
    )


def test_a_new_postcode_can_move_a_member_too(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01\n")
    ann = member(db, trust, "A")
    service.update_details(
        db, trust, ann, MemberUpdate(postcode="LS7 2XY"), actor="t", today=TODAY, by_member=False
    )
    assert queries.pending_move(db, ann, TODAY) is not None


def test_moving_out_of_every_area_ends_public_membership(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01\n")
    ann = member(db, trust, "A")
    note = service.update_details(
        db, trust, ann, MemberUpdate(area_code=None), actor="t", today=TODAY, by_member=True
    )
    assert note is not None and "ended" in note
    assert ann.status == "lapsed"
    assert on(db, trust, "NORTH", TODAY) == []
    spells = queries.periods_out(db, ann.id or 0)
    assert (spells[0].end_reason, spells[0].end_note) == (
        "lapsed",
        "moved outside every public area",
    )


def test_leaving_checks_its_date_and_reason(db: Session, trust: Organisation) -> None:
    load(
        db,
        trust,
        HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01\nS,Sue,Staff,,,,NURSES,2020-01-01\n",
    )
    ann = member(db, trust, "A")
    with pytest.raises(Invalid, match="future"):
        service.leave(
            db,
            trust,
            ann,
            EndReason.RESIGNED,
            on=date(2025, 7, 1),
            note=None,
            actor="t",
            today=TODAY,
        )
    with pytest.raises(Invalid, match="before"):
        service.leave(
            db,
            trust,
            ann,
            EndReason.RESIGNED,
            on=date(2019, 1, 1),
            note=None,
            actor="t",
            today=TODAY,
        )
    with pytest.raises(Invalid, match="reason"):
        service.leave(
            db, trust, ann, EndReason.EXPELLED, on=TODAY, note=" ", actor="t", today=TODAY
        )
    with pytest.raises(Invalid, match="staff"):
        service.leave(
            db, trust, ann, EndReason.OPTED_OUT, on=TODAY, note=None, actor="t", today=TODAY
        )
    service.leave(
        db,
        trust,
        member(db, trust, "S"),
        EndReason.OPTED_OUT,
        on=TODAY,
        note=None,
        actor="t",
        today=TODAY,
    )
    service.leave(
        db,
        trust,
        ann,
        EndReason.LAPSED,
        on=TODAY,
        note="no longer eligible",
        actor="t",
        today=TODAY,
    )
    with pytest.raises(Conflict):
        service.leave(
            db, trust, ann, EndReason.RESIGNED, on=TODAY, note=None, actor="t", today=TODAY
        )


def test_reinstating_and_rejoining_start_a_new_spell(db: Session, trust: Organisation) -> None:
    load(
        db,
        trust,
        HEADER + "A,Ann,Able,ann@example.org,1970-01-01,E05000001,,2020-01-01\n"
        "B,Bob,Best,bob@example.org,1970-01-01,E05000001,,2020-01-01\n",
    )
    ann, bob = member(db, trust, "A"), member(db, trust, "B")
    for person in (ann, bob):
        service.leave(
            db,
            trust,
            person,
            EndReason.RESIGNED,
            on=date(2024, 1, 1),
            note=None,
            actor="t",
            today=TODAY,
        )
    service.reinstate(db, trust, ann, constituency_code=None, on=TODAY, actor="t")
    assert ann.status == "active" and on(db, trust, "NORTH", TODAY) == ["A"]
    rejoined = service.join(
        db,
        trust,
        JoinIn(
            first_name="Bob",
            last_name="Best",
            email="BOB@example.org",
            date_of_birth=date(1970, 1, 1),
            area_code="E05000003",
            consent=True,
        ),
        actor="anonymous",
        base_url="http://x",
        today=TODAY,
    )
    assert isinstance(rejoined, Member) and rejoined.id == bob.id
    assert [p.start_reason for p in queries.periods_out(db, bob.id or 0)] == ["joined", "rejoined"]
    assert on(db, trust, "SOUTH", TODAY) == ["B"]


def test_secretary_moves_check_the_target(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "S,Sue,Staff,,,,NURSES,2020-01-01\n")
    sue = member(db, trust, "S")
    with pytest.raises(Invalid, match="staff classes"):
        service.move_member(db, trust, sue, "STAFF", on=TODAY, actor="t", today=TODAY)
    with pytest.raises(Invalid, match="already"):
        service.move_member(db, trust, sue, "NURSES", on=TODAY, actor="t", today=TODAY)
    service.move_member(db, trust, sue, "OTHERSTAFF", on=TODAY, actor="t", today=TODAY)
    assert on(db, trust, "OTHERSTAFF", TODAY) == ["S"]


def test_secretary_adds_a_member_with_the_same_rules(db: Session, trust: Organisation) -> None:
    base = {
        "first_name": "Ann",
        "last_name": "Able",
        "email": "ann@example.org",
        "date_of_birth": date(1970, 1, 1),
    }
    made = service.join(
        db,
        trust,
        MemberCreate(**base, reference="T1", area_code="E05000001"),
        actor="user:1",
        base_url="http://x",
        today=TODAY,
        self_service=False,
    )
    assert isinstance(made, Member) and made.reference == "T1"
    with pytest.raises(Conflict, match="T1"):
        service.join(
            db,
            trust,
            MemberCreate(**base, area_code="E05000001"),
            actor="user:1",
            base_url="http://x",
            today=TODAY,
            self_service=False,
        )
    young = service.join(
        db,
        trust,
        MemberCreate(
            **{**base, "email": "y@example.org", "date_of_birth": date(2015, 1, 1)},
            area_code="E05000001",
        ),
        actor="user:1",
        base_url="http://x",
        today=TODAY,
        self_service=False,
    )
    assert not isinstance(young, Member)
