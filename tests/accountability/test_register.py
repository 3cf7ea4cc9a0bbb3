"""The governor register: terms against the cap, the lead governor, attendance, declarations;
the term-end prompt to the secretary and reminders of missed reports, each sent once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.accountability import governors, reports
from governance.accountability.access import Staff
from governance.accountability.jobs import missed_reports, term_end_prompts
from governance.accountability.models import DeclarationKind
from governance.accountability.schemas import DeclarationIn, GovernorLinkIn, ReportIn, TrainingIn
from governance.db import utcnow
from governance.meetings.models import Attendance, Meeting
from governance.members.offices import Office, start_terms
from governance.organisations.constitution import Role
from governance.settings import Settings
from tests.accountability.support import (
    constituency_id,
    governor,
    local,
    mail_to,
    set_clock,
    trust,
)
from tests.factories import audit_actions, make_user


def test_the_register_shows_terms_cap_attendance_and_declarations(db: Session) -> None:
    org = trust(db)
    member, user, _term = governor(
        db, org, "NORTH", first="Gwen", last="North", starts_on=date(2023, 4, 1)
    )
    start_terms(
        db,
        organisation_id=org.id or 0,
        member_ids=[member.id or 0],
        office=Office.GOVERNOR,
        starts_on=date(2017, 4, 1),
        years=6,
        constituency_id=constituency_id(db, org, "NORTH"),
    )
    db.commit()
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    who = Staff(org, secretary, frozenset({Role.SECRETARY}))
    governors.link_account(db, who, GovernorLinkIn(member=member.reference, lead=True))
    governors.add_training(
        db,
        who,
        TrainingIn(member=member.reference, course="Induction", completed_on=date(2023, 5, 1)),
    )
    governors.add_declaration(
        db,
        who,
        DeclarationIn(
            member=member.reference,
            kind=DeclarationKind.INTERESTS,
            content="Trustee of a local charity",
            declared_on=date(2025, 4, 2),
        ),
    )
    set_clock(local(date(2025, 6, 2)))
    now = utcnow()
    held = [
        Meeting(
            organisation_id=org.id or 0,
            kind="council_of_governors",
            title=f"Council {n}",
            starts_at=now - timedelta(days=n * 30),
            ends_at=now - timedelta(days=n * 30, hours=-2),
            status="closed",
        )
        for n in (1, 2, 3)
    ]
    db.add_all(held)
    db.commit()
    db.add(
        Attendance(
            meeting_id=held[0].id or 0,
            member_id=member.id or 0,
            mode="in_person",
            capacity="governor",
        )
    )
    db.commit()
    (entry,) = governors.register(db, org, date(2025, 6, 2))
    assert entry.lead and entry.constituency == "North" and entry.account == user.email
    assert entry.standing.served_months == 98 and entry.standing.served_at_term_end == 108
    assert not entry.standing.can_stand_again
    assert (entry.meetings, entry.attended) == (3, 1)
    assert entry.interests_current and not entry.eligibility_current
    assert [t.course for t in entry.training] == ["Induction"]
    assert {
        "accountability.governor_recorded",
        "accountability.training_recorded",
        "accountability.declaration_recorded",
    } <= set(audit_actions(db))


def test_only_one_lead_governor(db: Session) -> None:
    org = trust(db)
    _first, _, _ = governor(db, org, "NORTH", first="Gwen", last="North", lead=True)
    second, _, _ = governor(db, org, "SOUTH", first="Sam", last="South")
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    who = Staff(org, secretary, frozenset({Role.SECRETARY}))
    governors.link_account(db, who, GovernorLinkIn(member=second.reference, lead=True))
    leads = [e.member.reference for e in governors.register(db, org, utcnow().date()) if e.lead]
    assert leads == [second.reference]


def test_terms_ending_within_six_months_prompt_the_secretary_once(
    db: Session, engine: Engine, settings: Settings
) -> None:
    org = trust(db)
    governor(
        db, org, "NORTH", first="Gwen", last="North", starts_on=date(2022, 11, 1)
    )  # ends 2025-11-01
    governor(db, org, "SOUTH", first="Sam", last="South", starts_on=date(2024, 4, 1))
    secretary = make_user(db, "sec@example.org", roles={org.slug: [Role.SECRETARY]})
    set_clock(local(date(2025, 4, 30)))
    term_end_prompts(engine, settings)
    assert mail_to(db, secretary.email) == []
    set_clock(local(date(2025, 5, 1)))
    term_end_prompts(engine, settings)
    term_end_prompts(engine, settings)
    prompts = mail_to(db, secretary.email)
    assert len(prompts) == 1 and "North" in prompts[0].subject
    assert "1 November 2025" in prompts[0].subject
    entries = governors.register(db, org, date(2025, 5, 1))
    assert [e.prompt for e in entries] == [True, False]
    assert "accountability.term_end_prompted" in audit_actions(db)


def test_missed_reports_show_and_remind_once_per_due_date(
    db: Session, engine: Engine, settings: Settings
) -> None:
    org = trust(db)
    _, user, _ = governor(db, org, "NORTH", first="Gwen", last="North", starts_on=date(2025, 1, 10))
    assert user is not None
    set_clock(local(date(2025, 7, 10)))
    (item,) = reports.schedule(db, org, date(2025, 7, 10))
    assert item.due_on == date(2025, 7, 10) and not item.missed
    db.commit()  # end the read: on SQLite every transaction holds the write lock
    set_clock(local(date(2025, 7, 11)))
    missed_reports(engine, settings)
    missed_reports(engine, settings)
    assert len(mail_to(db, user.email)) == 1
    who = Staff(org, user, frozenset({Role.GOVERNOR}))
    reports.publish_report(
        db, who, ReportIn(title="Summer", body="What we did.", constituency="NORTH")
    )
    (item,) = reports.schedule(db, org, date(2025, 7, 11))
    assert item.last_report == date(2025, 7, 11) and item.due_on == date(2026, 1, 11)
    assert not item.missed
