"""The casting path itself: one vote per code under concurrency, a ballot that says nothing
about its voter, and a close of poll decided by the clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Date, DateTime, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from governance.db import Clock, utcnow
from governance.elections import ballot_box
from governance.elections.ballot_box import Credentials, VoteRefused, cast, receipt_hash
from governance.elections.election_key import seal_ballot, tracker
from governance.elections.models import (
    Ballot,
    Channel,
    Election,
    RefusalCount,
    Voter,
    VoterStatus,
)
from governance.elections.poll_jobs import erase_credentials_after_close
from governance.settings import Settings
from tests.conftest import uses_postgres
from tests.elections.poll_helpers import ELECTION_KEY, Poll, credentials, make_poll, opened_ballots
from tests.factories import KEYS, make_org, run_together


def vote(
    db: Session, poll: Poll, creds: Credentials, choices: list[int] | None = None, **kw: object
) -> ballot_box.CastReceipt:
    election = db.get(Election, poll.election.id)
    assert election is not None
    options: dict[str, object] = {"channel": Channel.ONLINE, "declaration_made": True, **kw}
    return cast(
        db,
        KEYS,
        election=election,
        voter_id=creds.voter_id,
        code=creds.code,
        choices=choices if choices is not None else poll.candidate_ids()[:1],
        **options,  # type: ignore[arg-type]
    )


def count_ballots(db: Session, election_id: int | None) -> int:
    found = db.exec(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == election_id)
    ).one()
    db.commit()
    return found


def test_refusals_arriving_together_are_all_counted(db: Session, engine: Engine) -> None:
    """The first refusals of a kind, all at once: each is counted and none fails (an update
    followed by an insert let concurrent first refusals collide on the unique key)."""
    poll = make_poll(db, make_org(db), voters=1)
    election_id = poll.election.id
    assert election_id is not None
    db.commit()
    _, failures = run_together(
        lambda: ballot_box.count_refusal(engine, election_id, "wrong-credentials"), 12
    )
    assert failures == []
    counted = db.exec(
        select(RefusalCount.count).where(
            RefusalCount.election_id == election_id, RefusalCount.reason == "wrong-credentials"
        )
    ).one()
    db.commit()
    assert counted == 12


def test_a_code_counts_once_when_fifty_submissions_arrive_together(
    db: Session, engine: Engine
) -> None:
    poll = make_poll(db, make_org(db), voters=2)
    creds = next(iter(credentials(db, poll.election).values()))
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        with Session(engine, expire_on_commit=False) as session:
            election = session.get(Election, poll.election.id)
            session.commit()
            assert election is not None
            barrier.wait()
            try:
                cast(
                    session,
                    KEYS,
                    election=election,
                    voter_id=creds.voter_id,
                    code=creds.code,
                    choices=poll.candidate_ids()[:2],
                    channel=Channel.ONLINE,
                    declaration_made=True,
                )
                result = "cast"
            except VoteRefused as refused:
                session.rollback()
                result = refused.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(outcomes)) == ["already-voted", "cast"]
    assert outcomes.count("cast") == 1 and len(outcomes) == 50
    assert count_ballots(db, poll.election.id) == 1
    voted = db.exec(
        select(func.count())
        .select_from(Voter)
        .where(Voter.election_id == poll.election.id, Voter.status == VoterStatus.VOTED)
    ).one()
    assert voted == 1


def test_the_ballot_table_has_no_time_no_voter_and_random_ids(db: Session, engine: Engine) -> None:
    table = Ballot.__table__  # type: ignore[attr-defined]
    for column in table.columns:
        assert not isinstance(column.type, DateTime | Date), column.name
        assert "voter" not in column.name and "member" not in column.name
    assert {fk.column.table.name for fk in table.foreign_keys} == {"election"}
    voter_table = Voter.__table__  # type: ignore[attr-defined]
    assert "ballot" not in {fk.column.table.name for fk in voter_table.foreign_keys}
    poll = make_poll(db, make_org(db), voters=8)
    for creds in credentials(db, poll.election).values():
        vote(db, poll, creds)
    ids = db.exec(select(Ballot.id)).all()
    assert len(ids) == 8 and len(set(ids)) == 8
    # No choices in clear, and every ciphertext the same length whatever it holds.
    stored = db.exec(select(Ballot.choices, Ballot.sealed)).all()
    assert all(choices == [] for choices, _ in stored)
    assert len({len(sealed or b"") for _, sealed in stored}) == 1
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    db.commit()
    columns = {c["name"] for c in inspect(engine).get_columns("ballot")}
    assert columns == {
        "id",
        "election_id",
        "choices",
        "sealed",
        "receipt_hash",
        "seal",
        "late",
        "invalid_reason",
    }


@pytest.mark.skipif(uses_postgres(), reason="SQLite's table layout")
def test_ballot_is_without_rowid_on_sqlite(db: Session) -> None:
    sql = db.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ballot'")).scalar_one()
    assert "WITHOUT ROWID" in sql.upper()
    with pytest.raises(Exception, match="rowid"):
        db.execute(text("SELECT rowid FROM ballot")).all()
    db.rollback()


def test_ballot_order_in_a_query_does_not_follow_cast_order(
    db: Session, engine: Engine, settings: Settings
) -> None:
    poll = make_poll(db, make_org(db), voters=40)
    cast_order = []
    for creds in credentials(db, poll.election).values():
        cast_order.append(receipt_hash(vote(db, poll, creds).receipt))
    if uses_postgres():
        # The heap keeps insertion order until the close of poll rewrites the ballots.
        Clock.offset = timedelta(days=4)
        assert erase_credentials_after_close(engine, settings, poll.election)
        xmins = db.execute(
            text("SELECT count(DISTINCT xmin::text) FROM ballot WHERE election_id = :e"),
            {"e": poll.election.id},
        ).scalar_one()
        assert xmins == 1, "every ballot row now comes from one transaction"
    rows = list(db.exec(select(Ballot)).all())
    hashes_only = list(db.exec(select(Ballot.receipt_hash)).all())
    db.commit()
    unordered = [b.receipt_hash for b in rows]
    assert sorted(unordered) == sorted(cast_order)
    assert unordered != cast_order and hashes_only != cast_order
    assert [b.id for b in rows] == sorted(b.id for b in rows), "rows come in random-id order"


def test_votes_after_the_close_are_refused_while_the_status_still_says_polling(
    db: Session,
) -> None:
    poll = make_poll(db, make_org(db), voters=1, closes_in=timedelta(hours=1))
    creds = next(iter(credentials(db, poll.election).values()))
    Clock.offset = timedelta(hours=1, seconds=1)
    election = db.get(Election, poll.election.id)
    assert election is not None and election.status == "polling"
    with pytest.raises(VoteRefused) as refused:
        vote(db, poll, creds)
    assert refused.value.reason == "poll-closed"
    db.rollback()
    assert count_ballots(db, poll.election.id) == 0


def test_a_vote_whose_check_straddles_the_close_is_refused(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = make_poll(db, make_org(db), voters=1, closes_in=timedelta(minutes=5))
    creds = next(iter(credentials(db, poll.election).values()))
    election = db.get(Election, poll.election.id)
    assert election is not None and election.poll_close_at is not None
    times = iter([election.poll_close_at - timedelta(seconds=1), election.poll_close_at])

    def clock() -> datetime:
        return next(times, election.poll_close_at + timedelta(seconds=1))

    monkeypatch.setattr(ballot_box, "utcnow", clock)
    with pytest.raises(VoteRefused) as refused:
        vote(db, poll, creds)
    assert refused.value.reason == "poll-closed"
    monkeypatch.undo()
    assert count_ballots(db, poll.election.id) == 0
    voter = db.exec(select(Voter).where(Voter.election_id == poll.election.id)).one()
    assert voter.status == VoterStatus.ISSUED
    db.commit()


def test_before_the_poll_opens_nothing_is_accepted(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=1)
    creds = next(iter(credentials(db, poll.election).values()))
    Clock.offset = -timedelta(days=11)
    with pytest.raises(VoteRefused, match="not open"):
        vote(db, poll, creds)


def test_the_declaration_is_needed_on_every_channel_for_public_voters(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=2)
    first, second = credentials(db, poll.election).values()
    for channel in (Channel.ONLINE, Channel.TELEPHONE):
        with pytest.raises(VoteRefused) as refused:
            vote(db, poll, first, channel=channel, declaration_made=False)
        assert refused.value.reason == "declaration-missing"
        db.rollback()
    vote(db, poll, second, channel=Channel.POSTAL, declaration_made=True)


def test_staff_voters_make_no_declaration(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=1, declaration=False)
    creds = next(iter(credentials(db, poll.election).values()))
    assert vote(db, poll, creds, declaration_made=False).receipt


def test_rejected_paper_uses_up_the_vote_and_is_kept_with_its_reason(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=1)
    creds = next(iter(credentials(db, poll.election).values()))
    vote(db, poll, creds, channel=Channel.POSTAL, rejected="too-many-marks", choices=[])
    [ballot] = opened_ballots(db, poll.election.id)
    assert ballot.invalid_reason == "too-many-marks" and ballot.choices == []
    with pytest.raises(VoteRefused, match="already"):
        vote(db, poll, creds, channel=Channel.TELEPHONE)
    db.rollback()
    with pytest.raises(VoteRefused) as refused:
        vote(db, poll, creds, channel=Channel.ONLINE, rejected="unmarked")
    assert refused.value.reason in {"unknown-rejection", "already-voted"}


def test_a_late_paper_is_kept_but_changes_nothing_on_the_roll(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=1, closes_in=timedelta(hours=1))
    creds = next(iter(credentials(db, poll.election).values()))
    election = db.get(Election, poll.election.id)
    assert election is not None
    with pytest.raises(VoteRefused, match="not closed"):
        ballot_box.record_late(
            db, KEYS, election=election, voter_id=creds.voter_id, code=creds.code, choices=[]
        )
    db.rollback()
    Clock.offset = timedelta(hours=2)
    ballot_box.record_late(
        db,
        KEYS,
        election=election,
        voter_id=creds.voter_id,
        code=creds.code,
        choices=[*poll.candidate_ids(), 99999],
    )
    [late] = opened_ballots(db, poll.election.id)
    assert late.late and late.choices == poll.candidate_ids()
    assert db.exec(select(Voter.status)).one() == VoterStatus.ISSUED
    with pytest.raises(VoteRefused, match="do not match"):
        ballot_box.record_late(
            db, KEYS, election=election, voter_id=creds.voter_id, code="00000000", choices=[]
        )
    db.rollback()


def test_the_seal_detects_a_ballot_edited_in_the_database(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=1)
    creds = next(iter(credentials(db, poll.election).values()))
    vote(db, poll, creds, choices=poll.candidate_ids()[:2])
    ballot = db.exec(select(Ballot)).one()

    def sealed_ok(b: Ballot) -> bool:
        assert b.sealed is not None
        content = tracker(b.sealed)
        expected = ballot_box.ballot_seal(KEYS, b.id, b.election_id, content, b.receipt_hash)
        return expected == b.seal

    assert sealed_ok(ballot)
    # Someone with the public key and the database puts in a ballot of their own making.
    ballot.sealed = seal_ballot(
        ELECTION_KEY.public, poll.candidate_ids()[:1], None, candidates_on_ballot=3
    )
    assert not sealed_ok(ballot)
    db.rollback()


def test_a_receipt_is_random_and_only_its_hash_is_stored(db: Session) -> None:
    poll = make_poll(db, make_org(db), voters=2)
    receipts = [vote(db, poll, c).receipt for c in credentials(db, poll.election).values()]
    assert receipts[0] != receipts[1]
    stored = set(db.exec(select(Ballot.receipt_hash)).all())
    assert stored == {receipt_hash(r) for r in receipts}
    assert not any(r in str(stored) for r in receipts)
    assert utcnow() < (poll.election.poll_close_at or utcnow())
