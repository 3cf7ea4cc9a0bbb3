"""The secretary's pages for motions (the chair's desk): put motions on a meeting, open them for
votes in advance, open the poll in the meeting, count a show of hands, vote the chair's proxies,
close the vote, and give the chair's casting vote on a tie where the constitution allows one."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.errors import Problem
from governance.meetings import hands, motions, proxies, results
from governance.meetings.kinds import MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Choice, Motion, MotionResult, MotionStatus
from governance.meetings.motion_pages import page
from governance.meetings.motion_schemas import HandsIn, MotionIn
from governance.meetings.motion_web import STAFF_ROLES, staff_meeting, staff_motion
from governance.meetings.thresholds import RULES, MotionKind
from governance.meetings.thresholds import Body as VotingBody
from governance.organisations.models import Organisation
from governance.web.forms import RowId, field_errors, parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
STAFF = [organisation_guard(STAFF_ROLES)]
MEETING = "/o/{slug:str}/meetings/{meeting_id:int}/motions"
MANAGE = "/o/{slug:str}/motions/{motion_id:int}/manage"


def _first(data: dict[str, Any], name: str, limit: int = 20_000) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:limit]


def _kinds(organisation: Organisation) -> list[tuple[str, str]]:
    return [
        (kind.value, rule.label)
        for kind, rule in RULES.items()
        if organisation.kind.value in rule.types
    ]


def _list_page(
    db: Session,
    organisation: Organisation,
    meeting: Meeting,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    found = motions.motions_of(db, meeting)
    carried = [
        m
        for m in _carried_elsewhere(db, organisation, meeting)
        if RULES[MotionKind(m.kind)].follow_up is not None
    ]
    return page(
        "manage_list.html",
        f"Motions: {meeting.title}",
        status=status,
        organisation=organisation,
        meeting=meeting,
        motions=[(m, MotionStatus(m.status).label, RULES[MotionKind(m.kind)]) for m in found],
        kinds=_kinds(organisation),
        carried=carried,
        values=values or {"secret": True},
        errors=errors or {},
        action=f"/o/{organisation.slug}/meetings/{meeting.id}/motions",
    )


def _carried_elsewhere(db: Session, organisation: Organisation, meeting: Meeting) -> list[Motion]:
    """Carried motions of earlier meetings: the ones a follow-up vote may complete."""
    rows = db.exec(
        select(Motion)
        .join(MotionResult, col(MotionResult.motion_id) == Motion.id)
        .where(
            Motion.organisation_id == organisation.id,
            Motion.meeting_id != meeting.id,
            col(MotionResult.passed).is_(True),
        )
        .order_by(col(Motion.id))
    ).all()
    return list(rows)


@get(MEETING, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def motions_page(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> Template:
    organisation, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    return _list_page(db, organisation, meeting)


@post(MEETING, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def motion_create(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: Form
) -> Response[Any]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    follows = _first(data, "follows_motion_id")
    fields: dict[str, Any] = {
        "kind": _first(data, "kind"),
        "title": _first(data, "title", 300),
        "text": _first(data, "text"),
        "secret": _first(data, "secret") == "yes",
        "follows_motion_id": int(follows) if follows.isdigit() else None,
    }
    form, errors = parse_form(MotionIn, fields)
    if form is None:
        return _list_page(db, organisation, meeting, errors=errors, values=fields, status=400)
    try:
        motion = motions.create_motion(db, organisation, meeting, form, actor=actor)
    except Problem as refused:
        return _list_page(
            db,
            organisation,
            meeting,
            errors=field_errors(refused, "kind"),
            values=fields,
            status=refused.status_code,
        )
    return Redirect(f"/o/{organisation.slug}/motions/{motion.id}/manage", status_code=303)


def _console(
    db: Session,
    organisation: Organisation,
    motion: Motion,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    meeting = db.get(Meeting, motion.meeting_id)
    assert meeting is not None and meeting.id is not None
    stored = db.get(MotionResult, motion.id)
    weighted = results.weighted(motion)
    classes = motion.settings_snapshot.get("classes", {})
    on_roll = motion.body_snapshot.get("members", {}).get("classes", {})
    tied = [c["body"] for c in (stored.decision.get("checks", []) if stored else []) if c["tie"]]
    return page(
        "manage.html",
        f"Manage: {motion.title}",
        status=status,
        organisation=organisation,
        meeting=meeting,
        meeting_open=meeting.status == MeetingStatus.OPEN,
        motion=motion,
        status_label=MotionStatus(motion.status).label,
        rule=RULES[MotionKind(motion.kind)],
        result=stored,
        hand_classes=[classes[c] for c in on_roll if c in classes] if weighted else [],
        bodies=list(motion.body_snapshot),
        holders=proxies.holders_summary(db, meeting.id),
        casting=bool(motion.settings_snapshot.get("casting_vote_allowed"))
        and not motion.casting_votes,
        tied=tied,
        choices=list(Choice),
        base=f"/o/{organisation.slug}/motions/{motion.id}/manage",
        errors=errors or {},
        flash_messages=[{"kind": "success", "text": notice}] if notice else [],
    )


@get(MANAGE, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def console(db: Session, identity: Identity, slug: str, motion_id: RowId) -> Template:
    organisation, motion, _ = staff_motion(db, identity, slug, motion_id)
    return _console(db, organisation, motion)


def _hands_form(motion: Motion, data: dict[str, Any]) -> HandsIn | None:
    lines = []
    for key in data:
        if not key.endswith("-for"):
            continue
        group = key.removesuffix("-for")
        body, _, code = group.partition(":")
        numbers = [_first(data, f"{group}-{part}") or "0" for part in ("for", "against", "abstain")]
        if not all(n.isdigit() for n in numbers):
            return None
        lines.append(
            {
                "body": body,
                "class_code": code or None,
                "votes_for": int(numbers[0]),
                "against": int(numbers[1]),
                "abstain": int(numbers[2]),
            }
        )
    form, _errors = parse_form(HandsIn, {"counts": lines})
    return form


@post(f"{MANAGE}/{{action:str}}", guards=STAFF, include_in_schema=False, sync_to_thread=True)
def console_action(
    db: Session, identity: Identity, slug: str, *, motion_id: RowId, action: str, data: Form
) -> Template:
    organisation, motion, actor = staff_motion(db, identity, slug, motion_id)
    try:
        notice = _act(db, organisation, motion, action=action, data=data, actor=actor)
    except Problem as refused:
        db.rollback()
        db.refresh(motion)
        return _console(
            db, organisation, motion, errors={action: refused.detail}, status=refused.status_code
        )
    db.refresh(motion)
    return _console(db, organisation, motion, notice=notice)


def _act(
    db: Session,
    organisation: Organisation,
    motion: Motion,
    *,
    action: str,
    data: dict[str, Any],
    actor: str,
) -> str:
    """Carry out one console action; the notice to show, or a :class:`Problem`."""
    if action == "open-advance":
        motions.open_for_advance(db, organisation, motion, actor=actor)
        return "Voting in advance is open."
    if action == "open-poll":
        motions.open_poll(db, organisation, motion, actor=actor)
        return "The poll is open: members can vote on their phones."
    if action == "close":
        stored = motions.close(db, motion, actor=actor)
        return "The vote is closed: " + ("carried." if stored.passed else "not carried.")
    if action == "hands":
        form = _hands_form(motion, data)
        if form is None:
            raise Problem(400, "invalid-count", "Enter each count as a whole number.")
        hands.record(db, motion, form, actor=actor)
        return "The show of hands is recorded."
    if action == "chair-proxies":
        picked = _first(data, "choice")
        choice = Choice(picked) if picked in {c.value for c in Choice} else None
        name = _first(data, "holder_name", 200)
        holder = proxies.Holder(name=name or None, chair=not name)
        done = proxies.vote_proxies(db, motion, holder, choice=choice, actor=actor)
        return f"{done.cast} proxy vote(s) recorded; {len(done.skipped)} not used."
    if action == "person-present":
        meeting = db.get(Meeting, motion.meeting_id)
        assert meeting is not None
        name = _first(data, "holder_name", 200)
        count = proxies.mark_person_present(db, organisation, meeting, name, actor=actor)
        return f"{name} is recorded as present, holding {count} proxies."
    if action == "casting-vote":
        body = _first(data, "body") or VotingBody.MEMBERS.value
        side = _first(data, "choice")
        if side not in {"for", "against"} or body not in {b.value for b in VotingBody}:
            raise Problem(400, "invalid-casting-vote", "Choose for or against.")
        motions.give_casting_vote(db, motion, VotingBody(body), side == "for", actor=actor)
        return "The chair's casting vote is recorded."
    raise Problem(404, "not-found", "There is no such action.")


def motion_staff_pages() -> list[Any]:
    return [motions_page, motion_create, console, console_action]
