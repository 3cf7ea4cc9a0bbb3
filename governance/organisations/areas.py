"""The areas of an organisation's site each role may use, linked from its start page.

Each domain registers its own areas when its routes are imported, so the start page links only
to pages that exist and that the person may open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from governance.organisations.constitution import Role


@dataclass(frozen=True)
class Area:
    label: str
    path: str  # below /o/{slug}
    description: str
    roles: frozenset[Role]


AREAS: dict[str, Area] = {}


def register_area(label: str, path: str, description: str, roles: Iterable[Role]) -> None:
    AREAS[path] = Area(label, path, description, frozenset(roles))


def areas_for(roles: Iterable[Role], *, platform_admin: bool = False) -> list[Area]:
    held = set(roles)
    return [area for area in AREAS.values() if platform_admin or area.roles & held]


register_area(
    "People and roles",
    "/people",
    "Invite staff, and give or remove roles such as secretary and returning officer.",
    [Role.SECRETARY],
)
register_area(
    "Settings and constitution",
    "/settings",
    "The organisation's name, time zone and the settings its constitution fixes.",
    [Role.SECRETARY],
)
