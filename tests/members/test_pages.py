"""The register's pages over HTTP (the browser tests drive the main journeys in Chromium)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from governance.members.models import Member, RegisterImport
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.members.web import member_client, secretary_client

CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code,constituency\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,\n"
    "R2,Bob,Jones,bob@example.org,2015-01-01,E05000001,\n"
)


def step(client: Client, slug: str, answers: dict[str, str]) -> Any:
    return client.form(f"/o/{slug}/join", answers)


def carried(html: str) -> dict[str, str]:
    """The hidden fields the page carries forward (the answers so far)."""
    import re

    return {
        name: value
        for name, value in re.findall(
            r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html
        )
        if name not in {"_csrf", "step"}
    }


def test_joining_a_trust_one_question_at_a_time(
    client: Client, db: Session, trust: Organisation
) -> None:
    page = client.get("/o/riverside/join")
    assert page.status_code == 200 and "What is your date of birth?" in page.text
    answers: dict[str, str] = {}
    for name, values, question in [
        (
            "age",
            {"dob-day": "2", "dob-month": "3", "dob-year": "1980"},
            "Do you work for Riverside NHS FT?",
        ),
        ("work", {"works_for_organisation": "no"}, "What is your postcode?"),
        ("home", {"postcode": "ls1 4ap"}, "Your name and contact details"),
        (
            "details",
            {
                "first_name": "Ann",
                "last_name": "Able",
                "email": "Ann@Example.org",
                "address_line1": "1 High Street",
                "town": "Leeds",
            },
            "How may we contact you?",
        ),
        ("contact", {"contact_email": "yes", "consent": "yes"}, "Check your answers"),
    ]:
        response = step(client, "riverside", {**answers, "step": name, **values})
        assert response.status_code == 200, response.text
        assert question in response.text
        answers = carried(response.text)
    assert "Abbey" in response.text
    done = step(client, "riverside", {**answers, "step": "check"})
    assert "Application received" in done.text
    member = db.exec(select(Member)).one()
    db.commit()
    assert (member.email, member.postcode, member.contact_email) == (
        "ann@example.org",
        "LS1 4AP",
        True,
    )


def test_join_refuses_early_with_the_reason(client: Client, trust: Organisation) -> None:
    young = step(
        client, "riverside", {"step": "age", "dob-day": "1", "dob-month": "1", "dob-year": "2015"}
    )
    assert "You cannot join" in young.text and "at least 16" in young.text
    staff = step(
        client,
        "riverside",
        {"step": "work", "date_of_birth": "1980-01-01", "works_for_organisation": "yes"},
    )
    assert "staff constituency" in staff.text
    area = step(
        client, "riverside", {"step": "home", "date_of_birth": "1980-01-01", "postcode": "SW1A 1AA"}
    )
    assert "Which area do you live in?" in area.text
    patient = step(
        client, "riverside", {"step": "area", "date_of_birth": "1980-01-01", "area_code": "none"}
    )
    assert "patient or a carer" in patient.text
    refused = step(
        client,
        "riverside",
        {
            "step": "patient",
            "date_of_birth": "1980-01-01",
            "area_code": "none",
            "patient_or_carer": "no",
        },
    )
    assert "You cannot join" in refused.text and "live in one of the areas" in refused.text


def test_join_errors_are_summarised_and_linked(client: Client, trust: Organisation) -> None:
    response = step(
        client, "riverside", {"step": "age", "dob-day": "31", "dob-month": "2", "dob-year": "1980"}
    )
    assert response.status_code == 400
    assert 'href="#dob-day"' in response.text and "<title>Error: " in response.text
    details = step(
        client, "riverside", {"step": "details", "date_of_birth": "1980-01-01", "email": "nope"}
    )
    assert 'href="#email"' in details.text and 'href="#first_name"' in details.text


def test_joining_a_coop_asks_for_the_class(client: Client, coop: Organisation) -> None:
    response = step(
        client, "valley-coop", {"step": "age", "dob-day": "1", "dob-month": "1", "dob-year": "1990"}
    )
    assert "Which kind of member are you joining as?" in response.text
    assert "Workers" in response.text and "Investors" not in response.text


def test_secretary_pages(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    for path in (
        "register",
        "register/add",
        "register/constituencies",
        "register/import",
        "register/representativeness",
    ):
        assert sec.get(f"/o/riverside/{path}").status_code == 200, path
    start = sec.get("/o/riverside")
    assert 'href="/o/riverside/register"' in start.text


def test_import_page_checks_then_applies(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    checked = sec.post(
        "/o/riverside/register/import",
        files={"file": ("members.csv", CSV.encode(), "text/csv")},
        data={"_csrf": sec.csrf()},
    )
    assert checked.status_code == 200, checked.text
    assert "Check of members.csv" in checked.text and "under age" in checked.text
    found = db.exec(select(RegisterImport)).one()
    db.commit()
    fingerprint = f"{found.register_version}.{found.sha256}"
    applied = sec.form(
        f"/o/riverside/register/imports/{found.id}/apply", {"fingerprint": fingerprint}
    )
    assert "The import has been applied." in applied.text
    again = sec.form(
        f"/o/riverside/register/imports/{found.id}/apply", {"fingerprint": fingerprint}
    )
    assert again.status_code == 409 and "applied already" in again.text
    missing = sec.post(
        "/o/riverside/register/import",
        files={"file": ("", b"", "text/csv")},
        data={"_csrf": sec.csrf()},
    )
    assert missing.status_code == 400 and 'href="#file"' in missing.text
    results = sec.get("/o/riverside/register?q=smith")
    assert "R1" in results.text and "Ann Smith" in results.text


def test_member_record_page_actions(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    sec.post(
        "/o/riverside/register/import",
        files={"file": ("m.csv", CSV.encode(), "text/csv")},
        data={"_csrf": sec.csrf()},
    )
    found = db.exec(select(RegisterImport)).one()
    db.commit()
    sec.form(
        f"/o/riverside/register/imports/{found.id}/apply",
        {"fingerprint": f"{found.register_version}.{found.sha256}"},
    )
    page = sec.get("/o/riverside/register/members/R1")
    assert page.status_code == 200 and "Ann Smith" in page.text
    bad = sec.form(
        "/o/riverside/register/members/R1/leave", {"reason": "expelled", "on": "", "note": ""}
    )
    assert bad.status_code == 400 and 'href="#leave"' in bad.text
    moved = sec.form("/o/riverside/register/members/R1/move", {"constituency": "SOUTH", "on": ""})
    assert "The move has been recorded." in moved.text
    saved = sec.form(
        "/o/riverside/register/members/R1/details",
        {
            "first_name": "Annie",
            "last_name": "Smith",
            "email": "ann@example.org",
            "area_code": "E05000003",
            "contact_post": "yes",
        },
    )
    assert "The changes have been saved." in saved.text and "Annie Smith" in saved.text
    left = sec.form(
        "/o/riverside/register/members/R1/leave", {"reason": "resigned", "on": "", "note": ""}
    )
    assert "leaving has been recorded" in left.text and "Reinstate" in left.text
    erased = sec.form("/o/riverside/register/members/R1/erase", {"confirm": "yes"})
    assert "details have been erased" in erased.text and "Erased member" in erased.text
    assert sec.get("/o/riverside/register/members/NOPE").status_code == 404


def test_constituency_and_area_pages(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    added = sec.form(
        "/o/riverside/register/constituencies",
        {"code": "EAST", "name": "East", "kind": "public", "joinable": "yes"},
    )
    assert "The constituency has been added." in added.text
    taken = sec.form(
        "/o/riverside/register/constituencies", {"code": "EAST", "name": "East", "kind": "public"}
    )
    assert taken.status_code == 400 and "already used" in taken.text
    areas = sec.form(
        "/o/riverside/register/areas",
        {"areas": "E05000020, Eastgate, EAST, LS9\nE05000021, Eastfield, EAST"},
    )
    assert "The areas have been saved." in areas.text and "Eastgate" in areas.text
    wrong = sec.form("/o/riverside/register/areas", {"areas": "E05000022, Nowhere"})
    assert wrong.status_code == 400 and "Line 1" in wrong.text
    in_use = sec.form("/o/riverside/register/constituencies/EAST/delete", {})
    assert in_use.status_code == 409
    sec.form("/o/riverside/register/areas/E05000020/delete", {})
    sec.form("/o/riverside/register/areas/E05000021/delete", {})
    removed = sec.form("/o/riverside/register/constituencies/EAST/delete", {})
    assert "The constituency has been removed." in removed.text


def test_public_pages_need_no_sign_in(
    client: Client, db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    sec.post(
        "/o/riverside/register/import",
        files={"file": ("m.csv", CSV.encode(), "text/csv")},
        data={"_csrf": sec.csrf()},
    )
    found = db.exec(select(RegisterImport)).one()
    db.commit()
    sec.form(
        f"/o/riverside/register/imports/{found.id}/apply",
        {"fingerprint": f"{found.register_version}.{found.sha256}"},
    )
    register = client.get("/o/riverside/public-register?letter=s")
    assert "Ann Smith" in register.text and "ann@example.org" not in register.text
    counts = client.get("/o/riverside/membership")
    assert "fewer than 10" in counts.text
    assert client.get("/o/nowhere/membership").status_code == 404


def test_a_members_own_pages(
    db: Session, make_client: Any, client: Client, trust: Organisation
) -> None:
    assert (
        client.get("/o/riverside/me", follow_redirects=False).headers["location"]
        == "/o/riverside/member-sign-in"
    )
    sec = secretary_client(db, make_client, trust)
    sec.post(
        "/o/riverside/register/import",
        files={"file": ("m.csv", CSV.encode(), "text/csv")},
        data={"_csrf": sec.csrf()},
    )
    found = db.exec(select(RegisterImport)).one()
    db.commit()
    sec.form(
        f"/o/riverside/register/imports/{found.id}/apply",
        {"fingerprint": f"{found.register_version}.{found.sha256}"},
    )
    ann = member_client(db, make_client, trust, "ann@example.org")
    page = ann.get("/o/riverside/me")
    assert page.status_code == 200 and "R1" in page.text
    moved = ann.form(
        "/o/riverside/me/details",
        {
            "first_name": "Ann",
            "last_name": "Smith",
            "email": "ann@example.org",
            "area_code": "E05000003",
            "contact_email": "yes",
        },
    )
    assert "You will move to South on" in moved.text
    data = ann.get("/o/riverside/me/data.json")
    assert data.json()["member"]["reference"] == "R1"
    unconfirmed = ann.form("/o/riverside/me/leave", {})
    assert unconfirmed.status_code == 400 and 'href="#leave"' in unconfirmed.text
    erased = ann.form("/o/riverside/me/erase", {"confirm": "yes"})
    assert "Your details have been erased" in erased.text
