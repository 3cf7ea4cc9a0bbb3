"""CSV row parsing, search keys and representativeness arithmetic (pure)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from governance.members.csv_format import (
    COLUMN_NAMES,
    HeaderError,
    RowError,
    RowReader,
    parse_date,
    read_header,
)
from governance.members.normalise import (
    clean_email,
    format_postcode,
    postcode_key,
    prefix_bound,
    search_key,
    tidy,
    valid_email,
)
from governance.members.representativeness import (
    SUPPRESSED_TEXT,
    age_band,
    chart_bars,
    compare,
    decimal_text,
    shown,
    suppress,
)

HEADER = ["reference", "first_name", "last_name", "email", "date_of_birth", "area_code"]


def reader(header: list[str] = HEADER) -> RowReader:
    return RowReader(read_header(header))


def test_header_names_are_forgiving_about_case_spaces_and_order() -> None:
    positions = read_header(["Last Name", "REFERENCE", "first-name", ""])
    assert positions == {"last_name": 0, "reference": 1, "first_name": 2}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["reference", "first_name", "last_name", "surname"], "unknown column 'surname'"),
        (["reference", "first_name", "last_name", "email", "Email"], "appears twice"),
        (["reference", "first_name"], "missing column(s): last_name"),
    ],
)
def test_unusable_headers(header: list[str], message: str) -> None:
    with pytest.raises(HeaderError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_header(header)


def test_column_order_is_what_the_reader_unpacks() -> None:
    assert COLUMN_NAMES[:3] == ("reference", "first_name", "last_name")
    assert len(COLUMN_NAMES) == 24


def test_a_good_row() -> None:
    data = reader().read(["A1", " Ann  ", "Smith", "Ann@Example.ORG", "31/12/1970", "E05000001"])
    assert data.reference == "A1"
    assert data.first_name == "Ann"
    assert data.email == "ann@example.org"
    assert data.date_of_birth == date(1970, 12, 31)
    assert data.area_code == "E05000001"
    assert data.staff is None


def test_short_rows_read_missing_cells_as_blank() -> None:
    data = reader().read(["A1", "Ann", "Smith"])
    assert data.email is None and data.date_of_birth is None


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (["", "Ann", "Smith"], "missing-field"),
        (["A1", "", "Smith"], "missing-field"),
        (["A1", "Ann", "Smith", "not-an-email"], "bad-email"),
        (["A1", "Ann", "Smith", "ann@example", ""], "bad-email"),
        (["A1", "Ann", "Smith", "", "31/02/1970"], "bad-date"),
        (["A1", "Ann", "Smith", "", "1970-13-01"], "bad-date"),
        (["A1", "Ann", "Smith", "", "yesterday"], "bad-date"),
    ],
)
def test_row_refusals(row: list[str], code: str) -> None:
    with pytest.raises(RowError) as caught:
        reader().read(row)
    assert caught.value.code == code


def test_missing_fields_are_all_named() -> None:
    with pytest.raises(RowError, match="missing first_name, last_name"):
        reader().read(["A1", "", ""])


def test_yes_no_numbers_and_staff_columns() -> None:
    header = [
        "reference",
        "first_name",
        "last_name",
        "contact_sms",
        "deprivation_decile",
        "contract",
        "contract_months",
        "service_start",
    ]
    data = reader(header).read(["S1", "Sam", "Staff", "Y", "3", "Fixed term", "18", "2020-01-01"])
    assert data.contact_sms is True
    assert data.deprivation_decile == 3
    assert data.staff is not None and data.staff.permanent is False
    assert data.staff.fixed_term_months == 18
    for bad in (
        ["S1", "Sam", "Staff", "maybe"],
        ["S1", "Sam", "Staff", "", "11"],
        ["S1", "Sam", "Staff", "", "", "casual"],
    ):
        with pytest.raises(RowError) as caught:
            reader(header).read(bad)
        assert caught.value.code == "bad-value"


def test_dates_in_iso_and_uk_forms() -> None:
    assert parse_date("2001-02-03") == date(2001, 2, 3)
    assert parse_date("3/2/2001") == date(2001, 2, 3)
    with pytest.raises(ValueError):
        parse_date("02-03-2001")


def test_search_keys() -> None:
    assert search_key("Ó Briain-Smythe") == "obriainsmythe"
    assert search_key("O'Neill") == "oneill"
    assert search_key("Müller") == "muller"
    assert prefix_bound("smi") == "smj"
    assert prefix_bound("az") == "b"
    assert prefix_bound("a9") == "aa"
    assert prefix_bound("zz") is None


def test_emails_postcodes_and_tidying() -> None:
    assert clean_email("  Ann@Example.org ") == "ann@example.org"
    assert valid_email("a.b+c@example.co.uk")
    assert not valid_email("a@b")
    assert not valid_email("a b@example.org")
    assert postcode_key("ls1 4ap") == "LS14AP"
    assert format_postcode("ls14ap") == "LS1 4AP"
    assert format_postcode("sw1a1aa") == "SW1A 1AA"
    assert format_postcode("not a postcode") == "NOT A POSTCODE"
    assert tidy("  a   b ", 10) == "a b"
    assert tidy("abcdef", 3) == "abc"


def test_suppression_of_small_counts() -> None:
    assert suppress(0) == 0
    assert suppress(1) is None
    assert suppress(9) is None
    assert suppress(10) == 10
    assert shown(None) == SUPPRESSED_TEXT == "fewer than 10"
    assert shown(12) == "12"


def test_decimal_text_rounds_half_away_from_zero() -> None:
    assert decimal_text(Fraction(200, 3)) == "66.7"
    assert decimal_text(Fraction(1, 20)) == "0.1"
    assert decimal_text(Fraction(-1, 3)) == "-0.3"
    assert decimal_text(Fraction(5)) == "5.0"
    assert decimal_text(None) == ""


def test_age_bands() -> None:
    today = date(2025, 6, 2)
    assert age_band(date(2009, 6, 2), today) == "under 18"
    assert age_band(date(2007, 6, 2), today) == "18-24"
    assert age_band(date(2007, 6, 3), today) == "under 18"
    assert age_band(date(1950, 1, 1), today) == "75 and over"
    assert age_band(None, today) == "not known"


def test_comparison_shares_and_gaps() -> None:
    rows = compare({"Female": 600, "Male": 400}, {"female": 30, "Male": 70, "not known": 0})
    female, male = rows
    assert female.category == "Female" and female.members == 30
    assert female.population_share == 60 and female.member_share == 30
    assert female.gap == -30
    assert female.per_thousand == 50
    assert male.gap == 30


def test_public_comparison_withholds_small_counts_and_what_follows_from_them() -> None:
    rows = compare({"A": 100, "B": 100}, {"A": 5, "B": 50}, public=True)
    a, b = rows
    assert a.members is None and a.member_share is None and a.gap is None and a.per_thousand is None
    assert b.members == 50
    private = compare({"A": 100, "B": 100}, {"A": 5, "B": 50})
    assert private[0].members == 5


def test_chart_bars_scale_to_the_largest_share() -> None:
    rows = compare({"A": 75, "B": 25}, {"A": 50, "B": 50}, public=True)
    bars = chart_bars(rows, width=300)
    assert [b.population_width for b in bars] == [300, 100]
    assert [b.member_width for b in bars] == [200, 200]
    assert bars[0].population_text == "75.0%"
    hidden = chart_bars(compare({"A": 10}, {"A": 3}, public=True))
    assert hidden[0].member_text == "fewer than 10" and hidden[0].member_width == 0
