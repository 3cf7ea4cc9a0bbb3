"""Importing a register: rows per second for the dry run and the apply step, against a bare
batched insert of the same rows into the same tables.

Generates ``--rows`` members (200,000; ``--quick``: 2,000) of a trust with public, staff and
patient constituencies, then on a fresh database each time:

1. the bare insert: the rows already parsed into column values, inserted into ``member`` and
   ``membership_period`` in batches with the import's own driver-level ``executemany``;
2. the import's dry run (reading, checking and classifying the file, storing it and the report);
3. the import's apply step (the same classification again, then the writes), one transaction.

Prints rows/s for each, the ratio of the apply to the bare insert, and the process's peak
memory. ``--postgres URL`` runs on PostgreSQL as well as SQLite; that database is emptied.

    python bench/register_import.py [--rows 200000] [--postgres postgresql+psycopg://...] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from count_common import machine_info
from register_common import TODAY, fresh_database, make_trust, write_csv
from sqlalchemy import select
from sqlmodel import Session

from governance.db import utcnow
from governance.members import bulk, configuration, history, importing
from governance.members.classify import BATCH
from governance.members.importing import MEMBERS
from governance.members.normalise import postcode_key, search_key


class Timing:
    """Wall-clock and process CPU seconds of a ``with`` block. On a busy machine the CPU time
    says more about the code than the wall clock (PostgreSQL's own work is not in it)."""

    wall = cpu = 0.0

    def __enter__(self) -> Timing:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def bare_rows(
    path: Path, organisation_id: int, codes: dict[str, int], areas: dict[str, tuple[int, int]]
) -> list[dict[str, Any]]:
    """The file's rows as ready-made column values (what the import would write)."""
    now = utcnow()
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            area = areas.get(r["area_code"])
            constituency = area[1] if area else codes[r["constituency"]]
            rows.append(
                {
                    "organisation_id": organisation_id, "reference": r["reference"],
                    "first_name": r["first_name"], "first_name_key": search_key(r["first_name"]),
                    "last_name": r["last_name"], "last_name_key": search_key(r["last_name"]),
                    "email": r["email"], "date_of_birth": TODAY.fromisoformat(r["date_of_birth"]),
                    "address_line1": r["address_line1"], "town": r["town"],
                    "postcode": r["postcode"], "postcode_key": postcode_key(r["postcode"]),
                    "phone": r["phone"], "gender": r["gender"], "ethnicity": r["ethnicity"],
                    "deprivation_decile": int(r["deprivation_decile"]),
                    "area_id": area[0] if area else None, "status": "active", "joined_on": TODAY,
                    "contact_email": True, "contact_post": False, "contact_sms": False,
                    "hide_from_public_register": False, "created_at": now, "updated_at": now,
                    "consent_recorded_at": now, "consent_source": "import",
                    "_constituency": constituency,
                }
            )  # fmt: skip
    return rows


def bare_insert(session: Session, rows: list[dict[str, Any]]) -> None:
    bulk.prepare(session)
    now = utcnow()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        bulk.insert_many(
            session, MEMBERS, [{k: v for k, v in r.items() if k != "_constituency"} for r in batch]
        )
        ids = dict(
            session.execute(
                select(MEMBERS.c.reference, MEMBERS.c.id).where(
                    MEMBERS.c.organisation_id == batch[0]["organisation_id"],
                    MEMBERS.c.reference.in_([r["reference"] for r in batch]),
                )
            ).all()
        )
        bulk.insert_many(
            session,
            history.PERIOD,
            [
                {
                    "organisation_id": r["organisation_id"],
                    "member_id": ids[r["reference"]],
                    "constituency_id": r["_constituency"],
                    "start_date": TODAY,
                    "start_reason": "joined",
                    "recorded_at": now,
                }
                for r in batch
            ],
        )
    session.commit()


def run_import(
    postgres: str | None, workdir: Path, source: Path, rows: int
) -> tuple[Timing, Timing]:
    """Wall and CPU seconds for the dry run and for the apply step."""
    engine = fresh_database(postgres, workdir, "import.db")
    with Session(engine, expire_on_commit=False) as session:
        org = make_trust(session)
        with Timing() as checked, source.open("rb") as handle:
            found = importing.check(
                session, org, handle, filename=source.name, actor="bench", today=TODAY
            )
        assert found.created == rows, (found.created, found.refused)
        with Timing() as applied:
            importing.apply(
                session, org, found.id or 0, fingerprint_given=importing.fingerprint(found),
                actor="bench", today=TODAY,
            )  # fmt: skip
    engine.dispose()
    return checked, applied


def run_bare(postgres: str | None, workdir: Path, source: Path) -> Timing:
    engine = fresh_database(postgres, workdir, "bare.db")
    with Session(engine, expire_on_commit=False) as session:
        org = make_trust(session)
        shape = configuration.shape(session, org)
        codes = {c.code: c.id for c in shape.constituencies}
        areas = {
            a.code: (a.id or 0, a.constituency_id)
            for a in configuration.areas(session, org.id or 0)
        }
        prepared = bare_rows(source, org.id or 0, codes, areas)
        with Timing() as bare:
            bare_insert(session, prepared)
    engine.dispose()
    return bare


def reset_peak() -> None:
    """Start measuring peak memory afresh (Linux: clear_refs mode 5 resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """The process's peak resident memory since the last reset, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(work: Callable[[], list[float]]) -> list[float]:
    """Run ``work`` in a forked process that does nothing else, so that one measurement's
    memory neither counts in nor inflates another's; its figures come back through a pipe."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            reset_peak()
            os.write(writing, json.dumps([*work(), peak_mb()]).encode())
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        received = pipe.read()
    os.waitpid(pid, 0)
    if not received:
        raise RuntimeError("a measurement failed in its child process (see the output above)")
    figures: list[float] = json.loads(received)
    return figures


def timing(wall: float, cpu: float) -> Timing:
    found = Timing()
    found.wall, found.cpu = wall, cpu
    return found


def measure(label: str, postgres: str | None, workdir: Path, source: Path, rows: int) -> None:
    def importing_() -> list[float]:
        checked, applied = run_import(postgres, workdir, source, rows)
        return [checked.wall, checked.cpu, applied.wall, applied.cpu]

    def inserting() -> list[float]:
        bare = run_bare(postgres, workdir, source)
        return [bare.wall, bare.cpu]

    wall1, cpu1, wall2, cpu2, memory = in_child(importing_)
    checked, applied = timing(wall1, cpu1), timing(wall2, cpu2)
    bare_wall, bare_cpu, _ = in_child(inserting)
    bare = timing(bare_wall, bare_cpu)
    print(f"{label}: {rows:,} rows   (wall clock; CPU of the working process in brackets)")
    for name, took in (
        ("bare batched insert", bare),
        ("import dry run", checked),
        ("import apply", applied),
    ):
        print(
            f"  {name:20} {took.wall:7.2f} s {rows / took.wall:9,.0f} rows/s"
            f"   ({took.cpu:6.2f} s {rows / took.cpu:9,.0f} rows/s)"
        )
    print(f"  apply / bare insert  {bare.wall / applied.wall:.2f}   ({bare.cpu / applied.cpu:.2f})")
    ratio = f"{checked.wall / applied.wall:.2f}   ({checked.cpu / applied.cpu:.2f})"
    print(f"  dry run / apply      {ratio}   at most 1: the dry run is not slower")
    print(f"  peak memory of the importing process: {memory:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL database (emptied)"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 rows, for a smoke test")
    args = parser.parse_args(argv)
    rows = 2_000 if args.quick else args.rows
    print(machine_info())
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        source = workdir / "members.csv"
        write_csv(source, rows)
        print(f"file: {source.stat().st_size / 1e6:.1f} MB")
        measure("SQLite", None, workdir, source, rows)
        if args.postgres:
            measure("PostgreSQL", args.postgres, workdir, source, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
