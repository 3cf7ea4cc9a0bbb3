"""The references and emails earlier rows of an import used, kept in a temporary table.

Finding a row that repeats an earlier one needs every key seen so far. Holding them in memory
would make an import's memory grow with its file, so they live in a temporary table of the
import's own connection instead; memory holds one batch's keys at a time. The table goes with
the transaction (PostgreSQL) or is emptied when a pass starts (SQLite).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, literal_column, select, text
from sqlmodel import Session

from governance.members import bulk

TABLE = "register_import_seen"


class SeenKeys:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._batch: dict[str, int] = {}
        self._new: dict[str, int] = {}
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text(
                    f"CREATE TEMP TABLE IF NOT EXISTS {TABLE} "
                    "(key TEXT PRIMARY KEY, row_number INTEGER NOT NULL) ON COMMIT DROP"
                )
            )
        else:
            session.execute(
                text(
                    f"CREATE TEMP TABLE IF NOT EXISTS {TABLE} "
                    "(key TEXT PRIMARY KEY, row_number INTEGER NOT NULL)"
                )
            )
        session.execute(text(f"DELETE FROM {TABLE}"))  # noqa: S608

    def load(self, keys: Iterable[str]) -> None:
        """Read which of the next batch's keys earlier batches used."""
        self.flush()
        wanted = list(set(keys))
        self._batch = {}
        if wanted:
            key: ColumnElement[str] = literal_column("key")
            number: ColumnElement[int] = literal_column("row_number")
            query = (
                select(key, number)
                .select_from(text(TABLE))
                .where(bulk.one_of(self.session, key, wanted))
            )
            rows = self.session.execute(query).all()
            self._batch = {str(k): int(row) for k, row in rows}

    def first_use(self, key: str, row: int) -> int | None:
        """The earlier row that used ``key``, or None (and ``row`` becomes its first use)."""
        earlier = self._batch.get(key)
        if earlier is None:
            self._batch[key] = row
            self._new[key] = row
        return earlier

    def flush(self) -> None:
        if self._new:
            bulk.insert_many_raw(
                self.session, TABLE, ("key", "row_number"), list(self._new.items())
            )
            self._new = {}
