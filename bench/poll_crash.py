"""Crash and close of poll under load.

1. Crash: simulated voters post ballots; a third of the way through, the server's whole process
   group is killed with SIGKILL and started again, and the voters carry on (a voter whose request
   failed presses the button again). Afterwards: every ballot that got a receipt is in the ballot
   table (by its receipt hash), the number of ballots equals the number of voters marked voted,
   and no voter ID was accepted twice.
2. Close of poll: a second election closes a few seconds into a run. Ballots have no timestamps,
   so the check is on the answers: every accepted ballot was answered before the end of the
   closing second, and the ballots stored equal the receipts issued.

    python bench/poll_crash.py [--quick] [--database-url postgresql+psycopg://...] [--workers 2]

A PostgreSQL database given here is emptied first: use a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_common import (
    Seeded,
    Server,
    database_counts,
    machine_info,
    scratch_database,
    seed,
    vote_crowd,
    workdir,
)

from governance.elections.ballot_box import receipt_hash


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, 20,000 voters")
    parser.add_argument("--seconds", type=float, default=None, help="length of the crash run")
    parser.add_argument("--voters", type=int, default=None, help="concurrent simulated voters")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied); else SQLite")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (6.0 if args.quick else 30.0)
    args.voters = args.voters or (50 if args.quick else 200)
    if args.workers is None:
        args.workers = 2 if args.database_url else 1
    return args


def crash_run(args: argparse.Namespace, url: str, scratch: Path) -> bool:
    seeded = seed(url, 20_000, closes_in=timedelta(days=1))
    server = Server(url, scratch, args.workers)
    server.start()
    kill_at = args.seconds / 3
    restarted: list[float] = []

    def crash() -> None:
        time.sleep(kill_at)
        server.kill()
        began = time.monotonic()
        server.start()
        restarted.append(time.monotonic() - began)

    killer = threading.Thread(target=crash)
    killer.start()
    try:
        tally, elapsed = asyncio.run(
            vote_crowd(
                server.base,
                seeded,
                iter(enumerate(seeded.credentials)),
                voters=args.voters,
                seconds=args.seconds,
                retry_until=time.monotonic() + args.seconds + 30,
            )
        )
    finally:
        killer.join()
        server.stop()
    ballots, voted, hashes = database_counts(url, seeded.election_id)
    issued = Counter(receipt[0] for receipt in tally.receipts)
    missing = [r[1] for r in tally.receipts if receipt_hash(r[1]) not in hashes]
    twice = [v for v, n in issued.items() if n > 1]
    print(
        f"crash: SIGKILL at {kill_at:.1f} s, back in {restarted[0]:.1f} s; "
        f"{len(tally.receipts):,} receipts in {elapsed:.1f} s; "
        f"{tally.errors} failed requests (retried); answers {dict(sorted(tally.statuses.items()))}"
    )
    print(
        f"  database: {ballots:,} ballots, {voted:,} voters marked voted; receipts missing "
        f"from the table: {len(missing)}; voter IDs accepted twice: {len(twice)}; ballots "
        f"whose answer was lost in the crash: {ballots - len(tally.receipts)}"
    )
    return not missing and not twice and ballots == voted and ballots >= len(tally.receipts)


def close_run(args: argparse.Namespace, url: str, scratch: Path) -> bool:
    closes_in = 3.0 if args.quick else 10.0
    seeded: Seeded = seed(url, 20_000, closes_in=timedelta(days=1), slug="close")
    server = Server(url, scratch, args.workers)
    server.start()
    try:
        # The server reads the close from the database on every vote, so it can be set now.
        close_at = _set_close(url, seeded, datetime.now(UTC) + timedelta(seconds=closes_in))
        tally, _elapsed = asyncio.run(
            vote_crowd(
                server.base,
                seeded,
                iter(enumerate(seeded.credentials)),
                voters=args.voters,
                seconds=closes_in + 2,
            )
        )
    finally:
        server.stop()
    ballots, voted, _hashes = database_counts(url, seeded.election_id)
    close = close_at.timestamp()
    answered = [r[3] for r in tally.receipts]
    sent_after = [r for r in tally.receipts if r[2] >= close]
    after_second = [at for at in answered if at >= close + 1.0]
    last = f"{max(answered) - close:+.3f} s" if answered else "none"
    print(
        f"close of poll: {len(answered):,} receipts, {tally.statuses.get(409, 0):,} refused as "
        f"poll-closed; last receipt answered {last} from the close; answered after the closing "
        f"second: {len(after_second)}; receipts for requests sent after the close: "
        f"{len(sent_after)}"
    )
    print(f"  database: {ballots:,} ballots, {voted:,} voters marked voted")
    # A slow answer can arrive after the closing second on a loaded machine; a receipt for a
    # request sent after the close, or a ballot without a receipt, would be a real failure.
    return bool(answered) and not sent_after and ballots == len(answered) == voted


def _set_close(url: str, seeded: Seeded, close: datetime) -> datetime:
    from sqlmodel import Session

    from governance.db import make_engine
    from governance.elections.models import Election

    engine = make_engine(url)
    with Session(engine) as db:
        election = db.get(Election, seeded.election_id)
        assert election is not None
        election.poll_close_at = close
        db.add(election)
        db.commit()
    engine.dispose()
    return close


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print(machine_info())
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}, {args.workers} worker(s), {args.voters} concurrent clients")
    with workdir() as scratch:
        url = scratch_database(args.database_url, Path(scratch))
        crashed_ok = crash_run(args, url, Path(scratch))
        closed_ok = close_run(args, url, Path(scratch))
    print("all checks passed" if crashed_ok and closed_ok else "CHECKS FAILED")
    return 0 if crashed_ok and closed_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
