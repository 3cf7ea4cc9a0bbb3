"""Large elections as arrays: the reader's merged rankings in one table, and bundles of them.

A million-paper file holds hundreds of thousands of distinct rankings. Making a Python tuple
(and a :class:`~model.Ballot`) for each costs more than counting them, so for large files the
BLT reader keeps them as one NumPy table instead (:class:`Rows`): a row per distinct ranking,
its candidates (0-based) followed by the sentinel ``n`` that closes every ranking (see
:func:`papers.route`), padded with more sentinels. The Gregory count then moves papers as
:class:`Bunch` values (row numbers, positions and paper counts as arrays) rather than lists of
bundles; it is the same count, and gives the same stages to the last digit.

Arithmetic stays exact: arrays hold only candidate numbers, positions and paper counts (whole
numbers); paper counts are summed as 64-bit integers, and every vote value (papers times a
transfer value) is worked out in Python integers, as in the rest of the engine. Tuples and
ballots are made from the table only when something asks for them.

This module imports NumPy; nothing imports this module unless a file is large enough to gain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

from governance.elections.counting.model import Ballot

Table = npt.NDArray[np.int16] | npt.NDArray[np.int32]
Ints = npt.NDArray[np.int64]

_MAX_CELLS = 200_000_000  # a table larger than this (rows x width) is not made
_MAX_DIGITS = 9  # longer numbers (a weight of a billion papers) go the general way
_SLICE = 8192  # rows turned into tuples at a time
_EXACT = 2**53  # total papers kept well inside what every intermediate step holds exactly


class Rows(Sequence[tuple[tuple[int, ...], int]]):
    """The distinct rankings of a file, merged, in first-seen order, with their weights.

    As a sequence it reads as the reader's flat rankings ``(ranking + (sentinel,), weight)``,
    made from the table when first used.
    """

    __slots__ = ("_flat", "n", "table", "weights")

    def __init__(self, table: Table, weights: Ints, n: int) -> None:
        self.table = table
        self.weights = weights
        self.n = n
        self._flat: list[tuple[tuple[int, ...], int]] | None = None

    def __len__(self) -> int:
        return len(self.weights)

    def __iter__(self) -> Iterator[tuple[tuple[int, ...], int]]:
        return iter(self.flat())

    @overload
    def __getitem__(self, index: int) -> tuple[tuple[int, ...], int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[tuple[int, ...], int]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[tuple[int, ...], int] | list[tuple[tuple[int, ...], int]]:
        return self.flat()[index]

    def flat(self) -> list[tuple[tuple[int, ...], int]]:
        """Each ranking as a flat tuple closed by the sentinel, with its weight (made once)."""
        if self._flat is None:
            n = self.n
            out: list[tuple[tuple[int, ...], int]] = []
            keep = out.append
            # A slice of rows at a time, so that the lists tolist() makes stay few.
            for first in range(0, len(self.weights), _SLICE):
                part = self.table[first : first + _SLICE]
                lengths = (part != n).sum(axis=1).tolist()
                weights = self.weights[first : first + _SLICE].tolist()
                for row, length, weight in zip(part.tolist(), lengths, weights, strict=True):
                    del row[length + 1 :]
                    keep((tuple(row), weight))
            self._flat = out
        return self._flat

    def ballots(self) -> list[Ballot]:
        """The rankings as :class:`Ballot` values, as the reader gives them."""
        singles = [(c,) for c in range(self.n)]
        get = singles.__getitem__
        new = tuple.__new__  # Ballot is a named tuple; this skips its Python-level __new__
        return [new(Ballot, (weight, tuple(map(get, flat[:-1])))) for flat, weight in self.flat()]

    def everything(self) -> Bunch:
        """All the papers, each bundle before its first preference (position -1)."""
        count = len(self.weights)
        return Bunch(
            self.table,
            np.arange(count, dtype=np.int64),
            np.full(count, -1, dtype=np.int64),
            self.weights,
        )


class Bunch:
    """Bundles of papers as arrays: for each, its row in ``table``, the position in it of the
    candidate now holding the papers, and how many papers."""

    __slots__ = ("counts", "rows", "spots", "table")

    def __init__(self, table: Table, rows: Ints, spots: Ints, counts: Ints) -> None:
        self.table = table
        self.rows = rows
        self.spots = spots
        self.counts = counts

    def __len__(self) -> int:
        return len(self.rows)

    def route(self, continuing: list[bool]) -> tuple[dict[int, Bunch], dict[int, int], int]:
        """Each bundle moved to the next candidate still ``continuing`` on its ranking: the
        bundles and papers per receiving candidate, and the papers exhausted (as
        :func:`papers.route`)."""
        end = len(continuing) - 1
        status = np.array(continuing, dtype=bool)
        table, rows = self.table, self.rows
        spots = self.spots + 1
        at = table[rows, spots]
        moving = np.flatnonzero(~status[at])
        while moving.size:
            spots[moving] += 1
            at[moving] = table[rows[moving], spots[moving]]
            moving = moving[~status[at[moving]]]
        order = np.argsort(at, kind="stable")
        held = at[order]
        edges = np.searchsorted(held, np.arange(end + 2)).tolist()
        running = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(self.counts[order], out=running[1:])
        sums = running[edges].tolist()
        bundles: dict[int, Bunch] = {}
        papers: dict[int, int] = {}
        exhausted = 0
        counts = self.counts
        for candidate in range(end + 1):
            start, stop = edges[candidate], edges[candidate + 1]
            if start == stop:
                continue
            total = sums[candidate + 1] - sums[candidate]
            if candidate == end:
                exhausted = total
                continue
            chosen = order[start:stop]
            bundles[candidate] = Bunch(table, rows[chosen], spots[chosen], counts[chosen])
            papers[candidate] = total
        return bundles, papers, exhausted

    @staticmethod
    def joined(parts: list[Bunch]) -> Bunch:
        """Several bunches as one."""
        if len(parts) == 1:
            return parts[0]
        return Bunch(
            parts[0].table,
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.spots for p in parts]),
            np.concatenate([p.counts for p in parts]),
        )


def read_lines(lines: list[str], repeats: list[int], n: int) -> tuple[Rows, int] | None:
    """The ballot lines ``weight c1 c2 ... 0`` (each distinct line once, with how often it
    appears) as merged :class:`Rows`, and the papers on empty ballots (``weight 0``).

    Only the plainest form is read here: digits, single spaces, no number with a leading
    zero. Any other line (a tab, a carriage return, a blank line, a candidate out of range, a
    repeated candidate, a missing closing 0, ...) gives ``None``, and the caller reads the
    lines the general way, which says exactly what is wrong and where.
    """
    if not lines or "" in lines:
        return None
    text = "\n".join(lines)
    data = np.frombuffer((text + "\n").encode("ascii"), dtype=np.uint8)
    del text
    # Each token is followed by exactly one space or newline: the separators are every byte
    # up to the space (the caller has let through only digits, spaces, tabs and carriage
    # returns), and a tab, a carriage return, a leading space or two separators in a row (an
    # empty token) leave the file to the general reading. Positions fit 32 bits: a file of
    # 2 GB would not be read into memory in the first place.
    ends = np.flatnonzero(data <= 32).astype(np.int32)
    separators = data[ends]
    breaks = separators == 10
    if not (breaks | (separators == 32)).all():
        return None
    del separators
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    if not lengths.all():
        return None
    longest = int(lengths.max())
    if longest > _MAX_DIGITS:
        return None
    first_digit = data[starts]
    if ((first_digit == 48) & (lengths > 1)).any():  # "01": the general reading decides
        return None
    values = first_digit.astype(np.int32) - 48
    del first_digit
    for place in range(1, longest):
        more = np.flatnonzero(lengths > place)
        values[more] = values[more] * 10 + (data[starts[more] + place] - 48)
    del starts, lengths
    line_ends = np.flatnonzero(breaks).astype(np.int32)
    del ends, data, breaks
    line_starts = np.empty_like(line_ends)
    line_starts[0] = 0
    line_starts[1:] = line_ends[:-1] + 1
    tokens = line_ends - line_starts + 1
    if (tokens < 2).any() or values[line_ends].any():  # no preference part, or no closing 0
        return None
    count = len(lines)
    width = int(tokens.max()) - 1
    if count * width > _MAX_CELLS:
        return None
    heads = values[line_starts].astype(np.int64)
    if int(heads.max()) * sum(repeats) >= _EXACT:
        return None
    weights = heads * np.asarray(repeats, dtype=np.int64)
    middle = np.ones(len(values), dtype=bool)
    middle[line_starts] = False
    middle[line_ends] = False
    prefs = values[middle]
    if prefs.size and (int(prefs.min()) < 1 or int(prefs.max()) > n):
        return None  # a 0 inside a ballot, or a number that names no candidate
    dtype = np.int16 if n < 2**15 - 1 else np.int32
    table = np.full((count, width), n, dtype=dtype)
    line_of = np.repeat(np.arange(count, dtype=np.int32), tokens)[middle]
    column = np.arange(len(values), dtype=np.int32)[middle]
    del values, middle
    column -= line_starts[line_of] + 1
    table[line_of, column] = prefs - 1
    del line_of, column, prefs
    if width > 1:
        ordered = np.sort(table, axis=1)
        if ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] < n)).any():
            return None  # a candidate twice on one ballot
        del ordered
    empty_lines = tokens == 2
    empty = int(weights[empty_lines].sum())
    keep = np.flatnonzero(~empty_lines & (weights > 0))
    table = table[keep]
    weights = weights[keep]
    heads = heads[keep]
    if len(heads) and (heads != heads[0]).any():
        # Lines differing only in their weight can hold the same ranking: merge those.
        table, weights = _merged(table, weights)
    return Rows(np.ascontiguousarray(table), weights, n), empty


def _merged(table: Table, weights: Ints) -> tuple[Table, Ints]:
    """Identical rows merged (weights summed), in the order each first appears."""
    if not len(table):
        return table, weights
    keys = np.ascontiguousarray(table).view(
        np.dtype((np.void, table.dtype.itemsize * table.shape[1]))
    )
    _, first, inverse = np.unique(keys.ravel(), return_index=True, return_inverse=True)
    if len(first) == len(table):
        return table, weights
    sums = np.zeros(len(first), dtype=np.int64)
    np.add.at(sums, inverse.ravel(), weights)
    order = np.argsort(first, kind="stable")
    return table[first[order]], sums[order]
