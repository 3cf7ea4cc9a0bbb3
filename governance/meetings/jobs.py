"""Scheduled work for meetings: an open meeting still without its quorum when the time allowed
has passed stands adjourned, even if nobody has the dashboard open."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.db import utcnow
from governance.meetings import conduct
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Meeting
from governance.organisations.models import Organisation
from governance.scheduler import job
from governance.settings import Settings

log = logging.getLogger(__name__)
SOONEST = timedelta(minutes=1)


@job("meetings.adjourn_inquorate", seconds=60)
def adjourn_inquorate(engine: Engine, settings: Settings) -> int:
    """Adjourn each open meeting whose time for a quorum has run out; how many were."""
    adjourned = 0
    with Session(engine, expire_on_commit=False) as session:
        due = session.exec(
            select(Meeting.id).where(
                Meeting.status == MeetingStatus.OPEN,
                col(Meeting.quorate_at).is_(None),
                col(Meeting.starts_at) <= utcnow() - SOONEST,
            )
        ).all()
        session.commit()
        for meeting_id in due:
            meeting = session.get(Meeting, meeting_id)
            organisation = session.get(Organisation, meeting.organisation_id) if meeting else None
            if meeting is None or organisation is None:
                continue
            try:
                if conduct.adjourn_if_inquorate(
                    session, organisation, meeting, base_url=settings.base_url
                ):
                    adjourned += 1
            except Exception:
                session.rollback()
                log.exception("could not apply the adjournment rule to meeting %s", meeting_id)
    return adjourned
