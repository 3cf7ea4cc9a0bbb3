"""The election lifecycle's pages in a real browser, with axe-core on each: scheduling with the
timetable shown, the dashboard, standing for election with a photo, the public page with the
candidates, and the declaration with its stage table and chart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from governance.auth import totp
from governance.db import utcnow
from governance.elections.ballot_box import cast
from governance.elections.models import Candidate, Channel, Election, Voter
from governance.elections.poll import unseal_credentials
from governance.elections.timetable import MER2014, Step, statutory_timetable
from governance.organisations.constitution import Role
from governance.security import Keys
from governance.workdays import ENGLAND_AND_WALES
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.elections.lifecycle_support import (
    enrol,
    make_trust,
    working_close_of_poll,
)
from tests.elections.poll_helpers import ELECTION_KEY
from tests.factories import (
    DEFAULT_PASSWORD,
    make_user,
    travel_to,
)

pytestmark = pytest.mark.browser

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/magic/[A-Za-z0-9_-]+)")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a90000000049454e44ae426082"
)


def sign_in_member(page: Page, server: LiveServer, email: str) -> None:
    page.goto("/o/riverside/member-sign-in")
    page.get_by_label(re.compile("Email", re.IGNORECASE)).fill(email)
    page.get_by_role("button", name=re.compile("link|sign in", re.IGNORECASE)).click()
    bodies = [str(m.get_payload(decode=False)) for m in server.sent_mail()]
    links = [found.group(1) for body in bodies for found in [LINK.search(body)] if found]
    page.goto(links[-1])
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    page.wait_for_url(re.compile("/o/riverside"))


def election_row(server: LiveServer) -> Election:
    with server.session() as db:
        found = db.exec(select(Election)).one()
        db.commit()
        return found


def vote_for(server: LiveServer, election_id: int, member_id: int, choices: list[int]) -> None:
    """Vote with the member's emailed credentials (read back from their sealed copy)."""
    keys = Keys(server.settings.secret_key)
    with server.session() as db:
        voter = db.exec(
            select(Voter).where(Voter.election_id == election_id, Voter.member_id == member_id)
        ).one()
        given = unseal_credentials(keys, election_id, voter.credentials_sealed or "")
        election = db.get(Election, election_id)
        assert election is not None
        cast(
            db,
            keys,
            election=election,
            voter_id=given.voter_id,
            code=given.code,
            choices=choices,
            channel=Channel.ONLINE,
            declaration_made=True,
        )


def test_an_election_from_the_schedule_form_to_the_declaration(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    people = [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper")]
    with live_server.session() as db:
        trust = make_trust(db)
        members = enrol(db, trust.org, trust.public, people)
        emails = [m.email or "" for m in members]
        member_ids = [m.id or 0 for m in members]
        public_name = trust.public.name
    officer_secret = make_officer(live_server)
    sign_in_officer(page, officer_secret)

    # Schedule, with a late date the returning officer accepts on the record.
    page.goto("/o/riverside/elections/new")
    assert_accessible(page)
    close = working_close_of_poll()
    late = statutory_timetable(close, ENGLAND_AND_WALES, MER2014)[Step.NOTICE_OF_POLL]
    late = ENGLAND_AND_WALES.add_working_days(late, 1)
    page.get_by_label("Title").fill("Election of public governors")
    page.get_by_label("Constituency or class").select_option(label=public_name)
    page.get_by_label("Number of seats").fill("1")
    page.get_by_label("Counting method").select_option("mer2014-stv")
    page.get_by_label("Close of poll").fill(close.isoformat())
    page.get_by_text("Choose earlier dates for other steps").click()
    page.get_by_label("Notice of poll (voting opens)").fill(late.isoformat())
    page.get_by_role("button", name="Check the timetable").click()
    expect(page.get_by_role("table", name="The timetable as it stands")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("Reason for accepting the late notice of poll")).fill(
        "The mail house needs the extra day"
    )
    page.get_by_role("button", name="Schedule the election").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Election of public governors")
    expect(page.get_by_text("The election is scheduled.")).to_be_visible()
    expect(page.get_by_text("Late, accepted: The mail house needs the extra day")).to_be_visible()
    assert_accessible(page)
    election = election_row(live_server)
    assert election.id is not None

    # The returning officer gives the public half of a key pair made on their own computer.
    page.get_by_label("Public key (starts GPK1-)").fill(ELECTION_KEY.public)
    page.get_by_role("button", name="Set the public key").click()
    expect(page.get_by_text("The election public key is set.")).to_be_visible()
    assert_accessible(page)

    # The notice: members stand, one with a photo; the first try shows the errors.
    travel_to(election.notice_at + timedelta(seconds=1))  # type: ignore[operator]
    live_server.run_jobs()
    for number, email in enumerate(emails):
        page.context.clear_cookies()
        sign_in_member(page, live_server, email)
        page.goto(f"/o/riverside/elections/{election.id}")
        page.get_by_role("link", name="Stand for election").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Stand for election")
        if number == 0:
            assert_accessible(page)
            page.get_by_role("button", name="Submit my nomination").click()
            expect(page.get_by_role("alert")).to_contain_text("There is a problem")
            assert_accessible(page)
            photo = tmp_path / "me.png"
            photo.write_bytes(PNG)
            page.get_by_label("Photo (optional)").set_input_files(str(photo))
        page.get_by_label("Home address").fill(f"{number + 1} High Street, Leeds")
        page.get_by_label("I have no interests to declare").check()
        page.get_by_label(re.compile("I am a member of")).check()
        page.get_by_label("Statement to voters").fill("I will listen.\nAnd report back.")
        page.get_by_label(re.compile("This is my nomination")).check()
        page.get_by_role("button", name="Submit my nomination").click()
        expect(page.get_by_text("Your nomination was received")).to_be_visible()
    assert_accessible(page)

    # The statement: the public page lists the candidates, with the photo.
    travel_to(election.statement_at + timedelta(seconds=1))  # type: ignore[operator]
    live_server.run_jobs()
    page.goto(f"/o/riverside/elections/{election.id}")
    expect(page.get_by_role("heading", name="Statement of nominated candidates")).to_be_visible()
    expect(page.get_by_role("img", name="Photo of Ann Archer")).to_be_visible()
    assert_accessible(page)

    # The poll, with three votes; then the count and the declaration on the dashboard.
    travel_to(election.poll_open_at + timedelta(seconds=1))  # type: ignore[operator]
    live_server.run_jobs()
    with live_server.session() as db:
        ids = [
            c.id or 0
            for c in db.exec(
                select(Candidate)
                .where(Candidate.election_id == election.id)
                .order_by(col(Candidate.ballot_position))
            ).all()
        ]
    for member_id, ranking in zip(member_ids, [[0, 1], [1, 0], [0, 2]], strict=True):
        vote_for(live_server, election.id, member_id, [ids[i] for i in ranking])
    travel_to(election.poll_close_at + timedelta(seconds=1))  # type: ignore[operator]
    live_server.run_jobs()
    page.context.clear_cookies()
    sign_in_officer(page, officer_secret)
    page.goto(f"/o/riverside/elections/{election.id}/manage")
    assert_accessible(page)
    page.get_by_label("The election private key").fill(ELECTION_KEY.private)
    page.get_by_label("Seed for any lot (optional)").fill("drawn in public")
    page.get_by_role("button", name="Count the votes").click()
    expect(page.get_by_text("The ballots are counted.")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Votes for each candidate"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Declare the result").click()
    expect(page.get_by_text("The result is declared")).to_be_visible()
    page.goto(f"/o/riverside/elections/{election.id}/declaration")
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaration of result")
    expect(page.get_by_role("table", name=re.compile("The count, stage by stage"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Votes for each candidate"))).to_be_visible()
    assert_accessible(page)


def make_officer(server: LiveServer) -> str:
    """A returning officer with an authenticator; returns the authenticator's secret."""
    secret = pyotp.random_base32()
    with server.session() as db:
        user = make_user(db, "ro@example.org", roles={"riverside": [Role.RETURNING_OFFICER]})
        user.totp_secret_enc = Keys(server.settings.secret_key).seal(secret, "totp")
        user.totp_enabled = True
        db.add(user)
        db.commit()
    return secret


def sign_in_officer(page: Page, secret: str) -> None:
    """Through the sign-in and code pages (again after the clock has moved past the session)."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("ro@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("Continue|Sign in")).click()
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(
        totp.code_at(secret, totp.time_step(utcnow()))
    )
    page.get_by_role("button", name=re.compile("Continue|Sign in|Confirm", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/o/riverside|/account"))
