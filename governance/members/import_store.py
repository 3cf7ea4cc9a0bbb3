"""Storing an uploaded register file and its dry-run report in the database, in pieces.

The upload is read once, as it arrives: each piece is hashed and stored while the CSV parser
reads it, so nothing holds the whole file. The apply step reads the stored pieces back in order
(every app process can, whichever took the upload), and checks they hash to the same value.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy import Table, delete, insert, select
from sqlmodel import Session

from governance import spreadsheet
from governance.members.models import ImportChunk

CHUNK_SIZE = 1 << 20
UPLOAD = "upload"
REPORT = "report"
REPORT_COLUMNS = ("row", "action", "reference", "reason", "message")

CHUNKS: Table = ImportChunk.__table__  # type: ignore[attr-defined]


class StoringReader(io.RawIOBase):
    """Reads ``source``, hashing everything and storing it as chunks of ``import_id``."""

    def __init__(
        self,
        source: IO[bytes],
        session: Session,
        import_id: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.source = source
        self.session = session
        self.import_id = import_id
        self.progress = progress
        self.hash = hashlib.sha256()
        self.size = 0
        self._pending = bytearray()
        self._seq = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        if not data:
            self._flush()
            return 0
        buffer[: len(data)] = data
        self.hash.update(data)
        self.size += len(data)
        self._pending += data
        if len(self._pending) >= CHUNK_SIZE:
            self._flush()
        if self.progress:
            self.progress(len(data))
        return len(data)

    def _flush(self) -> None:
        if not self._pending:
            return
        self.session.execute(
            insert(CHUNKS),
            {
                "import_id": self.import_id,
                "kind": UPLOAD,
                "seq": self._seq,
                "data": bytes(self._pending),
            },
        )
        self._seq += 1
        self._pending.clear()


class StoredReader(io.RawIOBase):
    """Reads back the stored chunks of one kind, in order, one chunk in memory at a time."""

    def __init__(
        self,
        session: Session,
        import_id: int,
        kind: str = UPLOAD,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.session = session
        self.import_id = import_id
        self.kind = kind
        self.progress = progress
        self.hash = hashlib.sha256()
        self._seq = 0
        self._data = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._offset >= len(self._data):
            found = self.session.execute(
                select(CHUNKS.c.data).where(
                    CHUNKS.c.import_id == self.import_id,
                    CHUNKS.c.kind == self.kind,
                    CHUNKS.c.seq == self._seq,
                )
            ).scalar()
            if found is None:
                return 0
            self._data, self._offset = bytes(found), 0
            self._seq += 1
            self.hash.update(self._data)
        piece = self._data[self._offset : self._offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._offset += len(piece)
        if self.progress:
            self.progress(len(piece))
        return len(piece)


class ReportWriter:
    """Report lines, gzip-compressed into a temporary file, then stored as chunks."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE)  # noqa: SIM115
        self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb", compresslevel=1)
        self._text = io.TextIOWrapper(self._gzip, encoding="utf-8", newline="")
        self._csv = spreadsheet.writer(self._text)
        self._csv.writerow(REPORT_COLUMNS)

    def write(self, row: int, action: str, reference: str, reason: str, message: str) -> None:
        self._csv.writerow((row, action, reference, reason, message))

    def store(self, session: Session, import_id: int) -> None:
        self._text.flush()
        self._text.detach()
        self._gzip.close()
        self._file.seek(0)
        seq = 0
        while piece := self._file.read(CHUNK_SIZE):
            session.execute(
                insert(CHUNKS),
                {"import_id": import_id, "kind": REPORT, "seq": seq, "data": piece},
            )
            seq += 1
        self._file.close()


def report_lines(session: Session, import_id: int) -> Iterator[dict[str, str]]:
    """The stored report, line by line."""
    raw = StoredReader(session, import_id, REPORT)
    with gzip.GzipFile(fileobj=io.BufferedReader(raw), mode="rb") as unzipped:
        text = io.TextIOWrapper(unzipped, encoding="utf-8", newline="")
        for line in csv.DictReader(text):
            yield {name: spreadsheet.restore(value) for name, value in line.items()}


def report_csv(session: Session, import_id: int) -> Iterator[bytes]:
    """The stored report as CSV bytes (UTF-8 with a byte-order mark, for spreadsheets)."""
    raw = StoredReader(session, import_id, REPORT)
    yield b"\xef\xbb\xbf"
    with gzip.GzipFile(fileobj=io.BufferedReader(raw), mode="rb") as unzipped:
        while piece := unzipped.read(CHUNK_SIZE):
            yield piece


def drop_upload(session: Session, import_id: int) -> None:
    session.execute(delete(CHUNKS).where(CHUNKS.c.import_id == import_id, CHUNKS.c.kind == UPLOAD))
