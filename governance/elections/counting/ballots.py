"""Turning raw ballot papers (as the web layer receives them) into ballots the count can use.

The rules (docs/counting.md, and RULES.md section 4):

- STV: the paper must give the preference 1 to exactly one candidate, or it is rejected (no
  clear first preference). Preferences 2, 3, ... are then read in order; at the first repeated
  number (two candidates given the same one) or the first missing number, reading stops and
  the preferences before that point count.
- FPTP: a paper marking more candidates than there are seats is rejected (too many marks).
- Either: a paper with no marks is empty; a mark for a candidate not standing is rejected.

Candidates are named by any hashable key (an id or a name); ``candidates`` gives their order,
and the ballot refers to them by position, as everywhere in the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from governance.elections.counting.model import Ballot, InvalidReason, Ranking

Key = TypeVar("Key", bound=Hashable)


def stv_ballot(preferences: Mapping[Key, int], candidates: Sequence[Key]) -> Ballot | InvalidReason:
    """A ballot from ``{candidate: preference number}``, or why the paper is rejected."""
    if not preferences:
        return InvalidReason.EMPTY
    index = {key: i for i, key in enumerate(candidates)}
    by_number: dict[int, list[int]] = defaultdict(list)
    for key, number in preferences.items():
        if key not in index:
            return InvalidReason.UNKNOWN_CANDIDATE
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            continue
        by_number[number].append(index[key])
    if len(by_number.get(1, [])) != 1:
        return InvalidReason.NO_FIRST_PREFERENCE
    ranking: list[tuple[int, ...]] = []
    number = 1
    while len(by_number.get(number, [])) == 1:
        ranking.append((by_number[number][0],))
        number += 1
    return Ballot(1, tuple(ranking))


def stv_defect(preferences: Mapping[Key, int]) -> InvalidReason | None:
    """Why reading a valid STV paper stopped early: a repeated number or a gap, or ``None``."""
    counts: dict[int, int] = defaultdict(int)
    for number in preferences.values():
        counts[number] += 1
    number = 1
    while counts.get(number) == 1:
        number += 1
    if counts.get(number, 0) > 1:
        return InvalidReason.REPEATED_PREFERENCE
    if any(n > number for n in counts):
        return InvalidReason.GAP_IN_SEQUENCE
    return None


def fptp_ballot(
    marks: Iterable[Key], candidates: Sequence[Key], seats: int
) -> Ballot | InvalidReason:
    """A ballot from the candidates marked, or why the paper is rejected."""
    index = {key: i for i, key in enumerate(candidates)}
    chosen: set[int] = set()
    for key in marks:
        if key not in index:
            return InvalidReason.UNKNOWN_CANDIDATE
        chosen.add(index[key])
    if not chosen:
        return InvalidReason.EMPTY
    if len(chosen) > seats:
        return InvalidReason.TOO_MANY_MARKS
    return Ballot(1, (tuple(sorted(chosen)),))


def aggregate(ballots: Iterable[Ballot]) -> list[Ballot]:
    """Identical rankings merged into one ballot (weights summed), in first-seen order.

    Ballots of weight 0 are dropped. Equal-preference groups compare as sets, so ``2=3`` and
    ``3=2`` are the same ranking.
    """
    weights: dict[Ranking, int] = {}
    for ballot in ballots:
        if ballot.weight:
            key = tuple(tuple(sorted(group)) for group in ballot.ranking)
            weights[key] = weights.get(key, 0) + ballot.weight
    return [Ballot(weight, ranking) for ranking, weight in weights.items()]


def tally(
    results: Iterable[Ballot | InvalidReason],
) -> tuple[list[Ballot], dict[InvalidReason, int]]:
    """Normalised papers split into aggregated ballots and rejected papers counted by reason."""
    valid: list[Ballot] = []
    rejected: dict[InvalidReason, int] = {}
    for item in results:
        if isinstance(item, Ballot):
            valid.append(item)
        else:
            rejected[item] = rejected.get(item, 0) + 1
    return aggregate(valid), rejected
