"""Whether a motion passed: one table of motion kinds and one function that applies it (pure).

Every row of RULES.md sections 3 and 5 is a :class:`Rule` in :data:`RULES`: which bodies vote
(members, governors, directors), on what base ("of those voting" or "of all" the body), how much
(more than half, at least three-quarters, ...), any turnout condition, and whether a further vote
must follow (the members' approval of an FT amendment touching the governors' role, which lapses
if refused; the second meeting that confirms a co-operative amalgamation or transfer).

:func:`decide` takes the counts per body (and per class of member) with the size of each body
when the vote opened, and returns a :class:`Decision`: pass or fail, each step of the arithmetic
as text and as data. Abstentions are not votes cast. A tie on "more than half" fails unless the
constitution gives the chair a casting vote and the chair gives it for the motion. Arithmetic is
exact (``Fraction``); percentages are rounded only when printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from governance.meetings.explanation import check_json, percent, weighted_lines
from governance.meetings.weighting import (
    ClassVotes,
    ClassWeight,
    SilentClass,
    WeightedShare,
    weigh,
)

HALF = Fraction(1, 2)
FT = frozenset({"foundation_trust"})
SOCIETIES = frozenset({"cooperative", "community_benefit_society", "direct_payments_mutual"})
EVERYONE = FT | SOCIETIES


class Body(StrEnum):
    MEMBERS = "members"
    GOVERNORS = "governors"
    DIRECTORS = "directors"


class Base(StrEnum):
    VOTING = "voting"  # of the votes cast (for + against)
    ALL = "all"  # of everyone in the body when the vote opened


class FollowUpAt(StrEnum):
    ANNUAL_MEMBERS_MEETING = "annual_members_meeting"
    SECOND_MEETING = "second_meeting"


class MotionKind(StrEnum):
    ORDINARY = "ordinary_resolution"
    SPECIAL = "special_resolution"
    RULE_CHANGE = "rule_change"
    EXPULSION = "expulsion"
    ASSET_SALE = "asset_sale"
    WINDING_UP = "winding_up"
    AMALGAMATION = "amalgamation"
    TRANSFER_OF_ENGAGEMENTS = "transfer_of_engagements"
    SECOND_MEETING_CONFIRMATION = "second_meeting_confirmation"
    CONVERSION = "conversion"
    FT_AMENDMENT = "ft_constitution_amendment"
    FT_AMENDMENT_GOVERNORS_ROLE = "ft_amendment_governors_role"
    FT_AMENDMENT_MEMBERS_APPROVAL = "ft_amendment_members_approval"
    SIGNIFICANT_TRANSACTION = "significant_transaction"
    MERGER = "merger"
    ACQUISITION = "acquisition"
    SEPARATION = "separation"
    DISSOLUTION = "dissolution"
    NON_NHS_INCOME = "non_nhs_income"
    REMOVE_CHAIR = "remove_chair"
    REMOVE_NON_EXECUTIVE = "remove_non_executive"
    ADVISORY_PANEL = "advisory_panel_referral"

    @property
    def rule(self) -> Rule:
        return RULES[self]


@dataclass(frozen=True)
class Requirement:
    """One condition: ``strict`` means "more than" the fraction, otherwise "at least"."""

    body: Body
    fraction: Fraction
    strict: bool
    base: Base = Base.VOTING
    min_turnout: Fraction | None = None  # votes cast as a share of the whole body
    amount: str = ""  # how the rules word the fraction, when not "half" and the like

    def describe(self) -> str:
        lead = "more than" if self.strict else "at least"
        amount = self.amount or FRACTION_WORDS.get(self.fraction) or percent(self.fraction)
        of = f"of {self.body} voting" if self.base is Base.VOTING else f"of all {self.body}"
        text = f"{lead} {amount} {of}"
        if self.min_turnout is not None:
            text += f", with at least {percent(self.min_turnout)} of all {self.body} voting"
        return text


@dataclass(frozen=True)
class Rule:
    kind: MotionKind
    label: str
    requirements: tuple[Requirement, ...]
    source: str
    types: frozenset[str] = EVERYONE
    follow_up: MotionKind | None = None  # the vote that must follow when this one passes
    follow_up_at: FollowUpAt | None = None
    confirms: tuple[MotionKind, ...] = ()  # the kinds a follow-up vote completes

    def describe(self) -> str:
        return " AND ".join(r.describe() for r in self.requirements)


FRACTION_WORDS = {
    HALF: "half",
    Fraction(3, 4): "three-quarters",
    Fraction(2, 3): "two-thirds",
}

_MEMBERS_HALF = (Requirement(Body.MEMBERS, HALF, strict=True),)
_MEMBERS_75 = (Requirement(Body.MEMBERS, Fraction(3, 4), strict=False, amount="75%"),)
_GOVERNORS_HALF = (Requirement(Body.GOVERNORS, HALF, strict=True),)
_ALL_GOVERNORS_HALF = (Requirement(Body.GOVERNORS, HALF, strict=True, base=Base.ALL),)
_DOUBLE = (
    Requirement(Body.DIRECTORS, HALF, strict=True),
    Requirement(Body.GOVERNORS, HALF, strict=True),
)
_S3 = "RULES.md §3, decision thresholds [law]"
_S5 = "RULES.md §5, co-operative general meetings [model]"
_ACT = "RULES.md §5, Co-operative and Community Benefit Societies Act 2014 [law]"
_AMALGAMATING = (MotionKind.AMALGAMATION, MotionKind.TRANSFER_OF_ENGAGEMENTS)


def _rules(*rules: Rule) -> dict[MotionKind, Rule]:
    table = {r.kind: r for r in rules}
    missing = set(MotionKind) - set(table)
    if missing:
        raise AssertionError(f"motion kinds without a rule: {sorted(missing)}")
    return table


RULES: dict[MotionKind, Rule] = _rules(
    Rule(MotionKind.ORDINARY, "Ordinary resolution", _MEMBERS_HALF, _S5),
    Rule(MotionKind.SPECIAL, "Special resolution", _MEMBERS_75, _S5, SOCIETIES),
    Rule(MotionKind.RULE_CHANGE, "Change to the rules (special)", _MEMBERS_75, _S5, SOCIETIES),
    Rule(MotionKind.EXPULSION, "Expulsion of a member (special)", _MEMBERS_75, _S5, SOCIETIES),
    Rule(MotionKind.ASSET_SALE, "Sale of a third or more of assets", _MEMBERS_75, _S5, SOCIETIES),
    Rule(MotionKind.WINDING_UP, "Winding up (special)", _MEMBERS_75, _S5, SOCIETIES),
    Rule(
        MotionKind.AMALGAMATION,
        "Amalgamation",
        (Requirement(Body.MEMBERS, Fraction(2, 3), strict=False),),
        _ACT,
        SOCIETIES,
        follow_up=MotionKind.SECOND_MEETING_CONFIRMATION,
        follow_up_at=FollowUpAt.SECOND_MEETING,
    ),
    Rule(
        MotionKind.TRANSFER_OF_ENGAGEMENTS,
        "Transfer of engagements",
        (Requirement(Body.MEMBERS, Fraction(2, 3), strict=False),),
        _ACT,
        SOCIETIES,
        follow_up=MotionKind.SECOND_MEETING_CONFIRMATION,
        follow_up_at=FollowUpAt.SECOND_MEETING,
    ),
    Rule(
        MotionKind.SECOND_MEETING_CONFIRMATION,
        "Confirmation at a second meeting",
        _MEMBERS_HALF,
        _ACT,
        SOCIETIES,
        confirms=_AMALGAMATING,
    ),
    Rule(
        MotionKind.CONVERSION,
        "Conversion into a company",
        (Requirement(Body.MEMBERS, Fraction(3, 4), strict=False, min_turnout=HALF, amount="75%"),),
        _ACT,
        SOCIETIES,
    ),
    Rule(MotionKind.FT_AMENDMENT, "Amendment of the constitution", _DOUBLE, _S3, FT),
    Rule(
        MotionKind.FT_AMENDMENT_GOVERNORS_ROLE,
        "Amendment of the constitution touching the governors' powers or role",
        _DOUBLE,
        _S3,
        FT,
        follow_up=MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL,
        follow_up_at=FollowUpAt.ANNUAL_MEMBERS_MEETING,
    ),
    Rule(
        MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL,
        "Members' approval of an amendment touching the governors' role",
        _MEMBERS_HALF,
        _S3,
        FT,
        confirms=(MotionKind.FT_AMENDMENT_GOVERNORS_ROLE,),
    ),
    Rule(MotionKind.SIGNIFICANT_TRANSACTION, "Significant transaction", _GOVERNORS_HALF, _S3, FT),
    Rule(MotionKind.MERGER, "Merger", _ALL_GOVERNORS_HALF, _S3, FT),
    Rule(MotionKind.ACQUISITION, "Acquisition", _ALL_GOVERNORS_HALF, _S3, FT),
    Rule(MotionKind.SEPARATION, "Separation", _ALL_GOVERNORS_HALF, _S3, FT),
    Rule(MotionKind.DISSOLUTION, "Dissolution", _ALL_GOVERNORS_HALF, _S3, FT),
    Rule(
        MotionKind.NON_NHS_INCOME,
        "Non-NHS income share up by 5 percentage points or more in a year",
        _GOVERNORS_HALF,
        _S3,
        FT,
    ),
    Rule(
        MotionKind.REMOVE_CHAIR,
        "Removal of the chair",
        (Requirement(Body.GOVERNORS, Fraction(3, 4), strict=False, base=Base.ALL),),
        _S3,
        FT,
    ),
    Rule(
        MotionKind.REMOVE_NON_EXECUTIVE,
        "Removal of a non-executive director",
        (Requirement(Body.GOVERNORS, Fraction(3, 4), strict=False, base=Base.ALL),),
        _S3,
        FT,
    ),
    Rule(
        MotionKind.ADVISORY_PANEL,
        "Referral of a question to the advisory panel",
        _GOVERNORS_HALF,
        _S3,
        FT,
    ),
)


class ThresholdError(ValueError):
    """The counts cannot be right (more votes than voters, a body missing, ...)."""


@dataclass(frozen=True)
class Tally:
    """The votes of one body, or of one class of member, and its size when the vote opened."""

    body: Body
    eligible: int
    votes_for: int = 0
    against: int = 0
    abstain: int = 0
    group: str = ""  # the class of member, for weighted classes

    @property
    def cast(self) -> int:
        return self.votes_for + self.against


@dataclass(frozen=True)
class Check:
    """One requirement applied to the counts."""

    requirement: Requirement
    tally: Tally  # the body's totals
    share_for: Fraction | None
    weighted: WeightedShare | None
    needed: int | None  # votes for needed, for counted (unweighted) rules
    turnout: Fraction | None
    tie: bool
    casting_vote: bool | None
    met: bool
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    rule: Rule
    checks: tuple[Check, ...]
    passed: bool
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def awaiting(self) -> MotionKind | None:
        """The vote that must still follow (only when this one passed)."""
        return self.rule.follow_up if self.passed else None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.rule.kind.value,
            "label": self.rule.label,
            "rule": self.rule.describe(),
            "source": self.rule.source,
            "passed": self.passed,
            "follow_up": self.awaiting.value if self.awaiting else None,
            "follow_up_at": self.rule.follow_up_at.value
            if self.awaiting and self.rule.follow_up_at
            else None,
            "checks": [check_json(c) for c in self.checks],
            "explanation": list(self.lines),
        }


def _needed(requirement: Requirement, base: int) -> int:
    """The fewest votes for that meet the requirement on a base of ``base``."""
    exact = requirement.fraction * base
    if requirement.strict:
        return exact.numerator // exact.denominator + 1
    return -(-exact.numerator // exact.denominator)


def _meets(requirement: Requirement, share: Fraction) -> bool:
    return share > requirement.fraction if requirement.strict else share >= requirement.fraction


def _totals(body: Body, tallies: Sequence[Tally]) -> Tally:
    mine = [t for t in tallies if t.body is body]
    if not mine:
        raise ThresholdError(f"no counts were given for the {body}")
    return Tally(
        body=body,
        eligible=sum(t.eligible for t in mine),
        votes_for=sum(t.votes_for for t in mine),
        against=sum(t.against for t in mine),
        abstain=sum(t.abstain for t in mine),
    )


def _validate(tallies: Sequence[Tally]) -> None:
    for t in tallies:
        if min(t.eligible, t.votes_for, t.against, t.abstain) < 0:
            raise ThresholdError("counts cannot be negative")
        if t.votes_for + t.against + t.abstain > t.eligible:
            where = f"{t.body} ({t.group})" if t.group else str(t.body)
            raise ThresholdError(f"more votes than voters among the {where}")


def _count_line(t: Tally) -> str:
    absent = t.eligible - t.votes_for - t.against - t.abstain
    return (
        f"{t.body.capitalize()}: {t.eligible} could vote when voting opened; {t.votes_for} for, "
        f"{t.against} against, {t.abstain} abstained, {absent} did not vote."
    )


def _tie_lines(
    requirement: Requirement, allowed: bool, casting: bool | None
) -> tuple[bool, list[str]]:
    """Whether the tied requirement is met, and why."""
    head = f"The vote of the {requirement.body} is tied, and a tie on more than half fails"
    if not allowed:
        return False, [f"{head}: the constitution gives the chair no casting vote. Not met."]
    if casting is None:
        return False, [f"{head} unless the chair gives a casting vote; none was given. Not met."]
    side, outcome = ("for", "Met") if casting else ("against", "Not met")
    return casting, [f"The chair gave a casting vote {side} the motion. {outcome}."]


def _check(
    requirement: Requirement,
    *,
    tallies: Sequence[Tally],
    classes: Sequence[ClassWeight],
    silent: SilentClass,
    casting_allowed: bool,
    casting: bool | None,
) -> Check:
    body = requirement.body
    totals = _totals(body, tallies)
    lines = [_count_line(totals)]
    weighted = None
    needed: int | None = None
    if requirement.base is Base.VOTING:
        lines.append(f"Abstentions are not votes cast: {totals.cast} votes were cast.")
        if classes and body is Body.MEMBERS:
            votes = [
                ClassVotes(t.group, t.eligible, t.votes_for, t.against, t.abstain)
                for t in tallies
                if t.body is body
            ]
            weighted = weigh(classes, votes, silent)
            lines += weighted_lines(weighted)
            share = weighted.share_for
        else:
            share = Fraction(totals.votes_for, totals.cast) if totals.cast else None
            needed = _needed(requirement, totals.cast) if totals.cast else None
    else:
        share = Fraction(totals.votes_for, totals.eligible) if totals.eligible else None
        needed = _needed(requirement, totals.eligible)
    turnout = Fraction(totals.cast, totals.eligible) if totals.eligible else None
    rule_text = f"Needed: {requirement.describe()}."
    tie = False
    if share is None:
        met = False
        lines.append(f"{rule_text} No votes were cast, so it is not met.")
    else:
        met = _meets(requirement, share)
        tie = (
            requirement.strict
            and requirement.base is Base.VOTING
            and requirement.fraction == HALF
            and share == HALF
        )
        base_text = (
            f"{totals.votes_for} of {totals.cast} votes cast"
            if requirement.base is Base.VOTING
            else f"{totals.votes_for} of all {totals.eligible} {body}"
        )
        if weighted is not None:
            base_text = "The weighted share for"
        comparison = "more than" if requirement.strict else "at least"
        verdict = "a tie" if tie else ("met" if met else "not met")
        lines.append(
            f"{rule_text} {base_text} is {percent(share)}; {comparison} "
            f"{percent(requirement.fraction)} is needed: {verdict}."
        )
        if needed is not None:
            lines.append(f"At least {needed} votes for were needed.")
        if tie:
            met, tie_text = _tie_lines(requirement, casting_allowed, casting)
            lines += tie_text
    if requirement.min_turnout is not None:
        enough = turnout is not None and turnout >= requirement.min_turnout
        shown = percent(turnout) if turnout is not None else "0%"
        lines.append(
            f"Turnout: {totals.cast} of {totals.eligible} {body} voted ({shown}); at least "
            f"{percent(requirement.min_turnout)} must vote: {'met' if enough else 'not met'}."
        )
        met = met and enough
    return Check(
        requirement=requirement,
        tally=totals,
        share_for=share,
        weighted=weighted,
        needed=needed,
        turnout=turnout,
        tie=tie,
        casting_vote=casting if tie and casting_allowed else None,
        met=met,
        lines=tuple(lines),
    )


def decide(
    kind: MotionKind,
    tallies: Sequence[Tally],
    *,
    classes: Sequence[ClassWeight] = (),
    silent_classes: SilentClass = SilentClass.REDISTRIBUTE,
    casting_vote_allowed: bool = False,
    casting_votes: Mapping[Body, bool] | None = None,
) -> Decision:
    """Apply the rule for ``kind`` to the counts.

    ``classes`` (weights and caps of the classes of member) apply to the members' votes when
    given; each members' tally then names its class in ``group``. ``casting_votes`` holds the
    chair's casting vote per body (True for), used only on a tie when the constitution allows.
    """
    rule = RULES[kind]
    _validate(tallies)
    checks = tuple(
        _check(
            r,
            tallies=tallies,
            classes=classes,
            silent=silent_classes,
            casting_allowed=casting_vote_allowed,
            casting=(casting_votes or {}).get(r.body),
        )
        for r in rule.requirements
    )
    passed = all(c.met for c in checks)
    lines = [f"{rule.label}: needs {rule.describe()}."]
    for c in checks:
        lines += c.lines
    if len(checks) > 1:
        lines.append("Every condition must be met." if passed else "Not every condition was met.")
    lines.append(_conclusion(rule, passed))
    return Decision(rule=rule, checks=checks, passed=passed, lines=tuple(lines))


def _conclusion(rule: Rule, passed: bool) -> str:
    if not passed:
        if rule.confirms:
            return "Result: not carried, so the earlier decision lapses."
        return "Result: not carried."
    if rule.follow_up is MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL:
        return (
            "Result: carried. It must be presented at the next annual members' meeting and "
            "lapses unless more than half of members voting approve it."
        )
    if rule.follow_up is MotionKind.SECOND_MEETING_CONFIRMATION:
        return (
            "Result: carried at this meeting. It takes effect only if confirmed by more than "
            "half of members voting at a second meeting."
        )
    return "Result: carried."


class Standing(StrEnum):
    """Where a decision that may need a second vote stands."""

    NOT_CARRIED = "not_carried"
    CARRIED = "carried"  # and needs nothing more
    AWAITING = "awaiting_follow_up"
    CONFIRMED = "confirmed"
    LAPSED = "lapsed"


def standing(first: Decision, follow_up: Decision | None = None) -> Standing:
    """Combine a decision with the follow-up vote its rule needs (if any, and if held yet)."""
    if not first.passed:
        return Standing.NOT_CARRIED
    if first.rule.follow_up is None:
        return Standing.CARRIED
    if follow_up is None:
        return Standing.AWAITING
    if follow_up.rule.kind is not first.rule.follow_up:
        raise ThresholdError(
            f"a {follow_up.rule.label.lower()} does not follow a {first.rule.label.lower()}"
        )
    return Standing.CONFIRMED if follow_up.passed else Standing.LAPSED
