"""The roll of a motion: who may vote, in which body and class, counted when the motion opens.

Members are those with a membership period covering the day the motion opens (their class is
the constituency or class of that period); governors and directors those whose term runs on the
day. The roll is written with one INSERT ... SELECT per body, so a 90,000-member register takes
one statement, and the snapshot of the body sizes is read back from what was written.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Table, func, insert, literal, select
from sqlmodel import Session, col

from governance.meetings.motion_models import Motion, MotionVoter, RollStatus
from governance.meetings.thresholds import RULES, Body, MotionKind
from governance.meetings.weighting import ClassWeight
from governance.members import history
from governance.members.models import Constituency, Member, MembershipPeriod, MemberStatus
from governance.members.offices import Office, holders_on
from governance.organisations.models import Organisation

ROLL: Table = MotionVoter.__table__  # type: ignore[attr-defined]
OFFICES = {Body.GOVERNORS: Office.GOVERNOR, Body.DIRECTORS: Office.DIRECTOR}


def bodies_of(kind: MotionKind) -> list[Body]:
    """The bodies that vote on a kind of motion, in the rule's order."""
    seen: list[Body] = []
    for requirement in RULES[kind].requirements:
        if requirement.body not in seen:
            seen.append(requirement.body)
    return seen


def _add_members(session: Session, motion_id: int, organisation_id: int, day: date) -> None:
    chosen = (
        select(
            literal(motion_id),
            col(MembershipPeriod.member_id),
            literal(Body.MEMBERS.value),
            func.min(MembershipPeriod.constituency_id),
            literal(RollStatus.ELIGIBLE.value),
        )
        .join(Member, col(Member.id) == col(MembershipPeriod.member_id))
        .where(
            col(MembershipPeriod.organisation_id) == organisation_id,
            history.current_on(day),
            col(Member.status) == MemberStatus.ACTIVE.value,
        )
        .group_by(col(MembershipPeriod.member_id))
    )
    session.execute(
        insert(ROLL).from_select(["motion_id", "member_id", "body", "class_id", "status"], chosen)
    )


def _add_office_holders(
    session: Session, motion_id: int, organisation_id: int, day: date, body: Body
) -> None:
    ids = sorted({t.member_id for t in holders_on(session, organisation_id, day, OFFICES[body])})
    if ids:
        session.execute(
            insert(ROLL),
            [
                {"motion_id": motion_id, "member_id": i, "body": body.value, "status": "eligible"}
                for i in ids
            ],
        )


def build(session: Session, motion: Motion, day: date) -> dict[str, Any]:
    """Write the roll for ``motion`` (in the caller's transaction) and return the body sizes:
    ``{"members": {"eligible": n, "classes": {"<class id>": n}}, "governors": {...}}``."""
    assert motion.id is not None
    for body in bodies_of(MotionKind(motion.kind)):
        if body is Body.MEMBERS:
            _add_members(session, motion.id, motion.organisation_id, day)
        else:
            _add_office_holders(session, motion.id, motion.organisation_id, day, body)
    rows = session.execute(
        select(col(MotionVoter.body), col(MotionVoter.class_id), func.count())
        .where(col(MotionVoter.motion_id) == motion.id)
        .group_by(col(MotionVoter.body), col(MotionVoter.class_id))
    ).all()
    snapshot: dict[str, Any] = {
        b.value: {"eligible": 0, "classes": {}} for b in bodies_of(MotionKind(motion.kind))
    }
    for body, class_id, count in rows:
        entry = snapshot[body]
        entry["eligible"] += int(count)
        if class_id is not None:
            entry["classes"][str(class_id)] = int(count)
    return snapshot


def _bp(value: int | None) -> str | None:
    return None if value is None else f"{value}/10000"


def class_settings(session: Session, organisation: Organisation) -> dict[str, Any]:
    """The organisation's constituencies or classes with their vote shares and caps, as stored
    with a motion when it opens."""
    found = (
        session.execute(
            select(Constituency).where(col(Constituency.organisation_id) == organisation.id)
        )
        .scalars()
        .all()
    )
    return {
        str(c.id): {
            "code": c.code,
            "name": c.name,
            "share": _bp(c.vote_share_bp),
            "cap": _bp(c.vote_cap_bp),
        }
        for c in found
    }


def settings_for(session: Session, organisation: Organisation) -> dict[str, Any]:
    """The voting settings copied to a motion when it opens."""
    constitution = organisation.constitution
    classes = class_settings(session, organisation)
    weighted = any(c["share"] or c["cap"] for c in classes.values())
    return {
        "organisation_type": organisation.kind.value,
        "casting_vote_allowed": constitution.chair_casting_vote,
        "silent_classes": constitution.silent_class_weight,
        "weighted": weighted,
        "classes": classes,
    }


def class_weights(settings: dict[str, Any], class_ids: list[str]) -> list[ClassWeight]:
    """The weights of the classes on the roll, keyed by class id, from a motion's settings."""
    classes = settings.get("classes", {})
    weights = []
    for class_id in class_ids:
        found = classes.get(class_id, {})
        weights.append(
            ClassWeight(
                code=class_id,
                name=found.get("name", f"Class {class_id}"),
                share=Fraction(found["share"]) if found.get("share") else None,
                cap=Fraction(found["cap"]) if found.get("cap") else None,
            )
        )
    return weights
