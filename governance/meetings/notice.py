"""Notice rules for calling a meeting (pure; RULES.md section 5).

Each kind of meeting has a notice period in clear days: days strictly between the day notice is
given and the day of the meeting, neither counted. Members' meetings count calendar days unless
the constitution says working days (``notice_in_working_days``); councils and boards held in
public publish their agenda and papers a number of clear working days ahead, so weekends and
bank holidays in England and Wales do not count for them. Annual meetings may be at most
``agm_max_interval_months`` apart, and a meeting forced by a requisition must be held within
``requisition_meeting_within_days`` of the requisition reaching its threshold.

An adjourned meeting needs no fresh notice (the model rules adjourn to the same time and place a
week later), so it is not checked. Every finding is an :class:`Issue`: those marked
``overridable`` may be accepted by the secretary with a reason that is kept on the record.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from governance.meetings.kinds import ANNUAL_KINDS, MeetingKind
from governance.organisations.constitution import Constitution
from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar

DAY_FORMAT = "%A %-d %B %Y"


@dataclass(frozen=True)
class NoticeRule:
    clear_days: int
    working_days: bool
    what: str  # what must be published that far ahead, for the messages

    @property
    def period(self) -> str:
        unit = "clear working days" if self.working_days else "clear days"
        if self.clear_days == 1:
            unit = unit.replace("days", "day")
        return f"{self.clear_days} {unit}"


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    overridable: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def rule_for(kind: MeetingKind, constitution: Constitution) -> NoticeRule:
    """The notice a meeting of ``kind`` needs under ``constitution``."""
    if kind is MeetingKind.COUNCIL_OF_GOVERNORS:
        return NoticeRule(constitution.council_notice_working_days, True, "the agenda and papers")
    if kind is MeetingKind.BOARD_IN_PUBLIC:
        return NoticeRule(constitution.board_notice_working_days, True, "the agenda and papers")
    days = (
        constitution.annual_members_notice_clear_days
        if kind is MeetingKind.FT_ANNUAL_MEMBERS
        else constitution.notice_clear_days
    )
    return NoticeRule(days, constitution.notice_in_working_days, "notice of the meeting")


def add_months(day: date, months: int) -> date:
    """``day`` moved on by whole months, kept within the month (31 January + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _article(noun: str) -> str:
    return "An" if noun[:1].lower() in "aeiou" else "A"


def latest_notice_day(
    rule: NoticeRule, meeting_on: date, working: WorkingCalendar = ENGLAND_AND_WALES
) -> date:
    return working.latest_date_with_clear_days(
        meeting_on, rule.clear_days, working_only=rule.working_days
    )


def check(
    kind: MeetingKind,
    constitution: Constitution,
    *,
    notice_on: date,
    meeting_on: date,
    previous_annual_on: date | None = None,
    requisition_reached_on: date | None = None,
    working: WorkingCalendar = ENGLAND_AND_WALES,
) -> list[Issue]:
    """What is wrong with giving notice on ``notice_on`` of a meeting on ``meeting_on``.

    Dates are in the organisation's time zone. ``previous_annual_on`` is the day of the last
    annual meeting of the same kind, if any; ``requisition_reached_on`` the day the requisition
    the meeting answers reached its threshold.
    """
    if meeting_on < notice_on:
        return [Issue("in-the-past", "The meeting would start before today.", overridable=False)]
    issues: list[Issue] = []
    rule = rule_for(kind, constitution)
    clear = working.clear_days_between(notice_on, meeting_on, working_only=rule.working_days)
    if clear < rule.clear_days:
        latest = latest_notice_day(rule, meeting_on, working)
        issues.append(
            Issue(
                "late-notice",
                f"{_article(kind.label)} {kind.label.lower()} needs {rule.period}' notice: "
                f"{rule.what} for "
                f"{meeting_on.strftime(DAY_FORMAT)} had to go out by "
                f"{latest.strftime(DAY_FORMAT)}. Notice given on "
                f"{notice_on.strftime(DAY_FORMAT)} leaves {clear}.",
            )
        )
    if kind in ANNUAL_KINDS and previous_annual_on is not None:
        deadline = add_months(previous_annual_on, constitution.agm_max_interval_months)
        if meeting_on > deadline:
            issues.append(
                Issue(
                    "annual-interval",
                    f"Annual meetings may be at most {constitution.agm_max_interval_months} "
                    f"months apart: the last was on {previous_annual_on.strftime(DAY_FORMAT)}, "
                    f"so this one had to be held by {deadline.strftime(DAY_FORMAT)}.",
                )
            )
    if requisition_reached_on is not None:
        within = constitution.requisition_meeting_within_days
        deadline = date.fromordinal(requisition_reached_on.toordinal() + within)
        if meeting_on > deadline:
            issues.append(
                Issue(
                    "requisition-late",
                    f"A meeting requisitioned by members must be held within {within} days of "
                    f"the requisition reaching its threshold: by "
                    f"{deadline.strftime(DAY_FORMAT)}.",
                )
            )
    return issues
