"""The governor register: who holds office, for which constituency, for how long against the
cap; the lead governor; attendance at council meetings; training; declarations of interests and
of eligibility, renewed yearly; and the prompt to schedule an election as a term nears its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from governance.accountability import chasing, meetings_read, people
from governance.accountability.access import Staff, end_of_day, local_day
from governance.accountability.models import (
    Declaration,
    DeclarationKind,
    GovernorRecord,
    Training,
)
from governance.accountability.schemas import DeclarationIn, GovernorLinkIn, TrainingIn
from governance.accountability.service import record
from governance.accountability.terms import (
    CapStanding,
    Span,
    cap_standing,
    declaration_current,
    needs_prompt,
    prompt_on,
)
from governance.auth.guards import roles_in
from governance.auth.models import User
from governance.auth.service import normalise_email
from governance.db import utcnow
from governance.errors import Invalid
from governance.mail import queue_mail
from governance.members.models import Constituency, Member
from governance.members.offices import Office, OfficeTerm, holders_on
from governance.members.service import member_by_reference
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation


def _member(session: Session, organisation: Organisation, reference: str) -> Member:
    member = member_by_reference(session, organisation.id or 0, reference.strip())
    if member is None:
        raise Invalid(
            "unknown-member",
            f"There is no member {reference!r}.",
            extra={
                "errors": [{"field": "member", "message": "Enter the member number of a member"}]
            },
        )
    return member


def link_account(session: Session, who: Staff, data: GovernorLinkIn) -> GovernorRecord:
    """Record which staff account a governor acts through, and whether they are the lead."""
    organisation = who.organisation
    assert organisation.id is not None
    member = _member(session, organisation, data.member)
    assert member.id is not None
    user_id = None
    if data.user_email.strip():
        user = session.exec(
            select(User).where(User.email == normalise_email(data.user_email))
        ).first()
        if user is None or Role.GOVERNOR not in roles_in(session, user, organisation.id):
            raise Invalid(
                "not-a-governor",
                "That email is not a governor's account here.",
                extra={
                    "errors": [
                        {
                            "field": "user_email",
                            "message": "Enter the email of an account "
                            "with the governor role in this organisation",
                        }
                    ]
                },
            )
        user_id = user.id
    found = people.records_for(session, organisation.id, [member.id]).get(member.id)
    governor = found or GovernorRecord(organisation_id=organisation.id, member_id=member.id)
    if user_id is not None:
        governor.user_id = user_id
    if data.lead and not governor.lead:
        for other in session.exec(
            select(GovernorRecord).where(
                GovernorRecord.organisation_id == organisation.id,
                col(GovernorRecord.lead).is_(True),
            )
        ).all():
            other.lead = False
            other.lead_since = None
            session.add(other)
        session.flush()
        governor.lead = True
        governor.lead_since = local_day(organisation)
    governor.updated_at = utcnow()
    session.add(governor)
    session.flush()
    record(
        session, organisation, who.actor, "governor_recorded", governor,
        member_id=member.id, user_id=user_id, lead=governor.lead,
    )  # fmt: skip
    session.commit()
    return governor


def add_training(session: Session, who: Staff, data: TrainingIn) -> Training:
    organisation = who.organisation
    member = _member(session, organisation, data.member)
    assert organisation.id is not None and member.id is not None
    training = Training(
        organisation_id=organisation.id,
        member_id=member.id,
        course=data.course,
        completed_on=data.completed_on,
        recorded_by=who.actor,
    )
    session.add(training)
    session.flush()
    record(session, organisation, who.actor, "training_recorded", training, member_id=member.id)
    session.commit()
    return training


def add_declaration(session: Session, who: Staff, data: DeclarationIn) -> Declaration:
    organisation = who.organisation
    member = _member(session, organisation, data.member)
    assert organisation.id is not None and member.id is not None
    declaration = Declaration(
        organisation_id=organisation.id,
        member_id=member.id,
        office=data.office,
        kind=data.kind,
        content=data.content.strip(),
        declared_on=data.declared_on,
        recorded_by=who.actor,
    )
    session.add(declaration)
    session.flush()
    record(
        session, organisation, who.actor, "declaration_recorded", declaration,
        member_id=member.id, kind=data.kind.value,
    )  # fmt: skip
    session.commit()
    return declaration


def latest_declarations(
    session: Session, organisation_id: int, member_ids: list[int]
) -> dict[tuple[int, str], Declaration]:
    """The newest declaration of each kind per member."""
    found: dict[tuple[int, str], Declaration] = {}
    if not member_ids:
        return found
    for d in session.exec(
        select(Declaration)
        .where(
            Declaration.organisation_id == organisation_id,
            col(Declaration.member_id).in_(member_ids),
        )
        .order_by(col(Declaration.declared_on), col(Declaration.id))
    ):
        found[(d.member_id, d.kind)] = d
    return found


@dataclass
class Entry:
    """One office holder on the register, as staff see it."""

    member: Member
    office: str
    constituency: str
    term: OfficeTerm
    standing: CapStanding
    lead: bool = False
    account: str = ""
    interests: Declaration | None = None
    eligibility: Declaration | None = None
    interests_current: bool = False
    eligibility_current: bool = False
    training: list[Training] = field(default_factory=list)
    meetings: int = 0
    attended: int = 0
    prompt: bool = False
    prompt_on: date | None = None


def _year_bounds(organisation: Organisation, today: date) -> tuple[datetime, datetime]:
    start = date(today.year - 1, 12, 31)
    return end_of_day(organisation, start), end_of_day(organisation, today)


def register(
    session: Session, organisation: Organisation, today: date, office: Office | None = None
) -> list[Entry]:
    """Everyone in office today, governors first, with what the register records of them."""
    assert organisation.id is not None
    constitution = organisation.constitution
    running = holders_on(session, organisation.id, today, office)
    member_ids = sorted({t.member_id for t in running})
    members = {
        m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(member_ids))).all()
    }
    names = {
        c.id: c.name
        for c in session.exec(
            select(Constituency).where(Constituency.organisation_id == organisation.id)
        ).all()
    }
    all_terms = session.exec(
        select(OfficeTerm).where(
            OfficeTerm.organisation_id == organisation.id,
            col(OfficeTerm.member_id).in_(member_ids),
        )
    ).all()
    records = people.records_for(session, organisation.id, member_ids)
    accounts = {
        u.id: u.email
        for u in session.exec(
            select(User).where(col(User.id).in_([r.user_id for r in records.values() if r.user_id]))
        ).all()
    }
    declarations = latest_declarations(session, organisation.id, member_ids)
    trainings: dict[int, list[Training]] = {}
    for t in session.exec(
        select(Training)
        .where(Training.organisation_id == organisation.id, col(Training.member_id).in_(member_ids))
        .order_by(col(Training.completed_on).desc())
    ):
        trainings.setdefault(t.member_id, []).append(t)
    since, before = _year_bounds(organisation, today)
    council = meetings_read.council_meetings(session, organisation.id, since, before)
    present = meetings_read.attended(session, [m.id for m in council])
    renewal = constitution.declaration_renewal_months
    entries = []
    for term in running:
        member = members.get(term.member_id)
        if member is None:
            continue
        spans = [
            Span(t.starts_on, t.ends_on, t.ended_on)
            for t in all_terms
            if t.member_id == term.member_id and t.office == term.office
        ]
        governor = records.get(term.member_id)
        interests = declarations.get((term.member_id, DeclarationKind.INTERESTS.value))
        eligibility = declarations.get((term.member_id, DeclarationKind.ELIGIBILITY.value))
        in_term = [m for m in council if term.starts_on <= local_day(organisation, m.starts_at)]
        is_governor = term.office == Office.GOVERNOR.value
        entries.append(
            Entry(
                member=member,
                office=term.office,
                constituency=names.get(term.constituency_id, "") if term.constituency_id else "",
                term=term,
                standing=cap_standing(
                    spans,
                    today,
                    cap_years=constitution.governor_term_cap_years if is_governor else 0,
                    term_years=constitution.governor_term_years,
                ),
                lead=bool(governor and governor.lead and is_governor),
                account=accounts.get(governor.user_id, "") if governor and governor.user_id else "",
                interests=interests,
                eligibility=eligibility,
                interests_current=declaration_current(
                    interests.declared_on if interests else None, today, renewal
                ),
                eligibility_current=declaration_current(
                    eligibility.declared_on if eligibility else None, today, renewal
                ),
                training=trainings.get(term.member_id, []),
                meetings=len(in_term) if is_governor else 0,
                attended=sum(1 for m in in_term if (m.id, term.member_id) in present)
                if is_governor
                else 0,
                prompt=is_governor
                and needs_prompt(
                    Span(term.starts_on, term.ends_on, term.ended_on),
                    today,
                    constitution.term_end_prompt_months,
                ),
                prompt_on=prompt_on(term.ends_on, constitution.term_end_prompt_months),
            )
        )
    entries.sort(
        key=lambda e: (e.office != Office.GOVERNOR.value, e.constituency, e.member.last_name)
    )
    return entries


def prompt_term_ends(session: Session, organisation: Organisation, *, base_url: str) -> int:
    """Tell the secretaries, once per term, that a governor's term ends within the prompt
    period, so they schedule the election. Returns the number of terms prompted."""
    assert organisation.id is not None
    today = local_day(organisation)
    months = organisation.constitution.term_end_prompt_months
    secretaries = people.users_with_role(session, organisation.id, Role.SECRETARY)
    prompted = 0
    for term in holders_on(session, organisation.id, today, Office.GOVERNOR):
        span = Span(term.starts_on, term.ends_on, term.ended_on)
        if not needs_prompt(span, today, months):
            continue
        if not chasing.claim(
            session,
            organisation_id=organisation.id,
            subject="office_term",
            subject_id=term.id or 0,
            stage="term-end",
            recipients=len(secretaries),
        ):
            continue
        constituency = (
            session.get(Constituency, term.constituency_id) if term.constituency_id else None
        )
        where = f" for {constituency.name}" if constituency else ""
        for user in secretaries:
            queue_mail(
                session,
                to=user.email,
                subject=f"A governor's term{where} ends on {term.ends_on:%-d %B %Y}",
                text=(
                    f"Hello {user.name},\n\nA governor's term{where} ends on "
                    f"{term.ends_on:%A %-d %B %Y}. Schedule the election so that the seat is "
                    "filled in time.\n\n"
                    f"{base_url}/o/{organisation.slug}/accountability/governors\n"
                ),
                organisation_id=organisation.id,
                purpose="term-end-prompt",
            )
        record(
            session, organisation, "system", "term_end_prompted", term,
            ends_on=term.ends_on, recipients=len(secretaries),
        )  # fmt: skip
        prompted += 1
    session.commit()
    return prompted
