"""The cost of one cast in process, with ballots sealed to the election key and without.

Two elections are seeded in one database, one sealed (as every new poll is) and one plain (as a
poll opened before sealed ballots stores them). Votes are cast through
``governance.elections.ballot_box.cast`` (the path every channel takes: credential check,
conditional update of the roll, ballot insert, commit) in alternating rounds, each going first
in turn, so that a busy machine slows both alike; the median time per cast of each is printed
with their ratio.

    .venv/bin/python bench/poll_cast_cost.py [--votes 3000] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_common import SECRET, machine_info, scratch_database, seed, workdir
from sqlmodel import Session

from governance.db import make_engine
from governance.elections.ballot_box import cast
from governance.elections.models import Channel, Election
from governance.security import Keys

ROUND = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, default=3000, help="votes per election")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied); else SQLite")
    args = parser.parse_args(argv)
    print(machine_info())
    keys = Keys(SECRET)
    with workdir() as scratch:
        url = scratch_database(args.database_url, Path(scratch))
        sealed = seed(url, args.votes, closes_in=timedelta(days=1), slug="sealed")
        plain = seed(url, args.votes, closes_in=timedelta(days=1), slug="plain", sealed=False)
        engine = make_engine(url)
        timings: dict[str, list[float]] = {"sealed": [], "plain": []}
        with Session(engine, expire_on_commit=False) as db:
            elections = {
                name: db.get(Election, seeded.election_id)
                for name, seeded in (("sealed", sealed), ("plain", plain))
            }
            db.commit()
            for start in range(0, args.votes, ROUND):
                pair = [("sealed", sealed), ("plain", plain)]
                for name, seeded in pair if start // ROUND % 2 else pair[::-1]:
                    election = elections[name]
                    assert election is not None
                    for number in range(start, min(start + ROUND, args.votes)):
                        voter_id, code = seeded.credentials[number]
                        ids = seeded.candidate_ids
                        began = time.perf_counter()
                        cast(
                            db,
                            keys,
                            election=election,
                            voter_id=voter_id,
                            code=code,
                            choices=[ids[number % 5], ids[(number + 1) % 5]],
                            channel=Channel.ONLINE,
                            declaration_made=True,
                        )
                        timings[name].append(time.perf_counter() - began)
        engine.dispose()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    medians = {name: statistics.median(t) for name, t in timings.items()}
    print(f"{backend}; {args.votes:,} casts each, in alternating rounds of {ROUND}")
    for name, median in medians.items():
        print(f"{name}: median {median * 1000:.2f} ms per cast")
    print(f"sealed / plain: {medians['sealed'] / medians['plain']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
