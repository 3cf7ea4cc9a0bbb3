"""Scheduled work: reminders reach only non-voters, once per point; the close of poll erases
credentials and postal packs and rewrites the ballots, once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.db import Clock, utcnow
from governance.elections.ballot_box import Credentials, cast, receipt_hash, seal_matches
from governance.elections.models import (
    Ballot,
    Channel,
    Election,
    PollReminder,
    PostalPack,
    Voter,
)
from governance.elections.poll import open_roll
from governance.elections.poll_jobs import (
    SCRUBBED,
    close_of_poll_job,
    due_points,
    erase_credentials_after_close,
    remind_non_voters,
    reminders_job,
)
from governance.elections.poll_notices import mail_purpose
from governance.elections.receipts import receipt_hashes
from governance.mail import OutboxMessage, rendered_text
from governance.scheduler import load_jobs
from governance.settings import Settings
from tests.elections.poll_helpers import (
    BASE_URL,
    Poll,
    credentials,
    make_election,
    make_poll,
    make_voters,
)
from tests.factories import KEYS, make_org


def vote(db: Session, poll: Poll, creds: Credentials) -> str:
    election = db.get(Election, poll.election.id)
    assert election is not None
    return cast(
        db,
        KEYS,
        election=election,
        voter_id=creds.voter_id,
        code=creds.code,
        choices=poll.candidate_ids()[:1],
        channel=Channel.ONLINE,
        declaration_made=True,
    ).receipt


def reminders(db: Session, poll: Poll) -> list[OutboxMessage]:
    rows = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.purpose == mail_purpose("reminder", poll.election)
        )
    ).all()
    db.commit()
    return list(rows)


def test_the_jobs_are_registered() -> None:
    jobs = load_jobs()
    assert {"elections.reminders", "elections.close_of_poll"} <= set(jobs)


def test_due_points_send_the_latest_and_skip_those_before_the_poll(db: Session) -> None:
    now = utcnow()
    election = Election(
        organisation_id=1,
        title="t",
        seats=1,
        method="fptp",
        poll_open_at=now - timedelta(days=5),
        poll_close_at=now + timedelta(days=1),
        reminder_days_before_close=[7, 3, 2],
    )
    assert due_points(election, now, set()) == (2, [3, 7])
    assert due_points(election, now, {2, 3, 7}) == (None, [])
    election.poll_open_at = now - timedelta(hours=1)
    assert due_points(election, now, set()) == (None, [2, 3, 7])
    election.poll_close_at = now + timedelta(days=10)
    assert due_points(election, now, set()) == (None, [])


def test_reminders_go_only_to_non_voters_and_once_per_point(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = make_poll(db, make_org(db), voters=4, closes_in=timedelta(days=8))
    postal_only = make_voters(db, poll.organisation, 1, email=False, prefix="NOEMAIL")
    assert postal_only
    by_member = credentials(db, poll.election)
    voter_emails = {m.id: m.email for m in poll.members}
    vote(db, poll, by_member[poll.members[0].id or 0])
    assert remind_non_voters(engine, settings, poll.election) == 0, "no point is due yet"
    Clock.offset = timedelta(days=1, minutes=1)
    assert remind_non_voters(engine, settings, poll.election) == 3
    sent = reminders(db, poll)
    assert sorted(m.to_address for m in sent) == sorted(
        voter_emails[m.id] or "" for m in poll.members[1:]
    )
    for message in sent:
        assert message.subject.startswith("Reminder")
        member_id = next(m.id for m in poll.members if m.email == message.to_address)
        creds = by_member[member_id or 0]
        text = rendered_text(KEYS, message)
        assert creds.voter_id in text and creds.code in text
        assert creds.code not in message.body_text, "stored sealed, rendered at sending"
    assert remind_non_voters(engine, settings, poll.election) == 0, "once per point"
    reminders_job(engine, settings)
    assert len(reminders(db, poll)) == 3
    vote(db, poll, by_member[poll.members[1].id or 0])
    Clock.offset = timedelta(days=6, minutes=1)
    reminders_job(engine, settings)
    later = reminders(db, poll)
    assert len(later) == 5, "the 2-day point reaches the two who still have not voted"
    points = db.exec(
        select(PollReminder.days_before, PollReminder.queued, PollReminder.skipped).where(
            PollReminder.election_id == poll.election.id
        )
    ).all()
    db.commit()
    assert sorted(points) == [(2, 2, False), (7, 3, False)]


def test_two_reminder_runs_at_once_send_each_reminder_once(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = make_poll(db, make_org(db), voters=5, closes_in=timedelta(days=1))
    results: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(remind_non_voters(engine, settings, poll.election))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 0, 0, 5]
    assert len(reminders(db, poll)) == 5


def test_after_the_close_credentials_packs_and_reminders_are_erased_once(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = make_poll(db, make_org(db), voters=3, closes_in=timedelta(days=1))
    postal_election, _ = make_election(db, poll.organisation, closes_in=timedelta(days=1))
    open_roll(
        db,
        KEYS,
        postal_election,
        make_voters(db, poll.organisation, 2, email=False, prefix="PX"),
        needs_declaration=True,
        base_url=BASE_URL,
    )
    receipts = [vote(db, poll, c) for c in list(credentials(db, poll.election).values())[:2]]
    remind_non_voters(engine, settings, poll.election)
    assert len(reminders(db, poll)) == 1
    before = receipt_hashes(db, poll.election)
    db.commit()
    assert not erase_credentials_after_close(engine, settings, poll.election), "still open"
    Clock.offset = timedelta(days=1, seconds=1)
    close_of_poll_job(engine, settings)
    sealed = db.exec(select(Voter.credentials_sealed)).all()
    assert set(sealed) == {None}
    assert db.exec(select(PostalPack)).all() == []
    assert reminders(db, poll) == []
    bodies = db.exec(
        select(OutboxMessage.body_text).where(
            OutboxMessage.purpose == mail_purpose("credentials", poll.election)
        )
    ).all()
    assert bodies and set(bodies) == {SCRUBBED}
    ballots = db.exec(select(Ballot).where(Ballot.election_id == poll.election.id)).all()
    assert sorted(b.receipt_hash for b in ballots) == sorted(receipt_hash(r) for r in receipts)
    assert receipt_hashes(db, poll.election) == before == sorted(before)
    for ballot in ballots:
        assert seal_matches(KEYS, ballot), "the rewrite keeps each ballot exactly as it was"
    election = db.get(Election, poll.election.id, populate_existing=True)
    assert election is not None and election.poll_sealed_at is not None
    db.commit()
    assert not erase_credentials_after_close(engine, settings, poll.election), "once"
