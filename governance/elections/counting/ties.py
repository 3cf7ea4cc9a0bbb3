"""Breaking ties: first by the candidates' votes at earlier stages, then by lot.

A lot is drawn from a generator seeded by a string, so a returning officer's draw can be
replayed exactly. When no seed is given, one is created (with ``secrets``) only when the first
lot is actually needed, that is after the tie has been found, and it is recorded in the result.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence

from governance.elections.counting.model import Stage, Tie


class Lots:
    """Draws lots from a generator seeded by ``seed`` (created on first use when absent)."""

    def __init__(self, seed: str | None = None) -> None:
        self.seed = seed
        self._rng: random.Random | None = None

    def draw(self, candidates: Iterable[int]) -> list[int]:
        """The candidates in the order drawn; the lot falls on the first."""
        if self._rng is None:
            if self.seed is None:
                self.seed = secrets.token_hex(8)
            self._rng = random.Random(self.seed)  # noqa: S311 - a replayable draw, not a secret
        pool = sorted(candidates)
        return self._rng.sample(pool, len(pool))


class TieBreaker:
    """Settles ties between candidates from the count's stage history, then by lot.

    ``earliest`` says which earlier stage decides: the earliest one at which the candidates'
    votes differed (Northern Ireland, MER, ERS97) or the most recent one (Scottish rules).
    With three or more candidates, the stage that separates some of them keeps only those
    with the deciding number of votes, and the search goes on among them.
    """

    def __init__(self, lots: Lots, *, earliest: bool) -> None:
        self.lots = lots
        self.earliest = earliest
        self.ties: list[Tie] = []

    def pick(
        self,
        tied: Sequence[int],
        history: Sequence[Stage],
        *,
        lowest: bool,
        purpose: str,
        stage: int,
        use_lot: bool = True,
    ) -> int | None:
        """The one candidate of ``tied`` with the fewest (``lowest``) or most earlier votes.

        ``history`` holds the stages before the one at which the candidates are tied. Returns
        ``None`` when the history cannot separate them and ``use_lot`` is false.
        """
        if len(tied) == 1:
            return tied[0]
        remaining = sorted(tied)
        decided_at: int | None = None
        stages = history if self.earliest else list(reversed(history))
        for earlier in stages:
            values = {c: earlier.totals.get(c, 0) for c in remaining}
            if len(set(values.values())) > 1:
                target = min(values.values()) if lowest else max(values.values())
                remaining = [c for c in remaining if values[c] == target]
                decided_at = earlier.number
                if len(remaining) == 1:
                    break
        if len(remaining) == 1:
            self.ties.append(
                Tie(stage, purpose, sorted(tied), remaining[0], "earlier stage", decided_at)
            )
            return remaining[0]
        if not use_lot:
            return None
        order = self.lots.draw(remaining)
        self.ties.append(Tie(stage, purpose, sorted(tied), order[0], "lot", decided_at, order))
        return order[0]
