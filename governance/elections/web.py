"""What the poll's pages and API handlers share: finding the election, who may see what, and
the ballot paper as the voter sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Response
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel import Session, col, select

from governance.auth.guards import require_role, roles_in
from governance.auth.middleware import Identity
from governance.auth.models import User
from governance.elections.ballot_box import ballot_candidates, voting_open
from governance.elections.ballot_form import Option, is_ranked
from governance.elections.models import Candidate, Election, ElectionStatus
from governance.elections.poll_notices import CLOSE_FORMAT
from governance.elections.postal import PackFile
from governance.members.models import Constituency
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.web.templating import localtime

# An election has voting pages once its roll can exist; before that its id leads nowhere.
HIDDEN_STATUSES = frozenset(
    {ElectionStatus.DRAFT, ElectionStatus.SCHEDULED, ElectionStatus.NOMINATIONS_OPEN}
)
NO_STORE = {"Cache-Control": "no-store"}
STAFF_ROLES = (Role.RETURNING_OFFICER, Role.SECRETARY)


def release(db: Session) -> None:
    """End a read-only transaction before the response is built.

    On SQLite every transaction takes the write lock (``BEGIN IMMEDIATE``); held until the
    request's session is closed, it would queue every other voter behind this response.
    """
    db.commit()


def election_of(db: Session, organisation: Organisation, election_id: int) -> Election:
    election = db.get(Election, election_id)
    if election is None or election.organisation_id != organisation.id:
        raise NotFoundException()
    return election


def public_election(db: Session, slug: str, election_id: int) -> tuple[Organisation, Election]:
    """The organisation and election for a voter's page; 404 unless it has reached the poll.

    One query, since every vote starts here.
    """
    found = db.exec(
        select(Organisation, Election)
        .join(Election, col(Election.organisation_id) == col(Organisation.id))
        .where(Organisation.slug == slug, Election.id == election_id)
    ).first()
    if found is None or found[1].status in HIDDEN_STATUSES:
        raise NotFoundException()
    return found[0], found[1]


def staff_election(
    db: Session, identity: Identity, slug: str, election_id: int, *, returning_officer: bool
) -> tuple[Organisation, Election, User]:
    """The election for a member of staff: secretaries and returning officers see turnout;
    only someone holding the returning officer role (not a platform admin as such) sees who
    has voted, enters votes or issues replacements. Anyone else gets 404."""
    organisation, user = require_role(db, identity, slug, STAFF_ROLES)
    assert organisation.id is not None
    held = roles_in(db, user, organisation.id)
    if returning_officer and Role.RETURNING_OFFICER not in held:
        raise NotFoundException()
    if not returning_officer and not held & set(STAFF_ROLES):
        raise NotFoundException()
    return organisation, election_of(db, organisation, election_id), user


def is_returning_officer(db: Session, user: User, organisation: Organisation) -> bool:
    assert organisation.id is not None
    return Role.RETURNING_OFFICER in roles_in(db, user, organisation.id)


def actor_of(user: User) -> str:
    return f"user:{user.id}"


@dataclass(frozen=True)
class BallotPaper:
    """Everything the rules say the voter must be shown, in the statement's order."""

    organisation: Organisation
    election: Election
    constituency: str
    candidates: list[Candidate]
    closes: str
    open_now: bool

    @property
    def ranked(self) -> bool:
        return is_ranked(self.election.method)

    @property
    def options(self) -> list[Option]:
        return [Option(c.id or 0, c.ballot_name) for c in self.candidates]

    def name_of(self, candidate_id: int) -> str:
        return next((c.ballot_name for c in self.candidates if c.id == candidate_id), "")

    def instructions(self) -> str:
        seats = self.election.seats
        if self.ranked:
            return (
                "Write 1 next to the candidate you like best, 2 next to your second choice, and "
                "so on. Number as many or as few candidates as you like; use each number once "
                f"and do not miss one out. {seats} {'seat is' if seats == 1 else 'seats are'} "
                "to be filled."
            )
        many = "1 candidate" if seats == 1 else f"up to {seats} candidates"
        return f"Tick the box next to each candidate you vote for. You can vote for {many}."

    def as_json(self) -> dict[str, Any]:
        election = self.election
        return {
            "organisation": self.organisation.name,
            "election": election.title,
            "constituency": self.constituency,
            "seats": election.seats,
            "method": election.method,
            "ranked": self.ranked,
            "instructions": self.instructions(),
            "closes_at": election.poll_close_at.isoformat() if election.poll_close_at else None,
            "open": self.open_now,
            "candidates": [
                {
                    "id": c.id,
                    "name": c.ballot_name,
                    "statement": c.statement,
                    "photo": photo_path(self.organisation, election, c) if c.photo else None,
                }
                for c in self.candidates
            ],
        }


def ballot_paper(
    db: Session, organisation: Organisation, election: Election, now: Any
) -> BallotPaper:
    assert election.id is not None
    constituency = ""
    if election.constituency_id is not None:
        found = db.get(Constituency, election.constituency_id)
        constituency = found.name if found else ""
    return BallotPaper(
        organisation=organisation,
        election=election,
        constituency=constituency,
        candidates=ballot_candidates(db, election.id),
        closes=closes_text(organisation, election),
        open_now=voting_open(election, now),
    )


def closes_text(organisation: Organisation, election: Election) -> str:
    when = localtime(election.poll_close_at, organisation.time_zone, CLOSE_FORMAT)
    return when.replace("AM", "am").replace("PM", "pm")


def photo_path(organisation: Organisation, election: Election, candidate: Candidate) -> str:
    return f"/o/{organisation.slug}/elections/{election.id}/candidates/{candidate.id}/photo"


def page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    """Render ``elections/<template>``, never cached; a page showing errors says so first."""
    errors = context.setdefault("errors", {})
    context["page_title"] = f"Error: {title}" if errors else title
    return Template(
        f"elections/{template}", context=context, status_code=status, headers=dict(NO_STORE)
    )


def pack_response(found: PackFile) -> Response[str]:
    """A postal pack as a CSV download, never cached."""
    return Response(
        found.content,
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{found.filename}"'},
    )


def first_value(data: dict[str, Any], name: str, limit: int = 200) -> str:
    """One form field as text (the first, if it was sent more than once), trimmed."""
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:limit]


def all_values(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
