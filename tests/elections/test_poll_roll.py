"""The roll as the service keeps it: credentials issued in bulk, emails and the postal pack,
replacements, and the returning officer's audited look-up."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from governance.audit import AuditEntry, verify
from governance.db import Clock
from governance.elections import postal
from governance.elections.ballot_box import Credentials, VoteRefused, ballot_candidates, cast
from governance.elections.models import (
    Channel,
    Delivery,
    Election,
    ElectionStatus,
    PostalPack,
    Replacement,
    Voter,
)
from governance.elections.poll import (
    PollError,
    issue_replacement,
    open_roll,
    replacement_list,
    standing_of,
)
from governance.elections.poll_notices import mail_purpose
from governance.mail import OutboxMessage, rendered_text
from governance.members.models import Member
from tests.elections.poll_helpers import BASE_URL, credentials, make_election, make_voters
from tests.factories import KEYS, make_org

VOTER_ID = re.compile(r"Your voter ID: +([A-Z0-9-]+)")
CODE = re.compile(r"Your security code: +(\d+)")


def outbox(db: Session, election: Election, kind: str = "credentials") -> list[OutboxMessage]:
    rows = db.exec(
        select(OutboxMessage)
        .where(OutboxMessage.purpose == mail_purpose(kind, election))
        .order_by(col(OutboxMessage.id))
    ).all()
    db.commit()
    return list(rows)


def vote_with(db: Session, election_id: int | None, creds: Credentials, **kw: object) -> str:
    election = db.get(Election, election_id)
    assert election is not None
    first = ballot_candidates(db, election_id or 0)[0].id
    return cast(
        db,
        KEYS,
        election=election,
        voter_id=creds.voter_id,
        code=creds.code,
        choices=kw.pop("choices", [first]),  # type: ignore[arg-type]
        channel=kw.pop("channel", Channel.ONLINE),  # type: ignore[arg-type]
        declaration_made=True,
    ).receipt


def test_open_roll_emails_online_voters_and_posts_the_rest(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org, status=ElectionStatus.AWAITING_POLL)
    emailed = make_voters(db, org, 3)
    no_email = make_voters(db, org, 2, email=False, prefix="P")
    asked_for_post = make_voters(db, org, 1, prefix="Q")
    for member in no_email:
        member.address_line1 = "1 High Street"
        member.town = "Leeds"
        member.postcode = "LS1 1AA"
        db.add(member)
    no_email[0].first_name = "=cmd"
    db.commit()
    opened = open_roll(
        db,
        KEYS,
        election,
        [*emailed, *no_email, *asked_for_post, emailed[0]],
        needs_declaration=True,
        base_url=BASE_URL,
        by_post={asked_for_post[0].id or 0},
    )
    assert (opened.voters, opened.emailed, opened.posted) == (6, 3, 3)
    mails = outbox(db, election)
    assert sorted(m.to_address for m in mails) == sorted(m.email or "" for m in emailed)
    body = rendered_text(KEYS, mails[0])
    assert f"{BASE_URL}/o/org-a/elections/{election.id}/vote" in body
    assert VOTER_ID.search(body) and CODE.search(body)
    assert "Voting closes at" in body and "replacement voting information" in body
    assert "Independent Elections Ltd" in body and "declare" in body
    voters = db.exec(select(Voter).where(Voter.election_id == election.id)).all()
    assert {v.delivery for v in voters} == {Delivery.EMAIL, Delivery.POST}
    for voter in voters:
        assert (voter.credentials_sealed is not None) == (voter.delivery == Delivery.EMAIL)
        assert VOTER_ID.search(body).group(1) not in voter.voter_id_hmac  # type: ignore[union-attr]
    pack = db.exec(select(PostalPack).where(PostalPack.election_id == election.id)).one()
    assert pack.rows == 3 and pack.content_sealed and "High Street" not in pack.content_sealed
    db.commit()
    found = postal.download(db, KEYS, election, pack.id or 0, "user:1")
    assert found is not None
    rows = list(csv.DictReader(io.StringIO(found.content)))
    assert len(rows) == 3
    assert rows[0]["name"].startswith("'="), "spreadsheet formulas are defused"
    assert rows[0]["address_line1"] == "1 High Street" and rows[0]["postcode"] == "LS1 1AA"
    assert all(re.fullmatch(r"\d{8}", r["security_code"]) for r in rows)
    assert {r["declaration_of_identity"] for r in rows} == {"yes"}
    # The credentials in the pack and in the emails open the roll.
    assert vote_with(db, election.id, Credentials(rows[0]["voter_id"], rows[0]["security_code"]))
    again = postal.download(db, KEYS, election, pack.id or 0, "user:1")
    assert again is not None and again.content == found.content
    db.refresh(pack)
    assert pack.downloads == 2
    audited = db.exec(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "election.postal_pack_downloaded")
    ).one()
    assert audited == 2
    assert verify(db)[1] == []
    db.commit()


def test_open_roll_refuses_twice_and_before_nominations_close(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org, status=ElectionStatus.NOMINATIONS_OPEN)
    members = make_voters(db, org, 2)
    with pytest.raises(PollError, match="nominations have closed"):
        open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    election.status = ElectionStatus.AWAITING_POLL
    db.add(election)
    db.commit()
    open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    with pytest.raises(PollError, match="already been issued"):
        open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    other = make_org(db, "org-b")
    outsider = make_voters(db, other, 1, prefix="X")
    election2, _ = make_election(db, org, status=ElectionStatus.AWAITING_POLL)
    with pytest.raises(PollError, match="another organisation"):
        open_roll(db, KEYS, election2, outsider, needs_declaration=True, base_url=BASE_URL)


def test_a_whole_electorate_is_put_on_the_roll_in_one_batch(db: Session, engine: Engine) -> None:
    """15,000 voters: checked for correctness here; the time is printed, never asserted."""
    org = make_org(db)
    election, _ = make_election(db, org, status=ElectionStatus.AWAITING_POLL)
    assert org.id is not None
    rows = [
        {
            "organisation_id": org.id,
            "reference": f"B{i:06d}",
            "first_name": "Bulk",
            "last_name": f"Member{i}",
            "email": f"bulk{i}@example.org" if i % 10 else None,
            "status": "active",
            "created_at": election.created_at,
            "first_name_key": "",
            "last_name_key": "",
            "contact_email": False,
            "contact_post": False,
            "contact_sms": False,
            "hide_from_public_register": False,
        }
        for i in range(15_000)
    ]
    db.execute(insert(Member), rows)
    db.commit()
    members = db.exec(select(Member).where(col(Member.reference).startswith("B"))).all()
    started, cpu = time.perf_counter(), time.process_time()
    opened = open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\nopen_roll: 15,000 voters in {seconds:.2f} s ({cpu:.2f} s of this process's CPU)")
    assert (opened.voters, opened.emailed, opened.posted) == (15_000, 13_500, 1_500)
    assert db.exec(select(func.count()).select_from(Voter)).one() == 15_000
    assert len(outbox(db, election)) == 13_500


def test_a_replacement_kills_the_old_credentials_and_is_listed(db: Session) -> None:
    org = make_org(db)
    election, candidates = make_election(db, org)
    members = make_voters(db, org, 2)
    open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    old = credentials(db, election)[members[0].id or 0]
    issued = issue_replacement(
        db, KEYS, election, members[0], reason="lost", actor="user:7", base_url=BASE_URL
    )
    assert issued.delivery == Delivery.EMAIL
    with pytest.raises(VoteRefused, match="do not match"):
        vote_with(db, election.id, old, choices=[candidates[0].id])
    db.rollback()
    assert vote_with(db, election.id, issued.credentials, choices=[candidates[0].id])
    mails = outbox(db, election)
    assert mails[-1].subject.startswith("Replacement") and issued.credentials.code in (
        rendered_text(KEYS, mails[-1])
    )
    listed = replacement_list(db, election)
    assert [(line.member_reference, line.reason, line.issued_by) for line in listed] == [
        (members[0].reference, "Lost", "user:7")
    ]
    db.commit()


def test_no_replacement_once_the_voter_has_voted(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org)
    members = make_voters(db, org, 1)
    open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    vote_with(db, election.id, credentials(db, election)[members[0].id or 0])
    with pytest.raises(PollError, match="already been recorded"):
        issue_replacement(db, KEYS, election, members[0], reason="spoilt", actor="user:7")
    assert db.exec(select(func.count()).select_from(Replacement)).one() == 0
    db.commit()


def test_replacement_by_post_is_shown_once_and_not_kept(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org)
    members = make_voters(db, org, 1, email=False)
    open_roll(db, KEYS, election, members, needs_declaration=False, base_url=BASE_URL)
    with pytest.raises(PollError, match="no email"):
        issue_replacement(
            db, KEYS, election, members[0], reason="lost", actor="u", delivery=Delivery.EMAIL
        )
    issued = issue_replacement(db, KEYS, election, members[0], reason="not-received", actor="u")
    assert issued.delivery == Delivery.POST
    voter = db.exec(select(Voter)).one()
    assert voter.credentials_sealed is None and voter.issue_count == 2
    assert vote_with(db, election.id, issued.credentials)


def test_no_replacement_after_the_close_or_for_strangers(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org, closes_in=timedelta(hours=1))
    members = make_voters(db, org, 2)
    open_roll(db, KEYS, election, members[:1], needs_declaration=True, base_url=BASE_URL)
    with pytest.raises(PollError, match="not on the roll"):
        issue_replacement(db, KEYS, election, members[1], reason="lost", actor="u")
    with pytest.raises(PollError, match="Choose why"):
        issue_replacement(db, KEYS, election, members[0], reason="bored", actor="u")
    Clock.offset = timedelta(hours=2)
    with pytest.raises(PollError, match="closed"):
        issue_replacement(db, KEYS, election, members[0], reason="lost", actor="u")


def test_the_has_voted_look_up_is_audited_without_the_answer(db: Session) -> None:
    org = make_org(db)
    election, _ = make_election(db, org)
    members = make_voters(db, org, 2)
    open_roll(db, KEYS, election, members, needs_declaration=True, base_url=BASE_URL)
    vote_with(db, election.id, credentials(db, election)[members[0].id or 0])
    first = standing_of(db, election, members[0], "user:9")
    second = standing_of(db, election, members[1], "user:9")
    assert (first.on_roll, first.voted) == (True, True)
    assert (second.on_roll, second.voted) == (True, False)
    entries = db.exec(
        select(AuditEntry).where(AuditEntry.action == "election.voter_status_viewed")
    ).all()
    assert [(e.actor, e.detail) for e in entries] == [
        ("user:9", f'{{"member_id":{members[0].id}}}'),
        ("user:9", f'{{"member_id":{members[1].id}}}'),
    ]
    assert verify(db)[1] == []
    db.commit()
