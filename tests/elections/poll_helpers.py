"""Seeding for the poll's tests: an election at the poll, candidates, a roll with known
credentials, and clients for voters and staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from governance.db import utcnow
from governance.elections.ballot_box import Credentials
from governance.elections.election_key import generate_key_pair, open_ballot, unlock
from governance.elections.models import (
    Ballot,
    Candidate,
    CandidateStatus,
    Election,
    ElectionStatus,
    Voter,
)
from governance.elections.poll import open_roll, unseal_credentials
from governance.members.models import Member
from governance.organisations.models import Organisation
from tests.factories import KEYS, make_member

BASE_URL = "http://testserver.local"
# The returning officer's key pair for the tests' polls: the service is given the public half.
ELECTION_KEY = generate_key_pair()


@dataclass
class Poll:
    organisation: Organisation
    election: Election
    candidates: list[Candidate]
    members: list[Member]

    @property
    def api(self) -> str:
        return f"/api/orgs/{self.organisation.slug}/elections/{self.election.id}"

    @property
    def pages(self) -> str:
        return f"/o/{self.organisation.slug}/elections/{self.election.id}"

    def candidate_ids(self) -> list[int]:
        return [c.id or 0 for c in self.candidates]


def make_election(
    db: Session,
    organisation: Organisation,
    *,
    method: str = "mer2014-stv",
    seats: int = 2,
    candidates: Sequence[str] = ("Ann Archer", "Ben Baker", "Cat Cooper"),
    status: ElectionStatus = ElectionStatus.POLLING,
    closes_in: timedelta = timedelta(days=3),
    opened: timedelta = timedelta(days=10),
    channels: Sequence[str] = ("online", "postal", "telephone", "paper"),
    title: str = "Election of public governors",
    public_key: str | None = ELECTION_KEY.public,
) -> tuple[Election, list[Candidate]]:
    assert organisation.id is not None
    now = utcnow()
    election = Election(
        organisation_id=organisation.id,
        title=title,
        seats=seats,
        method=method,
        channels=list(channels),
        status=status,
        poll_open_at=now - opened,
        poll_close_at=now + closes_in,
        returning_officer_contact="Independent Elections Ltd, 0800 000 0000",
        ballot_public_key=public_key,
    )
    db.add(election)
    db.commit()
    assert election.id is not None
    made = []
    # Statement order differs from creation order, so order tests mean something.
    for position, name in reversed(list(enumerate(candidates, start=1))):
        first, last = name.split(" ", 1)
        member = make_member(
            db,
            organisation,
            email=None,
            first_name=first,
            last_name=last,
            reference=f"C{election.id}-{position}",
        )
        assert member.id is not None
        candidate = Candidate(
            election_id=election.id,
            member_id=member.id,
            ballot_name=name,
            statement=f"I am {first}. I will listen.\nVote for me.",
            status=CandidateStatus.VALID,
            ballot_position=position,
        )
        db.add(candidate)
        made.append(candidate)
    db.commit()
    made.sort(key=lambda c: c.ballot_position or 0)
    return election, made


def make_voters(
    db: Session, organisation: Organisation, count: int, *, email: bool = True, prefix: str = "V"
) -> list[Member]:
    return [
        make_member(
            db,
            organisation,
            email=f"{prefix.lower()}{i}@example.org" if email else None,
            first_name=f"Voter{i}",
            last_name="Example",
            reference=f"{prefix}{i:05d}",
        )
        for i in range(count)
    ]


def make_poll(
    db: Session,
    organisation: Organisation,
    voters: int = 3,
    *,
    declaration: bool = True,
    **election: object,
) -> Poll:
    made, candidates = make_election(db, organisation, **election)  # type: ignore[arg-type]
    members = make_voters(db, organisation, voters, prefix=f"E{made.id}-")
    open_roll(db, KEYS, made, members, needs_declaration=declaration, base_url=BASE_URL)
    return Poll(organisation, made, candidates, members)


@dataclass(frozen=True)
class Opened:
    choices: list[int]
    invalid_reason: str | None
    late: bool


def opened_ballots(db: Session, election_id: int | None) -> list[Opened]:
    """The stored ballots of an election opened with the returning officer's key (as only the
    count may), to check what was sealed."""
    private = unlock(ELECTION_KEY.public, private_key=ELECTION_KEY.private)
    rows = db.exec(select(Ballot).where(Ballot.election_id == election_id)).all()
    found = []
    for row in rows:
        assert row.sealed is not None and row.choices == [] and row.invalid_reason is None
        choices, reason = open_ballot(private, row.sealed)
        found.append(Opened(choices, reason, row.late))
    db.commit()
    return found


def credentials(db: Session, election: Election) -> dict[int, Credentials]:
    """Each emailed voter's credentials, by member id (from the sealed copy reminders use)."""
    rows = db.exec(select(Voter).where(Voter.election_id == election.id)).all()
    found = {
        v.member_id: unseal_credentials(KEYS, v.election_id, v.credentials_sealed)
        for v in rows
        if v.credentials_sealed
    }
    db.commit()  # on SQLite every transaction holds the write lock: let the app in
    return found
