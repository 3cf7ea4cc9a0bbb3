"""Election tables.

Secrecy is designed into the schema (docs/security.md, "Ballot secrecy and one vote per member"):

* ``voter`` (the roll) and ``ballot`` are separate tables with no key between them.
* Every ballot is stored sealed to the election's public key (``Election.ballot_public_key``;
  see ``election_key``): the private key is never stored, so nothing in the database, the logs
  or the server key opens a ballot. A ballot has a random id, no timestamp and no sequence; on
  SQLite the table is ``WITHOUT ROWID``. The roll records only the *day* a voter voted.
* Casting flips the voter from ``issued`` to ``voted`` with a conditional UPDATE and inserts the
  sealed ballot in the same transaction, so a code counts once however many submissions race.
  On PostgreSQL the two rows then share ``xmin``: a reader can pair a voter with a ciphertext,
  which only the key opens. After the close the ballots are rewritten in one transaction in
  random-id order (``poll_jobs.erase_credentials_after_close``), which removes even that pairing
  from the live data.
* At the count (``opening``) the ciphertexts are shuffled, opened with the key the returning
  officer supplies, and written to ``counted_ballot`` in one transaction with fresh random ids
  and nothing else, which is what the counting engine reads.
* The voter's receipt abbreviates the SHA-256 of their ciphertext; the ballot keeps the
  receipt's hash for look-up (``receipts``), and ``seal`` (an HMAC under the server key over the
  row) detects a ballot edited in the database. Opened ballots carry no receipt.
* A poll opened before ballots were sealed (``Election.plain_ballots``) keeps storing plain
  ``choices`` until it is counted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from governance.db import JSONDoc, UTCDateTime, utcnow


class ElectionStatus(StrEnum):
    """Where an election is. Stages advance in this order; ``cancelled`` can follow any."""

    DRAFT = "draft"  # being set up; nothing published
    SCHEDULED = "scheduled"  # timetable fixed; waiting for the notice of election
    NOMINATIONS_OPEN = "nominations_open"  # notice published
    NOMINATIONS_CLOSED = "nominations_closed"  # electorate frozen; statement pending
    WITHDRAWALS_OPEN = "withdrawals_open"  # statement of nominated candidates published
    AWAITING_POLL = "awaiting_poll"  # withdrawals closed; credentials issued
    POLLING = "polling"
    POLL_CLOSED = "poll_closed"
    COUNTED = "counted"  # provisional result, not yet declared
    DECLARED = "declared"
    UNCONTESTED = "uncontested"  # candidates <= seats: elected without a poll, declared
    CANCELLED = "cancelled"  # e.g. FPTP poll abandoned after a candidate's death


STAGE_ORDER: tuple[ElectionStatus, ...] = (
    ElectionStatus.DRAFT,
    ElectionStatus.SCHEDULED,
    ElectionStatus.NOMINATIONS_OPEN,
    ElectionStatus.NOMINATIONS_CLOSED,
    ElectionStatus.WITHDRAWALS_OPEN,
    ElectionStatus.AWAITING_POLL,
    ElectionStatus.POLLING,
    ElectionStatus.POLL_CLOSED,
    ElectionStatus.COUNTED,
    ElectionStatus.DECLARED,
)


class Channel(StrEnum):
    ONLINE = "online"
    POSTAL = "postal"
    TELEPHONE = "telephone"
    PAPER = "paper"  # in-person paper ballot entered by staff


class Election(SQLModel, table=True):
    """One poll for ``seats`` seats in one constituency (or class, or a co-op's board)."""

    __tablename__ = "election"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    constituency_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("constituency.id"), index=True)
    )
    title: str = Field(max_length=200)
    office: str = Field(default="governor", max_length=20)  # governor | director
    seats: int
    method: str = Field(max_length=40)  # a counting-engine rule set, e.g. "mer2014-stv"
    channels: list[str] = Field(default_factory=lambda: ["online"], sa_type=JSONDoc)
    identity_declaration: bool = True  # public and patient voters declare; staff do not
    status: str = Field(default=ElectionStatus.DRAFT, max_length=30, index=True)
    # Planned times (UTC) from the timetable. Whether voting is open is decided from these on
    # every request, never from a scheduler having run.
    notice_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nominations_close_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    statement_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawals_close_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    poll_open_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    poll_close_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timetable_overrides: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    term_years: int = 3
    # The poll: who to contact for replacement voting information, when to remind non-voters,
    # and when credentials were erased and ballots shuffled after the close.
    returning_officer_contact: str = Field(default="", max_length=300)
    reminder_days_before_close: list[int] = Field(default_factory=lambda: [7, 2], sa_type=JSONDoc)
    poll_sealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The election key (``election_key``): the public key ballots are sealed to, and, when the
    # private key was split among trustees, how many of how many shares open it. The private key
    # is never stored. ``plain_ballots`` marks a poll opened before ballots were sealed: it keeps
    # storing its ballots as it did until it is counted.
    ballot_public_key: str | None = Field(default=None, max_length=60)
    key_shares_needed: int | None = None
    key_trustees: int | None = None
    plain_ballots: bool = False
    # The electorate, frozen at the close of nominations.
    electorate_frozen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    electorate_count: int | None = None
    electorate_fingerprint: str | None = Field(default=None, max_length=64)
    # The count and declaration.
    seed: str | None = Field(default=None, max_length=100)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
    counted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StageEvent(SQLModel, table=True):
    """When each stage actually happened (planned times live on the election)."""

    __tablename__ = "election_stage_event"
    __table_args__ = (UniqueConstraint("election_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    stage: str = Field(max_length=30)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    happened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(default="system", max_length=100)


class CandidateStatus(StrEnum):
    NOMINATED = "nominated"  # awaiting the returning officer
    VALID = "valid"  # accepted
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DIED = "died"
    DISQUALIFIED = "disqualified"
    ELECTED = "elected"
    NOT_ELECTED = "not_elected"


class Candidate(SQLModel, table=True):
    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("election_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), index=True, nullable=False)
    )
    ballot_name: str = Field(max_length=200)
    statement: str = Field(default="", sa_column=Column(Text, nullable=False))
    photo: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    photo_type: str | None = Field(default=None, max_length=40)
    # The four parts of the nomination form (RULES.md section 4).
    particulars: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    interests: str = Field(default="", sa_column=Column(Text, nullable=False))  # "" = none declared
    declared_eligible: bool = False
    qualifying_constituency_id: int | None = None
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default=CandidateStatus.NOMINATED, max_length=20)
    decision_reason: str | None = Field(default=None, max_length=500)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ballot_position: int | None = None


class VoterStatus(StrEnum):
    ISSUED = "issued"
    VOTED = "voted"


class Delivery(StrEnum):
    """How a voter's credentials reached them."""

    EMAIL = "email"
    POST = "post"  # in the mail house's postal pack


class Voter(SQLModel, table=True):
    """The roll: one row per elector, frozen at the close of nominations.

    Credentials are stored as HMACs for look-up, and sealed (encrypted under the server key)
    only until the close of poll so that reminders can repeat them; they are erased after.
    """

    __tablename__ = "voter"
    __table_args__ = (
        UniqueConstraint("election_id", "member_id"),
        UniqueConstraint("election_id", "voter_id_hmac"),
    )

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id"), index=True, nullable=False)
    )
    voter_id_hmac: str = Field(max_length=64)
    code_hmac: str = Field(max_length=64)
    credentials_sealed: str | None = Field(default=None, sa_column=Column(Text))
    needs_declaration: bool = True
    status: str = Field(default=VoterStatus.ISSUED, max_length=10)
    channel: str | None = Field(default=None, max_length=12)
    voted_on: date | None = None  # the day only: enough for turnout, too coarse to link
    issue_count: int = 1
    delivery: str = Field(default=Delivery.EMAIL, max_length=8)


class Replacement(SQLModel, table=True):
    """Replacement voting information issued by the returning officer (the statutory list)."""

    __tablename__ = "voter_replacement"

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    voter_id: int = Field(
        sa_column=Column(Integer, ForeignKey("voter.id", ondelete="CASCADE"), nullable=False)
    )
    reason: str = Field(max_length=20)  # spoilt | lost | tendered | not received
    issued_by: str = Field(max_length=100)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """One cast ballot, sealed to the election key: no voter, no time, no order, no clear choices.

    ``sealed`` holds the choices (and a staff-entered rejection reason) encrypted to the election's
    public key; only the returning officer's private key opens it, at the count. ``receipt_hash``
    is the hash of the voter's receipt, itself an abbreviation of the SHA-256 of ``sealed``.
    ``choices`` (empty otherwise) and ``invalid_reason`` are filled only for a poll opened before
    ballots were sealed (``Election.plain_ballots``).
    """

    __tablename__ = "ballot"
    __table_args__ = (
        Index("ix_ballot_election_id", "election_id"),
        Index("ix_ballot_receipt_hash", "receipt_hash"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))  # random hex
    election_id: int = Field(
        sa_column=Column(Integer, ForeignKey("election.id", ondelete="CASCADE"), nullable=False)
    )
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    choices: list[int] = Field(default_factory=list, sa_type=JSONDoc)  # plain polls only
    receipt_hash: str = Field(max_length=64)
    seal: str = Field(max_length=64)
    late: bool = False  # arrived after the close of poll: kept, never counted
    invalid_reason: str | None = Field(default=None, max_length=40)  # plain polls' papers only


class CountedBallot(SQLModel, table=True):
    """A ballot as opened at the count: written in a shuffled order, in one transaction, with a
    random id and nothing else, so neither its row, its order nor its transaction leads back to
    a cast ballot (or a receipt). Replaced whole by a recount."""

    __tablename__ = "counted_ballot"
    __table_args__ = (
        Index("ix_counted_ballot_election_id", "election_id"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))  # random hex
    election_id: int = Field(
        sa_column=Column(Integer, ForeignKey("election.id", ondelete="CASCADE"), nullable=False)
    )
    choices: list[int] = Field(default_factory=list, sa_type=JSONDoc)
    invalid_reason: str | None = Field(default=None, max_length=40)


class RefusalCount(SQLModel, table=True):
    """Refused voting attempts, counted by reason for the returning officer (no identities)."""

    __tablename__ = "election_refusal"
    __table_args__ = (UniqueConstraint("election_id", "reason"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    reason: str = Field(max_length=40)
    count: int = 0


class PostalPack(SQLModel, table=True):
    """The mail house's file of names, addresses and credentials: sealed, then erased."""

    __tablename__ = "postal_pack"

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    rows: int = 0
    content_sealed: str | None = Field(default=None, sa_column=Column(Text))
    downloads: int = 0


class PollReminder(SQLModel, table=True):
    """A reminder point (days before the close) that has been dealt with for an election.

    The row is inserted in the same transaction as the reminders it stands for, and the unique
    constraint lets only one run insert it, so each voter is reminded at most once per point.
    ``skipped`` marks a point that fell before the poll opened or was overtaken by a later one.
    """

    __tablename__ = "poll_reminder"
    __table_args__ = (UniqueConstraint("election_id", "days_before"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("election.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    days_before: int
    queued: int = 0
    skipped: bool = False
    done_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
