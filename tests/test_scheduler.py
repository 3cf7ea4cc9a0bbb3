"""The scheduler: one per deployment (file lock or advisory lock), jobs that survive failures."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance import scheduler
from governance.scheduler import Scheduler, SchedulerLock, job, load_jobs, run_all_once
from governance.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, scheduler.Job]:
    """A private copy of the job registry, so test jobs do not leak into other tests."""
    jobs = dict(load_jobs())
    monkeypatch.setattr(scheduler, "JOBS", jobs)
    return jobs


@pytest.fixture
def schedulers(engine: Engine, settings: Settings) -> Iterator[list[Scheduler]]:
    """Scheduler instances made by a test, all stopped afterwards."""
    made: list[Scheduler] = []
    yield made
    for instance in made:
        instance.stop()


def new_scheduler(made: list[Scheduler], engine: Engine, settings: Settings) -> Scheduler:
    instance = Scheduler(engine, settings)
    made.append(instance)
    return instance


def wait_for(condition: threading.Event, seconds: float = 15) -> bool:
    return condition.wait(timeout=seconds)


def test_every_domain_job_is_registered() -> None:
    assert "mail.deliver" in load_jobs()


def test_only_one_scheduler_takes_the_lock(
    engine: Engine, settings: Settings, schedulers: list[Scheduler], registry: dict
) -> None:
    registry.clear()
    first = new_scheduler(schedulers, engine, settings)
    second = new_scheduler(schedulers, engine, settings)
    assert first.start() is True
    assert second.start() is False
    assert first.running and not second.running


def test_the_lock_is_released_on_stop(
    engine: Engine, settings: Settings, schedulers: list[Scheduler], registry: dict
) -> None:
    registry.clear()
    first = new_scheduler(schedulers, engine, settings)
    second = new_scheduler(schedulers, engine, settings)
    assert first.start()
    first.stop()
    assert not first.running
    assert second.start() is True


def test_the_lock_is_released_when_its_process_dies(engine: Engine, settings: Settings) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from governance.db import make_engine\n"
            "from governance.scheduler import SchedulerLock\n"
            "from governance.settings import Settings\n"
            "s = Settings(environment='test', data_dir=Path(sys.argv[1]),"
            " database_url=sys.argv[2], secret_key='k' * 40)\n"
            "lock = SchedulerLock(make_engine(s.database_url), s)\n"
            "print('locked' if lock.acquire() else 'busy', flush=True)\n"
            "time.sleep(120)\n",
            str(settings.data_dir),
            settings.database_url,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        lock = SchedulerLock(engine, settings)
        assert lock.acquire() is False
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 15
    while not lock.acquire():
        assert time.monotonic() < deadline, "the dead process's lock was never released"
        time.sleep(0.1)
    lock.release()


def test_run_all_once_runs_every_registered_job(
    engine: Engine, settings: Settings, registry: dict
) -> None:
    ran: list[str] = []

    @job("test.first", seconds=60)
    def first(engine: Engine, settings: Settings) -> None:
        ran.append("first")

    @job("test.second", seconds=60)
    def second(engine: Engine, settings: Settings) -> None:
        ran.append("second")

    run_all_once(engine, settings)
    assert ran == ["first", "second"]


def test_a_failing_job_does_not_stop_the_others(
    engine: Engine, settings: Settings, registry: dict, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    @job("test.broken", seconds=60)
    def broken(engine: Engine, settings: Settings) -> None:
        raise RuntimeError("the job broke")

    @job("test.after", seconds=60)
    def after(engine: Engine, settings: Settings) -> None:
        ran.append("after")

    with caplog.at_level(logging.ERROR, logger="governance.scheduler"):
        run_all_once(engine, settings)
    assert ran == ["after"]
    assert "test.broken failed" in caplog.text


def test_a_started_scheduler_runs_its_jobs_and_survives_a_failure(
    engine: Engine, settings: Settings, schedulers: list[Scheduler], registry: dict
) -> None:
    registry.clear()
    failures = 0
    failed_twice = threading.Event()
    healthy_ran = threading.Event()

    @job("test.fails", seconds=1)
    def fails(engine: Engine, settings: Settings) -> None:
        nonlocal failures
        failures += 1
        if failures >= 2:
            failed_twice.set()
        raise RuntimeError("scheduled failure")

    @job("test.healthy", seconds=3600)
    def healthy(engine: Engine, settings: Settings) -> None:
        healthy_ran.set()

    runner = new_scheduler(schedulers, engine, settings)
    assert runner.start()
    assert wait_for(healthy_ran), "jobs run as soon as the scheduler starts"
    assert wait_for(failed_twice), "a job that raised is run again at its next time"
    assert runner.running
