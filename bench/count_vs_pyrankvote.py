"""Our scottish-stv against pyrankvote's single_transferable_vote on the same ballot papers.

    .venv/bin/python bench/count_vs_pyrankvote.py [--quick] [--sizes N,N,...]

The two follow different rules (pyrankvote moves surpluses as floats, uses a quota without the
+1 and excludes every candidate who cannot catch up at once), so their winners may differ; the
output says whether they agree rather than asserting it. Building pyrankvote's own ballot
objects is timed apart from its count. Ours is timed twice: from one ``Ballot`` per paper (so
it includes merging identical rankings) and from the merged rankings a BLT file gives.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from importlib.metadata import version

import pyrankvote
from count_common import elected_names, machine_info, median_time, synthetic_election, timed
from pyrankvote import Ballot as PrvBallot
from pyrankvote import Candidate as PrvCandidate

from governance.elections.counting.model import Ballot, Election, Ranking
from governance.elections.counting.registry import METHODS


def to_pyrankvote(election: Election) -> tuple[list[PrvCandidate], list[PrvBallot]]:
    """The same papers as pyrankvote objects, one per paper."""
    people = [PrvCandidate(name) for name in election.candidates]
    papers = [
        PrvBallot(ranked_candidates=[people[group[0]] for group in ballot.ranking])
        for ballot in election.ballots
        for _ in range(ballot.weight)
    ]
    return people, papers


def merged(election: Election) -> Election:
    """The same election with identical rankings merged, as the BLT reader delivers it."""
    weights: Counter[Ranking] = Counter()
    for ballot in election.ballots:
        weights[ballot.ranking] += ballot.weight
    papers = [Ballot(weight, ranking) for ranking, weight in weights.items()]
    return Election(election.candidates, election.seats, papers, title=election.title)


def compare(size: int, runs: int) -> None:
    election = synthetic_election(size)
    as_file = merged(election)
    build, (people, papers) = timed(lambda: to_pyrankvote(election))
    scottish = METHODS["scottish-stv"]
    ours, _, result = median_time(lambda: scottish.count(election, "bench"), runs)
    ours_merged = median_time(lambda: scottish.count(as_file, "bench"), runs)[0]
    theirs, _, outcome = median_time(
        lambda: pyrankvote.single_transferable_vote(people, papers, number_of_seats=election.seats),
        runs,
    )
    winners = [election.candidates.index(c.name) for c in outcome.get_winners()]
    same = "the same candidates" if set(winners) == set(result.elected) else "DIFFERENT candidates"
    print(f"{size:,} papers ({len(as_file.ballots):,} distinct rankings):")
    rows = [
        ("scottish-stv, one Ballot per paper", ours, f"pyrankvote / ours: {theirs / ours:.1f}x"),
        (
            "scottish-stv, merged (as from BLT)",
            ours_merged,
            f"pyrankvote / ours: {theirs / ours_merged:.1f}x",
        ),
        (
            "pyrankvote, its own ballot objects",
            theirs,
            f"building them: {build * 1000:.1f} ms more",
        ),
    ]
    for label, seconds, note in rows:
        print(f"  {label:36} {seconds * 1000:8.1f} ms  ({note})")
    print(f"  elected by scottish-stv: {elected_names(election, result.elected)}")
    print(f"  elected by pyrankvote:   {elected_names(election, winners)}  ({same})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 papers, one run")
    parser.add_argument(
        "--sizes", default="20000,50000,200000", help="paper counts, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per count (median; default 5)")
    args = parser.parse_args(argv)
    sizes = [2_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs

    print(machine_info())
    print(f"pyrankvote {version('pyrankvote')}; median of {runs} run(s)")
    for size in sizes:
        compare(size, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
