"""The stage machine: elections move through their timetable on time, once each.

Each automatic stage has a planned time (a column of ``election``). :func:`advance_due` finds
the elections with a stage due and moves each one stage at a time, each in its own transaction:

1. read the election and work out the stage due (and, at the close of withdrawals, whether the
   election is uncontested);
2. move it with a conditional UPDATE from the status it was read in; if that did not change
   exactly one row, another runner got there first and nothing more is done;
3. record a ``StageEvent`` (planned and actual time) and perform the stage's effects in the same
   transaction, then commit.

So a stage happens once however many runners race (the unique ``(election, stage)`` of the
stage events is a second guard), and an election whose scheduler was down catches up through
every stage that fell due, in order, each once. Whether nominations, withdrawals or voting are
open never depends on this having run: those are decided by the clock on each request.

The effects, stage by stage:

- notice of election: the notice is public; members of the constituency are emailed;
- nominations close: the electorate is frozen (``electorate.freeze``);
- statement: undecided nominations are deemed valid and the ballot order is fixed;
- withdrawals close: with no more valid candidates than seats they are elected without a poll
  (``uncontested``); otherwise the roll is opened (``poll.open_roll``) and voters receive their
  credentials, in time for printing postal packs before voting opens;
- notice of poll and close of poll: recorded (voting itself is decided by the clock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections import electorate
from governance.elections.declaration import declare_uncontested
from governance.elections.lifecycle_notices import LifecycleNotices
from governance.elections.models import Candidate, Election, ElectionStatus, StageEvent
from governance.elections.nominations import publish_statement, standing_candidates
from governance.elections.poll import open_roll
from governance.organisations.models import Organisation
from governance.security import Keys
from governance.settings import Settings

log = logging.getLogger(__name__)

S = ElectionStatus
TRANSITIONS: dict[ElectionStatus, tuple[str, ElectionStatus]] = {
    S.SCHEDULED: ("notice_at", S.NOMINATIONS_OPEN),
    S.NOMINATIONS_OPEN: ("nominations_close_at", S.NOMINATIONS_CLOSED),
    S.NOMINATIONS_CLOSED: ("statement_at", S.WITHDRAWALS_OPEN),
    S.WITHDRAWALS_OPEN: ("withdrawals_close_at", S.AWAITING_POLL),
    S.AWAITING_POLL: ("poll_open_at", S.POLLING),
    S.POLLING: ("poll_close_at", S.POLL_CLOSED),
}
"""From each automatic status: the planned-time column that triggers the move, and where to."""


@dataclass(frozen=True)
class Advanced:
    election_id: int
    stage: str
    planned_at: datetime
    happened_at: datetime


class _Raced(Exception):
    """Another runner moved the election first; read it again."""


def due_election_ids(engine: Engine, now: datetime) -> list[int]:
    due = or_(
        *(
            and_(col(Election.status) == status, col(getattr(Election, column)) <= now)
            for status, (column, _) in TRANSITIONS.items()
        )
    )
    with Session(engine) as session:
        rows = session.exec(select(Election.id).where(due).order_by(col(Election.id))).all()
        session.commit()
    return [row for row in rows if row is not None]


def advance_due(engine: Engine, settings: Settings, now: datetime | None = None) -> list[Advanced]:
    """Advance every election with a stage due at ``now``; a failure in one does not stop the
    others (it is logged, and retried at the next run)."""
    now = now or utcnow()
    done: list[Advanced] = []
    for election_id in due_election_ids(engine, now):
        try:
            done.extend(advance_election(engine, settings, election_id, now))
        except Exception:
            log.exception("election %s could not advance; it will be retried", election_id)
    return done


def advance_election(
    engine: Engine, settings: Settings, election_id: int, now: datetime | None = None
) -> list[Advanced]:
    """Move one election through every stage due at ``now``, one transaction per stage."""
    now = now or utcnow()
    done: list[Advanced] = []
    while True:
        with Session(engine, expire_on_commit=False) as session:
            try:
                step = _advance_once(session, settings, election_id, now)
            except _Raced:
                continue
        if step is None:
            return done
        done.append(step)


def _advance_once(
    session: Session, settings: Settings, election_id: int, now: datetime
) -> Advanced | None:
    """One stage, or None when nothing is due; :class:`_Raced` if another runner moved the
    election between the read and the update (nothing was done)."""
    election = session.get(Election, election_id)
    if election is None or election.status not in TRANSITIONS:
        session.rollback()
        return None
    column, target = TRANSITIONS[ElectionStatus(election.status)]
    planned: datetime | None = getattr(election, column)
    if planned is None or planned > now:
        session.rollback()
        return None
    organisation = session.get(Organisation, election.organisation_id)
    assert organisation is not None
    standing: list[Candidate] = []
    if target == S.AWAITING_POLL:
        standing = standing_candidates(session, election)
        if len(standing) <= election.seats:
            target = S.UNCONTESTED
    expected = election.status
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election_id, col(Election.status) == expected)
        .values(status=target)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise _Raced()
    set_committed_value(election, "status", target)
    happened = utcnow()
    session.add(
        StageEvent(election_id=election_id, stage=target, planned_at=planned, happened_at=happened)
    )
    detail = _effects(
        session,
        settings=settings,
        organisation=organisation,
        election=election,
        target=target,
        standing=standing,
    )
    audit.record(
        session,
        actor="system",
        action=f"election.stage.{target}",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election_id,
        detail={"planned_at": planned.isoformat(), **detail},
    )
    session.commit()
    log.info("election %s: %s -> %s", election_id, expected, target)
    return Advanced(election_id, target, planned, happened)


def _effects(
    session: Session,
    *,
    settings: Settings,
    organisation: Organisation,
    election: Election,
    target: ElectionStatus,
    standing: list[Candidate],
) -> dict[str, object]:
    """The stage's work, in the stage's transaction; returns what to put in the audit entry."""
    base_url = settings.base_url
    if target == S.NOMINATIONS_OPEN:
        day = electorate.local_day(utcnow(), organisation)
        ids = electorate.member_ids_on(session, election, day)
        notices = LifecycleNotices(organisation, election, base_url)
        emailed = notices.notice_of_election(session, electorate.addresses(session, ids))
        return {"members": len(ids), "emailed": emailed}
    if target == S.NOMINATIONS_CLOSED:
        frozen = electorate.freeze(session, election, organisation)
        election.electorate_frozen_at = utcnow()
        election.electorate_count = frozen.count
        election.electorate_fingerprint = frozen.fingerprint
        session.add(election)
        return {"day": frozen.day.isoformat(), "count": frozen.count, "sha256": frozen.fingerprint}
    if target == S.WITHDRAWALS_OPEN:
        valid = publish_statement(session, organisation, election, base_url=base_url)
        return {"candidates": [c.id for c in valid]}
    if target == S.UNCONTESTED:
        elected = declare_uncontested(
            session, organisation, election, standing, actor="system", base_url=base_url
        )
        return {"elected": elected, "unfilled": election.seats - len(elected)}
    if target == S.AWAITING_POLL:
        opened = open_roll(
            session,
            Keys(settings.secret_key),
            election,
            electorate.frozen_members(session, election),
            needs_declaration=election.identity_declaration,
            base_url=base_url,
            commit=False,
        )
        return {"voters": opened.voters, "emailed": opened.emailed, "posted": opened.posted}
    return {}
