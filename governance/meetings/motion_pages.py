"""Members' pages for motions: the meeting's motions, voting on one (mobile first: one motion per
page, three choices, one button), appointing or revoking a proxy, using the proxies one holds;
and the result page anyone may read.

No JavaScript is needed. A vote is posted, then the page is fetched again (post, redirect, get),
and it shows the vote as recorded because the roll says so.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.errors import Problem
from governance.meetings import motion_votes, motions, proxies, results
from governance.meetings.kinds import MEMBERS_KINDS, MeetingKind
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Choice, Motion, MotionResult, MotionStatus
from governance.meetings.motion_roll import bodies_of
from governance.meetings.motion_schemas import ProxyIn
from governance.meetings.motion_web import (
    member_meeting,
    member_motion,
    named_votes,
    public_result,
    result_out,
)
from governance.meetings.thresholds import RULES, MotionKind
from governance.meetings.thresholds import Body as VotingBody
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.web.forms import RowId, field_errors, parse_form

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MEMBERS = [organisation_guard([], members=True)]
NO_STORE = {"Cache-Control": "no-store"}
MEETING = "/o/{slug:str}/meetings/{meeting_id:int}"
MOTION = "/o/{slug:str}/motions/{motion_id:int}"
CHANNEL_WORDS = {
    "online": "online, in advance",
    "in_meeting": "in the meeting",
    "proxy": "by your proxy",
}


def page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    """Render ``motions/<template>``, never cached; a page showing errors says so first."""
    errors = context.setdefault("errors", {})
    context["page_title"] = f"Error: {title}" if errors else title
    return Template(
        f"motions/{template}", context=context, status_code=status, headers=dict(NO_STORE)
    )


def _first(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:200]


def motion_path(organisation: Organisation, motion: Motion) -> str:
    return f"/o/{organisation.slug}/motions/{motion.id}"


def meeting_vote_path(organisation: Organisation, meeting_id: int) -> str:
    return f"/o/{organisation.slug}/meetings/{meeting_id}/vote"


# -- the meeting's motions ---------------------------------------------------------------------


@get(f"{MEETING}/vote", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def meeting_motions(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> Template:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    found = [m for m in motions.motions_of(db, meeting) if m.status != MotionStatus.DRAFT]
    assert member.id is not None and meeting.id is not None
    mine = motion_votes.my_votes(db, [m.id for m in found if m.id], member.id)
    now = utcnow()
    items = [
        {
            "motion": m,
            "rule": RULES[MotionKind(m.kind)],
            "status": MotionStatus(m.status).label,
            "voted": CHANNEL_WORDS.get(mine.get(m.id or 0, ""), "") if m.id in mine else "",
            "open": motion_votes.channel_now(m, now) is not None,
            "result": m.status == MotionStatus.CLOSED and db.get(MotionResult, m.id) is not None,
            "path": motion_path(organisation, m),
        }
        for m in found
    ]
    held = proxies.held_by(db, meeting.id, proxies.Holder(member_id=member.id))
    return page(
        "vote_list.html",
        f"Vote: {meeting.title}",
        organisation=organisation,
        meeting=meeting,
        items=items,
        proxies_allowed=MeetingKind(meeting.kind) in MEMBERS_KINDS,
        held=len(held),
    )


# -- one motion --------------------------------------------------------------------------------


def _vote_page(
    db: Session,
    organisation: Organisation,
    motion: Motion,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    assert member.id is not None and motion.id is not None
    mine = motion_votes.my_votes(db, [motion.id], member.id)
    on_roll = motion_votes.on_roll(db, motion.id, member.id)
    channel = motion_votes.channel_now(motion, utcnow())
    return page(
        "vote.html",
        motion.title,
        status=status,
        organisation=organisation,
        motion=motion,
        rule=RULES[MotionKind(motion.kind)],
        paragraphs=[p for p in motion.text.split("\n") if p.strip()],
        voted=CHANNEL_WORDS.get(mine.get(motion.id, ""), "") if motion.id in mine else "",
        on_roll=on_roll,
        channel=channel,
        choices=list(Choice),
        back=meeting_vote_path(organisation, motion.meeting_id),
        action=f"{motion_path(organisation, motion)}/vote",
        closed=motion.status == MotionStatus.CLOSED,
        result_path=f"{motion_path(organisation, motion)}/result",
        errors=errors or {},
    )


@get(f"{MOTION}/vote", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def vote_page(db: Session, identity: Identity, slug: str, motion_id: RowId) -> Template:
    organisation, motion, member = member_motion(db, identity, slug, motion_id)
    return _vote_page(db, organisation, motion, member)


@post(f"{MOTION}/vote", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def vote_submit(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: Form
) -> Response[Any]:
    organisation, motion, member = member_motion(db, identity, slug, motion_id)
    picked = _first(data, "choice")
    if picked not in {c.value for c in Choice}:
        return _vote_page(
            db,
            organisation,
            motion,
            member,
            errors={"choice": "Choose for, against or abstain"},
            status=400,
        )
    try:
        motion_votes.vote(db, motion, member, Choice(picked))
    except Problem as refused:
        return _vote_page(
            db, organisation, motion, member, errors={"choice": refused.detail}, status=409
        )
    return Redirect(f"{motion_path(organisation, motion)}/vote", status_code=303)


# -- proxies -----------------------------------------------------------------------------------


def _proxy_page(
    db: Session,
    organisation: Organisation,
    meeting: Meeting,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    assert meeting.id is not None and member.id is not None
    current = proxies.standing_proxy(db, meeting.id, member.id)
    holder_name = ""
    if current is not None and current.holder_member_id is not None:
        found = db.get(Member, current.holder_member_id)
        holder_name = found.display_name if found else ""
    votable = [
        m
        for m in motions.motions_of(db, meeting)
        if m.status != MotionStatus.CLOSED and VotingBody.MEMBERS in bodies_of(MotionKind(m.kind))
    ]
    return page(
        "proxy.html",
        "Your proxy",
        status=status,
        organisation=organisation,
        meeting=meeting,
        current=current,
        holder_name=holder_name,
        motions=votable,
        choices=list(Choice),
        open_for_changes=utcnow() < meeting.starts_at,
        limit=organisation.constitution.max_proxies_per_holder,
        action=f"/o/{organisation.slug}/meetings/{meeting.id}/proxy",
        values=values or {},
        errors=errors or {},
        flash_messages=[{"kind": "success", "text": notice}] if notice else [],
    )


@get(f"{MEETING}/proxy", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def proxy_page(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> Template:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    return _proxy_page(db, organisation, meeting, member)


@post(f"{MEETING}/proxy", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def proxy_submit(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: Form
) -> Template:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    directions = {}
    for key in data:
        if key.startswith("direction-") and _first(data, key) in {c.value for c in Choice}:
            suffix = key.removeprefix("direction-")
            if suffix.isdigit():
                directions[int(suffix)] = _first(data, key)
    fields = {
        "holder": _first(data, "holder"),
        "holder_reference": _first(data, "holder_reference") or None,
        "holder_last_name": _first(data, "holder_last_name") or None,
        "holder_name": _first(data, "holder_name") or None,
        "directions": directions,
    }
    form, errors = parse_form(ProxyIn, fields)
    if form is None:
        if "holder" in errors:
            errors["holder"] = "Choose who will be your proxy"
        return _proxy_page(
            db, organisation, meeting, member, errors=errors, values=fields, status=400
        )
    try:
        proxies.appoint(db, organisation, meeting, member, form)
    except Problem as refused:
        return _proxy_page(
            db,
            organisation,
            meeting,
            member,
            errors=field_errors(refused, "holder"),
            values=fields,
            status=refused.status_code,
        )
    return _proxy_page(db, organisation, meeting, member, notice="Your proxy has been appointed.")


@post(f"{MEETING}/proxy/revoke", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def proxy_revoke(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> Template:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    assert meeting.id is not None and member.id is not None
    current = proxies.standing_proxy(db, meeting.id, member.id)
    if current is None:
        return _proxy_page(db, organisation, meeting, member)
    try:
        proxies.revoke(db, organisation, current, member)
    except Problem as refused:
        return _proxy_page(
            db,
            organisation,
            meeting,
            member,
            errors={"revoke": refused.detail},
            status=refused.status_code,
        )
    return _proxy_page(db, organisation, meeting, member, notice="Your proxy has been revoked.")


def _held_page(
    db: Session,
    organisation: Organisation,
    motion: Motion,
    member: Member,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    held = proxies.held_by(db, motion.meeting_id, proxies.Holder(member_id=member.id))
    voted = motion_votes.voted_members(db, motion, [p.appointer_member_id for p in held])
    rows = []
    for proxy in held:
        appointer = db.get(Member, proxy.appointer_member_id)
        rows.append(
            {
                "proxy": proxy,
                "name": appointer.display_name if appointer else "",
                "direction": proxy.directions.get(str(motion.id)),
                "voted": proxy.appointer_member_id in voted,
            }
        )
    return page(
        "proxies_held.html",
        f"Proxy votes: {motion.title}",
        status=status,
        organisation=organisation,
        motion=motion,
        rows=rows,
        choices=list(Choice),
        open_now=motion.status == MotionStatus.OPEN_IN_MEETING,
        action=f"{motion_path(organisation, motion)}/proxies",
        back=meeting_vote_path(organisation, motion.meeting_id),
        errors=errors or {},
        flash_messages=[{"kind": "success", "text": notice}] if notice else [],
    )


@get(f"{MOTION}/proxies", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def held_page(db: Session, identity: Identity, slug: str, motion_id: RowId) -> Template:
    organisation, motion, member = member_motion(db, identity, slug, motion_id)
    return _held_page(db, organisation, motion, member)


@post(f"{MOTION}/proxies", guards=MEMBERS, include_in_schema=False, sync_to_thread=True)
def held_submit(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: Form
) -> Template:
    organisation, motion, member = member_motion(db, identity, slug, motion_id)
    picked = _first(data, "choice")
    choice = Choice(picked) if picked in {c.value for c in Choice} else None
    try:
        done = proxies.vote_proxies(
            db,
            motion,
            proxies.Holder(member_id=member.id),
            choice=choice,
            actor=f"member:{member.id}",
        )
    except Problem as refused:
        return _held_page(
            db,
            organisation,
            motion,
            member,
            errors={"choice": refused.detail},
            status=refused.status_code,
        )
    text = f"{done.cast} proxy vote(s) recorded."
    if done.skipped:
        text += f" {len(done.skipped)} not used (already voted, or no choice given)."
    return _held_page(db, organisation, motion, member, notice=text)


# -- the result --------------------------------------------------------------------------------


@get(f"{MOTION}/result", include_in_schema=False, sync_to_thread=True)
def result_page(db: Session, slug: str, motion_id: RowId) -> Template:
    organisation, motion = public_result(db, slug, motion_id)
    out = result_out(db, motion)
    meeting = db.get(Meeting, motion.meeting_id)
    follow_up = results.follow_up_of(db, motion)
    first = db.get(Motion, motion.follows_motion_id) if motion.follows_motion_id else None
    return page(
        "result.html",
        f"Result: {motion.title}",
        organisation=organisation,
        motion=motion,
        meeting=meeting,
        result=out,
        decision=out.decision,
        counts=out.counts,
        named=named_votes(db, motion),
        follow_up=follow_up,
        first=first,
    )


def motion_pages() -> list[Any]:
    return [
        meeting_motions,
        vote_page,
        vote_submit,
        proxy_page,
        proxy_submit,
        proxy_revoke,
        held_page,
        held_submit,
        result_page,
    ]
