"""Fixed-window counters in the database: exact under concurrency, reset per window."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.auth import ratelimit
from governance.auth.models import RateLimitHit
from governance.db import utcnow
from governance.scheduler import load_jobs
from governance.settings import Settings


def test_hits_are_allowed_up_to_the_limit_in_each_window(db: Session) -> None:
    now = ratelimit.window_start(utcnow(), 60) + timedelta(seconds=5)
    results = [ratelimit.hit(db, "k", 3, 60, now=now) for _ in range(5)]
    db.commit()
    assert results == [True, True, True, False, False]
    assert ratelimit.hit(db, "other", 3, 60, now=now), "keys count separately"
    assert ratelimit.hit(db, "k", 3, 60, now=now + timedelta(seconds=60)), "a new window"


def test_concurrent_hits_are_all_counted(engine: Engine) -> None:
    now = utcnow()

    def one_hit(_: int) -> bool:
        with Session(engine) as session:
            allowed = ratelimit.hit(session, "shared", 10, 3600, now=now)
            session.commit()
            return allowed

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one_hit, range(24)))
    assert results.count(True) == 10
    with Session(engine) as session:
        row = session.exec(select(RateLimitHit).where(RateLimitHit.key == "shared")).one()
        assert row.count == 24


def test_cleanup_removes_old_windows_only(db: Session) -> None:
    now = utcnow()
    ratelimit.hit(db, "old", 5, 60, now=now - timedelta(days=2))
    ratelimit.hit(db, "new", 5, 60, now=now)
    db.commit()
    assert ratelimit.cleanup(db, now=now) == 1
    assert [row.key for row in db.exec(select(RateLimitHit)).all()] == ["new"]


def test_the_cleanup_job_is_registered() -> None:
    jobs = load_jobs()
    assert jobs["auth.ratelimit_cleanup"].seconds == 3600
    assert "auth.expired_cleanup" in jobs


def test_the_cleanup_jobs_run(engine: Engine, settings: Settings) -> None:
    from governance.auth.jobs import expired_cleanup, ratelimit_cleanup

    with Session(engine) as session:
        ratelimit.hit(session, "ancient", 1, 60, now=utcnow() - timedelta(days=3))
        session.commit()
    ratelimit_cleanup(engine, settings)
    expired_cleanup(engine, settings)
    with Session(engine) as session:
        assert session.exec(select(RateLimitHit)).all() == []
