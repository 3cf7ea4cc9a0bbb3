"""ers97-stv: OpenSTV's ERS97 counts, and the rules' own features worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import Ballot, Election, Result
from governance.elections.counting.report import openstv_stages
from governance.elections.counting.rules import ERS97, quota
from tests.elections.counting.refdata import openstv_outputs, scaled, stv_dir

H = 100


def ers97(seats: int, *spec: tuple[int, str], seed: str = "ers") -> tuple[list[str], Result]:
    names = sorted({c for _, prefs in spec for c in prefs.split()})
    ballots = [Ballot(w, tuple((names.index(c),) for c in p.split())) for w, p in spec]
    return names, count(Election(names, seats, ballots), "ers97-stv", seed)


def test_quota_is_the_exact_share_rounded_up_to_hundredths() -> None:
    assert quota(ERS97, 94 * H, 4) == 1880  # 94 / 5 = 18.80 exactly
    assert quota(ERS97, 1234 * H, 3) == 30850  # 308.50 exactly
    assert quota(ERS97, 1000 * H, 2) == 33334  # 333.333... -> 333.34


def test_quota_is_reduced_as_papers_become_non_transferable_before_any_election() -> None:
    # 1 seat, 100 votes, quota 50.00. No one has it; C (25, papers end there) is excluded: with
    # 25 non-transferable the quota becomes 75 / 2 = 37.50 and A's 40 is elected.
    names, result = ers97(1, (40, "A"), (35, "B"), (25, "C"))
    assert result.stages[0].extra["quota"] == "50.00"
    assert result.stages[1].extra["quota"] == "37.50"
    assert result.quota == 3750
    assert result.stages[1].elected == [names.index("A")]
    assert "quota is reduced from 50.00 to 37.50" in result.notes[0]


def test_election_at_the_active_vote_threshold() -> None:
    # 2 seats, 100 votes, quota 33.34. A (40, papers end there) is elected; its surplus 6.66
    # moves no paper, so it is non-transferable (6.66). D (15) is excluded next (alone: with C
    # it would be 35, more than B's 25); its papers end too: 21.66 is now non-transferable.
    # The active vote is 100 - 21.66 - A's 33.34 = 45.00, and 45.00 / 2 = 22.50: B's 25 is
    # below the quota but reaches that threshold, so B is elected.
    names, result = ers97(2, (40, "A"), (25, "B"), (20, "C"), (15, "D"))
    assert [s.action for s in result.stages] == ["first", "surplus", "exclusion"]
    assert result.stages[1].non_transferable == 666
    assert result.stages[2].non_transferable == 2166
    assert result.stages[2].elected == [names.index("B")]
    assert result.quota == 3334
    assert result.stages[2].totals[names.index("B")] == 25 * H


def test_surplus_equal_to_the_gap_is_deferred() -> None:
    # 2 seats, 99 votes, quota 33.00. A has 38: surplus 5.00, exactly the gap between C 10 and
    # D 15. ERS97 defers a surplus that "does not exceed" the gap, so C is excluded first.
    names, result = ers97(2, (30, "A B"), (8, "A"), (10, "C"), (15, "D"), (16, "E"), (20, "B"))
    stage = result.stages[1]
    assert (stage.action, stage.excluded) == ("exclusion", [names.index("C")])
    assert stage.extra["deferred"] == "A (5.00)"
    assert stage.totals[names.index("A")] == 38 * H


def test_mer_transfers_a_surplus_equal_to_the_gap() -> None:
    # The same shape under mer2014-stv (quota 34): A's surplus of 5 equals the gap between C 10
    # and D 15, but the Northern Ireland rule defers only a surplus "less than" the gap: it is
    # transferred, 30 papers at 5 / 30 = 0.1666 -> 0.16 giving B 4.80.
    names = ["A", "B", "C", "D", "E"]
    spec = [(30, "A B"), (9, "A"), (10, "C"), (15, "D"), (16, "E"), (19, "B")]
    ballots = [Ballot(w, tuple((names.index(c),) for c in p.split())) for w, p in spec]
    result = count(Election(names, 2, ballots), "mer2014-stv")
    assert result.stages[1].action == "surplus"
    assert result.stages[1].totals[1] == 19 * H + 480


def test_an_unbroken_tie_for_the_last_place_elects_nobody_at_that_stage() -> None:
    # 1 seat, 20 votes, quota 10.00: A and B both reach it and have been equal at every point,
    # so neither is deemed elected (ERS97 5.6.2). One of them is then excluded by lot, which
    # leaves the other alone for the seat. (OpenSTV reads this differently: it drops one of
    # the candidates over the threshold by lot at once; the rule's text elects nobody yet.)
    _, result = ers97(1, (10, "A"), (10, "B"), seed="7")
    assert result.stages[0].elected == []
    assert "none of them is deemed elected yet" in result.notes[0]
    (tie,) = result.ties
    assert (tie.purpose, tie.broken_by) == ("exclusion", "lot")
    assert result.elected == [1 - tie.chosen]


def test_an_exclusion_leaving_as_many_candidates_as_places_moves_no_papers() -> None:
    # 2 seats, 30 votes, quota 10.00, and A, B, C have 10 each: all three reach the quota but
    # only two places remain and they were never apart, so nobody is elected (5.6.2). One is
    # excluded by lot; that leaves two candidates for two places, who are elected without
    # moving the excluded candidate's papers (5.5.1). OpenSTV would move the first batch of
    # those papers before stopping; the rule says the count is complete.
    _, result = ers97(2, (10, "A"), (10, "B"), (10, "C A"), seed="3")
    (tie,) = result.ties
    last = result.stages[1]
    assert (last.action, last.excluded, last.transfers) == ("exclusion", [tie.chosen], {})
    assert last.totals == result.stages[0].totals
    assert last.extra["transfer"] == "none: the remaining candidates fill the remaining places"
    assert sorted(result.elected) == sorted(set(range(3)) - {tie.chosen})


def test_exclusion_moves_papers_in_batches_by_value() -> None:
    # 2 seats, 62 votes, quota 62 / 3 = 20.666... -> 20.67. A's surplus 9.33 is not deferred
    # (X 6 + 9.33 exceeds B 12). A's 30 papers go at 9.33 / 30 = 0.311 -> 0.31: X and C get
    # 15 x 0.31 = 4.65 each (X 10.65, C 18.65), 0.03 is lost. X, now lowest, is excluded in two
    # batches: its 6 papers at 1.00 ("X B": B 18), then the 15 at 0.31 ("A X B": B 22.65,
    # which passes the quota).
    names, result = ers97(2, (15, "A X B"), (15, "A C"), (6, "X B"), (12, "B"), (14, "C"))
    assert result.quota == 2067
    assert result.stages[1].totals[names.index("X")] == 1065
    stage = result.stages[2]
    assert (stage.action, stage.excluded) == ("exclusion", [names.index("X")])
    assert stage.extra["parcels"] == "papers at 1.00; papers at 0.31"
    assert stage.totals[names.index("B")] == 2265
    assert result.elected == [names.index("A"), names.index("B")]


ERS = openstv_outputs("ERS97STV")


@pytest.mark.parametrize("path", ERS, ids=[p.stem for p in ERS])
def test_openstv_ers97_counts(path: Path) -> None:
    reference = json.loads(path.read_text(encoding="utf-8"))
    if reference["random_tiebreak_used"]:
        pytest.skip("OpenSTV decided a tie by random.choice: its winners are one lot's")
    result = count(read_blt(stv_dir() / reference["source"]), "ers97-stv", seed="x")
    assert sorted(result.candidates[c] for c in result.elected) == sorted(reference["winners"])
    # OpenSTV records a round per batch of an exclusion; the last round of each stage holds
    # the stage's result, which is what a stage here records.
    last_round = {r["stage"]: r for r in reference["stages"]}
    assert len(result.stages) == len(last_round)
    for stage in result.stages:
        theirs = last_round[stage.number]
        assert stage.non_transferable == scaled(theirs["exhausted"], 2)
        for c, name in enumerate(result.candidates):
            assert stage.totals[c] == scaled(theirs["totals"].get(name, "0"), 2)
    assert result.quota == scaled(reference["stages"][-1]["quota"], 2)


@pytest.mark.parametrize("path", ERS, ids=[p.stem for p in ERS])
def test_openstv_stage_view_matches_every_openstv_round(path: Path) -> None:
    reference = json.loads(path.read_text(encoding="utf-8"))
    if reference["random_tiebreak_used"]:
        pytest.skip("OpenSTV decided a tie by random.choice: its winners are one lot's")
    result = openstv_stages(count(read_blt(stv_dir() / reference["source"]), "ers97-stv", "x"))
    rounds = reference["stages"]
    assert [s.number for s in result.stages] == [r["round"] for r in rounds]
    for stage, theirs in zip(result.stages, rounds, strict=True):
        assert stage.non_transferable == scaled(theirs["exhausted"], 2)
        for c, name in enumerate(result.candidates):
            assert stage.totals[c] == scaled(theirs["totals"].get(name, "0"), 2)
