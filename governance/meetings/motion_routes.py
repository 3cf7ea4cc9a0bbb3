"""The motions API under ``/api/orgs/{slug}``: motions and their polls for the secretary (who
keeps the chair's desk), votes and proxies for signed-in members, results for anyone.

Handlers are thin: they find the organisation and the motion (404 across organisations, by the
guard first and the look-up second), call the service and shape the answer.
"""

from __future__ import annotations

from typing import Any

from litestar import Router, get, patch, post
from litestar.exceptions import NotFoundException
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.auth.tenancy import organisation_guard
from governance.meetings import hands, motion_votes, motions, proxies
from governance.meetings.motion_models import Proxy
from governance.meetings.motion_schemas import (
    BallotIn,
    CastingVoteIn,
    HandsIn,
    HeldProxyOut,
    HolderPresentIn,
    MotionIn,
    MotionOut,
    MotionUpdate,
    ProxyIn,
    ProxyOut,
    ProxyVotesIn,
    ProxyVotesOut,
    ResultOut,
    VoteIn,
    VoteOut,
)
from governance.meetings.motion_web import (
    STAFF_ROLES,
    member_meeting,
    member_motion,
    motion_out,
    named_votes,
    public_result,
    result_out,
    staff_meeting,
    staff_motion,
)
from governance.meetings.thresholds import Body
from governance.members.models import Member
from governance.web.forms import RowId

MEETING = "/{slug:str}/meetings/{meeting_id:int}"
MOTION = "/{slug:str}/motions/{motion_id:int}"
STAFF = [organisation_guard(STAFF_ROLES)]
MEMBERS = [organisation_guard([], members=True)]
EVERYONE = [organisation_guard(STAFF_ROLES, members=True)]


# -- the secretary: motions and their polls --------------------------------------------------


@get(f"{MEETING}/motions", guards=EVERYONE, sync_to_thread=True, summary="A meeting's motions")
def list_motions(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> list[MotionOut]:
    if identity.staff_signed_in:
        _, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
        found = motions.motions_of(db, meeting)
    else:
        _, meeting, _ = member_meeting(db, identity, slug, meeting_id)
        found = [m for m in motions.motions_of(db, meeting) if m.status != "draft"]
    return [motion_out(db, m) for m in found]


@post(f"{MEETING}/motions", guards=STAFF, sync_to_thread=True, summary="Put a motion on a meeting")
def create_motion(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: MotionIn
) -> MotionOut:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    motion = motions.create_motion(db, organisation, meeting, data, actor=actor)
    return motion_out(db, motion)


@get(MOTION, guards=EVERYONE, sync_to_thread=True, summary="A motion")
def get_motion(db: Session, identity: Identity, slug: str, motion_id: RowId) -> MotionOut:
    if identity.staff_signed_in:
        _, motion, _ = staff_motion(db, identity, slug, motion_id)
    else:
        _, motion, _ = member_motion(db, identity, slug, motion_id)
    return motion_out(db, motion)


@patch(MOTION, guards=STAFF, sync_to_thread=True, summary="Change a draft motion")
def update_motion(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: MotionUpdate
) -> MotionOut:
    _, motion, actor = staff_motion(db, identity, slug, motion_id)
    return motion_out(db, motions.update_motion(db, motion, data, actor=actor))


@post(
    f"{MOTION}/open-advance",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Open a motion for votes in advance",
)
def open_advance(db: Session, identity: Identity, slug: str, motion_id: RowId) -> MotionOut:
    organisation, motion, actor = staff_motion(db, identity, slug, motion_id)
    return motion_out(db, motions.open_for_advance(db, organisation, motion, actor=actor))


@post(
    f"{MOTION}/open-poll",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Open the poll in the meeting",
)
def open_poll(db: Session, identity: Identity, slug: str, motion_id: RowId) -> MotionOut:
    organisation, motion, actor = staff_motion(db, identity, slug, motion_id)
    return motion_out(db, motions.open_poll(db, organisation, motion, actor=actor))


@post(f"{MOTION}/close", guards=STAFF, sync_to_thread=True, status_code=200, summary="Close")
def close_motion(db: Session, identity: Identity, slug: str, motion_id: RowId) -> ResultOut:
    _, motion, actor = staff_motion(db, identity, slug, motion_id)
    motions.close(db, motion, actor=actor)
    return result_out(db, motion)


@post(
    f"{MOTION}/hands",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Record the count of a show of hands",
)
def record_hands(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: HandsIn
) -> dict[str, Any]:
    _, motion, actor = staff_motion(db, identity, slug, motion_id)
    return {"recorded": hands.record(db, motion, data, actor=actor)}


@post(
    f"{MOTION}/casting-vote",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="The chair's casting vote on a tie",
)
def casting_vote(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: CastingVoteIn
) -> ResultOut:
    _, motion, actor = staff_motion(db, identity, slug, motion_id)
    motions.give_casting_vote(db, motion, data.body, data.choice == "for", actor=actor)
    return result_out(db, motion)


@post(
    f"{MOTION}/chair-proxy-votes",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Vote the proxies held by the chair, or by a named person who is not a member",
)
def chair_proxy_votes(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: ProxyVotesIn
) -> ProxyVotesOut:
    _, motion, actor = staff_motion(db, identity, slug, motion_id)
    holder = proxies.Holder(name=data.holder_name, chair=not data.holder_name)
    done = proxies.vote_proxies(
        db, motion, holder, choice=data.choice, choices=data.choices, actor=actor
    )
    return ProxyVotesOut(cast=done.cast, skipped=done.skipped)


@get(f"{MEETING}/proxies", guards=STAFF, sync_to_thread=True, summary="Proxies held, by holder")
def proxy_summary(
    db: Session, identity: Identity, slug: str, meeting_id: RowId
) -> list[dict[str, Any]]:
    _, meeting, _ = staff_meeting(db, identity, slug, meeting_id)
    assert meeting.id is not None
    return [{"holder": h, "proxies": n} for h, n in proxies.holders_summary(db, meeting.id)]


@post(
    f"{MEETING}/proxy-holders-present",
    guards=STAFF,
    sync_to_thread=True,
    status_code=200,
    summary="Record that a named proxy holder (not a member) is at the meeting",
)
def holder_present(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: HolderPresentIn
) -> dict[str, int]:
    organisation, meeting, actor = staff_meeting(db, identity, slug, meeting_id)
    name = data.holder_name
    return {"proxies": proxies.mark_person_present(db, organisation, meeting, name, actor=actor)}


# -- members: votes and proxies --------------------------------------------------------------


@post(f"{MOTION}/votes", guards=MEMBERS, sync_to_thread=True, summary="Vote on a motion")
def cast_vote(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: VoteIn
) -> VoteOut:
    _, motion, member = member_motion(db, identity, slug, motion_id)
    channel = motion_votes.vote(db, motion, member, data.choice)
    return VoteOut(motion_id=motion_id, channel=channel.value)


@post(
    f"{MEETING}/ballot",
    guards=MEMBERS,
    sync_to_thread=True,
    summary="Vote on several of a meeting's motions at once (all recorded, or none)",
)
def cast_ballot(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: BallotIn
) -> list[VoteOut]:
    _, meeting, member = member_meeting(db, identity, slug, meeting_id)
    found = motions.of_meeting(db, meeting, [line.motion_id for line in data.votes])
    if any(line.motion_id not in found for line in data.votes):
        raise NotFoundException()
    chosen = [(found[line.motion_id], line.choice) for line in data.votes]
    channels = motion_votes.vote_many(db, chosen, member)
    return [
        VoteOut(motion_id=line.motion_id, channel=channel.value)
        for line, channel in zip(data.votes, channels, strict=True)
    ]


def proxy_out(db: Session, proxy: Proxy) -> ProxyOut:
    assert proxy.id is not None
    if proxy.holder_is_chair:
        holder, name = "chair", "The chair of the meeting"
    elif proxy.holder_member_id is not None:
        found = db.get(Member, proxy.holder_member_id)
        holder, name = "member", found.display_name if found else ""
    else:
        holder, name = "person", proxy.holder_name or ""
    return ProxyOut(
        id=proxy.id,
        meeting_id=proxy.meeting_id,
        holder=holder,
        holder_name=name,
        directions=proxy.directions,
        created_at=proxy.created_at,
        revoked_at=proxy.revoked_at,
    )


@get(f"{MEETING}/proxy", guards=MEMBERS, sync_to_thread=True, summary="Your proxy, if any")
def my_proxy(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> ProxyOut | None:
    _, meeting, member = member_meeting(db, identity, slug, meeting_id)
    assert meeting.id is not None and member.id is not None
    found = proxies.standing_proxy(db, meeting.id, member.id)
    return proxy_out(db, found) if found else None


@post(f"{MEETING}/proxy", guards=MEMBERS, sync_to_thread=True, summary="Appoint a proxy")
def appoint_proxy(
    db: Session, identity: Identity, slug: str, meeting_id: RowId, data: ProxyIn
) -> ProxyOut:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    return proxy_out(db, proxies.appoint(db, organisation, meeting, member, data))


@post(
    f"{MEETING}/proxy/revoke",
    guards=MEMBERS,
    sync_to_thread=True,
    status_code=200,
    summary="Revoke your proxy (until the meeting starts)",
)
def revoke_proxy(db: Session, identity: Identity, slug: str, meeting_id: RowId) -> ProxyOut:
    organisation, meeting, member = member_meeting(db, identity, slug, meeting_id)
    assert meeting.id is not None and member.id is not None
    found = proxies.standing_proxy(db, meeting.id, member.id)
    if found is None:
        raise NotFoundException("You have no proxy for this meeting.")
    return proxy_out(db, proxies.revoke(db, organisation, found, member))


@get(
    f"{MOTION}/proxies-held",
    guards=MEMBERS,
    sync_to_thread=True,
    summary="The proxies you hold, with their directions on this motion",
)
def proxies_held(
    db: Session, identity: Identity, slug: str, motion_id: RowId
) -> list[HeldProxyOut]:
    _, motion, member = member_motion(db, identity, slug, motion_id)
    held = proxies.held_by(db, motion.meeting_id, proxies.Holder(member_id=member.id))
    voted = motion_votes.voted_members(db, motion, [p.appointer_member_id for p in held])
    names = {
        m.id: m.display_name
        for m in (db.get(Member, p.appointer_member_id) for p in held)
        if m is not None
    }
    return [
        HeldProxyOut(
            id=p.id or 0,
            appointer=names.get(p.appointer_member_id, ""),
            direction=p.directions.get(str(motion.id)),
            voted=p.appointer_member_id in voted,
        )
        for p in held
    ]


@post(
    f"{MOTION}/proxy-votes",
    guards=MEMBERS,
    sync_to_thread=True,
    status_code=200,
    summary="Vote the proxies you hold on this motion",
)
def cast_proxy_votes(
    db: Session, identity: Identity, slug: str, motion_id: RowId, data: ProxyVotesIn
) -> ProxyVotesOut:
    _, motion, member = member_motion(db, identity, slug, motion_id)
    done = proxies.vote_proxies(
        db,
        motion,
        proxies.Holder(member_id=member.id),
        choice=data.choice,
        choices=data.choices,
        actor=f"member:{member.id}",
    )
    return ProxyVotesOut(cast=done.cast, skipped=done.skipped)


# -- anyone: results -------------------------------------------------------------------------


@get(f"{MOTION}/result", sync_to_thread=True, summary="A closed motion's result, explained")
def get_result(db: Session, slug: str, motion_id: RowId) -> dict[str, Any]:
    _, motion = public_result(db, slug, motion_id)
    out = result_out(db, motion).model_dump(mode="json")
    out["named_votes"] = named_votes(db, motion)
    return out


@get(
    f"{MOTION}/named-votes",
    guards=STAFF,
    sync_to_thread=True,
    summary="Every named vote on a motion, members' included (staff)",
)
def all_named_votes(
    db: Session, identity: Identity, slug: str, motion_id: RowId
) -> list[dict[str, Any]]:
    _, motion, _ = staff_motion(db, identity, slug, motion_id)
    return named_votes(db, motion, tuple(b.value for b in Body))


def motion_routes() -> list[Any]:
    """The motions API router and the motion pages."""
    from governance.meetings.motion_pages import motion_pages
    from governance.meetings.motion_staff_pages import motion_staff_pages

    api = Router(
        path="/api/orgs",
        route_handlers=[
            list_motions,
            create_motion,
            get_motion,
            update_motion,
            open_advance,
            open_poll,
            close_motion,
            record_hands,
            casting_vote,
            chair_proxy_votes,
            proxy_summary,
            holder_present,
            cast_vote,
            cast_ballot,
            my_proxy,
            appoint_proxy,
            revoke_proxy,
            proxies_held,
            cast_proxy_votes,
            get_result,
            all_named_votes,
        ],
        tags=["motions"],
    )
    return [api, *motion_pages(), *motion_staff_pages()]
