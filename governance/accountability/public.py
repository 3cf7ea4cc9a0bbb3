"""Everything the public sees, one explicit allow-list of fields per list.

Each public list (the transparency pages, and the same list as JSON, CSV and Atom) is built
here, row by row, from named fields only: no model is ever serialised whole, so a field added
to a table later stays private until it is added to a list below. Drafts, unpublished answers,
members' names (unless they agreed), emails, assignment and internal notes are never read into
a row. ``_row`` refuses a row whose keys differ from its list's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from governance.accountability import consultations as consulting
from governance.accountability import elections_read, governors, meetings_read
from governance.accountability.access import local_day
from governance.accountability.models import (
    Consultation,
    ConsultationResponse,
    DecisionStatus,
    ForwardPlan,
    GovernorReport,
    KeyDecision,
    PlanStatus,
    RequestKind,
    RequestStatus,
    UpdateRequest,
    Vote,
)
from governance.accountability.service import assessment, votes_of
from governance.db import utcnow
from governance.meetings.thresholds import RULES, MotionKind
from governance.members.models import Constituency, Member
from governance.members.representativeness import shown, suppress
from governance.organisations.models import Organisation

Row = dict[str, Any]
Rows = Callable[[Session, Organisation], list[Row]]


@dataclass(frozen=True)
class Listing:
    name: str
    title: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (key, label): the allow-list
    rows: Rows
    title_key: str = "title"
    summary_key: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _label in self.columns)


def _row(columns: tuple[tuple[str, str], ...], values: Mapping[str, Any]) -> Row:
    keys = [key for key, _label in columns]
    if set(values) != set(keys):
        raise AssertionError(f"public row fields {sorted(values)} differ from {keys}")
    return {key: values[key] for key in keys}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() if value else None


def _names(session: Session, organisation: Organisation) -> dict[int | None, str]:
    rows = session.exec(
        select(Constituency.id, Constituency.name).where(
            Constituency.organisation_id == organisation.id
        )
    ).all()
    return dict(rows)


# -- governors and directors --------------------------------------------------------------------

PEOPLE = (
    ("id", "Reference"),
    ("name", "Name"),
    ("office", "Office"),
    ("constituency", "Constituency"),
    ("lead_governor", "Lead governor"),
    ("term_started", "Term started"),
    ("term_ends", "Term ends"),
    ("interests", "Interests declared"),
    ("interests_declared_on", "Interests declared on"),
    ("eligibility_declared_on", "Eligibility declared on"),
    ("updated", "Updated"),
)


def people_rows(session: Session, organisation: Organisation) -> list[Row]:
    today = local_day(organisation)
    rows = []
    for entry in governors.register(session, organisation, today):
        interests = entry.interests
        updated = max(
            [entry.term.created_at]
            + [d.created_at for d in (interests, entry.eligibility) if d is not None]
        )
        rows.append(
            _row(
                PEOPLE,
                {
                    "id": f"term-{entry.term.id}",
                    "name": entry.member.display_name,
                    "office": entry.office,
                    "constituency": entry.constituency,
                    "lead_governor": entry.lead,
                    "term_started": _day(entry.term.starts_on),
                    "term_ends": _day(entry.term.ends_on),
                    "interests": (interests.content or "None") if interests else "Not declared",
                    "interests_declared_on": _day(interests.declared_on) if interests else None,
                    "eligibility_declared_on": _day(entry.eligibility.declared_on)
                    if entry.eligibility
                    else None,
                    "updated": _moment(updated),
                },
            )
        )
    return rows


# -- key decisions ------------------------------------------------------------------------------

DECISIONS = (
    ("id", "Reference"),
    ("title", "Decision"),
    ("decision_maker", "Decided by"),
    ("taken_on", "Taken on"),
    ("category", "Statutory category"),
    ("threshold", "Threshold"),
    ("outcome", "Outcome"),
    ("notice", "Notice"),
    ("taken_without_notice", "Taken without notice"),
    ("urgent_reason", "Why notice was shorter"),
    ("votes_for", "For"),
    ("votes_against", "Against"),
    ("votes_abstained", "Abstained"),
    ("votes", "Votes"),
    ("motion", "Motion"),
    ("motion_passed", "Motion passed"),
    ("motion_link", "Motion result"),
    ("updated", "Updated"),
)

UPCOMING = (
    ("id", "Reference"),
    ("title", "Decision"),
    ("description", "Description"),
    ("decision_maker", "Decided by"),
    ("decision_date", "Date of decision"),
    ("papers", "Papers"),
    ("category", "Statutory category"),
    ("threshold", "Threshold"),
    ("notice_published_on", "Notice published on"),
    ("notice", "Notice"),
    ("urgent_reason", "Why notice is shorter"),
    ("forward_plan", "Forward plan"),
    ("updated", "Updated"),
)


def _category_label(category: str) -> str:
    try:
        return RULES[MotionKind(category)].label
    except ValueError:
        return "Other"


def decision_rows(session: Session, organisation: Organisation) -> list[Row]:
    today = local_day(organisation)
    taken = session.exec(
        select(KeyDecision)
        .where(
            KeyDecision.organisation_id == organisation.id,
            KeyDecision.status == DecisionStatus.TAKEN.value,
        )
        .order_by(col(KeyDecision.taken_on).desc(), col(KeyDecision.id).desc())
    ).all()
    votes = votes_of(session, [d.id for d in taken if d.id is not None])
    rows = []
    for d in taken:
        found = assessment(organisation, d, today)
        cast = votes.get(d.id or 0, [])
        motion = (
            meetings_read.motion_of(session, organisation, d.motion_id) if d.motion_id else None
        )
        rows.append(
            _row(
                DECISIONS,
                {
                    "id": f"decision-{d.id}",
                    "title": d.title,
                    "decision_maker": d.decision_maker,
                    "taken_on": _day(d.taken_on),
                    "category": _category_label(d.category),
                    "threshold": d.threshold,
                    "outcome": d.outcome,
                    "notice": found.status.label,
                    "taken_without_notice": found.taken_without_notice,
                    "urgent_reason": d.urgent_reason if d.urgent else None,
                    "votes_for": sum(1 for v in cast if v.vote == Vote.FOR),
                    "votes_against": sum(1 for v in cast if v.vote == Vote.AGAINST),
                    "votes_abstained": sum(1 for v in cast if v.vote == Vote.ABSTAIN),
                    "votes": [{"name": v.name, "role": v.role, "vote": v.vote} for v in cast],
                    "motion": motion.title if motion else None,
                    "motion_passed": motion.passed if motion else None,
                    "motion_link": motion.path if motion else None,
                    "updated": _moment(d.updated_at),
                },
            )
        )
    return rows


def upcoming_rows(session: Session, organisation: Organisation) -> list[Row]:
    today = local_day(organisation)
    published = session.exec(
        select(KeyDecision)
        .where(
            KeyDecision.organisation_id == organisation.id,
            KeyDecision.status == DecisionStatus.PUBLISHED.value,
        )
        .order_by(col(KeyDecision.decision_date), col(KeyDecision.id))
    ).all()
    years = dict(
        session.exec(
            select(ForwardPlan.id, ForwardPlan.year).where(
                ForwardPlan.organisation_id == organisation.id,
                ForwardPlan.status == PlanStatus.PUBLISHED.value,
            )
        ).all()
    )
    rows = []
    for d in published:
        found = assessment(organisation, d, today)
        rows.append(
            _row(
                UPCOMING,
                {
                    "id": f"decision-{d.id}",
                    "title": d.title,
                    "description": d.description,
                    "decision_maker": d.decision_maker,
                    "decision_date": _day(d.decision_date),
                    "papers": d.papers,
                    "category": _category_label(d.category),
                    "threshold": d.threshold,
                    "notice_published_on": _day(local_day(organisation, d.notice_published_at))
                    if d.notice_published_at
                    else None,
                    "notice": found.status.label,
                    "urgent_reason": d.urgent_reason if d.urgent else None,
                    "forward_plan": years.get(d.forward_plan_id),
                    "updated": _moment(d.updated_at),
                },
            )
        )
    return rows


# -- consultations ------------------------------------------------------------------------------

CONSULTATIONS = (
    ("id", "Reference"),
    ("title", "Consultation"),
    ("question", "Question"),
    ("decision", "Key decision"),
    ("constituencies", "Members asked"),
    ("opened_on", "Opened on"),
    ("closes_at", "Closes"),
    ("status", "Status"),
    ("responses", "Responses"),
    ("published_responses", "Responses published with their authors' agreement"),
    ("council_view", "The council's view"),
    ("board_regard", "How the board had regard to it"),
    ("updated", "Updated"),
)


def consultation_rows(session: Session, organisation: Organisation) -> list[Row]:
    now = utcnow()
    names = _names(session, organisation)
    titles = dict(
        session.exec(
            select(KeyDecision.id, KeyDecision.title).where(
                KeyDecision.organisation_id == organisation.id,
                KeyDecision.status != DecisionStatus.DRAFT.value,
            )
        ).all()
    )
    rows = []
    for c in consulting.consultations(session, organisation, public=True):
        assert c.id is not None
        answers = session.exec(
            select(ConsultationResponse.body, ConsultationResponse.publish_text).where(
                ConsultationResponse.consultation_id == c.id
            )
        ).all()
        texts = [{"response": body} for body, publish in answers if publish]
        updated = max(t for t in (c.opened_at, c.council_view_at, c.board_regard_at) if t)
        rows.append(
            _row(
                CONSULTATIONS,
                {
                    "id": f"consultation-{c.id}",
                    "title": c.title,
                    "question": c.question,
                    "decision": titles.get(c.decision_id) if c.decision_id else None,
                    "constituencies": "; ".join(
                        sorted(names.get(i, "") for i in consulting.constituency_ids(session, c.id))
                    ),
                    "opened_on": _day(local_day(organisation, c.opened_at))
                    if c.opened_at
                    else None,
                    "closes_at": _moment(c.closes_at),
                    "status": consulting.shown_status(c, now).label,
                    "responses": shown(suppress(len(answers))),
                    "published_responses": texts,
                    "council_view": c.council_view or None,
                    "board_regard": c.board_regard or None,
                    "updated": _moment(updated),
                },
            )
        )
    return rows


# -- election results -----------------------------------------------------------------------------

ELECTIONS = (
    ("id", "Reference"),
    ("title", "Election"),
    ("office", "Office"),
    ("constituency", "Constituency"),
    ("seats", "Seats"),
    ("candidates", "Candidates"),
    ("contested", "Contested"),
    ("electorate", "Electorate"),
    ("votes_cast", "Votes cast"),
    ("turnout", "Turnout"),
    ("elected", "Elected"),
    ("declared_on", "Declared on"),
    ("link", "Declaration"),
    ("updated", "Updated"),
)


def election_rows(session: Session, organisation: Organisation) -> list[Row]:
    return [
        _row(
            ELECTIONS,
            {
                "id": f"election-{e.id}",
                "title": e.title,
                "office": e.office,
                "constituency": e.constituency,
                "seats": e.seats,
                "candidates": e.candidates,
                "contested": e.contested,
                "electorate": e.electorate,
                "votes_cast": e.votes_cast,
                "turnout": e.turnout or None,
                "elected": "; ".join(e.elected),
                "declared_on": _day(local_day(organisation, e.declared_at)),
                "link": f"/o/{organisation.slug}/elections/{e.id}",
                "updated": _moment(e.declared_at),
            },
        )
        for e in elections_read.declared(session, organisation.id or 0)
    ]


# -- forward plans -------------------------------------------------------------------------------

PLANS = (
    ("id", "Reference"),
    ("year", "Year"),
    ("title", "Forward plan"),
    ("summary", "Summary"),
    ("governors_views", "The governors' views"),
    ("views_gathered_on", "Views gathered on"),
    ("board_regard", "How the board had regard to them"),
    ("published_on", "Published on"),
    ("updated", "Updated"),
)


def plan_rows(session: Session, organisation: Organisation) -> list[Row]:
    plans = session.exec(
        select(ForwardPlan)
        .where(
            ForwardPlan.organisation_id == organisation.id,
            ForwardPlan.status == PlanStatus.PUBLISHED.value,
        )
        .order_by(col(ForwardPlan.year).desc())
    ).all()
    return [
        _row(
            PLANS,
            {
                "id": f"plan-{p.year}",
                "year": p.year,
                "title": p.title,
                "summary": p.summary,
                "governors_views": p.governors_views,
                "views_gathered_on": _day(p.views_gathered_on),
                "board_regard": p.board_regard,
                "published_on": _day(local_day(organisation, p.published_at))
                if p.published_at
                else None,
                "updated": _moment(p.updated_at),
            },
        )
        for p in plans
    ]


# -- meetings: papers and minutes -----------------------------------------------------------------

MEETINGS = (
    ("id", "Reference"),
    ("title", "Meeting"),
    ("kind", "Kind of meeting"),
    ("starts_at", "Starts"),
    ("status", "Status"),
    ("papers", "Papers"),
    ("minutes", "Minutes"),
    ("link", "Meeting page"),
    ("updated", "Updated"),
)


def meeting_rows(session: Session, organisation: Organisation) -> list[Row]:
    rows = []
    for m in meetings_read.public_meetings(session, organisation):
        page = meetings_read.meeting_path(organisation, m.id)
        rows.append(
            _row(
                MEETINGS,
                {
                    "id": f"meeting-{m.id}",
                    "title": m.title,
                    "kind": m.kind,
                    "starts_at": _moment(m.starts_at),
                    "status": m.status,
                    "papers": [{"title": title, "link": link} for title, link in m.papers],
                    "minutes": f"{page}#minutes" if m.minutes_published_at else None,
                    "link": page,
                    "updated": _moment(m.updated_at),
                },
            )
        )
    return rows


# -- members' requests and the answers ------------------------------------------------------------

REQUESTS = (
    ("id", "Reference"),
    ("constituency", "Constituency"),
    ("kind", "Asked for"),
    ("title", "Subject"),
    ("question", "Question"),
    ("asked_by", "Asked by"),
    ("received_on", "Received on"),
    ("due_on", "Due by"),
    ("answered_on", "Answered on"),
    ("answered_in_time", "Answered in time"),
    ("answered_by", "Answered by"),
    ("answer", "Answer"),
    ("updated", "Updated"),
)


def request_rows(session: Session, organisation: Organisation) -> list[Row]:
    names = _names(session, organisation)
    answered = session.exec(
        select(UpdateRequest)
        .where(
            UpdateRequest.organisation_id == organisation.id,
            UpdateRequest.status == RequestStatus.ANSWERED.value,
            col(UpdateRequest.withheld_reason).is_(None),
        )
        .order_by(col(UpdateRequest.answered_at).desc())
    ).all()
    consenting = [r.member_id for r in answered if r.name_published]
    askers = {
        m.id: m.display_name
        for m in session.exec(select(Member).where(col(Member.id).in_(consenting))).all()
        if m.status != "erased"
    }
    return [
        _row(
            REQUESTS,
            {
                "id": f"R{r.id}",
                "constituency": names.get(r.constituency_id, ""),
                "kind": RequestKind(r.kind).label,
                "title": r.subject,
                "question": r.body,
                "asked_by": askers.get(r.member_id) if r.name_published else None,
                "received_on": _day(r.received_on),
                "due_on": _day(r.due_on),
                "answered_on": _day(r.answered_on),
                "answered_in_time": r.answered_on is not None and r.answered_on <= r.due_on,
                "answered_by": r.answered_by_name,
                "answer": r.answer,
                "updated": _moment(r.answered_at),
            },
        )
        for r in answered
    ]


# -- governors' reports ---------------------------------------------------------------------------

REPORTS = (
    ("id", "Reference"),
    ("title", "Report"),
    ("constituency", "To the members of"),
    ("author", "By"),
    ("published_on", "Published on"),
    ("body", "Report"),
    ("updated", "Updated"),
)


def report_rows(session: Session, organisation: Organisation) -> list[Row]:
    names = _names(session, organisation)
    found = session.exec(
        select(GovernorReport)
        .where(GovernorReport.organisation_id == organisation.id)
        .order_by(col(GovernorReport.published_at).desc())
    ).all()
    return [
        _row(
            REPORTS,
            {
                "id": f"report-{r.id}",
                "title": r.title,
                "constituency": names.get(r.constituency_id, "All members")
                if r.constituency_id
                else "All members",
                "author": r.author_name,
                "published_on": _day(r.published_on),
                "body": r.body,
                "updated": _moment(r.published_at),
            },
        )
        for r in found
    ]


LISTINGS: dict[str, Listing] = {
    listing.name: listing
    for listing in (
        Listing(
            "upcoming",
            "Upcoming key decisions",
            "Key decisions to be taken, published at least the required clear days before.",
            UPCOMING,
            upcoming_rows,
            summary_key="description",
        ),
        Listing(
            "decisions",
            "Decisions and how people voted",
            "Key decisions taken, with each governor's and director's vote.",
            DECISIONS,
            decision_rows,
            summary_key="outcome",
        ),
        Listing(
            "consultations",
            "Consultations",
            "What the governors asked members, the council's view and the board's response.",
            CONSULTATIONS,
            consultation_rows,
            summary_key="question",
        ),
        Listing(
            "people",
            "Governors and directors",
            "Everyone in office, their terms and their declared interests.",
            PEOPLE,
            people_rows,
            title_key="name",
            summary_key="interests",
        ),
        Listing(
            "elections",
            "Election results",
            "Declared results of elections.",
            ELECTIONS,
            election_rows,
            summary_key="elected",
        ),
        Listing(
            "forward-plans",
            "Forward plans",
            "The board's forward plan for each year, and the governors' views on it.",
            PLANS,
            plan_rows,
            summary_key="summary",
        ),
        Listing(
            "meetings",
            "Meeting papers and minutes",
            "Meetings that have been called, their papers and published minutes.",
            MEETINGS,
            meeting_rows,
        ),
        Listing(
            "requests",
            "Members' questions and the governors' answers",
            "Questions members asked their governors, and the answers. Members are named only "
            "if they agreed.",
            REQUESTS,
            request_rows,
            summary_key="answer",
        ),
        Listing(
            "reports",
            "Governors' reports",
            "Governors' regular reports back to their constituencies.",
            REPORTS,
            report_rows,
            summary_key="body",
        ),
    )
}


def consultation_of(
    session: Session, organisation: Organisation, consultation_id: int
) -> Consultation | None:
    """A consultation anyone may see (not a draft) of this organisation."""
    found = session.get(Consultation, consultation_id)
    if found is None or found.organisation_id != organisation.id or found.status == "draft":
        return None
    return found
