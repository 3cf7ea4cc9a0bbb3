"""The election timetable: each step's latest date, counted back from the close of poll.

Under the Model Election Rules 2014 (MER) for NHS foundation trusts each step has a deadline a
fixed number of working days before the day of the close of poll, which is day 0:

====================================  =================================
step                                  latest
====================================  =================================
notice of election                    40th working day before
nominations close                     28th working day before
statement of nominated candidates     27th working day before
withdrawals close                     25th working day before
notice of poll (voting opens)         15th working day before
close of poll                         5 pm on the day itself
====================================  =================================

A trust may run a longer timetable: any step may come earlier than its latest date. A step
proposed later than its latest date is an error that stands until the returning officer
overrides it with a recorded reason (:func:`apply_overrides`). Steps out of order, a poll that
closes before it opens and, where the rules count working days, a step on a non-working day are
errors no reason can override; they are fixed by changing the dates or the calendar.

Co-operatives and mutuals set their own periods; :class:`TimetableRules` holds them, counted
in working days, calendar days or clear days, and :data:`COOP_DEFAULT` is a starting point.

Times of day. A date alone says which day; the moment within it is fixed by the kind of step:
steps that *publish* something (notices, the statement of candidates, the opening of the poll)
are taken to happen at 09:00 local time, steps that *close* something (nominations, withdrawals,
the poll) at 17:00 local time. A publishing step is late only when its day is later than the
latest day; a closing step is late when its moment is later than the latest day at the closing
time, so nominations that close at 18:00 on the last day are late. The three times
(publishing, closing, close of poll) are settings of :class:`TimetableRules`.

Pure: standard library only, no framework or database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum, StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from governance.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
"""The default local time zone for England and Wales."""


class StepKind(StrEnum):
    """Whether a step publishes something (a day matters) or closes something (a moment)."""

    PUBLISHES = "publishes"
    CLOSES = "closes"


class Step(Enum):
    """The steps of an election, in the order they happen. The value is the stored name."""

    NOTICE_OF_ELECTION = "notice_of_election"
    NOMINATIONS_CLOSE = "nominations_close"
    STATEMENT_OF_NOMINATED_CANDIDATES = "statement_of_nominated_candidates"
    WITHDRAWALS_CLOSE = "withdrawals_close"
    NOTICE_OF_POLL = "notice_of_poll"
    CLOSE_OF_POLL = "close_of_poll"

    @property
    def label(self) -> str:
        """The step's name in words."""
        return _LABELS[self]

    @property
    def kind(self) -> StepKind:
        """Whether the step publishes something or closes something."""
        return _KINDS[self]

    @property
    def position(self) -> int:
        """The step's place in the timetable, from 0 for the notice of election."""
        return _ORDER.index(self)


_ORDER: tuple[Step, ...] = tuple(Step)
_LABELS = {
    Step.NOTICE_OF_ELECTION: "notice of election",
    Step.NOMINATIONS_CLOSE: "nominations close",
    Step.STATEMENT_OF_NOMINATED_CANDIDATES: "statement of nominated candidates",
    Step.WITHDRAWALS_CLOSE: "withdrawals close",
    Step.NOTICE_OF_POLL: "notice of poll (voting opens)",
    Step.CLOSE_OF_POLL: "close of poll",
}
_KINDS = {
    Step.NOTICE_OF_ELECTION: StepKind.PUBLISHES,
    Step.NOMINATIONS_CLOSE: StepKind.CLOSES,
    Step.STATEMENT_OF_NOMINATED_CANDIDATES: StepKind.PUBLISHES,
    Step.WITHDRAWALS_CLOSE: StepKind.CLOSES,
    Step.NOTICE_OF_POLL: StepKind.PUBLISHES,
    Step.CLOSE_OF_POLL: StepKind.CLOSES,
}


class Counting(StrEnum):
    """How a step's period before the close of poll is counted.

    With ``n`` the step's number of days and the close of poll as day 0:

    - ``WORKING_DAYS``: the latest date is the ``n``-th working day before the close of poll,
      and the step itself must fall on a working day;
    - ``CLEAR_WORKING_DAYS``: ``n`` working days lie strictly between the step and the close;
    - ``DAYS``: the latest date is ``n`` calendar days before the close;
    - ``CLEAR_DAYS``: ``n`` calendar days lie strictly between the step and the close.
    """

    WORKING_DAYS = "working_days"
    CLEAR_WORKING_DAYS = "clear_working_days"
    DAYS = "days"
    CLEAR_DAYS = "clear_days"


@dataclass(frozen=True, slots=True)
class StepRule:
    """A step's latest date: ``days`` before the close of poll, counted as ``counting`` says."""

    days: int
    counting: Counting = Counting.WORKING_DAYS

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"a step cannot be after the close of poll ({self.days} days)")

    def latest(self, close_of_poll: date, calendar: WorkingCalendar) -> date:
        """The latest date for the step when the poll closes on ``close_of_poll``."""
        match self.counting:
            case Counting.WORKING_DAYS:
                return calendar.working_days_before(close_of_poll, self.days)
            case Counting.CLEAR_WORKING_DAYS:
                return calendar.latest_date_with_clear_days(
                    close_of_poll, self.days, working_only=True
                )
            case Counting.DAYS:
                return close_of_poll - timedelta(days=self.days)
            case Counting.CLEAR_DAYS:
                return calendar.latest_date_with_clear_days(close_of_poll, self.days)
        raise AssertionError(f"unhandled counting {self.counting!r}")

    def describe(self) -> str:
        """The rule in words, e.g. "28th working day before close of poll"."""
        match self.counting:
            case Counting.WORKING_DAYS:
                return f"{_ordinal(self.days)} working day before close of poll"
            case Counting.CLEAR_WORKING_DAYS:
                return f"{self.days} clear working days before close of poll"
            case Counting.DAYS:
                return f"{self.days} days before close of poll"
            case Counting.CLEAR_DAYS:
                return f"{self.days} clear days before close of poll"
        raise AssertionError(f"unhandled counting {self.counting!r}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class TimetableRules:
    """An organisation's timetable: each step's period before the close of poll, and the times.

    ``steps`` gives a :class:`StepRule` for every step before the close of poll; the close of
    poll's own rule says only how its day is treated (``StepRule(0, WORKING_DAYS)`` requires a
    working day; ``StepRule(0, DAYS)`` allows any day). ``publishes_at`` and ``closes_at`` are
    the local times given to steps that publish and steps that close; ``close_of_poll_at`` is
    the time the poll closes.
    """

    name: str
    steps: Mapping[Step, StepRule] = field(hash=False)
    publishes_at: time = time(9, 0)
    closes_at: time = time(17, 0)
    close_of_poll_at: time = time(17, 0)

    def __post_init__(self) -> None:
        missing = [step.label for step in Step if step not in self.steps]
        if missing:
            raise ValueError(f"timetable rules {self.name!r} have no rule for {', '.join(missing)}")
        strays = [key for key in self.steps if not isinstance(key, Step)]
        if strays:
            raise ValueError(f"timetable rules {self.name!r} name unknown steps: {strays!r}")
        if not all(isinstance(rule, StepRule) for rule in self.steps.values()):
            raise ValueError(f"timetable rules {self.name!r} need a StepRule for every step")
        if self.steps[Step.CLOSE_OF_POLL].days != 0:
            raise ValueError("the close of poll is day 0 of its own timetable")
        for moment in (self.publishes_at, self.closes_at, self.close_of_poll_at):
            if moment.tzinfo is not None:
                raise ValueError("timetable times are local wall-clock times, without a zone")
        object.__setattr__(self, "steps", MappingProxyType({s: self.steps[s] for s in Step}))

    def rule(self, step: Step) -> StepRule:
        """The rule for ``step``."""
        return self.steps[step]

    def time_of(self, step: Step) -> time:
        """The local time of day at which ``step`` is taken to happen."""
        if step is Step.CLOSE_OF_POLL:
            return self.close_of_poll_at
        return self.closes_at if step.kind is StepKind.CLOSES else self.publishes_at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for an organisation to store its own rules."""
        return {
            "name": self.name,
            "steps": {
                step.value: {"days": rule.days, "counting": rule.counting.value}
                for step, rule in self.steps.items()
            },
            "publishes_at": self.publishes_at.isoformat(timespec="minutes"),
            "closes_at": self.closes_at.isoformat(timespec="minutes"),
            "close_of_poll_at": self.close_of_poll_at.isoformat(timespec="minutes"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimetableRules:
        """Rules from :meth:`to_dict`'s form; raises :class:`ValueError` if it is malformed."""
        try:
            steps = {
                Step(key): StepRule(int(value["days"]), Counting(value["counting"]))
                for key, value in data["steps"].items()
            }
            return cls(
                name=str(data["name"]),
                steps=steps,
                publishes_at=time.fromisoformat(data["publishes_at"]),
                closes_at=time.fromisoformat(data["closes_at"]),
                close_of_poll_at=time.fromisoformat(data["close_of_poll_at"]),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed timetable rules: {error!r}") from error


MER2014 = TimetableRules(
    name="Model Election Rules 2014",
    steps={
        Step.NOTICE_OF_ELECTION: StepRule(40),
        Step.NOMINATIONS_CLOSE: StepRule(28),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: StepRule(27),
        Step.WITHDRAWALS_CLOSE: StepRule(25),
        Step.NOTICE_OF_POLL: StepRule(15),
        Step.CLOSE_OF_POLL: StepRule(0),
    },
)
"""The NHS foundation trust timetable of the Model Election Rules 2014, in working days."""

COOP_DEFAULT = TimetableRules(
    name="Co-operative board election by ballot (default)",
    steps={
        Step.NOTICE_OF_ELECTION: StepRule(28, Counting.CLEAR_DAYS),
        Step.NOMINATIONS_CLOSE: StepRule(21, Counting.DAYS),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: StepRule(20, Counting.DAYS),
        Step.WITHDRAWALS_CLOSE: StepRule(17, Counting.DAYS),
        Step.NOTICE_OF_POLL: StepRule(14, Counting.CLEAR_DAYS),
        Step.CLOSE_OF_POLL: StepRule(0, Counting.DAYS),
    },
)
"""A configurable starting point for a co-operative's board election by ballot, not law:
28 clear days' notice of election, nominations close 21 days before the close of poll, the
statement of candidates the day after, withdrawals close 17 days before, and the poll open for
at least 14 clear days. A society's own rules take precedence; store them as
:class:`TimetableRules`."""


def _local_time(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


@dataclass(frozen=True)
class Timetable:
    """Each step's latest date for a poll closing on ``close_of_poll`` under ``rules``."""

    close_of_poll: date
    rules: TimetableRules
    latest: Mapping[Step, date] = field(hash=False)

    def __getitem__(self, step: Step) -> date:
        return self.latest[step]

    def __iter__(self) -> Iterator[tuple[Step, date]]:
        """The steps and their latest dates, in order."""
        return iter(self.latest.items())

    def datetimes(self, zone: ZoneInfo | str = LONDON) -> dict[Step, datetime]:
        """Each step's latest moment as an aware UTC datetime.

        The moment is the step's latest date at the rules' local time for it in ``zone``
        (09:00 for steps that publish, 17:00 for steps that close, by default), so British
        Summer Time is accounted for.
        """
        local = _local_time(zone)
        return {
            step: datetime.combine(day, self.rules.time_of(step), tzinfo=local).astimezone(UTC)
            for step, day in self.latest.items()
        }


def statutory_timetable(
    close_of_poll: date, calendar: WorkingCalendar, rules: TimetableRules = MER2014
) -> Timetable:
    """The latest date of every step for a poll that closes on ``close_of_poll``.

    Raises :class:`ValueError` if the rules put a step at or before the moment of the step
    before it for this date (a rule set mixing counting methods can), or if the counting
    reaches a year the calendar does not know. The statutory dates themselves always pass
    :func:`check`, apart from a close of poll on a non-working day where the rules forbid it.
    """
    if isinstance(close_of_poll, datetime) or not isinstance(close_of_poll, date):
        raise TypeError("the close of poll must be a date")
    latest = {step: rules.rule(step).latest(close_of_poll, calendar) for step in Step}
    for earlier, later in pairwise(_ORDER):
        # Compare moments, as check() does: a step sharing its day with the one before must
        # also come later in the day (the statement cannot precede the close of nominations).
        if (latest[later], rules.time_of(later)) <= (latest[earlier], rules.time_of(earlier)):
            raise ValueError(
                f"rules {rules.name!r} do not put the {later.label} ({latest[later]}) after "
                f"the {earlier.label} ({latest[earlier]})"
            )
    return Timetable(close_of_poll, rules, MappingProxyType(latest))


class IssueKind(StrEnum):
    """What is wrong with a proposed step."""

    LATE = "late"
    """Later than the statutory latest date (or time): overridable with a recorded reason."""
    OUT_OF_ORDER = "out_of_order"
    """Not after the step before it."""
    POLL_CLOSES_BEFORE_OPENING = "poll_closes_before_opening"
    """The close of poll is not after the notice of poll."""
    NON_WORKING_DAY = "non_working_day"
    """On a day that is not a working day, where the rule counts working days."""


OVERRIDABLE: frozenset[IssueKind] = frozenset({IssueKind.LATE})
"""The kinds of issue the returning officer may override with a reason. The others describe a
timetable that cannot run; a missing working day is fixed through the calendar's extra working
days, not by an override."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with a proposed timetable.

    ``latest`` is the statutory latest date for ``step`` (``None`` for kinds other than late);
    ``proposed`` is the value that was checked; ``other`` is the step it clashes with, for
    ordering issues. ``override`` is the returning officer's recorded reason once the issue has
    been overridden (see :func:`apply_overrides`).
    """

    step: Step
    kind: IssueKind
    proposed: date | datetime
    message: str
    latest: date | None = None
    other: Step | None = None
    override: str | None = None

    @property
    def overridable(self) -> bool:
        """Whether the returning officer may override this issue with a reason."""
        return self.kind in OVERRIDABLE

    def overridden(self, reason: str) -> Issue:
        """This issue with ``reason`` recorded as its override."""
        if not self.overridable:
            raise ValueError(f"an issue of kind {self.kind.value!r} cannot be overridden")
        reason = reason.strip()
        if not reason:
            raise ValueError(f"overriding the {self.step.label} date needs a recorded reason")
        return replace(self, override=reason)


def _moment(value: date | datetime, step: Step, rules: TimetableRules, zone: ZoneInfo) -> datetime:
    """The local moment a proposed value stands for: a date at the step's time of day."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the {step.label} datetime must carry a time zone")
        return value.astimezone(zone)
    if isinstance(value, date):
        return datetime.combine(value, rules.time_of(step), tzinfo=zone)
    raise TypeError(f"the {step.label} must be a date or datetime, not {type(value).__name__}")


def _show_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _show(moment: datetime, with_time: bool) -> str:
    return f"{moment:%H:%M} on {_show_day(moment)}" if with_time else _show_day(moment)


def check(
    proposed: Mapping[Step, date | datetime],
    calendar: WorkingCalendar,
    rules: TimetableRules = MER2014,
    zone: ZoneInfo | str = LONDON,
) -> list[Issue]:
    """Everything wrong with a proposed timetable, in step order.

    ``proposed`` must include the close of poll, from which the latest dates are counted; any
    other step may be left out (it is then not checked). A date stands for the step's time of
    day under ``rules``; an aware datetime is read in ``zone``; a naive one is refused. Earlier
    dates than the latest are always accepted: a longer timetable is allowed.
    """
    if Step.CLOSE_OF_POLL not in proposed:
        raise ValueError("a proposed timetable needs a close of poll to count back from")
    local = _local_time(zone)
    moments = {
        step: _moment(proposed[step], step, rules, local) for step in _ORDER if step in proposed
    }
    timetable = statutory_timetable(moments[Step.CLOSE_OF_POLL].date(), calendar, rules)
    issues: list[Issue] = []
    for step, moment in moments.items():
        issues.extend(_step_issues(step, moment, proposed[step], timetable, calendar))
    steps = list(moments)
    for earlier, later in pairwise(steps):
        if moments[later] > moments[earlier]:
            continue
        with_time = moments[later].date() == moments[earlier].date()
        when = (
            f"{_show(moments[later], with_time)} is not after {_show(moments[earlier], with_time)}"
        )
        if (earlier, later) == (Step.NOTICE_OF_POLL, Step.CLOSE_OF_POLL):
            kind = IssueKind.POLL_CLOSES_BEFORE_OPENING
            message = f"The poll would close before it opens: close of poll at {when}."
        else:
            kind = IssueKind.OUT_OF_ORDER
            message = f"The {later.label} must come after the {earlier.label}: {when}."
        issues.append(Issue(later, kind, proposed[later], message, other=earlier))
    issues.sort(key=lambda issue: issue.step.position)
    return issues


def _step_issues(
    step: Step,
    moment: datetime,
    value: date | datetime,
    timetable: Timetable,
    calendar: WorkingCalendar,
) -> Iterable[Issue]:
    rules = timetable.rules
    latest = timetable[step]
    if step.kind is StepKind.CLOSES:
        deadline = datetime.combine(latest, rules.time_of(step), tzinfo=moment.tzinfo)
        if moment > deadline:
            rule = (
                rules.rule(step).describe()
                if step is not Step.CLOSE_OF_POLL
                else f"the poll closes at {rules.close_of_poll_at:%H:%M}"
            )
            yield Issue(
                step,
                IssueKind.LATE,
                value,
                f"The {step.label} at {_show(moment, True)} is later than the latest allowed, "
                f"{_show(deadline, True)} ({rule}).",
                latest=latest,
            )
    elif moment.date() > latest:
        yield Issue(
            step,
            IssueKind.LATE,
            value,
            f"The {step.label} on {_show(moment, False)} is later than the latest allowed, "
            f"{_show_day(latest)} ({rules.rule(step).describe()}).",
            latest=latest,
        )
    if rules.rule(step).counting is Counting.WORKING_DAYS and not calendar.is_working_day(
        moment.date()
    ):
        yield Issue(
            step,
            IssueKind.NON_WORKING_DAY,
            value,
            f"The {step.label} falls on {_show(moment, False)}, which is not a working day.",
        )


def apply_overrides(issues: Iterable[Issue], overrides: Mapping[Step, str]) -> list[Issue]:
    """The issues that still stand after the returning officer's ``overrides``.

    ``overrides`` maps a step to the recorded reason for accepting its late date. Only late
    issues are overridden; an override for a step with no late issue has no effect, and an
    override with a blank reason raises :class:`ValueError`. Keep the reasons with the
    timetable: :func:`overridden_issues` gives the overridden issues with their reasons.
    """
    issues = list(issues)
    settled = overridden_issues(issues, overrides)
    done = {(issue.step, issue.kind) for issue in settled}
    return [issue for issue in issues if (issue.step, issue.kind) not in done]


def overridden_issues(issues: Iterable[Issue], overrides: Mapping[Step, str]) -> list[Issue]:
    """The issues that ``overrides`` settle, each carrying its recorded reason."""
    for step, reason in overrides.items():
        if not reason.strip():
            raise ValueError(f"overriding the {step.label} date needs a recorded reason")
    return [
        issue.overridden(overrides[issue.step])
        for issue in issues
        if issue.overridable and issue.step in overrides
    ]
