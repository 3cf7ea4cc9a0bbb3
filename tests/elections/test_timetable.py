"""The election timetable: latest dates, times, checks and overrides."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.elections.timetable import (
    COOP_DEFAULT,
    LONDON,
    MER2014,
    Counting,
    Issue,
    IssueKind,
    Step,
    StepKind,
    StepRule,
    TimetableRules,
    apply_overrides,
    check,
    overridden_issues,
    statutory_timetable,
)
from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar, holidays_by_rule

CAL = ENGLAND_AND_WALES


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """A local time in London, e.g. ``at("2025-09-23 17:30")``."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


CLOSE = d("2025-10-31")  # Friday; no holidays between the summer bank holiday and Christmas

# Counting back from Fri 31 Oct 2025 (day 0), weekends skipped, no holidays in the way:
#   Oct 30 29 28 27 = 1-4, 24 23 22 21 20 = 5-9, 17 16 15 14 13 = 10-14, Fri 10 Oct = 15th;
#   Oct 9 8 7 6 = 16-19, 3 2 1 = 20-22, Sep 30 29 = 23-24, Fri 26 Sep = 25th,
#   Thu 25 = 26th, Wed 24 = 27th, Tue 23 Sep = 28th;
#   Sep 22 19 18 17 16 15 = 29-34, 12 11 10 9 8 = 35-39, Fri 5 Sep 2025 = 40th.
RULES_MD_CHECK = {
    Step.NOTICE_OF_ELECTION: d("2025-09-05"),
    Step.NOMINATIONS_CLOSE: d("2025-09-23"),
    Step.STATEMENT_OF_NOMINATED_CANDIDATES: d("2025-09-24"),
    Step.WITHDRAWALS_CLOSE: d("2025-09-26"),
    Step.NOTICE_OF_POLL: d("2025-10-10"),
    Step.CLOSE_OF_POLL: CLOSE,
}


def test_steps_are_in_order() -> None:
    assert [step.value for step in Step] == [
        "notice_of_election",
        "nominations_close",
        "statement_of_nominated_candidates",
        "withdrawals_close",
        "notice_of_poll",
        "close_of_poll",
    ]
    assert [step.position for step in Step] == list(range(6))
    assert Step("nominations_close") is Step.NOMINATIONS_CLOSE
    assert Step.NOMINATIONS_CLOSE.kind is StepKind.CLOSES
    assert Step.NOTICE_OF_POLL.kind is StepKind.PUBLISHES
    assert Step.NOTICE_OF_POLL.label == "notice of poll (voting opens)"


def test_the_rules_md_check() -> None:
    timetable = statutory_timetable(CLOSE, CAL)
    assert dict(timetable) == RULES_MD_CHECK
    assert timetable[Step.NOMINATIONS_CLOSE] == d("2025-09-23")  # Tuesday
    assert timetable[Step.WITHDRAWALS_CLOSE] == d("2025-09-26")  # Friday
    assert timetable[Step.NOTICE_OF_POLL] == d("2025-10-10")  # Friday
    assert timetable[Step.NOTICE_OF_ELECTION].strftime("%a") == "Fri"


def test_each_working_day_step_is_its_offset_before_the_close() -> None:
    timetable = statutory_timetable(CLOSE, CAL)
    for step, day in timetable:
        assert CAL.working_days_between(day, CLOSE) == MER2014.rule(step).days


def test_a_timetable_across_christmas_and_new_year() -> None:
    # Close Fri 30 Jan 2026. Back: Jan 29..26 = 1-4, 23..19 = 5-9, 16..12 = 10-14, Fri 9 Jan =
    # 15th; 8 7 6 5 = 16-19, Fri 2 Jan = 20th (1 Jan a holiday), Dec 31 30 29 = 21-23 (25 and
    # 26 Dec holidays), 24 = 24th, Tue 23 Dec = 25th, 22 = 26th, Fri 19 = 27th, Thu 18 = 28th;
    # 17 16 15 = 29-31, 12..8 = 32-36, 5 4 3 = 37-39, Tue 2 Dec 2025 = 40th.
    timetable = statutory_timetable(d("2026-01-30"), CAL)
    assert dict(timetable) == {
        Step.NOTICE_OF_ELECTION: d("2025-12-02"),
        Step.NOMINATIONS_CLOSE: d("2025-12-18"),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: d("2025-12-19"),
        Step.WITHDRAWALS_CLOSE: d("2025-12-23"),
        Step.NOTICE_OF_POLL: d("2026-01-09"),
        Step.CLOSE_OF_POLL: d("2026-01-30"),
    }


def test_a_timetable_across_easter() -> None:
    # Close Fri 24 Apr 2026: 23..20 = 1-4, 17..13 = 5-9, 10..7 = 10-13, (6 Apr Easter Monday,
    # 3 Apr Good Friday), Thu 2 Apr = 14th, Wed 1 Apr = 15th.
    assert statutory_timetable(d("2026-04-24"), CAL)[Step.NOTICE_OF_POLL] == d("2026-04-01")


def test_a_day_of_mourning_moves_every_earlier_step_back() -> None:
    mourning = WorkingCalendar(extra_non_working_days=frozenset({d("2025-10-20")}))
    timetable = statutory_timetable(CLOSE, mourning)
    assert dict(timetable) == {
        Step.NOTICE_OF_ELECTION: d("2025-09-04"),
        Step.NOMINATIONS_CLOSE: d("2025-09-22"),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: d("2025-09-23"),
        Step.WITHDRAWALS_CLOSE: d("2025-09-25"),
        Step.NOTICE_OF_POLL: d("2025-10-09"),
        Step.CLOSE_OF_POLL: CLOSE,
    }
    # The dates that were on time under the plain calendar are now a day late.
    issues = check(RULES_MD_CHECK, mourning)
    assert {issue.step for issue in issues if issue.kind is IssueKind.LATE} == set(Step) - {
        Step.CLOSE_OF_POLL
    }


def test_a_mourning_day_just_before_the_close_moves_the_notice_of_poll() -> None:
    # Mourning on the day before the close: the 15th working day back is one day earlier.
    mourning = WorkingCalendar(extra_non_working_days=frozenset({d("2025-10-30")}))
    assert statutory_timetable(CLOSE, mourning)[Step.NOTICE_OF_POLL] == d("2025-10-09")


def test_counting_outside_the_known_years_is_refused_unless_holidays_are_given() -> None:
    with pytest.raises(ValueError, match="bank holidays for 2023 are not known"):
        statutory_timetable(d("2024-02-09"), CAL)
    calendar = WorkingCalendar(holidays={2023: frozenset(holidays_by_rule(2023))})
    assert statutory_timetable(d("2024-02-09"), calendar)[Step.NOTICE_OF_ELECTION] < d("2024-01-01")


def test_the_close_of_poll_must_be_a_date() -> None:
    with pytest.raises(TypeError):
        statutory_timetable(at("2025-10-31 17:00"), CAL)


# --- times of day --------------------------------------------------------------------------


def test_datetimes_are_aware_utc_at_the_documented_local_times() -> None:
    moments = statutory_timetable(CLOSE, CAL).datetimes()
    assert all(moment.tzinfo is UTC for moment in moments.values())
    # September and early October are in British Summer Time (UTC+1); the clocks go back on
    # 26 October 2025, so the close of poll is at 17:00 GMT.
    assert moments[Step.NOTICE_OF_ELECTION] == datetime(2025, 9, 5, 8, 0, tzinfo=UTC)
    assert moments[Step.NOMINATIONS_CLOSE] == datetime(2025, 9, 23, 16, 0, tzinfo=UTC)
    assert moments[Step.STATEMENT_OF_NOMINATED_CANDIDATES] == datetime(
        2025, 9, 24, 8, 0, tzinfo=UTC
    )
    assert moments[Step.WITHDRAWALS_CLOSE] == datetime(2025, 9, 26, 16, 0, tzinfo=UTC)
    assert moments[Step.NOTICE_OF_POLL] == datetime(2025, 10, 10, 8, 0, tzinfo=UTC)
    assert moments[Step.CLOSE_OF_POLL] == datetime(2025, 10, 31, 17, 0, tzinfo=UTC)


def test_datetimes_in_another_zone() -> None:
    moments = statutory_timetable(CLOSE, CAL).datetimes("Europe/Dublin")
    assert moments[Step.CLOSE_OF_POLL] == datetime(2025, 10, 31, 17, 0, tzinfo=UTC)
    moments = statutory_timetable(CLOSE, CAL).datetimes(ZoneInfo("America/New_York"))
    assert moments[Step.CLOSE_OF_POLL] == datetime(2025, 10, 31, 21, 0, tzinfo=UTC)


def test_rules_can_set_their_own_times() -> None:
    rules = TimetableRules(
        name="noon close",
        steps=dict(MER2014.steps),
        close_of_poll_at=time(12, 0),
        publishes_at=time(10, 0),
    )
    moments = statutory_timetable(CLOSE, CAL, rules).datetimes()
    assert moments[Step.CLOSE_OF_POLL] == datetime(2025, 10, 31, 12, 0, tzinfo=UTC)
    assert moments[Step.NOTICE_OF_POLL] == datetime(2025, 10, 10, 9, 0, tzinfo=UTC)
    assert moments[Step.NOMINATIONS_CLOSE] == datetime(2025, 9, 23, 16, 0, tzinfo=UTC)


# --- checking a proposed timetable ---------------------------------------------------------


def test_the_statutory_dates_pass() -> None:
    assert check(RULES_MD_CHECK, CAL) == []


def test_a_longer_timetable_is_accepted() -> None:
    proposed = {
        Step.NOTICE_OF_ELECTION: d("2025-08-01"),
        Step.NOMINATIONS_CLOSE: d("2025-09-01"),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: d("2025-09-02"),
        Step.WITHDRAWALS_CLOSE: d("2025-09-09"),
        Step.NOTICE_OF_POLL: d("2025-10-01"),
        Step.CLOSE_OF_POLL: CLOSE,
    }
    assert check(proposed, CAL) == []


def test_a_partial_proposal_is_checked_as_far_as_it_goes() -> None:
    assert check({Step.CLOSE_OF_POLL: CLOSE, Step.NOTICE_OF_POLL: d("2025-10-10")}, CAL) == []


def test_the_close_of_poll_is_required() -> None:
    with pytest.raises(ValueError, match="needs a close of poll"):
        check({Step.NOTICE_OF_POLL: d("2025-10-10")}, CAL)


def test_late_dates_are_flagged() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.NOMINATIONS_CLOSE] = d("2025-09-24")
    proposed[Step.STATEMENT_OF_NOMINATED_CANDIDATES] = d("2025-09-25")
    proposed[Step.NOTICE_OF_POLL] = d("2025-10-13")
    issues = check(proposed, CAL)
    assert [(issue.step, issue.kind) for issue in issues] == [
        (Step.NOMINATIONS_CLOSE, IssueKind.LATE),
        (Step.STATEMENT_OF_NOMINATED_CANDIDATES, IssueKind.LATE),
        (Step.NOTICE_OF_POLL, IssueKind.LATE),
    ]
    nominations = issues[0]
    assert nominations == Issue(
        Step.NOMINATIONS_CLOSE,
        kind=IssueKind.LATE,
        latest=d("2025-09-23"),
        proposed=d("2025-09-24"),
        message=(
            "The nominations close at 17:00 on Wed 24 Sep 2025 is later than the latest "
            "allowed, 17:00 on Tue 23 Sep 2025 (28th working day before close of poll)."
        ),
    )
    assert nominations.kind == "late"
    assert nominations.overridable
    assert issues[2].message == (
        "The notice of poll (voting opens) on Mon 13 Oct 2025 is later than the latest "
        "allowed, Fri 10 Oct 2025 (15th working day before close of poll)."
    )


def test_a_closing_step_is_late_after_its_time_on_the_last_day() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.NOMINATIONS_CLOSE] = at("2025-09-23 17:30")
    [issue] = check(proposed, CAL)
    assert (issue.step, issue.kind, issue.latest) == (
        Step.NOMINATIONS_CLOSE,
        IssueKind.LATE,
        d("2025-09-23"),
    )
    assert "17:30 on Tue 23 Sep 2025" in issue.message
    # 17:00 in London, given in UTC, is exactly on time.
    proposed[Step.NOMINATIONS_CLOSE] = datetime(2025, 9, 23, 16, 0, tzinfo=UTC)
    assert check(proposed, CAL) == []


def test_a_publishing_step_may_happen_at_any_time_on_its_last_day() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.NOTICE_OF_POLL] = at("2025-10-10 16:00")
    assert check(proposed, CAL) == []


def test_the_close_of_poll_after_five_is_late() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.CLOSE_OF_POLL] = at("2025-10-31 18:00")
    [issue] = check(proposed, CAL)
    assert (issue.step, issue.kind) == (Step.CLOSE_OF_POLL, IssueKind.LATE)
    assert "the poll closes at 17:00" in issue.message
    proposed[Step.CLOSE_OF_POLL] = at("2025-10-31 12:00")
    assert check(proposed, CAL) == []


def test_naive_datetimes_are_refused() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.NOMINATIONS_CLOSE] = datetime(2025, 9, 23, 17, 0)
    with pytest.raises(ValueError, match="must carry a time zone"):
        check(proposed, CAL)


def test_a_late_date_is_overridden_with_a_recorded_reason() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.WITHDRAWALS_CLOSE] = d("2025-09-29")
    issues = check(proposed, CAL)
    assert [(issue.step, issue.kind) for issue in issues] == [
        (Step.WITHDRAWALS_CLOSE, IssueKind.LATE)
    ]
    reason = "Postal strike delayed the statement; extended by one working day."
    overrides = {Step.WITHDRAWALS_CLOSE: reason}
    assert apply_overrides(issues, overrides) == []
    [settled] = overridden_issues(issues, overrides)
    assert settled.override == reason
    assert settled.step is Step.WITHDRAWALS_CLOSE
    # An override for another step settles nothing.
    assert apply_overrides(issues, {Step.NOMINATIONS_CLOSE: reason}) == issues
    # The input is not changed.
    assert issues[0].override is None


def test_apply_overrides_accepts_any_iterable() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.WITHDRAWALS_CLOSE] = d("2025-09-29")
    issues = check(proposed, CAL)
    assert apply_overrides(iter(issues), {Step.WITHDRAWALS_CLOSE: "reason"}) == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(reason: str) -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.WITHDRAWALS_CLOSE] = d("2025-09-29")
    issues = check(proposed, CAL)
    with pytest.raises(ValueError, match="needs a recorded reason"):
        apply_overrides(issues, {Step.WITHDRAWALS_CLOSE: reason})
    with pytest.raises(ValueError, match="needs a recorded reason"):
        issues[0].overridden(reason)


def test_only_lateness_can_be_overridden() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.WITHDRAWALS_CLOSE] = d("2025-09-22")  # before nominations close: out of order
    issues = check(proposed, CAL)
    assert [(issue.step, issue.kind) for issue in issues] == [
        (Step.WITHDRAWALS_CLOSE, IssueKind.OUT_OF_ORDER)
    ]
    assert not issues[0].overridable
    assert apply_overrides(issues, {issues[0].step: "because"}) == issues
    with pytest.raises(ValueError, match="cannot be overridden"):
        issues[0].overridden("because")


def test_steps_out_of_order_are_flagged() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.WITHDRAWALS_CLOSE] = d("2025-09-19")  # before the statement on 24 Sep
    [issue] = check(proposed, CAL)
    assert issue.kind is IssueKind.OUT_OF_ORDER
    assert issue.step is Step.WITHDRAWALS_CLOSE
    assert issue.other is Step.STATEMENT_OF_NOMINATED_CANDIDATES
    assert issue.message == (
        "The withdrawals close must come after the statement of nominated candidates: "
        "Fri 19 Sep 2025 is not after Wed 24 Sep 2025."
    )


def test_a_statement_the_same_morning_as_nominations_close_is_out_of_order() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.STATEMENT_OF_NOMINATED_CANDIDATES] = d("2025-09-23")  # 09:00, before 17:00
    [issue] = check(proposed, CAL)
    assert (issue.step, issue.kind) == (
        Step.STATEMENT_OF_NOMINATED_CANDIDATES,
        IssueKind.OUT_OF_ORDER,
    )
    assert "09:00 on Tue 23 Sep 2025 is not after 17:00 on Tue 23 Sep 2025" in issue.message
    proposed[Step.STATEMENT_OF_NOMINATED_CANDIDATES] = at("2025-09-23 17:30")
    assert check(proposed, CAL) == []


def test_a_poll_that_closes_before_it_opens_is_flagged() -> None:
    proposed = {Step.NOTICE_OF_POLL: at("2025-10-31 17:30"), Step.CLOSE_OF_POLL: CLOSE}
    issues = check(proposed, CAL)
    assert [(issue.step, issue.kind) for issue in issues] == [
        (Step.NOTICE_OF_POLL, IssueKind.LATE),
        (Step.CLOSE_OF_POLL, IssueKind.POLL_CLOSES_BEFORE_OPENING),
    ]
    assert issues[1].message.startswith("The poll would close before it opens")
    assert not issues[1].overridable


def test_a_step_on_a_non_working_day_is_flagged_when_the_rule_counts_working_days() -> None:
    proposed = dict(RULES_MD_CHECK)
    proposed[Step.NOTICE_OF_POLL] = d("2025-10-04")  # a Saturday, earlier than needed
    [issue] = check(proposed, CAL)
    assert (issue.step, issue.kind) == (Step.NOTICE_OF_POLL, IssueKind.NON_WORKING_DAY)
    assert issue.message == (
        "The notice of poll (voting opens) falls on Sat 4 Oct 2025, which is not a working day."
    )
    assert not issue.overridable


def test_a_declared_day_of_mourning_is_not_a_working_day_for_the_check() -> None:
    mourning = WorkingCalendar(extra_non_working_days=frozenset({d("2025-09-01")}))
    proposed = {Step.NOTICE_OF_ELECTION: d("2025-09-01"), Step.CLOSE_OF_POLL: CLOSE}
    assert check(proposed, CAL) == []
    [issue] = check(proposed, mourning)
    assert issue.kind is IssueKind.NON_WORKING_DAY


def test_an_extra_working_day_is_the_fix_for_a_weekend_step() -> None:
    proposed = {Step.NOTICE_OF_POLL: d("2025-10-04"), Step.CLOSE_OF_POLL: CLOSE}
    opened = WorkingCalendar(extra_working_days=frozenset({d("2025-10-04")}))
    assert check(proposed, opened) == []


def test_a_late_weekend_step_has_two_issues_and_only_lateness_is_overridable() -> None:
    proposed = {Step.NOTICE_OF_POLL: d("2025-10-11"), Step.CLOSE_OF_POLL: CLOSE}
    issues = check(proposed, CAL)
    assert [issue.kind for issue in issues] == [IssueKind.LATE, IssueKind.NON_WORKING_DAY]
    remaining = apply_overrides(issues, {Step.NOTICE_OF_POLL: "agreed by the returning officer"})
    assert [issue.kind for issue in remaining] == [IssueKind.NON_WORKING_DAY]


def test_a_close_of_poll_on_a_weekend_is_flagged_under_mer() -> None:
    saturday = d("2025-11-01")
    timetable = statutory_timetable(saturday, CAL)
    [issue] = check(dict(timetable), CAL)
    assert (issue.step, issue.kind) == (Step.CLOSE_OF_POLL, IssueKind.NON_WORKING_DAY)


# --- co-operatives and stored rules --------------------------------------------------------


def test_the_coop_default() -> None:
    timetable = statutory_timetable(CLOSE, CAL, COOP_DEFAULT)
    assert dict(timetable) == {
        Step.NOTICE_OF_ELECTION: d("2025-10-02"),
        Step.NOMINATIONS_CLOSE: d("2025-10-10"),
        Step.STATEMENT_OF_NOMINATED_CANDIDATES: d("2025-10-11"),
        Step.WITHDRAWALS_CLOSE: d("2025-10-14"),
        Step.NOTICE_OF_POLL: d("2025-10-16"),
        Step.CLOSE_OF_POLL: CLOSE,
    }
    notice = timetable[Step.NOTICE_OF_ELECTION]
    assert CAL.clear_days_between(notice, CLOSE) == 28
    assert CAL.clear_days_between(timetable[Step.NOTICE_OF_POLL], CLOSE) == 14
    assert CLOSE - timetable[Step.NOMINATIONS_CLOSE] == timedelta(days=21)
    # Calendar days: a Saturday statement is no problem, nor a Sunday close.
    assert check(dict(timetable), CAL, COOP_DEFAULT) == []
    sunday = d("2025-11-02")
    assert check(dict(statutory_timetable(sunday, CAL, COOP_DEFAULT)), CAL, COOP_DEFAULT) == []


def test_clear_working_day_rules() -> None:
    steps = dict(MER2014.steps)
    steps[Step.NOTICE_OF_POLL] = StepRule(10, Counting.CLEAR_WORKING_DAYS)
    rules = TimetableRules(name="ten clear working days of polling", steps=steps)
    opening = statutory_timetable(CLOSE, CAL, rules)[Step.NOTICE_OF_POLL]
    assert opening == d("2025-10-16")
    assert CAL.clear_days_between(opening, CLOSE, working_only=True) == 10


def test_rules_round_trip_through_json() -> None:
    for rules in (MER2014, COOP_DEFAULT):
        stored = json.dumps(rules.to_dict())
        assert TimetableRules.from_dict(json.loads(stored)) == rules
    assert MER2014.to_dict()["steps"]["nominations_close"] == {
        "days": 28,
        "counting": "working_days",
    }
    assert MER2014.to_dict()["close_of_poll_at"] == "17:00"


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"name": "x", "steps": []},
        {"name": "x", "steps": {"nominations_close": {"days": 1, "counting": "fortnights"}}},
        {"name": "x", "steps": {"sometime": {"days": 1, "counting": "days"}}},
    ],
)
def test_malformed_stored_rules_are_refused(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TimetableRules.from_dict(broken)


def test_rules_must_cover_every_step_and_start_at_the_close() -> None:
    steps = dict(MER2014.steps)
    del steps[Step.WITHDRAWALS_CLOSE]
    with pytest.raises(ValueError, match="no rule for withdrawals close"):
        TimetableRules(name="short", steps=steps)
    steps = dict(MER2014.steps)
    steps[Step.CLOSE_OF_POLL] = StepRule(1)
    with pytest.raises(ValueError, match="day 0"):
        TimetableRules(name="shifted", steps=steps)
    with pytest.raises(ValueError, match="after the close of poll"):
        StepRule(-1)
    with pytest.raises(ValueError, match="local wall-clock"):
        TimetableRules(name="zoned", steps=dict(MER2014.steps), closes_at=time(17, tzinfo=UTC))


def test_rules_that_put_steps_out_of_order_are_refused_when_counted() -> None:
    steps = dict(MER2014.steps)
    steps[Step.NOMINATIONS_CLOSE] = StepRule(20)  # after withdrawals close (25th)
    rules = TimetableRules(name="muddled", steps=steps)
    with pytest.raises(
        ValueError, match=r"do not put the statement of nominated candidates .* after the nom"
    ):
        statutory_timetable(CLOSE, CAL, rules)


def test_rule_descriptions() -> None:
    assert StepRule(1).describe() == "1st working day before close of poll"
    assert StepRule(22).describe() == "22nd working day before close of poll"
    assert StepRule(13).describe() == "13th working day before close of poll"
    assert StepRule(28, Counting.CLEAR_DAYS).describe() == "28 clear days before close of poll"
    assert StepRule(21, Counting.DAYS).describe() == "21 days before close of poll"
    assert (
        StepRule(5, Counting.CLEAR_WORKING_DAYS).describe()
        == "5 clear working days before close of poll"
    )


# --- properties ----------------------------------------------------------------------------

closes = st.dates(min_value=date(2024, 6, 1), max_value=date(2035, 12, 31))
working_closes = closes.filter(CAL.is_working_day)


@given(working_closes)
def test_statutory_dates_always_pass_their_own_check(close: date) -> None:
    timetable = statutory_timetable(close, CAL)
    assert check(dict(timetable), CAL) == []
    for step, day in timetable:
        assert CAL.is_working_day(day)
        assert CAL.working_days_between(day, close) == MER2014.rule(step).days


@given(closes)
def test_coop_dates_always_pass_their_own_check(close: date) -> None:
    assert check(dict(statutory_timetable(close, CAL, COOP_DEFAULT)), CAL, COOP_DEFAULT) == []


@given(working_closes, st.sampled_from(list(Step)[:-1]), st.integers(min_value=1, max_value=3))
def test_a_step_moved_later_is_late_and_overriding_clears_it(
    close: date, step: Step, shift: int
) -> None:
    proposed = dict(statutory_timetable(close, CAL))
    proposed[step] = CAL.add_working_days(proposed[step], shift)
    issues = check(proposed, CAL)
    late = [issue for issue in issues if issue.kind is IssueKind.LATE]
    assert [issue.step for issue in late] == [step]
    remaining = apply_overrides(issues, {step: "recorded reason"})
    assert all(issue.kind is not IssueKind.LATE for issue in remaining)


@given(working_closes, st.integers(min_value=0, max_value=20))
def test_a_longer_timetable_is_never_late(close: date, extra: int) -> None:
    proposed = {
        step: CAL.add_working_days(day, -extra) if step is not Step.CLOSE_OF_POLL else day
        for step, day in statutory_timetable(close, CAL)
    }
    assert all(issue.kind is not IssueKind.LATE for issue in check(proposed, CAL))
