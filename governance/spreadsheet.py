"""CSV cells that a spreadsheet cannot run as formulas (pure).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a name typed on the public
join form would become a live link). A plain signed number (``-26.9``) is not a formula and is
left as it is. Every CSV the service writes goes through :func:`writer`,
which puts an apostrophe before such a cell; the register import takes it off again
(:func:`restore`), so a file exported and imported again changes nothing. Files start with a
UTF-8 byte-order mark (:data:`BOM`) so that Excel reads accented names correctly.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
BOM = "\ufeff"


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def defuse(value: str) -> str:
    """The cell as a spreadsheet shows it as text (a plain signed number is left a number)."""
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return GUARD + value
    return value


def restore(value: str) -> str:
    """A cell read back from an exported file: the guard :func:`defuse` added is removed."""
    if value.startswith(GUARD) and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class _Writes(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """``csv.writer`` whose text cells are defused."""

    def __init__(self, target: _Writes, **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(
            [defuse(cell) if isinstance(cell, str) else cell for cell in row]
        )

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(target: _Writes, **options: Any) -> SafeWriter:
    return SafeWriter(target, **options)
