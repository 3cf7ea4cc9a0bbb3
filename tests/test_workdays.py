"""The England and Wales working-day calendar: holidays, counting, clear days."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.workdays import (
    ENGLAND_AND_WALES,
    FIRST_SUPPORTED_YEAR,
    LAST_SUPPORTED_YEAR,
    ONE_OFF_CHANGES,
    PAST_ONE_OFF_CHANGES,
    SUPPORTED_YEARS,
    HolidayChange,
    WorkingCalendar,
    apply_changes,
    bank_holidays,
    easter_sunday,
    holidays_by_rule,
)

CAL = ENGLAND_AND_WALES


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(text) for text in texts]


# --- bank holidays -------------------------------------------------------------------------

PUBLISHED = {
    2024: days(
        "2024-01-01",
        "2024-03-29",
        "2024-04-01",
        "2024-05-06",
        "2024-05-27",
        "2024-08-26",
        "2024-12-25",
        "2024-12-26",
    ),
    2025: days(
        "2025-01-01",
        "2025-04-18",
        "2025-04-21",
        "2025-05-05",
        "2025-05-26",
        "2025-08-25",
        "2025-12-25",
        "2025-12-26",
    ),
    2026: days(
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",  # Boxing Day is a Saturday
    ),
    # Christmas Day is a Saturday and Boxing Day a Sunday: Monday 27 and Tuesday 28 instead.
    2027: days(
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
    ),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_match_the_published_lists(year: int) -> None:
    assert list(bank_holidays(year)) == PUBLISHED[year]


def test_holiday_names_mark_substitute_days() -> None:
    assert bank_holidays(2026)[d("2026-12-28")] == "Boxing Day (substitute day)"
    assert bank_holidays(2026)[d("2026-12-25")] == "Christmas Day"
    assert bank_holidays(2027)[d("2027-12-27")] == "Christmas Day (substitute day)"
    assert bank_holidays(2027)[d("2027-12-28")] == "Boxing Day (substitute day)"
    assert bank_holidays(2025)[d("2025-04-18")] == "Good Friday"
    assert bank_holidays(2025)[d("2025-08-25")] == "Summer bank holiday"


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2029, "2029-04-01"),
        (2030, "2030-04-21"),
        (2031, "2031-04-13"),
        (2032, "2032-03-28"),
        (2033, "2033-04-17"),
        (2034, "2034-04-09"),
        (2035, "2035-03-25"),
        (2000, "2000-04-23"),
        (1818, "1818-03-22"),  # the earliest possible date
        (2038, "2038-04-25"),  # the latest possible date
    ],
)
def test_easter_sunday(year: int, easter: str) -> None:
    assert easter_sunday(year) == d(easter)


def test_easter_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="Gregorian"):
        easter_sunday(1500)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # New Year's Day on a Saturday moves to Monday 3 January.
        (2028, {"2028-01-03": "New Year's Day (substitute day)"}),
        (2033, {"2033-01-03": "New Year's Day (substitute day)"}),
        # On a Sunday, to Monday 2 January.
        (2034, {"2034-01-02": "New Year's Day (substitute day)"}),
        # Christmas on a Sunday: Boxing Day keeps Monday 26, Christmas moves to Tuesday 27.
        (2033, {"2033-12-26": "Boxing Day", "2033-12-27": "Christmas Day (substitute day)"}),
        # Christmas on a Saturday: Monday 27 and Tuesday 28.
        (
            2032,
            {
                "2032-12-27": "Christmas Day (substitute day)",
                "2032-12-28": "Boxing Day (substitute day)",
            },
        ),
        # Christmas on a Friday: Boxing Day (Saturday) moves to Monday 28.
        (2026, {"2026-12-25": "Christmas Day", "2026-12-28": "Boxing Day (substitute day)"}),
    ],
)
def test_substitute_days(year: int, expected: dict[str, str]) -> None:
    holidays = bank_holidays(year)
    for day, name in expected.items():
        assert holidays[d(day)] == name


@pytest.mark.parametrize("year", list(SUPPORTED_YEARS))
def test_every_supported_year_has_eight_weekday_holidays(year: int) -> None:
    holidays = bank_holidays(year)
    assert len(holidays) == 8
    assert all(day.weekday() < 5 and day.year == year for day in holidays)
    assert list(holidays) == sorted(holidays)


def test_the_supported_range_is_2024_to_2035() -> None:
    assert (FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR) == (2024, 2035)
    assert list(SUPPORTED_YEARS) == list(range(2024, 2036))


@pytest.mark.parametrize("year", [2023, 2036, 1999])
def test_bank_holidays_outside_the_range_are_refused(year: int) -> None:
    with pytest.raises(ValueError, match=rf"bank holidays for {year} are not known.*2024-2035"):
        bank_holidays(year)


def test_one_off_changes_in_the_supported_years() -> None:
    # None announced at the last review; any that are added must fall in the supported years.
    assert all(change.year in SUPPORTED_YEARS for change in ONE_OFF_CHANGES)


PUBLISHED_PAST = {
    # VE Day: the early May bank holiday moved from Monday 4 to Friday 8 May.
    2020: days(
        "2020-01-01",
        "2020-04-10",
        "2020-04-13",
        "2020-05-08",
        "2020-05-25",
        "2020-08-31",
        "2020-12-25",
        "2020-12-28",
    ),
    # Platinum Jubilee (spring holiday moved to 2 June, extra 3 June) and the state funeral.
    2022: days(
        "2022-01-03",
        "2022-04-15",
        "2022-04-18",
        "2022-05-02",
        "2022-06-02",
        "2022-06-03",
        "2022-08-29",
        "2022-09-19",
        "2022-12-26",
        "2022-12-27",
    ),
    # The coronation: an extra Monday 8 May.
    2023: days(
        "2023-01-02",
        "2023-04-07",
        "2023-04-10",
        "2023-05-01",
        "2023-05-08",
        "2023-05-29",
        "2023-08-28",
        "2023-12-25",
        "2023-12-26",
    ),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED_PAST))
def test_the_change_mechanism_reproduces_past_published_years(year: int) -> None:
    holidays = apply_changes(holidays_by_rule(year), PAST_ONE_OFF_CHANGES)
    assert list(holidays) == PUBLISHED_PAST[year]


def test_a_moved_holiday_keeps_its_new_name() -> None:
    holidays = apply_changes(holidays_by_rule(2022), PAST_ONE_OFF_CHANGES)
    assert holidays[d("2022-06-03")] == "Platinum Jubilee bank holiday"
    assert d("2022-05-30") not in holidays


def test_changes_for_other_years_are_ignored() -> None:
    assert apply_changes(holidays_by_rule(2025), PAST_ONE_OFF_CHANGES) == holidays_by_rule(2025)


def test_an_inconsistent_change_is_refused() -> None:
    with pytest.raises(ValueError, match="not a holiday"):
        apply_changes(holidays_by_rule(2025), [HolidayChange("x", removed=d("2025-06-02"))])
    with pytest.raises(ValueError, match="already a holiday"):
        apply_changes(holidays_by_rule(2025), [HolidayChange("x", added=d("2025-12-25"))])


def test_a_change_must_add_or_remove_within_one_year() -> None:
    with pytest.raises(ValueError, match="neither adds nor removes"):
        HolidayChange("nothing")
    with pytest.raises(ValueError, match="between years"):
        HolidayChange("x", added=d("2026-01-02"), removed=d("2025-12-26"))
    assert HolidayChange("x", removed=d("2025-05-05")).year == 2025


# --- working days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-10-31", True),  # a Friday
        ("2025-11-01", False),  # Saturday
        ("2025-11-02", False),  # Sunday
        ("2025-12-25", False),  # Christmas Day
        ("2025-04-18", False),  # Good Friday
        ("2025-08-25", False),  # summer bank holiday
        ("2027-12-25", False),  # Christmas on a Saturday
        ("2027-12-27", False),  # its substitute
        ("2027-12-29", True),
        ("2026-12-24", True),
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(d(day)) is working


def test_datetimes_are_refused_rather_than_silently_missing_holidays() -> None:
    with pytest.raises(TypeError, match="must be a date"):
        CAL.is_working_day(datetime(2025, 12, 25, 12))
    with pytest.raises(TypeError):
        WorkingCalendar(extra_non_working_days=frozenset({datetime(2025, 1, 6, 0)}))


def test_extra_days() -> None:
    mourning = d("2025-10-20")
    opened = d("2025-12-27")  # a Saturday the organisation works
    calendar = WorkingCalendar(
        extra_non_working_days=frozenset({mourning}), extra_working_days=frozenset({opened})
    )
    assert not calendar.is_working_day(mourning)
    assert calendar.is_working_day(opened)
    assert CAL.is_working_day(mourning)


def test_a_day_cannot_be_both_extra_working_and_non_working() -> None:
    day = d("2025-10-20")
    with pytest.raises(ValueError, match="both extra working and non-working: 2025-10-20"):
        WorkingCalendar(
            extra_non_working_days=frozenset({day}), extra_working_days=frozenset({day})
        )


def test_the_calendar_is_frozen_comparable_and_hashable() -> None:
    assert WorkingCalendar() == CAL
    assert hash(WorkingCalendar()) == hash(CAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAL.extra_working_days = frozenset()  # type: ignore[misc]
    # Any iterable of dates is accepted and frozen.
    calendar = WorkingCalendar(extra_non_working_days={d("2025-10-20")})  # type: ignore[arg-type]
    assert calendar.extra_non_working_days == frozenset({d("2025-10-20")})


def test_years_outside_the_range_need_explicit_holidays() -> None:
    with pytest.raises(ValueError, match="bank holidays for 2036 are not known"):
        CAL.is_working_day(d("2036-03-03"))
    with pytest.raises(ValueError, match="2023"):
        CAL.add_working_days(d("2024-01-02"), -2)  # 1 January 2024 is a holiday; then 2023
    calendar = WorkingCalendar(holidays={2036: frozenset(holidays_by_rule(2036))})
    assert calendar.is_working_day(d("2036-03-03"))
    assert not calendar.is_working_day(d("2036-12-25"))
    assert calendar.add_working_days(d("2035-12-31"), 1) == d("2036-01-02")


def test_explicit_holidays_replace_the_computed_ones() -> None:
    # A proclamation announced after this code was written, say an extra Friday in June 2026.
    extra = d("2026-06-05")
    calendar = WorkingCalendar(holidays={2026: frozenset(bank_holidays(2026)) | {extra}})
    assert not calendar.is_working_day(extra)
    assert calendar.holidays_in(2025) == frozenset(bank_holidays(2025))


def test_explicit_holidays_must_fall_in_their_year() -> None:
    with pytest.raises(ValueError, match="holidays given for 2036 include 2035-12-25"):
        WorkingCalendar(holidays={2036: frozenset({d("2035-12-25")})})


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Christmas and New Year 2025-26: 25, 26 Dec and 1 Jan are holidays.
        ("2025-12-24", 1, "2025-12-29"),
        ("2025-12-24", 3, "2025-12-31"),
        ("2025-12-24", 4, "2026-01-02"),
        ("2026-01-02", -1, "2025-12-31"),
        ("2026-01-02", -4, "2025-12-24"),
        # Christmas 2027 falls at a weekend: 27 and 28 Dec are substitute days.
        ("2027-12-24", 1, "2027-12-29"),
        ("2027-12-31", -3, "2027-12-24"),
        # Easter 2025 (Good Friday 18, Easter Monday 21 April) and 2026 (3 and 6 April).
        ("2025-04-17", 1, "2025-04-22"),
        ("2025-04-22", -1, "2025-04-17"),
        ("2026-04-02", 1, "2026-04-07"),
        ("2026-04-07", -2, "2026-04-01"),
        # From a non-working day: that day is not counted.
        ("2025-11-01", 1, "2025-11-03"),
        ("2025-11-01", -1, "2025-10-31"),
        ("2025-11-01", 0, "2025-11-01"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert CAL.add_working_days(d(start), n) == d(expected)


def test_working_days_before_counts_the_day_itself_as_day_zero() -> None:
    close = d("2025-10-31")
    assert CAL.working_days_before(close, 0) == close
    assert CAL.working_days_before(close, 1) == d("2025-10-30")
    assert CAL.working_days_before(close, 40) == d("2025-09-05")
    with pytest.raises(ValueError, match="negative"):
        CAL.working_days_before(close, -1)


def test_working_days_between() -> None:
    # After 24 Dec 2025 up to and including 2 Jan 2026: 29, 30, 31 Dec and 2 Jan.
    assert CAL.working_days_between(d("2025-12-24"), d("2026-01-02")) == 4
    assert CAL.working_days_between(d("2026-01-02"), d("2025-12-24")) == -4
    assert CAL.working_days_between(d("2025-12-24"), d("2025-12-24")) == 0
    # Easter 2025: only Thursday 17 and Tuesday 22 between Wednesday 16 and Tuesday 22.
    assert CAL.working_days_between(d("2025-04-16"), d("2025-04-22")) == 2
    assert CAL.working_days_between(d("2025-09-05"), d("2025-10-31")) == 40


def test_clear_days_between() -> None:
    # Notice on 1 March for a meeting on 16 March: 2..15 March, 14 clear days.
    assert CAL.clear_days_between(d("2025-03-01"), d("2025-03-16")) == 14
    assert CAL.clear_days_between(d("2025-03-01"), d("2025-03-02")) == 0
    assert CAL.clear_days_between(d("2025-03-01"), d("2025-03-01")) == 0
    assert CAL.clear_days_between(d("2025-03-16"), d("2025-03-01")) == 0
    # Working days strictly between Wednesday 16 and Wednesday 23 April 2025: 17 and 22.
    assert CAL.clear_days_between(d("2025-04-16"), d("2025-04-23"), working_only=True) == 2
    # Neither end counts even when both are working days.
    assert CAL.clear_days_between(d("2025-10-27"), d("2025-10-31"), working_only=True) == 3


def test_latest_date_with_clear_days() -> None:
    assert CAL.latest_date_with_clear_days(d("2025-03-16"), 14) == d("2025-03-01")
    assert CAL.latest_date_with_clear_days(d("2025-03-16"), 0) == d("2025-03-15")
    # Two clear working days before Tuesday 22 April 2025 (Easter): 16 and 17 April.
    assert CAL.latest_date_with_clear_days(d("2025-04-22"), 2, working_only=True) == d("2025-04-15")
    # The notice day itself may be a weekend: Monday 27 and Tuesday 28 October are clear.
    assert CAL.latest_date_with_clear_days(d("2025-10-29"), 2, working_only=True) == d("2025-10-26")
    with pytest.raises(ValueError, match="negative"):
        CAL.latest_date_with_clear_days(d("2025-03-16"), -1)


# --- properties ----------------------------------------------------------------------------

# Far enough inside the supported years that a year's worth of counting stays inside them.
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2034, 12, 31))
counts = st.integers(min_value=-250, max_value=250)
mourning_days = st.frozensets(dates, max_size=5)


def working_dates() -> st.SearchStrategy[date]:
    return dates.filter(CAL.is_working_day)


@given(dates, counts, mourning_days)
def test_results_are_working_days(start: date, n: int, mourning: frozenset[date]) -> None:
    calendar = WorkingCalendar(extra_non_working_days=mourning)
    result = calendar.add_working_days(start, n)
    if n == 0:
        assert result == start
    else:
        assert calendar.is_working_day(result)
        assert (result > start) == (n > 0)


@given(dates, st.integers(min_value=0, max_value=250))
def test_counting_inverts_adding_forwards(start: date, n: int) -> None:
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@given(working_dates(), counts)
def test_counting_inverts_adding_from_a_working_day(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert CAL.add_working_days(end, -n) == start


@given(dates, working_dates())
def test_adding_the_count_reaches_a_working_day(start: date, end: date) -> None:
    if end >= start:
        assert CAL.add_working_days(start, CAL.working_days_between(start, end)) == end


@given(dates, counts, counts)
def test_adding_is_monotonic_in_the_count(start: date, m: int, n: int) -> None:
    low, high = sorted((m, n))
    assert CAL.add_working_days(start, low) <= CAL.add_working_days(start, high)
    if low < high:
        assert CAL.add_working_days(start, low) < CAL.add_working_days(start, high)


@given(dates, dates, counts)
def test_adding_is_monotonic_in_the_start(a: date, b: date, n: int) -> None:
    early, late = sorted((a, b))
    assert CAL.add_working_days(early, n) <= CAL.add_working_days(late, n)


@given(dates, dates, dates)
def test_counts_over_adjoining_spans_add_up(a: date, b: date, c: date) -> None:
    between = CAL.working_days_between
    assert between(a, b) + between(b, c) == between(a, c)
    assert between(a, b) == -between(b, a)


@given(dates, st.integers(min_value=0, max_value=120), st.booleans(), mourning_days)
def test_latest_notice_has_exactly_enough_clear_days(
    event: date, n: int, working_only: bool, mourning: frozenset[date]
) -> None:
    calendar = WorkingCalendar(extra_non_working_days=mourning)
    notice = calendar.latest_date_with_clear_days(event, n, working_only=working_only)
    assert calendar.clear_days_between(notice, event, working_only=working_only) == n
    # One day later is too late.
    later = notice + timedelta(days=1)
    assert calendar.clear_days_between(later, event, working_only=working_only) < n or n == 0


@given(dates, st.integers(min_value=1, max_value=120), mourning_days)
def test_a_mourning_day_never_makes_a_deadline_later(
    close: date, n: int, mourning: frozenset[date]
) -> None:
    with_mourning = WorkingCalendar(extra_non_working_days=mourning)
    assert with_mourning.working_days_before(close, n) <= CAL.working_days_before(close, n)
