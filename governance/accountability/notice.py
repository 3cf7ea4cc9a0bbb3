"""Notice of key decisions (pure): published on time, late, missing or urgent.

A key decision must be published at least ``clear_days`` clear days before it is taken: neither
the day of publication nor the day of the decision counts (RULES.md section 6, modelled on local
authorities' key-decision notices). Clear days are calendar days unless the constitution counts
working days only, in which case weekends and bank holidays do not count and the deadline moves
earlier past them. Either way the secretary is also shown the last *working* day the notice can
go out, since an office closed for a bank holiday cannot publish on it.

The urgent route lets a decision go ahead on shorter notice with the reason recorded; it is
reported as "urgent", never as "on time". A decision taken with no notice before the day it was
taken (urgent or not) is flagged as taken without notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar


class NoticeStatus(StrEnum):
    DUE = "due"  # not published yet, still time to publish on time
    ON_TIME = "on_time"
    LATE = "late"  # published, but with fewer clear days than the rule asks
    URGENT = "urgent"  # shorter notice, on the urgent route with its reason recorded
    MISSING = "missing"  # not published, and too late now to publish on time

    @property
    def label(self) -> str:
        return {
            "due": "Not yet published",
            "on_time": "Published on time",
            "late": "Published late",
            "urgent": "Urgent: shorter notice",
            "missing": "Notice missing",
        }[self.value]


@dataclass(frozen=True)
class NoticeRule:
    clear_days: int = 28
    working_only: bool = False
    calendar: WorkingCalendar = field(default=ENGLAND_AND_WALES)

    def publish_by(self, decision_date: date) -> date:
        """The last day a notice can be published and still give the clear days."""
        return self.calendar.latest_date_with_clear_days(
            decision_date, self.clear_days, working_only=self.working_only
        )

    def publish_by_working_day(self, decision_date: date) -> date:
        """The last working day on or before :meth:`publish_by` (that day itself in a year
        whose bank holidays the calendar does not know)."""
        latest = self.publish_by(decision_date)
        day = latest
        try:
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
        except ValueError:
            return latest
        return day

    def clear_days_given(self, published_on: date, decision_date: date) -> int:
        return self.calendar.clear_days_between(
            published_on, decision_date, working_only=self.working_only
        )


@dataclass(frozen=True)
class Assessment:
    status: NoticeStatus
    publish_by: date
    clear_days_given: int | None  # None until the notice is published before the decision
    shortfall: int  # clear days missing; 0 when on time
    taken_without_notice: bool


def assess(
    rule: NoticeRule,
    *,
    decision_date: date,
    published_on: date | None,
    today: date,
    urgent: bool = False,
    taken_on: date | None = None,
) -> Assessment:
    """How the notice of one decision stands on ``today``.

    Notice is measured against the day the decision was taken when it has been, else the day
    planned. A notice published on or after that day is no notice.
    """
    day = taken_on or decision_date
    publish_by = rule.publish_by(day)
    noticed = published_on is not None and published_on < day
    without_notice = taken_on is not None and not noticed
    if noticed:
        assert published_on is not None
        given = rule.clear_days_given(published_on, day)
        shortfall = max(0, rule.clear_days - given)
        if not shortfall:
            status = NoticeStatus.ON_TIME
        else:
            status = NoticeStatus.URGENT if urgent else NoticeStatus.LATE
        return Assessment(status, publish_by, given, shortfall, False)
    if taken_on is None and today <= publish_by:
        return Assessment(NoticeStatus.DUE, publish_by, None, 0, False)
    status = NoticeStatus.URGENT if urgent else NoticeStatus.MISSING
    return Assessment(status, publish_by, None, rule.clear_days, without_notice)


def tally(assessments: list[Assessment]) -> dict[NoticeStatus, int]:
    """How many decisions stand in each status (every status present, zero or not)."""
    counts = dict.fromkeys(NoticeStatus, 0)
    for assessment in assessments:
        counts[assessment.status] += 1
    return counts
