"""Read-only queries on the elections' tables: declared results, for the public list of
election results and the health report. Nothing here writes, and nothing secret is read (the
declaration's published figures only, never the roll or the ballots)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.members.models import Constituency

DECLARED = (ElectionStatus.DECLARED.value, ElectionStatus.UNCONTESTED.value)
STOOD = (
    CandidateStatus.VALID.value,
    CandidateStatus.ELECTED.value,
    CandidateStatus.NOT_ELECTED.value,
)


@dataclass(frozen=True)
class ElectionResult:
    id: int
    title: str
    office: str
    constituency: str
    seats: int
    candidates: int
    contested: bool
    electorate: int | None
    votes_cast: int | None
    turnout: str
    elected: list[str]
    declared_at: datetime


def declared(
    session: Session,
    organisation_id: int,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
) -> list[ElectionResult]:
    """Declared elections, newest first, optionally those declared in ``[since, before)``."""
    query = (
        select(Election, ElectionConduct, Constituency.name)
        .join(ElectionConduct, col(ElectionConduct.election_id) == Election.id, isouter=True)
        .join(Constituency, col(Constituency.id) == Election.constituency_id, isouter=True)
        .where(
            Election.organisation_id == organisation_id,
            col(Election.status).in_(DECLARED),
            col(Election.declared_at).is_not(None),
        )
    )
    if since is not None:
        query = query.where(col(Election.declared_at) >= since)
    if before is not None:
        query = query.where(col(Election.declared_at) < before)
    rows = session.exec(query.order_by(col(Election.declared_at).desc(), col(Election.id))).all()
    ids = [election.id for election, _conduct, _name in rows]
    stood = dict(
        session.exec(
            select(Candidate.election_id, func.count())
            .where(col(Candidate.election_id).in_(ids), col(Candidate.status).in_(STOOD))
            .group_by(col(Candidate.election_id))
        ).all()
    )
    return [_result(e, c, name, int(stood.get(e.id or 0, 0))) for e, c, name in rows]


def _result(
    election: Election, conduct: ElectionConduct | None, constituency: str | None, stood: int
) -> ElectionResult:
    figures: dict[str, Any] = (conduct.declaration if conduct else None) or {}
    contested = bool(figures.get("contested", election.status == ElectionStatus.DECLARED))
    assert election.id is not None and election.declared_at is not None
    return ElectionResult(
        id=election.id,
        title=election.title,
        office=election.office,
        constituency=constituency or "",
        seats=election.seats,
        candidates=stood,
        contested=contested,
        electorate=_int(figures.get("electorate", election.electorate_count)),
        votes_cast=_int(figures.get("votes_cast")) if contested else None,
        turnout=str(figures.get("turnout", "")) if contested else "",
        elected=[str(person.get("name", "")) for person in figures.get("elected", [])],
        declared_at=election.declared_at,
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None
