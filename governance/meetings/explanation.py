"""The words and the data of a decision's explanation (pure): percentages as printed, exact
fractions as ``"n/d"`` strings, the lines that explain weighted classes, and the JSON form of
each check, which is what the result page and the API show and what is stored with a result."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from governance.meetings.weighting import WeightedShare

if TYPE_CHECKING:
    from governance.meetings.thresholds import Check


def percent(value: Fraction) -> str:
    """A fraction as a percentage to two places at most, rounded half up (for printing)."""
    hundredths = value * 10_000
    rounded = (hundredths.numerator * 2 + hundredths.denominator) // (2 * hundredths.denominator)
    whole, part = divmod(rounded, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}".rstrip("0") + "%"


def ratio(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def weighted_lines(weighted: WeightedShare) -> list[str]:
    """One line per class in words: its setting, its votes, its strength and what it adds."""
    lines = []
    for c in weighted.classes:
        setting = []
        if c.fixed_share is not None:
            setting.append(f"fixed share {percent(c.fixed_share)}")
        if c.cap is not None:
            setting.append(f"cap {percent(c.cap)}")
        label = f"{c.name} ({', '.join(setting) or 'one member one vote'})"
        counts = (
            f"{c.votes.votes_for} for, {c.votes.against} against, {c.votes.abstain} abstained "
            f"of {c.votes.eligible}"
        )
        if c.share_for is not None:
            capped = ", held to its cap" if c.capped else ""
            lines.append(
                f"{label}: {counts}: {percent(c.share_for)} for within the class; strength "
                f"{percent(c.strength)}{capped}, so it adds {percent(c.contribution)}."
            )
        elif c.withheld:
            lines.append(
                f"{label}: {counts}: cast no votes; its strength {percent(c.strength)} stays in "
                "the total and counts as not for (the constitution withholds a silent class's "
                "strength)."
            )
        else:
            lines.append(
                f"{label}: {counts}: cast no votes; its strength is shared among the classes "
                "that voted, in proportion to theirs."
            )
    if weighted.pool_withheld:
        lines.append(
            f"The classes without a fixed share cast no votes; their "
            f"{percent(weighted.pool_withheld)} stays in the total and counts as not for."
        )
    if weighted.unassigned:
        lines.append(
            f"{percent(weighted.unassigned)} of the strength above the caps could go to no "
            "uncapped class that voted and is left out."
        )
    share = weighted.share_for
    if share is not None:
        added = sum((c.contribution for c in weighted.classes), Fraction(0))
        lines.append(
            f"Weighted share for: {percent(added)} of a counted strength of "
            f"{percent(weighted.counted_strength)} = {percent(share)}."
        )
    return lines


def weighted_json(weighted: WeightedShare) -> dict[str, Any]:
    return {
        "mode": weighted.mode.value,
        "classes": [
            {
                "code": c.code,
                "name": c.name,
                "fixed_share": ratio(c.fixed_share),
                "cap": ratio(c.cap),
                "eligible": c.votes.eligible,
                "for": c.votes.votes_for,
                "against": c.votes.against,
                "abstain": c.votes.abstain,
                "share_for": ratio(c.share_for),
                "strength": ratio(c.strength),
                "strength_percent": percent(c.strength),
                "contribution": ratio(c.contribution),
                "capped": c.capped,
                "voted": c.voted,
                "withheld": c.withheld,
            }
            for c in weighted.classes
        ],
        "pool_withheld": ratio(weighted.pool_withheld),
        "unassigned": ratio(weighted.unassigned),
        "counted_strength": ratio(weighted.counted_strength),
        "share_for": ratio(weighted.share_for),
    }


def check_json(check: Check) -> dict[str, Any]:
    r, t = check.requirement, check.tally
    return {
        "body": r.body.value,
        "rule": r.describe(),
        "base": r.base.value,
        "fraction": ratio(r.fraction),
        "strict": r.strict,
        "min_turnout": ratio(r.min_turnout),
        "eligible": t.eligible,
        "for": t.votes_for,
        "against": t.against,
        "abstain": t.abstain,
        "absent": t.eligible - t.votes_for - t.against - t.abstain,
        "votes_cast": t.cast,
        "share_for": ratio(check.share_for),
        "share_for_percent": percent(check.share_for) if check.share_for is not None else None,
        "needed": check.needed,
        "turnout": ratio(check.turnout),
        "tie": check.tie,
        "casting_vote": check.casting_vote,
        "met": check.met,
        "weighted": weighted_json(check.weighted) if check.weighted else None,
    }
