"""Fixed-window rate limits kept in the database, so every worker shares the same counters.

Each hit is one atomic statement: insert the (key, window) row with count 1, or add one to it,
and read the new count back. On PostgreSQL the upsert takes the row lock; on SQLite the write
lock taken at BEGIN IMMEDIATE serialises writers. Keys never hold an email address in clear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from governance import audit
from governance.auth.models import RateLimitHit
from governance.db import upsert_insert, utcnow
from governance.errors import Problem
from governance.security import Keys

KEEP_WINDOWS_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts per ``window`` seconds for one key."""

    name: str
    limit: int
    window: int


CODE_PER_ACCOUNT = Limit("code:account", 5, 5 * 60)
PASSWORD_CHANGE_PER_ACCOUNT = Limit("password-change:account", 10, 15 * 60)
MAGIC_LINK_PER_EMAIL = Limit("magic-link:email", 5, 60 * 60)
MAGIC_LINK_PER_IP = Limit("magic-link:ip", 30, 60 * 60)


class RateLimited(Problem):
    """Too many attempts: 429, with the seconds until the window ends in Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "rate-limited",
            "There have been too many attempts. Wait a few minutes and try again.",
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def window_start(now: datetime, window: int) -> datetime:
    seconds = int(now.timestamp()) // window * window
    return datetime.fromtimestamp(seconds, UTC)


def hit(
    session: Session, key: str, limit: int, window: int, *, now: datetime | None = None
) -> bool:
    """Count one attempt for ``key``; True while the window's count is within ``limit``.

    Runs in the caller's transaction: commit it (refused attempts too, so they keep counting).
    """
    return count_hit(session, key, window, now=now or utcnow()) <= limit


def count_hit(session: Session, key: str, window: int, *, now: datetime) -> int:
    """Add one to the counter for ``key`` in the window containing ``now``; the new count."""
    table = RateLimitHit.__table__  # type: ignore[attr-defined]
    statement = (
        upsert_insert(session, table)
        .values(key=key, window_start=window_start(now, window), count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"count": table.c.count + 1},
        )
        .returning(table.c.count)
    )
    return int(session.execute(statement).scalar_one())


def subject_key(keys: Keys, limit: Limit, subject: str) -> str:
    """The counter key for ``subject`` (an email, IP or account id), keyed so it is not stored."""
    return f"{limit.name}:{keys.token_hmac(subject.lower(), 'ratelimit')[:40]}"


def enforce(
    session: Session,
    keys: Keys,
    limit: Limit,
    subject: str,
    *,
    actor: str = "anonymous",
    detail: dict[str, object] | None = None,
    now: datetime | None = None,
) -> None:
    """Count an attempt; over the limit, audit it (once per window), commit and raise 429."""
    now = now or utcnow()
    count = count_hit(session, subject_key(keys, limit, subject), limit.window, now=now)
    if count <= limit.limit:
        return
    if count == limit.limit + 1:
        audit.record(
            session,
            actor=actor,
            action="auth.rate_limited",
            object_type="rate_limit",
            object_id=limit.name,
            detail=detail or {},
        )
    session.commit()
    ends = window_start(now, limit.window) + timedelta(seconds=limit.window)
    raise RateLimited(max(1, math.ceil((ends - now).total_seconds())))


def cleanup(session: Session, *, now: datetime | None = None) -> int:
    """Delete counters for windows that ended long ago; the number removed."""
    cutoff = (now or utcnow()) - KEEP_WINDOWS_FOR
    result = session.execute(delete(RateLimitHit).where(col(RateLimitHit.window_start) < cutoff))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
