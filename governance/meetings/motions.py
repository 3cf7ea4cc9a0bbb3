"""Motions through their life: drafted on a meeting's agenda, opened for votes in advance, put to
a poll in the meeting, closed with their result stored.

Every change of state is a conditional UPDATE from the state the caller expects (which also bumps
``revision``), so two clicks of "close" or a close racing an open change the motion once. Each
operation is one transaction with its audit entry, committed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.meetings import motion_roll, results
from governance.meetings.kinds import MEMBERS_KINDS, MeetingKind, MeetingStatus
from governance.meetings.models import AgendaItem, Meeting
from governance.meetings.motion_models import Motion, MotionResult, MotionStatus
from governance.meetings.motion_schemas import MotionIn, MotionUpdate
from governance.meetings.thresholds import RULES, Body, MotionKind
from governance.organisations.models import Organisation
from governance.web.forms import MAX_ID

LIVE_MEETING = (MeetingStatus.CALLED, MeetingStatus.OPEN)
OFFICE_MEETINGS = frozenset({MeetingKind.COUNCIL_OF_GOVERNORS, MeetingKind.BOARD_IN_PUBLIC})
OPEN = (MotionStatus.OPEN_FOR_ADVANCE, MotionStatus.OPEN_IN_MEETING)


def meeting_in(session: Session, organisation: Organisation, meeting_id: int) -> Meeting:
    """The organisation's meeting; 404 for a missing one or another organisation's."""
    meeting = session.get(Meeting, meeting_id) if 1 <= meeting_id <= MAX_ID else None
    if meeting is None or meeting.organisation_id != organisation.id:
        raise NotFoundException()
    return meeting


def motion_of(session: Session, organisation: Organisation, motion_id: int) -> Motion:
    """The organisation's motion; 404 for a missing one or another organisation's."""
    motion = session.get(Motion, motion_id) if 1 <= motion_id <= MAX_ID else None
    if motion is None or motion.organisation_id != organisation.id:
        raise NotFoundException()
    return motion


def motions_of(session: Session, meeting: Meeting) -> list[Motion]:
    return list(
        session.exec(
            select(Motion)
            .where(Motion.meeting_id == meeting.id)
            .order_by(col(Motion.position), col(Motion.id))
        ).all()
    )


def of_meeting(session: Session, meeting: Meeting, ids: list[int]) -> dict[int, Motion]:
    """The meeting's motions among ``ids``, by id (one query)."""
    found = session.exec(
        select(Motion).where(col(Motion.id).in_(ids), Motion.meeting_id == meeting.id)
    ).all()
    return {m.id: m for m in found if m.id is not None}


def _audit(session: Session, motion: Motion, actor: str, action: str, **detail: Any) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"motion.{action}",
        organisation_id=motion.organisation_id,
        object_type="motion",
        object_id=motion.id,
        detail=detail,
    )


def _check_kind(organisation: Organisation, meeting: Meeting, kind: MotionKind) -> None:
    rule = RULES[kind]
    if organisation.kind.value not in rule.types:
        raise Invalid(
            "kind-not-allowed",
            f"A {organisation.kind.label.lower()} does not vote on a {rule.label.lower()}.",
        )
    bodies = set(motion_roll.bodies_of(kind))
    meeting_kind = MeetingKind(meeting.kind)
    if kind is MotionKind.FT_AMENDMENT_MEMBERS_APPROVAL:
        fits = meeting_kind is MeetingKind.FT_ANNUAL_MEMBERS
    elif bodies == {Body.MEMBERS}:
        fits = meeting_kind in MEMBERS_KINDS
    else:
        fits = meeting_kind in OFFICE_MEETINGS
    if not fits:
        raise Invalid(
            "wrong-meeting",
            f"A {rule.label.lower()} cannot be put to a {meeting_kind.label.lower()}.",
        )


def _check_follow_up(
    session: Session, organisation: Organisation, meeting: Meeting, data: MotionIn
) -> None:
    rule = RULES[data.kind]
    if not rule.confirms:
        if data.follows_motion_id is not None:
            raise Invalid("not-a-follow-up", f"A {rule.label.lower()} follows no earlier vote.")
        return
    if data.follows_motion_id is None:
        raise Invalid("follow-up-needed", "Say which earlier decision this vote completes.")
    first = session.get(Motion, data.follows_motion_id)
    if first is None or first.organisation_id != organisation.id:
        raise Invalid("unknown-motion", "There is no such earlier motion.")
    result = session.get(MotionResult, first.id)
    if MotionKind(first.kind) not in rule.confirms or result is None or not result.passed:
        raise Invalid(
            "nothing-to-confirm",
            "The earlier motion must be a carried decision that needs this vote.",
        )
    first_meeting = session.get(Meeting, first.meeting_id)
    if first_meeting is None or first_meeting.starts_at >= meeting.starts_at:
        raise Invalid("not-later", "The vote must be at a meeting after the first decision.")
    taken = session.exec(select(Motion.id).where(Motion.follows_motion_id == first.id)).first()
    if taken is not None:
        raise Conflict("already-followed", "That decision already has its follow-up vote.")


def create_motion(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    data: MotionIn,
    *,
    actor: str,
) -> Motion:
    """Add a draft motion to the meeting's agenda."""
    if meeting.status not in (MeetingStatus.DRAFT, *LIVE_MEETING):
        raise Conflict("meeting-over", "Motions can only be added before or during the meeting.")
    _check_kind(organisation, meeting, data.kind)
    _check_follow_up(session, organisation, meeting, data)
    if data.agenda_item_id is not None:
        item = session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.meeting_id != meeting.id:
            raise Invalid("unknown-agenda-item", "That agenda item is not on this meeting.")
    last = session.exec(
        select(func.max(Motion.position)).where(Motion.meeting_id == meeting.id)
    ).one()
    assert organisation.id is not None and meeting.id is not None
    motion = Motion(
        organisation_id=organisation.id,
        meeting_id=meeting.id,
        agenda_item_id=data.agenda_item_id,
        position=(last or 0) + 1,
        kind=data.kind.value,
        title=data.title,
        text=data.text,
        secret=data.secret,
        follows_motion_id=data.follows_motion_id,
        advance_closes_at=data.advance_closes_at,
        created_by=actor,
    )
    session.add(motion)
    session.flush()
    _audit(session, motion, actor, "created", kind=motion.kind, secret=motion.secret)
    session.commit()
    return motion


def update_motion(session: Session, motion: Motion, data: MotionUpdate, *, actor: str) -> Motion:
    """Change a draft motion (its wording is fixed once anyone can vote on it)."""
    changes = data.model_dump(exclude_unset=True)
    changed = session.execute(
        update(Motion)
        .where(col(Motion.id) == motion.id, col(Motion.status) == MotionStatus.DRAFT)
        .values(revision=Motion.revision + 1, **changes)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("not-a-draft", "Only a draft motion can be changed.")
    _audit(session, motion, actor, "updated", fields=sorted(changes))
    session.commit()
    session.refresh(motion)
    return motion


def _move(
    session: Session,
    motion: Motion,
    from_statuses: tuple[MotionStatus, ...],
    to_status: MotionStatus,
    message: str,
    **values: Any,
) -> None:
    """Change the motion's status if it is still in one of ``from_statuses``, else refuse."""
    changed = session.execute(
        update(Motion)
        .where(col(Motion.id) == motion.id, col(Motion.status).in_(from_statuses))
        .values(status=to_status.value, revision=Motion.revision + 1, **values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("wrong-state", message)


def _open_roll(
    session: Session, organisation: Organisation, motion: Motion, now: datetime
) -> dict[str, Any]:
    """Write the roll and the snapshots (the body's size at this moment, the settings)."""
    day = now.astimezone(ZoneInfo(organisation.time_zone)).date()
    snapshot = motion_roll.build(session, motion, day)
    empty = [body for body, entry in snapshot.items() if entry["eligible"] == 0]
    if empty:
        session.rollback()
        raise Conflict("nobody-to-vote", f"Nobody is on the roll of the {', '.join(empty)}.")
    values = {
        "body_on": day,
        "body_snapshot": snapshot,
        "settings_snapshot": motion_roll.settings_for(session, organisation),
        "opened_at": now,
    }
    session.execute(update(Motion).where(col(Motion.id) == motion.id).values(**values))
    return snapshot


def open_for_advance(
    session: Session,
    organisation: Organisation,
    motion: Motion,
    *,
    actor: str,
    now: datetime | None = None,
) -> Motion:
    """Open a draft motion for votes in advance, until ``advance_closes_at`` (by default the
    start of the meeting). The roll is counted now."""
    now = now or utcnow()
    meeting = session.get(Meeting, motion.meeting_id)
    assert meeting is not None
    if meeting.status not in LIVE_MEETING:
        raise Conflict("meeting-not-called", "Give notice of the meeting before voting opens.")
    closes = motion.advance_closes_at or meeting.starts_at
    if closes <= now:
        raise Conflict("too-late", "Voting in advance would already have closed.")
    _move(
        session,
        motion,
        (MotionStatus.DRAFT,),
        MotionStatus.OPEN_FOR_ADVANCE,
        "Only a draft motion can be opened for votes in advance.",
        advance_closes_at=closes,
    )
    snapshot = _open_roll(session, organisation, motion, now)
    _audit(session, motion, actor, "opened_for_advance", eligible=_sizes(snapshot))
    session.commit()
    session.refresh(motion)
    return motion


def _sizes(snapshot: dict[str, Any]) -> dict[str, int]:
    return {body: int(entry["eligible"]) for body, entry in snapshot.items()}


def open_poll(
    session: Session,
    organisation: Organisation,
    motion: Motion,
    *,
    actor: str,
    now: datetime | None = None,
) -> Motion:
    """The chair opens the poll in the meeting: members vote on their phones, proxies are
    used. Votes cast in advance stand."""
    now = now or utcnow()
    meeting = session.get(Meeting, motion.meeting_id)
    assert meeting is not None
    if meeting.status != MeetingStatus.OPEN:
        raise Conflict("meeting-not-open", "The poll can only be opened during the meeting.")
    was_draft = motion.status == MotionStatus.DRAFT
    _move(
        session,
        motion,
        (MotionStatus.DRAFT, MotionStatus.OPEN_FOR_ADVANCE),
        MotionStatus.OPEN_IN_MEETING,
        "The poll can only be opened on a draft motion or one open for votes in advance.",
        poll_opened_at=now,
    )
    detail: dict[str, Any] = {}
    if was_draft:
        detail["eligible"] = _sizes(_open_roll(session, organisation, motion, now))
    _audit(session, motion, actor, "poll_opened", **detail)
    session.commit()
    session.refresh(motion)
    return motion


def close(
    session: Session, motion: Motion, *, actor: str, now: datetime | None = None
) -> MotionResult:
    """Close the vote and store its result (computed from the stored votes)."""
    _move(
        session,
        motion,
        OPEN,
        MotionStatus.CLOSED,
        "Only an open motion can be closed.",
        closed_at=now or utcnow(),
    )
    session.refresh(motion)
    try:
        stored = results.store(session, motion, actor=actor)
    except Conflict:
        session.rollback()
        raise
    _audit(session, motion, actor, "closed", passed=stored.passed)
    session.commit()
    return stored


def give_casting_vote(
    session: Session, motion: Motion, body: Body, in_favour: bool, *, actor: str
) -> MotionResult:
    """The chair's casting vote on a tied body, when the constitution gives one. Once only."""
    stored = session.get(MotionResult, motion.id)
    if motion.status != MotionStatus.CLOSED or stored is None:
        raise Conflict("not-closed", "A casting vote is given once the vote has closed.")
    if not motion.settings_snapshot.get("casting_vote_allowed"):
        raise Conflict("no-casting-vote", "The constitution gives the chair no casting vote.")
    tied = [c for c in stored.decision.get("checks", []) if c["body"] == body.value and c["tie"]]
    if not tied:
        raise Conflict("not-tied", f"The vote of the {body} is not tied.")
    if body.value in motion.casting_votes:
        raise Conflict("already-given", "The chair has already given a casting vote.")
    votes = {**motion.casting_votes, body.value: in_favour}
    changed = session.execute(
        update(Motion)
        .where(col(Motion.id) == motion.id, col(Motion.revision) == motion.revision)
        .values(casting_votes=votes, revision=Motion.revision + 1)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("changed", "The motion changed meanwhile; reload and try again.")
    session.refresh(motion)
    stored = results.store(session, motion, actor=actor)
    _audit(
        session,
        motion,
        actor,
        "casting_vote_given",
        body=body.value,
        choice="for" if in_favour else "against",
        passed=stored.passed,
    )
    session.commit()
    return stored
