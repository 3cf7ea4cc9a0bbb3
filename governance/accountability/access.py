"""Who may do what, and the few facts every accountability handler needs.

Secretaries keep forward plans, key decisions, the governor register and the board's log;
governors consult members, answer their requests and report back; directors (and the
secretary for the board) record how the board had regard to the governors' views. Members act
through member sessions. The tenancy guards answer 404 to anyone from another organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlmodel import Session

from governance.auth.guards import require_role, roles_in
from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.auth.service import actor_of
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

SECRETARY = (Role.SECRETARY,)
GOVERNORS = (Role.SECRETARY, Role.GOVERNOR)
BOARD = (Role.SECRETARY, Role.DIRECTOR)
STAFF = (Role.SECRETARY, Role.GOVERNOR, Role.DIRECTOR)

secretary_only = organisation_guard(SECRETARY)
governors_only = organisation_guard(GOVERNORS)
board_only = organisation_guard(BOARD)
staff_only = organisation_guard(STAFF)
members_only = organisation_guard((), members=True)


@dataclass(frozen=True)
class Staff:
    organisation: Organisation
    user: User
    roles: frozenset[Role]

    @property
    def actor(self) -> str:
        return actor_of(self.user)

    @property
    def is_secretary(self) -> bool:
        return Role.SECRETARY in self.roles

    @property
    def is_governor(self) -> bool:
        return Role.GOVERNOR in self.roles


def staff(db: Session, identity: Identity, slug: str, roles: tuple[Role, ...]) -> Staff:
    """The organisation and the member of staff, who holds one of ``roles`` there (else 404).
    A platform admin acts with every role."""
    organisation, user = require_role(db, identity, slug, roles)
    assert organisation.id is not None
    held = frozenset(Role) if user.is_platform_admin else roles_in(db, user, organisation.id)
    if not held & set(roles):
        raise NotFoundException()
    return Staff(organisation, user, frozenset(held))


def local_day(organisation: Organisation, moment: datetime | None = None) -> date:
    """The day it is (or was at ``moment``) where the organisation is."""
    return (moment or utcnow()).astimezone(ZoneInfo(organisation.time_zone)).date()


def end_of_day(organisation: Organisation, day: date) -> datetime:
    """The first moment after ``day`` ends where the organisation is, in UTC."""
    zone = ZoneInfo(organisation.time_zone)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
