"""The working-day calendar for England and Wales.

Election and notice periods are counted in working days or in clear days. A working day is any
day except a Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday in England and
Wales; a returning officer may also declare extra days that do not count (a day of mourning,
say), and an organisation may declare extra days that do.

Bank holidays are computed from the standing rules, which cover every year:

- New Year's Day, 1 January, or the Monday after it falls at a weekend;
- Good Friday and Easter Monday, either side of Easter Sunday (the Gregorian computus);
- the early May bank holiday, the first Monday of May;
- the spring bank holiday, the last Monday of May;
- the summer bank holiday, the last Monday of August;
- Christmas Day and Boxing Day; when either falls at a weekend the holiday moves to the next
  weekday not already a holiday (so Christmas on a Saturday gives Monday 27 and Tuesday 28
  December off, and Christmas on a Sunday gives Monday 26 and Tuesday 27).

The government sometimes moves a holiday or adds one by royal proclamation (2020, 2022 and 2023
all had such changes). Those one-off changes are listed in :data:`ONE_OFF_CHANGES`. Because a
year can only be trusted once any such change is known, the calendar answers only for
:data:`SUPPORTED_YEARS` unless the caller supplies that year's holidays explicitly; outside that
range it raises :class:`ValueError` rather than guess.

Everything here is pure: no framework, no database, standard library only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

FIRST_SUPPORTED_YEAR = 2024
"""The first year whose bank holidays the module vouches for without being told them."""

LAST_SUPPORTED_YEAR = 2035
"""The last year whose bank holidays the module vouches for without being told them."""

SUPPORTED_YEARS = range(FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR + 1)
"""Years for which :func:`bank_holidays` answers: the rules plus every one-off change known
when this module was last reviewed. For any other year pass the holidays to
:class:`WorkingCalendar` explicitly (for example ``{2036: holidays_by_rule(2036)}`` once you
have checked that no one-off change was announced for 2036)."""

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class HolidayChange:
    """A one-off departure from the standing rules, announced for a single year.

    ``removed`` is a day the rules make a holiday that was taken away; ``added`` is a day made a
    holiday. A moved holiday has both; an extra holiday has only ``added``.
    """

    name: str
    added: date | None = None
    removed: date | None = None

    def __post_init__(self) -> None:
        if self.added is None and self.removed is None:
            raise ValueError(f"holiday change {self.name!r} neither adds nor removes a day")
        if (
            self.added is not None
            and self.removed is not None
            and self.added.year != self.removed.year
        ):
            raise ValueError(f"holiday change {self.name!r} moves a holiday between years")

    @property
    def year(self) -> int:
        """The year the change applies to."""
        day = self.added if self.added is not None else self.removed
        assert day is not None
        return day.year


ONE_OFF_CHANGES: tuple[HolidayChange, ...] = ()
"""Announced one-off changes within :data:`SUPPORTED_YEARS`. None were known at the last review;
add an entry here when a proclamation moves or adds a bank holiday in those years."""

PAST_ONE_OFF_CHANGES: tuple[HolidayChange, ...] = (
    HolidayChange(
        "Early May bank holiday (VE Day)", added=date(2020, 5, 8), removed=date(2020, 5, 4)
    ),
    HolidayChange("Spring bank holiday", added=date(2022, 6, 2), removed=date(2022, 5, 30)),
    HolidayChange("Platinum Jubilee bank holiday", added=date(2022, 6, 3)),
    HolidayChange(
        "Bank holiday for the State Funeral of Queen Elizabeth II", added=date(2022, 9, 19)
    ),
    HolidayChange("Bank holiday for the coronation of King Charles III", added=date(2023, 5, 8)),
)
"""Changes made in years before :data:`SUPPORTED_YEARS`. The calendar does not use them; they
are kept as a record and so that the change mechanism is tested against published years."""


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar, by the anonymous Gregorian algorithm."""
    if year < 1583:
        raise ValueError(f"the Gregorian Easter rule does not apply to {year}")
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_remainder = divmod(century, 4)
    correction = (century + 8) // 25
    moon_correction = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_correction + 15) % 30
    leap_years, year_remainder = divmod(year_of_century, 4)
    weekday_offset = (32 + 2 * century_remainder + 2 * leap_years - epact - year_remainder) % 7
    march_correction = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day = divmod(epact + weekday_offset - 7 * march_correction + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=last.weekday())


def _next_free_weekday(day: date, taken: Iterable[date]) -> date:
    """``day`` if it is a weekday not in ``taken``, else the next weekday that is neither."""
    taken = set(taken)
    while day.weekday() >= _SATURDAY or day in taken:
        day += _ONE_DAY
    return day


def holidays_by_rule(year: int) -> dict[date, str]:
    """The days off in England and Wales that the standing rules give for ``year``, by date.

    This applies no one-off changes and no range check, so it answers for any Gregorian year;
    the calendar itself uses :func:`bank_holidays`. A holiday that falls at a weekend appears
    once, on its substitute day, named "(substitute day)".
    """
    new_year = date(year, 1, 1)
    easter = easter_sunday(year)
    holidays: dict[date, str] = {}
    observed_new_year = _next_free_weekday(new_year, ())
    holidays[observed_new_year] = _name("New Year's Day", observed_new_year != new_year)
    holidays[easter - 2 * _ONE_DAY] = "Good Friday"
    holidays[easter + _ONE_DAY] = "Easter Monday"
    holidays[_first_monday(year, 5)] = "Early May bank holiday"
    holidays[_last_monday(year, 5)] = "Spring bank holiday"
    holidays[_last_monday(year, 8)] = "Summer bank holiday"
    # Christmas and Boxing Day that fall on weekdays keep their dates; only the ones at a
    # weekend move, each to the next weekday left free.
    christmas = date(year, 12, 25)
    boxing_day = date(year, 12, 26)
    fixed = [day for day in (christmas, boxing_day) if day.weekday() < _SATURDAY]
    for day, name in ((christmas, "Christmas Day"), (boxing_day, "Boxing Day")):
        observed = _next_free_weekday(day, fixed) if day not in fixed else day
        fixed.append(observed)
        holidays[observed] = _name(name, observed != day)
    return dict(sorted(holidays.items()))


def _name(name: str, substitute: bool) -> str:
    return f"{name} (substitute day)" if substitute else name


def apply_changes(
    holidays: Mapping[date, str], changes: Iterable[HolidayChange]
) -> dict[date, str]:
    """``holidays`` with the ``changes`` for their year applied, by date.

    Changes for other years are ignored. A change that removes a day the holidays do not have,
    or adds one they already have, is an error in the table and raises :class:`ValueError`.
    """
    result = dict(holidays)
    years = {day.year for day in holidays}
    for change in changes:
        if change.year not in years:
            continue
        if change.removed is not None:
            if change.removed not in result:
                raise ValueError(f"{change.name!r} removes {change.removed}, not a holiday")
            del result[change.removed]
        if change.added is not None:
            if change.added in result:
                raise ValueError(f"{change.name!r} adds {change.added}, already a holiday")
            result[change.added] = change.name
    return dict(sorted(result.items()))


def bank_holidays(year: int) -> dict[date, str]:
    """The bank and public holidays in England and Wales in ``year``, by date, with names.

    The rules plus :data:`ONE_OFF_CHANGES`. Raises :class:`ValueError` outside
    :data:`SUPPORTED_YEARS`.
    """
    _require_supported(year)
    return apply_changes(holidays_by_rule(year), ONE_OFF_CHANGES)


def _require_supported(year: int) -> None:
    if year not in SUPPORTED_YEARS:
        raise ValueError(
            f"bank holidays for {year} are not known: the calendar covers "
            f"{FIRST_SUPPORTED_YEAR}-{LAST_SUPPORTED_YEAR}; pass that year's holidays to "
            "WorkingCalendar(holidays=...) explicitly"
        )


@lru_cache(maxsize=64)
def _supported_holidays(year: int) -> frozenset[date]:
    return frozenset(bank_holidays(year))


def _require_date(value: object, what: str) -> date:
    # A datetime is a date too, but never equal to one, so it would slip past every holiday.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a date, not {type(value).__name__}")
    return value


def _frozen_dates(days: Iterable[date], what: str) -> frozenset[date]:
    return frozenset(_require_date(day, what) for day in days)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days, and counting in them.

    A day is a working day when it is listed in ``extra_working_days``, or else when it is a
    weekday that is neither a holiday nor listed in ``extra_non_working_days``.

    ``holidays`` gives the holidays of particular years explicitly, replacing the computed ones
    for those years; it is how a caller uses a year outside :data:`SUPPORTED_YEARS`. Any question
    about a day in a year that is neither supported nor given raises :class:`ValueError`.

    Counting conventions (``d`` is the day counted from, and is never itself counted):

    - ``add_working_days(d, n)`` is the ``n``-th working day after ``d`` (or before it, for
      negative ``n``); ``add_working_days(d, 0)`` is ``d``.
    - ``working_days_before(d, n)`` is the ``n``-th working day before ``d``: the working day
      before ``d`` is the 1st. "The 40th working day before the close of poll" is
      ``working_days_before(close_of_poll, 40)``.
    - ``working_days_between(a, b)`` counts the working days after ``a`` up to and including
      ``b`` (negated when ``b`` is earlier), so counts over adjoining spans add up.
    - ``clear_days_between(a, b)`` counts the days strictly between ``a`` and ``b``: neither the
      day a notice is given nor the day of the event counts. "14 clear days' notice" means
      ``clear_days_between(notice, meeting) >= 14``.
    """

    extra_non_working_days: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    holidays: Mapping[int, frozenset[date]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        non_working = _frozen_dates(self.extra_non_working_days, "an extra non-working day")
        working = _frozen_dates(self.extra_working_days, "an extra working day")
        both = sorted(non_working & working)
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"days cannot be both extra working and non-working: {listed}")
        explicit: dict[int, frozenset[date]] = {}
        for year, days in self.holidays.items():
            frozen = _frozen_dates(days, "a holiday")
            stray = sorted(day for day in frozen if day.year != year)
            if stray:
                raise ValueError(f"holidays given for {year} include {stray[0].isoformat()}")
            explicit[year] = frozen
        object.__setattr__(self, "extra_non_working_days", non_working)
        object.__setattr__(self, "extra_working_days", working)
        object.__setattr__(self, "holidays", MappingProxyType(explicit))

    def holidays_in(self, year: int) -> frozenset[date]:
        """The holidays the calendar uses for ``year`` (extra days not included)."""
        if year in self.holidays:
            return self.holidays[year]
        return _supported_holidays(year)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` counts as a working day."""
        day = _require_date(day, "day")
        holidays = self.holidays_in(day.year)
        if day in self.extra_working_days:
            return True
        if day in self.extra_non_working_days:
            return False
        return day.weekday() < _SATURDAY and day not in holidays

    def _walk(self, start: date, step: timedelta) -> Iterator[date]:
        """The working days after ``start`` going in the direction of ``step``, nearest first."""
        day = start
        while True:
            day += step
            if self.is_working_day(day):
                yield day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        ``day`` itself is never counted and need not be a working day; ``n == 0`` gives ``day``
        back unchanged. Any other result is a working day.
        """
        day = _require_date(day, "day")
        if n == 0:
            return day
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        for count, working_day in enumerate(self._walk(day, step), start=1):
            if count == abs(n):
                return working_day
        raise AssertionError("unreachable: the walk over working days never ends")

    def working_days_before(self, day: date, n: int) -> date:
        """The ``n``-th working day before ``day``, counting back; ``day`` itself is day 0.

        So the working day immediately before ``day`` is the 1st, and "the 40th working day
        before close of poll" is ``working_days_before(close_of_poll, 40)``. ``n`` must not be
        negative; ``n == 0`` gives ``day``.
        """
        if n < 0:
            raise ValueError(f"cannot count back a negative number of working days ({n})")
        return self.add_working_days(day, -n)

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start`` (minus the working days after ``end`` up to
        and including ``start``), so ``between(a, b) + between(b, c) == between(a, c)``. For
        ``n >= 0``, ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        start = _require_date(start, "start")
        end = _require_date(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def clear_days_between(self, notice: date, event: date, *, working_only: bool = False) -> int:
        """The days strictly between ``notice`` and ``event``, excluding both.

        With ``working_only`` only working days are counted. A notice given on or after the
        day before the event has no clear days, so the answer is never negative.
        """
        notice = _require_date(notice, "notice")
        event = _require_date(event, "event")
        if event - notice <= _ONE_DAY:
            return 0
        if working_only:
            return self.working_days_between(notice, event - _ONE_DAY)
        return (event - notice).days - 1

    def latest_date_with_clear_days(
        self, event: date, n: int, *, working_only: bool = False
    ) -> date:
        """The latest day a notice can be given with ``n`` clear days before ``event``.

        Clear days are calendar days, or working days when ``working_only`` is set, lying
        strictly between the notice day and the event. The notice day itself may fall on any
        day, including a weekend: with working days it is the day before the ``n``-th working
        day before the event. With ``n == 0`` it is the day before the event.
        """
        event = _require_date(event, "event")
        if n < 0:
            raise ValueError(f"a notice period cannot be negative ({n} clear days)")
        if working_only:
            return self.working_days_before(event, n) - _ONE_DAY
        return event - timedelta(days=n + 1)


ENGLAND_AND_WALES = WorkingCalendar()
"""The plain calendar: weekends and England and Wales holidays, nothing added."""
