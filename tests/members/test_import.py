"""CSV import: every refusal reason, the dry run changing nothing, apply doing exactly what the
dry run said, and re-import idempotence (real database)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from governance import audit
from governance.errors import Conflict, Invalid
from governance.members import importing, privacy, queries, service
from governance.members.models import EndReason, Member, MembershipPeriod, RegisterImport
from governance.organisations.models import Organisation
from tests.members.conftest import TODAY
from tests.members.helpers import apply, check, load, report

HEADER = "reference,first_name,last_name,email,date_of_birth,area_code,constituency,postcode\n"


def members(db: Session, org: Organisation) -> dict[str, Member]:
    found = db.exec(select(Member).where(Member.organisation_id == org.id)).all()
    return {m.reference: m for m in found}


def test_every_refusal_reason_is_reported_with_its_row(db: Session, trust: Organisation) -> None:
    load(
        db,
        trust,
        HEADER + "OLD1,Olive,Old,olive@example.org,1960-01-01,E05000001,,\n"
        "STAFF1,Stan,Staff,stan@example.org,,,NURSES,\n",
    )
    text = HEADER + "\n".join(
        [
            "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,",  # 2: created
            ",No,Reference,,1970-01-01,E05000001,,",  # 3: missing field
            "R3,Bad,Date,,31/02/1970,E05000001,,",  # 4: bad date
            "R4,Bad,Email,bad@,1970-01-01,E05000001,,",  # 5: bad email
            "R5,Far,Away,,1970-01-01,E09999999,,",  # 6: unknown area
            "R6,Too,Young,,2015-01-01,E05000001,,",  # 7: under age
            "R1,Ann,Again,ann2@example.org,1970-01-01,E05000001,,",  # 8: same reference as row 2
            "R8,Ann,Twin,ann@example.org,1970-01-01,E05000001,,",  # 9: same email as row 2
            "R9,Olive,Copy,olive@example.org,1960-01-01,E05000001,,",  # 10: email of OLD1
            "R10,Stan,Public,stan@example.org,1980-01-01,E05000002,,",  # 11: staff member's email
            "R11,No,Where,,1970-01-01,,,",  # 12: outside every area
            "R12,No,Such,,1970-01-01,,MARS,",  # 13: unknown constituency
            "R13,Area,Clash,,1970-01-01,E05000001,SOUTH,",  # 14: area in another constituency
            "STAFF1,Stan,Staff,,1980-01-01,E05000001,,",  # 15: staff member to public
        ]
    )
    found = check(db, trust, text)
    lines = report(db, found)
    reasons = {row: (line["action"], line["reason"]) for row, line in lines.items()}
    assert reasons == {
        "2": ("create", ""),
        "3": ("refused", "missing-field"),
        "4": ("refused", "bad-date"),
        "5": ("refused", "bad-email"),
        "6": ("refused", "unknown-area"),
        "7": ("refused", "under-age"),
        "8": ("refused", "duplicate-row"),
        "9": ("refused", "duplicate-row"),
        "10": ("refused", "duplicate-member"),
        "11": ("refused", "staff-member"),
        "12": ("refused", "outside-areas"),
        "13": ("refused", "unknown-constituency"),
        "14": ("refused", "area-conflict"),
        "15": ("refused", "staff-member"),
    }
    assert "row 2" in lines["8"]["message"] and "row 2" in lines["9"]["message"]
    assert "OLD1" in lines["10"]["message"]
    assert "missing reference" in lines["3"]["message"]
    assert (found.rows, found.created, found.refused) == (14, 1, 13)


def test_the_dry_run_changes_no_member(db: Session, trust: Organisation) -> None:
    before = set(members(db, trust))
    found = check(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    assert found.created == 1 and found.status == "checked"
    assert set(members(db, trust)) == before


def test_apply_does_what_the_report_said_and_records_history(
    db: Session, trust: Organisation
) -> None:
    text = HEADER + (
        "R1,Ann,Smith,ann@example.org,1970-01-01,E05000003,,ls6 1ab\n"
        "R2,Bob,Jones,,1980-05-05,E05000001,,\n"
        "S1,Sue,Nurse,sue@example.org,,,NURSES,\n"
        "P1,Pat,Patient,,1990-01-01,,PATIENTS,\n"
    )
    applied = load(db, trust, text)
    assert (applied.status, applied.created, applied.refused) == ("applied", 4, 0)
    found = members(db, trust)
    ann = found["R1"]
    assert ann.postcode == "LS6 1AB" and ann.postcode_key == "LS61AB"
    assert ann.last_name_key == "smith" and ann.contact_email is True
    assert found["R2"].contact_post is True  # no email: post
    _, north = queries.electorate(db, trust.id or 0, "NORTH", TODAY)
    _, south = queries.electorate(db, trust.id or 0, "SOUTH", TODAY)
    _, staff = queries.electorate(db, trust.id or 0, "STAFF", TODAY)
    _, patients = queries.electorate(db, trust.id or 0, "PATIENTS", TODAY)
    assert (north, south, staff, patients) == (["R2"], ["R1"], ["S1"], ["P1"])
    reasons = db.exec(
        select(MembershipPeriod.start_reason).where(MembershipPeriod.member_id == found["S1"].id)
    ).all()
    assert reasons == ["enrolled"]


def test_reimporting_the_same_file_changes_nothing(db: Session, trust: Organisation) -> None:
    text = HEADER + (
        "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,LS1 4AP\n"
        "R2,Bob,Jones,,1980-05-05,E05000002,,\n"
        "R3,Too,Young,,2015-01-01,E05000001,,\n"
    )
    load(db, trust, text)
    periods = db.exec(select(MembershipPeriod)).all()
    again = check(db, trust, text)
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 2, 1)
    apply(db, trust, again)
    assert len(db.exec(select(MembershipPeriod)).all()) == len(periods)


def test_updates_and_moves_are_matched_by_reference(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    found = check(
        db, trust, HEADER + "R1,Ann,Smith-Jones,ann.sj@example.org,1970-01-01,E05000003,,\n"
    )
    line = report(db, found)["2"]
    assert line["action"] == "update"
    assert "last name" in line["message"] and "email" in line["message"]
    assert "constituency to SOUTH" in line["message"]
    apply(db, trust, found)
    ann = members(db, trust)["R1"]
    assert ann.last_name == "Smith-Jones" and ann.last_name_key == "smithjones"
    assert ann.email == "ann.sj@example.org"
    assert queries.electorate(db, trust.id or 0, "SOUTH", TODAY)[1] == ["R1"]
    assert queries.electorate(db, trust.id or 0, "NORTH", TODAY)[1] == []
    spells = [(p.constituency, p.end_reason) for p in queries.periods_out(db, ann.id or 0)]
    assert spells == [("NORTH", "moved"), ("SOUTH", None)]


def test_columns_absent_from_the_file_are_left_alone(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,LS1 4AP\n")
    found = check(db, trust, "reference,first_name,last_name\nR1,Ann,Smith\n")
    assert found.unchanged == 1
    assert members(db, trust)["R1"].postcode == "LS1 4AP"


def test_rows_of_former_and_erased_members_are_refused(db: Session, trust: Organisation) -> None:
    load(
        db,
        trust,
        HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n"
        "R2,Bob,Jones,bob@example.org,1970-01-01,E05000001,,\n"
        "S1,Sue,Nurse,sue@example.org,,,NURSES,\n",
    )
    found = members(db, trust)
    service.leave(
        db, trust, found["R1"], EndReason.RESIGNED, on=TODAY, note=None, actor="test", today=TODAY
    )
    privacy.erase(db, trust, found["R2"], actor="test", today=TODAY)
    service.leave(
        db, trust, found["S1"], EndReason.OPTED_OUT, on=TODAY, note=None, actor="test", today=TODAY
    )
    lines = report(
        db,
        check(
            db,
            trust,
            HEADER + "R1,Ann,Smith,,1970-01-01,E05000001,,\n"
            "R2,Bob,Jones,,1970-01-01,E05000001,,\n"
            "S1,Sue,Nurse,,,,NURSES,\n",
        ),
    )
    assert [lines[r]["reason"] for r in ("2", "3", "4")] == [
        "member-left",
        "member-erased",
        "opted-out",
    ]


def test_staff_contract_refusal(db: Session, trust: Organisation) -> None:
    text = (
        "reference,first_name,last_name,constituency,contract,contract_months\n"
        "S1,Sam,Short,NURSES,fixed_term,6\nS2,Sal,Long,NURSES,fixed_term,24\n"
    )
    lines = report(db, check(db, trust, text))
    assert lines["2"]["reason"] == "contract-too-short"
    assert lines["3"]["action"] == "create"


def test_byte_order_mark_crlf_and_excel_quoting(db: Session, trust: Organisation) -> None:
    text = (
        "\ufeffreference,first_name,last_name,address_line1,date_of_birth,area_code\r\n"
        'Q1,"Mary ""Molly""",O\'Brien,"1, The Close\r\nUpper Flat",1970-01-01,E05000001\r\n'
    )
    applied = load(db, trust, text.encode("utf-8"))
    assert applied.created == 1
    mary = members(db, trust)["Q1"]
    assert mary.first_name == 'Mary "Molly"'
    assert mary.address_line1 == "1, The Close Upper Flat"


def test_files_that_are_not_utf8_or_have_a_bad_header_are_refused_whole(
    db: Session, trust: Organisation
) -> None:
    with pytest.raises(Invalid) as caught:
        check(db, trust, ("reference,first_name,last_name\nR1,Zoë,Smith\n").encode("latin-1"))
    assert caught.value.slug == "not-utf8"
    with pytest.raises(Invalid) as caught:
        check(db, trust, "reference,first_name,surname\nR1,Ann,Smith\n")
    assert caught.value.slug == "bad-header" and "surname" in caught.value.detail
    with pytest.raises(Invalid):
        check(db, trust, "")
    assert db.exec(select(RegisterImport)).all() == []


def test_apply_refuses_when_the_register_changed_since_the_check(
    db: Session, trust: Organisation
) -> None:
    found = check(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    load(db, trust, HEADER + "X1,Xavier,Other,,1970-01-01,E05000001,,\n")
    with pytest.raises(Conflict) as caught:
        apply(db, trust, found)
    assert caught.value.slug == "register-changed"
    db.expire_all()
    assert db.get(RegisterImport, found.id).status == "stale"  # type: ignore[union-attr]
    assert "R1" not in members(db, trust)


def test_apply_needs_the_checks_fingerprint_and_runs_once(db: Session, trust: Organisation) -> None:
    found = check(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    with pytest.raises(Conflict) as caught:
        importing.apply(
            db, trust, found.id or 0, fingerprint_given="0.nope", actor="test", today=TODAY
        )
    assert caught.value.slug == "fingerprint-mismatch"
    apply(db, trust, found)
    with pytest.raises(Conflict) as caught:
        apply(db, trust, found)
    assert caught.value.slug == "import-applied"


def test_an_import_belongs_to_its_organisation(
    db: Session, trust: Organisation, coop: Organisation
) -> None:
    found = check(db, trust, HEADER + "R1,Ann,Smith,,1970-01-01,E05000001,,\n")
    with pytest.raises(Invalid):
        importing.apply(
            db,
            coop,
            found.id or 0,
            fingerprint_given=importing.fingerprint(found),
            actor="t",
            today=TODAY,
        )


def test_the_same_reference_in_two_organisations_is_two_members(
    db: Session, trust: Organisation, coop: Organisation
) -> None:
    load(db, trust, HEADER + "M1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    load(
        db,
        coop,
        "reference,first_name,last_name,email,date_of_birth,constituency\nM1,Ann,Smith,ann@example.org,1970-01-01,WORKERS\n",
    )
    assert members(db, coop)["M1"].id != members(db, trust)["M1"].id


def test_mutual_and_coop_imports_check_their_classes(
    db: Session, coop: Organisation, mutual: Organisation
) -> None:
    header = "reference,first_name,last_name,date_of_birth,constituency\n"
    text = header + "C1,A,B,1970-01-01,WORKERS\nC2,C,D,1970-01-01,\nC3,E,F,2015-01-01,INVESTORS\n"
    lines = report(db, check(db, coop, text))
    assert [lines[r]["reason"] for r in ("2", "3", "4")] == ["", "class-needed", "under-age"]
    text = header + "D1,A,B,1970-01-01,PA\nD2,C,D,1970-01-01,NORTH\n"
    lines = report(db, check(db, mutual, text))
    assert lines["2"]["action"] == "create"  # the secretary may enrol assistants
    assert lines["3"]["reason"] == "unknown-constituency"


def test_import_is_audited_without_personal_data(db: Session, trust: Organisation) -> None:
    load(db, trust, HEADER + "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,\n")
    entries = db.exec(
        select(audit.AuditEntry).where(col(audit.AuditEntry.action).like("register.%"))
    ).all()
    assert [e.action for e in entries] == ["register.import_checked", "register.import_applied"]
    assert all("ann" not in e.detail.lower() for e in entries)
    assert audit.verify(db)[1] == []


def test_large_batches_apply_as_reported(db: Session, trust: Organisation) -> None:
    """More rows than one batch, with duplicates across batches and an email moved between
    members, so the apply's later batches see its earlier writes."""
    rows = [f"B{n},First{n},Last{n},p{n}@example.org,1970-01-01,E05000001,," for n in range(4500)]
    load(db, trust, HEADER + "B1,First1,Last1,p1@example.org,1970-01-01,E05000001,,\n")
    rows[1] = "B1,First1,Last1,moved@example.org,1970-01-01,E05000001,,"  # p1@ freed by B1...
    rows[4100] = "B4100,First,Taken,p1@example.org,1970-01-01,E05000001,,"  # ...but B1 had it
    rows[4200] = "B0,Again,Zero,zero@example.org,1970-01-01,E05000001,,"  # B0 is row 2
    found = check(db, trust, HEADER + "\n".join(rows) + "\n")
    lines = report(db, found)
    assert lines["4102"]["reason"] == "duplicate-member"
    assert lines["4202"]["reason"] == "duplicate-row"
    assert (found.created, found.updated, found.refused) == (4497, 1, 2)
    applied = apply(db, trust, found)
    assert applied.status == "applied"
    assert len(members(db, trust)) == 4498


def test_checks_never_applied_expire_after_a_week(
    db: Session, trust: Organisation, engine: Any, settings: Any
) -> None:
    from datetime import timedelta

    from governance.members.import_store import CHUNKS
    from governance.members.jobs import expire_imports

    old = check(db, trust, HEADER + "R1,Ann,Smith,,1970-01-01,E05000001,,\n")
    fresh = check(db, trust, HEADER + "R2,Bob,Jones,,1970-01-01,E05000001,,\n")
    old.created_at = old.created_at - timedelta(days=8)
    db.add(old)
    db.commit()
    expire_imports(engine, settings)
    db.expire_all()
    assert db.get(RegisterImport, old.id).status == "expired"  # type: ignore[union-attr]
    assert db.get(RegisterImport, fresh.id).status == "checked"  # type: ignore[union-attr]
    kinds = db.execute(select(CHUNKS.c.kind).where(CHUNKS.c.import_id == old.id)).scalars().all()
    db.commit()
    assert kinds == ["report"]
    with pytest.raises(Conflict):
        apply(db, trust, old)
