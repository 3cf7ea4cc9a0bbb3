"""Every CSV the service writes defuses formulas; the import takes the guard off again."""

from __future__ import annotations

import csv
import io

import pytest

from governance.spreadsheet import defuse, restore, writer


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(start: str) -> None:
    value = f"{start}1+1"
    assert defuse(value) == "'" + value
    assert restore(defuse(value)) == value


@pytest.mark.parametrize("value", ["Ann", "O'Brien", "'quoted", "", "Zoë", "1-2", "-26.9", "+44"])
def test_other_cells_are_left_alone(value: str) -> None:
    assert defuse(value) == value
    assert restore(value) == value


def test_the_writer_defuses_text_and_keeps_numbers() -> None:
    buffer = io.StringIO()
    writer(buffer).writerow(["=cmd|' /C calc'!A0", 3, None, "fine"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        "'=cmd|' /C calc'!A0",
        "3",
        "",
        "fine",
    ]
