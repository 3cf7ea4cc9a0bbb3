"""First past the post (block vote) with lots for equalities that decide a seat."""

from __future__ import annotations

import re

import pytest

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import Ballot, CountError, Election, InvalidReason
from tests.elections.counting.refdata import stv_dir


def marks(*candidates: int) -> tuple[tuple[int, ...], ...]:
    return (tuple(sorted(candidates)),)


def election(ballots: list[Ballot], seats: int = 2, n: int = 4, **kw: object) -> Election:
    return Election([f"C{i}" for i in range(n)], seats, ballots, **kw)  # type: ignore[arg-type]


def test_highest_totals_win() -> None:
    result = count(
        election([Ballot(5, marks(0, 1)), Ballot(3, marks(2)), Ballot(4, marks(1, 3))]), "fptp"
    )
    assert result.elected == [1, 0]
    assert result.stages[0].totals == {0: 5, 1: 9, 2: 3, 3: 4}
    assert result.valid_votes == 12
    assert result.quota is None
    assert result.ties == []
    assert result.seed is None


def test_too_many_marks_and_empty_papers_are_invalid() -> None:
    result = count(
        election(
            [Ballot(2, marks(0, 1, 2)), Ballot(3, marks(0)), Ballot(1, marks(3))],
            withdrawn=frozenset({3}),
            invalid={InvalidReason.EMPTY: 4},
        ),
        "fptp",
    )
    assert result.invalid == {InvalidReason.EMPTY: 5, InvalidReason.TOO_MANY_MARKS: 2}
    assert result.valid_votes == 3
    assert 3 not in result.elected


def test_an_equality_deciding_a_seat_goes_to_lot_and_is_replayable() -> None:
    ballots = [Ballot(5, marks(0)), Ballot(3, marks(1)), Ballot(3, marks(2)), Ballot(3, marks(3))]
    outcomes = set()
    for seed in map(str, range(12)):
        result = count(election(ballots), "fptp", seed)
        assert result.elected[0] == 0
        (tie,) = result.ties
        assert tie.between == [1, 2, 3]
        assert tie.broken_by == "lot"
        assert tie.lot_draw is not None
        assert tie.chosen == tie.lot_draw[0] == result.elected[1]
        assert result.seed == seed
        assert count(election(ballots), "fptp", seed) == result
        outcomes.add(result.elected[1])
    assert len(outcomes) > 1, "different seeds can draw different candidates"


def test_a_lot_without_a_seed_creates_and_records_one() -> None:
    ballots = [Ballot(1, marks(0)), Ballot(1, marks(1))]
    result = count(election(ballots, seats=1), "fptp")
    assert result.seed is not None
    assert count(election(ballots, seats=1), "fptp", result.seed).elected == result.elected


def test_equalities_that_decide_nothing_need_no_lot() -> None:
    ballots = [Ballot(4, marks(0)), Ballot(4, marks(1)), Ballot(1, marks(2)), Ballot(1, marks(3))]
    result = count(election(ballots), "fptp")
    assert sorted(result.elected) == [0, 1]
    assert result.ties == []


def test_candidates_without_votes_are_not_elected() -> None:
    result = count(election([Ballot(2, marks(1))], seats=3), "fptp")
    assert result.elected == [1]
    assert result.notes == ["2 of 3 seats left unfilled: too few candidates got votes"]


def test_no_valid_votes_is_an_error() -> None:
    with pytest.raises(CountError, match="no valid votes"):
        count(election([Ballot(1, marks(0, 1, 2))]), "fptp")


def _transcript(path: str) -> list[tuple[str, int]]:
    text = (stv_dir() / path).read_text(encoding="utf-8")
    return [
        (name, int(votes)) for name, votes in re.findall(r"Elected:\s+(.+?) \((\d+)\.0+\)", text)
    ]


def _first_k(path: str) -> Election:
    """stv-rs simulates block voting by giving each voter's first ``seats`` preferences a mark."""
    source = read_blt(stv_dir() / path)
    ballots = []
    for ballot in source.ballots:
        flat = [c for group in ballot.ranking for c in group if c not in source.withdrawn]
        ballots.append(Ballot(ballot.weight, (tuple(sorted(flat[: source.seats])),)))
    return Election(source.candidates, source.seats, ballots, source.withdrawn)


@pytest.mark.parametrize(
    ("ballots", "transcript"),
    [
        ("stv-rs/ballots/vegetables.blt", "stv-rs/plurality_block_voting/vegetables.fixed9.log"),
        (
            "stv-rs/ballots/random/rand_2x10.blt",
            "stv-rs/plurality_block_voting/random/rand_2x10.fixed9.log",
        ),
        (
            "stv-rs/ballots/random/rand_5x4.blt",
            "stv-rs/plurality_block_voting/random/rand_5x4.fixed9.log",
        ),
    ],
)
def test_stv_rs_block_voting_transcripts(ballots: str, transcript: str) -> None:
    result = count(_first_k(ballots), "fptp")
    expected = _transcript(transcript)
    assert [result.candidates[c] for c in result.elected] == [name for name, _ in expected]
    totals = result.stages[0].totals
    assert [totals[c] for c in result.elected] == [votes for _, votes in expected]
