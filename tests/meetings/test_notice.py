"""The notice rules: clear days, working days and bank holidays, the 15-month rule for annual
meetings, requisitioned meetings, and meetings in the past."""

from __future__ import annotations

from datetime import date

import pytest

from governance.meetings.kinds import MeetingKind
from governance.meetings.notice import add_months, check, latest_notice_day, rule_for
from governance.organisations.constitution import (
    Constitution,
    OrganisationType,
    default_constitution,
)

COOP = default_constitution(OrganisationType.COOPERATIVE)
FT = default_constitution(OrganisationType.FOUNDATION_TRUST)


def codes(issues: list) -> list[str]:
    return [issue.code for issue in issues]


def test_a_coop_agm_needs_fourteen_clear_days() -> None:
    meeting = date(2025, 6, 18)
    on_time = check(MeetingKind.COOP_AGM, COOP, notice_on=date(2025, 6, 3), meeting_on=meeting)
    late = check(MeetingKind.COOP_AGM, COOP, notice_on=date(2025, 6, 4), meeting_on=meeting)
    assert on_time == []
    assert codes(late) == ["late-notice"]
    assert late[0].overridable
    message = late[0].message
    assert "14 clear days" in message and "Tuesday 3 June 2025" in message
    assert "leaves 13" in message and message.startswith("An annual general meeting")


def test_the_constitution_sets_the_period() -> None:
    longer = COOP.updated(notice_clear_days=21)
    issues = check(
        MeetingKind.COOP_GENERAL, longer, notice_on=date(2025, 6, 3), meeting_on=date(2025, 6, 18)
    )
    assert codes(issues) == ["late-notice"] and "21 clear days" in issues[0].message


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    # Monday 5 May 2025 is the early May bank holiday.
    rule = rule_for(MeetingKind.COUNCIL_OF_GOVERNORS, FT)
    assert rule.working_days and rule.clear_days == 5
    meeting = date(2025, 5, 6)
    assert latest_notice_day(rule, meeting) == date(2025, 4, 27)
    assert (
        check(MeetingKind.COUNCIL_OF_GOVERNORS, FT, notice_on=date(2025, 4, 27), meeting_on=meeting)
        == []
    )
    late = check(
        MeetingKind.COUNCIL_OF_GOVERNORS, FT, notice_on=date(2025, 4, 29), meeting_on=meeting
    )
    assert codes(late) == ["late-notice"]
    assert "5 clear working days" in late[0].message and "leaves 3" in late[0].message
    # The same gap a week later, with no holiday in it, is enough.
    assert (
        check(
            MeetingKind.COUNCIL_OF_GOVERNORS,
            FT,
            notice_on=date(2025, 5, 6),
            meeting_on=date(2025, 5, 14),
        )
        == []
    )


def test_easter_counts_against_a_working_day_notice() -> None:
    # Good Friday 18 April and Easter Monday 21 April 2025.
    issues = check(
        MeetingKind.BOARD_IN_PUBLIC, FT, notice_on=date(2025, 4, 15), meeting_on=date(2025, 4, 24)
    )
    assert codes(issues) == ["late-notice"] and "leaves 4" in issues[0].message


def test_members_meetings_can_count_working_days() -> None:
    working = COOP.updated(notice_in_working_days=True)
    meeting = date(2025, 6, 18)
    assert check(MeetingKind.COOP_AGM, COOP, notice_on=date(2025, 6, 3), meeting_on=meeting) == []
    assert codes(
        check(MeetingKind.COOP_AGM, working, notice_on=date(2025, 6, 3), meeting_on=meeting)
    ) == ["late-notice"]


def test_ft_annual_members_meeting_has_its_own_period() -> None:
    rule = rule_for(MeetingKind.FT_ANNUAL_MEMBERS, FT.updated(annual_members_notice_clear_days=10))
    assert rule.clear_days == 10 and not rule.working_days


@pytest.mark.parametrize(
    ("previous", "meeting", "late"),
    [
        (date(2024, 3, 31), date(2025, 6, 30), False),
        (date(2024, 3, 31), date(2025, 7, 1), True),
        (date(2024, 11, 30), date(2026, 2, 28), False),
        (date(2024, 11, 30), date(2026, 3, 1), True),
    ],
)
def test_annual_meetings_at_most_fifteen_months_apart(
    previous: date, meeting: date, late: bool
) -> None:
    issues = check(
        MeetingKind.COOP_AGM,
        COOP,
        notice_on=date(2025, 1, 2),
        meeting_on=meeting,
        previous_annual_on=previous,
    )
    assert ("annual-interval" in codes(issues)) is late
    if late:
        assert "15 months" in issues[-1].message and issues[-1].overridable


def test_the_interval_rule_is_only_for_annual_meetings() -> None:
    issues = check(
        MeetingKind.COOP_GENERAL,
        COOP,
        notice_on=date(2025, 1, 2),
        meeting_on=date(2026, 6, 1),
        previous_annual_on=date(2024, 1, 1),
    )
    assert issues == []


def test_a_requisitioned_meeting_is_held_in_time() -> None:
    kwargs = {"notice_on": date(2025, 6, 1), "requisition_reached_on": date(2025, 6, 1)}
    assert check(MeetingKind.COOP_GENERAL, COOP, meeting_on=date(2025, 6, 29), **kwargs) == []
    issues = check(MeetingKind.COOP_GENERAL, COOP, meeting_on=date(2025, 6, 30), **kwargs)
    assert codes(issues) == ["requisition-late"] and "28 days" in issues[0].message


def test_a_meeting_in_the_past_cannot_be_called() -> None:
    issues = check(
        MeetingKind.COOP_AGM, COOP, notice_on=date(2025, 6, 3), meeting_on=date(2025, 6, 2)
    )
    assert codes(issues) == ["in-the-past"] and not issues[0].overridable


def test_add_months_stays_in_the_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 15), 15) == date(2026, 3, 15)


def test_settings_default_from_the_rules() -> None:
    assert Constitution().notice_clear_days == 14
    assert Constitution().agm_max_interval_months == 15
