"""The array reading and count of large files (``rows``) against the general ones.

Large files are read into a NumPy table and counted from it; small files never are. Here every
file is read both ways (``arrays_from=1`` forces the table wherever a file's ballot lines are
plain) and must give the same election, the same refusals and the same count, stage by stage.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.elections.counting import count
from governance.elections.counting.blt import BltError, parse_blt, read_blt, write_blt
from governance.elections.counting.model import CountError, Result, plain_rows
from governance.elections.counting.report import render
from tests.elections.counting.refdata import STV, stv_dir

GENERAL = 10**12  # never reached: the general reading
METHODS = ["scottish-stv", "mer2014-stv", "ers97-stv", "meek-stv"]
FILES = sorted(p.relative_to(STV).as_posix() for p in STV.rglob("*.blt")) if STV.is_dir() else []


def both(result: Result) -> tuple[str, str]:
    return render(result, "json", "", [], "ours"), render(result, "text", "", [], "openstv")


@pytest.mark.parametrize("source", FILES)
def test_reference_files_read_and_count_alike_both_ways(source: str) -> None:
    path = stv_dir() / source
    try:
        general = read_blt(path, arrays_from=GENERAL)
    except CountError as exc:
        with pytest.raises(CountError) as again:
            read_blt(path, arrays_from=1)
        assert str(again.value) == str(exc)
        return
    table = read_blt(path, arrays_from=1)
    assert plain_rows(general) is None
    for method in METHODS:
        try:
            expected = count(general, method, "seed")
        except CountError as exc:
            with pytest.raises(CountError) as again:
                count(table, method, "seed")
            assert str(again.value) == str(exc)
            continue
        assert count(table, method, "seed") == expected, method
    # The ballots are made from the table only now, and are the general reading's.
    assert table == general
    assert table.ballots == general.ballots
    assert write_blt(table) == write_blt(general)


def test_most_reference_files_take_the_array_way() -> None:
    stv_dir()
    taken = [s for s in FILES if plain_rows(read_blt(STV / s, arrays_from=1)) is not None]
    assert len(taken) >= 100
    scottish = [s for s in taken if s.startswith("scotland-2017/")]
    assert len(scottish) == 60


def test_the_table_is_counted_without_making_ballots() -> None:
    text = "3 2\n2 1 2 0\n1 3 0\n3 2 3 1 0\n1 0\n0\nA\nB\nC\nT\n"
    election = parse_blt(text, arrays_from=1)
    rows = plain_rows(election)
    assert rows is not None and len(rows) == 3
    count(election, "scottish-stv")
    assert election.lazy is rows  # no ballot made yet
    general = parse_blt(text, arrays_from=GENERAL)
    assert election.ballots == general.ballots
    assert election.lazy is None
    assert plain_rows(election) is rows  # the table still describes the ballots made from it
    assert count(election, "scottish-stv", "s") == count(general, "scottish-stv", "s")


def test_an_election_whose_ballots_are_still_to_be_made_copies_whole() -> None:
    text = "3 2\n2 1 2 0\n1 3 0\n3 2 3 1 0\n0\nA\nB\nC\nT\n"
    general = parse_blt(text, arrays_from=GENERAL)
    for copied in (
        replace(parse_blt(text, arrays_from=1), seats=1),
        copy.deepcopy(parse_blt(text, arrays_from=1)),
        pickle.loads(pickle.dumps(parse_blt(text, arrays_from=1))),
    ):
        assert copied.ballots == general.ballots
        assert copied.candidates == general.candidates
    with pytest.raises(AttributeError):
        _ = parse_blt(text, arrays_from=1).no_such_field  # type: ignore[attr-defined]


def test_lines_differing_only_in_weight_are_merged_in_first_seen_order() -> None:
    text = "3 1\n1 2 1 0\n2 3 0\n4 2 1 0\n0 1 0\n2 1 0\n5 0\n0 0\n0\nA\nB\nC\nT\n"
    table = parse_blt(text, arrays_from=1)
    general = parse_blt(text, arrays_from=GENERAL)
    rows = plain_rows(table)
    assert rows is not None
    assert list(rows) == [((1, 0, 3), 5), ((2, 3), 2), ((0, 3), 2)]
    assert table == general
    assert table.invalid == general.invalid


BAD = [
    "3 1\n1 1 4 0\n0\nA\nB\nC\nT\n",  # no such candidate
    "3 1\n1 1 2 1 0\n0\nA\nB\nC\nT\n",  # a candidate twice
    "3 1\n1 1 2\n0\nA\nB\nC\nT\n",  # no closing 0
    "3 1\n1 1 0 2 0\n0\nA\nB\nC\nT\n",  # a 0 inside
    "3 1\n5\n0\nA\nB\nC\nT\n",  # a weight alone
    "3 1\n1 01 2 0\n0\nA\nB\nC\nT\n",  # a leading zero
    "3 1\n1 1\t2 0\n0\nA\nB\nC\nT\n",  # a tab
    "3 1\n1 1 2 0\r\n2 3 0\n0\nA\nB\nC\nT\n",  # a carriage return
    "3 1\n1 1  2 0\n 1 3 0\n0\nA\nB\nC\nT\n",  # spaces
    "3 1\n1 1 2 0\n\n1 3 0\n0\nA\nB\nC\nT\n",  # a blank line
    "3 1\n01 1 2 0\n0\nA\nB\nC\nT\n",  # a weight with a leading zero
    "3 1\n1234567890 1 2 0\n0\nA\nB\nC\nT\n",  # a weight of ten digits
]


@pytest.mark.parametrize("text", BAD)
def test_lines_the_table_does_not_take_are_read_the_general_way(text: str) -> None:
    try:
        expected = parse_blt(text, arrays_from=GENERAL)
    except BltError as exc:
        with pytest.raises(BltError) as again:
            parse_blt(text, arrays_from=1)
        assert str(again.value) == str(exc)
        assert exc.line is not None
        return
    election = parse_blt(text, arrays_from=1)
    assert plain_rows(election) is None
    assert election == expected


@st.composite
def blt_texts(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 7))
    seats = draw(st.integers(1, n))
    withdrawn = draw(st.lists(st.integers(1, n), max_size=min(2, n - 1), unique=True))
    lines = [f"{n} {seats}"]
    if withdrawn:
        lines.append(" ".join(f"-{c}" for c in withdrawn))
    papers = draw(
        st.lists(
            st.tuples(st.integers(0, 30), st.permutations(range(1, n + 1)), st.integers(0, n)),
            min_size=1,
            max_size=40,
        )
    )
    for weight, order, length in papers:
        lines.append(" ".join(str(x) for x in [weight, *order[:length], 0]))
        if draw(st.integers(0, 3)) == 0:  # the same line again
            lines.append(lines[-1])
    lines.append("0")
    lines.extend(f"C{c}" for c in range(n))
    lines.append("T")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blt_texts(), st.sampled_from(METHODS))
def test_random_files_count_alike_both_ways(text: str, method: str) -> None:
    general = parse_blt(text, arrays_from=GENERAL)
    table = parse_blt(text, arrays_from=1)
    assert plain_rows(table) is not None
    try:
        expected = count(general, method, "seed")
    except CountError as exc:
        with pytest.raises(CountError) as again:
            count(table, method, "seed")
        assert str(again.value) == str(exc)
        return
    got = count(table, method, "seed")
    assert got == expected
    assert both(got) == both(expected)
    assert table == general


def test_small_files_do_not_import_numpy(tmp_path: Path) -> None:
    path = tmp_path / "small.blt"
    path.write_text("3 1\n4 1 2 0\n3 2 0\n2 3 1 0\n0\nA\nB\nC\nT\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from governance.elections.counting import count\n"
        "from governance.elections.counting.blt import read_blt\n"
        f"count(read_blt({str(path)!r}), 'scottish-stv')\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
