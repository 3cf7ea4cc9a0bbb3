"""Read and count the largest real ward among the reference elections, under each STV rule set.

    .venv/bin/python bench/count_reference.py [--quick] [--runs N]

Each run reads the BLT file afresh and counts it, so the time is what a returning officer waits
for from file to result. Prints the median of the runs per rule set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from count_common import REFERENCE, elected_names, machine_info, median_time, stv_methods

from governance.elections.counting.blt import read_blt

WARDS = REFERENCE / "scotland-2017" / "blt"


def largest_ward() -> Path:
    """The reference ward with the most ballot papers (the biggest file holds the most)."""
    return max(WARDS.glob("*.blt"), key=lambda path: path.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each: a smoke test")
    parser.add_argument("--runs", type=int, default=9, help="runs per rule set (default 9)")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs

    print(machine_info())
    path = largest_ward()
    election = read_blt(path)
    papers = sum(b.weight for b in election.ballots)
    print(
        f"ward: {path.name}: {papers} ballot papers ({len(election.ballots)} distinct rankings), "
        f"{len(election.candidates)} candidates, {election.seats} seats"
    )
    print(f"read + count, median of {runs} run(s):")
    for method in stv_methods():
        median, times, result = median_time(lambda m=method: m.count(read_blt(path), "bench"), runs)
        print(
            f"  {method.name:13} {median * 1000:8.1f} ms  (fastest {min(times) * 1000:.1f}, "
            f"slowest {max(times) * 1000:.1f})  {len(result.stages)} stages; "
            f"elected {elected_names(election, result.elected)}"
        )
    seconds = median_time(lambda: read_blt(path), runs)[0]
    print(f"  reading the file alone: {seconds * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
