"""Reading a ballot form: FPTP checkboxes or STV preference numbers, into a list of choices.

Pure: no framework, no database. Each problem is worded for the voter and keyed by the id of
the control to fix, so the page can show an error summary that links to it; ``reason`` is the
slug the refusal is counted under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    """One candidate as the form shows it."""

    id: int
    name: str


@dataclass(frozen=True)
class BallotEntry:
    choices: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    marks: dict[int, str] = field(default_factory=dict)  # what was entered, to show again

    @property
    def ok(self) -> bool:
        return not self.errors


def is_ranked(method: str) -> bool:
    """Whether a counting method takes preferences (STV) rather than marks (FPTP)."""
    return method != "fptp"


def mark_field(candidate_id: int) -> str:
    return f"choice-{candidate_id}"


def rank_field(candidate_id: int) -> str:
    return f"rank-{candidate_id}"


def read_marks(options: Sequence[Option], marked: Sequence[str], seats: int) -> BallotEntry:
    """FPTP: the ticked candidates, at most ``seats`` of them and at least one."""
    known = {str(o.id): o.id for o in options}
    picked: list[int] = []
    for value in marked:
        candidate = known.get(value.strip())
        if candidate is None:
            return _refused(
                options,
                "unknown-candidate",
                "The form named someone who is not a candidate. Reload the page and try again.",
                {},
            )
        if candidate not in picked:
            picked.append(candidate)
    marks = dict.fromkeys(picked, "on")
    first = mark_field(options[0].id) if options else "ballot"
    if not picked:
        return BallotEntry(
            errors={first: "Choose at least one candidate."}, reason="empty-ballot", marks=marks
        )
    if len(picked) > seats:
        many = "1 candidate" if seats == 1 else f"{seats} candidates"
        return BallotEntry(
            errors={first: f"You can vote for up to {many}. You chose {len(picked)}."},
            reason="too-many-marks",
            marks=marks,
        )
    ordered = [o.id for o in options if o.id in picked]
    return BallotEntry(choices=ordered, marks=marks)


def read_ranks(options: Sequence[Option], entered: Mapping[int, str]) -> BallotEntry:
    """STV: preference numbers 1, 2, 3 ... with no repeats and no gaps, at least a 1."""
    marks = {o.id: entered.get(o.id, "").strip() for o in options}
    count = len(options)
    errors: dict[str, str] = {}
    reason: str | None = None
    by_rank: dict[int, list[Option]] = {}
    for option in options:
        text = marks[option.id]
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= count:
            errors[rank_field(option.id)] = (
                f"For {option.name}, enter a number from 1 to {count}, or leave it blank."
            )
            reason = reason or "malformed-ranking"
            continue
        by_rank.setdefault(int(text), []).append(option)
    for rank, holders in sorted(by_rank.items()):
        if len(holders) > 1:
            names = " and ".join(h.name for h in holders)
            for holder in holders:
                errors.setdefault(
                    rank_field(holder.id),
                    f"You gave {names} the same preference ({rank}). Use each number once.",
                )
            reason = reason or "repeated-preference"
    if errors:
        return BallotEntry(errors=_in_order(options, errors), reason=reason, marks=marks)
    first = rank_field(options[0].id) if options else "ballot"
    if not by_rank:
        return BallotEntry(
            errors={first: "Write 1 next to the candidate you like best."},
            reason="empty-ballot",
            marks=marks,
        )
    ranks = sorted(by_rank)
    missing = next((n for n in range(1, ranks[-1] + 1) if n not in by_rank), None)
    if missing is not None:
        after = next(r for r in ranks if r > missing)
        message = (
            "Your preferences must start at 1."
            if missing == 1
            else f"Your preferences must run 1, 2, 3 and so on without a gap: there is no "
            f"{missing} before {after}."
        )
        target = rank_field(by_rank[after][0].id)
        return BallotEntry(errors={target: message}, reason="malformed-ranking", marks=marks)
    return BallotEntry(choices=[by_rank[r][0].id for r in ranks], marks=marks)


def _in_order(options: Sequence[Option], errors: dict[str, str]) -> dict[str, str]:
    """Errors in the order the candidates appear, so the summary reads down the page."""
    order = [rank_field(o.id) for o in options]
    return {key: errors[key] for key in order if key in errors}


def _refused(
    options: Sequence[Option], reason: str, message: str, marks: dict[int, str]
) -> BallotEntry:
    first = mark_field(options[0].id) if options else "ballot"
    return BallotEntry(errors={first: message}, reason=reason, marks=marks)


def marks_from_choices(method: str, choices: Sequence[int]) -> dict[int, str]:
    """The form values that show ``choices`` again (returning from the review page)."""
    if is_ranked(method):
        return {candidate: str(rank) for rank, candidate in enumerate(choices, start=1)}
    return dict.fromkeys(choices, "on")
