"""Working-day due dates, reminders and escalation, report schedules and terms (no database)."""

from __future__ import annotations

from datetime import date

from governance.accountability.deadlines import (
    AnswerRule,
    Stage,
    add_months,
    is_overdue,
    report_due,
)
from governance.accountability.terms import (
    Span,
    cap_standing,
    declaration_current,
    months_between,
    needs_prompt,
    prompt_on,
    years_and_months,
)

RULE = AnswerRule(working_days=20, escalate_after=5)


def test_due_dates_skip_weekends_and_bank_holidays() -> None:
    # Good Friday, Easter Monday and the early May bank holiday fall in the 20 working days.
    assert RULE.due_on(date(2025, 4, 14)) == date(2025, 5, 15)
    # Christmas Day, Boxing Day and New Year's Day.
    assert RULE.due_on(date(2025, 12, 19)) == date(2026, 1, 21)
    # A request sent on a Saturday starts counting on the Monday.
    assert RULE.due_on(date(2025, 6, 7)) == RULE.due_on(date(2025, 6, 8))


def test_reminder_then_escalation_on_working_days() -> None:
    due = date(2025, 5, 2)  # a Friday before the early May bank holiday
    assert RULE.reminder_on(due) == date(2025, 5, 6)
    assert RULE.escalation_on(due) == date(2025, 5, 12)
    assert RULE.stages_due(due, date(2025, 5, 2)) == []
    assert RULE.stages_due(due, date(2025, 5, 5)) == [], "the bank holiday is not a working day"
    assert RULE.stages_due(due, date(2025, 5, 6)) == [Stage.REMINDER]
    assert RULE.stages_due(due, date(2025, 5, 9)) == [Stage.REMINDER]
    assert RULE.stages_due(due, date(2025, 5, 12)) == [Stage.REMINDER, Stage.ESCALATION]
    assert RULE.stages_due(due, date(2025, 6, 1), open_=False) == []


def test_overdue_and_time_taken() -> None:
    due = date(2025, 5, 15)
    assert not is_overdue(due, date(2025, 5, 15))
    assert is_overdue(due, date(2025, 5, 16))
    assert not is_overdue(due, date(2025, 6, 30), answered_on=date(2025, 5, 15))
    assert is_overdue(due, date(2025, 6, 30), answered_on=date(2025, 5, 16))
    assert RULE.working_days_taken(date(2025, 4, 14), date(2025, 5, 15)) == 20


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert report_due(None, date(2025, 1, 15), 6) == date(2025, 7, 15)
    assert report_due(date(2025, 3, 1), date(2024, 1, 1), 6) == date(2025, 9, 1)


def test_term_end_prompt_six_months_before() -> None:
    span = Span(date(2023, 4, 1), date(2026, 4, 1))
    assert prompt_on(span.ends_on, 6) == date(2025, 10, 1)
    assert not needs_prompt(span, date(2025, 9, 30), 6)
    assert needs_prompt(span, date(2025, 10, 1), 6)
    assert not needs_prompt(span, date(2026, 4, 1), 6), "the term has ended"
    cut_short = Span(date(2023, 4, 1), date(2026, 4, 1), ended_on=date(2025, 1, 1))
    assert not needs_prompt(cut_short, date(2025, 12, 1), 6)


def test_terms_served_against_the_cap() -> None:
    terms = [
        Span(date(2017, 4, 1), date(2020, 4, 1)),
        Span(date(2020, 4, 1), date(2023, 4, 1)),
        Span(date(2023, 4, 1), date(2026, 4, 1)),
    ]
    standing = cap_standing(terms, date(2025, 4, 1), cap_years=9, term_years=3)
    assert standing.served_months == 96
    assert standing.served_at_term_end == 108
    assert not standing.can_stand_again and standing.months_left == 0
    two = cap_standing(terms[1:], date(2025, 4, 1), cap_years=9, term_years=3)
    assert two.can_stand_again and two.months_left == 36
    no_cap = cap_standing(terms, date(2025, 4, 1), cap_years=0, term_years=3)
    assert no_cap.can_stand_again and no_cap.months_left is None
    assert months_between(date(2025, 1, 15), date(2025, 2, 14)) == 0
    assert months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1, "a month, clamped"
    assert years_and_months(96) == "8 years" and years_and_months(14) == "1 year 2 months"


def test_declarations_are_renewed_yearly() -> None:
    assert declaration_current(date(2025, 1, 10), date(2026, 1, 9), 12)
    assert not declaration_current(date(2025, 1, 10), date(2026, 1, 10), 12)
    assert not declaration_current(None, date(2026, 1, 10), 12)
