"""Scheduled accountability work: chase overdue requests (remind, then escalate), prompt the
secretary as governors' terms near their end, and remind governors of missed reports.

Each job walks every organisation; each reminder is claimed in ``accountability_chase`` in the
transaction that queues its mail, so running a job again, late or twice sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.accountability import governors, reports, update_requests
from governance.organisations.models import Organisation
from governance.scheduler import job
from governance.settings import Settings

log = logging.getLogger(__name__)

Step = Callable[..., int]


def _each_organisation(engine: Engine, settings: Settings, step: Step, name: str) -> int:
    done = 0
    with Session(engine, expire_on_commit=False) as session:
        ids = session.exec(select(Organisation.id).order_by(col(Organisation.id))).all()
        session.commit()
        for organisation_id in ids:
            organisation = session.get(Organisation, organisation_id)
            if organisation is None:
                continue
            try:
                done += step(session, organisation, base_url=settings.base_url)
            except Exception:
                session.rollback()
                log.exception("%s failed for organisation %s", name, organisation_id)
    return done


@job("accountability.chase_requests", seconds=15 * 60)
def chase_requests(engine: Engine, settings: Settings) -> int:
    return _each_organisation(engine, settings, update_requests.chase, "chasing requests")


@job("accountability.term_end_prompts", seconds=6 * 60 * 60)
def term_end_prompts(engine: Engine, settings: Settings) -> int:
    return _each_organisation(engine, settings, governors.prompt_term_ends, "term-end prompts")


@job("accountability.missed_reports", seconds=6 * 60 * 60)
def missed_reports(engine: Engine, settings: Settings) -> int:
    return _each_organisation(engine, settings, reports.remind_missed, "missed reports")
