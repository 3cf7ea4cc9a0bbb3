"""The 28-clear-day rule for key decisions, with bank holidays (no database)."""

from __future__ import annotations

from datetime import date

from governance.accountability.notice import NoticeRule, NoticeStatus, assess, tally

RULE = NoticeRule(clear_days=28)
WORKING = NoticeRule(clear_days=28, working_only=True)
DECISION = date(2025, 6, 3)  # a Tuesday, the week after the spring bank holiday


def test_the_last_day_to_publish_leaves_28_clear_days() -> None:
    assert RULE.publish_by(DECISION) == date(2025, 5, 5)
    assert RULE.clear_days_given(date(2025, 5, 5), DECISION) == 28
    assert RULE.clear_days_given(date(2025, 5, 6), DECISION) == 27


def test_a_deadline_on_a_bank_holiday_means_publishing_the_working_day_before() -> None:
    # 5 May 2025 is the early May bank holiday; the office last opens on Friday 2 May.
    assert RULE.publish_by_working_day(DECISION) == date(2025, 5, 2)


def test_counting_working_days_only_skips_weekends_and_bank_holidays() -> None:
    # 28 working days back from 3 June skips 5 May and 26 May: the notice must be out by
    # Easter Monday, so in practice by Maundy Thursday (Good Friday is a holiday too).
    assert WORKING.publish_by(DECISION) == date(2025, 4, 21)
    assert WORKING.publish_by_working_day(DECISION) == date(2025, 4, 17)
    assert WORKING.clear_days_given(date(2025, 4, 21), DECISION) == 28
    assert WORKING.clear_days_given(date(2025, 4, 22), DECISION) == 27


def test_on_time_late_and_urgent() -> None:
    on_time = assess(RULE, decision_date=DECISION, published_on=date(2025, 5, 5), today=DECISION)
    assert on_time.status is NoticeStatus.ON_TIME and on_time.clear_days_given == 28
    late = assess(RULE, decision_date=DECISION, published_on=date(2025, 5, 6), today=DECISION)
    assert late.status is NoticeStatus.LATE and late.shortfall == 1
    urgent = assess(
        RULE, decision_date=DECISION, published_on=date(2025, 5, 20), today=DECISION, urgent=True
    )
    assert urgent.status is NoticeStatus.URGENT and urgent.clear_days_given == 13
    early_urgent = assess(
        RULE, decision_date=DECISION, published_on=date(2025, 4, 1), today=DECISION, urgent=True
    )
    assert early_urgent.status is NoticeStatus.ON_TIME, "enough notice is on time, urgent or not"


def test_unpublished_is_due_until_the_deadline_then_missing() -> None:
    due = assess(RULE, decision_date=DECISION, published_on=None, today=date(2025, 5, 5))
    assert due.status is NoticeStatus.DUE and due.publish_by == date(2025, 5, 5)
    missing = assess(RULE, decision_date=DECISION, published_on=None, today=date(2025, 5, 6))
    assert missing.status is NoticeStatus.MISSING and not missing.taken_without_notice


def test_decisions_taken_without_notice_are_flagged() -> None:
    never = assess(
        RULE, decision_date=DECISION, published_on=None, today=DECISION, taken_on=DECISION
    )
    assert never.status is NoticeStatus.MISSING and never.taken_without_notice
    after = assess(
        RULE,
        decision_date=DECISION,
        published_on=date(2025, 6, 3),
        today=date(2025, 6, 4),
        taken_on=DECISION,
    )
    assert after.taken_without_notice, "a notice on the day itself is no notice"
    urgent = assess(
        RULE,
        decision_date=DECISION,
        published_on=None,
        today=DECISION,
        taken_on=DECISION,
        urgent=True,
    )
    assert urgent.status is NoticeStatus.URGENT and urgent.taken_without_notice


def test_notice_is_measured_against_the_day_actually_taken() -> None:
    brought_forward = assess(
        RULE,
        decision_date=DECISION,
        published_on=date(2025, 5, 5),
        today=date(2025, 5, 30),
        taken_on=date(2025, 5, 30),
    )
    assert brought_forward.status is NoticeStatus.LATE and brought_forward.shortfall == 4


def test_tally_counts_every_status() -> None:
    results = [
        assess(RULE, decision_date=DECISION, published_on=date(2025, 5, 1), today=DECISION),
        assess(RULE, decision_date=DECISION, published_on=None, today=DECISION),
    ]
    counts = tally(results)
    assert counts[NoticeStatus.ON_TIME] == 1 and counts[NoticeStatus.MISSING] == 1
    assert set(counts) == set(NoticeStatus)
