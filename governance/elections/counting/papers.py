"""Ballot papers as bundles, and moving them to the next available preference.

A count of a million papers cannot afford a Python object per paper. Papers with the same
ranking that sit with the same candidate at the same value behave identically, so they travel
together as a *bundle* ``(ranking, position, papers)``: the flattened ranking (candidate
indices, closed by the sentinel described in :func:`route`), the index in it of the candidate
now holding them, and how many papers. A *parcel* is the bundles a candidate
received in one transfer at one value; rules that look at "the parcel last received" or
"papers in order of value" work on parcels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from governance.elections.counting.rows import Bunch

Bundle = tuple[tuple[int, ...], int, int]


@dataclass(slots=True, eq=False)
class Parcel:
    """Papers a candidate received together, all at the same ``value`` (scaled)."""

    value: int
    bundles: list[Bundle] | Bunch
    papers: int
    first: bool = False  # the candidate's first-preference papers


@dataclass(slots=True)
class Routed:
    """Where a set of bundles goes: per receiving candidate, its bundles and paper count."""

    bundles: dict[int, list[Bundle]] | dict[int, Bunch]
    papers: dict[int, int]
    exhausted: int  # papers with no next available preference

    @property
    def transferable(self) -> int:
        return sum(self.papers.values())


def route(bundles: list[Bundle] | Bunch, continuing: list[bool]) -> Routed:
    """Send each bundle to the next candidate on its ranking who is still ``continuing``.

    Every ranking ends with a sentinel index ``len(continuing) - 1`` that always counts as
    continuing, so the inner loop needs no bounds check; papers reaching it are exhausted.
    """
    if not isinstance(bundles, list):
        return Routed(*bundles.route(continuing))
    out: list[list[Bundle]] = [[] for _ in continuing]
    papers = [0] * len(continuing)
    for ranking, held_at, count in bundles:
        position = held_at + 1
        candidate = ranking[position]
        while not continuing[candidate]:
            position += 1
            candidate = ranking[position]
        out[candidate].append((ranking, position, count))
        papers[candidate] += count
    end = len(continuing) - 1
    return Routed(
        {c: held for c, held in enumerate(out) if held and c != end},
        {c: p for c, p in enumerate(papers) if p and c != end},
        papers[end],
    )


def merge(routes: list[Routed]) -> Routed:
    """Several routings of papers that move at the same value, taken as one."""
    if len(routes) == 1:
        return routes[0]
    if any(not isinstance(bundles, list) for r in routes for bundles in r.bundles.values()):
        return _merge_arrays(routes)
    out: dict[int, list[Bundle]] = {}
    papers: dict[int, int] = {}
    for routed in routes:
        for candidate, bundles in routed.bundles.items():
            assert isinstance(bundles, list)
            out.setdefault(candidate, []).extend(bundles)
            papers[candidate] = papers.get(candidate, 0) + routed.papers[candidate]
    return Routed(out, papers, sum(r.exhausted for r in routes))


def _merge_arrays(routes: list[Routed]) -> Routed:
    from governance.elections.counting.rows import Bunch  # NumPy only if used

    parts: dict[int, list[Bunch]] = {}
    papers: dict[int, int] = {}
    for routed in routes:
        for candidate, bundles in routed.bundles.items():
            assert isinstance(bundles, Bunch)
            parts.setdefault(candidate, []).append(bundles)
            papers[candidate] = papers.get(candidate, 0) + routed.papers[candidate]
    out = {candidate: Bunch.joined(held) for candidate, held in parts.items()}
    return Routed(out, papers, sum(r.exhausted for r in routes))
