"""The demo builds a living organisation through the services, and everything it points a
newcomer at works through the real pages and API.

The demo is built once per test module (a few seconds) on a fresh database; the build is also
run at awkward instants (29 February, a Friday evening before a bank holiday, the night the
clocks go back), and the command is run as an operator runs it.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from governance.accountability.models import KeyDecision, UpdateRequest
from governance.auth import passwords
from governance.auth.models import RoleAssignment, User
from governance.db import Clock, utcnow
from governance.demo import Made, build, link_base, start_here
from governance.elections.counting.blt import parse_blt
from governance.elections.counting.registry import METHODS
from governance.elections.election_key import private_key_from_text, public_of
from governance.elections.models import Election, ElectionStatus
from governance.mail import OutboxMessage
from governance.meetings.models import Meeting
from governance.meetings.motion_models import Motion, MotionVoter, Proxy
from governance.meetings.motion_votes import my_votes
from governance.members.models import Constituency, Member, MembershipPeriod
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.conftest import Client
from tests.factories import make_org, member_client, subprocess_env, travel_to

MEMBERS = 60
AWKWARD = [
    datetime(2028, 2, 29, 18, 0, tzinfo=UTC),  # a leap day, in the evening
    datetime(2027, 8, 27, 18, 30, tzinfo=UTC),  # a Friday evening before the August bank holiday
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the night the clocks go back
]


@pytest.fixture(autouse=True)
def keep_clock() -> object:
    before = Clock.offset
    yield
    Clock.offset = before


def elections_of(db: Session, slug: str) -> dict[str, Election]:
    org = db.exec(select(Organisation).where(Organisation.slug == slug)).one()
    found = db.exec(select(Election).where(Election.organisation_id == org.id)).all()
    db.commit()
    return {e.title: e for e in found}


def test_the_demo_lives_and_everything_it_points_at_works(
    engine: Engine, settings: Settings, make_client: Callable[[], Client], db: Session
) -> None:
    before = utcnow()
    made = build(engine, settings, members=MEMBERS)
    # The clock is back where it was (give or take the time the build took).
    assert before <= utcnow() <= before + timedelta(minutes=5)

    with Session(engine) as session:
        slugs = set(session.exec(select(Organisation.slug)).all())
    assert slugs == {"riverside-ft", "greenfield-coop", "together-mutual"}

    trust = elections_of(db, "riverside-ft")
    declared = trust["Election of public governors: North"]
    assert declared.status == ElectionStatus.DECLARED
    public = make_client()
    page = public.get(f"/o/riverside-ft/elections/{declared.id}/declaration")
    assert page.status_code == 200
    assert "The count, stage by stage" in page.text and "<svg" in page.text
    stages = re.findall(r'<th scope="col" class="number">Stage (\d+)', page.text)
    assert stages and stages == [str(n) for n in range(1, len(stages) + 1)]
    blt = public.get(f"/api/orgs/riverside-ft/elections/{declared.id}/results/ballots.blt")
    assert blt.status_code == 200
    recount = METHODS[declared.method].count(parse_blt(blt.text), declared.seed)
    results = public.get(f"/api/orgs/riverside-ft/elections/{declared.id}/results").json()
    assert len(results["declaration"]["elected"]) == declared.seats == len(recount.elected)

    uncontested = trust["Election of a staff governor: nursing and midwifery"]
    assert uncontested.status == ElectionStatus.UNCONTESTED
    shown = public.get(f"/o/riverside-ft/elections/{uncontested.id}/declaration")
    assert shown.status_code == 200 and "Nobody was elected" not in shown.text

    # The printed credentials vote in the open poll, through the poll's API.
    voter = made.voter
    assert voter is not None
    opened = trust[voter.election]
    assert opened.status == ElectionStatus.POLLING
    lines = "\n".join(start_here(made, settings.base_url))
    assert f"{settings.base_url}{voter.vote_path}" in lines
    assert voter.voter_id in lines and voter.code in lines
    browser = make_client()
    paper = browser.get(f"/api/orgs/riverside-ft/elections/{opened.id}/ballot").json()
    first = paper["candidates"][0]["id"]
    cast = browser.post(
        f"/api/orgs/riverside-ft/elections/{opened.id}/ballots",
        json={
            "voter_id": voter.voter_id,
            "code": voter.code,
            "choices": [first],
            "declaration": True,
        },
        headers={"X-CSRF-Token": paper["csrf_token"]},
    )
    assert cast.status_code == 201, cast.text
    assert browser.get(f"/o/riverside-ft/elections/{opened.id}/vote").status_code == 200

    # The service holds the open poll's public key only; the returning officer's file (printed
    # for them) holds the private half, readable by its owner alone.
    assert made.key_file is not None and str(made.key_file) in lines
    assert stat.S_IMODE(made.key_file.stat().st_mode) == 0o600
    private = private_key_from_text(made.key_file.read_text())
    assert public_of(private) == opened.ballot_public_key
    with Session(engine) as session:
        stored = [row.model_dump(mode="json") for row in session.exec(select(Election))]
    assert stored and private not in json.dumps(stored)

    # The poll card e-mailed to that member links to the port the service is reached on.
    with Session(engine) as session:
        cards = session.exec(
            select(OutboxMessage).where(OutboxMessage.to_address == voter.member_email)
        ).all()
    assert any(f"{settings.base_url}{voter.vote_path}" in m.body_text for m in cards)

    # The mutual: its register's three classes, and its board election declared.
    with Session(engine) as session:
        mutual = session.exec(
            select(Organisation).where(Organisation.slug == "together-mutual")
        ).one()
        classes = session.exec(
            select(Constituency).where(Constituency.organisation_id == mutual.id)
        ).all()
        assert {c.category for c in classes} == {
            "direct_payments",
            "unpaid_carer",
            "personal_assistant",
        }
        for c in classes:
            counted = session.exec(
                select(func.count())
                .select_from(MembershipPeriod)
                .where(MembershipPeriod.constituency_id == c.id)
            ).one()
            assert counted > 0, c.code
    board = elections_of(db, "together-mutual")["Election of directors"]
    assert board.status == ElectionStatus.DECLARED
    assert public.get(f"/o/together-mutual/elections/{board.id}/declaration").status_code == 200
    register = public.get("/o/together-mutual/membership")
    assert register.status_code == 200
    assert "Personal assistants" in register.text and "Unpaid carers" in register.text

    check_meetings(engine, db, make_client)
    check_accountability(engine, db, make_client)
    check_the_advance_vote_is_reachable(engine, db, make_client)

    # Staff sign in with the printed passwords; running again keeps the data, new passwords.
    with Session(engine) as session:
        for login in made.logins:
            user = session.exec(select(User).where(User.email == login.email)).one()
            assert passwords.verify_password(user.password_hash, login.password)[0]
        members = session.exec(select(func.count()).select_from(Member)).one()
        roles = session.exec(select(func.count()).select_from(RoleAssignment)).one()
    again = build(engine, settings, members=MEMBERS)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == members
        assert session.exec(select(func.count()).select_from(RoleAssignment)).one() == roles
    assert {x.email for x in again.logins} == {x.email for x in made.logins}
    assert {x.password for x in again.logins}.isdisjoint({x.password for x in made.logins})


def org_id(db: Session, slug: str) -> int:
    found = db.exec(select(Organisation).where(Organisation.slug == slug)).one()
    db.commit()
    assert found.id is not None
    return found.id


def meetings_of(db: Session, slug: str) -> dict[str, Meeting]:
    found = db.exec(select(Meeting).where(Meeting.organisation_id == org_id(db, slug))).all()
    db.commit()
    return {m.title: m for m in found}


def motion_on(db: Session, meeting: Meeting) -> Motion:
    found = db.exec(select(Motion).where(Motion.meeting_id == meeting.id)).one()
    db.commit()
    return found


def check_meetings(engine: Engine, db: Session, make_client: Callable[[], Client]) -> None:
    public = make_client()
    trust = meetings_of(db, "riverside-ft")
    council = trust["Council of governors"]
    page = public.get(f"/o/riverside-ft/meetings/{council.id}")
    assert page.status_code == 200
    assert "<h2>Minutes</h2>" in page.text and "voted on it with the board" in page.text

    # The amendment needed a majority of the governors and of the directors: both are shown.
    amendment = motion_on(db, council)
    result = public.get(f"/api/orgs/riverside-ft/motions/{amendment.id}/result").json()
    assert result["passed"] is True
    bodies = {check["body"]: check for check in result["decision"]["checks"]}
    assert set(bodies) == {"governors", "directors"}
    assert all(check["for"] > check["against"] for check in bodies.values())
    shown = public.get(f"/o/riverside-ft/motions/{amendment.id}/result").text
    assert "<h2>The governors</h2>" in shown and "<h2>The directors</h2>" in shown
    assert shown.count('<tr><th scope="row">Met</th><td>Yes') == 2

    # The co-op's AGM: a special resolution carried with proxies counted.
    agm = meetings_of(db, "greenfield-coop")["Annual general meeting"]
    special = motion_on(db, agm)
    assert special.kind == "special_resolution"
    result = public.get(f"/api/orgs/greenfield-coop/motions/{special.id}/result").json()
    assert result["passed"] is True
    with Session(engine) as session:
        held = session.exec(
            select(func.count()).select_from(Proxy).where(Proxy.meeting_id == agm.id)
        ).one()
        channels = set(
            session.exec(select(MotionVoter.channel).where(MotionVoter.motion_id == special.id))
        )
    assert held == 5
    assert {"online", "in_meeting", "proxy"} <= {str(c) for c in channels}
    page = public.get(f"/o/greenfield-coop/motions/{special.id}/result")
    assert page.status_code == 200
    assert "<h2>The members</h2>" in page.text and "Met</th><td>Yes" in page.text


def check_accountability(engine: Engine, db: Session, make_client: Callable[[], Client]) -> None:
    public = make_client()
    trust_id = org_id(db, "riverside-ft")
    with Session(engine) as session:
        decisions = session.exec(
            select(KeyDecision).where(KeyDecision.organisation_id == trust_id)
        ).all()
        asked = session.exec(
            select(UpdateRequest).where(UpdateRequest.organisation_id == trust_id)
        ).all()
    today = utcnow().date()
    inside = [d for d in decisions if (d.decision_date - today).days <= 28]
    outside = [d for d in decisions if (d.decision_date - today).days > 28]
    assert inside and outside
    assert all(d.decision_date > today and d.forward_plan_id for d in decisions)
    upcoming = public.get("/o/riverside-ft/transparency/upcoming").text
    for decision in decisions:
        assert decision.title in upcoming
    states = {
        "answered" if r.status == "answered" else ("overdue" if r.due_on < today else "open")
        for r in asked
    }
    assert states == {"answered", "open", "overdue"}
    assert public.get("/o/riverside-ft/transparency").status_code == 200


def check_the_advance_vote_is_reachable(
    engine: Engine, db: Session, make_client: Callable[[], Client]
) -> None:
    """A member follows links, from the start page and from the notice e-mailed to them, to
    the vote before the annual members' meeting, and casts it."""
    annual = meetings_of(db, "riverside-ft")["Annual members' meeting"]
    motion = motion_on(db, annual)
    with Session(engine) as session:
        member = session.exec(
            select(Member)
            .where(Member.organisation_id == annual.organisation_id)
            .where(col(Member.email).is_not(None))
            .order_by(col(Member.id).desc())
        ).first()
        assert member is not None and member.email
        notice = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == member.email)
            .where(OutboxMessage.purpose == f"meeting:{annual.id}")
        ).one()
    browser = member_client(make_client, engine, member)

    def links(path: str) -> list[str]:
        response = browser.get(path)
        assert response.status_code == 200, path
        return re.findall(r'href="(/o/riverside-ft/[^"#?]*)"', response.text)

    meetings_link = next(x for x in links("/o/riverside-ft") if x.endswith("/meetings"))
    meeting_page = f"/o/riverside-ft/meetings/{annual.id}"
    assert meeting_page in links(meetings_link)
    emailed = re.search(r"https?://\S+(/o/riverside-ft/meetings/\d+)", notice.body_text)
    assert emailed and emailed.group(1) == meeting_page
    vote_list = next(x for x in links(meeting_page) if x.endswith("/vote"))
    vote_page = next(x for x in links(vote_list) if x.endswith(f"/motions/{motion.id}/vote"))
    browser.get(vote_page)
    cast = browser.form(vote_page, {"choice": "for"})
    assert cast.status_code == 200, cast.text
    with Session(engine) as session:
        assert my_votes(session, [motion.id or 0], member.id or 0) == {motion.id: "online"}


@pytest.mark.parametrize("moment", AWKWARD, ids=lambda m: m.isoformat())
def test_the_demo_builds_at_awkward_instants(
    engine: Engine, settings: Settings, db: Session, moment: datetime
) -> None:
    travel_to(moment)
    made: Made = build(engine, settings, members=30)
    assert abs(utcnow() - moment) < timedelta(minutes=5)
    trust = elections_of(db, "riverside-ft")
    statuses = {e.title: e.status for e in trust.values()}
    assert statuses == {
        "Election of public governors: North": ElectionStatus.DECLARED,
        "Election of public governors: South": ElectionStatus.POLLING,
        "Election of a staff governor: nursing and midwifery": ElectionStatus.UNCONTESTED,
    }
    opened = trust["Election of public governors: South"]
    assert opened.poll_open_at is not None and opened.poll_close_at is not None
    assert opened.poll_open_at <= utcnow() < opened.poll_close_at
    assert made.voter is not None


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 8001, "http://[::1]:8001"),
        ("localhost", 8080, "http://localhost:8080"),
    ],
)
def test_links_use_the_host_and_port_served(host: str, port: int, expected: str) -> None:
    assert link_base(host, port) == expected


def test_the_demo_command_prints_links_to_the_port_it_serves(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVERNANCE_")}
    # The command builds its history from the test's pinned instant, not the machine's date.
    env = subprocess_env(
        env,
        GOVERNANCE_DATA_DIR=str(tmp_path),
        GOVERNANCE_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}",
        GOVERNANCE_SECRET_KEY="s" * 48,
    )
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("governance")),
            "demo",
            "--no-serve",
            "--port",
            "8765",
            "--members",
            "30",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Start here" in out
    links = re.findall(r"https?://[^\s]+", out)
    assert links and all(link.startswith("http://127.0.0.1:8765/") for link in links)
    assert re.search(r"voter ID [0-9A-Z-]+\s+security code \S+", out)
    assert "http://127.0.0.1:8765/sign-in" in out
    mail = list((tmp_path / "mail").glob("*.eml"))
    assert mail
    texts = [p.read_text(errors="replace") for p in mail]
    assert any("http://127.0.0.1:8765/o/riverside-ft/" in t for t in texts)
    assert not any(":8000/" in t for t in texts)


def test_without_an_open_poll_the_demo_says_how_to_get_one() -> None:
    lines = "\n".join(start_here(Made(logins=[], voter=None), "http://127.0.0.1:8123"))
    assert "voter ID" not in lines
    assert "No demo poll is open now" in lines
    assert "http://127.0.0.1:8123/sign-in" in lines


def test_an_earlier_demo_without_history_is_not_built_upon(
    engine: Engine, settings: Settings, db: Session
) -> None:
    make_org(db, "riverside-ft")
    with pytest.raises(ValueError, match="earlier demo without its history"):
        build(engine, settings, members=MEMBERS)
    with pytest.raises(ValueError, match="at least 30 members"):
        build(engine, settings, members=10)
