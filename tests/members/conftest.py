"""Organisations of each type with their registers set up, for the member register tests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from governance.members import configuration
from governance.members.schemas import AreaIn, ConstituencyIn
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation
from tests.factories import make_org

TODAY = date(2025, 6, 2)


def constituency(db: Session, org: Organisation, code: str, kind: str, **extra: object) -> None:
    data = ConstituencyIn(code=code, name=extra.pop("name", code.title()), kind=kind, **extra)  # type: ignore[arg-type]
    configuration.add_constituency(db, org, data, actor="test")


@pytest.fixture
def trust(db: Session) -> Organisation:
    """A trust with two public constituencies (three wards), staff in two classes, patients."""
    org = make_org(db, "riverside", name="Riverside NHS FT")
    constituency(db, org, "NORTH", "public", name="North")
    constituency(db, org, "SOUTH", "public", name="South")
    constituency(db, org, "STAFF", "staff", name="Staff")
    constituency(db, org, "NURSES", "staff_class", name="Nursing staff", parent="STAFF")
    constituency(db, org, "OTHERSTAFF", "staff_class", name="Other staff", parent="STAFF")
    constituency(db, org, "PATIENTS", "patient_carer", name="Patients and carers")
    configuration.save_areas(
        db,
        org,
        [
            AreaIn(
                code="E05000001", name="Abbey", constituency="NORTH", postcode_prefixes="LS1 LS2"
            ),
            AreaIn(code="E05000002", name="Bridge", constituency="NORTH", postcode_prefixes="LS3"),
            AreaIn(
                code="E05000003", name="Castle", constituency="SOUTH", postcode_prefixes="LS6 1 LS7"
            ),
        ],
        actor="test",
    )
    return org


@pytest.fixture
def coop(db: Session) -> Organisation:
    org = make_org(db, "valley-coop", name="Valley Co-op", type=OrganisationType.COOPERATIVE)
    constituency(db, org, "WORKERS", "member_class", name="Workers", vote_share_percent="50")
    constituency(db, org, "CUSTOMERS", "member_class", name="Customers", vote_share_percent="40")
    constituency(
        db,
        org,
        "INVESTORS",
        "member_class",
        name="Investors",
        vote_cap_percent="10",
        joinable=False,
    )
    return org


@pytest.fixture
def mutual(db: Session) -> Organisation:
    org = make_org(
        db, "care-mutual", name="Care Mutual", type=OrganisationType.DIRECT_PAYMENTS_MUTUAL
    )
    constituency(db, org, "DP", "member_class", name="Direct payments", category="direct_payments")
    constituency(db, org, "CARERS", "member_class", name="Unpaid carers", category="unpaid_carer")
    constituency(
        db, org, "PA", "member_class", name="Personal assistants", category="personal_assistant"
    )
    return org
