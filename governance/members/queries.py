"""Reading the register: electorates on a date, members' records, counts, the public register.
(Searching is in ``search.py``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func
from sqlmodel import Session, col, select

from governance.members import configuration, history
from governance.members.models import (
    Constituency,
    ElectoralArea,
    Member,
    MembershipPeriod,
    MemberStatus,
)
from governance.members.normalise import prefix_bound, search_key
from governance.members.representativeness import shown, suppress
from governance.members.schemas import (
    CountOut,
    MemberOut,
    MemberSummary,
    PeriodOut,
    SuitablePersonOut,
)
from governance.members.service import pending_period
from governance.members.suitable import suitable_persons
from governance.organisations.models import Organisation

PAGE = 50


def starts_with(column: Any, prefix: str, bound: str | None) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range (``bound``: see ``prefix_bound``)."""
    if bound is None:
        return column >= prefix
    return and_(column >= prefix, column < bound)


def members_on(constituency_ids: Sequence[int], day: date) -> Select[Any]:
    """The ids of members of any of ``constituency_ids`` on ``day``: one indexed query."""
    return select(MembershipPeriod.member_id).where(
        col(MembershipPeriod.constituency_id).in_(constituency_ids), history.current_on(day)
    )


def with_classes(session: Session, constituency: Constituency) -> list[int]:
    """A constituency's id and those of its staff classes."""
    assert constituency.id is not None
    children = session.exec(
        select(Constituency.id).where(Constituency.parent_id == constituency.id)
    ).all()
    return [constituency.id, *[c for c in children if c is not None]]


def electorate(
    session: Session, organisation_id: int, code: str, day: date
) -> tuple[Constituency, list[str]]:
    """Who was a member of the constituency (or any of its classes) on ``day``, by reference."""
    constituency = configuration.require(session, organisation_id, code)
    ids = with_classes(session, constituency)
    references = session.exec(
        select(Member.reference)
        .where(col(Member.id).in_(members_on(ids, day)))
        .order_by(col(Member.reference))
    ).all()
    return constituency, list(references)


@dataclass(frozen=True)
class Found:
    member: Member
    constituency: Constituency | None


def current_constituencies(
    session: Session, members: Sequence[Member], day: date
) -> list[Constituency | None]:
    """Each member's constituency on ``day`` (None for former members), in one query."""
    ids = [m.id for m in members if m.id is not None]
    if not ids:
        return [None for _ in members]
    rows = session.exec(
        select(MembershipPeriod.member_id, Constituency)
        .join(Constituency, col(Constituency.id) == MembershipPeriod.constituency_id)
        .where(col(MembershipPeriod.member_id).in_(ids), history.current_on(day))
    ).all()
    found: dict[int, Constituency] = dict(rows)
    return [found.get(m.id or 0) for m in members]


def summary(found: Found) -> MemberSummary:
    m = found.member
    return MemberSummary(
        reference=m.reference,
        name=m.display_name,
        email=m.email,
        postcode=m.postcode,
        constituency=found.constituency.code if found.constituency else None,
        status=m.status,
    )


def periods_out(session: Session, member_id: int) -> list[PeriodOut]:
    names = {
        c.id: c
        for c in session.exec(
            select(Constituency)
            .join(MembershipPeriod, col(MembershipPeriod.constituency_id) == Constituency.id)
            .where(MembershipPeriod.member_id == member_id)
        ).all()
    }
    return [
        PeriodOut(
            constituency=names[p.constituency_id].code,
            constituency_name=names[p.constituency_id].name,
            start_date=p.start_date,
            start_reason=p.start_reason,
            end_date=p.end_date,
            end_reason=p.end_reason,
            end_note=p.end_note,
        )
        for p in history.periods_of(session, member_id)
    ]


def member_out(session: Session, member: Member, today: date) -> MemberOut:
    assert member.id is not None
    area = session.get(ElectoralArea, member.area_id) if member.area_id else None
    (constituency,) = current_constituencies(session, [member], today)
    return MemberOut(
        **member.model_dump(
            include={
                "reference",
                "first_name",
                "last_name",
                "email",
                "date_of_birth",
                "status",
                "joined_on",
                "address_line1",
                "address_line2",
                "town",
                "postcode",
                "phone",
                "gender",
                "ethnicity",
                "deprivation_decile",
                "last_attended_on",
                "contact_email",
                "contact_post",
                "contact_sms",
                "hide_from_public_register",
                "consent_recorded_at",
            }
        ),
        constituency=constituency.code if constituency else None,
        area_code=area.code if area else None,
        history=periods_out(session, member.id),
        suitable_persons=[
            SuitablePersonOut.model_validate(p, from_attributes=True)
            for p in suitable_persons(session, member.id)
        ],
    )


def pending_move(session: Session, member: Member, today: date) -> tuple[Constituency, date] | None:
    """A transfer planned for after today: where to, and when."""
    period = pending_period(session, member.id or 0, today)
    if period is None:
        return None
    target = session.get(Constituency, period.constituency_id)
    return (target, period.start_date) if target else None


def counts(session: Session, organisation: Organisation, day: date) -> dict[int, int]:
    """Members per constituency on ``day`` (staff classes also counted in their parent)."""
    rows = session.exec(
        select(MembershipPeriod.constituency_id, func.count())
        .where(MembershipPeriod.organisation_id == organisation.id, history.current_on(day))
        .group_by(col(MembershipPeriod.constituency_id))
    ).all()
    result = {constituency_id: int(n) for constituency_id, n in rows}
    assert organisation.id is not None
    for c in configuration.constituencies(session, organisation.id):
        if c.parent_id is not None and c.id in result:
            result[c.parent_id] = result.get(c.parent_id, 0) + result[c.id]
    return result


def public_counts(session: Session, organisation: Organisation, day: date) -> list[CountOut]:
    """Members per constituency for publication: 1 to 9 shown as "fewer than 10"."""
    assert organisation.id is not None
    found = counts(session, organisation, day)
    result = []
    for c in configuration.constituencies(session, organisation.id):
        number = suppress(found.get(c.id or 0, 0))
        result.append(
            CountOut(constituency=c.code, name=c.name, members=number, shown=shown(number))
        )
    return result


def public_register(
    session: Session,
    organisation_id: int,
    *,
    letter: str = "",
    offset: int = 0,
    limit: int = PAGE,
    today: date,
) -> list[tuple[str, str]]:
    """(name, constituency) of current members who have not asked to be left out."""
    statement = (
        select(Member.first_name, Member.last_name, Constituency.name)
        .join(MembershipPeriod, col(MembershipPeriod.member_id) == Member.id)
        .join(Constituency, col(Constituency.id) == MembershipPeriod.constituency_id)
        .where(
            Member.organisation_id == organisation_id,
            Member.status == MemberStatus.ACTIVE.value,
            col(Member.hide_from_public_register).is_(False),
            history.current_on(today),
        )
    )
    key = search_key(letter)[:1]
    if key:
        statement = statement.where(starts_with(col(Member.last_name_key), key, prefix_bound(key)))
    rows = session.exec(
        statement.order_by(col(Member.last_name_key), col(Member.first_name_key), col(Member.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(f"{first} {last}", name) for first, last, name in rows]
