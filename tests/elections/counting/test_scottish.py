"""scottish-stv against the official 2017 stage tables, Droop's and OpenSTV's counts, by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from governance.elections.counting import count, stv
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import Ballot, CountError, Election, InvalidReason
from governance.elections.counting.rules import SCOTTISH
from tests.elections.counting.refdata import (
    STV,
    IndexOrderLots,
    cases,
    openstv_outputs,
    scaled,
    stv_dir,
)

WARDS = (
    list(csv.DictReader((STV / "scotland-2017/index.csv").open(encoding="utf-8")))
    if (STV / "scotland-2017/index.csv").is_file()
    else []
)


@pytest.mark.parametrize("ward", WARDS, ids=[Path(w["ballot_file"]).stem for w in WARDS])
def test_official_2017_stage_tables(ward: dict[str, str]) -> None:
    folder = stv_dir() / "scotland-2017"
    expected = json.loads((folder / ward["expected"]).read_text(encoding="utf-8"))
    result = count(read_blt(folder / ward["ballot_file"]), "scottish-stv", seed="official")
    names = [result.candidates[c] for c in result.elected]
    assert names == [e["candidate"] for e in expected["elected_in_order"]]
    assert result.quota == int(expected["quota_official"]) * 10**5
    assert result.valid_votes == int(expected["valid_poll_official"]) * 10**5
    if ward["status"] != "OK_EXACT":
        return
    assert len(result.stages) == expected["official_stage_count"]
    for row in expected["official_stage_table"]:
        candidate = row["blt_index"] - 1
        mine = [stage.totals[candidate] for stage in result.stages]
        assert mine == [scaled(v, 5) for v in row["votes_by_stage"]], row["candidate"]
    # The official tables date an exclusion by the stage after which it was decided; the count
    # records it at the stage that moves the papers, one later.
    moved = {result.candidates[c]: s.number for s in result.stages for c in s.excluded}
    for entry in expected["excluded_in_order"]:
        assert moved[entry["candidate"]] == entry["stage"] + 1


def test_every_ward_in_the_index_is_marked_exact() -> None:
    stv_dir()
    assert len(WARDS) == 60
    assert {w["status"] for w in WARDS} == {"OK_EXACT"}


DROOP = [
    (case, variant)
    for case in cases()
    for variant in case.get("variants", [])
    if variant.get("rule") == "scotland"
]


def _droop_rounds(path: Path) -> list[dict[str, str]]:
    """Droop's vote for each candidate after each round, without the empty "surplus
    transferred (0.00000)" round it inserts for a candidate elected with exactly the quota."""
    report = json.loads(path.read_text(encoding="utf-8"))
    rounds: dict[int, dict[str, str]] = {}
    empty: set[int] = set()
    for action in report["actions"]:
        if "cstate" in action:
            rounds[action["round"]] = {
                k: v["vote"] for k, v in action["cstate"].items() if "vote" in v
            }
        message = action["msg"]
        if message.startswith("Surplus transferred") and message.endswith("(0.00000)"):
            empty.add(action["round"])
    return [rounds[r] for r in sorted(rounds) if r not in empty]


@pytest.mark.parametrize(("case", "variant"), DROOP, ids=[c["id"] for c, _ in DROOP])
def test_droop_scotland_fixed_p5_references(case: dict, variant: dict) -> None:
    folder = stv_dir()
    election = read_blt(folder / case["ballot_file"])
    # Droop breaks ties that no earlier stage separates in candidate order; so do these lots.
    result = stv.count(election, SCOTTISH, lots=IndexOrderLots("droop"))
    elected = sorted(" ".join(result.candidates[c].split()) for c in result.elected)
    assert elected == sorted(" ".join(n.split()) for n in variant["expected_elected"])
    assert result.quota == scaled(variant["quota"], 5)
    (report,) = [f for f in variant["reference_files"] if "/json/" in f]
    rounds = _droop_rounds(folder / report)
    assert len(rounds) == len(result.stages)
    for stage, votes in zip(result.stages, rounds, strict=True):
        assert {int(k) - 1: scaled(v, 5) for k, v in votes.items()} == {
            c: stage.totals[c] for c in (int(k) - 1 for k in votes)
        }


OPENSTV = openstv_outputs("ScottishSTV")


@pytest.mark.parametrize("path", OPENSTV, ids=[p.stem for p in OPENSTV])
def test_openstv_scottish_counts(path: Path) -> None:
    reference = json.loads(path.read_text(encoding="utf-8"))
    if reference["random_tiebreak_used"]:
        pytest.skip("OpenSTV decided a tie by random.choice: its winners are one lot's")
    result = count(read_blt(stv_dir() / reference["source"]), "scottish-stv", seed="x")
    names = [result.candidates[c] for c in result.elected]
    assert sorted(names) == sorted(reference["winners"])
    assert len(result.stages) == len(reference["stages"])
    for stage, theirs in zip(result.stages, reference["stages"], strict=True):
        for c, name in enumerate(result.candidates):
            assert stage.totals[c] == scaled(theirs["totals"].get(name, "0"), 5)


# ---- by hand ---------------------------------------------------------------------------


def test_quota_is_droop_whole() -> None:
    assert stv.count(_tie_election(), SCOTTISH).quota == (86 // 3 + 1) * 10**5


def _tie_election() -> Election:
    """X and Y end stage 3 level on 14; at stage 1 X was lower (10 < 12), at stage 2 higher.

    Stage 1: W 6, Z 7, X 10, Y 12, A 25, B 26 (86 votes, 2 seats, quota 29).
    Stage 2: W excluded; 4 papers "W X" give X 14, 2 papers "W" are non-transferable.
    Stage 3: Z excluded; 2 papers "Z Y" give Y 14, 5 papers "Z" are non-transferable.
    """
    names = ["W", "Z", "X", "Y", "A", "B"]
    ballots = [
        Ballot(4, ((0,), (2,))),
        Ballot(2, ((0,),)),
        Ballot(2, ((1,), (3,))),
        Ballot(5, ((1,),)),
        Ballot(10, ((2,), (4,))),
        Ballot(12, ((3,), (5,))),
        Ballot(25, ((4,),)),
        Ballot(26, ((5,),)),
    ]
    return Election(names, 2, ballots)


def test_exclusion_tie_goes_by_the_most_recent_earlier_stage() -> None:
    result = count(_tie_election(), "scottish-stv")
    # Stage 2 is the most recent earlier stage where X (14) and Y (12) differed: Y is lower.
    (tie,) = result.ties
    assert (tie.stage, tie.purpose, tie.between, tie.chosen) == (4, "exclusion", [2, 3], 3)
    assert (tie.broken_by, tie.decided_at_stage) == ("earlier stage", 2)
    assert result.stages[3].excluded == [3]
    # Y's 12 papers "Y B" make B 38; A's 25 and B's 26 first preferences end there.
    assert result.stages[3].totals[5] == 38 * 10**5
    assert result.elected == [5, 4]


def test_no_stage_for_a_candidate_elected_with_exactly_the_quota() -> None:
    # 10 votes, 3 seats, quota 10 // 4 + 1 = 3. A has 4 (surplus 1), B exactly 3: A's surplus
    # takes stage 2 (4 papers "A C" at 0.25 give C 2), B needs none, then D and E (1 each,
    # level at every stage) are excluded one per stage, the first by lot.
    election = Election(
        ["A", "B", "C", "D", "E"],
        3,
        [
            Ballot(4, ((0,), (2,))),
            Ballot(3, ((1,),)),
            Ballot(1, ((2,),)),
            Ballot(1, ((3,),)),
            Ballot(1, ((4,),)),
        ],
    )
    result = count(election, "scottish-stv", seed="s")
    assert [(s.action, s.subjects) for s in result.stages[:2]] == [("first", []), ("surplus", [0])]
    assert [s.action for s in result.stages[2:]] == ["exclusion", "exclusion"]
    assert result.stages[1].totals[2] == 2 * 10**5
    assert result.elected == [0, 1, 2]
    (tie,) = result.ties
    assert (tie.between, tie.broken_by, tie.decided_at_stage) == ([3, 4], "lot", None)


def test_surplus_moves_every_paper_at_truncated_value() -> None:
    # 7 papers "A B", 2 papers "A", 1 paper "B", 1 paper "C": 11 votes, 2 seats, quota 4.
    # A's surplus 9 - 4 = 5 moves all 9 papers at 1 x 5/9 = 0.55555 (truncated): B gets
    # 7 x 0.55555 = 3.88885, the 2 exhausted papers carry 1.11110, truncation loses 0.00005.
    election = Election(
        ["A", "B", "C"],
        2,
        [Ballot(7, ((0,), (1,))), Ballot(2, ((0,),)), Ballot(1, ((1,),)), Ballot(1, ((2,),))],
    )
    result = count(election, "scottish-stv")
    stage = result.stages[1]
    assert stage.totals == {0: 400000, 1: 100000 + 388885, 2: 100000}
    assert stage.non_transferable == 111110 + 5


def test_equal_preferences_are_refused_with_a_clear_message() -> None:
    election = Election(["A", "B", "C"], 1, [Ballot(1, ((0,), (1, 2)))])
    with pytest.raises(
        CountError,
        match="scottish-stv does not allow equal preferences, but a ballot ranks B and C equally",
    ):
        count(election, "scottish-stv")


def test_unknown_candidate_in_a_ballot_is_an_error() -> None:
    election = Election(["A", "B"], 1, [Ballot(1, ((0,), (5,)))])
    with pytest.raises(CountError, match="a ballot names candidate 6; there are 2"):
        count(election, "scottish-stv")


def test_withdrawn_candidate_is_never_elected() -> None:
    election = read_blt(stv_dir() / "wikipedia-examples/hww-documentation-example-withdrawn.blt")
    result = count(election, "scottish-stv")
    assert 1 not in result.elected
    assert result.withdrawn == [1]
    assert all(stage.totals[1] == 0 for stage in result.stages)
    # The one paper naming only the withdrawn Basil has no first preference left to count.
    assert result.invalid == {InvalidReason.EMPTY: 1}
    assert result.valid_votes == 12 * 10**5


def test_empty_and_zero_weight_ballots_change_nothing_but_the_invalid_count() -> None:
    folder = stv_dir() / "wikipedia-examples"
    plain = count(read_blt(folder / "wikipedia-counting_stv.blt"), "scottish-stv")
    odd = count(
        read_blt(folder / "wikipedia-counting_stv-with-empty-and-zero-weight-ballots.blt"),
        "scottish-stv",
    )
    assert odd.invalid == {InvalidReason.EMPTY: 3}
    assert [s.totals for s in odd.stages] == [s.totals for s in plain.stages]
    assert [odd.candidates[c] for c in odd.elected] == ["Andrea", "Carter"]
