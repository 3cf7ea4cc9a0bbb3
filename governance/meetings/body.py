"""Who makes up the body a meeting belongs to, on a given day, from the register's history.

Members are those with a membership period covering the day; governors and directors those
whose term of office runs on the day. The same queries give the people to send notice to and
the size of the body for the quorum, so the two can never disagree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from governance.meetings.kinds import MeetingKind
from governance.meetings.quorum import Body
from governance.members import history
from governance.members.models import Member, MembershipPeriod, MemberStatus
from governance.members.offices import Office, holders_on


def body_of(kind: MeetingKind) -> Body:
    if kind is MeetingKind.COUNCIL_OF_GOVERNORS:
        return Body.GOVERNORS
    if kind is MeetingKind.BOARD_IN_PUBLIC:
        return Body.DIRECTORS
    return Body.MEMBERS


def member_ids_on(organisation_id: int, day: date) -> SelectOfScalar[int]:
    """The ids of the organisation's members on ``day`` (a subquery)."""
    return select(MembershipPeriod.member_id).where(
        MembershipPeriod.organisation_id == organisation_id, history.current_on(day)
    )


def office_holder_ids(
    session: Session, organisation_id: int, day: date, office: Office
) -> set[int]:
    return {term.member_id for term in holders_on(session, organisation_id, day, office)}


def size_on(session: Session, organisation_id: int, body: Body, day: date) -> int:
    if body is Body.MEMBERS:
        subquery = member_ids_on(organisation_id, day).distinct().subquery()
        return int(session.exec(select(func.count()).select_from(subquery)).one())
    office = Office.GOVERNOR if body is Body.GOVERNORS else Office.DIRECTOR
    return len(office_holder_ids(session, organisation_id, day, office))


def is_member_on(session: Session, member: Member, day: date) -> bool:
    found = session.exec(
        select(MembershipPeriod.id)
        .where(MembershipPeriod.member_id == member.id, history.current_on(day))
        .limit(1)
    ).first()
    return found is not None


def holds_office(session: Session, member: Member, day: date, office: Office) -> bool:
    return member.id in office_holder_ids(session, member.organisation_id, day, office)


def notice_recipients(
    session: Session, organisation_id: int, kind: MeetingKind, day: date
) -> list[Member]:
    """Who is sent notice: the members for a members' meeting; the governors for a council
    meeting; governors and directors for a board meeting (the board sends governors its
    agenda). Only active people with an email address."""
    query = select(Member).where(
        Member.organisation_id == organisation_id,
        col(Member.email).is_not(None),
        Member.status == MemberStatus.ACTIVE,
    )
    if body_of(kind) is Body.MEMBERS:
        query = query.where(col(Member.id).in_(member_ids_on(organisation_id, day)))
    else:
        offices = [Office.GOVERNOR]
        if kind is MeetingKind.BOARD_IN_PUBLIC:
            offices.append(Office.DIRECTOR)
        ids: set[int] = set()
        for office in offices:
            ids |= office_holder_ids(session, organisation_id, day, office)
        query = query.where(col(Member.id).in_(sorted(ids)))
    return list(session.exec(query.order_by(col(Member.id))).all())
