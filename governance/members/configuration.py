"""Setting up a register: constituencies, staff and member classes, and electoral areas.

What kinds an organisation may have depends on its type (see ``eligibility.KINDS_FOR_TYPE``):
a trust has public, staff (with staff classes as children) and patient/carer constituencies;
co-operatives and mutuals have classes of member, a mutual's each for one kind of member.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from governance import audit
from governance.errors import Conflict, Invalid
from governance.members.eligibility import (
    KINDS_FOR_TYPE,
    Area,
    Category,
    Kind,
    RegisterShape,
)
from governance.members.eligibility import Constituency as ConstituencyRef
from governance.members.models import (
    Constituency,
    ElectoralArea,
    Member,
    MembershipPeriod,
    PopulationFigure,
)
from governance.members.schemas import (
    AreaIn,
    AreaOut,
    ConstituencyIn,
    ConstituencyOut,
    ConstituencyUpdate,
)
from governance.members.state import bump_version
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation


def constituencies(session: Session, organisation_id: int) -> list[Constituency]:
    return list(
        session.exec(
            select(Constituency)
            .where(Constituency.organisation_id == organisation_id)
            .order_by(col(Constituency.position), col(Constituency.name))
        ).all()
    )


def areas(session: Session, organisation_id: int) -> list[ElectoralArea]:
    return list(
        session.exec(
            select(ElectoralArea)
            .where(ElectoralArea.organisation_id == organisation_id)
            .order_by(col(ElectoralArea.name))
        ).all()
    )


def shape(session: Session, organisation: Organisation) -> RegisterShape:
    """The organisation's constituencies and areas in the form eligibility works with."""
    assert organisation.id is not None
    return RegisterShape(
        organisation_type=organisation.kind,
        constituencies=tuple(as_ref(c) for c in constituencies(session, organisation.id)),
        areas=tuple(
            Area(a.code, a.name, a.constituency_id, tuple(a.postcode_prefixes.split()))
            for a in areas(session, organisation.id)
        ),
    )


def as_ref(constituency: Constituency) -> ConstituencyRef:
    assert constituency.id is not None
    return ConstituencyRef(
        id=constituency.id,
        code=constituency.code,
        name=constituency.name,
        kind=Kind(constituency.kind),
        parent_id=constituency.parent_id,
        joinable=constituency.joinable,
        category=constituency.category,
    )


def by_code(session: Session, organisation_id: int, code: str) -> Constituency | None:
    return session.exec(
        select(Constituency).where(
            Constituency.organisation_id == organisation_id,
            func.upper(Constituency.code) == code.strip().upper(),
        )
    ).first()


def _bp(percent: Decimal | None) -> int | None:
    return None if percent is None else int(percent * 100)


def _percent(bp: int | None) -> str | None:
    return None if bp is None else f"{Decimal(bp) / 100:.2f}"


def out(
    constituency: Constituency, parents: dict[int, str], default_minimum: int
) -> ConstituencyOut:
    return ConstituencyOut(
        code=constituency.code,
        name=constituency.name,
        kind=Kind(constituency.kind),
        parent=parents.get(constituency.parent_id or 0),
        category=Category(constituency.category) if constituency.category else None,
        description=constituency.description,
        vote_share_percent=_percent(constituency.vote_share_bp),
        vote_cap_percent=_percent(constituency.vote_cap_bp),
        minimum_members=constituency.minimum_members
        if constituency.minimum_members is not None
        else default_minimum,
        joinable=constituency.joinable,
        position=constituency.position,
    )


def listing(session: Session, organisation: Organisation) -> list[ConstituencyOut]:
    assert organisation.id is not None
    found = constituencies(session, organisation.id)
    codes = {c.id or 0: c.code for c in found}
    minimum = organisation.constitution.minimum_members_per_constituency
    return [out(c, codes, minimum) for c in found]


def _check_kind(
    organisation: Organisation, data: ConstituencyIn, parent: Constituency | None
) -> None:
    allowed = KINDS_FOR_TYPE[organisation.kind]
    if data.kind not in allowed:
        raise Invalid(
            "kind-not-allowed",
            f"A {organisation.kind.label.lower()} cannot have a {data.kind.label.lower()}.",
        )
    if data.kind is Kind.STAFF_CLASS and (parent is None or parent.kind != Kind.STAFF):
        raise Invalid("parent-needed", "A staff class belongs to the staff constituency: give it.")
    if data.kind is not Kind.STAFF_CLASS and data.parent:
        raise Invalid("parent-not-allowed", "Only staff classes belong to another constituency.")
    mutual = organisation.kind is OrganisationType.DIRECT_PAYMENTS_MUTUAL
    if mutual and data.category is None:
        raise Invalid("category-needed", "Say which kind of member this class is for.")
    if not mutual and data.category is not None:
        raise Invalid("category-not-allowed", "Only a direct-payments mutual's classes have one.")
    weighted = data.vote_share_percent is not None or data.vote_cap_percent is not None
    if weighted and data.kind is not Kind.MEMBER_CLASS:
        raise Invalid("weight-not-allowed", "Only classes of member carry a share of the vote.")


def add_constituency(
    session: Session, organisation: Organisation, data: ConstituencyIn, *, actor: str
) -> Constituency:
    assert organisation.id is not None
    if by_code(session, organisation.id, data.code) is not None:
        raise Conflict("code-taken", f"The code {data.code} is already used.")
    parent = by_code(session, organisation.id, data.parent) if data.parent else None
    _check_kind(organisation, data, parent)
    bump_version(session, organisation.id)
    constituency = Constituency(
        organisation_id=organisation.id,
        parent_id=parent.id if parent else None,
        kind=data.kind.value,
        code=data.code,
        name=data.name,
        description=data.description,
        category=data.category.value if data.category else None,
        vote_share_bp=_bp(data.vote_share_percent),
        vote_cap_bp=_bp(data.vote_cap_percent),
        minimum_members=data.minimum_members,
        joinable=data.joinable,
        position=data.position,
    )
    session.add(constituency)
    session.flush()
    _check_shares(session, organisation.id)
    audit.record(
        session,
        actor=actor,
        action="constituency.created",
        organisation_id=organisation.id,
        object_type="constituency",
        object_id=constituency.id,
        detail={"code": data.code, "kind": data.kind.value},
    )
    session.commit()
    return constituency


def _check_shares(session: Session, organisation_id: int) -> None:
    total = session.exec(
        select(func.coalesce(func.sum(Constituency.vote_share_bp), 0)).where(
            Constituency.organisation_id == organisation_id
        )
    ).one()
    if int(total or 0) > 10_000:
        session.rollback()
        raise Invalid(
            "shares-over-100", "The classes' fixed shares of the vote add up to more than 100%."
        )


def update_constituency(
    session: Session,
    organisation: Organisation,
    code: str,
    data: ConstituencyUpdate,
    *,
    actor: str,
) -> Constituency:
    assert organisation.id is not None
    constituency = require(session, organisation.id, code)
    changes = data.model_dump(exclude_unset=True)
    if "category" in changes and organisation.kind is not OrganisationType.DIRECT_PAYMENTS_MUTUAL:
        raise Invalid("category-not-allowed", "Only a direct-payments mutual's classes have one.")
    weighted = {"vote_share_percent", "vote_cap_percent"} & set(changes)
    if weighted and constituency.kind != Kind.MEMBER_CLASS:
        raise Invalid("weight-not-allowed", "Only classes of member carry a share of the vote.")
    bump_version(session, organisation.id)
    for name, value in changes.items():
        if name == "vote_share_percent":
            constituency.vote_share_bp = _bp(value)
        elif name == "vote_cap_percent":
            constituency.vote_cap_bp = _bp(value)
        elif name == "category":
            constituency.category = value.value if value else None
        else:
            setattr(constituency, name, value)
    session.add(constituency)
    session.flush()
    _check_shares(session, organisation.id)
    audit.record(
        session,
        actor=actor,
        action="constituency.updated",
        organisation_id=organisation.id,
        object_type="constituency",
        object_id=constituency.id,
        detail={"fields": sorted(changes)},
    )
    session.commit()
    return constituency


def require(session: Session, organisation_id: int, code: str) -> Constituency:
    found = by_code(session, organisation_id, code)
    if found is None:
        raise Invalid("unknown-constituency", f"There is no constituency with the code {code!r}.")
    return found


def delete_constituency(
    session: Session, organisation: Organisation, code: str, *, actor: str
) -> None:
    """Remove a constituency nobody has ever belonged to (history must stay whole)."""
    assert organisation.id is not None
    constituency = require(session, organisation.id, code)
    used = session.exec(
        select(
            exists().where(col(MembershipPeriod.constituency_id) == constituency.id)
            | exists().where(col(Constituency.parent_id) == constituency.id)
            | exists().where(col(ElectoralArea.constituency_id) == constituency.id)
        )
    ).one()
    if used:
        raise Conflict(
            "constituency-in-use",
            "This constituency has areas, classes or members (now or in the past), so it stays.",
        )
    bump_version(session, organisation.id)
    for figure in session.exec(
        select(PopulationFigure).where(PopulationFigure.constituency_id == constituency.id)
    ).all():
        session.delete(figure)
    session.delete(constituency)
    audit.record(
        session,
        actor=actor,
        action="constituency.deleted",
        organisation_id=organisation.id,
        object_type="constituency",
        object_id=constituency.id,
        detail={"code": constituency.code},
    )
    session.commit()


def area_out(area: ElectoralArea, codes: dict[int, str]) -> AreaOut:
    return AreaOut(
        code=area.code,
        name=area.name,
        constituency=codes.get(area.constituency_id, ""),
        postcode_prefixes=area.postcode_prefixes,
    )


def area_listing(session: Session, organisation_id: int) -> list[AreaOut]:
    codes = {c.id or 0: c.code for c in constituencies(session, organisation_id)}
    return [area_out(a, codes) for a in areas(session, organisation_id)]


def save_areas(
    session: Session, organisation: Organisation, items: Sequence[AreaIn], *, actor: str
) -> tuple[int, int]:
    """Create or update areas by code, all or nothing; (created, updated)."""
    assert organisation.id is not None
    publics = {
        c.code.upper(): c for c in constituencies(session, organisation.id) if c.kind == Kind.PUBLIC
    }
    existing = {a.code.upper(): a for a in areas(session, organisation.id)}
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if item.constituency.upper() not in publics:
            raise Invalid(
                "unknown-constituency",
                f"Area {number} ({item.code}): {item.constituency!r} is not a public constituency.",
            )
        if item.code.upper() in seen:
            raise Invalid("duplicate-area", f"Area {number}: the code {item.code} appears twice.")
        seen.add(item.code.upper())
    bump_version(session, organisation.id)
    created = updated = 0
    for item in items:
        prefixes = " ".join(item.postcode_prefixes.upper().split())
        constituency_id = publics[item.constituency.upper()].id
        assert constituency_id is not None
        area = existing.get(item.code.upper())
        if area is None:
            area = ElectoralArea(
                organisation_id=organisation.id,
                code=item.code,
                constituency_id=constituency_id,
                name=item.name,
            )
            created += 1
        else:
            updated += 1
        area.name = item.name
        area.constituency_id = constituency_id
        area.postcode_prefixes = prefixes
        session.add(area)
    audit.record(
        session,
        actor=actor,
        action="areas.saved",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail={"created": created, "updated": updated},
    )
    session.commit()
    return created, updated


def delete_area(session: Session, organisation: Organisation, code: str, *, actor: str) -> None:
    assert organisation.id is not None
    area = session.exec(
        select(ElectoralArea).where(
            ElectoralArea.organisation_id == organisation.id,
            func.upper(ElectoralArea.code) == code.strip().upper(),
        )
    ).first()
    if area is None:
        raise Invalid("unknown-area", f"There is no area with the code {code!r}.")
    if session.exec(select(exists().where(col(Member.area_id) == area.id))).one():
        raise Conflict("area-in-use", "Members live in this area; move them before removing it.")
    bump_version(session, organisation.id)
    session.delete(area)
    audit.record(
        session,
        actor=actor,
        action="area.deleted",
        organisation_id=organisation.id,
        object_type="electoral_area",
        object_id=area.id,
        detail={"code": area.code},
    )
    session.commit()
