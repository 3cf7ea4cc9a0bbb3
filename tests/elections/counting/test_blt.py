"""Reading and writing BLT files: the dialect, the errors, and every reference file."""

from __future__ import annotations

import pytest

from governance.elections.counting.blt import BltError, parse_blt, read_blt, write_blt
from governance.elections.counting.model import Ballot, Election, InvalidReason
from tests.elections.counting.refdata import STV, cases, stv_dir

BLT_CASES = [case for case in cases() if case["ballot_file"].endswith(".blt")]


@pytest.mark.parametrize("case", BLT_CASES, ids=[c["id"] for c in BLT_CASES])
def test_every_reference_file_reads_and_round_trips(case: dict) -> None:
    election = read_blt(stv_dir() / case["ballot_file"])
    assert len(election.candidates) == case["candidates"]
    assert election.seats == case["seats"]
    assert sorted(election.withdrawn) == sorted(c - 1 for c in case.get("withdrawn", []))
    papers = sum(b.weight for b in election.ballots)
    empty = election.invalid.get(InvalidReason.EMPTY, 0)
    assert case["ballots"] in (papers, papers + empty)
    assert empty == case.get("empty_ballots", 0)
    rankings = [b.ranking for b in election.ballots]
    assert len(rankings) == len(set(rankings)), "identical rankings are merged on reading"
    assert parse_blt(write_blt(election)) == election


def test_hww_example_with_comments_withdrawn_line_and_trailing_lines() -> None:
    election = read_blt(stv_dir() / "wikipedia-examples/hww-documentation-example-withdrawn.blt")
    assert election.candidates == ["Adam", "Basil", "Charlotte", "Donald"]
    assert election.withdrawn == frozenset({1})
    assert election.title == "Example Election"
    assert Ballot(3, ((0,), (2,), (3,))) in election.ballots


def test_zero_weight_and_empty_ballots() -> None:
    path = "wikipedia-examples/wikipedia-counting_stv-with-empty-and-zero-weight-ballots.blt"
    election = read_blt(stv_dir() / path)
    plain = read_blt(stv_dir() / "wikipedia-examples/wikipedia-counting_stv.blt")
    assert election.invalid == {InvalidReason.EMPTY: 3}
    assert sorted(election.ballots, key=repr) == sorted(plain.ballots, key=repr)


def test_dialect_features() -> None:
    text = (
        "\ufeff# a comment\r\n"
        "\r\n"
        "// another\r\n"
        "4 2   # candidates and seats\r\n"
        "[nick a b c d]\r\n"
        "[tie 3 2 1 4]\r\n"
        "[withdrawn d]\r\n"
        "2 a b 0\r\n"
        "3 1 2=3 0 // equal preferences\r\n"
        "1 2 1 0\r\n"
        "1 1 2 0\r\n"
        "0 3 0\r\n"
        "4 0\r\n"
        "0\r\n"
        '"Ann" "Bob"\r\n'
        "Cy Young\r\n"
        "# a comment among the names\r\n"
        '"Di"\r\n'
        '"The title"\r\n'
        "anything after the title is ignored\r\n"
    )
    election = parse_blt(text)
    assert election.candidates == ["Ann", "Bob", "Cy Young", "Di"]
    assert election.seats == 2
    assert election.title == "The title"
    assert election.withdrawn == frozenset({3})
    assert election.options == {"nick": ["a", "b", "c", "d"], "tie": ["3", "2", "1", "4"]}
    assert election.invalid == {InvalidReason.EMPTY: 4}
    assert election.ballots == [
        Ballot(3, ((0,), (1,))),
        Ballot(3, ((0,), (1, 2))),
        Ballot(1, ((1,), (0,))),
    ]
    assert parse_blt(write_blt(election)) == election


def test_negative_withdrawn_line_and_missing_title() -> None:
    election = parse_blt("3 1\n-1 -3\n2 2 0\n0\nA\nB\nC\n")
    assert election.withdrawn == frozenset({0, 2})
    assert election.title == ""
    assert write_blt(election).splitlines()[1] == "-1 -3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x y\n", "line 1: expected 'candidates seats', found 'x y'"),
        ("3 0\n", "line 1: an election needs at least one seat"),
        ("", "the file ends before the first line ('candidates seats')"),
        ("3 1\n1 2 0\n", "line 2: the file ends before the line '0' that ends the ballots"),
        ("3 1\n1 1 2\n0\n", "line 2: a ballot line must end with 0"),
        ("3 1\n1 1 4 0\n0\n", "line 2: preference 4 names no candidate (there are 3)"),
        ("3 1\n1 1 0 2 0\n0\n", "line 2: a 0 in the middle of a ballot (0 ends a ballot)"),
        ("3 1\nx 1 0\n0\n", "line 2: a ballot starts with a whole-number weight, not 'x'"),
        ("3 1\n1.5 1 0\n0\n", "line 2: a ballot starts with a whole-number weight, not '1.5'"),
        ("3 1\n1 1 2 1 0\n0\n", "line 2: candidate 1 appears more than once in a ballot"),
        ("3 1\n1 1=1 0\n0\n", "line 2: candidate 1 appears more than once in a ballot"),
        ("3 1\n1 1= 0\n0\n", "line 2: cannot read the equal preference '1='"),
        ("3 1\n1 zed 0\n0\n", "line 2: 'zed' is neither a candidate number nor a nickname"),
        ("3 1\n1 1 0\n-2\n0\n", "line 3: withdrawn candidates must be listed before the ballots"),
        ("3 1\n-2 x\n0\n", "line 2: a withdrawn line holds only negative numbers, found '-2 x'"),
        ("3 1\n[withdrawn 7]\n0\n", "line 2: preference 7 names no candidate (there are 3)"),
        ("3 1\n[nick a b]\n0\n", "line 2: [nick] gives 2 nicknames for 3 candidates"),
        ("3 1\n[tie 1 2 3\n0\n", "line 2: cannot read the option line '[tie 1 2 3'"),
        ('3 1\n1 1 0\n0\n"A"\n"B"\n', "line 5: expected 3 candidate names, found 2"),
        ('3 1\n1 1 0\n0\n"A" B\n', "line 4: text outside the quotes: '\"A\" B'"),
    ],
)
def test_each_error_names_its_line(text: str, message: str) -> None:
    with pytest.raises(BltError) as caught:
        parse_blt(text)
    assert str(caught.value) == message


def test_the_example_message_of_the_brief() -> None:
    lines = ["8 3", *(f"1 {c} 0" for c in range(1, 6)), "1 2 9 0"]
    with pytest.raises(
        BltError, match=r"^line 7: preference 9 names no candidate \(there are 8\)$"
    ):
        parse_blt("\n".join([*lines, "0"]))


def test_unreadable_files(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    with pytest.raises(BltError, match="cannot read the file"):
        read_blt(folder / "missing.blt")
    latin = folder / "latin.blt"
    latin.write_bytes(b'2 1\n1 1 0\n0\n"Jos\xe9"\n')
    with pytest.raises(BltError, match="line 4: the file is not UTF-8 text"):
        read_blt(latin)


def test_writer_refuses_names_it_cannot_quote() -> None:
    election = Election(['Say "hi"'], 1, [Ballot(1, ((0,),))])
    with pytest.raises(BltError, match="cannot be written"):
        write_blt(election)


def test_writer_output_is_plain_blt() -> None:
    election = Election(
        candidates=["A", "B", "C"],
        seats=2,
        ballots=[Ballot(4, ((0,), (1, 2))), Ballot(1, ((2,),))],
        withdrawn=frozenset({1}),
        title="T",
        invalid={InvalidReason.EMPTY: 2},
    )
    assert write_blt(election) == ('3 2\n-2\n4 1 2=3 0\n1 3 0\n2 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    assert parse_blt(write_blt(election)) == election


def test_large_reference_file_is_aggregated() -> None:
    election = read_blt(stv_dir() / "droop/blt/scotland/Partick-West-2007.blt")
    assert sum(b.weight for b in election.ballots) == 12744
    assert len(election.ballots) < 12744


def test_reference_folder_location_is_the_shared_one() -> None:
    assert STV.name == "stv"
