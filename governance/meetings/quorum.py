"""Quorum and the adjournment of an inquorate meeting (pure; RULES.md section 5).

The quorum is the greater of a number of people and a percentage of the body (rounded up): of
the members for a members' meeting, of the governors holding office for a council meeting, of
the directors for a board meeting held in public. Members represented by a proxy whose holder is
present count towards a members' meeting's quorum when ``quorum_counts_proxies`` is set.

If the quorum is not present within ``inquorate_adjourn_minutes`` of the time the meeting was
called for, the meeting stands adjourned to the same local time ``adjourn_to_days`` later. At
the adjourned meeting of members, with ``adjourned_quorum_present`` set, the members present
form the quorum; two people are still needed, since one person cannot hold a meeting. Otherwise
the adjourned meeting is held to the same rule as the first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from governance.meetings.kinds import MEMBERS_KINDS, MeetingKind
from governance.organisations.constitution import Constitution

FEWEST_FOR_A_MEETING = 2


class Body(StrEnum):
    MEMBERS = "members"
    GOVERNORS = "governors"
    DIRECTORS = "directors"


@dataclass(frozen=True)
class QuorumRule:
    body: Body
    min_present: int
    percent: int
    counts_proxies: bool
    adjourn_after_minutes: int
    those_present: bool = False  # an adjourned meeting where those present form the quorum

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuorumRule:
        return cls(**{**data, "body": Body(data["body"])})

    def describe(self) -> str:
        if self.those_present:
            return f"The {self.body} present form the quorum (at least {FEWEST_FOR_A_MEETING})."
        proxies = " Members represented by proxy count." if self.counts_proxies else ""
        if self.percent == 0:
            return f"{self.min_present} {self.body}.{proxies}"
        return (
            f"The greater of {self.min_present} {self.body} and {self.percent}% of all "
            f"{self.body}.{proxies}"
        )


def rule_for(kind: MeetingKind, constitution: Constitution, *, adjourned: bool) -> QuorumRule:
    """The quorum of a meeting of ``kind``; ``adjourned`` when it resumes an adjourned one."""
    minutes = constitution.inquorate_adjourn_minutes
    if kind is MeetingKind.COUNCIL_OF_GOVERNORS:
        return QuorumRule(
            Body.GOVERNORS,
            constitution.council_quorum_min_governors,
            constitution.council_quorum_percent,
            False,
            minutes,
        )
    if kind is MeetingKind.BOARD_IN_PUBLIC:
        return QuorumRule(
            Body.DIRECTORS,
            constitution.board_quorum_min_directors,
            constitution.board_quorum_percent,
            False,
            minutes,
        )
    assert kind in MEMBERS_KINDS
    return QuorumRule(
        Body.MEMBERS,
        constitution.quorum_min_members,
        constitution.quorum_percent,
        constitution.quorum_counts_proxies,
        minutes,
        those_present=adjourned and constitution.adjourned_quorum_present,
    )


@dataclass(frozen=True)
class Tally:
    """Who could attend (``body_size``), who is present, and members represented by proxy whose
    holder is present (not counting anyone also present in person)."""

    body_size: int
    present: int
    proxies: int = 0


@dataclass(frozen=True)
class QuorumState:
    required: int
    counted: int
    quorate: bool
    explanation: str

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.counted)


def required(rule: QuorumRule, body_size: int) -> int:
    if rule.those_present:
        return FEWEST_FOR_A_MEETING
    share = -(-rule.percent * max(0, body_size) // 100)  # rounded up, in integers
    return max(rule.min_present, share, 1)


def evaluate(rule: QuorumRule, tally: Tally) -> QuorumState:
    need = required(rule, tally.body_size)
    proxies = tally.proxies if rule.counts_proxies else 0
    counted = tally.present + proxies
    by_proxy = f" ({tally.present} present, {proxies} by proxy)" if proxies else ""
    quorate = counted >= need
    verdict = "quorate" if quorate else f"not quorate: {need - counted} more needed"
    return QuorumState(
        need, counted, quorate, f"{counted} of {need} {rule.body} needed{by_proxy}; {verdict}."
    )


def adjournment_due_at(rule: QuorumRule, starts_at: datetime) -> datetime:
    """When a meeting still without its quorum stands adjourned."""
    return starts_at + timedelta(minutes=rule.adjourn_after_minutes)


def must_adjourn(
    rule: QuorumRule, starts_at: datetime, now: datetime, quorate_at: datetime | None
) -> bool:
    """True once the time allowed has passed without the quorum having been present."""
    return quorate_at is None and now >= adjournment_due_at(rule, starts_at)


def adjourned_start(starts_at: datetime, days: int, zone: str) -> datetime:
    """The same local time ``days`` later (so a change of clocks keeps the advertised hour)."""
    local = starts_at.astimezone(ZoneInfo(zone))
    moved = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=ZoneInfo(zone))
    return moved.astimezone(starts_at.tzinfo)
