"""Organisations: creation with constitution defaults, settings and constitution validation."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.errors import Conflict, Invalid
from governance.organisations import service
from governance.organisations.constitution import OrganisationType, default_constitution
from governance.organisations.models import Organisation
from tests.factories import make_org


@pytest.mark.parametrize("kind", list(OrganisationType))
def test_a_new_organisation_gets_the_defaults_for_its_type(
    db: Session, kind: OrganisationType
) -> None:
    org = make_org(db, "some-org", type=kind)
    assert org.constitution == default_constitution(kind)
    entry = db.exec(select(AuditEntry)).one()
    assert entry.action == "organisation.created" and entry.organisation_id == org.id


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("slug", {"slug": "ab"}),
        ("slug", {"slug": "Upper-Case"}),
        ("slug", {"slug": "has space"}),
        ("slug", {"slug": "x" * 64}),
        ("time_zone", {"time_zone": "Mars/Olympus"}),
        ("time_zone", {"time_zone": "../../etc/passwd"}),
        ("name", {"name": "   "}),
    ],
)
def test_bad_organisations_are_refused(db: Session, field: str, changes: dict[str, str]) -> None:
    values = {"slug": "good-slug", "name": "Good", "time_zone": "Europe/London"} | changes
    with pytest.raises(Invalid) as refused:
        service.create_organisation(db, type=OrganisationType.COOPERATIVE, actor="test", **values)
    assert refused.value.extra["errors"][0]["field"] == field
    assert db.exec(select(Organisation)).all() == []


def test_slugs_are_unique(db: Session) -> None:
    make_org(db, "taken")
    with pytest.raises(Conflict):
        make_org(db, "taken")


def test_settings_changes_are_validated_and_audited(db: Session) -> None:
    org = make_org(db)
    service.update_settings(
        db,
        org,
        changes={"name": "Renamed", "time_zone": "Europe/Dublin", "logo_url": ""},
        actor="user:1",
    )
    assert (org.name, org.time_zone, org.logo_url) == ("Renamed", "Europe/Dublin", None)
    with pytest.raises(Invalid):
        service.update_settings(db, org, changes={"logo_url": "javascript:alert(1)"}, actor="u")
    with pytest.raises(Invalid):
        service.update_settings(db, org, changes={"slug": "new"}, actor="u")
    entries = db.exec(
        select(AuditEntry).where(AuditEntry.action == "organisation.settings_changed")
    )
    (entry,) = entries.all()
    assert json.loads(entry.detail)["name"] == ["Org A", "Renamed"]


def test_constitution_updates_are_checked_whole(db: Session) -> None:
    org = make_org(db)
    updated = service.update_constitution(
        db, org, changes={"minimum_age": 14, "chair_casting_vote": True}, actor="user:1"
    )
    assert updated.minimum_age == 14 and org.constitution.chair_casting_vote
    for bad in (
        {"no_such_setting": 1},
        {"minimum_age": "16"},
        {"minimum_age": True},
        {"chair_casting_vote": 1},
        {"quorum_percent": 101},
        {"minimum_age": -1},
        {"rules_version": "made-up"},
    ):
        with pytest.raises(Invalid):
            service.update_constitution(db, org, changes=bad, actor="user:1")
    db.refresh(org)
    assert org.constitution.minimum_age == 14


def test_an_unchanged_constitution_writes_nothing(db: Session) -> None:
    org = make_org(db)
    service.update_constitution(db, org, changes={"minimum_age": 16}, actor="user:1")
    actions = db.exec(select(AuditEntry.action)).all()
    assert actions == ["organisation.created"]
