"""An election's timetable as the secretary proposes it: generated, checked and overridden.

The secretary gives the close of poll and, optionally, earlier dates (or exact times) for any
other step. Steps left out take their latest date under the rules, so the generated timetable is
the shortest lawful one. Every step is then checked with :func:`timetable.check`; late steps the
returning officer has accepted with a recorded reason are settled by
:func:`timetable.apply_overrides`, and anything still standing stops the election from being
scheduled.

Pure: standard library and :mod:`timetable` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from governance.elections.timetable import (
    COOP_DEFAULT,
    MER2014,
    Issue,
    IssueKind,
    Step,
    TimetableRules,
    apply_overrides,
    check,
    overridden_issues,
    statutory_timetable,
)
from governance.workdays import WorkingCalendar

STEP_FIELDS: dict[Step, str] = {
    Step.NOTICE_OF_ELECTION: "notice_at",
    Step.NOMINATIONS_CLOSE: "nominations_close_at",
    Step.STATEMENT_OF_NOMINATED_CANDIDATES: "statement_at",
    Step.WITHDRAWALS_CLOSE: "withdrawals_close_at",
    Step.NOTICE_OF_POLL: "poll_open_at",
    Step.CLOSE_OF_POLL: "poll_close_at",
}
"""Which column of ``election`` holds each step's planned time."""

Proposal = date | datetime


def default_rules(is_foundation_trust: bool) -> TimetableRules:
    """The Model Election Rules 2014 for a foundation trust; the co-op default otherwise."""
    return MER2014 if is_foundation_trust else COOP_DEFAULT


def calendar_for(non_working: list[date], working: list[date]) -> WorkingCalendar:
    """England and Wales, with the days this election's returning officer added or restored."""
    return WorkingCalendar(
        extra_non_working_days=frozenset(non_working), extra_working_days=frozenset(working)
    )


@dataclass(frozen=True)
class Plan:
    """A checked timetable: each step's moment (UTC), latest date, and what is wrong with it."""

    rules: TimetableRules
    moments: dict[Step, datetime]
    latest: dict[Step, date]
    issues: list[Issue]  # everything found, overridden ones carrying their reason
    standing: list[Issue]  # what still stops the election being scheduled

    @property
    def ok(self) -> bool:
        return not self.standing

    def fields(self) -> dict[str, datetime]:
        """The planned times as ``election`` column values."""
        return {STEP_FIELDS[step]: moment for step, moment in self.moments.items()}

    def overrides(self) -> dict[str, str]:
        """The recorded reasons that settled late steps, keyed by step name (for storage)."""
        return {
            issue.step.value: issue.override or ""
            for issue in self.issues
            if issue.override is not None
        }


def _utc(value: Proposal, step: Step, rules: TimetableRules, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, rules.time_of(step), tzinfo=zone).astimezone(UTC)


def plan_timetable(
    close_of_poll: Proposal,
    proposed: Mapping[Step, Proposal],
    *,
    rules: TimetableRules,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
    overrides: Mapping[Step, str] | None = None,
) -> Plan:
    """Fill in, check and settle a proposed timetable.

    Raises :class:`ValueError` for input the checks cannot read (a naive datetime, a year the
    calendar does not cover, a blank override reason).
    """
    close_day = (
        close_of_poll.astimezone(zone).date()
        if isinstance(close_of_poll, datetime)
        else (close_of_poll)
    )
    statutory = statutory_timetable(close_day, calendar, rules)
    chosen: dict[Step, Proposal] = {step: statutory[step] for step in Step}
    chosen.update(
        {step: value for step, value in proposed.items() if step is not Step.CLOSE_OF_POLL}
    )
    chosen[Step.CLOSE_OF_POLL] = close_of_poll
    issues = check(chosen, calendar, rules, zone)
    settled = overridden_issues(issues, overrides or {})
    standing = apply_overrides(issues, overrides or {})
    by_key = {(issue.step, issue.kind): issue for issue in settled}
    return Plan(
        rules=rules,
        moments={step: _utc(chosen[step], step, rules, zone) for step in Step},
        latest=dict(statutory),
        issues=[by_key.get((issue.step, issue.kind), issue) for issue in issues],
        standing=standing,
    )


def issue_json(issue: Issue) -> dict[str, Any]:
    return {
        "step": issue.step.value,
        "label": issue.step.label,
        "kind": issue.kind.value,
        "message": issue.message,
        "latest": issue.latest.isoformat() if issue.latest else None,
        "overridable": issue.overridable,
        "override": issue.override,
    }


def parse_step(name: str) -> Step:
    """A step from its stored name; :class:`ValueError` naming the known ones otherwise."""
    try:
        return Step(name)
    except ValueError:
        known = ", ".join(step.value for step in Step)
        raise ValueError(f"unknown timetable step {name!r} (known: {known})") from None


def timetable_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per step for display: the rule, the latest date, the planned moment, any issue."""
    found: dict[Step, list[Issue]] = {}
    for issue in plan.issues:
        found.setdefault(issue.step, []).append(issue)
    return [
        {
            "step": step.value,
            "label": step.label,
            "rule": plan.rules.rule(step).describe() if step is not Step.CLOSE_OF_POLL else "",
            "latest": plan.latest[step],
            "planned": plan.moments[step],
            "issues": [issue.message for issue in found.get(step, []) if issue.override is None],
            "late": any(issue.kind is IssueKind.LATE for issue in found.get(step, [])),
            "override": next((i.override for i in found.get(step, []) if i.override), None),
        }
        for step in Step
    ]
