"""Tables for running an election around the poll: how its timetable was set, and what it published.

``election_conduct`` is one row per election beside ``election`` (which holds the planned times,
the status and the result): the timetable rules and calendar the dates were checked against,
the link to the election it re-runs, the office terms' start, and the declaration's figures as
they stood when declared. ``election_publication`` holds what anyone may download after the
declaration, kept apart so that the stage machine never loads a large file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from governance.db import JSONDoc, UTCDateTime, utcnow


class ElectionConduct(SQLModel, table=True):
    __tablename__ = "election_conduct"

    election_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("election.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    # The rules the timetable was checked against (``TimetableRules.to_dict``), so a later
    # change to the organisation's rules does not change what this election was held to.
    timetable_rules: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    # Days the returning officer declared do not count (days of mourning), and days declared to
    # count that normally would not, as ISO dates.
    non_working_days: list[str] = Field(default_factory=list, sa_type=JSONDoc)
    working_days: list[str] = Field(default_factory=list, sa_type=JSONDoc)
    rerun_of_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("election.id", ondelete="SET NULL"), index=True),
    )
    # The first day of the elected candidates' terms; None means the day of the declaration.
    term_starts_on: date | None = None
    seed_source: str | None = Field(default=None, max_length=10)  # supplied | drawn
    unfilled_seats: int | None = None
    declaration: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
    created_by: str = Field(default="system", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ElectionPublication(SQLModel, table=True):
    """The anonymised ballots (BLT, shuffled) and the sorted receipt hashes, once declared."""

    __tablename__ = "election_publication"

    election_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("election.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    blt: str = Field(sa_column=Column(Text, nullable=False))
    receipt_hashes: str = Field(sa_column=Column(Text, nullable=False))  # one per line
    ballots: int = 0
    blt_sha256: str = Field(max_length=64)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Elector(SQLModel, table=True):
    """The electorate frozen at the close of nominations: who will be put on the roll.

    The register is open to inspection, so this list is not secret; the roll (``voter``) made
    from it when withdrawals close is.
    """

    __tablename__ = "election_elector"

    election_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("election.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id"), primary_key=True, autoincrement=False, index=True
        )
    )
