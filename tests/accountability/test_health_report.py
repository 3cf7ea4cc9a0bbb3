"""The democratic health report from the database: elections, membership against population,
requests, decisions and attendance; the page with its charts, the CSV, and suppression."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from governance.accountability import health, health_data
from governance.elections.lifecycle_models import ElectionConduct
from governance.elections.models import Candidate, Election
from governance.members.models import PopulationFigure
from tests.accountability.support import (
    constituency_id,
    governor,
    local,
    member_in,
    set_clock,
    trust,
)


def seed(db: Session) -> Any:
    org = trust(db)
    set_clock(local(date(2025, 11, 20)))
    for n in range(12):
        member_in(db, org, "NORTH", first=f"North{n}", last="Member", since=date(2024, 6, 1))
    for n in range(3):
        member_in(db, org, "SOUTH", first=f"South{n}", last="Member", since=date(2025, 3, 1))
    db.add(
        PopulationFigure(
            organisation_id=org.id or 0,
            constituency_id=constituency_id(db, org, "NORTH"),
            dimension="age_band",
            category="18-24",
            count=6000,
        )
    )
    db.commit()
    gwen, _, _ = governor(db, org, "NORTH", first="Gwen", last="North", starts_on=date(2024, 4, 1))
    declared = local(date(2025, 10, 1))
    election = Election(
        organisation_id=org.id or 0,
        constituency_id=constituency_id(db, org, "NORTH"),
        title="Public governors",
        seats=2,
        method="fptp",
        status="declared",
        declared_at=declared,
        electorate_count=4000,
    )
    db.add(election)
    db.commit()
    db.add(
        ElectionConduct(
            election_id=election.id or 0,
            declaration={
                "contested": True,
                "electorate": 4000,
                "votes_cast": 800,
                "turnout": "20.0%",
                "elected": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}],
            },
        )
    )
    for n, status in enumerate(["elected", "elected", "not_elected", "withdrawn"]):
        person = member_in(db, org, "NORTH", first=f"Cand{n}", last="Idate", since=date(2020, 1, 1))
        db.add(
            Candidate(
                election_id=election.id or 0,
                member_id=person.id or 0,
                ballot_name=f"Cand{n}",
                status=status,
            )
        )
    db.commit()
    return org, gwen, declared - timedelta(days=1)


def test_the_report_counts_and_suppresses(db: Session) -> None:
    org, _gwen, _ = seed(db)
    data = health_data.gather(db, org, 2025)
    (election,) = data.elections
    assert (election.seats, election.candidates, election.votes_cast) == (2, 3, 800)
    membership = {m.constituency: m for m in data.membership}
    assert membership["North"].members == 12 + 4 + 1, "members, candidates and the governor"
    assert membership["North"].population == 6000 and membership["South"].population is None
    assert (data.churn.start, data.churn.joined, data.churn.end) == (17, 3, 20)
    public = health.build(data, public=True)
    south = {r.measure: r.value for r in public.rows if r.subject == "South"}
    assert south["Members"] == "fewer than 10"
    north = {r.measure: r.value for r in public.rows if r.subject == "Public governors (North)"}
    assert north["Turnout"] == "20.0%" and north["Candidates per seat"] == "1.50"


def test_the_public_page_csv_and_extract(db: Session, make_client: Any) -> None:
    org, _gwen, _ = seed(db)
    client = make_client()
    redirect = client.get(f"/o/{org.slug}/transparency/health", follow_redirects=False)
    assert redirect.headers["location"] == f"/o/{org.slug}/transparency/health/2025"
    page = client.get(f"/o/{org.slug}/transparency/health/2025")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2 and 'role="img"' in page.text
    assert "fewer than 10" in page.text
    download = client.get(f"/o/{org.slug}/transparency/health/2025.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {"section", "subject", "measure", "value"} == set(rows[0])
    turnout = [r for r in rows if r["measure"] == "Turnout"]
    assert turnout[0]["value"] == "20.0%"
    assert client.get(f"/o/{org.slug}/transparency/health/2031").status_code == 404
    assert client.get(f"/o/{org.slug}/transparency/health/20x5").status_code == 404
    extract = client.get(f"/o/{org.slug}/transparency/annual-report/2025")
    assert "require directors to attend" in extract.text
