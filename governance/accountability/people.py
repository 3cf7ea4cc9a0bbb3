"""Who is who: the governors in office for a constituency, the staff accounts they act
through, the lead governor and the secretaries. Used to address reminders and escalations and
to decide who may answer a member."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from governance.accountability.models import GovernorRecord
from governance.auth.models import RoleAssignment, User
from governance.members.models import Constituency
from governance.members.offices import Office, OfficeTerm, holders_on
from governance.organisations.constitution import Role


def constituency_family(session: Session, constituency_id: int) -> set[int]:
    """A constituency with its parent (a staff class is represented within its staff
    constituency) and its classes."""
    found = {constituency_id}
    own = session.get(Constituency, constituency_id)
    if own is not None and own.parent_id is not None:
        found.add(own.parent_id)
    children = session.exec(
        select(Constituency.id).where(Constituency.parent_id == constituency_id)
    ).all()
    found.update(c for c in children if c is not None)
    return found


def governor_terms(
    session: Session, organisation_id: int, day: date, constituency_id: int | None = None
) -> list[OfficeTerm]:
    terms = holders_on(session, organisation_id, day, Office.GOVERNOR)
    if constituency_id is None:
        return terms
    family = constituency_family(session, constituency_id)
    return [t for t in terms if t.constituency_id in family]


def records_for(
    session: Session, organisation_id: int, member_ids: Iterable[int]
) -> dict[int, GovernorRecord]:
    ids = list(member_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(GovernorRecord).where(
            GovernorRecord.organisation_id == organisation_id,
            col(GovernorRecord.member_id).in_(ids),
        )
    ).all()
    return {r.member_id: r for r in rows}


def _active_users(session: Session, user_ids: Iterable[int]) -> list[User]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return list(
        session.exec(select(User).where(col(User.id).in_(ids), col(User.is_active).is_(True))).all()
    )


def governor_users(
    session: Session, organisation_id: int, day: date, constituency_id: int | None = None
) -> list[User]:
    """Staff accounts of the governors in office on ``day`` (for a constituency, if given)."""
    terms = governor_terms(session, organisation_id, day, constituency_id)
    records = records_for(session, organisation_id, (t.member_id for t in terms))
    return _active_users(session, (r.user_id for r in records.values() if r.user_id))


def lead_governor(session: Session, organisation_id: int) -> GovernorRecord | None:
    return session.exec(
        select(GovernorRecord).where(
            GovernorRecord.organisation_id == organisation_id, col(GovernorRecord.lead).is_(True)
        )
    ).first()


def lead_users(session: Session, organisation_id: int) -> list[User]:
    lead = lead_governor(session, organisation_id)
    return _active_users(session, [lead.user_id] if lead and lead.user_id else [])


def users_with_role(session: Session, organisation_id: int, role: Role) -> list[User]:
    ids = session.exec(
        select(RoleAssignment.user_id).where(
            RoleAssignment.organisation_id == organisation_id, RoleAssignment.role == role.value
        )
    ).all()
    return _active_users(session, ids)


def member_of_user(session: Session, organisation_id: int, user_id: int) -> int | None:
    """The member a governor's staff account belongs to, if linked."""
    return session.exec(
        select(GovernorRecord.member_id).where(
            GovernorRecord.organisation_id == organisation_id, GovernorRecord.user_id == user_id
        )
    ).first()


def represents(
    session: Session, organisation_id: int, user_id: int, constituency_id: int, day: date
) -> bool:
    """Whether the account belongs to a governor in office for the constituency."""
    member_id = member_of_user(session, organisation_id, user_id)
    if member_id is None:
        return False
    return any(
        t.member_id == member_id
        for t in governor_terms(session, organisation_id, day, constituency_id)
    )
