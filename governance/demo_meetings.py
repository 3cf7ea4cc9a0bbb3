"""The demo's meetings, motions, forward plan and members' questions, through the meetings
and accountability services on the demo's moving clock."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from governance.accountability import governors as governor_register
from governance.accountability import service as plans
from governance.accountability import update_requests
from governance.accountability.access import Staff
from governance.accountability.schemas import (
    AnswerIn,
    DecisionIn,
    DecisionPublishIn,
    GovernorLinkIn,
    PlanIn,
    PlanPublishIn,
    RequestIn,
    ViewsIn,
)
from governance.auth.models import User
from governance.demo_elections import members_of
from governance.demo_timeline import Timeline
from governance.meetings import attendance, conduct, minutes, motion_votes, motions, proxies
from governance.meetings import service as meetings
from governance.meetings.kinds import AttendanceMode, MeetingKind
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Choice, Motion
from governance.meetings.motion_schemas import MotionIn, ProxyIn
from governance.meetings.schemas import MeetingIn
from governance.meetings.thresholds import MotionKind
from governance.members import configuration
from governance.members.models import Member
from governance.members.offices import Office, start_terms
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.workdays import ENGLAND_AND_WALES

LONDON = ZoneInfo("Europe/London")
AMENDMENT = "The constitution be amended to add a young people's constituency"
ANNUAL_REPORT = "The annual report and accounts be received"
SPECIAL = "Rule 7 be amended so that general meetings may be held online"


def office_holders(  # noqa: PLR0917
    session: Session,
    org: Organisation,
    code: str | None,
    office: Office,
    people: list[Member],
    day: date,
) -> None:
    """Governors or directors already in office when the story starts (appointed before it)."""
    found = configuration.by_code(session, org.id or 0, code) if code else None
    start_terms(
        session,
        organisation_id=org.id or 0,
        member_ids=[m.id or 0 for m in people],
        office=office,
        starts_on=day - timedelta(days=400),
        years=3,
        constituency_id=found.id if found else None,
        recorded_by="demo",
    )
    session.commit()


def evening(moment: datetime, days: int) -> datetime:
    """18:00 local time ``days`` days from the day of ``moment`` (negative: before it)."""
    day = moment.astimezone(LONDON).date() + timedelta(days=days)
    return datetime.combine(day, time(18, 0), tzinfo=LONDON).astimezone(UTC)


def _meeting(  # noqa: PLR0917
    timeline: Timeline,
    session: Session,
    org: Organisation,
    actor: str,
    kind: MeetingKind,
    title: str,
    starts_at: datetime,
) -> Meeting:
    meeting = meetings.create_meeting(
        session,
        org,
        MeetingIn.model_validate(
            {
                "kind": kind,
                "title": title,
                "starts_at": starts_at.replace(second=0, microsecond=0),
                "location": "The Boardroom, Riverside House, Mill Road",
                "description": f"The {kind.label.lower()} of {org.name}.",
            }
        ),
        actor=actor,
    )
    meetings.call_meeting(
        session, org, meeting, reason=None, actor=actor, base_url=timeline.base_url
    )
    return meeting


def _motion(  # noqa: PLR0917
    session: Session, org: Organisation, meeting: Meeting, kind: MotionKind, title: str, actor: str
) -> Motion:
    motion = motions.create_motion(
        session,
        org,
        meeting,
        MotionIn(kind=kind, title=title, text=f"That {title[0].lower()}{title[1:]}.", secret=False),
        actor=actor,
    )
    return motions.open_for_advance(session, org, motion, actor=actor)


def _hold(
    timeline: Timeline,
    org: Organisation,
    meeting_id: int,
    actor: str,
    text: str,
    *,
    approve: int | None = None,
) -> None:
    """At the meeting's start: open it, close its votes, close it and write the minutes (and
    approve and publish the minutes of the meeting ``approve``)."""

    def held(session: Session) -> None:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        conduct.open_meeting(session, org, meeting, actor=actor)
        for motion in motions.motions_of(session, meeting):
            motions.close(session, motion, actor=actor)
        if approve is not None:
            earlier = session.get(Meeting, approve)
            assert earlier is not None
            minutes.approve(session, org, earlier, meeting, actor=actor)
            minutes.publish(session, org, earlier, actor=actor)
        conduct.close_meeting(session, org, meeting, actor=actor)
        minutes.save_draft(session, org, meeting, text, actor=actor)

    with Session(timeline.engine) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        starts = meeting.starts_at
    timeline.at(min(starts + timedelta(minutes=5), timeline.present), held)


def trust_meetings(
    timeline: Timeline, org: Organisation, secretary: User, rng: random.Random
) -> None:
    """Two councils (the first's minutes approved at the second), an amendment voted by
    governors and directors, and the annual members' meeting ahead with a vote open now."""
    present = timeline.present
    actor = f"user:{secretary.id}"
    with Session(timeline.engine, expire_on_commit=False) as session:
        day = present.date()
        governors = members_of(session, org, "SOUTH")[-5:]
        staff = [m for code in ("MEDICAL", "OTHER") for m in members_of(session, org, code)]
        directors = staff[-4:]
        office_holders(session, org, "SOUTH", Office.GOVERNOR, governors, day)
        office_holders(session, org, None, Office.DIRECTOR, directors, day)
    ids: dict[str, int] = {}

    def first_council(session: Session) -> None:
        meeting = _meeting(
            timeline, session, org, actor, MeetingKind.COUNCIL_OF_GOVERNORS,
            "Council of governors", evening(present, -9),
        )  # fmt: skip
        ids["first"] = meeting.id or 0
        motion = _motion(session, org, meeting, MotionKind.FT_AMENDMENT, AMENDMENT, actor)
        for n, person in enumerate(governors + directors):
            choice = Choice.AGAINST if n % 4 == 3 else Choice.FOR
            motion_votes.vote(session, motion, person, choice)
        _hold(
            timeline, org, meeting.id or 0, actor,
            "Present: the chair and governors.\n\nThe council considered the amendment to the "
            "constitution and voted on it with the board.",
        )  # fmt: skip

    def second_council(session: Session) -> None:
        meeting = _meeting(
            timeline, session, org, actor, MeetingKind.COUNCIL_OF_GOVERNORS,
            "Council of governors (quarterly)", evening(present, -2),
        )  # fmt: skip
        _hold(
            timeline, org, meeting.id or 0, actor,
            "The minutes of the previous council were approved.\n\nThe council heard from "
            "the newly elected public governors.",
            approve=ids["first"],
        )  # fmt: skip

    def annual_members(session: Session) -> None:
        meeting = _meeting(
            timeline, session, org, actor, MeetingKind.FT_ANNUAL_MEMBERS,
            "Annual members' meeting", evening(present, 24),
        )  # fmt: skip
        motion = _motion(session, org, meeting, MotionKind.ORDINARY, ANNUAL_REPORT, actor)
        for person in members_of(session, org, "NORTH")[1:8]:
            motion_votes.vote(
                session, motion, person, rng.choice([Choice.FOR, Choice.FOR, Choice.AGAINST])
            )

    timeline.at(present - timedelta(days=30), first_council)
    timeline.at(present - timedelta(days=20), second_council)
    timeline.at(present - timedelta(days=1), annual_members)


def coop_agm(timeline: Timeline, org: Organisation, secretary: User, rng: random.Random) -> None:
    """A co-operative AGM three weeks ago: a special resolution, votes in advance, proxies
    for the chair and for members, members in the room, and the result."""
    present = timeline.present
    actor = f"user:{secretary.id}"
    ids: dict[str, int] = {}

    def called(session: Session) -> None:
        meeting = _meeting(
            timeline, session, org, actor, MeetingKind.COOP_AGM,
            "Annual general meeting", evening(present, -20),
        )  # fmt: skip
        ids["meeting"] = meeting.id or 0
        special = _motion(session, org, meeting, MotionKind.SPECIAL, SPECIAL, actor)
        ids["special"] = special.id or 0
        people = members_of(session, org, None)
        for person in people[10:40]:
            motion_votes.vote(
                session, special, person, rng.choice([Choice.FOR] * 5 + [Choice.AGAINST])
            )
        holder = people[0]
        for person in people[1:4]:
            proxies.appoint(
                session, org, meeting, person,
                ProxyIn(holder="chair", directions={special.id or 0: Choice.FOR}),
            )  # fmt: skip
        for person in people[4:6]:
            proxies.appoint(
                session, org, meeting, person,
                ProxyIn(holder="member", holder_reference=holder.reference,
                        holder_last_name=holder.last_name),
            )  # fmt: skip

    def held(session: Session) -> None:
        meeting = session.get(Meeting, ids["meeting"])
        special = session.get(Motion, ids["special"])
        assert meeting is not None and special is not None
        conduct.open_meeting(session, org, meeting, actor=actor)
        people = members_of(session, org, None)
        for person in people[:1] + people[6:10]:
            attendance.register(
                session, org, meeting, person, mode=AttendanceMode.IN_PERSON, actor=actor
            )
        motions.open_poll(session, org, special, actor=actor)
        for person in people[6:10]:
            motion_votes.vote(session, special, person, Choice.FOR)
        proxies.vote_proxies(
            session, special, proxies.Holder(chair=True), choice=Choice.FOR, actor=actor
        )
        proxies.vote_proxies(
            session, special, proxies.Holder(member_id=people[0].id), choice=Choice.AGAINST,
            actor=f"member:{people[0].id}",
        )  # fmt: skip
        motions.close(session, special, actor=actor)
        conduct.close_meeting(session, org, meeting, actor=actor)
        minutes.save_draft(
            session, org, meeting,
            "The meeting considered the special resolution on online general meetings.",
            actor=actor,
        )  # fmt: skip

    timeline.at(present - timedelta(days=45), called)
    timeline.at(evening(present, -20) + timedelta(minutes=5), held)


def forward_plan(timeline: Timeline, org: Organisation, secretary: User, governor: User) -> None:
    """A published forward plan with key decisions inside and outside the 28 days' notice, and
    members' questions answered, open and overdue."""
    present = timeline.present
    actor = f"user:{secretary.id}"
    who = Staff(org, secretary, frozenset({Role.SECRETARY}))
    with Session(timeline.engine, expire_on_commit=False) as session:
        lead = members_of(session, org, "SOUTH")[-1]  # in office since before the story
        governor_register.link_account(
            session,
            who,
            GovernorLinkIn(member=lead.reference, user_email=governor.email, lead=True),
        )

    def plan(session: Session) -> None:
        today = present.date()
        year = today.year
        plans.create_plan(
            session, org, PlanIn(year=year, title=f"Forward plan {year}"), actor=actor
        )
        found = plans.plan_for_year(session, org, year)
        assert found is not None
        plans.record_views(
            session, org, found,
            ViewsIn(governors_views="Governors asked for more community services.",
                    gathered_on=today - timedelta(days=60)),
            actor=actor,
        )  # fmt: skip
        plans.publish_plan(
            session, org, found,
            PlanPublishIn(board_regard="The board added a community services review."),
            actor=actor,
        )  # fmt: skip
        soon = ENGLAND_AND_WALES.add_working_days(today, 12)
        later = ENGLAND_AND_WALES.add_working_days(today, 45)
        for title, day in (
            ("Close the minor injuries unit at night", soon),
            ("Build a new community diagnostic centre", later),
        ):
            decision = plans.create_decision(
                session, org,
                DecisionIn(title=title, decision_maker="The board of directors",
                           decision_date=day, forward_plan_year=year,
                           description=f"{title}: the board will decide after consulting."),
                actor=actor,
            )  # fmt: skip
            reason = "" if day == later else "The commissioners' deadline came without warning."
            plans.publish_decision(
                session, org, decision, DecisionPublishIn(urgent_reason=reason), actor=actor
            )

    def asked(session: Session) -> None:
        """Two months ago: one question answered within the time allowed, one never answered
        (overdue now)."""
        people = members_of(session, org, "SOUTH")
        _raise(timeline, session, org, people[1], "Car parking charges", "answered", who)
        _raise(timeline, session, org, people[2], "Waiting times in A&E", "overdue", who)

    def recent(session: Session) -> None:
        """Two days ago: a question still within its time to answer."""
        people = members_of(session, org, "SOUTH")
        _raise(timeline, session, org, people[3], "Volunteering on the wards", "open", who)

    timeline.at(present - timedelta(days=3), plan)
    timeline.at(present - timedelta(days=60), asked)
    timeline.at(present - timedelta(days=2), recent)


def _raise(  # noqa: PLR0917
    timeline: Timeline,
    session: Session,
    org: Organisation,
    member: Member,
    subject: str,
    state: str,
    who: Staff,
) -> None:
    request = update_requests.raise_request(
        session, timeline.keys, org, member,
        RequestIn(subject=subject, body=f"Please tell members about {subject.lower()}."),
        ip="demo", base_url=timeline.base_url,
    )  # fmt: skip
    if state == "answered":
        request_id = request.id

        def answered(later: Session) -> None:
            found = later.get(type(request), request_id)
            assert found is not None
            update_requests.answer(
                later, who, found,
                AnswerIn(answer="The governors asked the board; the charges are frozen."),
                base_url=timeline.base_url,
            )  # fmt: skip

        timeline.at(min(timeline.present, request.received_at + timedelta(days=9)), answered)
