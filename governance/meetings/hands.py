"""The chair's count of a show of hands, recorded while the poll is open in the meeting.

A show of hands cannot say who voted, so the chair counts only those in the room who have not
already voted (online in advance, on their phones, or by proxy); the count is added to the stored
votes. The record is replaced whole each time it is entered, audited with its numbers (which are
published with the result anyway), and refused if it would make more votes than voters in any
body or class. For weighted classes of member the chair counts each class separately.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col

from governance import audit
from governance.errors import Conflict, Invalid
from governance.meetings import motion_roll, results
from governance.meetings.motion_models import HandsCount, Motion, MotionStatus
from governance.meetings.motion_schemas import HandsIn
from governance.meetings.thresholds import Body, MotionKind


def _class_ids(motion: Motion) -> dict[str, int]:
    """Class code -> id for the classes as they were when the motion opened."""
    classes = motion.settings_snapshot.get("classes", {})
    return {str(entry["code"]).upper(): int(class_id) for class_id, entry in classes.items()}


def _groups(motion: Motion, data: HandsIn) -> dict[tuple[str, int | None], tuple[int, int, int]]:
    bodies = {b.value for b in motion_roll.bodies_of(MotionKind(motion.kind))}
    by_class = results.weighted(motion)
    codes = _class_ids(motion)
    groups: dict[tuple[str, int | None], tuple[int, int, int]] = {}
    for line in data.counts:
        if line.body.value not in bodies:
            raise Invalid("wrong-body", f"The {line.body} do not vote on this motion.")
        class_id = None
        if by_class and line.body is Body.MEMBERS:
            code = (line.class_code or "").strip().upper()
            if code not in codes:
                raise Invalid(
                    "class-needed",
                    "Count each class of member separately: give the class code of each line.",
                )
            class_id = codes[code]
        elif line.class_code:
            raise Invalid("no-classes", "Count this body as a whole, without classes.")
        key = (line.body.value, class_id)
        if key in groups:
            raise Invalid("counted-twice", "Each body (or class) is counted once.")
        groups[key] = (line.votes_for, line.against, line.abstain)
    return groups


def _check_room(
    session: Session, motion: Motion, groups: dict[tuple[str, int | None], tuple[int, int, int]]
) -> None:
    """Refuse a count that, with the votes already stored, is more than could vote."""
    assert motion.id is not None
    voted: dict[tuple[str, int | None], int] = {}
    for body, class_id, _choice, n in results.stored_votes(session, motion.id):
        voted[(body, class_id)] = voted.get((body, class_id), 0) + n
    for (body, class_id), counts in groups.items():
        entry = motion.body_snapshot[body]
        if class_id is None:
            room = int(entry["eligible"])
            already = sum(n for (b, _c), n in voted.items() if b == body)
        else:
            room = int(entry["classes"].get(str(class_id), 0))
            already = voted.get((body, class_id), 0)
        if already + sum(counts) > room:
            raise Invalid(
                "too-many-hands",
                f"{sum(counts)} hands and {already} votes already recorded are more than the "
                f"{room} who could vote.",
            )


def record(session: Session, motion: Motion, data: HandsIn, *, actor: str) -> int:
    """Replace the show-of-hands record of an open poll; commits. Returns the lines stored."""
    if motion.status != MotionStatus.OPEN_IN_MEETING:
        raise Conflict("poll-closed", "A show of hands is counted while the poll is open.")
    groups = _groups(motion, data)
    changed = session.execute(
        update(Motion)
        .where(col(Motion.id) == motion.id, col(Motion.status) == MotionStatus.OPEN_IN_MEETING)
        .values(revision=Motion.revision + 1)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("poll-closed", "The poll closed before the count could be recorded.")
    try:
        _check_room(session, motion, groups)
    except Invalid:
        session.rollback()
        raise
    assert motion.id is not None
    session.execute(delete(HandsCount).where(col(HandsCount.motion_id) == motion.id))
    for (body, class_id), (votes_for, against, abstain) in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] or 0)
    ):
        session.add(
            HandsCount(
                motion_id=motion.id,
                body=body,
                class_id=class_id,
                votes_for=votes_for,
                against=against,
                abstain=abstain,
                recorded_by=actor,
            )
        )
    audit.record(
        session,
        actor=actor,
        action="motion.hands_recorded",
        organisation_id=motion.organisation_id,
        object_type="motion",
        object_id=motion.id,
        detail={
            "counts": [
                {"body": b, "class_id": c, "for": f, "against": a, "abstain": x}
                for (b, c), (f, a, x) in groups.items()
            ]
        },
    )
    session.commit()
    return len(groups)
