"""Organisations: creation by a platform admin, and their settings and constitution.

Refusals are ``Invalid``/``Conflict`` problems naming the field at fault in ``extra["errors"]``,
so the API returns them as they are and pages show them beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from governance import audit
from governance.errors import Conflict, Invalid
from governance.members.normalise import clean_email, valid_email
from governance.organisations.constitution import (
    RULES_VERSIONS,
    SILENT_CLASS_CHOICES,
    Constitution,
    OrganisationType,
    default_constitution,
)
from governance.organisations.models import Organisation

SLUG_RE = re.compile(r"^[a-z0-9-]{3,63}$")
SETTINGS = ("name", "time_zone", "logo_url", "contact_email")
MAX_SETTING = 100_000
PERCENT_SETTINGS = frozenset({"requisition_percent", "quorum_percent"})


def invalid(field: str, message: str, slug: str = "invalid-organisation") -> Invalid:
    return Invalid(slug, message, extra={"errors": [{"field": field, "message": message}]})


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        raise invalid(
            "slug", "The short name must be 3 to 63 lower-case letters, digits or hyphens"
        )
    return slug


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise invalid("name", "Enter a name of 200 characters or fewer")
    return name


def check_time_zone(zone: str) -> str:
    if zone not in time_zones():
        raise invalid("time_zone", "Enter a time zone such as Europe/London")
    return zone


def check_logo_url(url: str | None) -> str | None:
    if url is None or url.strip() == "":
        return None
    url = url.strip()
    if not url.startswith("https://") or len(url) > 500 or any(ch.isspace() for ch in url):
        raise invalid("logo_url", "The logo address must start with https://")
    return url


def check_contact_email(address: str | None) -> str | None:
    """The organisation's own address for replies (optional): a plain email address."""
    if address is None or address.strip() == "":
        return None
    found = clean_email(address)
    if not valid_email(found):
        raise invalid(
            "contact_email", "Enter an email address in the correct format, like name@example.org"
        )
    return found


def create_organisation(
    session: Session,
    *,
    slug: str,
    name: str,
    type: OrganisationType,
    time_zone: str = "Europe/London",
    actor: str,
) -> Organisation:
    """A new organisation with the constitution defaults for its type (commits)."""
    organisation = Organisation(
        slug=check_slug(slug),
        name=check_name(name),
        type=OrganisationType(type),
        time_zone=check_time_zone(time_zone),
        constitution_json=default_constitution(OrganisationType(type)).to_json(),
    )
    if session.exec(select(Organisation.id).where(Organisation.slug == slug)).first():
        raise _slug_taken()
    session.add(organisation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _slug_taken() from None
    audit.record(
        session,
        actor=actor,
        action="organisation.created",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail={"slug": slug, "name": organisation.name, "type": organisation.type},
    )
    session.commit()
    return organisation


def _slug_taken() -> Conflict:
    return Conflict(
        "slug-taken",
        "That short name is taken",
        extra={"errors": [{"field": "slug", "message": "That short name is taken"}]},
    )


def update_settings(
    session: Session, organisation: Organisation, *, changes: Mapping[str, Any], actor: str
) -> Organisation:
    """Change the name, time zone, logo or contact address (only the keys given); commits."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise invalid(sorted(unknown)[0], "That setting cannot be changed here")
    checked: dict[str, Any] = {}
    if "name" in changes:
        checked["name"] = check_name(str(changes["name"] or ""))
    if "time_zone" in changes:
        checked["time_zone"] = check_time_zone(str(changes["time_zone"] or ""))
    if "logo_url" in changes:
        checked["logo_url"] = check_logo_url(changes["logo_url"])
    if "contact_email" in changes:
        checked["contact_email"] = check_contact_email(changes["contact_email"])
    changed = {
        key: [getattr(organisation, key), value]
        for key, value in checked.items()
        if getattr(organisation, key) != value
    }
    if not changed:
        return organisation
    for key, (_old, new) in changed.items():
        setattr(organisation, key, new)
    session.add(organisation)
    audit.record(
        session,
        actor=actor,
        action="organisation.settings_changed",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail=changed,
    )
    session.commit()
    return organisation


def _setting_problem(name: str, kind: str, value: Any) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
        top = 100 if name in PERCENT_SETTINGS else MAX_SETTING
        return None if 0 <= value <= top else f"must be from 0 to {top}"
    if name == "rules_version" and value not in RULES_VERSIONS:
        return f"must be one of {', '.join(RULES_VERSIONS)}"
    if name == "silent_class_weight" and value not in SILENT_CLASS_CHOICES:
        return f"must be one of {', '.join(SILENT_CLASS_CHOICES)}"
    return None if isinstance(value, str) else "must be text"


def check_constitution(data: Mapping[str, Any]) -> Constitution:
    """A whole constitution from ``data``: unknown keys, wrong types and out-of-range values
    are refused (422), each named."""
    try:
        Constitution.from_json(dict(data))
    except ValueError as error:
        raise Invalid("unknown-setting", str(error)) from None
    except TypeError as error:
        raise Invalid("invalid-constitution", str(error)) from None
    errors = []
    for spec in fields(Constitution):
        if spec.name in data:
            problem = _setting_problem(spec.name, str(spec.type), data[spec.name])
            if problem:
                errors.append({"field": spec.name, "message": f"{spec.name} {problem}"})
    if errors:
        raise Invalid(
            "invalid-constitution",
            "Some constitution settings are not valid",
            extra={"errors": errors},
        )
    return Constitution.from_json(dict(data))


def update_constitution(
    session: Session, organisation: Organisation, *, changes: Mapping[str, Any], actor: str
) -> Constitution:
    """Apply ``changes`` to the organisation's constitution (validated whole); commits."""
    current = organisation.constitution.to_json()
    updated = check_constitution(current | dict(changes))
    new = updated.to_json()
    changed = {
        key: [current.get(key), value] for key, value in new.items() if current.get(key) != value
    }
    if not changed:
        return updated
    organisation.constitution_json = new
    session.add(organisation)
    audit.record(
        session,
        actor=actor,
        action="organisation.constitution_changed",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail=changed,
    )
    session.commit()
    return updated
