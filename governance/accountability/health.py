"""The democratic health report's arithmetic (pure).

The report gathers, for one organisation and year: turnout and contested seats per election,
candidates per seat, membership against the eligible population, churn, how quickly members'
requests were answered, whether key decisions were published on time, and governors'
attendance at council meetings. Everything becomes rows of (section, subject, measure, value)
text, the same rows for the page and the CSV.

In public output every count of people or of their requests from 1 to 9 is shown as
"fewer than 10", and any share or average worked out from such a count is withheld
(RULES.md section 6). Seats, candidates, decisions and named office holders' attendance are
already public facts and are shown as they are. Arithmetic is exact; nothing is a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from governance.accountability.notice import NoticeStatus
from governance.members.representativeness import SUPPRESS_BELOW, decimal_text, shown, suppress

WITHHELD = "withheld (fewer than 10)"


@dataclass(frozen=True)
class ElectionFigures:
    title: str
    constituency: str
    seats: int
    candidates: int
    contested: bool
    electorate: int | None
    votes_cast: int | None


@dataclass(frozen=True)
class MembershipFigures:
    constituency: str
    members: int
    population: int | None


@dataclass(frozen=True)
class ChurnFigures:
    start: int
    joined: int
    left: int
    end: int


@dataclass(frozen=True)
class RequestFigures:
    received: int
    answered: int
    answered_in_time: int
    open_overdue: int
    working_days: Sequence[int]  # taken to answer, one per answered request


@dataclass(frozen=True)
class AttendanceFigures:
    name: str
    constituency: str
    meetings: int
    attended: int


@dataclass(frozen=True)
class HealthInput:
    organisation: str
    year: int
    elections: Sequence[ElectionFigures]
    membership: Sequence[MembershipFigures]
    churn: ChurnFigures
    requests: RequestFigures
    decisions: dict[NoticeStatus, int]
    taken_without_notice: int
    attendance: Sequence[AttendanceFigures]


@dataclass(frozen=True)
class Row:
    section: str
    subject: str
    measure: str
    value: str


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a share from 0 to 1 (None when withheld) and its text."""

    label: str
    share: Fraction | None
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: list[Bar]


@dataclass(frozen=True)
class Report:
    organisation: str
    year: int
    public: bool
    rows: list[Row]
    charts: list[Chart]

    def section(self, name: str) -> list[Row]:
        return [row for row in self.rows if row.section == name]


def hidden(count: int | None, public: bool) -> bool:
    """Whether a count must not be shown (or used for a share) in this output."""
    return public and count is not None and 0 < count < SUPPRESS_BELOW


def count_text(count: int | None, public: bool) -> str:
    if count is None:
        return "not known"
    return shown(suppress(count)) if public else str(count)


def share(part: int, whole: int) -> Fraction | None:
    return None if whole <= 0 else Fraction(part, whole)


def percent_text(value: Fraction | None) -> str:
    return "not known" if value is None else f"{decimal_text(value * 100)}%"


def median(values: Sequence[int]) -> Fraction | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def _election_rows(data: HealthInput, public: bool) -> tuple[list[Row], Chart]:
    rows: list[Row] = []
    bars: list[Bar] = []
    section = "Elections"
    for e in data.elections:
        subject = f"{e.title} ({e.constituency})" if e.constituency else e.title
        turnout: Fraction | None = None
        withheld = hidden(e.votes_cast, public) or hidden(e.electorate, public)
        if e.contested and e.votes_cast is not None and e.electorate and not withheld:
            turnout = share(e.votes_cast, e.electorate)
        rows += [
            Row(section, subject, "Seats", str(e.seats)),
            Row(section, subject, "Candidates", str(e.candidates)),
            Row(section, subject, "Candidates per seat", _per_seat(e.candidates, e.seats)),
            Row(section, subject, "Contested", "yes" if e.contested else "no"),
            Row(section, subject, "Electorate", count_text(e.electorate, public)),
        ]
        if e.contested:
            rows.append(Row(section, subject, "Votes cast", count_text(e.votes_cast, public)))
            text = WITHHELD if withheld else percent_text(turnout)
            rows.append(Row(section, subject, "Turnout", text))
            bars.append(Bar(subject, turnout, text))
        else:
            bars.append(Bar(subject, None, "uncontested"))
    seats = sum(e.seats for e in data.elections)
    contested_seats = sum(e.seats for e in data.elections if e.contested)
    candidates = sum(e.candidates for e in data.elections)
    rows += [
        Row(section, "All elections", "Elections", str(len(data.elections))),
        Row(section, "All elections", "Seats", str(seats)),
        Row(section, "All elections", "Seats contested", str(contested_seats)),
        Row(
            section,
            "All elections",
            "Share of seats contested",
            percent_text(share(contested_seats, seats)),
        ),
        Row(section, "All elections", "Candidates per seat", _per_seat(candidates, seats)),
    ]
    return rows, Chart("turnout", "Turnout in each contested election", bars)


def _per_seat(candidates: int, seats: int) -> str:
    return "not known" if seats <= 0 else decimal_text(Fraction(candidates, seats), 2)


def _membership_rows(data: HealthInput, public: bool) -> tuple[list[Row], Chart]:
    rows: list[Row] = []
    bars: list[Bar] = []
    section = "Membership"
    for m in data.membership:
        rows.append(Row(section, m.constituency, "Members", count_text(m.members, public)))
        if m.population is None:
            rows.append(Row(section, m.constituency, "Eligible population", "not known"))
            continue
        rows.append(Row(section, m.constituency, "Eligible population", str(m.population)))
        coverage = None if hidden(m.members, public) else share(m.members, m.population)
        text = WITHHELD if hidden(m.members, public) else _per_thousand(coverage)
        rows.append(Row(section, m.constituency, "Members per 1,000 eligible", text))
        bars.append(Bar(m.constituency, coverage, text))
    churn = data.churn
    churn_rows = [
        ("Members at the start of the year", churn.start),
        ("Joined", churn.joined),
        ("Left", churn.left),
        ("Members at the end of the year", churn.end),
    ]
    rows += [Row("Churn", "All members", label, count_text(n, public)) for label, n in churn_rows]
    withheld = hidden(churn.left, public) or hidden(churn.start, public)
    rate = WITHHELD if withheld else percent_text(share(churn.left, churn.start))
    rows.append(Row("Churn", "All members", "Left, as a share of members at the start", rate))
    largest = max((b.share for b in bars if b.share is not None), default=None)
    scaled = [
        Bar(b.label, None if b.share is None or not largest else b.share / largest, b.text)
        for b in bars
    ]
    return rows, Chart("membership", "Members per 1,000 eligible people", scaled)


def _per_thousand(value: Fraction | None) -> str:
    return "not known" if value is None else decimal_text(value * 1000)


def _request_rows(data: HealthInput, public: bool) -> list[Row]:
    r = data.requests
    section = "Members' requests"
    subject = "All constituencies"
    rows = [
        Row(section, subject, "Received", count_text(r.received, public)),
        Row(section, subject, "Answered", count_text(r.answered, public)),
        Row(section, subject, "Answered in time", count_text(r.answered_in_time, public)),
        Row(section, subject, "Open and overdue", count_text(r.open_overdue, public)),
    ]
    withheld = hidden(r.answered, public)
    in_time = WITHHELD if withheld else percent_text(share(r.answered_in_time, r.answered))
    middle = median(r.working_days)
    days = "not known" if middle is None else decimal_text(middle)
    rows += [
        Row(section, subject, "Share answered in time", in_time),
        Row(section, subject, "Median working days to answer", WITHHELD if withheld else days),
    ]
    return rows


def _decision_rows(data: HealthInput) -> tuple[list[Row], Chart]:
    section = "Key decisions"
    total = sum(data.decisions.values())
    rows = [Row(section, "All key decisions", "Key decisions", str(total))]
    bars = []
    for status in NoticeStatus:
        number = data.decisions.get(status, 0)
        rows.append(Row(section, "All key decisions", status.label, str(number)))
        bars.append(Bar(status.label, share(number, total), str(number)))
    rows.append(
        Row(section, "All key decisions", "Taken without notice", str(data.taken_without_notice))
    )
    return rows, Chart("decisions", "Notice of key decisions", bars)


def _attendance_rows(data: HealthInput) -> tuple[list[Row], Chart]:
    section = "Governors' attendance"
    rows = []
    bars = []
    for a in data.attendance:
        subject = f"{a.name} ({a.constituency})" if a.constituency else a.name
        rate = share(a.attended, a.meetings)
        text = f"{a.attended} of {a.meetings}"
        rows.append(Row(section, subject, "Council meetings attended", text))
        bars.append(Bar(subject, rate, f"{text} ({percent_text(rate)})"))
    return rows, Chart("attendance", "Governors' attendance at council meetings", bars)


def build(data: HealthInput, *, public: bool) -> Report:
    """The report's rows and charts; ``public`` applies the small-number rule."""
    election_rows, turnout = _election_rows(data, public)
    membership_rows, coverage = _membership_rows(data, public)
    decision_rows, decisions = _decision_rows(data)
    attendance_rows, attendance = _attendance_rows(data)
    rows = [
        *election_rows,
        *membership_rows,
        *_request_rows(data, public),
        *decision_rows,
        *attendance_rows,
    ]
    charts = [c for c in (turnout, coverage, decisions, attendance) if c.bars]
    return Report(data.organisation, data.year, public, rows, charts)
