"""First past the post for ``k`` seats (block vote): each voter marks up to ``k`` candidates.

A ballot's ranking is read as a set of marks, whatever its grouping. A ballot with more marks
than seats is set aside as invalid (too many marks); marks for withdrawn candidates are ignored,
and a ballot left with no marks is empty. The ``k`` candidates with the most votes are elected;
a candidate with no votes is never elected, so seats can stay unfilled. An equality that
decides a seat is settled by lot and recorded as a tie.
"""

from __future__ import annotations

from itertools import chain

from governance.elections.counting.model import (
    CountError,
    Election,
    InvalidReason,
    Method,
    Result,
    Stage,
)
from governance.elections.counting.ties import Lots, TieBreaker

NAME = "fptp"
VERSION = "first past the post (block vote), lots for equalities; engine 1"


def count(election: Election, seed: str | None = None, lots: Lots | None = None) -> Result:
    """Count ``election`` by first past the post; ``seed`` (or ``lots``) decides any lot."""
    seats, n = election.seats, len(election.candidates)
    if seats < 1:
        raise CountError("an election needs at least one seat")
    totals = [0] * n
    invalid = dict(election.invalid)
    valid = 0
    for ballot in election.ballots:
        if ballot.weight < 0:
            raise CountError(f"a ballot has a negative weight ({ballot.weight})")
        marks = set(chain.from_iterable(ballot.ranking))
        if any(not 0 <= c < n for c in marks):
            bad = min(c for c in marks if not 0 <= c < n)
            raise CountError(f"a ballot names candidate {bad + 1}; there are {n}")
        marks -= election.withdrawn
        reason = (
            InvalidReason.EMPTY
            if not marks
            else InvalidReason.TOO_MANY_MARKS
            if len(marks) > seats
            else None
        )
        if reason is not None:
            if ballot.weight:
                invalid[reason] = invalid.get(reason, 0) + ballot.weight
            continue
        valid += ballot.weight
        for c in marks:
            totals[c] += ballot.weight
    if valid == 0:
        raise CountError("there are no valid votes to count")
    stage = Stage(1, "first", [], "Votes for each candidate", dict(enumerate(totals)), 0)
    ties = TieBreaker(lots if lots is not None else Lots(seed), earliest=True)
    stage.elected = _winners(totals, seats, ties)
    return Result(
        method=NAME,
        method_version=VERSION,
        candidates=list(election.candidates),
        seats=seats,
        places=0,
        valid_votes=valid,
        invalid=invalid,
        quota=None,
        elected=list(stage.elected),
        excluded=[],
        withdrawn=sorted(election.withdrawn),
        stages=[stage],
        ties=ties.ties,
        seed=ties.lots.seed,
        notes=_unfilled(len(stage.elected), seats),
    )


def _winners(totals: list[int], seats: int, ties: TieBreaker) -> list[int]:
    """The highest totals, in order; lots decide only among those level at the last seat."""
    order = sorted((c for c, votes in enumerate(totals) if votes > 0), key=lambda c: -totals[c])
    if len(order) <= seats:
        return order
    cutoff = totals[order[seats - 1]]
    winners = [c for c in order if totals[c] > cutoff]
    level = [c for c in order if totals[c] == cutoff]
    if len(winners) + len(level) <= seats:
        return winners + level
    while len(winners) < seats:
        pick = ties.pick(level, [], lowest=False, purpose="election", stage=1)
        assert pick is not None
        winners.append(pick)
        level.remove(pick)
    return winners


def _unfilled(elected: int, seats: int) -> list[str]:
    if elected == seats:
        return []
    return [f"{seats - elected} of {seats} seats left unfilled: too few candidates got votes"]


METHOD = Method(NAME, VERSION, 0, count)
