"""Properties every meek-stv count must have, on random small elections.

What Meek's fixed-point arithmetic guarantees, precisely: a ballot's weight is an integer
number of units of 10**-9; at each preference the candidate keeps ``w * kf`` rounded up and
the ballot carries on with the exact remainder. No value is created or lost by rounding, so
at every stage the candidates' totals plus the non-transferable figure (weight left on
ballots after their last live preference) equal the valid votes exactly, to the unit. The
rounding only moves value towards the candidate who keeps it, so the elected sit a few units
above the quota once the surpluses settle. The non-transferable figure is non-negative as
long as no keep factor exceeds one; the rule does not bound keep factors by itself (one would
rise above one only if an elected candidate fell below the quota), so the test checks that
they stay within [0, 1] too.
"""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from governance.elections.counting import meek
from governance.elections.counting.model import Ballot, Election, InvalidReason, Stage


@st.composite
def elections(draw: st.DrawFn) -> Election:
    n = draw(st.integers(min_value=2, max_value=7))
    seats = draw(st.integers(min_value=1, max_value=min(4, n)))
    withdrawn = draw(st.frozensets(st.integers(0, n - 1), max_size=2))
    ranking = st.permutations(list(range(n))).flatmap(
        lambda order: st.integers(1, n).map(lambda k: tuple((c,) for c in order[:k]))
    )
    ballots = draw(
        st.lists(
            st.builds(Ballot, weight=st.integers(1, 30), ranking=ranking), min_size=1, max_size=25
        )
    )
    standing = [b for b in ballots if any(c not in withdrawn for (c,) in b.ranking)]
    assume(standing)
    return Election(
        candidates=[f"C{i}" for i in range(n)], seats=seats, ballots=ballots, withdrawn=withdrawn
    )


common = settings(max_examples=100, deadline=None)


def keep_factors(stage: Stage) -> list[str]:
    return stage.extra["keep_factors"].split()


@common
@given(elections())
def test_totals_and_non_transferable_add_up_exactly(election: Election) -> None:
    result = meek.count(election, seed="p")
    papers = sum(b.weight for b in election.ballots)
    empty = result.invalid.get(InvalidReason.EMPTY, 0)
    assert result.valid_votes == meek.SCALE * (papers - empty)
    for stage in result.stages:
        assert sum(stage.totals.values()) + stage.non_transferable == result.valid_votes
        assert stage.non_transferable >= 0
        assert all(v >= 0 for v in stage.totals.values())
        assert all(0 <= int(kf.replace(".", "")) <= meek.SCALE for kf in keep_factors(stage))


@common
@given(elections())
def test_fills_every_seat_it_can(election: Election) -> None:
    result = meek.count(election, seed="p")
    standing = len(election.candidates) - len(election.withdrawn)
    assert len(result.elected) == min(election.seats, standing)
    assert len(set(result.elected)) == len(result.elected)
    assert not set(result.elected) & set(result.excluded)


@common
@given(elections())
def test_withdrawn_never_elected_and_never_hold_votes(election: Election) -> None:
    result = meek.count(election, seed="p")
    assert not set(result.elected) & election.withdrawn
    for stage in result.stages:
        assert all(stage.totals[c] == 0 for c in election.withdrawn)


@common
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_and_grouping_do_not_matter(election: Election, rnd: random.Random) -> None:
    papers = [Ballot(1, b.ranking) for b in election.ballots for _ in range(b.weight)]
    rnd.shuffle(papers)
    shuffled = Election(
        candidates=election.candidates,
        seats=election.seats,
        ballots=papers,
        withdrawn=election.withdrawn,
    )
    assert meek.count(shuffled, seed="p") == meek.count(election, seed="p")


@common
@given(elections(), st.text(min_size=1, max_size=8))
def test_same_seed_same_result(election: Election, seed: str) -> None:
    first = meek.count(election, seed=seed)
    assert first.seed == seed
    assert meek.count(election, seed=seed) == first


@common
@given(elections())
def test_elected_reach_the_quota_unless_filling_the_last_seats(election: Election) -> None:
    result = meek.count(election, seed="p")
    in_stage_order = [c for stage in result.stages for c in stage.elected]
    assert in_stage_order == result.elected
    for stage in result.stages:
        quota = int(stage.extra["quota"].replace(".", ""))
        reached = [c for c in stage.elected if stage.totals[c] >= quota]
        assert reached == stage.elected[: len(reached)]
