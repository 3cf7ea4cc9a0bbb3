"""Membership against the eligible population, and small-number suppression (pure).

The secretary uploads the eligible population of each constituency by age band, gender,
ethnicity and deprivation decile; these functions compare the membership with it. Shares are
exact fractions shown to one decimal place; no floats reach a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from governance.members.eligibility import age_on

SUPPRESS_BELOW = 10
SUPPRESSED_TEXT = "fewer than 10"


class Dimension(StrEnum):
    AGE_BAND = "age_band"
    GENDER = "gender"
    ETHNICITY = "ethnicity"
    DEPRIVATION_DECILE = "deprivation_decile"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 18", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65-74", 65, 74),
    ("75 and over", 75, None),
)
DECILES = tuple(str(n) for n in range(1, 11))
UNKNOWN = "not known"


def age_band(date_of_birth: date | None, on: date) -> str:
    if date_of_birth is None:
        return UNKNOWN
    age = age_on(date_of_birth, on)
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return UNKNOWN


def category_key(text: str | None) -> str:
    """Categories match case-insensitively and ignoring surrounding space."""
    return " ".join((text or "").split()).lower()


def suppress(count: int) -> int | None:
    """A count fit for publication: None (shown as "fewer than 10") when it is 1 to 9."""
    return None if 0 < count < SUPPRESS_BELOW else count


def shown(count: int | None) -> str:
    return SUPPRESSED_TEXT if count is None else str(count)


def percent(part: int, whole: int) -> Fraction | None:
    return None if whole == 0 else Fraction(100 * part, whole)


def decimal_text(value: Fraction | None, places: int = 1) -> str:
    """``Fraction(200, 3)`` -> ``'66.7'`` (half away from zero); '' for None."""
    if value is None:
        return ""
    scale = 10**places
    scaled = abs(value) * scale
    rounded = int(scaled + Fraction(1, 2))
    sign = "-" if value < 0 and rounded else ""
    whole, fraction = divmod(rounded, scale)
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


@dataclass(frozen=True)
class ComparisonRow:
    category: str
    population: int
    members: int | None  # None once suppressed
    population_share: Fraction | None
    member_share: Fraction | None
    gap: Fraction | None  # member share minus population share, in percentage points
    per_thousand: Fraction | None  # members per 1,000 eligible people


def compare(
    population: Mapping[str, int],
    members: Mapping[str, int],
    *,
    order: Iterable[str] = (),
    public: bool = False,
) -> list[ComparisonRow]:
    """One row per category found in either table; members outside every category are shown
    as "not known". With ``public`` set, member counts of 1-9 and anything derived from them
    are withheld."""
    population_total = sum(population.values())
    member_total = sum(members.values())
    labels: dict[str, str] = {}
    for label in [*order, *population, *members]:
        labels.setdefault(category_key(label), label)
    rows: list[ComparisonRow] = []
    for key, label in labels.items():
        pop = sum(n for k, n in population.items() if category_key(k) == key)
        mem = sum(n for k, n in members.items() if category_key(k) == key)
        if not pop and not mem:
            continue
        shown_members = suppress(mem) if public else mem
        pop_share = percent(pop, population_total)
        mem_share = None if shown_members is None else percent(mem, member_total)
        rows.append(
            ComparisonRow(
                category=label,
                population=pop,
                members=shown_members,
                population_share=pop_share,
                member_share=mem_share,
                gap=None if mem_share is None or pop_share is None else mem_share - pop_share,
                per_thousand=None
                if shown_members is None or pop == 0
                else Fraction(1000 * mem, pop),
            )
        )
    return rows


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    population_width: int
    member_width: int
    population_text: str
    member_text: str


def chart_bars(rows: Iterable[ComparisonRow], width: int = 400, row_height: int = 36) -> list[Bar]:
    """Bar geometry (pixels) for a chart of population share against member share."""
    rows = list(rows)
    largest = max(
        [r.population_share or Fraction(0) for r in rows]
        + [r.member_share or Fraction(0) for r in rows]
        + [Fraction(1)]
    )
    bars: list[Bar] = []
    for index, row in enumerate(rows):
        pop = row.population_share or Fraction(0)
        mem = row.member_share or Fraction(0)
        bars.append(
            Bar(
                label=row.category,
                y=index * row_height,
                population_width=int(pop / largest * width),
                member_width=int(mem / largest * width),
                population_text=f"{decimal_text(row.population_share)}%",
                member_text=SUPPRESSED_TEXT
                if row.members is None
                else f"{decimal_text(row.member_share)}%",
            )
        )
    return bars
