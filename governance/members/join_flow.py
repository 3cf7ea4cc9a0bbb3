"""The join form's questions, one a page, and which comes next (pure).

The answers so far travel in hidden fields, so nobody needs an account or a server-side
session to join. Each step checks its own answer, and refuses as early as the rules allow (too
young, works for the trust, outside every area) with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from governance.members.eligibility import (
    Kind,
    Reason,
    Refusal,
    RegisterShape,
    age_on,
)
from governance.members.normalise import valid_email, valid_postcode
from governance.organisations.constitution import Constitution, OrganisationType

TRUST_STEPS = ("age", "work", "home", "area", "patient", "details", "contact", "check")
CLASS_STEPS = ("age", "class", "details", "contact", "check")
STATE_FIELDS = (
    "date_of_birth", "works_for_organisation", "postcode", "area_code", "patient_or_carer",
    "member_class", "first_name", "last_name", "email", "address_line1", "address_line2",
    "town", "phone", "contact_email", "contact_post", "contact_sms",
    "hide_from_public_register", "consent",
)  # fmt: skip
STEP_FIELDS = {
    "age": ("date_of_birth",),
    "work": ("works_for_organisation",),
    "home": ("postcode",),
    "area": ("area_code",),
    "patient": ("patient_or_carer",),
    "class": ("member_class",),
    "details": (
        "first_name",
        "last_name",
        "email",
        "address_line1",
        "address_line2",
        "town",
        "phone",
    ),
    "contact": (
        "contact_email",
        "contact_post",
        "contact_sms",
        "hide_from_public_register",
        "consent",
    ),
    "check": (),
}
NONE_OF_THESE = "none"


@dataclass(frozen=True)
class Context:
    kind: OrganisationType
    shape: RegisterShape
    constitution: Constitution
    today: date

    @property
    def steps(self) -> tuple[str, ...]:
        return TRUST_STEPS if self.kind is OrganisationType.FOUNDATION_TRUST else CLASS_STEPS


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_step(
    step: str, form: Mapping[str, str], answers: dict[str, str], context: Context
) -> dict[str, str]:
    """Check this step's answer and add it to ``answers``; the errors by field id, if any."""
    if step == "age":
        parts = [form.get(f"dob-{p}", "").strip() for p in ("day", "month", "year")]
        born = _date(*parts) if all(p.isdigit() for p in parts) else None
        if born is None or born > context.today or born.year < 1900:
            return {"dob-day": "Enter your date of birth, for example 27 3 1980"}
        answers["date_of_birth"] = born.isoformat()
    elif step in {"work", "patient"}:
        name = STEP_FIELDS[step][0]
        if form.get(name) not in {"yes", "no"}:
            return {f"{name}-yes": "Choose yes or no"}
        answers[name] = form[name]
    elif step == "home":
        postcode = form.get("postcode", "").strip()
        if not valid_postcode(postcode):
            return {"postcode": "Enter a full UK postcode, like LS1 4AP"}
        answers["postcode"] = postcode.upper()
        found = context.shape.area_for_postcode(postcode)
        answers["area_code"] = found.code if found else ""
    elif step == "area":
        chosen = form.get("area_code", "")
        if chosen != NONE_OF_THESE and context.shape.area(chosen) is None:
            return {"area_code-0": "Choose the area you live in, or 'none of these'"}
        answers["area_code"] = chosen
    elif step == "class":
        if context.shape.constituency(form.get("member_class", "")) is None:
            return {"member_class-0": "Choose the kind of member you are joining as"}
        answers["member_class"] = form["member_class"]
    elif step == "details":
        return _details(form, answers)
    elif step == "contact":
        for name in STEP_FIELDS["contact"]:
            answers[name] = "yes" if form.get(name) == "yes" else ""
        if not answers["consent"]:
            return {"consent": "Tick the box to agree, or you cannot join"}
    return {}


def _details(form: Mapping[str, str], answers: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in STEP_FIELDS["details"]:
        answers[name] = " ".join(form.get(name, "").split())
    if not answers["first_name"]:
        errors["first_name"] = "Enter your first name"
    if not answers["last_name"]:
        errors["last_name"] = "Enter your last name"
    if not valid_email(answers["email"].lower()):
        errors["email"] = "Enter an email address like name@example.com"
    if not answers["address_line1"]:
        errors["address_line1"] = "Enter the first line of your address"
    return errors


def refusal(step: str, answers: Mapping[str, str], context: Context) -> Refusal | None:
    """A reason the answers so far already rule the person out."""
    if step == "age":
        born = date.fromisoformat(answers["date_of_birth"])
        if age_on(born, context.today) < context.constitution.minimum_age:
            return Refusal(
                Reason.TOO_YOUNG,
                f"You need to be at least {context.constitution.minimum_age} to be a member.",
            )
    if step == "work" and answers.get("works_for_organisation") == "yes":
        return Refusal(
            Reason.STAFF_MEMBER,
            "People who work for the trust are members of its staff constituency, which they "
            "join automatically, so they cannot also join as members of the public.",
        )
    if step in {"area", "patient"} and not _placed(answers, context):
        if step == "area" and context.shape.of_kind(Kind.PATIENT_CARER):
            return None
        return Refusal(
            Reason.OUTSIDE_AREAS,
            "You need to live in one of the areas the trust serves, or to have used its "
            "services as a patient or carer, to be a member.",
        )
    return None


def _placed(answers: Mapping[str, str], context: Context) -> bool:
    area = answers.get("area_code", "")
    if area and area != NONE_OF_THESE:
        return True
    return answers.get("patient_or_carer") == "yes"


def next_step(step: str, answers: dict[str, str], context: Context) -> str:
    """The step after ``step``, skipping questions the answers make unnecessary."""
    steps = context.steps
    index = steps.index(step) + 1
    while index < len(steps):
        candidate = steps[index]
        if not _skip(candidate, answers, context):
            return candidate
        index += 1
    return "check"


def _skip(step: str, answers: dict[str, str], context: Context) -> bool:
    if step == "work":
        return not context.constitution.staff_excluded_from_public
    if step == "area":
        return bool(answers.get("area_code")) or not context.shape.areas
    if step == "patient":
        area = answers.get("area_code", "")
        return (area not in {"", NONE_OF_THESE}) or not context.shape.of_kind(Kind.PATIENT_CARER)
    if step == "class":
        classes = context.shape.joinable_classes()
        if len(classes) == 1:
            answers["member_class"] = classes[0].code
            return True
    return False
