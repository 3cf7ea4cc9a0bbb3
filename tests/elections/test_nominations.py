"""Standing for election: eligibility from the register, the four parts, the statement and
photo, the returning officer's allowed reasons only, withdrawal until the deadline."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from governance.audit import AuditEntry
from governance.elections.candidacy import REJECTION_REASONS, ballot_order, photo_type, word_count
from governance.elections.models import Candidate, CandidateStatus, Election
from governance.mail import OutboxMessage
from governance.members import history
from governance.members.models import EndReason
from governance.settings import Settings
from tests.conftest import Client
from tests.elections.lifecycle_support import (
    Trust,
    enrol,
    make_trust,
    nomination,
    refreshed,
    run_jobs_at,
    schedule_election,
)
from tests.factories import (
    member_client,
    staff_client,
    travel_to,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100
PEOPLE = [("Ann", "Archer"), ("Ben", "Baker"), ("Cat", "Cooper"), ("Dan", "Dyer")]


@pytest.fixture
def ready(db: Session, engine: Engine, settings: Settings) -> Any:
    """A scheduled election whose notice is out, with members in its constituency."""
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    election = schedule_election(db, trust)
    run_jobs_at(db, engine, settings, election.notice_at)
    return trust, members, refreshed(db, election)


def url(trust: Trust, election: Election, rest: str = "") -> str:
    return f"/api/orgs/{trust.org.slug}/elections/{election.id}{rest}"


def candidates(db: Session, election: Election) -> list[Candidate]:
    rows = list(db.exec(select(Candidate).where(Candidate.election_id == election.id)).all())
    db.commit()
    return rows


def test_pure_rules() -> None:
    assert word_count("one two\nthree\t four  ") == 4
    assert word_count("") == 0
    assert photo_type(PNG) == "image/png"
    assert photo_type(JPEG) == "image/jpeg"
    assert photo_type(b"GIF89a") is None
    assert photo_type(b"<svg") is None
    assert set(REJECTION_REASONS) == {
        "late",
        "particulars-missing",
        "interests-missing",
        "eligibility-missing",
        "confirmation-missing",
    }

    class C:
        def __init__(self, id: int, surname: str, other: str) -> None:
            self.id = id
            self.particulars = {"surname": surname, "other_names": other}

    ordered = ballot_order([C(1, "smith", "Zed"), C(2, "Smith", "Adam"), C(3, "Ali", "Bo")])
    assert [c.id for c in ordered] == [3, 2, 1]


def test_a_member_stands_with_statement_and_photo(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[0])
    body = nomination(
        members[0],
        photo_base64=base64.b64encode(PNG).decode(),
        no_interests=False,
        interests="Trustee of the League of Friends",
    )
    response = client.api("POST", url(trust, election, "/nominations"), json=body)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["status"] == "nominated" and made["has_photo"] is True
    assert made["ballot_name"] == "Ann Archer"
    assert client.get(url(trust, election, "/nominations/mine")).json()["id"] == made["id"]
    again = client.api("POST", url(trust, election, "/nominations"), json=body)
    assert again.status_code == 409
    told = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.to_address == members[0].email,
            col(OutboxMessage.subject).startswith("Nomination received"),
        )
    ).all()
    assert len(told) == 1
    db.commit()


@pytest.mark.parametrize(
    ("changes", "slug"),
    [
        ({"surname": ""}, "nomination-incomplete"),
        ({"address": ""}, "nomination-incomplete"),
        ({"no_interests": False}, "nomination-incomplete"),
        ({"interests": "Shares in a supplier"}, "nomination-incomplete"),  # both boxes
        ({"declared_eligible": False}, "nomination-incomplete"),
        ({"confirm": False}, "nomination-incomplete"),
        ({"qualifying_constituency_id": 999_999}, "nomination-incomplete"),
        ({"statement": "word " * 251}, "statement-too-long"),
        ({"photo_base64": base64.b64encode(b"GIF89a....").decode()}, "photo-invalid"),
        ({"photo_base64": base64.b64encode(PNG + b"\0" * 1_000_000).decode()}, "photo-too-large"),
        ({"photo_base64": "not base64!"}, "photo-invalid"),
    ],
)
def test_bad_nominations_are_refused_and_nothing_is_written(
    db: Session,
    engine: Engine,
    make_client: Callable[[], Client],
    ready: Any,
    changes: dict[str, Any],
    slug: str,
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[0])
    response = client.api(
        "POST", url(trust, election, "/nominations"), json=nomination(members[0], **changes)
    )
    assert response.status_code in {400, 413, 422}, response.text
    assert response.json()["type"] == f"/problems/{slug}"
    assert candidates(db, election) == []


def test_exactly_250_words_is_accepted(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[0])
    body = nomination(members[0], statement=" ".join(["word"] * 250))
    assert client.api("POST", url(trust, election, "/nominations"), json=body).status_code == 201


def test_eligibility_comes_from_the_register(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    nurse = enrol(db, trust.org, trust.nurses, [("Nia", "Nurse")], prefix="S")[0]
    client = member_client(make_client, engine, nurse)
    response = client.api("POST", url(trust, election, "/nominations"), json=nomination(nurse))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/not-eligible"
    # A member who has left is no longer eligible (and cannot sign in to try).
    leaver = members[3]
    history.end_periods(
        db, [leaver.id], refreshed(db, election).notice_at.date(), EndReason.RESIGNED
    )  # type: ignore[union-attr]
    db.commit()
    client = member_client(make_client, engine, leaver)
    response = client.api("POST", url(trust, election, "/nominations"), json=nomination(leaver))
    assert response.status_code == 422
    assert candidates(db, election) == []


def test_nominations_open_and_close_by_the_clock(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client]
) -> None:
    trust = make_trust(db)
    members = enrol(db, trust.org, trust.public, PEOPLE)
    election = schedule_election(db, trust)
    db.commit()
    client = member_client(make_client, engine, members[0])
    early = client.api("POST", url(trust, election, "/nominations"), json=nomination(members[0]))
    assert early.status_code in {404, 409}  # before the notice the election is not public
    # The scheduler is late, but the clock decides: open at the notice, closed at the close.
    travel_to(election.notice_at + timedelta(seconds=1))  # type: ignore[operator]
    client = member_client(make_client, engine, members[0])
    assert (
        client.api(
            "POST", url(trust, election, "/nominations"), json=nomination(members[0])
        ).status_code
        == 201
    )
    travel_to(election.nominations_close_at + timedelta(seconds=1))  # type: ignore[operator]
    client = member_client(make_client, engine, members[1])
    late = client.api("POST", url(trust, election, "/nominations"), json=nomination(members[1]))
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/nominations-closed"


def test_the_returning_officer_decides_with_allowed_reasons_only(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[0])
    made = client.api(
        "POST", url(trust, election, "/nominations"), json=nomination(members[0])
    ).json()
    officer = staff_client(make_client, engine, trust.officer)
    secretary = staff_client(make_client, engine, trust.secretary)
    decision = url(trust, election, f"/candidates/{made['id']}/decision")
    assert secretary.post(decision, json={"decision": "accept"}).status_code == 404
    for reason in (None, "", "not our kind of person", "photo-missing"):
        refused = officer.post(decision, json={"decision": "reject", "reason": reason})
        assert refused.status_code in {400, 422}, reason
    assert candidates(db, election)[0].status == CandidateStatus.NOMINATED
    for reason in REJECTION_REASONS:
        response = officer.post(
            decision, json={"decision": "reject", "reason": reason, "note": "ok"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["decision_reason"] == reason
    accepted = officer.post(decision, json={"decision": "accept"})
    assert accepted.json()["status"] == "valid" and accepted.json()["decision_reason"] is None
    decisions = db.exec(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "election.nomination_decided")
    ).one()
    assert decisions == len(REJECTION_REASONS) + 1
    told = db.exec(
        select(OutboxMessage.body_text).where(
            col(OutboxMessage.subject).startswith("Your nomination")
        )
    ).all()
    assert any(REJECTION_REASONS["late"] in text for text in told)
    db.commit()


def test_withdrawal_until_the_deadline_only(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    ids = []
    for member in members[:3]:
        client = member_client(make_client, engine, member)
        ids.append(
            client.api(
                "POST", url(trust, election, "/nominations"), json=nomination(member)
            ).json()["id"]
        )
    run_jobs_at(db, engine, settings, election.statement_at)
    client = member_client(make_client, engine, members[0])
    assert (
        client.api("POST", url(trust, election, "/nominations/mine/withdrawal")).status_code == 200
    )
    again = client.api("POST", url(trust, election, "/nominations/mine/withdrawal"))
    assert again.status_code == 409
    officer = staff_client(make_client, engine, trust.officer)
    written = officer.post(url(trust, election, f"/candidates/{ids[1]}/withdrawal"))
    assert written.status_code == 200 and written.json()["status"] == "withdrawn"
    travel_to(election.withdrawals_close_at + timedelta(seconds=1))  # type: ignore[operator]
    client = member_client(make_client, engine, members[2])
    late = client.api("POST", url(trust, election, "/nominations/mine/withdrawal"))
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/withdrawals-closed"
    statuses = sorted(c.status for c in candidates(db, election))
    assert statuses == ["valid", "withdrawn", "withdrawn"]


def test_undecided_nominations_are_valid_at_the_statement(
    db: Session, engine: Engine, settings: Settings, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    for member in members[:2]:
        client = member_client(make_client, engine, member)
        client.api("POST", url(trust, election, "/nominations"), json=nomination(member))
    run_jobs_at(db, engine, settings, election.statement_at)
    made = candidates(db, election)
    assert {c.status for c in made} == {CandidateStatus.VALID}
    officer = staff_client(make_client, engine, trust.officer)
    late = officer.post(
        url(trust, election, f"/candidates/{made[0].id}/decision"), json={"decision": "accept"}
    )
    assert late.status_code == 409


def test_another_organisation_gets_404(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, _, election = ready
    other = make_trust(db, "hillside")
    stranger = enrol(db, other.org, other.public, [("Sam", "Stranger")], prefix="H")[0]
    client = member_client(make_client, engine, stranger)
    body = nomination(stranger)
    assert client.api("POST", url(trust, election, "/nominations"), json=body).status_code == 404
    # Their own organisation's slug with this election's id: 404 too.
    foreign = f"/api/orgs/{other.org.slug}/elections/{election.id}/nominations"
    assert client.api("POST", foreign, json=body).status_code == 404
    their_officer = staff_client(make_client, engine, other.officer)
    for path in ("", "/candidates"):
        assert their_officer.get(url(trust, election, path)).status_code == 404
        assert (
            their_officer.get(
                f"/api/orgs/{other.org.slug}/elections/{election.id}{path}"
            ).status_code
            == 404
        )
    assert candidates(db, election) == []


def test_csrf_is_required_for_member_requests(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[0])
    target = url(trust, election, "/nominations")
    assert client.post(target, json=nomination(members[0])).status_code == 403
    forged = client.post(target, json=nomination(members[0]), headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    assert candidates(db, election) == []


def test_nominating_through_the_page_with_a_photo(
    db: Session, engine: Engine, make_client: Callable[[], Client], ready: Any
) -> None:
    trust, members, election = ready
    client = member_client(make_client, engine, members[1])
    page = f"/o/{trust.org.slug}/elections/{election.id}/stand"
    assert "Submit my nomination" in client.get(page).text
    fields = {
        "surname": "Baker",
        "other_names": "Ben",
        "address": "2 Mill Lane",
        "interests": "",
        "no_interests": "yes",
        "declared_eligible": "yes",
        "statement": "Hello.",
        "_csrf": client.csrf(),
    }
    missing = client.post(
        page, data={**fields, "confirm": ""}, files={"photo": ("me.png", PNG, "image/png")}
    )
    assert missing.status_code == 400
    assert "Confirm that the nomination is yours" in missing.text
    done = client.post(
        page, data={**fields, "confirm": "yes"}, files={"photo": ("me.png", PNG, "image/png")}
    )
    assert done.status_code == 200, done.text  # redirected to the page showing the nomination
    assert "Your nomination was received" in done.text
    made = candidates(db, election)
    assert len(made) == 1 and made[0].photo == PNG and made[0].photo_type == "image/png"
    forged = make_client()
    assert forged.post(page, data={**fields, "_csrf": "bad"}).status_code == 403
