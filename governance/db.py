"""Storage: engine, per-request sessions, the constraint naming convention, an aware UTC type.

SQLite is the embedded default (one process); PostgreSQL is the scale-out path. Nothing here
assumes a single process except the SQLite engine options.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: MetaData = SQLModel.metadata
metadata.naming_convention = NAMING_CONVENTION


TEST_NOW_VARIABLE = "GOVERNANCE_TEST_NOW"


class Clock:
    """The service's clock: the real UTC time, shifted by two amounts that are zero in service.

    ``pinned`` makes a test run start at a stated instant (the test harness sets it, and so does
    ``GOVERNANCE_TEST_NOW`` in a process whose ``GOVERNANCE_ENV`` is ``test``); ``offset`` is
    moved by tests to run a timetable in seconds. Nothing else touches either.
    """

    pinned: timedelta = timedelta(0)
    offset: timedelta = timedelta(0)

    @classmethod
    def pin(cls, moment: datetime) -> None:
        """Make ``utcnow()`` read ``moment`` now (and run on from it), with no travel offset."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("the clock is pinned to an aware instant")
        cls.pinned = moment.astimezone(UTC) - datetime.now(UTC)
        cls.offset = timedelta(0)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset (``Z`` accepted), as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset; write it as 2028-02-29T18:00:00Z")
    return moment.astimezone(UTC)


def pin_clock_from_environment(env: Mapping[str, str] = os.environ) -> None:
    """In the test environment only, start the clock at ``GOVERNANCE_TEST_NOW`` if it is set.

    Subprocesses that tests start (the command line, a served app) read it so that they share
    the test's stated instant; a development or production process never looks at it.
    """
    text = env.get(TEST_NOW_VARIABLE, "").strip()
    if text and env.get("GOVERNANCE_ENV", "").strip().lower() == "test":
        Clock.pin(parse_instant(text))


def utcnow() -> datetime:
    """The current time, aware, in UTC: the only clock the services read."""
    return datetime.now(UTC) + Clock.pinned + Clock.offset


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC. Naive values are refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given where an aware UTC time is needed")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONDoc(TypeDecorator[Any]):
    """JSON stored with sorted keys so equal documents compare and hash equally."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(json.dumps(value, sort_keys=True, default=str))


def make_engine(url: str, *, echo: bool = False, pool_size: int = 20) -> Engine:
    """An engine with the options each backend needs.

    PostgreSQL: a fixed pool of ``pool_size`` connections, kept open. No overflow: a connection
    opened beyond the pool is closed again when returned, and under load that means a new
    server process for nearly every request. A request that finds the pool busy waits for a
    connection (up to 30 s) instead.
    """
    if url.startswith("sqlite"):
        memory = url in {"sqlite://", "sqlite:///:memory:"}
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if not memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=30,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, issue BEGIN so that writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start, so two transactions that read then write
    # (conditional updates, the audit chain) queue instead of failing with "database is locked".
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_scope(engine: Engine) -> Iterator[Session]:
    """One session, closed afterwards; services commit their own transaction."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def dialect_name(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def upsert_insert(session: Session, table: Table) -> Any:
    """An INSERT on ``table`` in the session's dialect, so that ``on_conflict_do_update`` and
    ``on_conflict_do_nothing`` (which SQLite and PostgreSQL spell alike) can follow."""
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    return dialect.insert(table)


pin_clock_from_environment()
