"""Load on the poll: concurrent voters casting ballots through the public API.

Starts ``governance serve`` (1 worker on SQLite; ``--workers 2`` by default on PostgreSQL),
seeds an election with enough voters, and lets ``--voters`` simulated voters (200 by default)
post ballots for ``--seconds`` (60; ``--quick``: 5). Prints ballots per second, p50 and p99
latency, errors, and the ratio to the same server's ``/health`` throughput measured the same
way. Targets on PostgreSQL with two workers: at least 300 ballots/s and p99 under 500 ms.

    python bench/poll_load.py [--quick] [--database-url postgresql+psycopg://...] [--workers 2]

A PostgreSQL database given here is emptied first: use a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_common import (
    Server,
    database_counts,
    health_crowd,
    machine_info,
    scratch_database,
    seed,
    vote_crowd,
    workdir,
    xmin_linkage,
)

from governance.elections.election_key import generate_key_pair, seal_ballot


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 seconds, 20,000 voters")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--voters", type=int, default=200, help="concurrent simulated voters")
    parser.add_argument("--electorate", type=int, default=None, help="voters on the roll")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied); else SQLite")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--plain",
        action="store_true",
        help="store plain ballots (a poll opened before ballots were sealed), for comparison",
    )
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (5.0 if args.quick else 60.0)
    args.electorate = args.electorate or (20_000 if args.quick else 40_000)
    if args.workers is None:
        args.workers = 2 if args.database_url else 1
    return args


def sealing_cost(rounds: int = 2000) -> float:
    """Seconds to seal one five-candidate ballot to an election key (the encryption's share of
    the cost of casting)."""
    public = generate_key_pair().public
    start = time.perf_counter()
    for number in range(rounds):
        seal_ballot(public, [number % 5 + 1, 2, 3], None, candidates_on_ballot=5)
    return (time.perf_counter() - start) / rounds


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print(machine_info())
    with workdir() as scratch:
        url = scratch_database(args.database_url, Path(scratch))
        backend = "PostgreSQL" if args.database_url else "SQLite"
        seeded = seed(url, args.electorate, closes_in=timedelta(days=1), sealed=not args.plain)
        ballots_are = "plain ballots" if args.plain else "ballots sealed to the election key"
        print(f"{ballots_are}; sealing one ballot in-process: {sealing_cost() * 1e6:.0f} µs")
        print(
            f"{backend}, {args.workers} worker(s); {args.electorate:,} voters on the roll; "
            f"{args.voters} concurrent clients for {args.seconds:.0f} s"
        )
        server = Server(url, Path(scratch), args.workers)
        server.start()
        try:
            health_seconds = max(3.0, args.seconds / 4)
            done, elapsed = asyncio.run(
                health_crowd(server.base, voters=args.voters, seconds=health_seconds)
            )
            health_rate = done / elapsed
            credentials = iter(enumerate(seeded.credentials))
            tally, elapsed = asyncio.run(
                vote_crowd(
                    server.base,
                    seeded,
                    credentials,
                    voters=args.voters,
                    seconds=args.seconds,
                )
            )
        finally:
            server.stop()
        accepted = tally.statuses.get(201, 0)
        rate = accepted / elapsed if elapsed else 0.0
        refused = sum(n for status, n in tally.statuses.items() if status != 201)
        ballots, voted, _hashes = database_counts(url, seeded.election_id)
        print(f"/health: {health_rate:,.0f} requests/s ({done:,} in {health_seconds:.0f} s)")
        print(
            f"ballots: {rate:,.0f}/s ({accepted:,} in {elapsed:.1f} s); "
            f"p50 {tally.p50 * 1000:.0f} ms, p99 {tally.percentile(0.99) * 1000:.0f} ms; "
            f"errors {tally.errors + refused}"
        )
        print(f"ratio to /health: {rate / health_rate:.2f}" if health_rate else "no /health")
        print(f"database: {ballots:,} ballots, {voted:,} voters marked voted")
        linked = xmin_linkage(url, seeded.election_id)
        if linked is not None:
            print(
                f"xmin pairs voter-ballot: {linked[0]:,}, holding readable choices: {linked[1]:,}"
            )
        if ballots != accepted or voted != accepted:
            print("MISMATCH: every accepted ballot should be stored exactly once")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
