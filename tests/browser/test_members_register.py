"""The secretary's register pages in a real browser: search, a member's record, constituencies,
import (check, then apply), representativeness, and the public pages; axe-core on each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer
from tests.browser.members_support import sign_in_secretary, trust

pytestmark = pytest.mark.browser

CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code,constituency,gender\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,,Female\n"
    "R2,Bob,Jones,bob@example.org,2015-01-01,E05000001,,Male\n"
    "S1,Sue,Nurse,sue@example.org,,,NURSES,Female\n"
)
POPULATION = (
    "constituency,dimension,category,population\nNORTH,gender,Female,5100\nNORTH,gender,Male,4900\n"
)


def test_secretary_imports_and_keeps_the_register(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    org = trust(live_server)
    sign_in_secretary(page, live_server, org)
    page.goto("/o/riverside")
    page.get_by_role("link", name="Register of members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of members")
    assert_accessible(page)

    page.get_by_role("navigation", name="Register of members").get_by_role(
        "link", name="Import"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import members")
    assert_accessible(page)
    source = tmp_path / "members.csv"
    source.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(source)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check of members.csv")
    expect(page.get_by_role("row", name=re.compile("R2 under age"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Apply: create 2, update 0").click()
    expect(page.get_by_role("status")).to_have_text("The import has been applied.")
    assert_accessible(page)

    page.goto("/o/riverside/register")
    page.get_by_label("Name, email, postcode or member number").fill("smi")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="R1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Smith")
    assert_accessible(page)
    page.get_by_label("Why").select_option("expelled")
    page.get_by_role("button", name="Record leaving").click()
    expect(page.get_by_role("alert")).to_contain_text("reason for the expulsion")
    assert_accessible(page)
    page.get_by_label("Reason or note").fill("Abusive conduct")
    page.get_by_role("button", name="Record leaving").click()
    expect(page.get_by_role("status")).to_have_text("The member's leaving has been recorded.")
    expect(page.get_by_role("cell", name=re.compile("expelled: Abusive conduct"))).to_be_visible()

    page.goto("/o/riverside/register/constituencies")
    expect(page.get_by_role("heading", level=1)).to_have_text("Constituencies and areas")
    assert_accessible(page)

    page.goto("/o/riverside/register/representativeness")
    population = tmp_path / "population.csv"
    population.write_text(POPULATION, encoding="utf-8")
    page.get_by_label("Population figures (CSV)").set_input_files(population)
    page.get_by_role("button", name="Upload figures").click()
    expect(page.get_by_role("status")).to_have_text("The population figures have been saved.")
    expect(
        page.get_by_role("img", name=re.compile("North: members and eligible population by gender"))
    ).to_be_visible()
    assert_accessible(page)


def test_public_register_and_figures(page: Page, live_server: LiveServer) -> None:
    trust(live_server)
    page.goto("/o/riverside/public-register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of members")
    assert_accessible(page)
    page.goto("/o/riverside/membership")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our membership")
    assert_accessible(page)
