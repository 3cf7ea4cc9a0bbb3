"""The governor register's arithmetic (pure): time served against the cap, the prompt to
schedule an election before a term ends, and yearly renewal of declarations.

Time served is counted in whole months of office, from each term's start to the day it ended
(or will end), so a full three-year term counts 36 months whatever its days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from governance.accountability.deadlines import add_months


@dataclass(frozen=True)
class Span:
    starts_on: date
    ends_on: date  # the first day the term no longer runs
    ended_on: date | None = None  # cut short

    @property
    def last_day(self) -> date:
        """The first day out of office."""
        return min(self.ends_on, self.ended_on) if self.ended_on else self.ends_on


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` up to ``end`` (0 if ``end`` is not later)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months


def served_months(spans: Iterable[Span], on: date) -> int:
    """Months in office up to ``on``."""
    return sum(months_between(s.starts_on, min(s.last_day, on)) for s in spans if s.starts_on < on)


@dataclass(frozen=True)
class CapStanding:
    served_months: int  # to ``on``
    served_at_term_end: int  # including the rest of the current terms
    cap_months: int  # 0: no cap
    term_months: int

    @property
    def can_stand_again(self) -> bool:
        """Whether one more full term fits under the cap."""
        return not self.cap_months or self.served_at_term_end + self.term_months <= self.cap_months

    @property
    def months_left(self) -> int | None:
        return None if not self.cap_months else max(0, self.cap_months - self.served_at_term_end)


def cap_standing(
    spans: Iterable[Span], on: date, *, cap_years: int, term_years: int
) -> CapStanding:
    spans = list(spans)
    far = max((s.last_day for s in spans), default=on)
    return CapStanding(
        served_months=served_months(spans, on),
        served_at_term_end=served_months(spans, max(far, on)),
        cap_months=max(0, cap_years) * 12,
        term_months=max(1, term_years) * 12,
    )


def years_and_months(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


def prompt_on(ends_on: date, months: int) -> date:
    """The day the secretary is prompted to schedule the election for a term ending."""
    return add_months(ends_on, -max(0, months))


def needs_prompt(span: Span, today: date, months: int) -> bool:
    """A term that runs to its end within ``months`` (one cut short needs no election prompt
    here: the vacancy is handled when it is recorded)."""
    return span.ended_on is None and prompt_on(span.ends_on, months) <= today < span.ends_on


def renewal_due(declared_on: date | None, renewal_months: int) -> date | None:
    return None if declared_on is None else add_months(declared_on, max(1, renewal_months))


def declaration_current(declared_on: date | None, today: date, renewal_months: int) -> bool:
    due = renewal_due(declared_on, renewal_months)
    return due is not None and today < due
