"""Seeding and signing in for the register's browser tests."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Page

from governance.auth import totp
from governance.auth.models import User
from governance.db import utcnow
from governance.members import configuration
from governance.members.schemas import AreaIn, ConstituencyIn
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from governance.security import Keys
from tests.browser.conftest import LiveServer
from tests.factories import DEFAULT_PASSWORD, make_org, make_user

MAX_TABS = 80
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/magic/[A-Za-z0-9_-]+)")


def trust(server: LiveServer) -> Organisation:
    """Riverside NHS FT with North and South (three wards), staff and patients."""
    with server.session() as db:
        org = make_org(db, "riverside", name="Riverside NHS FT")
        for code, name, kind, parent in [
            ("NORTH", "North", "public", None),
            ("SOUTH", "South", "public", None),
            ("STAFF", "Staff", "staff", None),
            ("NURSES", "Nursing staff", "staff_class", "STAFF"),
            ("PATIENTS", "Patients and carers", "patient_carer", None),
        ]:
            data = ConstituencyIn(code=code, name=name, kind=kind, parent=parent)  # type: ignore[arg-type]
            configuration.add_constituency(db, org, data, actor="test")
        configuration.save_areas(
            db,
            org,
            [
                AreaIn(
                    code="E05000001", name="Abbey", constituency="NORTH", postcode_prefixes="LS1"
                ),
                AreaIn(code="E05000002", name="Bridge", constituency="NORTH"),
                AreaIn(
                    code="E05000003", name="Castle", constituency="SOUTH", postcode_prefixes="LS6"
                ),
            ],
            actor="test",
        )
        return org


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def sign_in_secretary(page: Page, server: LiveServer, org: Organisation) -> User:
    """A secretary of ``org`` with an authenticator, signed in through the sign-in and code
    pages (the secret is sealed under the test server's own key)."""
    secret = pyotp.random_base32()
    with server.session() as db:
        user = make_user(db, "secretary@example.org", roles={org.slug: [Role.SECRETARY]})
        user.totp_secret_enc = Keys(server.settings.secret_key).seal(secret, "totp")
        user.totp_enabled = True
        db.add(user)
        db.commit()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("Continue|Sign in")).click()
    code = totp.code_at(secret, totp.time_step(utcnow()))
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(code)
    page.get_by_role("button", name=re.compile("Continue|Sign in|Confirm", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/o/riverside|/account"))
    return user


def sign_in_member(page: Page, server: LiveServer, org: Organisation, email: str) -> None:
    """Sign in as the member with ``email`` through the emailed link."""
    page.goto(f"/o/{org.slug}/member-sign-in")
    page.get_by_label(re.compile("Email", re.IGNORECASE)).fill(email)
    page.get_by_role("button", name=re.compile("link|sign in", re.IGNORECASE)).click()
    bodies = [str(m.get_payload(decode=False)) for m in server.sent_mail()]
    links = [found.group(1) for body in bodies for found in [LINK.search(body)] if found]
    page.goto(links[-1])
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(f"/o/{org.slug}"))
