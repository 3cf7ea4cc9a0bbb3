"""The returning officer's poll pages: turnout and refusals, entering returned papers and
telephone votes, late papers, replacements, the "has this member voted?" look-up, and the
postal pack. Secretaries see turnout only.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from sqlmodel import Session, select

from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.auth.tenancy import organisation_guard
from governance.db import utcnow
from governance.elections import postal, turnout, voting
from governance.elections.ballot_box import REJECTION_REASONS, VoteRefused
from governance.elections.models import Channel, Delivery, Election
from governance.elections.pages import read_ballot
from governance.elections.poll import (
    REPLACEMENT_REASONS,
    PollError,
    issue_replacement,
    replacement_list,
    standing_of,
)
from governance.elections.web import (
    STAFF_ROLES,
    actor_of,
    ballot_paper,
    first_value,
    is_returning_officer,
    pack_response,
    page,
    staff_election,
)
from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
BASE = "/o/{slug:str}/elections/{election_id:int}/poll"
STAFF = [organisation_guard(STAFF_ROLES)]
RETURNING_OFFICER = [organisation_guard([Role.RETURNING_OFFICER])]
CHANNEL_LABELS = {
    Channel.POSTAL: "Postal ballot paper",
    Channel.TELEPHONE: "Telephone vote",
    Channel.PAPER: "Paper ballot handed in",
}


def _context(organisation: Organisation, election: Election, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "election": election,
        "base": f"/o/{organisation.slug}/elections/{election.id}",
        **extra,
    }


def _officer(
    db: Session, identity: Identity, slug: str, election_id: int
) -> tuple[Organisation, Election, User]:
    return staff_election(db, identity, slug, election_id, returning_officer=True)


def _find_member(db: Session, organisation: Organisation, reference: str) -> Member | None:
    return db.exec(
        select(Member).where(
            Member.organisation_id == organisation.id, Member.reference == reference
        )
    ).first()


@get(BASE, guards=STAFF, include_in_schema=False, sync_to_thread=True)
def dashboard(db: Session, identity: Identity, slug: str, election_id: int) -> Template:
    organisation, election, user = staff_election(
        db, identity, slug, election_id, returning_officer=False
    )
    officer = is_returning_officer(db, user, organisation)
    packs = [p for p in postal.packs_for(db, election) if p.content_sealed] if officer else []
    return page(
        "poll_dashboard.html",
        f"The poll: {election.title}",
        **_context(
            organisation,
            election,
            figures=turnout.turnout(db, election),
            officer=officer,
            refusals=turnout.refusal_counts(db, election) if officer else {},
            packs=packs,
        ),
    )


def _entry_channels(election: Election) -> list[tuple[str, str]]:
    return [(c.value, CHANNEL_LABELS[c]) for c in CHANNEL_LABELS if c.value in election.channels]


def _entry_page(
    db: Session, organisation: Organisation, election: Election, **extra: Any
) -> Template:
    extra.setdefault("marks", {})
    extra.setdefault("form", {})
    return page(
        "poll_enter.html",
        "Enter a vote",
        **_context(
            organisation,
            election,
            paper=ballot_paper(db, organisation, election, utcnow()),
            channels=_entry_channels(election),
            rejections=REJECTION_REASONS,
            **extra,
        ),
    )


@get(f"{BASE}/enter", guards=RETURNING_OFFICER, include_in_schema=False, sync_to_thread=True)
def enter_page(db: Session, identity: Identity, slug: str, election_id: int) -> Template:
    organisation, election, _user = _officer(db, identity, slug, election_id)
    return _entry_page(db, organisation, election)


@post(
    f"{BASE}/enter",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
    status_code=200,
)
def enter_submit(
    db: Session, identity: Identity, state: State, *, slug: str, election_id: int, data: Form
) -> Template:
    organisation, election, user = _officer(db, identity, slug, election_id)
    form = {k: first_value(data, k, 40) for k in ("channel", "voter_id", "code", "rejected")}
    paper = ballot_paper(db, organisation, election, utcnow())
    entry = read_ballot(paper, data)
    errors: dict[str, str] = {}
    if form["channel"] not in dict(_entry_channels(election)):
        errors["channel"] = "Choose how the vote was made"
    if not form["voter_id"]:
        errors["voter_id"] = "Enter the voter ID"
    if not form["code"]:
        errors["code"] = "Enter the security code"
    if form["rejected"] and form["rejected"] not in REJECTION_REASONS:
        errors["rejected"] = "Choose a reason from the list"
    if not form["rejected"]:
        errors.update(entry.errors)
    if errors:
        return _entry_page(db, organisation, election, errors=errors, form=form, marks=entry.marks)
    try:
        cast = voting.enter_staff_vote(
            db,
            state.engine,
            state["keys"],
            election,
            channel=Channel(form["channel"]),
            voter_id=form["voter_id"],
            code=form["code"],
            choices=[] if form["rejected"] else entry.choices,
            declaration=first_value(data, "declaration") == "yes",
            rejected=form["rejected"] or None,
            actor=actor_of(user),
        )
    except VoteRefused as refused:
        field = "declaration" if refused.reason == "declaration-missing" else "voter_id"
        return _entry_page(
            db,
            organisation,
            election,
            errors={field: refused.message},
            form=form,
            marks=entry.marks,
        )
    return page(
        "poll_entered.html",
        "Vote recorded",
        **_context(organisation, election, receipt=cast.receipt, channel=form["channel"]),
    )


@get(f"{BASE}/late", guards=RETURNING_OFFICER, include_in_schema=False, sync_to_thread=True)
def late_page(db: Session, identity: Identity, slug: str, election_id: int) -> Template:
    organisation, election, _user = _officer(db, identity, slug, election_id)
    return _late(db, organisation, election)


def _late(db: Session, organisation: Organisation, election: Election, **extra: Any) -> Template:
    extra.setdefault("marks", {})
    extra.setdefault("form", {})
    return page(
        "poll_late.html",
        "Record a late postal paper",
        **_context(
            organisation,
            election,
            paper=ballot_paper(db, organisation, election, utcnow()),
            **extra,
        ),
    )


@post(
    f"{BASE}/late",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
    status_code=200,
)
def late_submit(
    db: Session, identity: Identity, state: State, *, slug: str, election_id: int, data: Form
) -> Template:
    organisation, election, user = _officer(db, identity, slug, election_id)
    form = {k: first_value(data, k, 40) for k in ("voter_id", "code")}
    entry = read_ballot(ballot_paper(db, organisation, election, utcnow()), data)
    errors = {k: f"Enter the {k.replace('_', ' ')}" for k, v in form.items() if not v}
    if errors:
        return _late(db, organisation, election, errors=errors, form=form, marks=entry.marks)
    try:
        voting.enter_late_paper(
            db,
            state.engine,
            state["keys"],
            election,
            voter_id=form["voter_id"],
            code=form["code"],
            choices=entry.choices,
            actor=actor_of(user),
        )
    except VoteRefused as refused:
        return _late(
            db,
            organisation,
            election,
            errors={"voter_id": refused.message},
            form=form,
            marks=entry.marks,
        )
    notice = [{"kind": "success", "text": "The late paper is recorded. It will not be counted."}]
    return _late(db, organisation, election, flash_messages=notice)


def _replacements(
    db: Session, organisation: Organisation, election: Election, **extra: Any
) -> Template:
    extra.setdefault("form", {})
    return page(
        "poll_replacements.html",
        "Replacement voting information",
        **_context(
            organisation,
            election,
            lines=replacement_list(db, election),
            reasons=REPLACEMENT_REASONS,
            **extra,
        ),
    )


@get(
    f"{BASE}/replacements",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
)
def replacements_page(db: Session, identity: Identity, slug: str, election_id: int) -> Template:
    organisation, election, _user = _officer(db, identity, slug, election_id)
    return _replacements(db, organisation, election)


@post(
    f"{BASE}/replacements",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
    status_code=200,
)
def replacements_submit(
    db: Session, identity: Identity, state: State, *, slug: str, election_id: int, data: Form
) -> Template:
    organisation, election, user = _officer(db, identity, slug, election_id)
    form = {k: first_value(data, k, 64) for k in ("member_reference", "reason", "delivery")}
    errors: dict[str, str] = {}
    member = _find_member(db, organisation, form["member_reference"])
    if member is None:
        errors["member_reference"] = "Enter the member number of a member of this organisation"
    if form["reason"] not in REPLACEMENT_REASONS:
        errors["reason"] = "Choose why replacement voting information is needed"
    if form["delivery"] not in {d.value for d in Delivery}:
        errors["delivery"] = "Choose how to send it"
    if errors or member is None:
        return _replacements(db, organisation, election, errors=errors, form=form)
    try:
        issued = issue_replacement(
            db,
            state["keys"],
            election,
            member,
            reason=form["reason"],
            actor=actor_of(user),
            delivery=Delivery(form["delivery"]),
            base_url=state.settings.base_url,
        )
    except PollError as error:
        field = "delivery" if error.slug == "no-email" else "member_reference"
        return _replacements(db, organisation, election, errors={field: error.message}, form=form)
    if issued.delivery == Delivery.POST:
        return page(
            "poll_replacement_posted.html",
            "Replacement voting information",
            **_context(organisation, election, member=member, credentials=issued.credentials),
        )
    notice = f"Replacement voting information was emailed to {member.display_name}."
    return _replacements(
        db, organisation, election, flash_messages=[{"kind": "success", "text": notice}]
    )


@get(f"{BASE}/lookup", guards=RETURNING_OFFICER, include_in_schema=False, sync_to_thread=True)
def lookup_page(db: Session, identity: Identity, slug: str, election_id: int) -> Template:
    organisation, election, _user = _officer(db, identity, slug, election_id)
    return page("poll_lookup.html", "Has a member voted?", **_context(organisation, election))


@post(
    f"{BASE}/lookup",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
    status_code=200,
)
def lookup_submit(
    db: Session, identity: Identity, *, slug: str, election_id: int, data: Form
) -> Template:
    organisation, election, user = _officer(db, identity, slug, election_id)
    reference = first_value(data, "member_reference", 64)
    member = _find_member(db, organisation, reference) if reference else None
    if member is None:
        errors = {"member_reference": "Enter the member number of a member of this organisation"}
        return page(
            "poll_lookup.html",
            "Has a member voted?",
            **_context(organisation, election, errors=errors, reference=reference),
        )
    standing = standing_of(db, election, member, actor_of(user))
    return page(
        "poll_lookup.html",
        "Has a member voted?",
        **_context(organisation, election, member=member, standing=standing, reference=reference),
    )


@post(
    f"{BASE}/postal-packs/{{pack_id:int}}/download",
    guards=RETURNING_OFFICER,
    include_in_schema=False,
    sync_to_thread=True,
    status_code=200,
)
def pack_download(
    db: Session, identity: Identity, state: State, *, slug: str, election_id: int, pack_id: int
) -> Response[Any]:
    organisation, election, user = _officer(db, identity, slug, election_id)
    found = postal.download(db, state["keys"], election, pack_id, actor_of(user))
    if found is None:
        return page(
            "poll_gone.html",
            "Postal pack not available",
            **_context(organisation, election),
            status=404,
        )
    return pack_response(found)


def staff_pages() -> list[Any]:
    return [
        dashboard,
        enter_page,
        enter_submit,
        late_page,
        late_submit,
        replacements_page,
        replacements_submit,
        lookup_page,
        lookup_submit,
        pack_download,
    ]
