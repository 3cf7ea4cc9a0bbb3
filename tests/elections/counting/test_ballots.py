"""Normalising raw ballot papers (RULES.md section 4: rejected ballots)."""

from __future__ import annotations

import pytest

from governance.elections.counting.ballots import (
    aggregate,
    fptp_ballot,
    stv_ballot,
    stv_defect,
    tally,
)
from governance.elections.counting.model import Ballot, InvalidReason

CANDIDATES = ["ann", "bob", "cy", "di"]


def test_a_complete_stv_paper() -> None:
    paper = {"cy": 1, "ann": 2, "di": 3, "bob": 4}
    assert stv_ballot(paper, CANDIDATES) == Ballot(1, ((2,), (0,), (3,), (1,)))
    assert stv_defect(paper) is None


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        ({}, InvalidReason.EMPTY),
        ({"ann": 2, "bob": 3}, InvalidReason.NO_FIRST_PREFERENCE),
        ({"ann": 1, "bob": 1}, InvalidReason.NO_FIRST_PREFERENCE),
        ({"ann": 1, "zed": 2}, InvalidReason.UNKNOWN_CANDIDATE),
    ],
)
def test_rejected_stv_papers(paper: dict[str, int], expected: InvalidReason) -> None:
    assert stv_ballot(paper, CANDIDATES) is expected


def test_a_repeated_preference_keeps_the_preferences_before_it() -> None:
    paper = {"ann": 1, "bob": 2, "cy": 3, "di": 3}
    assert stv_ballot(paper, CANDIDATES) == Ballot(1, ((0,), (1,)))
    assert stv_defect(paper) is InvalidReason.REPEATED_PREFERENCE


def test_a_break_in_the_sequence_keeps_the_preferences_before_it() -> None:
    paper = {"ann": 1, "bob": 2, "di": 4}
    assert stv_ballot(paper, CANDIDATES) == Ballot(1, ((0,), (1,)))
    assert stv_defect(paper) is InvalidReason.GAP_IN_SEQUENCE


def test_a_first_preference_alone_is_a_valid_ballot() -> None:
    assert stv_ballot({"di": 1, "bob": 3}, CANDIDATES) == Ballot(1, ((3,),))


def test_candidates_may_be_named_by_id() -> None:
    assert stv_ballot({20: 1, 10: 2}, [10, 20]) == Ballot(1, ((1,), (0,)))


@pytest.mark.parametrize(
    ("marks", "seats", "expected"),
    [
        (["bob"], 1, Ballot(1, ((1,),))),
        (["di", "ann"], 2, Ballot(1, ((0, 3),))),
        (["ann", "ann"], 1, Ballot(1, ((0,),))),
        (["ann", "bob"], 1, InvalidReason.TOO_MANY_MARKS),
        ([], 2, InvalidReason.EMPTY),
        (["zed"], 2, InvalidReason.UNKNOWN_CANDIDATE),
    ],
)
def test_fptp_papers(marks: list[str], seats: int, expected: Ballot | InvalidReason) -> None:
    assert fptp_ballot(marks, CANDIDATES, seats) == expected


def test_aggregate_merges_identical_rankings_and_drops_zero_weights() -> None:
    ballots = [
        Ballot(1, ((0,), (1,))),
        Ballot(2, ((1,),)),
        Ballot(3, ((0,), (1,))),
        Ballot(0, ((2,),)),
        Ballot(1, ((0,), (2, 1))),
        Ballot(1, ((0,), (1, 2))),
    ]
    assert aggregate(ballots) == [
        Ballot(4, ((0,), (1,))),
        Ballot(2, ((1,),)),
        Ballot(2, ((0,), (1, 2))),
    ]


def test_tally_splits_valid_ballots_from_rejected_papers() -> None:
    papers = [
        stv_ballot({"ann": 1}, CANDIDATES),
        stv_ballot({"ann": 1}, CANDIDATES),
        stv_ballot({}, CANDIDATES),
        stv_ballot({"bob": 2}, CANDIDATES),
    ]
    ballots, rejected = tally(papers)
    assert ballots == [Ballot(2, ((0,),))]
    assert rejected == {InvalidReason.EMPTY: 1, InvalidReason.NO_FIRST_PREFERENCE: 1}
