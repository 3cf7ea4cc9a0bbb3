"""Reading and writing BLT files: every layout, every refusal, and every reference file."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest

from governance.elections.counting import count
from governance.elections.counting.blt import BltError, parse_blt, read_blt, write_blt
from governance.elections.counting.model import Ballot, CountError, Election, InvalidReason
from tests.elections.counting.refdata import STV, cases, stv_dir

BLT_CASES = [case for case in cases() if case["ballot_file"].endswith(".blt")]


def as_written(election: Election, *, nicknames: bool = False) -> Election:
    """What writing ``election`` loses on purpose: affiliations, and in the plain form the
    options; an empty title comes back as the writer's ``Election``."""
    options: dict[str, list[str]] = {}
    if nicknames:
        written = parse_blt(write_blt(election, nicknames=True))
        options = written.options
    return replace(election, options=options, affiliations=[], title=election.title or "Election")


def assert_round_trips(election: Election) -> None:
    assert parse_blt(write_blt(election)) == as_written(election)
    assert parse_blt(write_blt(election, nicknames=True)) == as_written(election, nicknames=True)


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
    assert all('"' not in name for name in election.candidates)
    assert_round_trips(election)


def scottish_2017() -> list[dict[str, str]]:
    index = STV / "scotland-2017" / "index.csv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("ward", scottish_2017(), ids=lambda w: w["ballot_file"])
def test_every_2017_ward_names_its_candidates_and_title(ward: dict[str, str]) -> None:
    election = read_blt(stv_dir() / "scotland-2017" / ward["ballot_file"])
    assert len(election.candidates) == int(ward["candidates"])
    assert election.title
    for name in ward["elected"].split("; "):
        assert name in election.candidates
    assert election.title not in election.candidates


# -- the 2022 layouts --------------------------------------------------------------------

# A small ward in the shape of the published 2022 files: 4 candidates, 2 seats.
BALLOTS_2022 = "4 2\n30 1 3 0\n25 2 0\n20 3 1 0\n6 4 2 0\n4 4 3 0\n0\n"
PEOPLE = [
    ("Allan GOW", "Scottish National Party (SNP)"),
    ("Linda DEVLIN", "Scottish Labour Party"),
    ("Kim SCHMULIAN", "Scottish Conservative and Unionist"),
    ("Ralph SULEMAN", "Scottish Green Party (Grn)"),
]


def ward_2022(layout: str, source: str = "") -> str:
    if layout == "doubled":
        names = [f'"{name} ""{party}"""' for name, party in PEOPLE]
    else:
        names = [f'"{name}" "{party}"' for name, party in PEOPLE]
    return BALLOTS_2022 + "\n".join(names) + "\nWard 2 Newlands-Auldburn\n" + source


def test_2022_doubled_quotes_are_one_name_each() -> None:
    election = parse_blt(ward_2022("doubled"))
    assert election.candidates == [f'{name} "{party}"' for name, party in PEOPLE]
    assert election.title == "Ward 2 Newlands-Auldburn"
    result = count(election, "scottish-stv")
    assert [election.candidates[c] for c in result.elected] == [
        'Allan GOW "Scottish National Party (SNP)"',
        'Linda DEVLIN "Scottish Labour Party"',
    ]


def test_2022_name_and_party_pairs_keep_the_party_apart() -> None:
    election = parse_blt(ward_2022("pairs", '"Source: council open data"\n'))
    assert election.candidates == [name for name, _ in PEOPLE]
    assert election.affiliations == [party for _, party in PEOPLE]
    result = count(election, "scottish-stv")
    assert [election.candidates[c] for c in result.elected] == ["Allan GOW", "Linda DEVLIN"]


def test_2022_file_through_the_command(tmp_path: Path) -> None:
    from tests.elections.counting.test_report_cli import run_governance

    path = tmp_path / "ward.blt"
    path.write_text(ward_2022("pairs"), encoding="utf-8")
    code, out, err = run_governance(
        "count", str(path), "--method", "scottish-stv", "--format", "json"
    )
    assert (code, err) == (0, "")
    import json

    data = json.loads(out)
    assert data["elected"] == ["Allan GOW", "Linda DEVLIN"]
    assert data["affiliations"] == [party for _, party in PEOPLE]


# -- the rest of the dialect -------------------------------------------------------------


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
        '"Ann"\r\n'
        "Cy #1 Young\r\n"
        "# a comment among the names\r\n"
        '"Bo ""Bobby"" Lee"  # a comment after a name\r\n'
        '"Di" "Independent"\r\n'
        '"The title"\r\n'
        "anything after the title is ignored\r\n"
    )
    election = parse_blt(text)
    assert election.candidates == ["Ann", "Cy #1 Young", 'Bo "Bobby" Lee', "Di"]
    assert election.affiliations == ["", "", "", "Independent"]
    assert election.seats == 2
    assert election.title == "The title"
    assert election.withdrawn == frozenset({3})
    assert election.options == {"nick": ["a", "b", "c", "d"], "tie": ["3", "2", "1", "4"]}
    assert election.invalid == {InvalidReason.EMPTY: 4}
    assert election.equal_preference_line == 9
    assert sorted(election.ballots, key=repr) == sorted(
        [Ballot(3, ((0,), (1,))), Ballot(3, ((0,), (1, 2))), Ballot(1, ((1,), (0,)))], key=repr
    )


def test_unquoted_names_starting_with_a_hash_are_names_when_the_count_needs_them() -> None:
    election = parse_blt("3 1\n1 1 0\n0\nAnn\n#2 Bob\nCy\nThe title\n")
    assert election.candidates == ["Ann", "#2 Bob", "Cy"]
    assert election.title == "The title"
    commented = parse_blt("3 1\n1 1 0\n0\nAnn\n# not a name\nBob\nCy\nThe title\n")
    assert commented.candidates == ["Ann", "Bob", "Cy"]


def test_droop_block_comments_and_tie_option() -> None:
    text = (
        "/* Droop's comments\n   may span lines */ 3 2\n"
        "[tie 3 2 1]\n"
        "4 1 2 0 /* four */\n2 3 0\n0\n"
        '"Castor" "Pollux /* not a comment */" "Helen"\n'
        '"Pollux and Helen should tie"\n'
    )
    election = parse_blt(text)
    assert election.candidates == ["Castor", "Pollux /* not a comment */", "Helen"]
    assert election.options == {"tie": ["3", "2", "1"]}
    assert election.ballots == [Ballot(4, ((0,), (1,))), Ballot(2, ((2,),))]


def test_openstv_ballot_ids_and_skipped_rankings() -> None:
    text = (
        '3 1\n(a1) 1 1 2 0\n(a2) 1 2 - 3 0\n(a3) 1 - 1 0\n(a4) 1 3 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n'
    )
    election = parse_blt(text)
    assert sorted(election.ballots, key=repr) == sorted(
        [Ballot(1, ((0,), (1,))), Ballot(1, ((1,),)), Ballot(1, ((2,), (0,), (1,)))], key=repr
    )
    assert election.invalid == {InvalidReason.NO_FIRST_PREFERENCE: 1}


def test_names_may_share_a_line_in_the_original_layout() -> None:
    election = parse_blt('3 1\n1 1 0\n0\n"A" "B" "C"\n"Title"\n')
    assert election.candidates == ["A", "B", "C"]
    assert election.title == "Title"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x y\n", "line 1: expected 'candidates seats', found 'x y'"),
        ("3 0\n", "line 1: an election needs at least one seat"),
        ("", "the file ends before the first line ('candidates seats')"),
        (
            "3 1\n1 2 0\n\n\n\n",
            "line 6: the file ends before the line '0' that ends the ballots",
        ),
        ("3 1\n1 1 2\n0\nA\nB\nC\nT\n", "line 2: a ballot line must end with 0"),
        ("3 1\n1 1 4 0\n0\nA\nB\nC\nT\n", "line 2: preference 4 names no candidate (there are 3)"),
        (
            "3 1\n1 1 0 2 0\n0\nA\nB\nC\nT\n",
            "line 2: a 0 in the middle of a ballot (0 ends a ballot)",
        ),
        (
            "3 1\nx 1 0\n0\nA\nB\nC\nT\n",
            "line 2: a ballot starts with a whole-number weight, not 'x'",
        ),
        (
            "3 1\n1.5 1 0\n0\nA\nB\nC\nT\n",
            "line 2: a ballot starts with a whole-number weight, not '1.5'",
        ),
        (
            "3 1\n1 1 2 1 0\n0\nA\nB\nC\nT\n",
            "line 2: candidate 1 appears more than once in a ballot",
        ),
        ("3 1\n1 1=1 0\n0\nA\nB\nC\nT\n", "line 2: candidate 1 appears more than once in a ballot"),
        ("3 1\n1 1= 0\n0\nA\nB\nC\nT\n", "line 2: cannot read the equal preference '1='"),
        (
            "3 1\n1 zed 0\n0\nA\nB\nC\nT\n",
            "line 2: 'zed' is neither a candidate number nor a nickname",
        ),
        (
            "3 1\n1 1 0\n-2\n0\nA\nB\nC\nT\n",
            "line 3: withdrawn candidates must be listed before the ballots",
        ),
        (
            "3 1\n-2 x\n0\nA\nB\nC\nT\n",
            "line 2: a withdrawn line holds only negative numbers, found '-2 x'",
        ),
        ("3 1\n[nick a b]\n0\nA\nB\nC\nT\n", "line 2: [nick] gives 2 nicknames for 3 candidates"),
        ("3 1\n[tie 1 2 3\n0\nA\nB\nC\nT\n", "line 2: cannot read the option line '[tie 1 2 3'"),
        # the findings: negative weights, withdrawn candidates out of range
        (
            "3 1\n-3 1 2 0\n0\nA\nB\nC\nT\n",
            "line 2: a ballot's weight cannot be negative, found '-3'",
        ),
        (
            "3 1\n1 1 0\n-3 1 2 0\n0\nA\nB\nC\nT\n",
            "line 3: a ballot's weight cannot be negative, found '-3'",
        ),
        (
            "3 1\n-7\n0\nA\nB\nC\nT\n",
            "line 2: withdrawn candidate 7 names no candidate (there are 3)",
        ),
        (
            "3 1\n[withdrawn 7]\n0\nA\nB\nC\nT\n",
            "line 2: withdrawn candidate 7 names no candidate (there are 3)",
        ),
        (
            "3 1\n[tie 1 2]\n0\nA\nB\nC\nT\n",
            "line 2: [tie] must name each of the 3 candidates once",
        ),
        (
            "3 1\n[lines]\n0\nA\nB\nC\nT\n",
            "line 2: the option [lines] is not supported: it changes how the file is read (supported: [withdrawn], [nick], [tie], and others kept as they are)",  # noqa: E501
        ),
        ("3 1\n(x) 2 1 0\n0\nA\nB\nC\nT\n", "line 2: a ballot with an id has weight 1, not '2'"),
        ("3 1\n(x) 1 1 0\n(x) 1 2 0\n0\nA\nB\nC\nT\n", "line 3: the ballot id (x) is used twice"),
        ("3 1\n/* open\n1 1 0\n0\nA\nB\nC\nT\n", "line 2: a /* comment is never closed with */"),
        # the header bound: a 60-byte file cannot hold a billion names
        (
            "1000000000 1\n1 1 0\n0\nA\nB\nC\nThe title of the count\n",
            "line 1: the header gives 1000000000 candidates, but the rest of the file has room for at most 7 names",  # noqa: E501
        ),
        ("3 5\n1 1 0\n0\nA\nB\nC\nT\n", "line 1: the header gives 5 seats but only 3 candidates"),
        # names that do not match the header
        (
            '3 1\n1 1 0\n0\n"A"\n"B"\n',
            "line 5: the header gives 3 candidates, but 2 name lines follow the ballots (lines 4 to 5); 3 names and then a title are needed",  # noqa: E501
        ),
        (
            '3 1\n1 1 0\n0\n"A"\n"B"\n"Title"\n',
            "line 6: no title after the 3 candidate names (lines 4 to 6); if a name is missing, the title was taken for it",  # noqa: E501
        ),
        ('3 1\n1 1 0\n0\n"A" B\n"B"\n"C"\n"T"\n', "line 4: text outside the quotes: '\"A\" B'"),
        ('3 1\n1 1 0\n0\n"A\n"B"\n"C"\n"T"\n', "line 4: a quote is not closed: '\"A'"),
        (
            '2 1\n1 1 0\n0\n"A" "x" "y"\n"B"\n"T"\n',
            "line 4: 3 quoted strings on one line; a candidate's line holds a name, or a name and then its affiliation",  # noqa: E501
        ),
        (
            '2 1\n1 1 0\n0\n"A" "P"\n"B" "Q"\n"C" "R"\n"T"\n',
            "line 6: a name with an affiliation where the title should be: more candidate lines than the 2 the header gives",  # noqa: E501
        ),
        (
            '2 1\n1 1 0\n0\n"A ""P"""\n"B ""Q"""\n"C ""R"""\n"T"\n',
            "line 6: a name with an affiliation where the title should be: more candidate lines than the 2 the header gives",  # noqa: E501
        ),
        (
            "2 1\n1 1 0\n0\nAnn\nBob\nCy\nTitle\n",
            "line 7: unquoted text after the title (line 6): more names than the 2 the header gives? A source or comment is quoted",  # noqa: E501
        ),
    ],
)
def test_each_error_names_its_line(text: str, message: str) -> None:
    with pytest.raises(BltError) as caught:
        parse_blt(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("layout", ["doubled", "pairs"])
def test_a_2022_file_with_a_name_missing_and_a_source_line_is_refused(layout: str) -> None:
    text = ward_2022(layout, '"Source: council open data"\n')
    lines = text.splitlines()
    missing = "\n".join([*lines[:7], *lines[8:]]) + "\n"  # the first candidate left out
    with pytest.raises(BltError, match=r"^line 11: this line has no affiliation, unlike the 3"):
        parse_blt(missing)


def test_a_real_2022_file_read_by_the_old_rules_would_have_shifted_names() -> None:
    # The names the old reader made of the doubled quotes: never produced now.
    election = parse_blt(ward_2022("doubled"))
    assert "" not in election.candidates
    assert "Scottish Green Party (Grn)" not in election.candidates


def test_the_example_message_of_the_brief() -> None:
    lines = ["8 3", *(f"1 {c} 0" for c in range(1, 6)), "1 2 9 0"]
    names = [f'"C{c}"' for c in range(8)]
    with pytest.raises(
        BltError, match=r"^line 7: preference 9 names no candidate \(there are 8\)$"
    ):
        parse_blt("\n".join([*lines, "0", *names, '"T"']))


def test_equal_preference_refusal_names_the_line() -> None:
    election = parse_blt('3 1\n2 1 2 0\n1 2=3 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    for method in ("scottish-stv", "mer2014-stv", "ers97-stv", "meek-stv"):
        with pytest.raises(CountError, match=r"^line 3: .* does not allow equal preferences"):
            count(election, method)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(BltError, match="cannot read the file"):
        read_blt(tmp_path / "missing.blt")
    latin = tmp_path / "latin.blt"
    latin.write_bytes(b'2 1\n1 1 0\n0\n"Jos\xe9"\n')
    with pytest.raises(BltError, match="line 4: the file is not UTF-8 text"):
        read_blt(latin)


def test_the_fast_and_the_careful_reading_agree() -> None:
    plain = "3 2\n1 1 2 0\n2 2 0\n1 1 2 0\n3 0\n0 3 0\n\n1 3 1 2 0\n0\nA\nB\nC\nT\n"
    careful = plain.replace("2 2 0", "2 2 0 # a comment sends it the careful way")
    fast, slow = parse_blt(plain), parse_blt(careful)
    assert fast == slow
    assert Ballot(2, ((0,), (1,))) in fast.ballots
    spaced = parse_blt("3 2\n1 1 2 0\n2 1  2 0\n1 1 2 0   \n3 3 0\n0\nA\nB\nC\nT\n")
    assert spaced.ballots == [Ballot(4, ((0,), (1,))), Ballot(3, ((2,),))]
    assert spaced.plain is not None and len(spaced.plain[1]) == 2
    assert fast.plain is not None
    assert slow.plain is not None


# -- writing -----------------------------------------------------------------------------


def test_writer_replaces_what_readers_cannot_take() -> None:
    election = Election(
        ['Say "hi"', "Two\nlines", "", "Ann  Lee"], 1, [Ballot(1, ((0,),))], title=""
    )
    text = write_blt(election)
    assert text.splitlines()[-5:] == [
        "\"Say 'hi'\"",
        '"Two lines"',
        '"Candidate 3"',
        '"Ann  Lee"',
        '"Election"',
    ]
    back = parse_blt(text)
    assert back.candidates == ["Say 'hi'", "Two lines", "Candidate 3", "Ann  Lee"]


def test_writer_output_is_plain_blt() -> None:
    election = Election(
        candidates=["A", "B", "C"],
        seats=2,
        ballots=[Ballot(4, ((0,), (1, 2))), Ballot(1, ((2,),))],
        withdrawn=frozenset({1}),
        title="T",
        invalid={InvalidReason.EMPTY: 2},
        options={"tie": ["1", "2", "3"]},
    )
    assert write_blt(election) == '3 2\n-2\n4 1 2=3 0\n1 3 0\n2 0\n0\n"A"\n"B"\n"C"\n"T"\n'
    assert write_blt(election, nicknames=True) == (
        "3 2\n[nick c1 c2 c3]\n[withdrawn c2]\n[tie c1 c2 c3]\n4 c1 c2=c3 0\n1 c3 0\n2 0\n0\n"
        '"A"\n"B"\n"C"\n"T"\n'
    )
    assert_round_trips(election)


# What the peers' readers accept, as their documentation and source describe it: OpenSTV reads
# lines (a quoted non-empty string per name line, no options), Droop reads tokens (quoted names
# without inner quotes), stv-rs needs [nick] with lower-case nicknames and single spaces.
OPENSTV_LINE = re.compile(r'^(\d+ \d+|-\d+( -\d+)*|\d+( [\d=]+)* 0|0|"[^"]+")$')
STV_RS_LINE = re.compile(r'^(\d+ \d+|\[[a-z]+( [a-z][a-z0-9]*)+\]|\d+( [a-z0-9=]+)* 0|0|".*")$')


def test_written_files_follow_the_peers_grammars() -> None:
    for case in BLT_CASES[:40]:
        election = read_blt(stv_dir() / case["ballot_file"])
        plain = write_blt(election).splitlines()
        assert all(OPENSTV_LINE.match(line) for line in plain), case["id"]
        assert sum(line == "0" for line in plain) == 1
        nick = write_blt(election, nicknames=True).splitlines()
        assert all(STV_RS_LINE.match(line) for line in nick), case["id"]
        assert nick[1].startswith("[nick ")


def test_reference_folder_location_is_the_shared_one() -> None:
    assert STV.name == "stv"


@pytest.mark.parametrize(
    "source",
    [
        "scotland-2017/blt/aberdeen_2017_ward9.blt",
        "droop/blt/SCwopt.blt",
        "wikipedia-examples/wikipedia-counting_stv-with-empty-and-zero-weight-ballots.blt",
        "wikipedia-examples/hww-documentation-example-withdrawn.blt",
    ],
)
@pytest.mark.parametrize("method", ["scottish-stv", "mer2014-stv", "ers97-stv", "meek-stv"])
def test_counts_from_the_readers_rankings_equal_counts_from_the_ballots(
    source: str, method: str
) -> None:
    election = read_blt(stv_dir() / source)
    assert election.plain is not None
    without = replace(election, plain=None)
    assert count(election, method, "seed") == count(without, method, "seed")
    # A changed ballot list is never counted from the reader's stale copy.
    changed = replace(election, ballots=[*election.ballots, Ballot(5, ((0,),))])
    assert count(changed, method, "seed") == count(replace(changed, plain=None), method, "seed")


def test_what_follows_the_title_is_not_read_as_names() -> None:
    election = parse_blt(
        '2 1\n1 1 0\n0\n"A"\n"B"\n"T"\n"Source: an unclosed quote\nFirst Prefs 1 2\n'
    )
    assert election.title == "T"
