"""Quorum evaluation for every setting (members, governors, directors; percentages, minimums,
proxies; adjourned meetings) and the adjournment rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance.meetings.kinds import MeetingKind
from governance.meetings.quorum import (
    Body,
    QuorumRule,
    Tally,
    adjourned_start,
    evaluate,
    must_adjourn,
    required,
    rule_for,
)
from governance.organisations.constitution import OrganisationType, default_constitution

COOP = default_constitution(OrganisationType.COOPERATIVE)
FT = default_constitution(OrganisationType.FOUNDATION_TRUST)
START = datetime(2025, 6, 18, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minimum", "percent", "body", "need"),
    [
        (2, 50, 3, 2),  # the percentage rounds up: 1.5 -> 2
        (2, 50, 15, 8),
        (2, 50, 2, 2),
        (2, 50, 0, 2),
        (100, 0, 90_000, 100),  # a large society: a fixed number
        (25, 1, 6_500_000, 65_000),
        (0, 0, 10, 1),  # at least one person
    ],
)
def test_the_greater_of_a_number_and_a_percentage(
    minimum: int, percent: int, body: int, need: int
) -> None:
    rule = QuorumRule(Body.MEMBERS, minimum, percent, True, 30)
    assert required(rule, body) == need


def test_members_meeting_defaults_from_the_co_op_model() -> None:
    rule = rule_for(MeetingKind.COOP_AGM, COOP, adjourned=False)
    assert (rule.body, rule.min_present, rule.percent, rule.counts_proxies) == (
        Body.MEMBERS,
        2,
        50,
        True,
    )
    assert rule.adjourn_after_minutes == 30
    state = evaluate(rule, Tally(body_size=10, present=4))
    assert not state.quorate and state.required == 5 and state.shortfall == 1
    assert "1 more needed" in state.explanation


def test_proxies_count_when_the_constitution_says_so() -> None:
    rule = rule_for(MeetingKind.COOP_GENERAL, COOP, adjourned=False)
    state = evaluate(rule, Tally(body_size=10, present=3, proxies=2))
    assert state.quorate and state.counted == 5
    assert "3 present, 2 by proxy" in state.explanation
    without = rule_for(
        MeetingKind.COOP_GENERAL, COOP.updated(quorum_counts_proxies=False), adjourned=False
    )
    assert not evaluate(without, Tally(body_size=10, present=3, proxies=2)).quorate
    assert "by proxy" not in without.describe().lower()


def test_a_council_counts_governors() -> None:
    rule = rule_for(MeetingKind.COUNCIL_OF_GOVERNORS, FT, adjourned=False)
    assert rule.body is Body.GOVERNORS and not rule.counts_proxies
    assert required(rule, 24) == 8  # one third
    assert evaluate(rule, Tally(body_size=24, present=8, proxies=5)).quorate
    assert not evaluate(rule, Tally(body_size=24, present=7, proxies=5)).quorate
    custom = rule_for(
        MeetingKind.COUNCIL_OF_GOVERNORS,
        FT.updated(council_quorum_min_governors=10, council_quorum_percent=0),
        adjourned=False,
    )
    assert required(custom, 24) == 10


def test_a_board_counts_directors() -> None:
    rule = rule_for(
        MeetingKind.BOARD_IN_PUBLIC, FT.updated(board_quorum_percent=50), adjourned=False
    )
    assert rule.body is Body.DIRECTORS and required(rule, 11) == 6


def test_at_an_adjourned_meeting_those_present_form_the_quorum() -> None:
    rule = rule_for(MeetingKind.COOP_AGM, COOP, adjourned=True)
    assert rule.those_present and required(rule, 10_000) == 2
    assert evaluate(rule, Tally(body_size=10_000, present=2)).quorate
    assert not evaluate(rule, Tally(body_size=10_000, present=1)).quorate
    assert "present form the quorum" in rule.describe()
    same = rule_for(
        MeetingKind.COOP_AGM, COOP.updated(adjourned_quorum_present=False), adjourned=True
    )
    assert not same.those_present and required(same, 100) == 50


def test_the_rule_round_trips_through_json() -> None:
    rule = rule_for(MeetingKind.COOP_AGM, COOP, adjourned=True)
    assert QuorumRule.from_json(rule.to_json()) == rule


def test_inquorate_meetings_adjourn_after_the_time_allowed() -> None:
    rule = rule_for(MeetingKind.COOP_AGM, COOP, adjourned=False)
    assert not must_adjourn(rule, START, START + timedelta(minutes=29), None)
    assert must_adjourn(rule, START, START + timedelta(minutes=30), None)
    assert not must_adjourn(rule, START, START + timedelta(hours=2), START + timedelta(minutes=5))
    quick = rule_for(
        MeetingKind.COOP_AGM, COOP.updated(inquorate_adjourn_minutes=15), adjourned=False
    )
    assert must_adjourn(quick, START, START + timedelta(minutes=15), None)


def test_the_adjourned_meeting_keeps_the_local_hour_across_a_clock_change() -> None:
    # 18:30 in London on Wednesday 22 October 2025 (BST) resumes at 18:30 GMT a week later.
    start = datetime(2025, 10, 22, 17, 30, tzinfo=UTC)
    resumed = adjourned_start(start, 7, "Europe/London")
    assert resumed == datetime(2025, 10, 29, 18, 30, tzinfo=UTC)
