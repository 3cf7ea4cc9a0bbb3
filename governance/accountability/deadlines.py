"""Due dates and chasing for members' update requests, and the governors' report schedule (pure).

A request is due ``working_days`` working days after the local day it arrived. Once overdue the
governors are reminded on the first working day after the due date; ``escalate_after`` working
days after the due date it is escalated to the lead governor and the secretary. Each stage is
sent once (the scheduler records it); an answered or withdrawn request is never chased.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar


class Stage(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class AnswerRule:
    working_days: int = 20
    escalate_after: int = 5
    calendar: WorkingCalendar = field(default=ENGLAND_AND_WALES)

    def due_on(self, received_on: date) -> date:
        return self.calendar.add_working_days(received_on, max(1, self.working_days))

    def reminder_on(self, due_on: date) -> date:
        return self.calendar.add_working_days(due_on, 1)

    def escalation_on(self, due_on: date) -> date:
        return self.calendar.add_working_days(due_on, max(1, self.escalate_after))

    def stages_due(self, due_on: date, today: date, *, open_: bool = True) -> list[Stage]:
        """The chasing stages whose day has come, in order (none once answered)."""
        if not open_:
            return []
        stages = []
        if today >= self.reminder_on(due_on):
            stages.append(Stage.REMINDER)
        if today >= self.escalation_on(due_on):
            stages.append(Stage.ESCALATION)
        return stages

    def working_days_taken(self, received_on: date, answered_on: date) -> int:
        return self.calendar.working_days_between(received_on, answered_on)


def is_overdue(due_on: date, today: date, answered_on: date | None = None) -> bool:
    """Answered after the due date, or still unanswered after it."""
    return (answered_on or today) > due_on


def add_months(day: date, months_: int) -> date:
    """The same day ``months_`` months later (or earlier), clamped to the end of the month."""
    index = day.year * 12 + day.month - 1 + months_
    year, month = divmod(index, 12)
    last = months.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def report_due(last_report: date | None, since: date, interval_months: int) -> date:
    """When the next report to a constituency is due: an interval after the last one, or
    after ``since`` (when its governors took office) if there has been none."""
    return add_months(last_report or since, max(1, interval_months))
