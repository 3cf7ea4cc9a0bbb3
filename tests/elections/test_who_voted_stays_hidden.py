"""Staff cannot tell who has voted from what the service shows them or keeps about members.

Reminders go only to those who have not voted, so neither the member's data export nor the
outbox may keep a per-member trace of them: the export leaves out voting information, and a
reminder's outbox row is deleted once it is sent.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.elections.poll_jobs import remind_non_voters
from governance.elections.poll_notices import mail_purpose
from governance.mail import OutboxMessage, deliver_due
from governance.members.privacy import data_about
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.elections.poll_helpers import credentials, make_poll
from tests.elections.test_ballot_box import vote
from tests.factories import make_org, travel_to


def test_the_export_and_the_outbox_do_not_say_who_voted(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = make_poll(db, make_org(db), voters=2, closes_in=timedelta(days=8))
    voted, not_voted = poll.members
    by_member = credentials(db, poll.election)
    vote(db, poll, by_member[voted.id or 0])
    assert poll.election.poll_close_at is not None
    travel_to(poll.election.poll_close_at - timedelta(days=7) + timedelta(minutes=1))
    assert remind_non_voters(engine, settings, poll.election) == 1
    purpose = mail_purpose("reminder", poll.election)
    reminders = db.exec(select(OutboxMessage).where(OutboxMessage.purpose == purpose)).all()
    assert [m.to_address for m in reminders] == [not_voted.email]
    organisation = db.get(Organisation, poll.organisation.id)
    assert organisation is not None

    def exported(member_id: int | None) -> list[str]:
        member = next(m for m in poll.members if m.id == member_id)
        data = data_about(db, organisation, member)
        assert "whether you had voted" in data["emails_not_listed"]
        return sorted(e["subject"] for e in data["emails"])

    assert exported(voted.id) == exported(not_voted.id)
    db.commit()
    report = deliver_due(engine, settings)  # no SMTP host: written as .eml files
    assert report.sent >= 3 and report.failed == 0
    left = db.exec(select(OutboxMessage.to_address, OutboxMessage.purpose)).all()
    db.commit()
    assert not [p for _, p in left if p == purpose]
    assert sorted(a for a, _ in left) == sorted([voted.email or "", not_voted.email or ""])
    assert exported(voted.id) == exported(not_voted.id)
