"""Scheduled work for the registers: forget uploaded files nobody applied."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from governance.db import utcnow
from governance.members.import_store import CHUNKS, UPLOAD
from governance.members.models import RegisterImport
from governance.scheduler import job
from governance.settings import Settings

KEEP_UPLOADS = timedelta(days=7)


@job("members.expire_imports", seconds=3600)
def expire_imports(engine: Engine, settings: Settings) -> None:
    """Drop the stored files of checks older than a week that were never applied (their
    reports stay); such a check can no longer be applied."""
    cutoff = utcnow() - KEEP_UPLOADS
    with Session(engine) as session:
        stale = select(RegisterImport.id).where(  # type: ignore[call-overload]
            col(RegisterImport.status) == "checked", col(RegisterImport.created_at) < cutoff
        )
        session.execute(
            delete(CHUNKS).where(CHUNKS.c.kind == UPLOAD, CHUNKS.c.import_id.in_(stale))
        )
        session.execute(
            update(RegisterImport)
            .where(col(RegisterImport.status) == "checked", col(RegisterImport.created_at) < cutoff)
            .values(status="expired")
        )
        session.commit()
