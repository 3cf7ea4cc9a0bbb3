"""Every threshold row of RULES.md sections 3 and 5, with abstentions, absentees and ties."""

from __future__ import annotations

from fractions import Fraction

import pytest

from governance.meetings.thresholds import (
    RULES,
    Body,
    MotionKind,
    Standing,
    Tally,
    ThresholdError,
    decide,
    percent,
    standing,
)

M, G, D = Body.MEMBERS, Body.GOVERNORS, Body.DIRECTORS


def governors(eligible: int, votes_for: int, against: int = 0, abstain: int = 0) -> Tally:
    return Tally(G, eligible, votes_for, against, abstain)


def members(eligible: int, votes_for: int, against: int = 0, abstain: int = 0) -> Tally:
    return Tally(M, eligible, votes_for, against, abstain)


def directors(eligible: int, votes_for: int, against: int = 0, abstain: int = 0) -> Tally:
    return Tally(D, eligible, votes_for, against, abstain)


DOUBLE = "more than half of directors voting AND more than half of governors voting"

# Each row of the tables, as the rules word it.
ROWS = {
    MotionKind.FT_AMENDMENT: DOUBLE,
    MotionKind.FT_AMENDMENT_GOVERNORS_ROLE: DOUBLE,
    MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL: "more than half of members voting",
    MotionKind.SIGNIFICANT_TRANSACTION: "more than half of governors voting",
    MotionKind.MERGER: "more than half of all governors",
    MotionKind.ACQUISITION: "more than half of all governors",
    MotionKind.SEPARATION: "more than half of all governors",
    MotionKind.DISSOLUTION: "more than half of all governors",
    MotionKind.NON_NHS_INCOME: "more than half of governors voting",
    MotionKind.REMOVE_CHAIR: "at least three-quarters of all governors",
    MotionKind.REMOVE_NON_EXECUTIVE: "at least three-quarters of all governors",
    MotionKind.ADVISORY_PANEL: "more than half of governors voting",
    MotionKind.ORDINARY: "more than half of members voting",
    MotionKind.SPECIAL: "at least 75% of members voting",
    MotionKind.RULE_CHANGE: "at least 75% of members voting",
    MotionKind.EXPULSION: "at least 75% of members voting",
    MotionKind.ASSET_SALE: "at least 75% of members voting",
    MotionKind.WINDING_UP: "at least 75% of members voting",
    MotionKind.AMALGAMATION: "at least two-thirds of members voting",
    MotionKind.TRANSFER_OF_ENGAGEMENTS: "at least two-thirds of members voting",
    MotionKind.SECOND_MEETING_CONFIRMATION: "more than half of members voting",
    MotionKind.CONVERSION: (
        "at least 75% of members voting, with at least 50% of all members voting"
    ),
}


def test_every_kind_has_its_row() -> None:
    assert set(ROWS) == set(MotionKind) == set(RULES)
    for kind, wording in ROWS.items():
        assert RULES[kind].describe() == wording, kind


MAJORITY_OF_VOTING = [
    (MotionKind.SIGNIFICANT_TRANSACTION, governors),
    (MotionKind.NON_NHS_INCOME, governors),
    (MotionKind.ADVISORY_PANEL, governors),
    (MotionKind.ORDINARY, members),
    (MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL, members),
    (MotionKind.SECOND_MEETING_CONFIRMATION, members),
]


@pytest.mark.parametrize(("kind", "body"), MAJORITY_OF_VOTING)
def test_more_than_half_of_those_voting(kind: MotionKind, body: type[Tally]) -> None:
    # 6 for, 5 against, 8 abstain, 11 absent: abstentions and absentees do not count.
    carried = decide(kind, [body(30, 6, 5, 8)])
    assert carried.passed
    assert carried.checks[0].needed == 6
    assert "Abstentions are not votes cast: 11 votes were cast." in carried.lines
    # Even a handful of votes carries it when everyone else abstains or stays away.
    assert decide(kind, [body(30, 2, 1, 20)]).passed
    # A tie fails, however many abstained.
    tie = decide(kind, [body(30, 5, 5, 12)])
    assert not tie.passed and tie.checks[0].tie
    assert any("a tie on more than half fails" in line for line in tie.lines)
    # Fewer for than against fails; nobody voting fails.
    assert not decide(kind, [body(30, 4, 5, 0)]).passed
    nobody = decide(kind, [body(30, 0, 0, 3)])
    assert not nobody.passed and nobody.checks[0].share_for is None


@pytest.mark.parametrize(
    "kind",
    [MotionKind.MERGER, MotionKind.ACQUISITION, MotionKind.SEPARATION, MotionKind.DISSOLUTION],
)
def test_more_than_half_of_all_governors(kind: MotionKind) -> None:
    # 11 of 20 carries it, even with 9 absent.
    assert decide(kind, [governors(20, 11)]).passed
    # 10 for and nobody against is still only half of all governors: it fails.
    half = decide(kind, [governors(20, 10, 0, 2)])
    assert not half.passed
    assert half.checks[0].needed == 11
    assert not half.checks[0].tie  # "of all": an absentee is as good as a vote against
    # Abstentions and absentees both count against: 10 for of 21 fails even unopposed.
    assert not decide(kind, [governors(21, 10, 0, 11)]).passed
    assert decide(kind, [governors(21, 11, 10)]).passed


@pytest.mark.parametrize("kind", [MotionKind.REMOVE_CHAIR, MotionKind.REMOVE_NON_EXECUTIVE])
def test_three_quarters_of_all_governors(kind: MotionKind) -> None:
    assert decide(kind, [governors(20, 15, 5)]).passed  # exactly three-quarters
    short = decide(kind, [governors(20, 14, 0, 1)])  # 14 unopposed, 5 absent: not enough
    assert not short.passed and short.checks[0].needed == 15
    # 3/4 of 21 is 15.75: 16 are needed.
    assert decide(kind, [governors(21, 15, 0)]).checks[0].needed == 16
    assert not decide(kind, [governors(21, 15, 0)]).passed
    assert decide(kind, [governors(21, 16, 5)]).passed


@pytest.mark.parametrize(
    "kind",
    [
        MotionKind.SPECIAL,
        MotionKind.RULE_CHANGE,
        MotionKind.EXPULSION,
        MotionKind.ASSET_SALE,
        MotionKind.WINDING_UP,
    ],
)
def test_special_resolution_is_75_percent_of_votes_cast(kind: MotionKind) -> None:
    assert decide(kind, [members(100, 30, 10, 40)]).passed  # exactly 75%, abstentions ignored
    assert not decide(kind, [members(100, 29, 10, 0)]).passed  # 74.36%
    assert not decide(kind, [members(100, 3, 3, 0)]).passed  # a tie is far short
    assert decide(kind, [members(1000, 4, 0, 900)]).passed


@pytest.mark.parametrize("kind", [MotionKind.AMALGAMATION, MotionKind.TRANSFER_OF_ENGAGEMENTS])
def test_amalgamation_two_thirds_then_a_second_meeting(kind: MotionKind) -> None:
    first = decide(kind, [members(90, 20, 10, 15)])  # exactly two-thirds
    assert first.passed and first.awaiting is MotionKind.SECOND_MEETING_CONFIRMATION
    assert "confirmed by more than half of members voting at a second meeting" in first.lines[-1]
    assert standing(first) is Standing.AWAITING
    confirm = MotionKind.SECOND_MEETING_CONFIRMATION
    assert standing(first, decide(confirm, [members(90, 31, 30, 5)])) is Standing.CONFIRMED
    assert standing(first, decide(confirm, [members(90, 30, 30, 5)])) is Standing.LAPSED
    short = decide(kind, [members(90, 19, 10)])  # 65.5%
    assert not short.passed and short.awaiting is None
    assert standing(short) is Standing.NOT_CARRIED


def test_conversion_needs_75_percent_and_half_the_members_voting() -> None:
    kind = MotionKind.CONVERSION
    assert decide(kind, [members(100, 38, 12)]).passed  # 76%, turnout exactly half
    low_turnout = decide(kind, [members(100, 49, 0, 10)])  # unanimous, but 49 of 100 voted
    assert not low_turnout.passed
    assert low_turnout.checks[0].turnout == Fraction(49, 100)
    assert any(line.startswith("Turnout: 49 of 100") for line in low_turnout.lines)
    # Abstentions are not votes: they do not make up the turnout.
    assert not decide(kind, [members(100, 40, 0, 30)]).passed
    assert not decide(kind, [members(100, 37, 13)]).passed  # 74% with turnout met


def test_ft_amendment_needs_both_bodies() -> None:
    kind = MotionKind.FT_AMENDMENT
    both = decide(kind, [governors(20, 9, 8, 3), directors(11, 6, 5)])
    assert both.passed
    assert [c.requirement.body for c in both.checks] == [D, G]
    governors_only = decide(kind, [governors(20, 15, 0), directors(11, 5, 6)])
    assert not governors_only.passed
    assert "Not every condition was met." in governors_only.lines
    directors_tie = decide(kind, [governors(20, 15, 0), directors(11, 5, 5, 1)])
    assert not directors_tie.passed
    with pytest.raises(ThresholdError, match="directors"):
        decide(kind, [governors(20, 15, 0)])


def test_governors_role_amendment_goes_to_the_members_and_lapses_if_refused() -> None:
    first = decide(
        MotionKind.FT_AMENDMENT_GOVERNORS_ROLE, [governors(18, 10, 2), directors(9, 5, 1, 3)]
    )
    assert first.passed and first.awaiting is MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL
    assert "next annual members' meeting" in first.lines[-1]
    approval = MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL
    approved = decide(approval, [members(15_000, 300, 120, 40)])
    refused = decide(approval, [members(15_000, 150, 150, 40)])  # a tie is a refusal
    assert standing(first, approved) is Standing.CONFIRMED
    assert standing(first, refused) is Standing.LAPSED
    assert refused.lines[-1] == "Result: not carried, so the earlier decision lapses."
    with pytest.raises(ThresholdError):
        standing(first, decide(MotionKind.ORDINARY, [members(10, 6)]))
    plain = decide(MotionKind.FT_AMENDMENT, [governors(18, 10, 2), directors(9, 5, 1)])
    assert standing(plain) is Standing.CARRIED


def test_a_tie_fails_without_a_casting_vote_and_follows_the_chairs_when_allowed() -> None:
    tie = [members(20, 7, 7, 2)]
    kind = MotionKind.ORDINARY
    assert not decide(kind, tie).passed
    assert not decide(kind, tie, casting_vote_allowed=True).passed  # none given
    assert not decide(kind, tie, casting_vote_allowed=True, casting_votes={M: False}).passed
    carried = decide(kind, tie, casting_vote_allowed=True, casting_votes={M: True})
    assert carried.passed and carried.checks[0].casting_vote is True
    assert "The chair gave a casting vote for the motion. Met." in carried.lines
    # The setting decides: a casting vote given where the constitution allows none is ignored.
    assert not decide(kind, tie, casting_votes={M: True}).passed
    # No tie, no casting vote.
    clear = decide(kind, [members(20, 8, 7)], casting_vote_allowed=True, casting_votes={M: False})
    assert clear.passed and clear.checks[0].casting_vote is None


def test_a_casting_vote_settles_one_body_of_a_double_majority() -> None:
    counts = [governors(20, 12, 4), directors(10, 5, 5)]
    kind = MotionKind.FT_AMENDMENT
    assert not decide(kind, counts, casting_vote_allowed=True).passed
    assert decide(kind, counts, casting_vote_allowed=True, casting_votes={D: True}).passed


def test_no_casting_vote_on_three_quarters_or_all_member_rules() -> None:
    assert not decide(
        MotionKind.MERGER,
        [governors(20, 10, 10)],
        casting_vote_allowed=True,
        casting_votes={G: True},
    ).passed
    special = decide(
        MotionKind.SPECIAL, [members(8, 3, 3)], casting_vote_allowed=True, casting_votes={M: True}
    )
    assert not special.passed and not special.checks[0].tie


def test_counts_that_cannot_be_right_are_refused() -> None:
    with pytest.raises(ThresholdError, match="more votes than voters"):
        decide(MotionKind.ORDINARY, [members(10, 6, 4, 1)])
    with pytest.raises(ThresholdError, match="negative"):
        decide(MotionKind.ORDINARY, [members(10, -1, 4)])
    with pytest.raises(ThresholdError, match="members"):
        decide(MotionKind.ORDINARY, [governors(10, 6)])


def test_the_explanation_is_text_and_data() -> None:
    decision = decide(MotionKind.SIGNIFICANT_TRANSACTION, [governors(24, 12, 7, 3)])
    assert decision.lines == (
        "Significant transaction: needs more than half of governors voting.",
        "Governors: 24 could vote when voting opened; 12 for, 7 against, 3 abstained, "
        "2 did not vote.",
        "Abstentions are not votes cast: 19 votes were cast.",
        "Needed: more than half of governors voting. 12 of 19 votes cast is 63.16%; more than "
        "50% is needed: met.",
        "At least 10 votes for were needed.",
        "Result: carried.",
    )
    data = decision.to_json()
    assert data["passed"] is True
    (check,) = data["checks"]
    assert check["share_for"] == "12/19"
    assert check["absent"] == 2 and check["votes_cast"] == 19 and check["needed"] == 10
    assert data["explanation"] == list(decision.lines)


def test_percent_is_exact_until_printed() -> None:
    assert percent(Fraction(1, 2)) == "50%"
    assert percent(Fraction(2, 3)) == "66.67%"
    assert percent(Fraction(1, 8)) == "12.5%"
    assert percent(Fraction(12, 19)) == "63.16%"
    assert percent(Fraction(1, 200)) == "0.5%"
