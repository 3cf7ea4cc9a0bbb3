"""Bulk loading for imports: ``executemany`` on the driver, and a roomier SQLite page cache.

SQLAlchemy processes every parameter of every row of an ``executemany`` in Python, which
costs more than SQLite's own insert. Imports therefore hand rows, already in the form the
database stores, straight to the driver through ``exec_driver_sql``: dates and times become
the text SQLite keeps (the same text SQLAlchemy's types write and read); PostgreSQL's driver
takes Python values as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    String,
    Table,
    any_,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from governance.db import UTCDateTime

SQLITE_CACHE_KIB = 64 * 1024


def prepare(session: Session) -> None:
    """Ready this connection for a load in the current transaction.

    SQLite: a larger page cache (this connection only; SQLite file connections are not
    pooled). PostgreSQL: plan every statement afresh until the transaction ends. The driver
    prepares a statement it has run five times, and the server may then keep one generic plan
    for it, made while the table was still small; a lookup by reference would then scan the
    whole growing table once a batch, so a large load into an empty register took hours.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
    elif dialect == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_datetimes() -> Callable[[datetime | None], str | None]:
    """A converter to UTCDateTime's stored text; rows of a batch share their timestamps, so
    each distinct value is converted once."""
    seen: dict[datetime, str] = {}

    def convert(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = seen.get(value)
        if text is None:
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            seen[value] = text
        return text

    return convert


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys): one ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL (its driver would otherwise make a round trip for each row)."""
    if not rows:
        return
    names = list(rows[0])
    pick = itemgetter(*names)
    if session.get_bind().dialect.name == "postgresql":
        insert_many_raw(session, table.name, names, [pick(row) for row in rows])
        return
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        kind = table.c[name].type
        if isinstance(kind, UTCDateTime | DateTime):
            converters.append((position, _sqlite_datetimes()))
        elif isinstance(kind, Date):
            converters.append((position, _sqlite_date))
    values = []
    for row in rows:
        cells = list(pick(row))
        for position, convert in converters:
            cells[position] = convert(cells[position])
        values.append(tuple(cells))
    insert_many_raw(session, table.name, names, values)


def _copy(session: Session, table: str, names: Sequence[str], values: Sequence[Any]) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN``, through psycopg, in the session's transaction."""
    driver: Any = session.connection().connection.dbapi_connection
    columns = ", ".join(f'"{name}"' for name in names)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for row in values:
            copy.write_row(row if isinstance(row, tuple) else (row,))


def refresh_statistics(session: Session) -> None:
    """After a large load, let the query planner see the tables' new shape (its statistics
    would otherwise describe the register as it was, possibly empty)."""
    session.execute(text("ANALYZE member"))
    session.execute(text("ANALYZE membership_period"))
    session.commit()


def insert_many_raw(
    session: Session, table: str, names: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows of values already in stored form into ``table`` in one driver
    ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). Table and column names come from the
    code, never from input."""
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, names, values)
        return
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(names)
    markers = ", ".join(marker for _ in names)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({columns}) VALUES ({markers})",  # noqa: S608
        list(values),
    )


def one_of(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values`` with the values in one bound parameter (a JSON array on SQLite,
    an array on PostgreSQL): SQLAlchemy renders a long ``IN`` list one parameter at a time,
    which costs more than the look-up itself for an import's batches."""
    if session.get_bind().dialect.name == "postgresql":
        matched: ColumnElement[bool] = column == any_(literal(list(values), ARRAY(String)))
        return matched
    value: ColumnElement[str] = literal_column("value")
    each = select(value).select_from(func.json_each(literal(json.dumps(values))))
    inside: ColumnElement[bool] = column.in_(each)
    return inside
