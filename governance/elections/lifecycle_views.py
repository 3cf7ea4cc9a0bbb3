"""What the lifecycle's API and pages show, built once for both: the staff view of an election,
the public view (notice, candidates, result), and the declaration.

Nothing here changes anything. The public view shows only what has been published: the notice
once its time has come, candidates and statements once the statement of nominated candidates is
out, and the result once declared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.elections.declaration import publication_of
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.lifecycle_schemas import CandidateOut, ElectionOut
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.elections.nominations import (
    candidates_of,
    nominations_open,
    statement_published,
    withdrawals_open,
)
from governance.elections.planning import timetable_rows
from governance.elections.service import current_plan, stage_events
from governance.members.models import Constituency
from governance.organisations.models import Organisation

S = ElectionStatus
DECLARED = frozenset({S.DECLARED, S.UNCONTESTED})
PUBLIC_CANDIDATES = frozenset(
    {CandidateStatus.VALID, CandidateStatus.ELECTED, CandidateStatus.NOT_ELECTED}
)


def constituency_name(db: Session, election: Election) -> str:
    if election.constituency_id is None:
        return "All members"
    found = db.get(Constituency, election.constituency_id)
    return found.name if found else ""


def timetable(db: Session, organisation: Organisation, election: Election) -> list[dict[str, Any]]:
    if election.poll_close_at is None:
        return []
    return timetable_rows(current_plan(db, organisation, election))


def is_public(election: Election, now: datetime) -> bool:
    """The notice of election has been published (by the clock or by the stage machine)."""
    if election.status == S.DRAFT:
        return False
    return election.notice_at is not None and election.notice_at <= now


def staff_detail(db: Session, organisation: Organisation, election: Election) -> dict[str, Any]:
    conduct = db.get(ElectionConduct, election.id)
    return {
        "election": ElectionOut.of(election).model_dump(mode="json"),
        "constituency": constituency_name(db, election),
        "timetable": timetable(db, organisation, election),
        "stages": [
            {
                "stage": e.stage,
                "planned_at": e.planned_at,
                "happened_at": e.happened_at,
                "actor": e.actor,
            }
            for e in stage_events(db, election)
        ],
        "candidates": [
            CandidateOut.of(c).model_dump(mode="json") for c in candidates_of(db, election)
        ],
        "rerun_of": conduct.rerun_of_id if conduct else None,
        "seed_source": conduct.seed_source if conduct else None,
        "declaration": conduct.declaration if conduct else None,
    }


def public_candidates(db: Session, election: Election) -> list[Candidate]:
    if not statement_published(election):
        return []
    return [
        c
        for c in candidates_of(db, election)
        if c.status in PUBLIC_CANDIDATES and c.ballot_position is not None
    ]


def public_view(
    db: Session, organisation: Organisation, election: Election, now: datetime
) -> dict[str, Any]:
    conduct = db.get(ElectionConduct, election.id)
    declared = election.status in DECLARED
    return {
        "constituency": constituency_name(db, election),
        "timetable": timetable(db, organisation, election),
        "candidates": public_candidates(db, election),
        "statement_published": statement_published(election),
        "nominations_open": nominations_open(election, now),
        "withdrawals_open": withdrawals_open(election, now),
        "declared": declared,
        "declaration": conduct.declaration if conduct and declared else None,
        "publication": publication_of(db, election) if declared else None,
    }
