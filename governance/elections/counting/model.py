"""Data shapes shared by every rule set of the counting engine.

The engine is pure: it imports nothing from the web framework or the database. Candidates are
referred to by their 0-based index in ``Election.candidates`` everywhere inside the engine; names
appear only at the edges (files, reports). Vote values are never floats: rule sets count in
integers scaled to their decimal places (or in ``Fraction``) and report decimal strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from governance.elections.counting.rows import Rows

Ranking = tuple[tuple[int, ...], ...]
"""A ballot's preferences in order. Each level is a group of candidate indices; a group of more
than one is an equal preference (``1 2=3`` in BLT), which only some rule sets accept."""


class InvalidReason(str, Enum):  # noqa: UP042 - str() kept as it was
    """Why a ballot (or the part of it after a defect) does not count."""

    EMPTY = "empty"
    REPEATED_PREFERENCE = "repeated preference"
    GAP_IN_SEQUENCE = "gap in the sequence"
    TOO_MANY_MARKS = "too many marks"
    UNKNOWN_CANDIDATE = "unknown candidate"
    NO_FIRST_PREFERENCE = "no clear first preference"
    EQUAL_PREFERENCE = "equal preference"


class Ballot(NamedTuple):
    """``weight`` identical ballot papers with the same ``ranking``.

    A named tuple rather than a dataclass: a reader makes hundreds of thousands of them, and a
    tuple is made several times faster.
    """

    weight: int
    ranking: Ranking


@dataclass(slots=True)
class Election:
    """Everything a count needs: who stands, how many seats, and the (valid) ballots.

    ``invalid`` counts ballot papers already set aside before the count, by reason, so that the
    result can report them; it is filled by ballot normalisation and by the BLT reader.
    ``options`` keeps BLT ``[...]`` options the count does not act on (``tie``, ``droop``, ...)
    so that writing the file back loses nothing. ``affiliations`` is empty, or holds one entry
    per candidate (``""`` for none): the party a BLT file gives beside a name.

    Two fields describe where the ballots came from and never take part in comparisons:
    ``equal_preference_line`` is the first line of the file with an equal preference (so that a
    rule set that refuses them can say where), and ``plain`` is the reader's own copy of the
    ballots as flat 0-based rankings, each closed by the sentinel ``len(candidates)``, identical
    ones merged, when no ballot has an equal preference. A count uses ``plain`` only while
    ``ballots`` is still the list it was made from (see :func:`plain_rankings`): to count other
    ballots, give the election a new list (or set ``plain`` to ``None``) rather than changing
    the reader's list in place. For a large file ``plain`` holds the rankings as a NumPy table
    (:class:`rows.Rows`) and ``ballots`` is made from it only when first asked for (a count
    that works from the table never asks).
    """

    candidates: list[str]
    seats: int
    ballots: list[Ballot]
    withdrawn: frozenset[int] = frozenset()
    title: str = ""
    invalid: dict[InvalidReason, int] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    affiliations: list[str] = field(default_factory=list)
    equal_preference_line: int | None = field(default=None, compare=False, repr=False)
    plain: tuple[list[Ballot] | None, Sequence[tuple[tuple[int, ...], int]]] | None = field(
        default=None, compare=False, repr=False
    )
    lazy: Rows | None = field(default=None, init=False, compare=False, repr=False)

    if not TYPE_CHECKING:  # hidden from the type checker, which would take any name then

        def __getattr__(self, name: str) -> list[Ballot]:
            # Called only when the ``ballots`` slot is empty: the reader left it to be made
            # from its table on first use (see :func:`deferred_ballots`).
            if name != "ballots":
                raise AttributeError(name)
            try:
                lazy = object.__getattribute__(self, "lazy")
            except AttributeError:  # an object being copied, before its fields are set
                lazy = None
            if lazy is None:
                raise AttributeError(name)
            ballots = lazy.ballots()
            self.ballots = ballots
            self.plain = (ballots, lazy)
            self.lazy = None
            return ballots


def deferred_ballots(election: Election, rows: Rows) -> None:
    """Let ``election.ballots`` be made from ``rows`` only when first read."""
    del election.ballots
    election.lazy = rows
    election.plain = (None, rows)


def plain_rows(election: Election) -> Rows | None:
    """The reader's table of rankings, while it still describes ``election.ballots``."""
    if election.lazy is not None:
        return election.lazy
    plain = plain_rankings(election)
    if plain is None or isinstance(plain, list):
        return None
    from governance.elections.counting.rows import Rows  # NumPy only if used

    return plain if isinstance(plain, Rows) else None


def plain_rankings(election: Election) -> Sequence[tuple[tuple[int, ...], int]] | None:
    """The reader's merged flat rankings ``(ranking + (sentinel,), weight)``, if they still
    describe ``election.ballots`` (the same list, unchanged in length); otherwise ``None``."""
    plain = election.plain
    if plain is None:
        return None
    source, rankings = plain
    if election.lazy is not None:
        return rankings  # the ballots are still to be made from these
    if source is not election.ballots or len(source) != len(rankings):
        return None
    return rankings


class CountError(ValueError):
    """An election that cannot be counted under the chosen rule set (with a reason for people)."""


@dataclass(slots=True)
class Tie:
    """A tie the count had to break, and how it was broken."""

    stage: int
    purpose: str  # "exclusion", "surplus order", "election", "last seat"
    between: list[int]
    chosen: int
    broken_by: str  # "earlier stage" or "lot"
    decided_at_stage: int | None = None  # the earlier stage that broke it
    lot_draw: list[int] | None = None  # the order drawn by lot, when broken by lot


@dataclass(slots=True)
class Stage:
    """One stage of the count and the state after it.

    ``totals`` holds every candidate's total after the stage (index -> scaled integer or
    ``Fraction``), excluded candidates at 0 once their papers have moved. ``action`` is a short
    machine word ("first", "surplus", "exclusion", "elect-remaining", ...) and ``subjects`` are
    the candidates it acts on; ``description`` is the sentence a returning officer publishes.
    """

    number: int
    action: str
    subjects: list[int]
    description: str
    totals: dict[int, int]
    non_transferable: int
    elected: list[int] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    transfers: dict[int, int] = field(default_factory=dict)  # change per candidate this stage
    extra: dict[str, str] = field(default_factory=dict)  # e.g. transfer value, keep factors
    # For an exclusion moved in several batches (by value): the state after each batch, as
    # stages of their own (same number), for a report that shows batches as OpenSTV does.
    batches: list[Stage] = field(default_factory=list)


@dataclass(slots=True)
class Result:
    """The outcome of one count, with enough detail to publish and to re-check it."""

    method: str
    method_version: str
    candidates: list[str]
    seats: int
    places: int  # decimal places of every scaled number in this result
    valid_votes: int  # scaled
    invalid: dict[InvalidReason, int]
    quota: int | None  # scaled; None for FPTP
    elected: list[int]
    excluded: list[int]
    withdrawn: list[int]
    stages: list[Stage]
    ties: list[Tie]
    seed: str | None
    notes: list[str] = field(default_factory=list)

    def fmt(self, value: int) -> str:
        """A scaled integer as the rule's decimal string (``744.00000``)."""
        if self.places == 0:
            return str(value)
        sign = "-" if value < 0 else ""
        whole, frac = divmod(abs(value), 10**self.places)
        return f"{sign}{whole}.{frac:0{self.places}d}"


@dataclass(frozen=True, slots=True)
class Method:
    """A rule set as the registry knows it: ``count(election, seed)`` gives its ``Result``.

    ``seed`` fixes any drawing of lots so that a count can be replayed; with ``None`` the rule
    set creates one (with ``secrets``) when it first needs a lot and records it in the result.
    """

    name: str
    version: str
    places: int
    count: Callable[[Election, str | None], Result]
