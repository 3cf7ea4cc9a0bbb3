"""Erasure, a member's data, joining by email, and the public outputs' suppression."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlmodel import Session, select

from governance import audit
from governance.errors import Conflict, Invalid
from governance.mail import OutboxMessage, build_email
from governance.members import population, privacy, queries, service, suitable
from governance.members.models import EndReason, Member, MembershipPeriod
from governance.members.schemas import JoinIn, MemberUpdate, SuitablePersonIn
from governance.organisations.models import Organisation
from tests.members.conftest import TODAY
from tests.members.helpers import load

HEADER = (
    "reference,first_name,last_name,email,date_of_birth,area_code,constituency,joined_on,gender,"
    "hide_from_public_register\n"
)


def join(db: Session, org: Organisation, **answers: object) -> object:
    data = {
        "first_name": "Ann",
        "last_name": "Able",
        "email": "ann@example.org",
        "date_of_birth": date(1980, 1, 1),
        "consent": True,
        **answers,
    }
    return service.join(
        db, org, JoinIn(**data), actor="anonymous", base_url="https://gov.example", today=TODAY
    )  # type: ignore[arg-type]


def outbox(db: Session) -> list[OutboxMessage]:
    return list(db.exec(select(OutboxMessage)).all())


def test_joining_confirms_by_email_and_records_consent(db: Session, trust: Organisation) -> None:
    member = join(db, trust, postcode="ls6 1xy", contact_email=True, contact_sms=True)
    assert isinstance(member, Member)
    assert member.reference == "J000001"
    assert member.consent_source == "join" and member.consent_recorded_at is not None
    assert member.contact_email and member.contact_sms and not member.contact_post
    assert queries.electorate(db, trust.id or 0, "SOUTH", TODAY)[1] == [
        "J000001"
    ]  # placed by postcode
    (mail,) = outbox(db)
    assert mail.to_address == "ann@example.org" and "J000001" in mail.body_text
    assert "https://gov.example/o/riverside/me" in mail.body_text
    entry = db.exec(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "member.joined")
    ).one()
    assert json.loads(entry.detail)["consent"]["contact_sms"] is True


def test_joining_with_a_members_email_tells_them_by_email_only(
    db: Session, trust: Organisation
) -> None:
    join(db, trust, area_code="E05000001")
    again = join(db, trust, area_code="E05000001", first_name="Someone")
    assert again is None
    assert len(db.exec(select(Member)).all()) == 1
    assert [m.purpose for m in outbox(db)] == ["members.welcome", "members.join-duplicate"]


def test_joining_needs_consent_and_a_real_email(db: Session, trust: Organisation) -> None:
    with pytest.raises(Invalid):
        join(db, trust, area_code="E05000001", consent=False)
    with pytest.raises(Invalid):
        join(db, trust, area_code="E05000001", email="nobody")


def test_erasure_anonymises_but_keeps_counts_history_and_the_audit_chain(
    db: Session, trust: Organisation
) -> None:
    load(
        db,
        trust,
        HEADER + "A,Ann,Able,ann@example.org,1970-01-01,E05000001,,2020-01-01,Female,\n"
        "B,Bob,Best,bob@example.org,1970-01-01,E05000001,,2020-01-01,Male,\n",
    )
    ann = service.member_by_reference(db, trust.id or 0, "A")
    assert ann is not None
    service.update_details(
        db, trust, ann, MemberUpdate(phone="07700 900123"), actor="t", today=TODAY, by_member=False
    )
    privacy.erase(db, trust, ann, actor="member:1", today=TODAY)
    db.expire_all()
    erased = db.get(Member, ann.id)
    assert erased is not None and erased.status == "erased"
    assert (
        erased.first_name,
        erased.last_name,
        erased.email,
        erased.phone,
        erased.date_of_birth,
    ) == ("Erased", "member", None, None, None)
    assert erased.reference == "A" and erased.erased_at is not None
    assert erased.first_name_key == "" and erased.gender is None
    # counts on past days still include the (now anonymous) member; from today they do not
    assert queries.electorate(db, trust.id or 0, "NORTH", date(2024, 1, 1))[1] == ["A", "B"]
    assert queries.electorate(db, trust.id or 0, "NORTH", TODAY)[1] == ["B"]
    periods = db.exec(select(MembershipPeriod).where(MembershipPeriod.member_id == ann.id)).all()
    assert [(p.end_date, p.end_reason) for p in periods] == [(TODAY, "erased")]
    assert outbox(db) == [] or all(m.to_address != "ann@example.org" for m in outbox(db))
    assert audit.verify(db)[1] == []
    with pytest.raises(Conflict):
        privacy.erase(db, trust, erased, actor="t", today=TODAY)
    everything = json.dumps(privacy.data_about(db, trust, erased), default=str)
    assert "ann@example.org" not in everything and "Able" not in everything


def test_a_member_can_download_everything_held_about_them(db: Session, trust: Organisation) -> None:
    member = join(db, trust, area_code="E05000001", phone="07700 900123")
    assert isinstance(member, Member)
    data = privacy.data_about(db, trust, member)
    assert data["member"]["email"] == "ann@example.org"
    assert data["member"]["phone"] == "07700 900123"
    assert data["member"]["area"] == "Abbey"
    assert data["membership"][0]["constituency"] == "North"
    assert data["changes_recorded"][0]["action"] == "member.joined"
    assert data["emails"][0]["subject"].startswith("Welcome")
    json.dumps(data, default=str)


def test_suitable_persons_only_for_mutuals(
    db: Session, trust: Organisation, mutual: Organisation
) -> None:
    load(
        db,
        mutual,
        "reference,first_name,last_name,date_of_birth,constituency\nD1,Dee,Pay,1950-01-01,DP\n",
    )
    dee = service.member_by_reference(db, mutual.id or 0, "D1")
    assert dee is not None
    person = suitable.add_suitable_person(
        db,
        mutual,
        dee,
        SuitablePersonIn(name="Sam Carer", relationship="son"),
        actor="t",
        today=TODAY,
    )
    assert person.since == TODAY
    suitable.end_suitable_person(db, mutual, dee, person.id or 0, actor="t", today=TODAY)
    assert suitable.suitable_persons(db, dee.id or 0)[0].ended_on == TODAY
    load(
        db,
        trust,
        "reference,first_name,last_name,date_of_birth,area_code\nA,Ann,Able,1970-01-01,E05000001\n",
    )
    ann = service.member_by_reference(db, trust.id or 0, "A")
    assert ann is not None
    with pytest.raises(Invalid):
        suitable.add_suitable_person(
            db, trust, ann, SuitablePersonIn(name="X"), actor="t", today=TODAY
        )


def test_public_register_lists_names_and_constituencies_of_current_members_only(
    db: Session, trust: Organisation
) -> None:
    load(
        db,
        trust,
        HEADER + "A,Ann,Able,,1970-01-01,E05000001,,2020-01-01,,\n"
        "B,Bob,Best,,1970-01-01,E05000003,,2020-01-01,,yes\n"
        "C,Cat,Cole,,1970-01-01,E05000001,,2020-01-01,,\n"
        "S,Sue,Staff,,,,NURSES,2020-01-01,,\n",
    )
    cat = service.member_by_reference(db, trust.id or 0, "C")
    assert cat is not None
    service.leave(db, trust, cat, EndReason.RESIGNED, on=TODAY, note=None, actor="t", today=TODAY)
    entries = queries.public_register(db, trust.id or 0, today=TODAY)
    assert entries == [("Ann Able", "North"), ("Sue Staff", "Nursing staff")]
    assert queries.public_register(db, trust.id or 0, letter="s", today=TODAY) == [
        ("Sue Staff", "Nursing staff")
    ]


def test_public_counts_say_fewer_than_10(db: Session, trust: Organisation) -> None:
    rows = [f"N{n},Name,Person{n},,1970-01-01,E05000001,,2020-01-01,," for n in range(12)]
    rows += [f"S{n},Name,South{n},,1970-01-01,E05000003,,2020-01-01,," for n in range(3)]
    load(db, trust, HEADER + "\n".join(rows) + "\n")
    counts = {c.constituency: c for c in queries.public_counts(db, trust, TODAY)}
    assert (counts["NORTH"].members, counts["NORTH"].shown) == (12, "12")
    assert (counts["SOUTH"].members, counts["SOUTH"].shown) == (None, "fewer than 10")
    assert (counts["STAFF"].members, counts["STAFF"].shown) == (0, "0")


POPULATION = """constituency,dimension,category,population
NORTH,gender,Female,5200
NORTH,gender,Male,4800
NORTH,age_band,18-24,1000
NORTH,age_band,55-64,9000
"""


def test_representativeness_against_the_population(db: Session, trust: Organisation) -> None:
    rows = [f"F{n},Fay,F{n},,1960-01-01,E05000001,,2025-01-15,Female," for n in range(15)]
    rows += [f"M{n},Max,M{n},,2003-01-01,E05000001,,2025-03-15,male," for n in range(4)]
    load(db, trust, HEADER + "\n".join(rows) + "\n")
    assert population.upload(db, trust, io.BytesIO(POPULATION.encode()), actor="t") == 4
    sections = population.comparison(db, trust, TODAY, public=False)
    gender = next(s for s in sections if s.dimension.value == "gender")
    assert [(r.category, r.population, r.members) for r in gender.rows] == [
        ("Female", 5200, 15),
        ("Male", 4800, 4),
    ]
    age = next(s for s in sections if s.dimension.value == "age_band")
    assert {r.category: r.members for r in age.rows} == {"18-24": 4, "55-64": 0, "65-74": 15}
    public = population.comparison(db, trust, TODAY, public=True)
    male = next(s for s in public if s.dimension.value == "gender").rows[1]
    assert male.members is None and male.member_share is None
    csv_text = population.comparison_csv(sections)
    assert "NORTH,gender,Male,4800,48.0,4,21.1,-26.9,0.8" in csv_text
    churn = population.churn(db, trust.id or 0, date(2024, 6, 1), public=False)
    assert churn == [("2025-01", 15, 0), ("2025-03", 4, 0)]
    assert population.churn(db, trust.id or 0, date(2024, 6, 1), public=True)[1] == (
        "2025-03",
        None,
        0,
    )


def test_population_files_are_checked_whole(db: Session, trust: Organisation) -> None:
    bad = (
        POPULATION
        + "MARS,gender,Female,10\nNORTH,age_band,0-15,10\nNORTH,gender,Female,1\n"
        + "NORTH,colour,Blue,1\nNORTH,gender,Other,lots\n"
    )
    with pytest.raises(Invalid) as caught:
        population.upload(db, trust, io.BytesIO(bad.encode()), actor="t")
    messages = [e["message"] for e in caught.value.extra["errors"]]
    assert len(messages) == 5
    assert "unknown constituency 'MARS'" in messages[0] and "age bands" in messages[1]
    assert "twice" in messages[2]
    assert population.population(db, trust.id or 0) == {}


def test_the_welcome_asks_for_a_reply_only_when_replies_reach_the_organisation(
    db: Session, trust: Organisation
) -> None:
    join(db, trust, area_code="E05000001")
    (without,) = outbox(db)
    assert without.reply_to is None and "reply to this email" not in without.body_text
    assert "choose to leave the register" in without.body_text
    trust.contact_email = "members@riverside.example"
    db.add(trust)
    db.commit()
    join(db, trust, area_code="E05000001", email="bea@example.org", first_name="Bea")
    welcome = next(m for m in outbox(db) if m.to_address == "bea@example.org")
    assert welcome.reply_to == "members@riverside.example"
    assert "reply to this email" in welcome.body_text
    built = build_email(welcome, "governance@riverside.example")
    assert built["Reply-To"] == "members@riverside.example"
    assert build_email(without, "governance@riverside.example")["Reply-To"] is None
