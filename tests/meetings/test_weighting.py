"""Weighted member classes and caps (multi-stakeholder co-operatives), with exact arithmetic."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from governance.meetings.thresholds import Body, MotionKind, Tally, decide
from governance.meetings.weighting import (
    ClassVotes,
    ClassWeight,
    SilentClass,
    WeightingError,
    weigh,
)

# RULES.md: workers 50% whatever their number, customers 40%, investors at most 10%.
CLASSES = [
    ClassWeight("W", "Workers", share=F(1, 2)),
    ClassWeight("C", "Customers", share=F(2, 5)),
    ClassWeight("I", "Investors", cap=F(1, 10)),
]


def votes(code: str, eligible: int, votes_for: int, against: int, abstain: int = 0) -> ClassVotes:
    return ClassVotes(code, eligible, votes_for, against, abstain)


def tally(code: str, eligible: int, votes_for: int, against: int, abstain: int = 0) -> Tally:
    return Tally(Body.MEMBERS, eligible, votes_for, against, abstain, group=code)


def test_each_class_counts_its_share_whatever_its_size() -> None:
    result = weigh(
        CLASSES,
        [votes("W", 60, 10, 30, 5), votes("C", 5000, 900, 100, 50), votes("I", 300, 0, 60)],
    )
    strengths = {c.code: c.strength for c in result.classes}
    assert strengths == {"W": F(1, 2), "C": F(2, 5), "I": F(1, 10)}
    # 1/2 * 1/4 + 2/5 * 9/10 + 1/10 * 0 = 1/8 + 9/25
    assert result.share_for == F(1, 8) + F(9, 25)
    # By head count it would have carried easily (910 of 1100); weighted it does not.
    decision = decide(
        MotionKind.ORDINARY,
        [tally("W", 60, 10, 30, 5), tally("C", 5000, 900, 100, 50), tally("I", 300, 0, 60)],
        classes=CLASSES,
    )
    assert not decision.passed
    assert decision.checks[0].share_for == F(97, 200)
    assert "Weighted share for: 48.5% of a counted strength of 100% = 48.5%." in decision.lines


def test_a_silent_class_is_redistributed_by_default() -> None:
    counts = [votes("W", 50, 30, 10, 2), votes("C", 5000, 0, 0, 7), votes("I", 300, 20, 20)]
    result = weigh(CLASSES, counts)
    by_code = {c.code: c for c in result.classes}
    assert by_code["C"].strength == 0 and not by_code["C"].voted and not by_code["C"].withheld
    # Workers and investors share the whole vote 5:1, then investors are held to 10%.
    assert by_code["I"].strength == F(1, 10) and by_code["I"].capped
    assert by_code["W"].strength == F(9, 10)
    assert result.share_for == F(9, 10) * F(3, 4) + F(1, 10) * F(1, 2)


def test_a_silent_class_can_be_withheld_instead() -> None:
    counts = [votes("W", 50, 30, 10, 2), votes("C", 5000, 0, 0, 7), votes("I", 300, 20, 20)]
    result = weigh(CLASSES, counts, SilentClass.WITHHOLD)
    by_code = {c.code: c for c in result.classes}
    assert by_code["C"].withheld and by_code["C"].strength == F(2, 5)
    assert result.counted_strength == 1
    assert result.share_for == F(1, 2) * F(3, 4) + F(1, 10) * F(1, 2)  # 0.425
    decision = decide(
        MotionKind.ORDINARY,
        [tally("W", 50, 30, 10, 2), tally("C", 5000, 0, 0, 7), tally("I", 300, 20, 20)],
        classes=CLASSES,
        silent_classes=SilentClass.WITHHOLD,
    )
    assert not decision.passed  # redistributed it would be 72.5% and carry
    assert any("stays in the total and counts as not for" in line for line in decision.lines)


def test_classes_without_a_fixed_share_are_one_member_one_vote_under_a_cap() -> None:
    classes = [
        ClassWeight("U", "Users"),
        ClassWeight("S", "Supporters"),
        ClassWeight("I", "Investors", cap=F(1, 10)),
    ]
    # 600 + 200 + 200 votes cast: investors would hold 20%; the cap cuts them to 10% and the
    # other 10% goes to users and supporters 3:1.
    result = weigh(
        classes, [votes("U", 900, 600, 0), votes("S", 400, 0, 200), votes("I", 250, 200, 0)]
    )
    by_code = {c.code: c.strength for c in result.classes}
    assert by_code == {"U": F(3, 5) + F(3, 40), "S": F(1, 5) + F(1, 40), "I": F(1, 10)}
    assert result.share_for == F(27, 40) + F(1, 10)
    # With no cap binding, the weighted share is the plain majority of votes cast.
    plain = weigh(classes, [votes("U", 900, 60, 40), votes("S", 400, 10, 40), votes("I", 9, 1, 0)])
    assert plain.share_for == F(71, 151)


def test_a_capped_class_alone_decides_when_nobody_else_votes() -> None:
    result = weigh(CLASSES, [votes("W", 40, 0, 0), votes("C", 50, 0, 0), votes("I", 9, 3, 1)])
    assert result.share_for == F(3, 4)
    assert result.unassigned == F(9, 10)
    withheld = weigh(
        CLASSES,
        [votes("W", 40, 0, 0), votes("C", 50, 0, 0), votes("I", 9, 3, 1)],
        SilentClass.WITHHOLD,
    )
    assert withheld.share_for == F(3, 40)


def test_unfixed_classes_that_all_stay_silent_withhold_the_remainder_together() -> None:
    classes = [ClassWeight("W", "Workers", share=F(3, 5)), ClassWeight("U", "Users")]
    counts = [votes("W", 10, 6, 0), votes("U", 100, 0, 0, 4)]
    assert weigh(classes, counts).share_for == 1
    withheld = weigh(classes, counts, SilentClass.WITHHOLD)
    assert withheld.pool_withheld == F(2, 5) and withheld.share_for == F(3, 5)


def test_a_weighted_tie_fails_and_no_votes_at_all_fails() -> None:
    classes = [ClassWeight("A", "A", share=F(1, 2)), ClassWeight("B", "B", share=F(1, 2))]
    tie = decide(
        MotionKind.ORDINARY, [tally("A", 10, 8, 0), tally("B", 90, 0, 50)], classes=classes
    )
    assert not tie.passed and tie.checks[0].tie
    silent = decide(
        MotionKind.ORDINARY, [tally("A", 10, 0, 0, 3), tally("B", 90, 0, 0)], classes=classes
    )
    assert not silent.passed and silent.checks[0].share_for is None


def test_weighted_special_resolution_and_its_explanation_data() -> None:
    decision = decide(
        MotionKind.SPECIAL,
        [tally("W", 40, 36, 4), tally("C", 5000, 700, 300, 10), tally("I", 300, 0, 0)],
        classes=CLASSES,
    )
    # Investors silent: workers and customers share the vote 5:4; 5/9 * 9/10 + 4/9 * 7/10.
    assert decision.checks[0].share_for == F(5, 9) * F(9, 10) + F(4, 9) * F(7, 10)
    assert decision.passed
    weighted = decision.to_json()["checks"][0]["weighted"]
    assert weighted["mode"] == "redistribute"
    assert [c["strength"] for c in weighted["classes"]] == ["5/9", "4/9", "0/1"]
    assert weighted["classes"][2]["voted"] is False


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(WeightingError, match="more than 100%"):
        weigh(
            [ClassWeight("A", "A", share=F(3, 5)), ClassWeight("B", "B", share=F(1, 2))],
            [votes("A", 1, 1, 0), votes("B", 1, 1, 0)],
        )
    with pytest.raises(WeightingError, match="no weight"):
        weigh(CLASSES, [votes("X", 1, 1, 0)])
