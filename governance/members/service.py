"""Members joining, changing their details, moving between constituencies and leaving.

Each operation is one transaction: it bumps the register's version (taking the register's
lock), makes its change, records it in the audit log, and commits. Refusals change nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from governance import audit
from governance.auth.models import AuthSession
from governance.db import utcnow
from governance.errors import Conflict, Invalid
from governance.mail import queue_mail
from governance.members import configuration, history
from governance.members.eligibility import (
    STAFF_KINDS,
    Applicant,
    Kind,
    Lapse,
    Placement,
    Refusal,
    after_moving_home,
    place,
)
from governance.members.models import (
    LEAVING_STATUS,
    Constituency,
    ElectoralArea,
    EndReason,
    Member,
    MembershipPeriod,
    MemberStatus,
    StartReason,
)
from governance.members.normalise import (
    clean_email,
    format_postcode,
    postcode_key,
    search_key,
    tidy,
    valid_email,
)
from governance.members.schemas import JoinIn, MemberCreate, MemberUpdate
from governance.members.state import bump_version, new_reference
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation

TEXT_LIMITS = {
    "address_line1": 200,
    "address_line2": 200,
    "town": 100,
    "phone": 32,
    "gender": 40,
    "ethnicity": 80,
}
CONTACT_FIELDS = ("contact_email", "contact_post", "contact_sms", "hide_from_public_register")
SELF_SERVICE_FORBIDDEN = frozenset({"date_of_birth", "deprivation_decile"})
REJOINABLE = frozenset({MemberStatus.LAPSED, MemberStatus.RESIGNED})


def with_keys(values: dict[str, Any]) -> dict[str, Any]:
    """The values tidied as stored, with the search keys they imply added."""
    result = dict(values)
    for name in ("first_name", "last_name"):
        if name in result:
            result[name] = tidy(result[name], 100)
            result[f"{name}_key"] = search_key(result[name])
    if "email" in result:
        result["email"] = clean_email(result["email"] or "") or None
    if "postcode" in result:
        given = result["postcode"] or ""
        result["postcode"] = format_postcode(given) if given.strip() else None
        result["postcode_key"] = postcode_key(given) or None
    for name, limit in TEXT_LIMITS.items():
        if name in result:
            result[name] = tidy(result[name], limit) or None
    return result


def check_email(email: str | None) -> str | None:
    address = clean_email(email or "") or None
    if address is not None and not valid_email(address):
        raise Invalid("bad-email", "Enter an email address like name@example.com.")
    return address


def member_by_email(session: Session, organisation_id: int, email: str) -> Member | None:
    return session.exec(
        select(Member).where(Member.organisation_id == organisation_id, Member.email == email)
    ).first()


def member_by_reference(session: Session, organisation_id: int, reference: str) -> Member | None:
    return session.exec(
        select(Member).where(
            Member.organisation_id == organisation_id, Member.reference == reference
        )
    ).first()


def period_on(session: Session, member_id: int, day: date) -> MembershipPeriod | None:
    """The member's spell covering ``day``, if any."""
    return session.exec(
        select(MembershipPeriod).where(
            MembershipPeriod.member_id == member_id, history.current_on(day)
        )
    ).first()


def pending_period(session: Session, member_id: int, day: date) -> MembershipPeriod | None:
    """A spell planned to start after ``day`` (a transfer after notice)."""
    return session.exec(
        select(MembershipPeriod).where(
            MembershipPeriod.member_id == member_id, col(MembershipPeriod.start_date) > day
        )
    ).first()


def _area_code(session: Session, area_id: int | None) -> str | None:
    area = session.get(ElectoralArea, area_id) if area_id else None
    return area.code if area else None


def _area_id(session: Session, organisation_id: int, code: str | None) -> int | None:
    if not code:
        return None
    area = session.exec(
        select(ElectoralArea).where(
            ElectoralArea.organisation_id == organisation_id, ElectoralArea.code == code
        )
    ).first()
    return area.id if area else None


def _welcome(organisation: Organisation, member: Member, constituency: str, base_url: str) -> str:
    return (
        f"Dear {member.first_name},\n\n"
        f"Thank you for joining {organisation.name}. You are a member of {constituency}; your "
        f"membership number is {member.reference}.\n\n"
        f"You can see and change your details, and how we contact you, at "
        f"{base_url}/o/{organisation.slug}/me (sign in with this email address).\n\n"
        + (
            "If you did not ask to join, reply to this email and we will remove you.\n"
            if organisation.contact_email
            else "If you did not ask to join, sign in there and choose to leave the register: "
            "we will remove you at once.\n"
        )
    )


def _already_member(organisation: Organisation, base_url: str) -> str:
    return (
        f"Someone, perhaps you, asked to join {organisation.name} with this email address. "
        f"It already belongs to one of our members, so nothing has changed.\n\n"
        f"You can see your membership at {base_url}/o/{organisation.slug}/me. If you did not "
        f"ask to join, you can ignore this email.\n"
    )


def join(
    session: Session,
    organisation: Organisation,
    data: JoinIn,
    *,
    actor: str,
    base_url: str,
    today: date,
    self_service: bool = True,
) -> Member | Refusal | None:
    """Admit someone: the new (or rejoined) member, the reason they cannot be one, or None
    when the email already belongs to a member (they are told by email, not on the page, so
    the form cannot be used to find out who is a member)."""
    assert organisation.id is not None
    email = check_email(data.email)
    if not data.consent:
        raise Invalid("consent-needed", "You need to agree before we can make you a member.")
    shape = configuration.shape(session, organisation)
    area_code = data.area_code or None
    if (
        area_code is None
        and data.postcode
        and organisation.kind is OrganisationType.FOUNDATION_TRUST
    ):
        found = shape.area_for_postcode(data.postcode)
        area_code = found.code if found else None
    chosen = data.member_class or (data.constituency if isinstance(data, MemberCreate) else None)
    applicant = Applicant(
        date_of_birth=data.date_of_birth,
        area_code=area_code,
        constituency_code=chosen,
        works_for_organisation=data.works_for_organisation,
        patient_or_carer=data.patient_or_carer,
    )
    outcome = place(applicant, shape, organisation.constitution, today, self_service=self_service)
    if isinstance(outcome, Refusal):
        return outcome
    existing = member_by_email(session, organisation.id, email) if email else None
    if existing is not None and existing.status not in REJOINABLE:
        if not self_service:
            raise Conflict("duplicate-member", f"Member {existing.reference} has that email.")
        queue_mail(
            session,
            to=existing.email or "",
            subject=f"Your membership of {organisation.name}",
            text=_already_member(organisation, base_url),
            organisation_id=organisation.id,
            purpose="members.join-duplicate",
        )
        session.commit()
        return None
    reference = data.reference if isinstance(data, MemberCreate) and data.reference else None
    if reference and existing is None and member_by_reference(session, organisation.id, reference):
        raise Conflict("reference-taken", f"The member number {reference} is already used.")
    bump_version(session, organisation.id)
    member = _admit(
        session,
        organisation,
        data=data,
        placement=outcome,
        existing=existing,
        reference=reference,
        email=email,
        actor=actor,
        today=today,
    )
    if member.email:
        queue_mail(
            session,
            to=member.email,
            subject=f"Welcome to {organisation.name}",
            text=_welcome(organisation, member, outcome.constituency.name, base_url),
            organisation_id=organisation.id,
            purpose="members.welcome",
            reply_to=organisation.contact_email,
        )
    session.commit()
    return member


def _admit(
    session: Session,
    organisation: Organisation,
    *,
    data: JoinIn,
    placement: Placement,
    existing: Member | None,
    reference: str | None,
    email: str | None,
    actor: str,
    today: date,
) -> Member:
    assert organisation.id is not None
    now = utcnow()
    joined_on = (data.joined_on if isinstance(data, MemberCreate) else None) or today
    values = with_keys(
        {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "email": email,
            "date_of_birth": data.date_of_birth,
            "address_line1": data.address_line1,
            "address_line2": data.address_line2,
            "town": data.town,
            "postcode": data.postcode,
            "phone": data.phone,
            "gender": data.gender,
            "ethnicity": data.ethnicity,
            "area_id": _area_id(session, organisation.id, placement.area.code)
            if placement.area
            else None,
            "status": MemberStatus.ACTIVE.value,
            "consent_recorded_at": now,
            "consent_source": "join" if actor.startswith("anonymous") else "secretary",
            "updated_at": now,
            **{name: getattr(data, name) for name in CONTACT_FIELDS},
        }
    )
    if existing is None:
        member = Member(
            organisation_id=organisation.id,
            reference=reference or new_reference(session, organisation.id),
            joined_on=joined_on,
            **values,
        )
        reason = (
            StartReason.ENROLLED
            if placement.constituency.kind in STAFF_KINDS
            else StartReason.JOINED
        )
    else:
        member = existing
        for name, value in values.items():
            setattr(member, name, value)
        reason = StartReason.REJOINED
    session.add(member)
    session.flush()
    assert member.id is not None
    history.start_periods(
        session,
        [
            {
                "organisation_id": organisation.id,
                "member_id": member.id,
                "constituency_id": placement.constituency.id,
                "start_date": joined_on,
                "start_reason": reason.value,
            }
        ],
    )
    audit.record(
        session,
        actor=actor,
        action=f"member.{reason.value}",
        organisation_id=organisation.id,
        object_type="member",
        object_id=member.id,
        detail={
            "constituency": placement.constituency.code,
            "consent": {name: getattr(data, name) for name in CONTACT_FIELDS},
        },
    )
    return member


def update_details(
    session: Session,
    organisation: Organisation,
    member: Member,
    data: MemberUpdate,
    *,
    actor: str,
    today: date,
    by_member: bool,
) -> str | None:
    """Change a member's details; a note when the change moves or ends their membership."""
    assert organisation.id is not None and member.id is not None
    changes = data.model_dump(exclude_unset=True)
    if by_member and SELF_SERVICE_FORBIDDEN & set(changes):
        raise Invalid("not-allowed", "Ask the membership office to change that.")
    if member.status == MemberStatus.ERASED:
        raise Conflict("member-erased", "This member's details were erased.")
    for name in ("first_name", "last_name"):
        if name in changes and not (changes[name] or "").strip():
            raise Invalid("missing-field", f"Enter a {name.replace('_', ' ')}.")
    if "email" in changes:
        changes["email"] = check_email(changes["email"])
        other = (
            member_by_email(session, organisation.id, changes["email"])
            if changes["email"]
            else None
        )
        if other is not None and other.id != member.id:
            raise Conflict("email-taken", "Another member has that email address.")
    area_changed, new_area = _new_area(session, organisation, member, changes)
    bump_version(session, organisation.id)
    note = None
    if area_changed:
        note = _moved_home(
            session, organisation, member, area_code=new_area, actor=actor, today=today
        )
    now = utcnow()
    if set(CONTACT_FIELDS) & set(changes):
        member.consent_recorded_at = now
        member.consent_source = "member" if by_member else "secretary"
    for name, value in with_keys(changes).items():
        setattr(member, name, value)
    member.updated_at = now
    session.add(member)
    audit.record(
        session,
        actor=actor,
        action="member.updated",
        organisation_id=organisation.id,
        object_type="member",
        object_id=member.id,
        detail={"fields": sorted(changes)},
    )
    session.commit()
    return note


def _new_area(
    session: Session, organisation: Organisation, member: Member, changes: dict[str, Any]
) -> tuple[bool, str | None]:
    """Whether the member's area changes, and the new area's code (None: outside them all).

    An explicit ``area_code`` wins; otherwise a new postcode that the areas' postcode prefixes
    place unambiguously moves the member. ``changes`` loses the ``area_code`` key.
    """
    current = _area_code(session, member.area_id)
    wanted = current
    if "area_code" in changes:
        wanted = changes.pop("area_code") or None
    elif changes.get("postcode") and organisation.kind is OrganisationType.FOUNDATION_TRUST:
        found = configuration.shape(session, organisation).area_for_postcode(changes["postcode"])
        wanted = found.code if found else current
    if wanted is not None and _area_id(session, organisation.id or 0, wanted) is None:
        raise Invalid("unknown-area", f"There is no area with the code {wanted!r}.")
    return wanted != current, wanted


def _moved_home(
    session: Session,
    organisation: Organisation,
    member: Member,
    *,
    area_code: str | None,
    actor: str,
    today: date,
) -> str | None:
    """Record the new area; transfer or end a public membership as the rules say."""
    assert organisation.id is not None and member.id is not None
    member.area_id = _area_id(session, organisation.id, area_code)
    current = period_on(session, member.id, today) if member.active else None
    constituency = session.get(Constituency, current.constituency_id) if current else None
    if constituency is None:
        return None
    shape = configuration.shape(session, organisation)
    outcome = after_moving_home(
        configuration.as_ref(constituency), area_code, shape, organisation.constitution, today
    )
    history.cancel_pending(session, [member.id], today)
    if outcome is None:
        return None
    if isinstance(outcome, Lapse):
        history.end_periods(session, [member.id], today, EndReason.LAPSED, outcome.message)
        member.status = MemberStatus.LAPSED.value
        audit_change(session, organisation, member, actor, "member.lapsed", why=outcome.message)
        return (
            "You no longer live in any of our public constituencies' areas, so your public "
            "membership has ended."
        )
    history.move(session, organisation.id, [(member.id, outcome.to.id)], on=outcome.on, today=today)
    audit_change(
        session,
        organisation,
        member,
        actor,
        "member.transfer_planned",
        to=outcome.to.code,
        on=outcome.on.isoformat(),
    )
    return f"You will move to {outcome.to.name} on {outcome.on:%-d %B %Y}."


def audit_change(
    session: Session,
    organisation: Organisation,
    member: Member,
    actor: str,
    action: str,
    **detail: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        organisation_id=organisation.id,
        object_type="member",
        object_id=member.id,
        detail=detail,
    )


def leave(
    session: Session,
    organisation: Organisation,
    member: Member,
    reason: EndReason,
    *,
    on: date,
    note: str | None,
    actor: str,
    today: date,
) -> None:
    """End a member's membership on ``on`` (today or earlier)."""
    assert organisation.id is not None and member.id is not None
    if not member.active:
        raise Conflict("not-a-member", "This person is not a current member.")
    if on > today:
        raise Invalid("date-in-future", "The date of leaving cannot be in the future.")
    current = period_on(session, member.id, on) or period_on(session, member.id, today)
    if current is None or on < current.start_date:
        raise Invalid(
            "date-too-early", "That date is before the member's current membership began."
        )
    if reason is EndReason.EXPELLED and not (note or "").strip():
        raise Invalid("reason-needed", "Give the reason for the expulsion.")
    if reason is EndReason.OPTED_OUT:
        constituency = session.get(Constituency, current.constituency_id)
        if constituency is None or constituency.kind not in STAFF_KINDS:
            raise Invalid("not-staff", "Only staff members opt out; others resign.")
        if not organisation.constitution.staff_opt_out:
            raise Invalid("opt-out-not-allowed", "The constitution does not let staff opt out.")
    bump_version(session, organisation.id)
    history.end_periods(session, [member.id], on, reason, tidy(note, 500) or None)
    member.status = LEAVING_STATUS[reason].value
    member.updated_at = utcnow()
    session.add(member)
    audit_change(
        session, organisation, member, actor, "member.left", reason=reason.value, on=on.isoformat()
    )
    if actor != f"member:{member.id}":
        # Recorded by staff: the person's sessions end with the membership. A member who
        # resigns on their own page stays signed in to see the result and, if they wish, to
        # download or erase what is held about them.
        session.execute(delete(AuthSession).where(col(AuthSession.member_id) == member.id))
    session.commit()


def reinstate(
    session: Session,
    organisation: Organisation,
    member: Member,
    *,
    constituency_code: str | None,
    on: date,
    actor: str,
) -> None:
    """Make a former member a member again (a secretary's decision; a new spell starts)."""
    assert organisation.id is not None and member.id is not None
    if member.active or member.status == MemberStatus.ERASED:
        raise Conflict("cannot-reinstate", "Only former members can be reinstated.")
    periods = history.periods_of(session, member.id)
    last = periods[-1] if periods else None
    if constituency_code:
        target = configuration.require(session, organisation.id, constituency_code)
    elif last is not None:
        target = session.get(Constituency, last.constituency_id)  # type: ignore[assignment]
    else:
        raise Invalid("constituency-needed", "Say which constituency the member rejoins.")
    if last is not None and last.end_date is not None and on < last.end_date:
        raise Invalid("date-too-early", "A new spell cannot start before the last one ended.")
    assert target is not None and target.id is not None
    bump_version(session, organisation.id)
    history.start_periods(
        session,
        [
            {
                "organisation_id": organisation.id,
                "member_id": member.id,
                "constituency_id": target.id,
                "start_date": on,
                "start_reason": StartReason.REJOINED.value,
            }
        ],
    )
    member.status = MemberStatus.ACTIVE.value
    member.updated_at = utcnow()
    session.add(member)
    audit_change(
        session, organisation, member, actor, "member.reinstated", constituency=target.code
    )
    session.commit()


def move_member(
    session: Session,
    organisation: Organisation,
    member: Member,
    constituency_code: str,
    *,
    on: date,
    actor: str,
    today: date,
) -> None:
    """Move a current member to another constituency or class from ``on``."""
    assert organisation.id is not None and member.id is not None
    if not member.active:
        raise Conflict("not-a-member", "This person is not a current member.")
    target = configuration.require(session, organisation.id, constituency_code)
    assert target.id is not None
    if target.kind == Kind.STAFF and any(
        c.parent_id == target.id for c in configuration.constituencies(session, organisation.id)
    ):
        raise Invalid("class-needed", "Move staff into one of the staff classes.")
    current = period_on(session, member.id, min(on, today)) or period_on(session, member.id, today)
    if current is None or on < current.start_date:
        raise Invalid(
            "date-too-early", "That date is before the member's current membership began."
        )
    if current.constituency_id == target.id and pending_period(session, member.id, today) is None:
        raise Invalid("same-constituency", "The member is already in that constituency.")
    bump_version(session, organisation.id)
    history.move(session, organisation.id, [(member.id, target.id)], on=on, today=today)
    member.updated_at = utcnow()
    session.add(member)
    audit_change(
        session, organisation, member, actor, "member.moved", to=target.code, on=on.isoformat()
    )
    session.commit()
