"""The register API end to end: who may call what, and what each call answers."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlmodel import Session, select

from governance.members.models import Member
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import make_user, signed_in_client
from tests.members.web import member_client, secretary_client

API = "/api/orgs/riverside"
CSV = (
    "reference,first_name,last_name,email,date_of_birth,area_code,constituency\n"
    "R1,Ann,Smith,ann@example.org,1970-01-01,E05000001,\n"
    "R2,Bob,Jones,bob@example.org,2015-01-01,E05000001,\n"
    "S1,Sue,Nurse,sue@example.org,,,NURSES\n"
)


def upload(client: Client, text: str, org: str = "riverside") -> Any:
    return client.post(
        f"/api/orgs/{org}/register/imports?filename=members.csv",
        content=text.encode(),
        headers={"X-CSRF-Token": client.csrf(), "Content-Type": "text/csv"},
    )


def imported(client: Client, text: str = CSV) -> dict[str, Any]:
    checked = upload(client, text).json()
    applied = client.api(
        "POST",
        f"{API}/register/imports/{checked['id']}/apply",
        json={"fingerprint": checked["fingerprint"]},
    )
    assert applied.status_code == 201, applied.text
    return checked


def test_join_answers_the_same_for_new_and_known_emails(
    client: Client, trust: Organisation, db: Session
) -> None:
    body = {
        "first_name": "Ann",
        "last_name": "Able",
        "email": "ann@example.org",
        "date_of_birth": "1980-02-02",
        "postcode": "LS1 4AP",
        "consent": True,
        "contact_email": True,
    }
    first = client.api("POST", f"{API}/join", json=body)
    second = client.api("POST", f"{API}/join", json={**body, "first_name": "Someone"})
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert len(db.exec(select(Member)).all()) == 1
    db.commit()


def test_join_refusals_give_the_reason(client: Client, trust: Organisation) -> None:
    base = {"first_name": "Ann", "last_name": "Able", "email": "ann@example.org", "consent": True}
    young = client.api(
        "POST",
        f"{API}/join",
        json={**base, "date_of_birth": "2015-01-01", "area_code": "E05000001"},
    )
    assert young.status_code == 422
    assert young.json()["type"] == "/problems/under-age"
    assert young.headers["content-type"].startswith("application/problem+json")
    away = client.api(
        "POST", f"{API}/join", json={**base, "date_of_birth": "1980-01-01", "postcode": "SW1A 1AA"}
    )
    assert away.json()["type"] == "/problems/outside-areas"
    staff = client.api(
        "POST",
        f"{API}/join",
        json={
            **base,
            "date_of_birth": "1980-01-01",
            "area_code": "E05000001",
            "works_for_organisation": True,
        },
    )
    assert staff.json()["type"] == "/problems/staff-member"
    bad = client.api("POST", f"{API}/join", json={**base, "date_of_birth": "not a date"})
    assert bad.status_code == 400


def test_join_is_rate_limited_per_address(client: Client, trust: Organisation) -> None:
    body = {
        "first_name": "A",
        "last_name": "B",
        "email": "x@example.org",
        "date_of_birth": "2015-01-01",
        "consent": True,
    }
    answers = [client.api("POST", f"{API}/join", json=body).status_code for _ in range(21)]
    assert answers[:20] == [422] * 20 and answers[20] == 429


def test_join_needs_an_organisation_that_exists(client: Client) -> None:
    body = {
        "first_name": "A",
        "last_name": "B",
        "email": "a@example.org",
        "date_of_birth": "1980-01-01",
        "consent": True,
    }
    response = client.api("POST", "/api/orgs/nowhere/join", json=body)
    assert response.status_code == 404


def test_secretary_configures_constituencies_and_areas(
    db: Session, make_client: Any, coop: Organisation, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, coop)
    made = sec.api(
        "POST",
        "/api/orgs/valley-coop/constituencies",
        json={
            "code": "SUPPLIERS",
            "name": "Suppliers",
            "kind": "member_class",
            "vote_share_percent": "10",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["vote_share_percent"] == "10.00"
    over = sec.api(
        "POST",
        "/api/orgs/valley-coop/constituencies",
        json={"code": "MORE", "name": "More", "kind": "member_class", "vote_share_percent": "5"},
    )
    assert over.status_code == 422 and over.json()["type"] == "/problems/shares-over-100"
    wrong = sec.api(
        "POST",
        "/api/orgs/valley-coop/constituencies",
        json={"code": "PUB", "name": "Public", "kind": "public"},
    )
    assert wrong.json()["type"] == "/problems/kind-not-allowed"
    changed = sec.api(
        "PATCH",
        "/api/orgs/valley-coop/constituencies/SUPPLIERS",
        json={"minimum_members": 25, "joinable": False},
    )
    assert changed.json()["minimum_members"] == 25 and changed.json()["joinable"] is False
    for field in ("joinable", "name", "position", "description"):
        nulled = sec.api(
            "PATCH", "/api/orgs/valley-coop/constituencies/SUPPLIERS", json={field: None}
        )
        assert nulled.status_code == 400, (field, nulled.text)
    cleared = sec.api(
        "PATCH", "/api/orgs/valley-coop/constituencies/SUPPLIERS", json={"minimum_members": None}
    )
    assert cleared.status_code == 200, "a field that may be empty still may"
    assert sec.api("DELETE", "/api/orgs/valley-coop/constituencies/SUPPLIERS").status_code == 204
    listed = sec.get("/api/orgs/valley-coop/constituencies").json()
    assert [c["code"] for c in listed] == ["CUSTOMERS", "INVESTORS", "WORKERS"]
    # another organisation's secretary cannot see or change it
    assert sec.get(f"{API}/constituencies").status_code == 404
    assert sec.api("PUT", f"{API}/areas", json=[]).status_code == 404


def test_areas_are_saved_all_or_nothing(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    good = {
        "code": "E05000009",
        "name": "Dale",
        "constituency": "SOUTH",
        "postcode_prefixes": "ls8 ls9",
    }
    bad = {"code": "E05000010", "name": "Moor", "constituency": "STAFF"}
    refused = sec.api("PUT", f"{API}/areas", json=[good, bad])
    assert refused.status_code == 422
    assert "E05000009" not in sec.get(f"{API}/areas").text
    saved = sec.api("PUT", f"{API}/areas", json=[good])
    assert saved.json() == {"created": 1, "updated": 0}
    area = next(a for a in sec.get(f"{API}/areas").json() if a["code"] == "E05000009")
    assert area["postcode_prefixes"] == "LS8 LS9"


def test_import_through_the_api(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    checked = upload(sec, CSV)
    assert checked.status_code == 201, checked.text
    summary = checked.json()
    assert (summary["created"], summary["refused"], summary["status"]) == (2, 1, "checked")
    report = sec.get(f"{API}/register/imports/{summary['id']}?limit=2").json()
    assert [e["action"] for e in report["entries"]] == ["create", "refused"]
    assert report["entries"][1]["reason"] == "under-age" and report["next_offset"] == 2
    csv_report = sec.get(summary["report_csv"])
    assert csv_report.text.startswith("\ufeffrow,action,reference,reason,message")
    stale = sec.api(
        "POST",
        f"{API}/register/imports/{summary['id']}/apply",
        json={"fingerprint": "1.abc0000000"},
    )
    assert stale.status_code == 409
    applied = sec.api(
        "POST",
        f"{API}/register/imports/{summary['id']}/apply",
        json={"fingerprint": summary["fingerprint"]},
    )
    assert applied.json()["status"] == "applied"
    again = upload(sec, CSV).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    listed = sec.get(f"{API}/register/imports").json()
    assert [i["id"] for i in listed] == [again["id"], summary["id"]]


def test_bad_files_are_problems_and_change_nothing(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    response = upload(sec, "name,email\nAnn,ann@example.org\n")
    assert response.status_code == 422 and response.json()["type"] == "/problems/bad-header"
    assert sec.get(f"{API}/register/imports").json() == []


def test_search_member_record_and_changes(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    assert [m["reference"] for m in sec.get(f"{API}/members?q=smi").json()] == ["R1"]
    assert [m["reference"] for m in sec.get(f"{API}/members?q=ann@example.org").json()] == ["R1"]
    assert [m["reference"] for m in sec.get(f"{API}/members?constituency=STAFF").json()] == ["S1"]
    record = sec.get(f"{API}/members/R1").json()
    assert record["constituency"] == "NORTH" and record["history"][0]["start_reason"] == "joined"
    changed = sec.api(
        "PATCH", f"{API}/members/R1", json={"email": "ann.smith@example.org", "contact_post": True}
    )
    assert (
        changed.json()["email"] == "ann.smith@example.org"
        and changed.json()["contact_post"] is True
    )
    moved = sec.api("POST", f"{API}/members/S1/move", json={"constituency": "OTHERSTAFF"})
    assert moved.json()["constituency"] == "OTHERSTAFF"
    left = sec.api("POST", f"{API}/members/S1/leave", json={"reason": "expelled"})
    assert left.status_code == 422 and left.json()["type"] == "/problems/reason-needed"
    left = sec.api("POST", f"{API}/members/S1/leave", json={"reason": "opted_out"})
    assert left.json()["status"] == "opted_out"
    back = sec.api("POST", f"{API}/members/S1/reinstate", json={})
    assert back.json()["status"] == "active"
    assert sec.get(f"{API}/members/NOPE").status_code == 404
    data = sec.get(f"{API}/members/R1/data").json()
    assert data["member"]["email"] == "ann.smith@example.org"
    assert sec.api("POST", f"{API}/members/R1/erase").status_code == 204
    assert sec.get(f"{API}/members/R1").json()["first_name"] == "Erased"


def test_electorate_for_the_secretary_and_returning_officer_only(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    officer = signed_in_client(
        make_client,
        make_user(db, "ro@example.org", roles={trust.slug: [Role.RETURNING_OFFICER]}, totp=True),
    )
    governor = signed_in_client(
        make_client, make_user(db, "gov@example.org", roles={trust.slug: [Role.GOVERNOR]})
    )
    response = officer.get(f"{API}/constituencies/STAFF/electorate?on=2099-01-01")
    assert response.json() == {
        "constituency": "STAFF",
        "on": "2099-01-01",
        "count": 1,
        "references": ["S1"],
    }
    assert officer.get(f"{API}/members").status_code == 404
    assert governor.get(f"{API}/constituencies/STAFF/electorate?on=2099-01-01").status_code == 404
    assert make_client().get(f"{API}/members").status_code == 401


def test_export_round_trips_through_import(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    exported = sec.get(f"{API}/register/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    assert exported.text.count("\n") == 3  # header and two members
    again = upload(sec, exported.content.decode("utf-8")).json()
    assert (again["created"], again["updated"], again["unchanged"], again["refused"]) == (
        0,
        0,
        2,
        0,
    )
    former = sec.get(f"{API}/register/export.csv?former=true").text
    assert former.splitlines()[0].endswith(",status,left_on")


def test_public_register_and_counts(
    client: Client, db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    register = client.get(f"{API}/public/register").json()
    assert register == [
        {"name": "Sue Nurse", "constituency": "Nursing staff"},
        {"name": "Ann Smith", "constituency": "North"},
    ]
    counts = {c["constituency"]: c for c in client.get(f"{API}/public/counts").json()}
    assert counts["NORTH"] == {
        "constituency": "NORTH",
        "name": "North",
        "members": None,
        "shown": "fewer than 10",
    }


def test_a_member_sees_and_changes_their_own_record(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    ann = member_client(db, make_client, trust, "ann@example.org")
    mine = ann.get(f"{API}/me").json()
    assert mine["reference"] == "R1"
    changed = ann.api("PATCH", f"{API}/me", json={"contact_sms": True, "phone": "07700 900001"})
    assert changed.json()["contact_sms"] is True
    refused = ann.api("PATCH", f"{API}/me", json={"date_of_birth": "1990-01-01"})
    assert refused.status_code == 422
    assert ann.get(f"{API}/me/data").json()["member"]["phone"] == "07700 900001"
    assert ann.get(f"{API}/members").status_code == 401  # members are not staff
    assert ann.get("/api/orgs/valley-coop/me").status_code in {401, 404}
    assert ann.api("POST", f"{API}/me/erase", json={}).status_code == 400
    assert ann.api("POST", f"{API}/me/erase", json={"confirm": "erase"}).status_code == 204
    assert ann.get(f"{API}/me").status_code == 401  # erasure ended the session


def test_representativeness_api(db: Session, make_client: Any, trust: Organisation) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    saved = sec.post(
        f"{API}/population",
        content=b"constituency,dimension,category,population\nNORTH,age_band,55-64,100\n",
        headers={"X-CSRF-Token": sec.csrf(), "Content-Type": "text/csv"},
    )
    assert saved.json() == {"figures": 1}
    data = sec.get(f"{API}/representativeness").json()
    section = data["sections"][0]
    assert section["constituency"] == "NORTH" and section["rows"][0]["category"] == "55-64"
    table = sec.get(f"{API}/representativeness.csv").content.decode("utf-8-sig")
    assert table.startswith("constituency,dimension")


def test_a_formula_typed_on_the_join_form_is_exported_as_text_and_imports_back(
    client: Client, db: Session, make_client: Any, trust: Organisation
) -> None:
    formula = '=HYPERLINK("https://evil.example/","Click")'
    body = {
        "first_name": "+Ann",
        "last_name": formula,
        "email": "ann@example.org",
        "date_of_birth": "1980-02-02",
        "postcode": "LS1 4AP",
        "consent": True,
        "contact_email": True,
    }
    assert client.api("POST", f"{API}/join", json=body).status_code == 202
    member = db.exec(select(Member).where(Member.email == "ann@example.org")).one()
    assert member.last_name == formula, "stored as typed"
    member.status = "active"
    db.add(member)
    db.commit()
    sec = secretary_client(db, make_client, trust)
    exported = sec.get(f"{API}/register/export.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf"), "Excel reads it as UTF-8"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    (row,) = [r for r in rows if r["email"] == "ann@example.org"]
    assert row["last_name"] == "'" + formula and row["first_name"] == "'+Ann"
    assert not any(
        value.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for value in r.values()
    )
    again = upload(sec, exported.content.decode("utf-8")).json()
    assert again["refused"] == 0 and again["updated"] == 0, again
    db.expire_all()
    assert db.get(Member, member.id).last_name == formula  # type: ignore[union-attr]


def test_a_members_session_ends_when_they_leave_the_register(
    db: Session, make_client: Any, trust: Organisation
) -> None:
    sec = secretary_client(db, make_client, trust)
    imported(sec)
    ann = member_client(db, make_client, trust, "ann@example.org")
    assert ann.get(f"{API}/me").status_code == 200
    left = sec.api("POST", f"{API}/members/R1/leave", json={"reason": "resigned"})
    assert left.status_code == 201, left.text
    assert ann.get(f"{API}/me").status_code == 401
    assert ann.get("/api/auth/me").status_code == 401
