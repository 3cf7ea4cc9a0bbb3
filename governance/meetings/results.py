"""Results of motions: counted from the stored votes, decided by ``thresholds``, stored, and
checked again on demand.

The counts come from the vote tables (secret and named), the chair's show-of-hands record and the
body sizes frozen when the motion opened; nothing else goes in. :func:`recompute` repeats the
whole computation, so anyone with the database can check that a stored result follows from the
stored votes, and :func:`verify` also checks that the votes match the roll (as many votes in each
body as voters marked as having voted).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import func, select
from sqlmodel import Session, col

from governance.db import utcnow
from governance.errors import Conflict
from governance.meetings import hooks
from governance.meetings.models import Meeting
from governance.meetings.motion_models import (
    HandsCount,
    Motion,
    MotionResult,
    MotionVoter,
    NamedVote,
    SecretVote,
)
from governance.meetings.motion_roll import class_weights
from governance.meetings.thresholds import (
    Body,
    Decision,
    MotionKind,
    Standing,
    Tally,
    ThresholdError,
    decide,
    standing,
)
from governance.meetings.weighting import SilentClass, WeightingError
from governance.organisations.models import Organisation

CHOICES = ("for", "against", "abstain")


def _zero() -> dict[str, int]:
    return dict.fromkeys(CHOICES, 0)


def stored_votes(session: Session, motion_id: int) -> list[tuple[str, int | None, str, int]]:
    rows: list[tuple[str, int | None, str, int]] = []
    for model in (SecretVote, NamedVote):
        table: Any = cast(Any, model).__table__
        found = session.execute(
            select(table.c.body, table.c.class_id, table.c.choice, func.count())
            .where(table.c.motion_id == motion_id)
            .group_by(table.c.body, table.c.class_id, table.c.choice)
        ).all()
        rows += [(b, c, ch, int(n)) for b, c, ch, n in found]
    return rows


def counts_of(session: Session, motion: Motion) -> dict[str, Any]:
    """The counts a result is decided from, per body and per class, with the show of hands
    and how the voters voted (online, in the meeting, by proxy)."""
    assert motion.id is not None
    snapshot = motion.body_snapshot
    bodies: dict[str, Any] = {}
    per_class: dict[tuple[str, str], dict[str, int]] = defaultdict(_zero)
    for body, entry in snapshot.items():
        bodies[body] = {"eligible": entry["eligible"], "votes": _zero(), "hands": _zero()}
        for class_id in entry["classes"]:
            per_class[(body, class_id)]
    for body, class_id, choice, n in stored_votes(session, motion.id):
        bodies[body]["votes"][choice] += n
        if class_id is not None:
            per_class[(body, str(class_id))][choice] += n
    hands = session.execute(select(HandsCount).where(col(HandsCount.motion_id) == motion.id))
    for row in hands.scalars():
        shown = {"for": row.votes_for, "against": row.against, "abstain": row.abstain}
        for choice, n in shown.items():
            bodies[row.body]["hands"][choice] += n
            if row.class_id is not None:
                per_class[(row.body, str(row.class_id))][choice] += n
    names = motion.settings_snapshot.get("classes", {})
    for body, entry in bodies.items():
        entry["total"] = {c: entry["votes"][c] + entry["hands"][c] for c in CHOICES}
        entry["classes"] = [
            {
                "class_id": class_id,
                "name": names.get(class_id, {}).get("name", f"Class {class_id}"),
                "eligible": int(snapshot[body]["classes"].get(class_id, 0)),
                **per_class[(b, class_id)],
            }
            for (b, class_id) in sorted(per_class, key=lambda k: (k[0], int(k[1])))
            if b == body
        ]
    turnout = session.execute(
        select(col(MotionVoter.channel), func.count())
        .where(col(MotionVoter.motion_id) == motion.id, col(MotionVoter.status) == "voted")
        .group_by(col(MotionVoter.channel))
    ).all()
    return {"bodies": bodies, "voted_by": {str(ch): int(n) for ch, n in turnout}}


def weighted(motion: Motion) -> bool:
    return bool(motion.settings_snapshot.get("weighted"))


def _tallies(motion: Motion, counts: dict[str, Any]) -> list[Tally]:
    tallies = []
    for body, entry in counts["bodies"].items():
        if body == Body.MEMBERS and weighted(motion):
            tallies += [
                Tally(
                    Body.MEMBERS,
                    c["eligible"],
                    c["for"],
                    c["against"],
                    c["abstain"],
                    group=c["class_id"],
                )
                for c in entry["classes"]
            ]
        else:
            total = entry["total"]
            tallies.append(
                Tally(
                    Body(body),
                    entry["eligible"],
                    total["for"],
                    total["against"],
                    total["abstain"],
                )
            )
    return tallies


def decision_of(motion: Motion, counts: dict[str, Any]) -> Decision:
    """The decision for these counts under the settings frozen when the motion opened."""
    settings = motion.settings_snapshot
    classes = []
    if weighted(motion) and Body.MEMBERS.value in counts["bodies"]:
        ids = [c["class_id"] for c in counts["bodies"][Body.MEMBERS.value]["classes"]]
        classes = class_weights(settings, ids)
    return decide(
        MotionKind(motion.kind),
        _tallies(motion, counts),
        classes=classes,
        silent_classes=SilentClass(settings.get("silent_classes", SilentClass.REDISTRIBUTE)),
        casting_vote_allowed=bool(settings.get("casting_vote_allowed")),
        casting_votes={Body(b): v for b, v in motion.casting_votes.items()},
    )


def compute(session: Session, motion: Motion) -> tuple[dict[str, Any], Decision]:
    counts = counts_of(session, motion)
    try:
        return counts, decision_of(motion, counts)
    except (ThresholdError, WeightingError) as error:
        raise Conflict("counts-do-not-add-up", f"The result cannot be computed: {error}.") from None


def store(session: Session, motion: Motion, *, actor: str) -> MotionResult:
    """Compute and store (or replace) the result, in the caller's transaction."""
    counts, decision = compute(session, motion)
    stored = session.get(MotionResult, motion.id)
    if stored is None:
        assert motion.id is not None
        stored = MotionResult(motion_id=motion.id, passed=False, computed_by=actor)
    stored.passed = decision.passed
    stored.counts = counts
    stored.decision = decision.to_json()
    stored.computed_at = utcnow()
    stored.computed_by = actor
    session.add(stored)
    session.flush()
    return stored


def recompute(session: Session, motion: Motion) -> dict[str, Any]:
    """The decision as it follows from the stored votes now (the stored result must match)."""
    _counts, decision = compute(session, motion)
    return decision.to_json()


def verify(session: Session, motion: Motion, stored: MotionResult) -> bool:
    """Whether the stored result follows from the stored votes, and the votes match the roll."""
    counts, decision = compute(session, motion)
    if _normal(decision.to_json()) != _normal(stored.decision) or counts != stored.counts:
        return False
    voted = session.execute(
        select(col(MotionVoter.body), func.count())
        .where(col(MotionVoter.motion_id) == motion.id, col(MotionVoter.status) == "voted")
        .group_by(col(MotionVoter.body))
    ).all()
    on_roll = {str(body): int(n) for body, n in voted}
    recorded = {body: sum(entry["votes"].values()) for body, entry in counts["bodies"].items()}
    return all(on_roll.get(body, 0) == n for body, n in recorded.items())


def _normal(document: dict[str, Any]) -> Any:
    """A document as stored (JSON sorts keys and turns tuples into lists)."""
    return json.loads(json.dumps(document, sort_keys=True, default=str))


def follow_up_of(session: Session, motion: Motion) -> Motion | None:
    found = session.execute(select(Motion).where(col(Motion.follows_motion_id) == motion.id))
    return found.scalars().first()


def standing_of(session: Session, motion: Motion) -> Standing | None:
    """Where a closed motion's decision stands, taking any follow-up vote into account."""
    stored = session.get(MotionResult, motion.id)
    if stored is None:
        return None
    first = decision_of(motion, stored.counts)
    later = follow_up_of(session, motion)
    later_result = session.get(MotionResult, later.id) if later is not None else None
    if later is None or later_result is None:
        return standing(first)
    return standing(first, decision_of(later, later_result.counts))


OUTCOME_WORDS = {
    Standing.NOT_CARRIED: "Not carried",
    Standing.CARRIED: "Carried",
    Standing.AWAITING: "Carried, subject to a further vote",
    Standing.CONFIRMED: "Carried and confirmed",
    Standing.LAPSED: "Carried, then lapsed",
}


def result_links(session: Session, meeting: Meeting) -> list[hooks.ResultLink]:
    """The stored results of a meeting's motions, for its minutes (registered with the hooks)."""
    organisation = session.get(Organisation, meeting.organisation_id)
    if organisation is None:
        return []
    closed = session.execute(
        select(Motion)
        .join(MotionResult, col(MotionResult.motion_id) == col(Motion.id))
        .where(col(Motion.meeting_id) == meeting.id)
        .order_by(col(Motion.position), col(Motion.id))
    ).scalars()
    links = []
    for motion in closed:
        state = standing_of(session, motion)
        links.append(
            hooks.ResultLink(
                title=motion.title,
                outcome=OUTCOME_WORDS[state] if state else "",
                path=f"/o/{organisation.slug}/motions/{motion.id}/result",
            )
        )
    return links


hooks.register_result_lister(result_links)
