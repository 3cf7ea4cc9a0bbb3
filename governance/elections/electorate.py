"""Who may vote and stand: members of the election's constituency on a given day, from the register.

The electorate is frozen at the close of nominations (RULES.md section 4): the members of the
constituency on the day nominations close, in the organisation's time zone, whenever the freeze
actually runs. The list is stored (``election_elector``) and fingerprinted, so anyone holding
the register for that day can check it: the fingerprint is the SHA-256 of the members'
references, sorted by Unicode code point, each followed by a line feed, encoded as UTF-8.

An election for a constituency with classes under it (a staff constituency) takes in the
members of its classes; an election with no constituency (a co-operative's board) takes in
every member of the organisation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from governance.elections.lifecycle_models import Elector
from governance.elections.models import Election
from governance.members.history import current_on
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.organisations.models import Organisation

BATCH = 2000


def local_day(moment: datetime, organisation: Organisation) -> date:
    """The calendar day of ``moment`` where the organisation is."""
    return moment.astimezone(ZoneInfo(organisation.time_zone)).date()


def constituency_ids(session: Session, election: Election) -> list[int] | None:
    """The constituency and its classes; None for an election open to every member."""
    if election.constituency_id is None:
        return None
    children = session.exec(
        select(Constituency.id).where(Constituency.parent_id == election.constituency_id)
    ).all()
    return [election.constituency_id, *(c for c in children if c is not None)]


def _members_on(organisation_id: int, constituencies: list[int] | None, day: date) -> Select[Any]:
    query = select(MembershipPeriod.member_id).where(
        MembershipPeriod.organisation_id == organisation_id, current_on(day)
    )
    if constituencies is not None:
        query = query.where(col(MembershipPeriod.constituency_id).in_(constituencies))
    return query.distinct()


def member_ids_on(session: Session, election: Election, day: date) -> list[int]:
    """The ids of the members of the election's constituency on ``day``."""
    query = _members_on(election.organisation_id, constituency_ids(session, election), day)
    return sorted(session.execute(query).scalars().all())


def is_member_on(session: Session, election: Election, member_id: int, day: date) -> bool:
    query = _members_on(election.organisation_id, constituency_ids(session, election), day)
    query = query.where(col(MembershipPeriod.member_id) == member_id)
    return session.execute(query).first() is not None


def fingerprint(references: Iterable[str]) -> str:
    """SHA-256 over the sorted references, one per line (see the module docstring)."""
    digest = hashlib.sha256()
    for reference in sorted(references):
        digest.update(reference.encode("utf-8") + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class Frozen:
    day: date
    count: int
    fingerprint: str


def freeze(session: Session, election: Election, organisation: Organisation) -> Frozen:
    """Store the electorate as it stood on the day nominations close (in the caller's
    transaction) and return its size and fingerprint; the caller records them."""
    assert election.id is not None and election.nominations_close_at is not None
    day = local_day(election.nominations_close_at, organisation)
    ids = member_ids_on(session, election, day)
    rows = [{"election_id": election.id, "member_id": member_id} for member_id in ids]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Elector), rows[start : start + BATCH])
    return Frozen(day, len(ids), fingerprint(references_of(session, ids)))


def references_of(session: Session, member_ids: list[int]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        found.extend(session.exec(select(Member.reference).where(col(Member.id).in_(chunk))).all())
    return found


def addresses(session: Session, member_ids: list[int]) -> list[tuple[str, str]]:
    """``(name, email)`` of each of the members who has an email address."""
    found: list[tuple[str, str]] = []
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        rows = session.exec(
            select(Member.first_name, Member.last_name, Member.email).where(
                col(Member.id).in_(chunk), col(Member.email).is_not(None), Member.email != ""
            )
        ).all()
        found.extend((f"{first} {last}".strip(), str(email)) for first, last, email in rows)
    return found


def frozen_members(session: Session, election: Election) -> list[Member]:
    """The members frozen into the electorate, in id order."""
    ids = select(Elector.member_id).where(Elector.election_id == election.id)
    return list(
        session.exec(select(Member).where(col(Member.id).in_(ids)).order_by(col(Member.id))).all()
    )


def frozen_fingerprint(session: Session, election: Election) -> str:
    """The fingerprint recomputed from the stored list (equal to the recorded one)."""
    rows = session.exec(
        select(Member.reference)
        .join(Elector, col(Elector.member_id) == col(Member.id))
        .where(Elector.election_id == election.id)
    ).all()
    return fingerprint(rows)
