"""Gathering one organisation's figures for one year into the health report's input.

The year is the calendar year in the organisation's time zone; for the current year figures
run to today. Elections and meetings are read through this package's read-only queries.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from governance.accountability import elections_read, meetings_read
from governance.accountability.access import end_of_day, local_day
from governance.accountability.health import (
    AttendanceFigures,
    ChurnFigures,
    ElectionFigures,
    HealthInput,
    MembershipFigures,
    RequestFigures,
)
from governance.accountability.models import (
    AnnualStatement,
    BoardRequest,
    DecisionStatus,
    KeyDecision,
    RequestStatus,
    UpdateRequest,
)
from governance.accountability.notice import NoticeStatus, tally
from governance.accountability.service import assessment
from governance.accountability.update_requests import answer_rule
from governance.members import configuration, queries
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.members.offices import Office, OfficeTerm
from governance.members.population import JOINING, LEAVING, population
from governance.organisations.models import Organisation


def year_span(organisation: Organisation, year: int) -> tuple[date, date]:
    """The first day of the year and the last day counted (today, for the current year)."""
    last = min(date(year, 12, 31), local_day(organisation))
    return date(year, 1, 1), last


def _elections(session: Session, organisation: Organisation, year: int) -> list[ElectionFigures]:
    since = end_of_day(organisation, date(year - 1, 12, 31))
    before = end_of_day(organisation, date(year, 12, 31))
    found = elections_read.declared(session, organisation.id or 0, since=since, before=before)
    return [
        ElectionFigures(
            e.title, e.constituency, e.seats, e.candidates, e.contested, e.electorate, e.votes_cast
        )
        for e in reversed(found)
    ]


def _membership(
    session: Session, organisation: Organisation, top: list[Constituency], last: date
) -> list[MembershipFigures]:
    counts = queries.counts(session, organisation, last)
    figures = population(session, organisation.id or 0)
    result = []
    for c in top:
        totals = [sum(v.values()) for (cid, _dim), v in figures.items() if cid == c.id]
        result.append(
            MembershipFigures(c.name, counts.get(c.id or 0, 0), max(totals, default=None))
        )
    return result


def _churn(
    session: Session, organisation: Organisation, top: list[Constituency], first: date, last: date
) -> ChurnFigures:
    start_counts = queries.counts(session, organisation, first - timedelta(days=1))
    end_counts = queries.counts(session, organisation, last)
    org = MembershipPeriod.organisation_id == organisation.id
    joined = session.exec(
        select(func.count()).where(
            org,
            col(MembershipPeriod.start_date) >= first,
            col(MembershipPeriod.start_date) <= last,
            col(MembershipPeriod.start_reason).in_(JOINING),
        )
    ).one()
    left = session.exec(
        select(func.count()).where(
            org,
            col(MembershipPeriod.end_date) >= first,
            col(MembershipPeriod.end_date) <= last,
            col(MembershipPeriod.end_reason).in_(LEAVING),
        )
    ).one()
    return ChurnFigures(
        start=sum(start_counts.get(c.id or 0, 0) for c in top),
        joined=int(joined),
        left=int(left),
        end=sum(end_counts.get(c.id or 0, 0) for c in top),
    )


def _requests(
    session: Session, organisation: Organisation, first: date, last: date
) -> RequestFigures:
    received = session.exec(
        select(UpdateRequest).where(
            UpdateRequest.organisation_id == organisation.id,
            col(UpdateRequest.received_on) >= first,
            col(UpdateRequest.received_on) <= last,
            UpdateRequest.status != RequestStatus.WITHDRAWN.value,
        )
    ).all()
    rule = answer_rule(organisation)
    answered = [r for r in received if r.answered_on is not None]
    return RequestFigures(
        received=len(received),
        answered=len(answered),
        answered_in_time=sum(1 for r in answered if r.answered_on and r.answered_on <= r.due_on),
        open_overdue=sum(1 for r in received if r.answered_on is None and r.due_on < last),
        working_days=[
            rule.working_days_taken(r.received_on, r.answered_on)
            for r in answered
            if r.answered_on is not None
        ],
    )


def _decisions(
    session: Session, organisation: Organisation, first: date, last: date, today: date
) -> tuple[dict[NoticeStatus, int], int]:
    day = func.coalesce(KeyDecision.taken_on, KeyDecision.decision_date)
    found = session.exec(
        select(KeyDecision).where(
            KeyDecision.organisation_id == organisation.id,
            KeyDecision.status != DecisionStatus.WITHDRAWN.value,
            day >= first,
            day <= date(last.year, 12, 31),
        )
    ).all()
    results = [assessment(organisation, d, today) for d in found]
    return tally(results), sum(1 for r in results if r.taken_without_notice)


def _attendance(
    session: Session, organisation: Organisation, first: date, last: date
) -> list[AttendanceFigures]:
    assert organisation.id is not None
    meetings = meetings_read.council_meetings(
        session,
        organisation.id,
        end_of_day(organisation, first - timedelta(days=1)),
        end_of_day(organisation, last),
    )
    present = meetings_read.attended(session, [m.id for m in meetings])
    terms = session.exec(
        select(OfficeTerm).where(
            OfficeTerm.organisation_id == organisation.id,
            OfficeTerm.office == Office.GOVERNOR.value,
            col(OfficeTerm.starts_on) <= last,
            col(OfficeTerm.ends_on) > first,
            or_(col(OfficeTerm.ended_on).is_(None), col(OfficeTerm.ended_on) > first),
        )
    ).all()
    members = {
        m.id: m
        for m in session.exec(
            select(Member).where(col(Member.id).in_([t.member_id for t in terms]))
        ).all()
    }
    names = {c.id: c.name for c in configuration.constituencies(session, organisation.id)}
    result = []
    for term in sorted(terms, key=lambda t: (names.get(t.constituency_id, ""), t.member_id)):
        end = min(term.ends_on, term.ended_on) if term.ended_on else term.ends_on
        held = [m for m in meetings if term.starts_on <= local_day(organisation, m.starts_at) < end]
        member = members.get(term.member_id)
        if member is None:
            continue
        result.append(
            AttendanceFigures(
                name=member.display_name,
                constituency=names.get(term.constituency_id, "") if term.constituency_id else "",
                meetings=len(held),
                attended=sum(1 for m in held if (m.id, term.member_id) in present),
            )
        )
    return result


def gather(session: Session, organisation: Organisation, year: int) -> HealthInput:
    assert organisation.id is not None
    first, last = year_span(organisation, year)
    today = local_day(organisation)
    top = [c for c in configuration.constituencies(session, organisation.id) if c.parent_id is None]
    decisions, without_notice = _decisions(session, organisation, first, last, today)
    return HealthInput(
        organisation=organisation.name,
        year=year,
        elections=_elections(session, organisation, year),
        membership=_membership(session, organisation, top, last),
        churn=_churn(session, organisation, top, first, last),
        requests=_requests(session, organisation, first, last),
        decisions=decisions,
        taken_without_notice=without_notice,
        attendance=_attendance(session, organisation, first, last),
    )


def statement(session: Session, organisation: Organisation, year: int) -> AnnualStatement | None:
    return session.exec(
        select(AnnualStatement).where(
            AnnualStatement.organisation_id == organisation.id, AnnualStatement.year == year
        )
    ).first()


def attendance_powers(
    session: Session, organisation: Organisation, year: int
) -> list[BoardRequest]:
    """The council's requests to the board in the year, for the annual report."""
    return list(
        session.exec(
            select(BoardRequest)
            .where(
                BoardRequest.organisation_id == organisation.id,
                col(BoardRequest.requested_on) >= date(year, 1, 1),
                col(BoardRequest.requested_on) <= date(year, 12, 31),
            )
            .order_by(col(BoardRequest.requested_on))
        ).all()
    )
