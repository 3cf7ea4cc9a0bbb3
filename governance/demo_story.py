"""The demo's history: what happened in each organisation over the last months, put on the
demo's timeline, and what the demo prints so that each kind of user knows where to start.

Dates come from the statutory timetables and the working-day calendar, counted from whatever
the present instant is, so the demo builds the same story on a bank holiday, a weekend or
29 February.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance import demo_meetings
from governance.auth.models import User
from governance.db import utcnow
from governance.demo_elections import (
    Plan,
    credentials_of,
    election_key_file,
    notice_moment,
    run_election,
)
from governance.demo_timeline import Timeline
from governance.elections.models import Election, ElectionStatus
from governance.elections.poll_notices import vote_path
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.settings import Settings
from governance.workdays import ENGLAND_AND_WALES

LONDON = "Europe/London"
TRUST_SLUG, COOP_SLUG, MUTUAL_SLUG = "riverside-ft", "greenfield-coop", "together-mutual"
OPEN_POLL_TITLE = "Election of public governors: South"


def local_today(organisation: Organisation | None) -> date:
    zone = ZoneInfo(organisation.time_zone if organisation else LONDON)
    return utcnow().astimezone(zone).date()


@dataclass(frozen=True)
class StaffLogin:
    organisation: str
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class VoterLogin:
    """Credentials for a member who has not yet voted in the open poll."""

    organisation: str
    election_id: int
    election: str
    vote_path: str
    voter_id: str
    code: str
    member_email: str


@dataclass(frozen=True)
class Made:
    logins: list[StaffLogin]
    voter: VoterLogin | None
    key_file: Path | None = None
    """The open poll's election private key, which the returning officer brings to the count."""


def _plans(today: date) -> dict[str, list[Plan]]:
    cal = ENGLAND_AND_WALES
    return {
        TRUST_SLUG: [
            Plan(
                "Election of public governors: North",
                "NORTH",
                seats=3,
                method="mer2014-stv",
                close_of_poll=cal.working_days_before(today, 25),
                standing=7,
                turnout=0.6,
                declare=True,
            ),
            Plan(
                OPEN_POLL_TITLE,
                "SOUTH",
                seats=2,
                method="mer2014-stv",
                close_of_poll=cal.add_working_days(today, 5),
                standing=4,
                turnout=0.3,
            ),
            Plan(
                "Election of a staff governor: nursing and midwifery",
                "NURSING",
                seats=1,
                method="mer2014-stv",
                close_of_poll=cal.add_working_days(today, 10),
                standing=1,
            ),
        ],
        MUTUAL_SLUG: [
            Plan(
                "Election of directors",
                None,
                seats=2,
                method="fptp",
                close_of_poll=cal.working_days_before(today, 20),
                standing=4,
                turnout=0.55,
                declare=True,
            ),
        ],
    }


@dataclass
class Story:
    timeline: Timeline
    rng: random.Random
    elections: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.timeline.present.astimezone(ZoneInfo(LONDON)).date()

    def start(self) -> datetime:
        """The moment the history starts: before the first notice of anything in it."""
        notices = [
            notice_moment(slug == TRUST_SLUG, plan.close_of_poll, LONDON)
            for slug, plans in _plans(self.today).items()
            for plan in plans
        ]
        return min(notices) - timedelta(days=3)

    def begin(self, orgs: dict[str, Organisation], accounts: dict[str, User]) -> None:
        """Called at the start moment, once the organisations and staff exist."""
        officer = accounts["returning.officer@example.org"]
        secretaries = {
            TRUST_SLUG: accounts["secretary@riverside.example.org"],
            MUTUAL_SLUG: accounts["secretary@together.example.org"],
            COOP_SLUG: accounts["secretary@greenfield.example.org"],
        }
        for slug, plans in _plans(self.today).items():
            for plan in plans:
                election_id = run_election(
                    self.timeline,
                    orgs[slug],
                    plan,
                    secretary=secretaries[slug],
                    officer=officer,
                    rng=self.rng,
                )
                self.elections[plan.title] = election_id
        trust, coop = orgs[TRUST_SLUG], orgs[COOP_SLUG]
        demo_meetings.trust_meetings(self.timeline, trust, secretaries[TRUST_SLUG], self.rng)
        demo_meetings.coop_agm(self.timeline, coop, secretaries[COOP_SLUG], self.rng)
        demo_meetings.forward_plan(
            self.timeline,
            trust,
            secretaries[TRUST_SLUG],
            accounts["governor@riverside.example.org"],
        )


def open_poll_voter(engine: Engine, settings: Settings) -> VoterLogin | None:
    """The first member on the open poll's roll who has not voted, with their credentials."""
    timeline = Timeline(engine, settings)
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == TRUST_SLUG)).first()
        if org is None:
            return None
        election = session.exec(
            select(Election).where(
                Election.organisation_id == org.id,
                Election.title == OPEN_POLL_TITLE,
                Election.status == ElectionStatus.POLLING,
            )
        ).first()
        if election is None or election.id is None:
            return None
        given = credentials_of(timeline, session, election.id)
        if not given:
            return None
        member_id = min(given)
        member = session.get(Member, member_id)
        return VoterLogin(
            organisation=org.slug,
            election_id=election.id,
            election=election.title,
            vote_path=vote_path(org, election),
            voter_id=given[member_id].voter_id,
            code=given[member_id].code,
            member_email=member.email or "" if member else "",
        )


def made_from(engine: Engine, settings: Settings, logins: list[StaffLogin]) -> Made:
    voter = open_poll_voter(engine, settings)
    key_file = election_key_file(settings, voter.election_id) if voter else None
    return Made(logins=logins, voter=voter, key_file=key_file)


def start_here(made: Made, base_url: str) -> list[str]:
    """What the demo prints: where members, staff and the public start, as full links."""
    base = base_url.rstrip("/")
    lines = ["Start here", "==========", ""]
    voter = made.voter
    lines.append("As a member (no account needed to vote):")
    if voter is not None:
        lines += [
            f"  Vote now in the {voter.election}: {base}{voter.vote_path}",
            f"    voter ID {voter.voter_id}   security code {voter.code}",
            f"  Member sign-in (the link is e-mailed to {voter.member_email}):",
            f"    {base}/o/{voter.organisation}/member-sign-in",
        ]
    else:
        lines += [
            "  No demo poll is open now (it has closed since the demo was built); build a fresh",
            "  demo in an empty data directory (GOVERNANCE_DATA_DIR) to vote in one.",
        ]
    lines += [
        f"  Riverside's start page, with meetings and votes open to members: {base}/o/{TRUST_SLUG}",
        f"  The co-operative: {base}/o/{COOP_SLUG}   the mutual: {base}/o/{MUTUAL_SLUG}",
        "  (without SMTP settings, e-mails are written as .eml files under the data",
        "  directory's mail/ folder; open the newest to follow its link)",
        "",
        "As a secretary or returning officer: sign in at " + f"{base}/sign-in",
        "  Staff first set up two-factor sign-in: scan the QR code shown after the password",
        "  with an authenticator app (or type its secret into one), then enter its code.",
        "  Passwords are new on each run:",
        "",
    ]
    for login in made.logins:
        lines.append(
            f"  {login.role:<20} {login.organisation:<16} {login.email:<36} {login.password}"
        )
    if made.key_file is not None:
        lines += [
            "",
            "  Ballots are sealed to an election key; the service keeps only its public half.",
            "  To count the open poll after it closes, the returning officer pastes the private",
            f"  key from {made.key_file}",
        ]
    lines += [
        "",
        "As the public:",
        f"  Elections and results: {base}/o/{TRUST_SLUG}/elections",
        "  Transparency (forward plan, key decisions, questions):",
        f"    {base}/o/{TRUST_SLUG}/transparency",
        f"  Meetings and minutes: {base}/o/{TRUST_SLUG}/meetings",
        "",
    ]
    return lines
