"""Properties every fptp, scottish-stv, mer2014-stv and ers97-stv count must have.

- STV: at every stage the candidates' totals plus the non-transferable votes equal the valid
  votes exactly (integers, no tolerance). FPTP has one stage and a ballot may mark several
  candidates, so there the totals add up to the marks on valid ballots instead.
- STV fills every seat it can: a count goes on until the seats are filled or the continuing
  candidates are no more than the seats left, who are then all elected, even with no votes.
  So exactly min(seats, candidates standing) are elected. FPTP never elects a candidate
  without votes: min(seats, candidates with votes) are elected.
- The order of the ballots makes no difference; a withdrawn candidate is never elected and
  never holds votes; the same seed gives the same result, lots included.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import Ballot, CountError, Election, Result
from tests.elections.counting.refdata import stv_dir

STV_METHODS = ["scottish-stv", "mer2014-stv", "ers97-stv"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw: st.DrawFn) -> Election:
    n = draw(st.integers(min_value=1, max_value=7))
    seats = draw(st.integers(min_value=1, max_value=n + 1))
    withdrawn = draw(st.frozensets(st.integers(0, n - 1), max_size=min(2, n - 1)))
    ranking = st.permutations(list(range(n))).flatmap(
        lambda order: st.integers(1, n).map(lambda k: tuple((c,) for c in order[:k]))
    )
    ballots = draw(
        st.lists(
            st.builds(Ballot, weight=st.integers(1, 40), ranking=ranking), min_size=1, max_size=30
        )
    )
    return Election([f"C{i}" for i in range(n)], seats, ballots, withdrawn)


def counted(election: Election, method: str, seed: str = "prop") -> Result | None:
    try:
        return count(election, method, seed)
    except CountError as exc:
        assert "no valid votes" in str(exc)
        return None


def valid_marks(election: Election) -> list[set[int]]:
    out = []
    for ballot in election.ballots:
        marks = {c for group in ballot.ranking for c in group} - election.withdrawn
        if marks and len(marks) <= election.seats:
            out.extend([marks] * ballot.weight)
    return out


@pytest.mark.parametrize("method", STV_METHODS)
@SETTINGS
@given(election=elections())
def test_stv_totals_add_up_and_every_possible_seat_is_filled(
    method: str, election: Election
) -> None:
    result = counted(election, method)
    if result is None:
        return
    for stage in result.stages:
        assert sum(stage.totals.values()) + stage.non_transferable == result.valid_votes
        assert all(stage.totals[c] == 0 for c in election.withdrawn)
    standing = len(election.candidates) - len(election.withdrawn)
    assert len(result.elected) == min(election.seats, standing)
    assert len(set(result.elected)) == len(result.elected)
    assert not set(result.elected) & set(result.excluded)
    assert not set(result.elected) & election.withdrawn


@SETTINGS
@given(election=elections())
def test_fptp_totals_are_the_marks_and_only_candidates_with_votes_win(election: Election) -> None:
    result = counted(election, "fptp")
    marks = valid_marks(election)
    if result is None:
        assert not marks
        return
    (stage,) = result.stages
    assert result.valid_votes == len(marks)
    assert sum(stage.totals.values()) == sum(len(m) for m in marks)
    with_votes = {c for m in marks for c in m}
    assert len(result.elected) == min(election.seats, len(with_votes))
    assert set(result.elected) <= with_votes
    assert not set(result.elected) & election.withdrawn


@pytest.mark.parametrize("method", ["fptp", *STV_METHODS])
@SETTINGS
@given(election=elections(), shuffle_seed=st.integers(0, 2**32 - 1))
def test_the_order_of_the_ballots_does_not_matter(
    method: str, election: Election, shuffle_seed: int
) -> None:
    shuffled = list(election.ballots)
    random.Random(shuffle_seed).shuffle(shuffled)
    other = Election(election.candidates, election.seats, shuffled, election.withdrawn)
    first, second = counted(election, method), counted(other, method)
    if first is None or second is None:
        assert first is second
        return
    assert first.elected == second.elected
    assert [s.totals for s in first.stages] == [s.totals for s in second.stages]
    assert [s.non_transferable for s in first.stages] == [s.non_transferable for s in second.stages]
    assert first.ties == second.ties


@pytest.mark.parametrize("method", ["fptp", *STV_METHODS])
@SETTINGS
@given(election=elections(), seed=st.text(min_size=1, max_size=8))
def test_the_same_seed_gives_the_same_result(method: str, election: Election, seed: str) -> None:
    first = counted(election, method, seed)
    assert first == counted(election, method, seed)
    if first is not None and any(t.broken_by == "lot" for t in first.ties):
        assert first.seed == seed


@pytest.mark.parametrize("method", ["fptp", *STV_METHODS])
def test_the_withdrawn_candidate_of_the_hww_example_is_never_elected(method: str) -> None:
    path = "wikipedia-examples/hww-documentation-example-withdrawn.blt"
    election = read_blt(stv_dir() / path)
    result = count(election, method, "hww")
    assert election.withdrawn == {1}
    assert 1 not in result.elected
    assert all(stage.totals[1] == 0 for stage in result.stages)
