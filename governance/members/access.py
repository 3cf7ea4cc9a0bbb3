"""Who may use the register routes, and the few facts every handler needs.

Register administration is for the organisation's secretary (and platform admins); electorates
are also for the returning officer; a member's own pages are for that member. The tenancy
guards answer 404 to anyone else before a handler runs; handlers still resolve the
organisation through ``require_role`` / ``require_member_of``.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlmodel import Session

from governance.auth.guards import require_member_of, require_role
from governance.auth.middleware import Identity
from governance.auth.ratelimit import Limit
from governance.auth.service import actor_of
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.errors import Invalid
from governance.members.eligibility import Refusal
from governance.members.models import Member
from governance.members.service import member_by_reference
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

JOIN_PER_IP = Limit("join:ip", 20, 60 * 60)
UPLOAD_LIMIT = 500 * 1024 * 1024  # bytes in one register file (CSV); streamed, never held whole
SECRETARY = (Role.SECRETARY,)
ELECTORATE = (Role.SECRETARY, Role.RETURNING_OFFICER)
secretary_only = organisation_guard(SECRETARY)
electorate_roles = organisation_guard(ELECTORATE)
members_only = organisation_guard((), members=True)


def today_in(organisation: Organisation) -> date:
    """Today's date where the organisation is (membership dates are local dates)."""
    return utcnow().astimezone(ZoneInfo(organisation.time_zone)).date()


def secretary(db: Session, identity: Identity, slug: str) -> tuple[Organisation, str]:
    """The organisation and the audit actor for a secretary's request."""
    organisation, user = require_role(db, identity, slug, SECRETARY)
    return organisation, actor_of(user)


def member_of(db: Session, organisation: Organisation, reference: str) -> Member:
    """A member of this organisation by reference; 404 for anyone else's."""
    assert organisation.id is not None
    member = member_by_reference(db, organisation.id, reference)
    if member is None:
        raise NotFoundException()
    return member


def signed_in_member(db: Session, identity: Identity, slug: str) -> tuple[Organisation, Member]:
    """The organisation and the member making the request (fresh from the database)."""
    organisation = require_member_of(db, identity, slug)
    assert identity.member is not None
    member = db.get(Member, identity.member.id)
    if member is None:
        raise NotFoundException()
    return organisation, member


def member_actor(member: Member) -> str:
    return f"member:{member.id}"


def refusal_problem(refusal: Refusal) -> Invalid:
    """A refusal to admit someone, as an API problem whose type is the reason's code."""
    return Invalid(refusal.reason.value, refusal.message)
