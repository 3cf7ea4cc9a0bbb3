"""Helpers shared by the counting benchmarks: machine facts, timing, synthetic ballots."""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from governance.elections.counting.model import Ballot, Election, Method
from governance.elections.counting.registry import METHODS

T = TypeVar("T")

REFERENCE = Path("/work/shared/reference/stv")
STV_RULES = ["scottish-stv", "mer2014-stv", "ers97-stv", "meek-stv"]

# Five parties of 20 candidates: (share of first preferences, number of candidates).
PARTIES = [(0.31, 5), (0.26, 5), (0.19, 4), (0.14, 3), (0.10, 3)]
# Where a voter goes after running out of their own party's candidates: a rough left-right
# affinity, party i most often moving to its neighbours.
AFFINITY = [
    [0, 5, 2, 1, 1],
    [5, 0, 3, 2, 1],
    [2, 3, 0, 4, 2],
    [1, 2, 4, 0, 5],
    [1, 1, 2, 5, 0],
]
# How many preferences a voter marks: many plump for one, few rank eight.
LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8]
LENGTH_WEIGHTS = [25, 20, 17, 13, 10, 7, 5, 3]


def _parties(rng: random.Random) -> tuple[list[list[int]], list[float]]:
    """Each party's candidates (numbered in party order) and every candidate's popularity,
    the stronger first within a party."""
    members: list[list[int]] = []
    popularity: list[float] = []
    for _share, size in PARTIES:
        first = len(popularity)
        members.append(list(range(first, first + size)))
        popularity.extend(1.0 / (rank + 1) ** 0.9 * rng.uniform(0.8, 1.2) for rank in range(size))
    return members, popularity


def machine_info() -> str:
    """One line about where the figures came from."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs ({model}); Python {platform.python_version()} "
        f"({sys.implementation.name}) on {platform.system()} {platform.machine()}; "
        f"load average {load} (other work on the machine slows every figure)"
    )


def stv_methods() -> list[Method]:
    """The registered STV rule sets, in a fixed order."""
    return [METHODS[name] for name in STV_RULES]


def elected_names(election: Election, elected: list[int]) -> str:
    return ", ".join(election.candidates[c] for c in elected)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once; its wall-clock seconds and result."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_time(fn: Callable[[], T], runs: int) -> tuple[float, list[float], T]:
    """Median, all timings, and the last result of ``runs`` calls of ``fn``."""
    times: list[float] = []
    value: T | None = None
    for _ in range(runs):
        seconds, value = timed(fn)
        times.append(seconds)
    assert value is not None
    return statistics.median(times), times, value


def synthetic_election(ballots: int, seats: int = 5, seed: int = 2017) -> Election:
    """``ballots`` single papers over 20 candidates in five parties, deterministic per seed.

    Each voter picks a party by its share, ranks its candidates in an order skewed towards
    the party's stronger candidates, and, if they mark more preferences than the party has
    candidates, carries on with a neighbouring party. Lengths run from 1 to 8.
    """
    rng = random.Random(seed)
    members, popularity = _parties(rng)
    shares = [share for share, _size in PARTIES]
    singles = [(c,) for c in range(len(popularity))]
    lengths = rng.choices(LENGTHS, LENGTH_WEIGHTS, k=ballots)
    parties = rng.choices(range(len(PARTIES)), shares, k=ballots)
    rand = rng.random
    papers: list[Ballot] = []
    for length, party in zip(lengths, parties, strict=True):
        ranking: list[tuple[int]] = []
        visited = party
        while len(ranking) < length:
            order = sorted(members[visited], key=lambda c: -(rand() ** (1.0 / popularity[c])))
            ranking.extend(singles[c] for c in order[: length - len(ranking)])
            if len(ranking) < length:
                weights = [
                    0 if p in (party, visited) else w for p, w in enumerate(AFFINITY[visited])
                ]
                if not any(weights):
                    break
                visited = rng.choices(range(len(PARTIES)), weights)[0]
        papers.append(Ballot(1, tuple(ranking)))
    names = [f"Candidate {chr(ord('A') + c)}" for c in range(len(popularity))]
    return Election(candidates=names, seats=seats, ballots=papers, title="synthetic")


# How many preferences a paper in a file marks (1 to 20): a long tail, as real wards show,
# which makes about 380,000 distinct rankings in a million papers.
FILE_LENGTH_WEIGHTS = [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1]


def synthetic_rankings(ballots: int, seed: int = 2017) -> list[list[int]]:
    """``ballots`` rankings (0-based) over the 20 candidates of :data:`PARTIES`.

    Each voter ranks their party's candidates (skewed towards the stronger ones) and then, if
    they mark more preferences, the other candidates in an order skewed the same way.
    """
    rng = random.Random(seed)
    members, popularity = _parties(rng)
    everyone = range(len(popularity))
    lengths = rng.choices(range(1, 21), FILE_LENGTH_WEIGHTS, k=ballots)
    parties = rng.choices(range(len(PARTIES)), [s for s, _ in PARTIES], k=ballots)
    rand = rng.random
    papers: list[list[int]] = []
    for length, party in zip(lengths, parties, strict=True):
        own = members[party]
        mine = sorted(own, key=lambda c: -(rand() ** (1.0 / popularity[c])))
        if length > len(own):
            rest = [c for c in everyone if c not in own]
            mine += sorted(rest, key=lambda c: -(rand() ** (1.0 / popularity[c])))
        papers.append(mine[:length])
    return papers


def write_paper_file(path: Path, rankings: list[list[int]], seats: int, *, nicks: bool) -> None:
    """One BLT line per paper (as a count's raw export would be), numbers or stv-rs nicknames."""
    n = len(popularity_names())
    label = [f"c{c + 1}" if nicks else str(c + 1) for c in range(n)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{n} {seats}\n")
        if nicks:
            out.write("[nick " + " ".join(label) + "]\n")
        out.writelines("1 " + " ".join(label[c] for c in r) + " 0\n" for r in rankings)
        out.write("0\n")
        out.writelines(f'"{name}"\n' for name in popularity_names())
        out.write('"synthetic"\n')


def popularity_names() -> list[str]:
    return [f"Candidate {chr(ord('A') + c)}" for c in range(sum(size for _, size in PARTIES))]
