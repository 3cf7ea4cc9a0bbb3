"""Count a million synthetic ballot papers under each STV rule set.

    .venv/bin/python bench/count_million.py [--quick] [--ballots N] [--runs N]

The papers (20 candidates in five parties, 5 seats, rankings of 1 to 8 preferences; see
count_common.synthetic_election) are made once, deterministically, and timed on their own. Each
count then starts from the million separate ``Ballot`` objects, so its time includes merging
identical rankings. The target for scottish-stv is under 5 seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from count_common import (
    elected_names,
    machine_info,
    median_time,
    stv_methods,
    synthetic_election,
    timed,
)

TARGET_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 papers, one run: a smoke test")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per rule set (default 3)")
    args = parser.parse_args(argv)
    ballots, runs = (20_000, 1) if args.quick else (args.ballots, args.runs)

    print(machine_info())
    seconds, election = timed(lambda: synthetic_election(ballots))
    distinct = len({b.ranking for b in election.ballots})
    lengths = Counter(len(b.ranking) for b in election.ballots)
    print(
        f"generated {ballots:,} papers ({distinct:,} distinct rankings) in {seconds:.2f} s; "
        f"{len(election.candidates)} candidates, {election.seats} seats"
    )
    print(
        "  preferences marked: "
        + ", ".join(f"{k}: {lengths[k] / ballots:.0%}" for k in sorted(lengths))
    )
    print(f"count (including merging identical rankings), median of {runs} run(s):")
    for method in stv_methods():
        median, times, result = median_time(lambda m=method: m.count(election, "bench"), runs)
        verdict = ""
        if method.name == "scottish-stv" and not args.quick:
            met = "met" if median < TARGET_SECONDS else "MISSED"
            verdict = f"  [target < {TARGET_SECONDS:.0f} s: {met}]"
        print(
            f"  {method.name:13} {median:7.2f} s  (fastest {min(times):.2f}, slowest "
            f"{max(times):.2f})  {len(result.stages)} stages{verdict}"
        )
        print(f"  {'':13} elected {elected_names(election, result.elected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
