"""Turnout and refusals: counts only, for staff. Nothing here says who voted or how."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.elections.models import Ballot, Election, RefusalCount, Voter, VoterStatus


@dataclass(frozen=True)
class Turnout:
    electorate: int
    voted: int
    by_channel: dict[str, int] = field(default_factory=dict)
    by_day: list[tuple[date, int]] = field(default_factory=list)
    late_ballots: int = 0

    @property
    def percent(self) -> str:
        """Turnout to one decimal place, computed in integers (no floats for vote figures)."""
        if not self.electorate:
            return "0.0%"
        tenths = (self.voted * 1000 + self.electorate // 2) // self.electorate
        return f"{tenths // 10}.{tenths % 10}%"

    def as_json(self) -> dict[str, object]:
        return {
            "electorate": self.electorate,
            "voted": self.voted,
            "turnout": self.percent,
            "by_channel": self.by_channel,
            "by_day": [{"date": day.isoformat(), "voted": count} for day, count in self.by_day],
            "late_ballots": self.late_ballots,
        }


def turnout(session: Session, election: Election) -> Turnout:
    rows = session.exec(
        select(col(Voter.status), col(Voter.channel), col(Voter.voted_on), func.count())
        .where(Voter.election_id == election.id)
        .group_by(col(Voter.status), col(Voter.channel), col(Voter.voted_on))
    ).all()
    electorate = 0
    channels: Counter[str] = Counter()
    days: Counter[date] = Counter()
    for status, channel, voted_on, count in rows:
        electorate += count
        if status == VoterStatus.VOTED:
            channels[channel or "unknown"] += count
            if voted_on is not None:
                days[voted_on] += count
    late = session.exec(
        select(func.count())
        .select_from(Ballot)
        .where(Ballot.election_id == election.id, col(Ballot.late).is_(True))
    ).one()
    return Turnout(
        electorate=electorate,
        voted=sum(channels.values()),
        by_channel=dict(sorted(channels.items())),
        by_day=sorted(days.items()),
        late_ballots=late,
    )


def refusal_counts(session: Session, election: Election) -> dict[str, int]:
    rows = session.exec(
        select(RefusalCount.reason, RefusalCount.count)
        .where(RefusalCount.election_id == election.id)
        .order_by(col(RefusalCount.reason))
    ).all()
    return dict(rows)
