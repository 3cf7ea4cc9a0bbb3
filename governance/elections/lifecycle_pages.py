"""Public and member pages of the lifecycle: the list of elections, each election's public page
(notice and timetable, then candidates and statements, then the result), the declaration with
the full count, and the nomination form for a signed-in member.

An election is public from its notice of election; a draft or an election whose notice is still
to come answers 404 to the public, as does any election of another organisation.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Template
from sqlmodel import Session

from governance.auth.guards import organisation_by_slug, roles_in
from governance.auth.middleware import Identity
from governance.db import utcnow
from governance.elections import nominations, service
from governance.elections.candidacy import PHOTO_MAX_BYTES, STATEMENT_MAX_WORDS
from governance.elections.electorate import constituency_ids
from governance.elections.lifecycle_schemas import NominationIn
from governance.elections.lifecycle_staff_pages import (
    problem_extra,
    redirect,
    staff_lifecycle_pages,
)
from governance.elections.lifecycle_views import DECLARED, is_public, public_view
from governance.elections.models import Election
from governance.elections.results_chart import stage_chart
from governance.elections.web import STAFF_ROLES, election_of, first_value, page
from governance.errors import Problem
from governance.members.models import Constituency, Member
from governance.organisations.areas import register_area
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.forms import RowId, field_errors, parse_form

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
ELECTIONS = "/o/{slug:str}/elections"
ONE = ELECTIONS + "/{election_id:int}"

register_area(
    "Elections",
    "/elections/manage",
    "Schedule elections, decide nominations, count the votes and declare the results.",
    [Role.SECRETARY, Role.RETURNING_OFFICER],
)


def _staff(db: Session, identity: Identity, organisation: Organisation) -> bool:
    user = identity.user if identity.staff_signed_in else None
    if user is None or organisation.id is None:
        return False
    return user.is_platform_admin or bool(roles_in(db, user, organisation.id) & set(STAFF_ROLES))


def _public(db: Session, slug: str, election_id: RowId) -> tuple[Organisation, Election]:
    organisation = organisation_by_slug(db, slug)
    election = election_of(db, organisation, election_id)
    if not is_public(election, utcnow()):
        raise NotFoundException()
    return organisation, election


def _member(identity: Identity, organisation: Organisation) -> Member | None:
    member = identity.member
    return member if member is not None and member.organisation_id == organisation.id else None


@get(ELECTIONS, include_in_schema=False, sync_to_thread=True)
def election_list(db: Session, identity: Identity, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    now = utcnow()
    return page(
        "election_list.html",
        "Elections",
        organisation=organisation,
        elections=[e for e in service.elections_of(db, organisation) if is_public(e, now)],
        staff=False,
        can_manage=_staff(db, identity, organisation),
    )


@get(ONE, include_in_schema=False, sync_to_thread=True)
def election_page(db: Session, identity: Identity, slug: str, election_id: RowId) -> Template:
    organisation, election = _public(db, slug, election_id)
    return page(
        "election_public.html",
        election.title,
        organisation=organisation,
        election=election,
        view=public_view(db, organisation, election, utcnow()),
        member=_member(identity, organisation),
        can_manage=_staff(db, identity, organisation),
    )


@get(f"{ONE}/declaration", include_in_schema=False, sync_to_thread=True)
def declaration_page(db: Session, slug: str, election_id: RowId) -> Template:
    organisation, election = _public(db, slug, election_id)
    if election.status not in DECLARED:
        raise NotFoundException()
    view = public_view(db, organisation, election, utcnow())
    return page(
        "election_declaration.html",
        f"Declaration of result: {election.title}",
        organisation=organisation,
        election=election,
        view=view,
        count=election.result,
        chart=stage_chart(election.result) if election.result else "",
    )


# -- standing for election ---------------------------------------------------------------------


def _stand_page(
    db: Session,
    organisation: Organisation,
    election: Election,
    member: Member | None,
    *,
    status: int = 200,
    **extra: Any,
) -> Template:
    now = utcnow()
    ids = constituency_ids(db, election)
    qualifying = db.get(Constituency, ids[0]) if ids else None
    mine = nominations.nomination_of(db, election, member.id) if member and member.id else None
    form = extra.pop("form", None) or (
        {"surname": member.last_name, "other_names": member.first_name, "email": member.email or ""}
        if member
        else {}
    )
    return page(
        "election_stand.html",
        f"Stand for election: {election.title}",
        status=status,
        organisation=organisation,
        election=election,
        member=member,
        mine=mine,
        open_now=nominations.nominations_open(election, now),
        withdrawals_open=nominations.withdrawals_open(election, now),
        qualifying=qualifying,
        max_words=STATEMENT_MAX_WORDS,
        max_photo_kb=PHOTO_MAX_BYTES // 1000,
        form=form,
        **extra,
    )


@get(f"{ONE}/stand", include_in_schema=False, sync_to_thread=True)
def stand_page(db: Session, identity: Identity, slug: str, election_id: RowId) -> Template:
    organisation, election = _public(db, slug, election_id)
    return _stand_page(db, organisation, election, _member(identity, organisation))


def _checked(data: dict[str, Any], name: str) -> bool:
    return first_value(data, name) in {"yes", "on", "true", "1"}


def _photo(data: dict[str, Any]) -> bytes | None:
    """The uploaded photo, read no further than one byte past the limit (the check refuses it)."""
    upload = data.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = upload.file.read(PHOTO_MAX_BYTES + 1)
    return content or None


@post(f"{ONE}/stand", include_in_schema=False, sync_to_thread=True)
def stand_submit(
    db: Session, identity: Identity, state: State, *, slug: str, election_id: RowId, data: Multipart
) -> Response[Any]:
    return _nominate(
        db, identity, state, slug=slug, election_id=election_id, data=data, photo=_photo(data)
    )


def _nominate(
    db: Session,
    identity: Identity,
    state: State,
    *,
    slug: str,
    election_id: RowId,
    data: dict[str, Any],
    photo: bytes | None,
) -> Response[Any]:
    organisation, election = _public(db, slug, election_id)
    member = _member(identity, organisation)
    if member is None:
        return _stand_page(db, organisation, election, None, status=401)
    values: dict[str, Any] = {
        name: first_value(data, name, 5000)
        for name in ("surname", "other_names", "address", "telephone", "email", "interests")
    }
    values["statement"] = first_value(data, "statement", 20000)
    values.update(
        no_interests=_checked(data, "no_interests"),
        declared_eligible=_checked(data, "declared_eligible"),
        confirm=_checked(data, "confirm"),
    )
    form, errors = parse_form(NominationIn, values)
    if form is not None:
        try:
            nominations.nominate(
                db,
                organisation,
                election,
                member,
                form,
                photo=photo,
                base_url=state["settings"].base_url,
            )
        except Problem as error:
            db.rollback()
            errors = _nomination_errors(error)
        else:
            return redirect(f"/o/{slug}/elections/{election_id}/stand")
    return _stand_page(db, organisation, election, member, status=400, errors=errors, form=values)


MISSING_FIELDS = {
    "particulars-missing": ("surname", "Enter your names and address"),
    "interests-missing": (
        "interests",
        "Declare your interests, or tick that you have none (not both)",
    ),
    "eligibility-missing": ("declared_eligible", "Make the declaration of eligibility"),
    "confirmation-missing": ("confirm", "Confirm that the nomination is yours"),
}


def _nomination_errors(error: Problem) -> dict[str, str]:
    missing = problem_extra(error).get("missing")
    if missing:
        return dict(MISSING_FIELDS[slug] for slug in missing)
    return field_errors(error, "form")


@post(f"{ONE}/stand/withdraw", include_in_schema=False, sync_to_thread=True)
def withdraw_submit(
    db: Session, identity: Identity, state: State, slug: str, election_id: RowId
) -> Response[Any]:
    organisation, election = _public(db, slug, election_id)
    member = _member(identity, organisation)
    mine = nominations.nomination_of(db, election, member.id) if member and member.id else None
    if member is None or mine is None:
        raise NotFoundException()
    try:
        nominations.withdraw(
            db,
            organisation,
            election,
            mine,
            actor=f"member:{member.id}",
            base_url=state["settings"].base_url,
        )
    except Problem as error:
        db.rollback()
        return _stand_page(
            db,
            organisation,
            election,
            member,
            status=error.status_code,
            errors=field_errors(error, "form"),
        )
    return redirect(f"/o/{slug}/elections/{election_id}/stand")


def lifecycle_pages() -> list[Any]:
    return [
        *staff_lifecycle_pages(),
        election_list,
        election_page,
        declaration_page,
        stand_page,
        stand_submit,
        withdraw_submit,
    ]
