"""Scheduled work for the poll: reminders to non-voters, and tidying up after the close.

Both are idempotent and safe to run late, twice or from two places at once:

* A reminder point (``Election.reminder_days_before_close``, e.g. 7 and 2 days before the
  close) is claimed by inserting its ``poll_reminder`` row, unique per election and point, in
  the same transaction as the reminders it stands for; a second run fails on the constraint and
  rolls back. So each voter gets at most one reminder per point. If the scheduler was down
  past several points, only the latest is sent. Reminders go only to voters whose credentials
  were emailed and who have not voted; no page shows staff who they were.
* After the close, the sealed credentials and postal packs are erased, the bodies of the
  credential emails scrubbed and the reminders (a list of who had not voted) deleted from the
  outbox, and the election's ballots are rewritten in random-id order in one transaction (see
  the module docstring of ``governance.elections.models``). ``Election.poll_sealed_at`` records
  that it was done, claimed by a conditional update.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections.ballot_box import OPEN_STATUSES, voting_open
from governance.elections.models import (
    Ballot,
    Delivery,
    Election,
    PollReminder,
    PostalPack,
    Voter,
    VoterStatus,
)
from governance.elections.poll import mail_row, organisation_of, unseal_credentials
from governance.elections.poll_notices import PollNotices, mail_purpose
from governance.mail import OutboxMessage
from governance.members.models import Member
from governance.scheduler import job
from governance.security import Keys
from governance.settings import Settings

log = logging.getLogger(__name__)

SCRUBBED = "(This message held voting credentials. They were erased after the close of poll.)"
BATCH = 2000


def due_points(election: Election, now: datetime, done: set[int]) -> tuple[int | None, list[int]]:
    """The reminder point to send now (if any) and the points to mark as skipped.

    A point is due once ``close - days`` has passed. Of several due at once, only the latest is
    sent; a point that fell before the poll opened is skipped (the credentials just went out).
    """
    assert election.poll_close_at is not None and election.poll_open_at is not None
    close = election.poll_close_at

    def due_at(days: int) -> datetime:
        return close - timedelta(days=days)

    due = sorted(
        {d for d in election.reminder_days_before_close if d not in done and due_at(d) <= now}
    )
    if not due:
        return None, []
    latest, earlier = due[0], due[1:]
    if due_at(latest) < election.poll_open_at:
        return None, due
    return latest, earlier


def remind_non_voters(engine: Engine, settings: Settings, election: Election) -> int:
    """Queue the due reminder for ``election``, if any; the number queued."""
    keys = Keys(settings.secret_key)
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        current = session.get(Election, election.id)
        if current is None or not voting_open(current, now):
            return 0
        done = set(
            session.exec(
                select(PollReminder.days_before).where(PollReminder.election_id == current.id)
            ).all()
        )
        send, skip = due_points(current, now, done)
        if send is None and not skip:
            return 0
        assert current.id is not None
        try:
            for days in skip:
                session.add(PollReminder(election_id=current.id, days_before=days, skipped=True))
            claim = None
            if send is not None:
                claim = PollReminder(election_id=current.id, days_before=send)
                session.add(claim)
            session.flush()
        except IntegrityError:
            session.rollback()
            return 0
        queued = _queue_reminders(session, keys, settings, current, now) if claim else 0
        if claim is not None:
            claim.queued = queued
            audit.record(
                session,
                actor="system",
                action="election.reminders_queued",
                organisation_id=current.organisation_id,
                object_type="election",
                object_id=current.id,
                detail={"days_before": send, "queued": queued},
            )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return 0
        return queued


def _queue_reminders(
    session: Session, keys: Keys, settings: Settings, election: Election, now: datetime
) -> int:
    notices = PollNotices(organisation_of(session, election), election, settings.base_url)
    rows = session.execute(
        sa_select(
            col(Voter.credentials_sealed),
            col(Voter.needs_declaration),
            col(Member.first_name),
            col(Member.last_name),
            col(Member.email),
        )
        .join(Member, col(Member.id) == col(Voter.member_id))
        .where(
            col(Voter.election_id) == election.id,
            col(Voter.status) == VoterStatus.ISSUED,
            col(Voter.delivery) == Delivery.EMAIL,
            col(Voter.credentials_sealed).is_not(None),
            col(Member.email).is_not(None),
        )
    ).all()
    subject = notices.subject("Reminder")
    mails = []
    for sealed, declaration, first, last, email in rows:
        assert sealed is not None and email
        credentials = unseal_credentials(keys, election.id or 0, sealed)
        text = notices.reminder(f"{first} {last}".strip(), credentials, declaration=declaration)
        row = mail_row(
            election,
            email,
            subject,
            text,
            now,
            keys=keys,
            hidden=[credentials.voter_id, credentials.code],
        )
        row["purpose"] = mail_purpose("reminder", election)
        mails.append(row)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    for start in range(0, len(mails), BATCH):
        session.execute(insert(table), mails[start : start + BATCH])
    return len(mails)


def erase_credentials_after_close(engine: Engine, settings: Settings, election: Election) -> bool:
    """Erase credentials and postal packs, scrub the outbox, shuffle the ballots; once.

    True if this call did it; False if the poll has not closed or it was done already.
    """
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        claimed = session.execute(
            update(Election)
            .where(
                col(Election.id) == election.id,
                col(Election.poll_sealed_at).is_(None),
                col(Election.poll_close_at) <= now,
            )
            .values(poll_sealed_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return False
        erased = session.execute(
            update(Voter)
            .where(col(Voter.election_id) == election.id)
            .values(credentials_sealed=None)
        ).rowcount  # type: ignore[attr-defined]
        packs = session.execute(
            delete(PostalPack).where(col(PostalPack.election_id) == election.id)
        ).rowcount  # type: ignore[attr-defined]
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.purpose) == mail_purpose("credentials", election))
            .values(body_text=SCRUBBED, body_html=None)
        )
        session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.purpose) == mail_purpose("reminder", election)
            )
        )
        ballots = _rewrite_ballots(session, election)
        audit.record(
            session,
            actor="system",
            action="election.poll_sealed",
            organisation_id=election.organisation_id,
            object_type="election",
            object_id=election.id,
            detail={"voters": erased, "postal_packs": packs, "ballots": ballots},
        )
        session.commit()
    return True


def _rewrite_ballots(session: Session, election: Election) -> int:
    """Delete and re-insert the election's ballots in id order, in this transaction.

    Afterwards every ballot row has the same inserting transaction and sits in random-id order,
    so neither the row order nor PostgreSQL's ``xmin`` says anything about when each was cast.
    """
    table = Ballot.__table__  # type: ignore[attr-defined]
    rows = [
        dict(row._mapping)
        for row in session.execute(
            table.select().where(table.c.election_id == election.id).order_by(table.c.id)
        )
    ]
    session.execute(delete(Ballot).where(col(Ballot.election_id) == election.id))
    for start in range(0, len(rows), BATCH):
        session.execute(table.insert(), rows[start : start + BATCH])
    return len(rows)


@job("elections.reminders", seconds=10 * 60)
def reminders_job(engine: Engine, settings: Settings) -> None:
    now = utcnow()
    with Session(engine) as session:
        elections = session.exec(
            select(Election).where(
                col(Election.status).in_(OPEN_STATUSES),
                col(Election.poll_open_at) <= now,
                col(Election.poll_close_at) > now,
            )
        ).all()
    for election in elections:
        queued = remind_non_voters(engine, settings, election)
        if queued:
            log.info("queued %d reminders for election %s", queued, election.id)


@job("elections.close_of_poll", seconds=5 * 60)
def close_of_poll_job(engine: Engine, settings: Settings) -> None:
    now = utcnow()
    with Session(engine) as session:
        elections = session.exec(
            select(Election).where(
                col(Election.poll_sealed_at).is_(None), col(Election.poll_close_at) <= now
            )
        ).all()
    for election in elections:
        if erase_credentials_after_close(engine, settings, election):
            log.info("poll sealed for election %s", election.id)
