"""How long ``governance demo`` takes to build its history on a fresh database.

Migrates a scratch SQLite file (or empties the PostgreSQL database given) and runs the same
build the command runs, for each ``--members`` count, printing the seconds each took and what
was made. The newcomer's first hour starts with this wait.

    python bench/demo_build.py [--members 60 120 300] [--database-url postgresql+psycopg://...]

A PostgreSQL database given here is emptied first: use a scratch one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from poll_common import scratch_database
from sqlmodel import Session, func, select

from governance import audit
from governance.db import make_engine
from governance.demo import build
from governance.elections.models import Ballot
from governance.mail import OutboxMessage
from governance.migrate import upgrade
from governance.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[60, 120, 300])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for n in args.members:
            url = scratch_database(args.database_url, Path(scratch), f"demo-{n}.db")
            upgrade(url)
            settings = Settings(
                environment="development",
                data_dir=Path(scratch) / f"data-{n}",
                database_url=url,
                secret_key="bench-" + "k" * 40,
                base_url="http://127.0.0.1:8000",
                run_scheduler=False,
            )
            audit.configure(settings.secret_key)
            engine = make_engine(url)
            started = time.perf_counter()
            build(engine, settings, members=n)
            took = time.perf_counter() - started
            with Session(engine) as session:
                ballots = session.exec(select(func.count()).select_from(Ballot)).one()
                mail = session.exec(select(func.count()).select_from(OutboxMessage)).one()
            engine.dispose()
            kind = "PostgreSQL" if args.database_url else "SQLite"
            print(f"{kind}: {n} members per organisation: built in {took:.1f} s "
                  f"({ballots} ballots, {mail} e-mails)")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
