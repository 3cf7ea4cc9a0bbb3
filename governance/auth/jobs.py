"""Scheduled housekeeping for sign-in: old rate-limit windows and expired sessions and links."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.auth import backoff, ratelimit, sessions
from governance.scheduler import job
from governance.settings import Settings


@job("auth.ratelimit_cleanup", seconds=3600)
def ratelimit_cleanup(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        ratelimit.cleanup(session)
        backoff.cleanup(session)


@job("auth.expired_cleanup", seconds=3600)
def expired_cleanup(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        sessions.delete_expired(session)
