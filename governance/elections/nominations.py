"""Standing for election: nominations, the returning officer's decisions, withdrawals, and the
statement of nominated candidates.

Whether nominations or withdrawals are open is decided by the clock against the planned times
on every request, like voting: a scheduler running late never lets a nomination in after the
close. A nomination online must be complete (the form asks for all four parts), so the
returning officer's choice of reasons matters for nominations delivered otherwise; the service
still accepts only the reasons the rules allow.
"""

from __future__ import annotations

from datetime import datetime

from litestar.exceptions import NotFoundException
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections.candidacy import (
    PHOTO_MAX_BYTES,
    REJECTION_REASONS,
    STATEMENT_MAX_WORDS,
    Particulars,
    ballot_order,
    missing_parts,
    photo_type,
    word_count,
)
from governance.elections.electorate import constituency_ids, is_member_on, local_day
from governance.elections.lifecycle_notices import LifecycleNotices
from governance.elections.lifecycle_schemas import NominationIn
from governance.elections.models import Candidate, CandidateStatus, Election, ElectionStatus
from governance.errors import Conflict, Invalid
from governance.members.models import Member
from governance.organisations.models import Organisation

NOMINATING = frozenset({ElectionStatus.SCHEDULED, ElectionStatus.NOMINATIONS_OPEN})
BEFORE_STATEMENT = frozenset({*NOMINATING, ElectionStatus.NOMINATIONS_CLOSED})
WITHDRAWING = frozenset({*BEFORE_STATEMENT, ElectionStatus.WITHDRAWALS_OPEN})
STANDING = frozenset({CandidateStatus.NOMINATED, CandidateStatus.VALID})


def nominations_open(election: Election, now: datetime) -> bool:
    if election.status not in NOMINATING:
        return False
    if election.notice_at is None or election.nominations_close_at is None:
        return False
    return election.notice_at <= now < election.nominations_close_at


def withdrawals_open(election: Election, now: datetime) -> bool:
    return (
        election.status in WITHDRAWING
        and election.withdrawals_close_at is not None
        and now < election.withdrawals_close_at
    )


def statement_published(election: Election) -> bool:
    return election.status not in {*BEFORE_STATEMENT, ElectionStatus.DRAFT}


def candidate_in(session: Session, election: Election, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.election_id != election.id:
        raise NotFoundException()
    return candidate


def candidates_of(session: Session, election: Election) -> list[Candidate]:
    return list(
        session.exec(
            select(Candidate)
            .where(Candidate.election_id == election.id)
            .order_by(
                col(Candidate.ballot_position).is_(None),
                col(Candidate.ballot_position),
                col(Candidate.submitted_at),
                col(Candidate.id),
            )
        ).all()
    )


def nomination_of(session: Session, election: Election, member_id: int | None) -> Candidate | None:
    if member_id is None:
        return None
    return session.exec(
        select(Candidate).where(
            Candidate.election_id == election.id, Candidate.member_id == member_id
        )
    ).first()


def email_of(session: Session, candidate: Candidate) -> str | None:
    given = str(candidate.particulars.get("email") or "").strip()
    if given:
        return given
    member = session.get(Member, candidate.member_id)
    return member.email if member else None


def _refuse(slug: str, field: str, message: str) -> Invalid:
    return Invalid(slug, message, extra={"errors": [{"field": field, "message": message}]})


def check_photo(photo: bytes | None) -> str | None:
    """The photo's media type; refuses anything but a JPEG or PNG within the size limit."""
    if photo is None:
        return None
    if len(photo) > PHOTO_MAX_BYTES:
        raise _refuse("photo-too-large", "photo", "The photo must be 1 MB or smaller.")
    media_type = photo_type(photo)
    if media_type is None:
        raise _refuse("photo-invalid", "photo", "The photo must be a JPEG or PNG image.")
    return media_type


def nominate(
    session: Session,
    organisation: Organisation,
    election: Election,
    member: Member,
    data: NominationIn,
    *,
    photo: bytes | None,
    base_url: str,
) -> Candidate:
    """Record a member's own nomination, or refuse it having written nothing."""
    assert election.id is not None and member.id is not None
    now = utcnow()
    if not nominations_open(election, now):
        raise Conflict("nominations-closed", "Nominations are not open for this election.")
    if member.organisation_id != election.organisation_id or not member.active:
        raise _refuse("not-eligible", "member", "Only members of the organisation may stand.")
    if not is_member_on(session, election, member.id, local_day(now, organisation)):
        raise _refuse(
            "not-eligible",
            "member",
            "You are not a member of the constituency this election is for.",
        )
    if nomination_of(session, election, member.id) is not None:
        raise Conflict("already-nominated", "You have already been nominated in this election.")
    particulars = Particulars(
        surname=data.surname,
        other_names=data.other_names,
        address=data.address,
        telephone=data.telephone,
        email=data.email,
    )
    qualifying = data.qualifying_constituency_id or election.constituency_id
    allowed = constituency_ids(session, election)
    missing = missing_parts(
        particulars,
        interests=data.interests,
        no_interests=data.no_interests,
        declared_eligible=data.declared_eligible,
        qualifying_ok=allowed is None or qualifying in allowed,
        confirmed=data.confirm,
    )
    if missing:
        raise Invalid(
            "nomination-incomplete",
            "The nomination is incomplete: " + " ".join(REJECTION_REASONS[m] for m in missing),
            extra={"missing": missing},
        )
    words = word_count(data.statement)
    if words > STATEMENT_MAX_WORDS:
        raise _refuse(
            "statement-too-long",
            "statement",
            f"The statement has {words} words; it can have at most {STATEMENT_MAX_WORDS}.",
        )
    media_type = check_photo(photo)
    candidate = Candidate(
        election_id=election.id,
        member_id=member.id,
        ballot_name=particulars.ballot_name,
        statement=data.statement,
        photo=photo,
        photo_type=media_type,
        particulars=particulars.as_json(),
        interests="" if data.no_interests else data.interests.strip(),
        declared_eligible=True,
        qualifying_constituency_id=qualifying,
        confirmed_at=now,
        submitted_at=now,
    )
    session.add(candidate)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "already-nominated", "You have already been nominated in this election."
        ) from None
    audit.record(
        session,
        actor=f"member:{member.id}",
        action="election.nominated",
        organisation_id=election.organisation_id,
        object_type="candidate",
        object_id=candidate.id,
        detail={"election_id": election.id, "words": words, "photo": media_type is not None},
    )
    notices = LifecycleNotices(organisation, election, base_url)
    notices.nomination_received(session, candidate, email_of(session, candidate))
    session.commit()
    return candidate


def decide(
    session: Session,
    organisation: Organisation,
    election: Election,
    candidate: Candidate,
    *,
    accept: bool,
    reason: str | None,
    note: str,
    actor: str,
    base_url: str,
) -> Candidate:
    """The returning officer's decision on a nomination, until the statement is published."""
    now = utcnow()
    if election.status not in BEFORE_STATEMENT or (
        election.statement_at is not None and now >= election.statement_at
    ):
        raise Conflict(
            "statement-published", "Nominations can be decided only until the statement."
        )
    if candidate.status not in {*STANDING, CandidateStatus.REJECTED}:
        raise Conflict("not-standing", "This nomination has been withdrawn.")
    if accept:
        status, recorded = CandidateStatus.VALID, None
    else:
        if reason not in REJECTION_REASONS:
            raise _refuse(
                "reason-not-allowed",
                "reason",
                "A nomination may be rejected only because it was late or a part is missing: "
                + ", ".join(REJECTION_REASONS),
            )
        status, recorded = CandidateStatus.REJECTED, reason
    candidate.status = status
    candidate.decision_reason = recorded
    candidate.decided_at = now
    session.add(candidate)
    audit.record(
        session,
        actor=actor,
        action="election.nomination_decided",
        organisation_id=election.organisation_id,
        object_type="candidate",
        object_id=candidate.id,
        detail={"election_id": election.id, "decision": status, "reason": recorded, "note": note},
    )
    LifecycleNotices(organisation, election, base_url).decision(
        session, candidate, email_of(session, candidate)
    )
    session.commit()
    return candidate


def withdraw(
    session: Session,
    organisation: Organisation,
    election: Election,
    candidate: Candidate,
    *,
    actor: str,
    base_url: str,
) -> Candidate:
    """A candidate's withdrawal (online, or in writing entered by the returning officer)."""
    now = utcnow()
    if not withdrawals_open(election, now):
        raise Conflict("withdrawals-closed", "The deadline for withdrawals has passed.")
    if candidate.status not in STANDING:
        raise Conflict("not-standing", "This candidate is not standing.")
    candidate.status = CandidateStatus.WITHDRAWN
    candidate.withdrawn_at = now
    candidate.ballot_position = None
    session.add(candidate)
    audit.record(
        session,
        actor=actor,
        action="election.candidate_withdrew",
        organisation_id=election.organisation_id,
        object_type="candidate",
        object_id=candidate.id,
        detail={"election_id": election.id},
    )
    LifecycleNotices(organisation, election, base_url).withdrawn(
        session, candidate, email_of(session, candidate)
    )
    session.commit()
    return candidate


def publish_statement(
    session: Session, organisation: Organisation, election: Election, *, base_url: str
) -> list[Candidate]:
    """At the statement (in the stage's transaction): nominations still undecided are valid,
    since the rules allow rejecting them only for reasons the returning officer did not record;
    the valid candidates are put in ballot order and told."""
    now = utcnow()
    candidates = candidates_of(session, election)
    for candidate in candidates:
        if candidate.status == CandidateStatus.NOMINATED:
            candidate.status = CandidateStatus.VALID
            candidate.decided_at = now
            audit.record(
                session,
                actor="system",
                action="election.nomination_deemed_valid",
                organisation_id=election.organisation_id,
                object_type="candidate",
                object_id=candidate.id,
                detail={"election_id": election.id},
            )
    valid = ballot_order([c for c in candidates if c.status == CandidateStatus.VALID])
    notices = LifecycleNotices(organisation, election, base_url)
    for position, candidate in enumerate(valid, start=1):
        candidate.ballot_position = position
        session.add(candidate)
        notices.statement(session, candidate, email_of(session, candidate))
    return valid


def standing_candidates(session: Session, election: Election) -> list[Candidate]:
    """The valid candidates still standing, in ballot order."""
    return [
        c
        for c in candidates_of(session, election)
        if c.status == CandidateStatus.VALID and c.ballot_position is not None
    ]
