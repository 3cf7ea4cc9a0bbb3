"""Eligibility rules for each type of organisation (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from governance.members.eligibility import (
    Applicant,
    Area,
    Constituency,
    Kind,
    Lapse,
    Placement,
    Reason,
    Refusal,
    RegisterShape,
    StaffContract,
    Transfer,
    after_moving_home,
    age_on,
    place,
)
from governance.organisations.constitution import (
    Constitution,
    OrganisationType,
    default_constitution,
)

TODAY = date(2025, 6, 2)  # a Monday
TRUST = default_constitution(OrganisationType.FOUNDATION_TRUST)
COOP = default_constitution(OrganisationType.COOPERATIVE)

NORTH = Constituency(1, "NORTH", "North", Kind.PUBLIC)
SOUTH = Constituency(2, "SOUTH", "South", Kind.PUBLIC)
STAFF = Constituency(3, "STAFF", "Staff", Kind.STAFF)
NURSES = Constituency(4, "NURSES", "Nurses", Kind.STAFF_CLASS, parent_id=3)
PATIENTS = Constituency(5, "PATIENTS", "Patients", Kind.PATIENT_CARER)
TRUST_SHAPE = RegisterShape(
    OrganisationType.FOUNDATION_TRUST,
    (NORTH, SOUTH, STAFF, NURSES, PATIENTS),
    (
        Area("E1", "Abbey", 1, ("LS1", "LS2")),
        Area("E2", "Bridge", 1, ("LS3",)),
        Area("E3", "Castle", 2, ("LS6 1", "LS7")),
    ),
)
WORKERS = Constituency(10, "WORKERS", "Workers", Kind.MEMBER_CLASS)
INVESTORS = Constituency(11, "INVESTORS", "Investors", Kind.MEMBER_CLASS, joinable=False)
COOP_SHAPE = RegisterShape(OrganisationType.COOPERATIVE, (WORKERS, INVESTORS))
DP = Constituency(20, "DP", "Direct payments", Kind.MEMBER_CLASS, category="direct_payments")
PA = Constituency(
    21, "PA", "Assistants", Kind.MEMBER_CLASS, joinable=False, category="personal_assistant"
)
MUTUAL_SHAPE = RegisterShape(OrganisationType.DIRECT_PAYMENTS_MUTUAL, (DP, PA))
ADULT = date(1980, 1, 1)


def placed(outcome: Placement | Refusal) -> Constituency:
    assert isinstance(outcome, Placement), outcome
    return outcome.constituency


def refused(outcome: Placement | Refusal) -> Reason:
    assert isinstance(outcome, Refusal), outcome
    return outcome.reason


# -- foundation trusts -----------------------------------------------------------------------------


def test_resident_of_an_area_is_placed_in_its_public_constituency() -> None:
    outcome = place(Applicant(ADULT, area_code="E3"), TRUST_SHAPE, TRUST, TODAY)
    assert placed(outcome) == SOUTH
    assert isinstance(outcome, Placement) and outcome.area is not None and outcome.area.code == "E3"


def test_area_codes_match_whatever_their_case() -> None:
    assert placed(place(Applicant(ADULT, area_code=" e1 "), TRUST_SHAPE, TRUST, TODAY)) == NORTH


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (date(2009, 6, 2), True),  # 16 today
        (date(2009, 6, 3), False),  # 16 tomorrow
        (date(1930, 1, 1), True),
    ],
)
def test_minimum_age_on_the_day(born: date, ok: bool) -> None:
    outcome = place(Applicant(born, area_code="E1"), TRUST_SHAPE, TRUST, TODAY)
    assert isinstance(outcome, Placement) is ok
    if not ok:
        assert refused(outcome) is Reason.TOO_YOUNG
        assert "16" in outcome.message  # type: ignore[union-attr]


def test_minimum_age_is_the_constitutions() -> None:
    younger = TRUST.updated(minimum_age=14)
    born = date(2011, 1, 1)
    assert (
        refused(place(Applicant(born, area_code="E1"), TRUST_SHAPE, TRUST, TODAY))
        is Reason.TOO_YOUNG
    )
    assert placed(place(Applicant(born, area_code="E1"), TRUST_SHAPE, younger, TODAY)) == NORTH


def test_leap_day_birthdays_come_of_age_on_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2024, 2, 28)) == 15
    assert age_on(born, date(2024, 2, 29)) == 16
    assert age_on(born, date(2025, 2, 28)) == 16
    assert age_on(date(2009, 2, 28), date(2025, 2, 28)) == 16


def test_date_of_birth_is_needed_except_for_staff_enrolled_by_hr() -> None:
    assert (
        refused(place(Applicant(None, area_code="E1"), TRUST_SHAPE, TRUST, TODAY))
        is Reason.DATE_OF_BIRTH_NEEDED
    )
    staff = Applicant(None, constituency_code="NURSES", staff=StaffContract(permanent=True))
    assert placed(place(staff, TRUST_SHAPE, TRUST, TODAY)) == NURSES


def test_outside_every_area_is_refused() -> None:
    outcome = place(Applicant(ADULT), TRUST_SHAPE, TRUST, TODAY)
    assert refused(outcome) is Reason.OUTSIDE_AREAS


def test_unknown_area_is_refused() -> None:
    assert (
        refused(place(Applicant(ADULT, area_code="E99"), TRUST_SHAPE, TRUST, TODAY))
        is Reason.UNKNOWN_AREA
    )


def test_public_constituency_must_agree_with_the_area() -> None:
    wrong = Applicant(ADULT, area_code="E1", constituency_code="SOUTH")
    assert refused(place(wrong, TRUST_SHAPE, TRUST, TODAY)) is Reason.AREA_CONFLICT
    no_area = Applicant(ADULT, constituency_code="SOUTH")
    assert refused(place(no_area, TRUST_SHAPE, TRUST, TODAY)) is Reason.OUTSIDE_AREAS


def test_someone_who_works_for_the_trust_cannot_join_as_public() -> None:
    outcome = place(
        Applicant(ADULT, area_code="E1", works_for_organisation=True), TRUST_SHAPE, TRUST, TODAY
    )
    assert refused(outcome) is Reason.STAFF_MEMBER


def test_staff_may_be_public_members_where_the_constitution_allows() -> None:
    lenient = TRUST.updated(staff_excluded_from_public=False)
    applicant = Applicant(ADULT, area_code="E1", works_for_organisation=True)
    assert placed(place(applicant, TRUST_SHAPE, lenient, TODAY)) == NORTH


def test_staff_cannot_join_themselves_online() -> None:
    outcome = place(
        Applicant(ADULT, constituency_code="NURSES"), TRUST_SHAPE, TRUST, TODAY, self_service=True
    )
    assert refused(outcome) is Reason.STAFF_MEMBER


@pytest.mark.parametrize(
    ("contract", "ok"),
    [
        (StaffContract(permanent=True), True),
        (StaffContract(permanent=False, fixed_term_months=12), True),
        (StaffContract(permanent=False, fixed_term_months=11), False),
        (StaffContract(permanent=False, fixed_term_months=6, service_start=date(2024, 6, 2)), True),
        (
            StaffContract(permanent=False, fixed_term_months=6, service_start=date(2024, 6, 3)),
            False,
        ),
        (StaffContract(), True),  # the HR file says nothing: they are staff
    ],
)
def test_staff_contract_rules(contract: StaffContract, ok: bool) -> None:
    outcome = place(
        Applicant(ADULT, constituency_code="NURSES", staff=contract), TRUST_SHAPE, TRUST, TODAY
    )
    if ok:
        assert placed(outcome) == NURSES
    else:
        assert refused(outcome) is Reason.CONTRACT_TOO_SHORT


def test_staff_go_into_a_class_when_the_constituency_has_classes() -> None:
    outcome = place(Applicant(ADULT, constituency_code="STAFF"), TRUST_SHAPE, TRUST, TODAY)
    assert refused(outcome) is Reason.CLASS_NEEDED
    flat = RegisterShape(OrganisationType.FOUNDATION_TRUST, (NORTH, STAFF))
    assert placed(place(Applicant(ADULT, constituency_code="STAFF"), flat, TRUST, TODAY)) == STAFF


def test_patients_and_carers_outside_the_areas() -> None:
    recent = Applicant(ADULT, patient_or_carer=True, last_attended_on=date(2023, 1, 1))
    assert placed(place(recent, TRUST_SHAPE, TRUST, TODAY)) == PATIENTS
    too_long = Applicant(ADULT, patient_or_carer=True, last_attended_on=date(2022, 6, 1))
    assert refused(place(too_long, TRUST_SHAPE, TRUST, TODAY)) is Reason.NOT_RECENT_PATIENT
    longer_period = TRUST.updated(patient_period_years=5)
    assert placed(place(too_long, TRUST_SHAPE, longer_period, TODAY)) == PATIENTS


def test_residents_are_public_members_first() -> None:
    both = Applicant(ADULT, area_code="E1", patient_or_carer=True)
    assert placed(place(both, TRUST_SHAPE, TRUST, TODAY)) == NORTH
    chosen = Applicant(ADULT, area_code="E1", constituency_code="PATIENTS")
    assert placed(place(chosen, TRUST_SHAPE, TRUST, TODAY)) == PATIENTS


def test_unknown_constituency_code() -> None:
    assert (
        refused(place(Applicant(ADULT, constituency_code="NOPE"), TRUST_SHAPE, TRUST, TODAY))
        is Reason.UNKNOWN_CONSTITUENCY
    )


def test_postcode_prefixes_find_the_area_longest_first() -> None:
    assert TRUST_SHAPE.area_for_postcode("ls1 4ap") == TRUST_SHAPE.area("E1")
    assert TRUST_SHAPE.area_for_postcode("LS6 1AB") == TRUST_SHAPE.area("E3")
    assert TRUST_SHAPE.area_for_postcode("LS6 2AB") is None
    assert TRUST_SHAPE.area_for_postcode("LS11 1AA") is TRUST_SHAPE.area("E1")  # LS1 is a prefix


def test_postcode_prefixes_that_tie_decide_nothing() -> None:
    shape = RegisterShape(
        OrganisationType.FOUNDATION_TRUST,
        (NORTH, SOUTH),
        (Area("E1", "A", 1, ("LS1",)), Area("E2", "B", 2, ("LS1",))),
    )
    assert shape.area_for_postcode("LS1 4AP") is None


# -- moving home -------------------------------------------------------------------------------


def test_moving_within_the_constituency_changes_nothing() -> None:
    assert after_moving_home(NORTH, "E2", TRUST_SHAPE, TRUST, TODAY) is None


def test_moving_to_another_public_constituency_transfers_after_notice() -> None:
    outcome = after_moving_home(NORTH, "E3", TRUST_SHAPE, TRUST, TODAY)
    assert isinstance(outcome, Transfer)
    assert outcome.to == SOUTH
    assert outcome.on == date(2025, 6, 20)  # 14 working days after Monday 2 June


def test_transfer_notice_counts_working_days_only() -> None:
    christmas = date(2025, 12, 19)  # a Friday
    outcome = after_moving_home(
        NORTH, "E3", TRUST_SHAPE, TRUST.updated(transfer_notice_working_days=5), christmas
    )
    assert isinstance(outcome, Transfer)
    # 22, 23 and 24 December count; Christmas Day and Boxing Day and the weekend do not.
    assert outcome.on == date(2025, 12, 30)


def test_moving_out_of_every_area_ends_public_membership() -> None:
    assert isinstance(after_moving_home(NORTH, None, TRUST_SHAPE, TRUST, TODAY), Lapse)
    assert isinstance(after_moving_home(NORTH, "E99", TRUST_SHAPE, TRUST, TODAY), Lapse)


def test_moving_home_does_not_affect_staff_or_patient_members() -> None:
    assert after_moving_home(NURSES, None, TRUST_SHAPE, TRUST, TODAY) is None
    assert after_moving_home(PATIENTS, "E3", TRUST_SHAPE, TRUST, TODAY) is None


# -- co-operatives -----------------------------------------------------------------------------


def test_coop_members_join_a_class() -> None:
    assert (
        placed(place(Applicant(ADULT, constituency_code="WORKERS"), COOP_SHAPE, COOP, TODAY))
        == WORKERS
    )


def test_coop_class_must_be_chosen_when_there_are_several() -> None:
    assert refused(place(Applicant(ADULT), COOP_SHAPE, COOP, TODAY)) is Reason.CLASS_NEEDED


def test_coop_with_one_open_class_needs_no_choice() -> None:
    assert placed(place(Applicant(ADULT), COOP_SHAPE, COOP, TODAY, self_service=True)) == WORKERS


def test_classes_closed_to_joining_online() -> None:
    outcome = place(
        Applicant(ADULT, constituency_code="INVESTORS"), COOP_SHAPE, COOP, TODAY, self_service=True
    )
    assert refused(outcome) is Reason.NOT_JOINABLE
    assert (
        placed(place(Applicant(ADULT, constituency_code="INVESTORS"), COOP_SHAPE, COOP, TODAY))
        == INVESTORS
    )


def test_coop_minimum_age_and_staff_flag() -> None:
    assert (
        refused(
            place(Applicant(date(2012, 1, 1), constituency_code="WORKERS"), COOP_SHAPE, COOP, TODAY)
        )
        is Reason.TOO_YOUNG
    )
    # co-operatives do not exclude their employees
    worker = Applicant(ADULT, constituency_code="WORKERS", works_for_organisation=True)
    assert placed(place(worker, COOP_SHAPE, COOP, TODAY)) == WORKERS


# -- direct-payments mutuals -----------------------------------------------------------------------


def test_mutual_members_join_the_class_for_their_kind_of_member() -> None:
    mutual = Constitution(rules_version="co-operatives-uk-model", staff_excluded_from_public=False)
    assert (
        placed(
            place(
                Applicant(ADULT, constituency_code="DP"),
                MUTUAL_SHAPE,
                mutual,
                TODAY,
                self_service=True,
            )
        )
        == DP
    )
    pa = place(
        Applicant(ADULT, constituency_code="PA"), MUTUAL_SHAPE, mutual, TODAY, self_service=True
    )
    assert refused(pa) is Reason.NOT_JOINABLE
    assert (
        placed(place(Applicant(ADULT, constituency_code="PA"), MUTUAL_SHAPE, mutual, TODAY)) == PA
    )


def test_mutual_refuses_a_trust_constituency_code() -> None:
    shape = RegisterShape(OrganisationType.DIRECT_PAYMENTS_MUTUAL, (DP, NORTH))
    assert (
        refused(place(Applicant(ADULT, constituency_code="NORTH"), shape, COOP, TODAY))
        is Reason.UNKNOWN_CONSTITUENCY
    )
