"""A candidate who dies or is disqualified before the declaration (RULES.md section 4).

- Before voting opens, they come off the ballot paper. If that leaves no more candidates than
  seats once withdrawals have closed, those left are elected without a poll.
- After voting opens, under first past the post the poll is abandoned: the election is
  cancelled and a re-run is created as a draft for the secretary to time, with the remaining
  candidates carried over (they need not be nominated again; others may be).
- After voting opens, under STV the count goes on as if the candidate had been excluded: they
  stay on the list as withdrawn, and a count already made is set aside to be run again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from governance import audit
from governance.db import utcnow
from governance.elections.declaration import declare_uncontested
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.lifecycle_notices import LifecycleNotices
from governance.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    ElectionStatus,
    StageEvent,
)
from governance.elections.nominations import (
    STANDING,
    candidates_of,
    email_of,
    standing_candidates,
)
from governance.elections.service import FINISHED
from governance.errors import Conflict
from governance.organisations.models import Organisation

S = ElectionStatus
CAUSES = {"died": CandidateStatus.DIED, "disqualified": CandidateStatus.DISQUALIFIED}
VOTING_STARTED = frozenset({S.POLLING, S.POLL_CLOSED, S.COUNTED})


def voting_started(election: Election, now: datetime) -> bool:
    if election.status in VOTING_STARTED:
        return True
    return (
        election.status == S.AWAITING_POLL
        and election.poll_open_at is not None
        and now >= election.poll_open_at
    )


def _move(session: Session, election: Election, to: ElectionStatus, **values: object) -> None:
    changed = session.execute(
        update(Election)
        .where(col(Election.id) == election.id, col(Election.status) == election.status)
        .values(status=to, **values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("stage-moved", "The election moved on; look again and retry.")


def remove_candidate(
    session: Session,
    organisation: Organisation,
    election: Election,
    candidate: Candidate,
    *,
    cause: str,
    note: str,
    actor: str,
    base_url: str,
) -> Election | None:
    """Record the death or disqualification; returns the re-run election if one was made."""
    now = utcnow()
    if election.status in FINISHED:
        raise Conflict("election-finished", "The result has been declared or the election ended.")
    if candidate.status not in STANDING:
        raise Conflict("not-standing", "This candidate is not standing.")
    assert election.id is not None
    started = voting_started(election, now)
    candidate.status = CAUSES[cause]
    candidate.withdrawn_at = now
    if not started:
        candidate.ballot_position = None
    session.add(candidate)
    session.flush()
    outcome = "off-ballot"
    rerun: Election | None = None
    if not started and election.status == S.AWAITING_POLL:
        standing = standing_candidates(session, election)
        if len(standing) <= election.seats:
            _move(session, election, S.UNCONTESTED)
            session.refresh(election)
            session.add(StageEvent(election_id=election.id, stage=S.UNCONTESTED, actor=actor))
            declare_uncontested(
                session, organisation, election, standing, actor=actor, base_url=base_url
            )
            outcome = "uncontested"
    elif started and election.method == "fptp":
        reason = f"Poll abandoned: a candidate {'died' if cause == 'died' else 'was disqualified'}."
        _move(session, election, S.CANCELLED, cancelled_reason=reason)
        session.add(StageEvent(election_id=election.id, stage=S.CANCELLED, actor=actor))
        rerun = _rerun(session, organisation, election, actor=actor, base_url=base_url)
        outcome = "abandoned"
    elif started:
        if election.status == S.COUNTED:
            _move(session, election, S.POLL_CLOSED, result=None, seed=None, counted_at=None)
        outcome = "count-continues"
    audit.record(
        session,
        actor=actor,
        action=f"election.candidate_{cause}",
        organisation_id=election.organisation_id,
        object_type="candidate",
        object_id=candidate.id,
        detail={
            "election_id": election.id,
            "note": note,
            "outcome": outcome,
            "rerun_id": rerun.id if rerun else None,
        },
    )
    session.commit()
    session.refresh(election)
    return rerun


def _rerun(
    session: Session, organisation: Organisation, election: Election, *, actor: str, base_url: str
) -> Election:
    """A draft copy of an abandoned election, keeping the candidates still standing."""
    assert election.id is not None
    rerun = Election(
        organisation_id=election.organisation_id,
        constituency_id=election.constituency_id,
        title=f"{election.title} (re-run)"[:200],
        office=election.office,
        seats=election.seats,
        method=election.method,
        channels=list(election.channels),
        identity_declaration=election.identity_declaration,
        term_years=election.term_years,
        returning_officer_contact=election.returning_officer_contact,
        reminder_days_before_close=list(election.reminder_days_before_close),
        status=S.DRAFT,
    )
    session.add(rerun)
    session.flush()
    assert rerun.id is not None
    old = session.get(ElectionConduct, election.id)
    session.add(
        ElectionConduct(
            election_id=rerun.id,
            timetable_rules=dict(old.timetable_rules) if old else {},
            rerun_of_id=election.id,
            created_by=actor,
        )
    )
    notices = LifecycleNotices(organisation, election, base_url)
    for candidate in candidates_of(session, election):
        if candidate.status != CandidateStatus.VALID:
            continue
        session.add(
            Candidate(
                election_id=rerun.id,
                member_id=candidate.member_id,
                ballot_name=candidate.ballot_name,
                statement=candidate.statement,
                photo=candidate.photo,
                photo_type=candidate.photo_type,
                particulars=dict(candidate.particulars),
                interests=candidate.interests,
                declared_eligible=candidate.declared_eligible,
                qualifying_constituency_id=candidate.qualifying_constituency_id,
                confirmed_at=candidate.confirmed_at,
                submitted_at=candidate.submitted_at,
                status=CandidateStatus.VALID,
                decision_reason=None,
                decided_at=candidate.decided_at,
            )
        )
        notices.abandoned(session, candidate, email_of(session, candidate))
    audit.record(
        session,
        actor=actor,
        action="election.rerun_created",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=rerun.id,
        detail={"rerun_of": election.id},
    )
    return rerun
