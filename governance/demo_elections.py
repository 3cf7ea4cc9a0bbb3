"""The demo's elections, run through the election services on the demo's moving clock:
scheduled at the latest statutory dates, nominations made by members, the stages advanced by
the scheduler's own job, votes cast through the ballot box, counted and declared.

Opening the poll and counting and declaring are one small function each (:func:`open_poll`,
:func:`count_and_declare`), so that a change to how polls are opened or counted is made in one
place here too.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from governance.auth.models import User
from governance.db import utcnow
from governance.demo_timeline import Timeline, travel_to
from governance.elections import declaration, stages
from governance.elections.ballot_box import Credentials, cast
from governance.elections.election_key import generate_key_pair
from governance.elections.key_custody import set_public_key
from governance.elections.lifecycle_schemas import ElectionCreate, NominationIn
from governance.elections.models import Channel, Election, Voter, VoterStatus
from governance.elections.nominations import nominate, standing_candidates
from governance.elections.planning import default_rules
from governance.elections.poll import unseal_credentials
from governance.elections.service import create_election
from governance.elections.timetable import Step, statutory_timetable
from governance.members import configuration
from governance.members.models import Member, MembershipPeriod
from governance.organisations.models import Organisation
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES

ADDRESS = "1 Mill Road, Riverside RV1 1AB"
COUNT_SEED = "drawn-in-public-at-the-demo-count"


@dataclass(frozen=True)
class Plan:
    """An election to run: where, how many seats, who stands, how members vote."""

    title: str
    constituency: str | None  # None: the whole membership
    seats: int
    method: str
    close_of_poll: date
    standing: int
    turnout: float = 0.0  # the share of the roll that votes; 0 leaves the poll to members
    declare: bool = False  # count and declare once the poll has closed


def working_day_on_or_after(day: date) -> date:
    while not ENGLAND_AND_WALES.is_working_day(day):
        day += timedelta(days=1)
    return day


def notice_moment(foundation_trust: bool, close_of_poll: date, zone: str) -> datetime:
    """When the notice of election goes out at the latest dates for this close of poll."""
    rules = default_rules(foundation_trust)
    latest = statutory_timetable(close_of_poll, ENGLAND_AND_WALES, rules)
    return latest.datetimes(zone)[Step.NOTICE_OF_ELECTION]


def members_of(session: Session, organisation: Organisation, code: str | None) -> list[Member]:
    """Current members of the constituency or class ``code`` (or of the whole organisation)
    who have an email address, in order of joining the register."""
    query = (
        select(Member)
        .join(MembershipPeriod, col(MembershipPeriod.member_id) == col(Member.id))
        .where(
            Member.organisation_id == organisation.id,
            col(MembershipPeriod.end_date).is_(None),
            col(Member.email).is_not(None),
        )
        .order_by(col(Member.id))
    )
    if code is not None:
        found = configuration.by_code(session, organisation.id or 0, code)
        assert found is not None, code
        query = query.where(MembershipPeriod.constituency_id == found.id)
    rows = session.exec(query).all()
    return list({member.id: member for member in rows}.values())


def credentials_of(
    timeline: Timeline, session: Session, election_id: int
) -> dict[int, Credentials]:
    """Each voter's credentials by member id, unsealed from the copy the reminders use."""
    rows = session.exec(
        select(Voter).where(Voter.election_id == election_id, Voter.status == VoterStatus.ISSUED)
    ).all()
    return {
        v.member_id: unseal_credentials(timeline.keys, election_id, v.credentials_sealed)
        for v in rows
        if v.credentials_sealed
    }


def run_election(
    timeline: Timeline,
    organisation: Organisation,
    plan: Plan,
    *,
    secretary: User,
    officer: User,
    rng: random.Random,
) -> int:
    """Schedule ``plan`` now and put each later step on the timeline; returns its id."""
    with Session(timeline.engine, expire_on_commit=False) as session:
        found = None
        if plan.constituency is not None:
            found = configuration.by_code(session, organisation.id or 0, plan.constituency)
            assert found is not None
        election = create_election(
            session,
            organisation,
            ElectionCreate(
                title=plan.title,
                constituency_id=found.id if found else None,
                seats=plan.seats,
                method=plan.method,
                close_of_poll=plan.close_of_poll,
                channels=[Channel.ONLINE, Channel.POSTAL],
                returning_officer_contact="Robin Returning, returning.officer@example.org",
            ),
            actor=f"user:{secretary.id}",
            may_override=False,
        )
    assert election.id is not None
    election_id = election.id

    def nominations(session: Session) -> None:
        fresh = session.get(Election, election_id)
        assert fresh is not None
        people = members_of(session, organisation, plan.constituency)[: plan.standing]
        for person in people:
            nominate(
                session,
                organisation,
                fresh,
                person,
                NominationIn(
                    surname=person.last_name,
                    other_names=person.first_name,
                    address=ADDRESS,
                    no_interests=True,
                    declared_eligible=True,
                    confirm=True,
                    statement=(
                        f"I am {person.first_name}. I have used our services for years and "
                        "will listen to members and report back to them."
                    ),
                ),
                photo=None,
                base_url=timeline.base_url,
            )

    timeline.after(election.notice_at, nominations, timedelta(hours=2))
    if plan.turnout:
        open_poll(timeline, election, officer)
        timeline.after(
            election.poll_open_at,
            lambda session: _vote(timeline, session, election_id, plan.turnout, rng),
            timedelta(hours=3),
        )
    if plan.declare:
        timeline.after(
            election.poll_close_at,
            lambda session: count_and_declare(
                timeline, session, organisation, election_id, officer
            ),
            timedelta(minutes=30),
        )
    return election_id


def election_key_file(settings: Settings, election_id: int) -> Path:
    """Where the demo keeps an election's private key: the returning officer's file, which a
    real returning officer would keep on their own computer, never on the server."""
    return settings.data_dir / "demo-keys" / f"election-{election_id}.key"


def open_poll(timeline: Timeline, election: Election, officer: User) -> None:
    """Open the poll at its planned time: the returning officer makes the election key pair and
    gives the service its public half; then the roll is written and the voters sent their
    credentials (by the stage job, as in a deployment)."""
    election_id = election.id
    assert election_id is not None and election.poll_open_at is not None
    opens = election.poll_open_at

    def act(session: Session) -> None:
        pair = generate_key_pair()
        path = election_key_file(timeline.settings, election_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"# Demo election private key (election {election_id})\n{pair.private}\n")
        fresh = session.get(Election, election_id)
        assert fresh is not None
        set_public_key(session, fresh, public_key=pair.public, actor=f"user:{officer.id}")
        session.commit()  # end the read that refreshed the election before the stage job writes
        if utcnow() < opens:
            travel_to(opens)
        stages.advance_election(timeline.engine, timeline.settings, election_id)

    timeline.at(opens - timedelta(minutes=1), act)


def count_and_declare(
    timeline: Timeline,
    session: Session,
    organisation: Organisation,
    election_id: int,
    officer: User,
) -> None:
    """The returning officer counts (with a seed drawn in public) and declares the result."""
    election = session.get(Election, election_id)
    assert election is not None
    actor = f"user:{officer.id}"
    key_file = election_key_file(timeline.settings, election_id).read_text(encoding="utf-8")
    declaration.count(session, election, seed=COUNT_SEED, actor=actor, private_key=key_file)
    declaration.declare(session, organisation, election, actor=actor, base_url=timeline.base_url)


def _vote(
    timeline: Timeline, session: Session, election_id: int, turnout: float, rng: random.Random
) -> None:
    """A share of the roll votes online, with preferences leaning towards some candidates."""
    election = session.get(Election, election_id)
    assert election is not None
    candidates = [c.id for c in standing_candidates(session, election) if c.id is not None]
    weights = [len(candidates) - i + rng.random() * 2 for i in range(len(candidates))]
    rng.shuffle(weights)
    given = credentials_of(timeline, session, election_id)
    session.commit()
    # Keep the first voter on the roll (by member number) unvoted for the newcomer.
    for member_id in sorted(given)[1:]:
        if rng.random() >= turnout:
            continue
        ranking = _ranking(rng, candidates, weights, election.method)
        fresh = session.get(Election, election_id, populate_existing=True)
        assert fresh is not None
        cast(
            session,
            timeline.keys,
            election=fresh,
            voter_id=given[member_id].voter_id,
            code=given[member_id].code,
            choices=ranking,
            channel=Channel.ONLINE,
            declaration_made=True,
        )


def _ranking(
    rng: random.Random, candidates: Sequence[int], weights: Sequence[float], method: str
) -> list[int]:
    left = list(zip(candidates, weights, strict=True))
    ranking: list[int] = []
    wanted = 1 if method == "fptp" else rng.randint(1, len(left))
    while left and len(ranking) < wanted:
        (pick,) = rng.choices(range(len(left)), [w for _, w in left])
        ranking.append(left.pop(pick)[0])
    return ranking
