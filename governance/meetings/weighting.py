"""Weighted member classes for multi-stakeholder co-operatives (pure; RULES.md section 5).

Each class of member either carries a fixed share of the total vote (workers 50% whatever their
number) or votes one member one vote within the rest, and any class may be capped (investors at
most 10% of voting strength). The weighted share for a motion is

    sum over classes of strength * for / (for + against), divided by the strength counted,

so within each class the members' votes decide the class's position, and the class's strength
decides how much that position counts. All arithmetic is exact (``Fraction``).

How strength is given out, in order:

1. A class with a fixed share has that share. The classes without one hold the remainder
   (100% less the fixed shares) together and split it in proportion to the votes each cast, so
   among themselves it is one member one vote.
2. A class that casts no votes (for plus against is nought; abstentions are not votes) has no
   position. With ``SilentClass.REDISTRIBUTE`` (the default) its strength is left out and the
   classes that voted share the whole vote in proportion to their strengths, as an abstaining
   member's vote is left out of "those voting". With ``SilentClass.WITHHOLD`` its strength stays
   in the total and counts as not for, so a motion needs the stated share of all the voting
   strength. The classes without a fixed share that all cast no votes are treated as one silent
   class holding the remainder.
3. Caps apply last, to the strengths from step 2: a class above its cap is cut to it and the
   excess goes to the uncapped classes still counted, in proportion to their strengths, until no
   class is over its cap. Excess that no class can take (every class counted is capped) is left
   unassigned, and the share is taken over the strength that was assigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

POOL = "*unfixed"  # the silent classes without a fixed share, held back together


class SilentClass(StrEnum):
    """What happens to the strength of a class that casts no votes."""

    REDISTRIBUTE = "redistribute"
    WITHHOLD = "withhold"


@dataclass(frozen=True)
class ClassWeight:
    """A class's configured share of, or cap on, the total vote (each a fraction of 1)."""

    code: str
    name: str
    share: Fraction | None = None
    cap: Fraction | None = None


@dataclass(frozen=True)
class ClassVotes:
    code: str
    eligible: int
    votes_for: int
    against: int
    abstain: int

    @property
    def cast(self) -> int:
        return self.votes_for + self.against


@dataclass(frozen=True)
class ClassShare:
    """One class's part in the weighted result."""

    code: str
    name: str
    fixed_share: Fraction | None
    cap: Fraction | None
    votes: ClassVotes
    strength: Fraction  # of all the voting strength (0 for a silent class left out)
    capped: bool

    @property
    def voted(self) -> bool:
        return self.votes.cast > 0

    @property
    def withheld(self) -> bool:
        """Cast no votes but kept its strength in the total (``SilentClass.WITHHOLD``)."""
        return not self.voted and self.strength > 0

    @property
    def share_for(self) -> Fraction | None:
        """For ÷ (for + against) within the class; None when it cast no votes."""
        if self.votes.cast == 0:
            return None
        return Fraction(self.votes.votes_for, self.votes.cast)

    @property
    def contribution(self) -> Fraction:
        return self.strength * (self.share_for or Fraction(0))


@dataclass(frozen=True)
class WeightedShare:
    classes: tuple[ClassShare, ...]
    mode: SilentClass
    pool_withheld: Fraction  # the silent unfixed classes' remainder (WITHHOLD only)
    unassigned: Fraction  # cap excess no class could take

    @property
    def counted_strength(self) -> Fraction:
        return sum((c.strength for c in self.classes), Fraction(0)) + self.pool_withheld

    @property
    def share_for(self) -> Fraction | None:
        """The weighted share for, or None when no class cast a vote."""
        if not any(c.votes.cast for c in self.classes) or self.counted_strength == 0:
            return None
        total = sum((c.contribution for c in self.classes), Fraction(0))
        return total / self.counted_strength


class WeightingError(ValueError):
    """The class configuration cannot be used (shares over 100%, a class with no weight row)."""


def _raw_strengths(
    weights: dict[str, ClassWeight], votes: Sequence[ClassVotes]
) -> tuple[dict[str, Fraction], Fraction]:
    """Step 1: each class's strength before silent classes and caps; and the unfixed pool."""
    fixed = sum((w.share for w in weights.values() if w.share is not None), Fraction(0))
    if fixed > 1:
        raise WeightingError("the classes' fixed shares add up to more than 100%")
    remainder = 1 - fixed
    unfixed = [v for v in votes if weights[v.code].share is None]
    unfixed_cast = sum(v.cast for v in unfixed)
    raw: dict[str, Fraction] = {}
    for v in votes:
        share = weights[v.code].share
        if share is not None:
            raw[v.code] = share
        else:
            raw[v.code] = remainder * v.cast / unfixed_cast if unfixed_cast else Fraction(0)
    pool = remainder if unfixed and unfixed_cast == 0 else Fraction(0)
    return raw, pool


def _apply_caps(
    strengths: dict[str, Fraction], caps: dict[str, Fraction]
) -> tuple[dict[str, Fraction], set[str], Fraction]:
    """Step 3: cut classes to their caps, passing the excess to the uncapped, until stable."""
    result = dict(strengths)
    capped: set[str] = set()
    unassigned = Fraction(0)
    while True:
        over = {k for k, s in result.items() if k in caps and k not in capped and s > caps[k]}
        if not over:
            return result, capped, unassigned
        excess = sum((result[k] - caps[k] for k in over), Fraction(0))
        for k in over:
            result[k] = caps[k]
        capped |= over
        takers = {k: s for k, s in result.items() if k not in capped and s > 0}
        room = sum(takers.values(), Fraction(0))
        if room == 0:
            return result, capped, unassigned + excess
        for k, s in takers.items():
            result[k] = s + excess * s / room


def weigh(
    weights: Sequence[ClassWeight],
    votes: Sequence[ClassVotes],
    mode: SilentClass = SilentClass.REDISTRIBUTE,
) -> WeightedShare:
    """The strength of each class and the weighted share for (see the module docstring)."""
    by_code = {w.code: w for w in weights}
    missing = [v.code for v in votes if v.code not in by_code]
    if missing:
        raise WeightingError(f"no weight is configured for class {', '.join(missing)}")
    raw, pool = _raw_strengths(by_code, votes)
    voted = {v.code for v in votes if v.cast}
    silent = {v.code for v in votes if not v.cast and by_code[v.code].share is not None}
    kept = {k: raw[k] for k in voted}
    if mode is SilentClass.WITHHOLD:
        kept |= {k: raw[k] for k in silent}
        if pool:
            kept[POOL] = pool
    total = sum(kept.values(), Fraction(0))
    normalised = {k: s / total for k, s in kept.items()} if total else {}
    caps = {w.code: w.cap for w in weights if w.cap is not None}
    final, capped, unassigned = _apply_caps(normalised, caps)
    shares = tuple(
        ClassShare(
            code=v.code,
            name=by_code[v.code].name,
            fixed_share=by_code[v.code].share,
            cap=by_code[v.code].cap,
            votes=v,
            strength=final.get(v.code, Fraction(0)),
            capped=v.code in capped,
        )
        for v in votes
    )
    return WeightedShare(
        classes=shares,
        mode=mode,
        pool_withheld=final.get(POOL, Fraction(0)),
        unassigned=unassigned,
    )
