"""Searching the register: p50 and p95 times for name prefixes, emails and postcodes.

Loads ``--rows`` members (200,000; ``--quick``: 2,000) through the import, then runs
``--queries`` searches of each kind (300; ``--quick``: 30) through the same function the
register page and API use, each in its own transaction, and prints the 50th and 95th
percentile times. The target is a p95 under 50 ms with 200,000 members.
``--postgres URL`` runs on PostgreSQL as well; that database is emptied.

    python bench/register_search.py [--rows 200000] [--postgres postgresql+psycopg://...] [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from count_common import machine_info
from register_common import TODAY, fresh_database, make_trust, member_rows, write_csv
from sqlmodel import Session

from governance.members import importing, search


def searches(rows: int, per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Search texts drawn from the generated members (so most find someone)."""
    rng = random.Random(seed)
    sample = [r for r, _ in zip(member_rows(rows), range(rows), strict=False)]
    picks = [rng.choice(sample) for _ in range(per_kind)]
    return {
        "surname prefix (3 letters)": [p[2][:3] for p in picks],
        "first name + surname prefix": [f"{p[1]} {p[2][:2]}" for p in picks],
        "email": [p[3] for p in picks],
        "postcode": [p[9] for p in picks],
        "postcode sector": [p[9][:-2] for p in picks],
        "member number": [p[0] for p in picks],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(label: str, postgres: str | None, workdir: Path, rows: int, per_kind: int) -> None:
    source = workdir / "members.csv"
    engine = fresh_database(postgres, workdir, "search.db")
    with Session(engine, expire_on_commit=False) as session:
        org = make_trust(session)
        with source.open("rb") as handle:
            found = importing.check(
                session, org, handle, filename="m.csv", actor="bench", today=TODAY
            )
        importing.apply(
            session, org, found.id or 0, fingerprint_given=importing.fingerprint(found),
            actor="bench", today=TODAY,
        )  # fmt: skip
        organisation_id = org.id or 0
    print(f"{label}: {rows:,} members, {per_kind} searches of each kind, first page of 50")
    everything: list[float] = []
    with Session(engine) as session:
        for kind, texts in searches(rows, per_kind).items():
            times = []
            hits = 0
            for text in texts:
                start = time.perf_counter()
                results = search.search(session, organisation_id, text, today=TODAY)
                times.append((time.perf_counter() - start) * 1000)
                session.commit()
                hits += bool(results)
            everything += times
            print(
                f"  {kind:30} p50 {statistics.median(times):6.1f} ms   "
                f"p95 {percentile(times, 0.95):6.1f} ms   found something {hits}/{len(texts)}"
            )
    p50, p95 = statistics.median(everything), percentile(everything, 0.95)
    print(f"  {'all searches':30} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL database (emptied)"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 members, 30 searches each")
    args = parser.parse_args(argv)
    rows, per_kind = (2_000, 30) if args.quick else (args.rows, args.queries)
    print(machine_info())
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        write_csv(workdir / "members.csv", rows)
        measure("SQLite", None, workdir, rows, per_kind)
        if args.postgres:
            measure("PostgreSQL", args.postgres, workdir, rows, per_kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
