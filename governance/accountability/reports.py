"""Governors' reports back to their constituencies, on the constitution's schedule.

A constituency with governors in office is due a report an interval after its last one (or
after its longest-serving governor's term began, when there has been none). A report that has
not come by then is shown as missed, and the governors are reminded once for each due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.accountability import chasing, people
from governance.accountability.access import Staff, local_day
from governance.accountability.deadlines import report_due
from governance.accountability.models import GovernorReport
from governance.accountability.schemas import ReportIn
from governance.accountability.service import record
from governance.db import utcnow
from governance.errors import Invalid, Problem
from governance.mail import queue_mail
from governance.members import configuration
from governance.members.models import Constituency
from governance.organisations.models import Organisation


def publish_report(session: Session, who: Staff, data: ReportIn) -> GovernorReport:
    """Publish a report to a constituency (or, with none given, to every member). A governor
    reports to a constituency they represent; the secretary may publish for any."""
    organisation = who.organisation
    assert organisation.id is not None
    today = local_day(organisation)
    constituency_id = None
    if data.constituency:
        found = configuration.by_code(session, organisation.id, data.constituency)
        if found is None or found.id is None:
            raise Invalid(
                "unknown-constituency", f"There is no constituency {data.constituency!r}."
            )
        constituency_id = found.id
        if not who.is_secretary and not people.represents(
            session, organisation.id, who.user.id or 0, constituency_id, today
        ):
            raise Problem(403, "not-your-constituency", "You report to your own constituency.")
    now = utcnow()
    report = GovernorReport(
        organisation_id=organisation.id,
        constituency_id=constituency_id,
        title=data.title,
        body=data.body,
        author_name=who.user.name,
        author=who.actor,
        published_at=now,
        published_on=today,
    )
    session.add(report)
    session.flush()
    record(
        session,
        organisation,
        who.actor,
        "report_published",
        report,
        constituency_id=constituency_id,
    )
    session.commit()
    return report


def reports(session: Session, organisation: Organisation) -> list[GovernorReport]:
    return list(
        session.exec(
            select(GovernorReport)
            .where(GovernorReport.organisation_id == organisation.id)
            .order_by(col(GovernorReport.published_at).desc())
        ).all()
    )


@dataclass(frozen=True)
class Schedule:
    constituency: Constituency
    last_report: date | None
    due_on: date
    missed: bool


def schedule(session: Session, organisation: Organisation, today: date) -> list[Schedule]:
    """Each constituency with governors in office: its last report, the next due, and whether
    it was missed."""
    assert organisation.id is not None
    interval = organisation.constitution.governor_report_interval_months
    terms = people.governor_terms(session, organisation.id, today)
    last = dict(
        session.exec(
            select(GovernorReport.constituency_id, func.max(GovernorReport.published_on))
            .where(
                GovernorReport.organisation_id == organisation.id,
                col(GovernorReport.constituency_id).is_not(None),
            )
            .group_by(col(GovernorReport.constituency_id))
        ).all()
    )
    result = []
    for constituency in configuration.constituencies(session, organisation.id):
        own = [t for t in terms if t.constituency_id == constituency.id]
        if not own or constituency.id is None:
            continue
        since = min(t.starts_on for t in own)
        latest = last.get(constituency.id)
        due = report_due(latest, since, interval)
        result.append(Schedule(constituency, latest, due, today > due))
    return result


def remind_missed(session: Session, organisation: Organisation, *, base_url: str) -> int:
    """Remind the governors of a constituency whose report is overdue, once per due date."""
    assert organisation.id is not None
    today = local_day(organisation)
    reminded = 0
    for item in schedule(session, organisation, today):
        if not item.missed:
            continue
        users = people.governor_users(session, organisation.id, today, item.constituency.id)
        if not chasing.claim(
            session,
            organisation_id=organisation.id,
            subject="governor_report",
            subject_id=item.constituency.id or 0,
            stage=f"missed-{item.due_on.isoformat()}",
            recipients=len(users),
        ):
            continue
        for user in users:
            queue_mail(
                session,
                to=user.email,
                subject=f"Your report to {item.constituency.name} is overdue",
                text=(
                    f"Hello {user.name},\n\nThe governors' report to the members of "
                    f"{item.constituency.name} was due by {item.due_on:%A %-d %B %Y}.\n\n"
                    f"{base_url}/o/{organisation.slug}/accountability/reports\n"
                ),
                organisation_id=organisation.id,
                purpose="governor-report-missed",
            )
        record(
            session, organisation, "system", "report_missed", item.constituency,
            due_on=item.due_on, recipients=len(users),
        )  # fmt: skip
        reminded += 1
    session.commit()
    return reminded
