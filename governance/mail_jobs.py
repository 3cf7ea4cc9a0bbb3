"""Scheduled delivery of the email outbox."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from governance.mail import deliver_due
from governance.scheduler import job
from governance.settings import Settings


@job("mail.deliver", seconds=15)
def deliver_outbox(engine: Engine, settings: Settings) -> None:
    deliver_due(engine, settings)
