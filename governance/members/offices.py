"""The register of office holders: governors and directors, each with the term they serve.

A term is written when an election is declared (or when someone is appointed) and runs from
``starts_on`` up to, but not including, ``ends_on``; ``ended_on`` records a term cut short
(resignation, removal, death) with its reason. "Who holds office on day D" is one indexed
query, which the registers of governors and directors and the accountability pages use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, and_, or_
from sqlmodel import Field, Session, SQLModel, col, select

from governance.db import UTCDateTime, utcnow


class Office(StrEnum):
    GOVERNOR = "governor"
    DIRECTOR = "director"


class OfficeTerm(SQLModel, table=True):
    __tablename__ = "office_term"
    __table_args__ = (
        Index("ix_office_term_organisation_id_starts_on", "organisation_id", "starts_on"),
        CheckConstraint("ends_on > starts_on", name="term_in_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), nullable=False, index=True)
    )
    office: str = Field(max_length=20)
    constituency_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("constituency.id"))
    )
    election_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("election.id", ondelete="SET NULL"), index=True),
    )
    starts_on: date
    ends_on: date  # the first day the term no longer runs
    ended_on: date | None = None  # cut short on this day
    end_reason: str | None = Field(default=None, max_length=200)
    recorded_by: str = Field(default="system", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def term_end(starts_on: date, years: int) -> date:
    """The day a term of ``years`` beginning on ``starts_on`` ends (29 February → 1 March)."""
    if years < 1:
        raise ValueError("a term lasts at least one year")
    try:
        return starts_on.replace(year=starts_on.year + years)
    except ValueError:  # 29 February into a year without one
        return starts_on.replace(year=starts_on.year + years, day=28) + timedelta(days=1)


def start_terms(
    session: Session,
    *,
    organisation_id: int,
    member_ids: Iterable[int],
    office: Office,
    starts_on: date,
    years: int,
    constituency_id: int | None = None,
    election_id: int | None = None,
    recorded_by: str = "system",
) -> list[OfficeTerm]:
    """Add a term for each member in the caller's transaction (not committed here)."""
    ends_on = term_end(starts_on, years)
    terms = [
        OfficeTerm(
            organisation_id=organisation_id,
            member_id=member_id,
            office=office.value,
            constituency_id=constituency_id,
            election_id=election_id,
            starts_on=starts_on,
            ends_on=ends_on,
            recorded_by=recorded_by,
        )
        for member_id in member_ids
    ]
    session.add_all(terms)
    return terms


def holders_on(
    session: Session, organisation_id: int, day: date, office: Office | None = None
) -> list[OfficeTerm]:
    """The terms running on ``day``: started, not yet at their end, not cut short."""
    running = and_(
        col(OfficeTerm.starts_on) <= day,
        col(OfficeTerm.ends_on) > day,
        or_(col(OfficeTerm.ended_on).is_(None), col(OfficeTerm.ended_on) > day),
    )
    query = select(OfficeTerm).where(OfficeTerm.organisation_id == organisation_id, running)
    if office is not None:
        query = query.where(OfficeTerm.office == office.value)
    return list(session.exec(query.order_by(col(OfficeTerm.starts_on), col(OfficeTerm.id))).all())


def terms_from_election(session: Session, election_id: int) -> list[OfficeTerm]:
    return list(
        session.exec(
            select(OfficeTerm)
            .where(OfficeTerm.election_id == election_id)
            .order_by(col(OfficeTerm.id))
        ).all()
    )
