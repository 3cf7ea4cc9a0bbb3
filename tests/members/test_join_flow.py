"""The join form's steps: which question comes next, and early refusals (pure)."""

from __future__ import annotations

from datetime import date

from governance.members.eligibility import Area, Constituency, Kind, Reason, RegisterShape
from governance.members.join_flow import Context, next_step, read_step, refusal
from governance.organisations.constitution import OrganisationType, default_constitution

TODAY = date(2025, 6, 2)
NORTH = Constituency(1, "NORTH", "North", Kind.PUBLIC)
PATIENTS = Constituency(2, "PATIENTS", "Patients", Kind.PATIENT_CARER)
AREAS = (Area("E1", "Abbey", 1, ("LS1",)),)
TRUST = Context(
    OrganisationType.FOUNDATION_TRUST,
    RegisterShape(OrganisationType.FOUNDATION_TRUST, (NORTH, PATIENTS), AREAS),
    default_constitution(OrganisationType.FOUNDATION_TRUST),
    TODAY,
)


def test_date_of_birth_is_read_from_three_boxes() -> None:
    answers: dict[str, str] = {}
    assert (
        read_step("age", {"dob-day": "2", "dob-month": "3", "dob-year": "1980"}, answers, TRUST)
        == {}
    )
    assert answers["date_of_birth"] == "1980-03-02"
    for bad in ({"dob-day": "30", "dob-month": "2", "dob-year": "1980"}, {"dob-day": "x"}, {}):
        assert "dob-day" in read_step("age", bad, {}, TRUST)


def test_a_postcode_that_decides_the_area_skips_the_area_question() -> None:
    answers: dict[str, str] = {}
    assert read_step("home", {"postcode": "ls1 4ap"}, answers, TRUST) == {}
    assert answers["area_code"] == "E1"
    assert next_step("home", answers, TRUST) == "details"
    elsewhere: dict[str, str] = {}
    read_step("home", {"postcode": "M1 1AA"}, elsewhere, TRUST)
    assert next_step("home", elsewhere, TRUST) == "area"
    assert read_step("home", {"postcode": "nonsense"}, {}, TRUST) == {
        "postcode": "Enter a full UK postcode, like LS1 4AP"
    }


def test_outside_every_area_asks_about_patients_then_refuses() -> None:
    answers = {"area_code": "none"}
    assert refusal("area", answers, TRUST) is None
    assert next_step("area", answers, TRUST) == "patient"
    refused = refusal("patient", {**answers, "patient_or_carer": "no"}, TRUST)
    assert refused is not None and refused.reason is Reason.OUTSIDE_AREAS
    assert refusal("patient", {**answers, "patient_or_carer": "yes"}, TRUST) is None


def test_early_refusals() -> None:
    young = refusal("age", {"date_of_birth": "2015-01-01"}, TRUST)
    assert young is not None and young.reason is Reason.TOO_YOUNG
    staff = refusal("work", {"works_for_organisation": "yes"}, TRUST)
    assert staff is not None and staff.reason is Reason.STAFF_MEMBER


def test_the_work_question_is_skipped_where_staff_may_be_public_members() -> None:
    lenient = Context(
        TRUST.kind, TRUST.shape, TRUST.constitution.updated(staff_excluded_from_public=False), TODAY
    )
    assert next_step("age", {}, lenient) == "home"
    assert next_step("age", {}, TRUST) == "work"


def test_consent_is_needed_and_contact_choices_are_recorded() -> None:
    answers: dict[str, str] = {}
    errors = read_step("contact", {"contact_email": "yes"}, answers, TRUST)
    assert "consent" in errors and answers["contact_email"] == "yes"
    assert read_step("contact", {"consent": "yes"}, answers, TRUST) == {}
    assert answers["contact_email"] == ""


def test_a_coop_with_one_open_class_does_not_ask() -> None:
    workers = Constituency(5, "WORKERS", "Workers", Kind.MEMBER_CLASS)
    closed = Constituency(6, "INVESTORS", "Investors", Kind.MEMBER_CLASS, joinable=False)
    coop = Context(
        OrganisationType.COOPERATIVE,
        RegisterShape(OrganisationType.COOPERATIVE, (workers, closed)),
        default_constitution(OrganisationType.COOPERATIVE),
        TODAY,
    )
    answers: dict[str, str] = {}
    assert next_step("age", answers, coop) == "details"
    assert answers["member_class"] == "WORKERS"
