"""Who may be a member, and of which constituency or class (pure; RULES.md sections 1 and 2).

Callers pass plain values: the applicant's answers, the shape of the organisation's register
(its constituencies and electoral areas) and the constitution. The answer is a
:class:`Placement` or a :class:`Refusal` whose message can be shown to the person as it is.
The same rules serve the join page, the API, the secretary's forms and the CSV import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from governance.members.normalise import postcode_key
from governance.organisations.constitution import Constitution, OrganisationType
from governance.workdays import ENGLAND_AND_WALES, WorkingCalendar


class Kind(StrEnum):
    PUBLIC = "public"
    STAFF = "staff"
    STAFF_CLASS = "staff_class"
    PATIENT_CARER = "patient_carer"
    MEMBER_CLASS = "member_class"

    @property
    def label(self) -> str:
        return {
            "public": "Public constituency",
            "staff": "Staff constituency",
            "staff_class": "Staff class",
            "patient_carer": "Patient and carer constituency",
            "member_class": "Member class",
        }[self.value]


class Category(StrEnum):
    """The kinds of member a direct-payments mutual has."""

    DIRECT_PAYMENTS = "direct_payments"
    UNPAID_CARER = "unpaid_carer"
    PERSONAL_ASSISTANT = "personal_assistant"

    @property
    def label(self) -> str:
        return {
            "direct_payments": "People receiving direct payments or a personal health budget",
            "unpaid_carer": "Unpaid carers",
            "personal_assistant": "Personal assistants",
        }[self.value]


STAFF_KINDS = frozenset({Kind.STAFF, Kind.STAFF_CLASS})

KINDS_FOR_TYPE: dict[OrganisationType, frozenset[Kind]] = {
    OrganisationType.FOUNDATION_TRUST: frozenset(
        {Kind.PUBLIC, Kind.STAFF, Kind.STAFF_CLASS, Kind.PATIENT_CARER}
    ),
    OrganisationType.COOPERATIVE: frozenset({Kind.MEMBER_CLASS}),
    OrganisationType.COMMUNITY_BENEFIT_SOCIETY: frozenset({Kind.MEMBER_CLASS}),
    OrganisationType.DIRECT_PAYMENTS_MUTUAL: frozenset({Kind.MEMBER_CLASS}),
}


class Reason(StrEnum):
    """Why someone cannot be placed; the values are stable codes used by the API and reports."""

    DATE_OF_BIRTH_NEEDED = "date-of-birth-needed"
    TOO_YOUNG = "under-age"
    STAFF_MEMBER = "staff-member"
    UNKNOWN_AREA = "unknown-area"
    OUTSIDE_AREAS = "outside-areas"
    AREA_CONFLICT = "area-conflict"
    UNKNOWN_CONSTITUENCY = "unknown-constituency"
    CLASS_NEEDED = "class-needed"
    NOT_JOINABLE = "not-joinable"
    CONTRACT_TOO_SHORT = "contract-too-short"
    NOT_RECENT_PATIENT = "not-recent-patient"


@dataclass(frozen=True)
class Constituency:
    """What eligibility needs to know about one constituency or class."""

    id: int
    code: str
    name: str
    kind: Kind
    parent_id: int | None = None
    joinable: bool = True
    category: str | None = None


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    constituency_id: int
    postcode_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterShape:
    """An organisation's constituencies and areas, indexed for look-ups."""

    organisation_type: OrganisationType
    constituencies: tuple[Constituency, ...] = ()
    areas: tuple[Area, ...] = ()
    by_code: dict[str, Constituency] = field(init=False, repr=False, compare=False)
    by_id: dict[int, Constituency] = field(init=False, repr=False, compare=False)
    area_by_code: dict[str, Area] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {c.code.upper(): c for c in self.constituencies})
        object.__setattr__(self, "by_id", {c.id: c for c in self.constituencies})
        object.__setattr__(self, "area_by_code", {a.code.upper(): a for a in self.areas})

    def constituency(self, code: str) -> Constituency | None:
        return self.by_code.get(code.strip().upper())

    def area(self, code: str) -> Area | None:
        return self.area_by_code.get(code.strip().upper())

    def children(self, parent_id: int) -> list[Constituency]:
        return [c for c in self.constituencies if c.parent_id == parent_id]

    def of_kind(self, *kinds: Kind) -> list[Constituency]:
        return [c for c in self.constituencies if c.kind in kinds]

    def joinable_classes(self) -> list[Constituency]:
        return [c for c in self.of_kind(Kind.MEMBER_CLASS) if c.joinable]

    def area_for_postcode(self, postcode: str) -> Area | None:
        """The one area whose longest matching postcode prefix fits, or None if none or a tie."""
        key = postcode_key(postcode)
        best: list[Area] = []
        best_length = 0
        for area in self.areas:
            for prefix in area.postcode_prefixes:
                wanted = postcode_key(prefix)
                if not wanted or not key.startswith(wanted):
                    continue
                if len(wanted) > best_length:
                    best, best_length = [area], len(wanted)
                elif len(wanted) == best_length and area not in best:
                    best.append(area)
        return best[0] if len(best) == 1 else None


@dataclass(frozen=True)
class StaffContract:
    """What an HR record says about employment (blank values count as eligible)."""

    permanent: bool | None = None
    fixed_term_months: int | None = None
    service_start: date | None = None


@dataclass(frozen=True)
class Applicant:
    """Someone asking to be, or being enrolled as, a member.

    ``constituency_code`` names the class chosen (co-operatives, mutuals), a staff class, or a
    constituency given by an import. ``works_for_organisation`` is the join form's answer to
    "do you work for us?"; ``staff`` is set when HR enrols an employee.
    """

    date_of_birth: date | None
    area_code: str | None = None
    constituency_code: str | None = None
    works_for_organisation: bool = False
    staff: StaffContract | None = None
    patient_or_carer: bool = False
    last_attended_on: date | None = None


@dataclass(frozen=True)
class Placement:
    constituency: Constituency
    area: Area | None = None


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    message: str


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years; someone born on 29 February comes of age on 1 March in other years."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def place(
    applicant: Applicant,
    shape: RegisterShape,
    constitution: Constitution,
    today: date,
    *,
    self_service: bool = False,
) -> Placement | Refusal:
    """The constituency or class the applicant belongs in, or why they cannot be a member.

    ``self_service`` marks someone joining on their own (page or API): they may only choose
    classes open to joining, and staff cannot join themselves (they are enrolled).
    """
    chosen = (
        shape.constituency(applicant.constituency_code) if applicant.constituency_code else None
    )
    if applicant.constituency_code and chosen is None:
        return Refusal(
            Reason.UNKNOWN_CONSTITUENCY,
            f"There is no constituency or class with the code {applicant.constituency_code!r}.",
        )
    enrolling_staff = applicant.staff is not None or (
        chosen is not None and chosen.kind in STAFF_KINDS
    )
    refusal = _check_age(applicant, constitution, today, staff=enrolling_staff and not self_service)
    if refusal:
        return refusal
    if shape.organisation_type is not OrganisationType.FOUNDATION_TRUST:
        return _place_in_class(chosen, shape, self_service)
    if enrolling_staff:
        if self_service:
            return _staff_refusal()
        return _place_staff(applicant, chosen, shape, constitution, today)
    if applicant.works_for_organisation and constitution.staff_excluded_from_public:
        return _staff_refusal()
    return _place_resident_or_patient(applicant, chosen, shape, constitution, today)


def _check_age(
    applicant: Applicant, constitution: Constitution, today: date, *, staff: bool
) -> Refusal | None:
    if applicant.date_of_birth is None:
        if staff:
            return None
        return Refusal(Reason.DATE_OF_BIRTH_NEEDED, "A date of birth is needed to check the age.")
    if age_on(applicant.date_of_birth, today) < constitution.minimum_age:
        return Refusal(
            Reason.TOO_YOUNG,
            f"Members must be at least {constitution.minimum_age} years old.",
        )
    return None


def _staff_refusal() -> Refusal:
    return Refusal(
        Reason.STAFF_MEMBER,
        "People who work for the trust are members of the staff constituency, which they join "
        "automatically; they cannot also be public or patient members.",
    )


def _place_in_class(
    chosen: Constituency | None, shape: RegisterShape, self_service: bool
) -> Placement | Refusal:
    classes = shape.joinable_classes() if self_service else shape.of_kind(Kind.MEMBER_CLASS)
    if chosen is None:
        if len(classes) == 1:
            return Placement(classes[0])
        return Refusal(Reason.CLASS_NEEDED, "Choose which class of member you are joining as.")
    if chosen.kind is not Kind.MEMBER_CLASS:
        return Refusal(Reason.UNKNOWN_CONSTITUENCY, f"{chosen.code} is not a class of member.")
    if self_service and not chosen.joinable:
        return Refusal(
            Reason.NOT_JOINABLE,
            f"{chosen.name} members are enrolled by the organisation; contact the secretary.",
        )
    return Placement(chosen)


def _place_staff(
    applicant: Applicant,
    chosen: Constituency | None,
    shape: RegisterShape,
    constitution: Constitution,
    today: date,
) -> Placement | Refusal:
    contract = applicant.staff or StaffContract()
    long_enough = (
        contract.permanent is not False
        or (contract.fixed_term_months or 0) >= constitution.staff_min_contract_months
        or (
            contract.service_start is not None
            and months_between(contract.service_start, today)
            >= constitution.staff_min_service_months
        )
    )
    if not long_enough:
        return Refusal(
            Reason.CONTRACT_TOO_SHORT,
            f"Staff members need a permanent contract, a fixed term of at least "
            f"{constitution.staff_min_contract_months} months, or "
            f"{constitution.staff_min_service_months} months' continuous service.",
        )
    staff = shape.of_kind(Kind.STAFF)
    if chosen is None:
        if not staff:
            return Refusal(Reason.UNKNOWN_CONSTITUENCY, "There is no staff constituency.")
        chosen = staff[0]
    if chosen.kind not in STAFF_KINDS:
        return Refusal(Reason.UNKNOWN_CONSTITUENCY, f"{chosen.code} is not a staff constituency.")
    if chosen.kind is Kind.STAFF and shape.children(chosen.id):
        return Refusal(Reason.CLASS_NEEDED, "Give the staff class this person belongs to.")
    return Placement(chosen)


def _place_resident_or_patient(
    applicant: Applicant,
    chosen: Constituency | None,
    shape: RegisterShape,
    constitution: Constitution,
    today: date,
) -> Placement | Refusal:
    area = shape.area(applicant.area_code) if applicant.area_code else None
    if applicant.area_code and area is None:
        return Refusal(
            Reason.UNKNOWN_AREA, f"There is no area with the code {applicant.area_code!r}."
        )
    if area is not None:
        home = shape.by_id.get(area.constituency_id)
        if home is None:
            return Refusal(Reason.UNKNOWN_AREA, f"The area {area.code} has no constituency.")
        if chosen is None or chosen.id == home.id:
            return Placement(home, area)
        if chosen.kind is Kind.PUBLIC:
            return Refusal(
                Reason.AREA_CONFLICT, f"The area {area.code} is in {home.name}, not {chosen.name}."
            )
    if chosen is not None and chosen.kind is Kind.PUBLIC:
        return Refusal(Reason.OUTSIDE_AREAS, "Public members must live in one of its areas.")
    patients = shape.of_kind(Kind.PATIENT_CARER)
    wants_patient = chosen is not None or applicant.patient_or_carer
    if patients and wants_patient:
        constituency = chosen or patients[0]
        if chosen is not None and chosen.kind is not Kind.PATIENT_CARER:
            return Refusal(Reason.UNKNOWN_CONSTITUENCY, f"{chosen.code} cannot be joined this way.")
        attended = applicant.last_attended_on
        if attended is not None and age_on(attended, today) >= constitution.patient_period_years:
            return Refusal(
                Reason.NOT_RECENT_PATIENT,
                f"Patient and carer members must have used the trust's services in the last "
                f"{constitution.patient_period_years} years.",
            )
        return Placement(constituency, area)
    return Refusal(
        Reason.OUTSIDE_AREAS,
        "You need to live in one of the areas the trust serves to be a public member.",
    )


@dataclass(frozen=True)
class Transfer:
    """A public member who moved to another public constituency's area moves on ``on``."""

    to: Constituency
    on: date


@dataclass(frozen=True)
class Lapse:
    message: str


def after_moving_home(
    current: Constituency,
    new_area_code: str | None,
    shape: RegisterShape,
    constitution: Constitution,
    today: date,
    *,
    calendar: WorkingCalendar = ENGLAND_AND_WALES,
) -> Transfer | Lapse | None:
    """What happens to a public member's membership when their home area changes.

    None when nothing changes (not a public member, or the new area is in the same
    constituency). Moving out of every public area ends public membership; moving to another
    public constituency's area transfers the member after the constitution's notice period.
    """
    if current.kind is not Kind.PUBLIC:
        return None
    area = shape.area(new_area_code) if new_area_code else None
    if area is None:
        return Lapse("moved outside every public area")
    if area.constituency_id == current.id:
        return None
    target = shape.by_id[area.constituency_id]
    on = calendar.add_working_days(today, constitution.transfer_notice_working_days)
    return Transfer(target, on)
