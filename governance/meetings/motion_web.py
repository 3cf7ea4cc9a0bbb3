"""What the motion API and pages share: finding the motion a request is about, who may act on
it, and shaping motions and results for output."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from sqlmodel import Session, col, select

from governance.auth.guards import organisation_by_slug, require_member_of, require_role
from governance.auth.middleware import Identity
from governance.auth.service import actor_of
from governance.meetings import motions, results
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Motion, MotionResult, MotionStatus, NamedVote
from governance.meetings.motion_schemas import MotionOut, ResultOut
from governance.meetings.thresholds import RULES, MotionKind
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

STAFF_ROLES = (Role.SECRETARY,)


def staff(db: Session, identity: Identity, slug: str) -> tuple[Organisation, str]:
    """The organisation and the audit actor for a secretary's (the chair's desk's) request."""
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    return organisation, actor_of(user)


def staff_motion(
    db: Session, identity: Identity, slug: str, motion_id: int
) -> tuple[Organisation, Motion, str]:
    organisation, actor = staff(db, identity, slug)
    return organisation, motions.motion_of(db, organisation, motion_id), actor


def staff_meeting(
    db: Session, identity: Identity, slug: str, meeting_id: int
) -> tuple[Organisation, Meeting, str]:
    organisation, actor = staff(db, identity, slug)
    return organisation, motions.meeting_in(db, organisation, meeting_id), actor


def signed_in_member(db: Session, identity: Identity, slug: str) -> tuple[Organisation, Member]:
    """The organisation and the member making the request, fresh from the database."""
    organisation = require_member_of(db, identity, slug)
    assert identity.member is not None
    member = db.get(Member, identity.member.id)
    if member is None:
        raise NotFoundException()
    return organisation, member


def member_meeting(
    db: Session, identity: Identity, slug: str, meeting_id: int
) -> tuple[Organisation, Meeting, Member]:
    organisation, member = signed_in_member(db, identity, slug)
    meeting = motions.meeting_in(db, organisation, meeting_id)
    if meeting.status == MeetingStatus.DRAFT:
        raise NotFoundException()
    return organisation, meeting, member


def member_motion(
    db: Session, identity: Identity, slug: str, motion_id: int
) -> tuple[Organisation, Motion, Member]:
    """A motion a signed-in member may see: not a draft, at a meeting that has been called."""
    organisation, member = signed_in_member(db, identity, slug)
    motion = motions.motion_of(db, organisation, motion_id)
    if motion.status == MotionStatus.DRAFT:
        raise NotFoundException()
    return organisation, motion, member


def public_result(db: Session, slug: str, motion_id: int) -> tuple[Organisation, Motion]:
    """A closed motion whose result anyone may read; 404 until then."""
    organisation = organisation_by_slug(db, slug)
    motion = motions.motion_of(db, organisation, motion_id)
    if motion.status != MotionStatus.CLOSED or db.get(MotionResult, motion.id) is None:
        raise NotFoundException()
    return organisation, motion


def eligible(motion: Motion) -> dict[str, int]:
    return {body: int(entry["eligible"]) for body, entry in motion.body_snapshot.items()}


def motion_out(db: Session, motion: Motion) -> MotionOut:
    assert motion.id is not None
    stored = db.get(MotionResult, motion.id)
    rule = RULES[MotionKind(motion.kind)]
    return MotionOut(
        id=motion.id,
        meeting_id=motion.meeting_id,
        kind=motion.kind,
        kind_label=rule.label,
        rule=rule.describe(),
        title=motion.title,
        text=motion.text,
        secret=motion.secret,
        status=motion.status,
        follows_motion_id=motion.follows_motion_id,
        advance_closes_at=motion.advance_closes_at,
        opened_at=motion.opened_at,
        poll_opened_at=motion.poll_opened_at,
        closed_at=motion.closed_at,
        body_on=motion.body_on,
        eligible=eligible(motion),
        passed=stored.passed if stored else None,
    )


def result_out(db: Session, motion: Motion) -> ResultOut:
    stored = db.get(MotionResult, motion.id)
    if stored is None or motion.id is None:
        raise NotFoundException()
    state = results.standing_of(db, motion)
    return ResultOut(
        motion_id=motion.id,
        title=motion.title,
        passed=stored.passed,
        standing=state.value if state else "",
        decision=stored.decision,
        counts=stored.counts,
        reproducible=results.verify(db, motion, stored),
        computed_at=stored.computed_at,
    )


OFFICE_BODIES = ("governors", "directors")


def named_votes(
    db: Session, motion: Motion, bodies: tuple[str, ...] = OFFICE_BODIES
) -> list[dict[str, Any]]:
    """Who voted how on a named vote, in ``bodies``. Governors' and directors' votes are
    published by name; members' named votes are shown only to staff (a member may have asked
    to be left out of the public register)."""
    if motion.secret:
        return []
    rows = db.exec(
        select(NamedVote, Member)
        .join(Member, col(Member.id) == NamedVote.member_id)
        .where(NamedVote.motion_id == motion.id, col(NamedVote.body).in_(bodies))
        .order_by(col(NamedVote.body), col(Member.last_name), col(Member.first_name))
    ).all()
    return [
        {
            "name": member.display_name,
            "body": vote.body,
            "choice": vote.choice,
            "by_proxy": vote.proxy_id is not None,
        }
        for vote, member in rows
    ]
