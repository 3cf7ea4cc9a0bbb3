"""Proxies: a member appoints someone to vote for them at a members' meeting.

* The holder is another member, the chair of the meeting, or a named person who is not a member
  (whose votes the secretary enters at the meeting). Each holder may hold at most
  ``max_proxies_per_holder`` standing proxies for one meeting (the constitution's setting,
  5 by default, the chair included).
* A proxy is directed (the member says how to vote on a motion) or discretionary (the holder
  chooses), motion by motion. Appointing again replaces the standing proxy; either can be done,
  and a proxy revoked, only until the meeting starts.
* Proxies are used in the meeting, once the chair opens a motion's poll, through the same
  one-vote path as every other vote. Precedence: whichever vote comes first counts. A member who
  has voted themselves (in advance or in the meeting) is skipped when their proxy votes, and a
  member whose proxy has voted is told so if they then try to vote.

Members represented by a standing proxy whose holder is present count towards a members'
meeting's quorum when the constitution says so: :func:`count_present` is registered with the
meetings side's hooks for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.errors import Conflict, Invalid, Problem
from governance.meetings import hooks, motion_roll
from governance.meetings.kinds import MEMBERS_KINDS, MeetingKind, MeetingStatus
from governance.meetings.models import Meeting
from governance.meetings.motion_models import (
    Choice,
    Motion,
    MotionStatus,
    Proxy,
    VoteChannel,
)
from governance.meetings.motion_schemas import ProxyIn
from governance.meetings.motion_votes import NotOnRoll, record
from governance.meetings.thresholds import Body, MotionKind
from governance.members import history
from governance.members.models import Member, MembershipPeriod, MemberStatus
from governance.organisations.models import Organisation


def _same_name(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


@dataclass(frozen=True)
class Holder:
    """Who is using proxies: a member, the chair, or a named person who is not a member."""

    member_id: int | None = None
    chair: bool = False
    name: str | None = None

    def matches(self, proxy: Proxy) -> bool:
        if self.member_id is not None:
            return proxy.holder_member_id == self.member_id
        if self.chair:
            return proxy.holder_is_chair
        return bool(self.name) and _same_name(proxy.holder_name or "", self.name or "")

    @property
    def label(self) -> str:
        if self.member_id is not None:
            return f"member:{self.member_id}"
        return "chair" if self.chair else "person"


@dataclass(frozen=True)
class ProxyVotes:
    cast: int
    skipped: list[dict[str, object]]


def live_proxies(session: Session, meeting_id: int) -> list[Proxy]:
    return list(
        session.exec(
            select(Proxy)
            .where(Proxy.meeting_id == meeting_id, col(Proxy.revoked_at).is_(None))
            .order_by(col(Proxy.id))
        ).all()
    )


def standing_proxy(session: Session, meeting_id: int, appointer_id: int) -> Proxy | None:
    """The member's proxy for the meeting that has not been revoked, if any."""
    return session.exec(
        select(Proxy).where(Proxy.live_key == f"{meeting_id}:{appointer_id}")
    ).first()


def held_by(session: Session, meeting_id: int, holder: Holder) -> list[Proxy]:
    return [p for p in live_proxies(session, meeting_id) if holder.matches(p)]


def count_present(session: Session, meeting: Meeting, present: frozenset[int]) -> int:
    """Members not present themselves with a standing proxy whose holder is present (the chair
    always is; a named person once the secretary has marked them present)."""
    assert meeting.id is not None
    return sum(
        1
        for p in live_proxies(session, meeting.id)
        if p.appointer_member_id not in present
        and (p.holder_is_chair or p.holder_present or p.holder_member_id in present)
    )


hooks.register_proxy_counter(count_present)


def _is_member_now(
    session: Session, organisation: Organisation, member: Member, now: datetime
) -> bool:
    day = now.astimezone(ZoneInfo(organisation.time_zone)).date()
    found = session.exec(
        select(MembershipPeriod.id)
        .where(MembershipPeriod.member_id == member.id, history.current_on(day))
        .limit(1)
    ).first()
    return found is not None and member.status == MemberStatus.ACTIVE


def _check_meeting_ahead(meeting: Meeting, now: datetime, doing: str) -> None:
    if MeetingKind(meeting.kind) not in MEMBERS_KINDS:
        raise Conflict("no-proxies", "Proxies are for members' meetings.")
    if meeting.status != MeetingStatus.CALLED or now >= meeting.starts_at:
        raise Conflict("proxy-fixed", f"Proxies can be {doing} only until the meeting starts.")


def _holder_member(session: Session, organisation: Organisation, data: ProxyIn) -> Member:
    reference = (data.holder_reference or "").strip()
    surname = (data.holder_last_name or "").strip().casefold()
    found = session.exec(
        select(Member).where(
            Member.organisation_id == organisation.id, Member.reference == reference
        )
    ).first()
    if (
        not reference
        or found is None
        or found.last_name.strip().casefold() != surname
        or found.status != MemberStatus.ACTIVE
    ):
        message = "No member has that member number and surname"
        raise Invalid(
            "unknown-holder",
            f"{message}.",
            extra={"errors": [{"field": "holder_reference", "message": message}]},
        )
    return found


def _directions(session: Session, meeting: Meeting, data: ProxyIn) -> dict[str, str]:
    if not data.directions:
        return {}
    motions = session.exec(
        select(Motion).where(
            col(Motion.id).in_(list(data.directions)), Motion.meeting_id == meeting.id
        )
    ).all()
    usable = {
        m.id
        for m in motions
        if Body.MEMBERS in motion_roll.bodies_of(MotionKind(m.kind))
        and m.status != MotionStatus.CLOSED
    }
    unknown = sorted(set(data.directions) - usable)
    if unknown:
        raise Invalid(
            "unknown-motion",
            f"The directions name motions the members do not vote on at this meeting: {unknown}.",
        )
    return {str(k): v.value for k, v in sorted(data.directions.items())}


def appoint(
    session: Session,
    organisation: Organisation,
    meeting: Meeting,
    appointer: Member,
    data: ProxyIn,
    *,
    now: datetime | None = None,
) -> Proxy:
    """Appoint (or replace) the member's proxy for the meeting; commits."""
    now = now or utcnow()
    _check_meeting_ahead(meeting, now, "appointed")
    if not _is_member_now(session, organisation, appointer, now):
        raise NotOnRoll()
    holder = Holder(chair=data.holder == "chair")
    holder_member_id = None
    name = None
    if data.holder == "member":
        found = _holder_member(session, organisation, data)
        if found.id == appointer.id:
            raise Invalid("self-proxy", "You cannot appoint yourself as your proxy.")
        holder_member_id = found.id
        holder = Holder(member_id=found.id)
    elif data.holder == "person":
        name = " ".join((data.holder_name or "").split())
        if not name:
            raise Invalid(
                "holder-name-needed",
                "Give the name of the person who will be your proxy.",
                extra={"errors": [{"field": "holder_name", "message": "Enter their name"}]},
            )
        holder = Holder(name=name)
    directions = _directions(session, meeting, data)
    # Appointments to one meeting queue here, so two at once cannot both take a holder's last
    # place (a row lock on PostgreSQL; SQLite's write lock already serialises them).
    session.exec(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update()).one()
    assert meeting.id is not None and appointer.id is not None
    held = [
        p for p in held_by(session, meeting.id, holder) if p.appointer_member_id != appointer.id
    ]
    limit = organisation.constitution.max_proxies_per_holder
    if len(held) >= limit:
        session.rollback()
        raise Conflict(
            "proxy-limit",
            f"That proxy already holds {limit} proxies for this meeting, the most allowed.",
        )
    key = f"{meeting.id}:{appointer.id}"
    replaced = session.execute(
        update(Proxy).where(col(Proxy.live_key) == key).values(revoked_at=now, live_key=None)
    ).rowcount  # type: ignore[attr-defined]
    proxy = Proxy(
        organisation_id=meeting.organisation_id,
        meeting_id=meeting.id,
        appointer_member_id=appointer.id,
        holder_member_id=holder_member_id,
        holder_is_chair=data.holder == "chair",
        holder_name=name,
        directions=directions,
        live_key=key,
        created_at=now,
    )
    session.add(proxy)
    session.flush()
    audit.record(
        session,
        actor=f"member:{appointer.id}",
        action="proxy.appointed",
        organisation_id=organisation.id,
        object_type="proxy",
        object_id=proxy.id,
        detail={
            "meeting": meeting.id,
            "holder": holder.label,
            "directed_motions": len(directions),
            "replaced": bool(replaced),
        },
    )
    session.commit()
    return proxy


def revoke(
    session: Session,
    organisation: Organisation,
    proxy: Proxy,
    member: Member,
    *,
    now: datetime | None = None,
) -> Proxy:
    """The appointer revokes their proxy, until the meeting starts; commits."""
    now = now or utcnow()
    if proxy.appointer_member_id != member.id or proxy.organisation_id != organisation.id:
        raise NotFoundException()
    meeting = session.get(Meeting, proxy.meeting_id)
    assert meeting is not None
    _check_meeting_ahead(meeting, now, "revoked")
    changed = session.execute(
        update(Proxy)
        .where(col(Proxy.id) == proxy.id, col(Proxy.revoked_at).is_(None))
        .values(revoked_at=now, live_key=None)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict("already-revoked", "That proxy has already been revoked.")
    audit.record(
        session,
        actor=f"member:{member.id}",
        action="proxy.revoked",
        organisation_id=organisation.id,
        object_type="proxy",
        object_id=proxy.id,
        detail={"meeting": proxy.meeting_id},
    )
    session.commit()
    session.refresh(proxy)
    return proxy


def _choices_known(session: Session, meeting_id: int, wanted: set[int], mine: set[int]) -> None:
    """Refuse choices for proxies the holder does not hold (revoked ones said to be so)."""
    stray = wanted - mine
    if not stray:
        return
    revoked = session.exec(
        select(Proxy.id).where(
            col(Proxy.id).in_(sorted(stray)),
            Proxy.meeting_id == meeting_id,
            col(Proxy.revoked_at).is_not(None),
        )
    ).all()
    if [p for p in revoked if p is not None]:
        raise Conflict("proxy-revoked", "That proxy was revoked: it cannot be used.")
    raise Problem(404, "unknown-proxy", "You do not hold that proxy.")


def vote_proxies(
    session: Session,
    motion: Motion,
    holder: Holder,
    *,
    choice: Choice | None,
    choices: dict[int, Choice] | None = None,
    actor: str,
    now: datetime | None = None,
) -> ProxyVotes:
    """The holder votes the proxies they hold on one motion: directed proxies as directed, the
    others as ``choices[proxy id]`` or else ``choice``. Members who have voted themselves are
    skipped. Commits; refuses (recording nothing) when the poll is not open in the meeting."""
    now = now or utcnow()
    choices = choices or {}
    if motion.status != MotionStatus.OPEN_IN_MEETING:
        raise Conflict("poll-closed", "Proxies are used once the chair opens the poll.")
    if Body.MEMBERS not in motion_roll.bodies_of(MotionKind(motion.kind)):
        raise Conflict("no-proxies", "Proxies are used only in members' votes.")
    held = held_by(session, motion.meeting_id, holder)
    _choices_known(session, motion.meeting_id, set(choices), {p.id for p in held if p.id})
    if not held:
        raise Problem(404, "no-proxies", "You hold no proxies for this meeting.")
    cast = 0
    skipped: list[dict[str, object]] = []
    for proxy in held:
        assert proxy.id is not None and motion.id is not None
        direction = proxy.directions.get(str(motion.id))
        picked = Choice(direction) if direction else choices.get(proxy.id, choice)
        if picked is None:
            skipped.append({"proxy": proxy.id, "reason": "no-choice"})
            continue
        try:
            done = record(
                session,
                motion,
                proxy.appointer_member_id,
                picked,
                VoteChannel.PROXY,
                proxy_id=proxy.id,
                now=now,
            )
        except NotOnRoll:
            skipped.append({"proxy": proxy.id, "reason": "not-on-roll"})
            continue
        if done:
            cast += 1
        else:
            skipped.append({"proxy": proxy.id, "reason": "already-voted"})
    audit.record(
        session,
        actor=actor,
        action="motion.proxy_votes_cast",
        organisation_id=motion.organisation_id,
        object_type="motion",
        object_id=motion.id,
        detail={"holder": holder.label, "cast": cast, "skipped": len(skipped)},
    )
    session.commit()
    return ProxyVotes(cast=cast, skipped=skipped)


def mark_person_present(
    session: Session, organisation: Organisation, meeting: Meeting, name: str, *, actor: str
) -> int:
    """The secretary records that a named proxy holder (not a member) is at the meeting."""
    assert meeting.id is not None
    holder = Holder(name=" ".join(name.split()))
    ids = [p.id for p in held_by(session, meeting.id, holder)]
    if not ids:
        raise Problem(404, "no-proxies", "Nobody of that name holds a proxy for this meeting.")
    session.execute(update(Proxy).where(col(Proxy.id).in_(ids)).values(holder_present=True))
    audit.record(
        session,
        actor=actor,
        action="proxy.holder_present",
        organisation_id=organisation.id,
        object_type="meeting",
        object_id=meeting.id,
        detail={"proxies": len(ids)},
    )
    session.commit()
    return len(ids)


def holders_summary(session: Session, meeting_id: int) -> list[tuple[str, int]]:
    """Standing proxies per holder, for the secretary: (who holds them, how many)."""
    counts: dict[str, int] = {}
    names = {}
    member_ids = {p.holder_member_id for p in live_proxies(session, meeting_id)}
    if member_ids - {None}:
        found = session.exec(select(Member).where(col(Member.id).in_(member_ids - {None}))).all()
        names = {m.id: f"{m.display_name} ({m.reference})" for m in found}
    for p in live_proxies(session, meeting_id):
        if p.holder_is_chair:
            label = "The chair of the meeting"
        elif p.holder_member_id is not None:
            label = names.get(p.holder_member_id, f"Member {p.holder_member_id}")
        else:
            label = f"{p.holder_name} (not a member)"
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items())
