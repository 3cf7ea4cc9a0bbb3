"""Periodic work: APScheduler 3 wiring, and the lock that keeps it to one per deployment.

Each domain registers its jobs with :func:`job`. Jobs read what is due from the database and act
with conditional updates, so running one twice, late, or after a restart does no harm; the job
store can therefore live in memory. Exactly one scheduler runs: on PostgreSQL the process that
holds a session-level advisory lock, on SQLite the process holding a file lock beside the data.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from governance.settings import Settings

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x60B5C4ED  # any constant; identifies "the governance scheduler"

JobFunc = Callable[[Engine, Settings], Any]


@dataclass(frozen=True)
class Job:
    id: str
    func: JobFunc
    seconds: int


JOBS: dict[str, Job] = {}


def job(job_id: str, *, seconds: int) -> Callable[[JobFunc], JobFunc]:
    """Register a periodic job: ``func(engine, settings)`` every ``seconds``."""

    def register(func: JobFunc) -> JobFunc:
        JOBS[job_id] = Job(job_id, func, seconds)
        return func

    return register


class SchedulerLock:
    """Held for the scheduler's lifetime; released when the process ends, however it ends."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
            connection.commit()
            if got:
                self._connection = connection
                return True
            connection.close()
            return False
        path = Path(self.settings.data_dir) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                self._connection.commit()
            self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def load_jobs() -> dict[str, Job]:
    """Import every module that registers jobs, then return the registry."""
    from governance import jobs  # noqa: F401  (imports each domain's job module)

    return JOBS


def run_job_safely(found: Job, engine: Engine, settings: Settings) -> bool:
    """Run one job; a failure is logged (with its trace) and reported as False."""
    try:
        found.func(engine, settings)
    except Exception:
        log.exception("scheduled job %s failed; it will run again at its next time", found.id)
        return False
    return True


def run_all_once(engine: Engine, settings: Settings) -> dict[str, bool]:
    """Run every job once, in registration order (the CLI and tests use this); whether each
    succeeded, by job id."""
    return {found.id: run_job_safely(found, engine, settings) for found in load_jobs().values()}


def every(seconds: int) -> str:
    """``15 s``, ``5 min``, ``6 h``: a job's interval as the log shows it."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class Scheduler:
    """A background scheduler that only starts if it wins the deployment-wide lock."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.lock = SchedulerLock(engine, settings)
        self._scheduler: BackgroundScheduler | None = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> bool:
        if not self.lock.acquire():
            log.info("another process runs the scheduler; this one will not")
            return False
        scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
        )
        jobs = load_jobs()
        for found in jobs.values():
            log.info("job %s runs every %s", found.id, every(found.seconds))
            scheduler.add_job(
                run_job_safely,
                "interval",
                seconds=found.seconds,
                args=(found, self.engine, self.settings),
                id=found.id,
                replace_existing=True,
                # APScheduler keeps wall-clock time: first runs are due now by the machine's
                # clock, whatever the service clock reads.
                next_run_time=datetime.now(UTC),
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started with %d jobs", len(jobs))
        return True

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.lock.release()
