"""The election key: made with ``governance election-key`` (as a subprocess, as the returning
officer runs it), given to the service as a public key only, and needed whole (or k of its n
trustees' shares) to count."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance.audit import AuditEntry
from governance.elections import declaration
from governance.elections.ballot_box import VoteRefused
from governance.elections.election_key import KeyProblem, combine_shares, public_of
from governance.elections.key_custody import set_public_key
from governance.elections.models import Ballot, CountedBallot, Election, ElectionStatus
from governance.errors import Conflict, Invalid
from governance.settings import Settings
from tests.elections.key_support import governance_command, make_key
from tests.elections.poll_helpers import credentials, make_poll
from tests.elections.test_ballot_box import vote
from tests.factories import make_org, travel_to


def test_generate_writes_a_private_file_and_prints_the_public_key(tmp_path: Path) -> None:
    key = make_key(tmp_path)
    [path] = key.files
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert key.public in text and "GSK1-" in text
    shown = governance_command("election-key", "public", "officer.key", cwd=tmp_path)
    assert shown.returncode == 0 and key.public in shown.stdout
    again = governance_command("election-key", "generate", "--out", "officer.key", cwd=tmp_path)
    assert again.returncode != 0 and "exists already" in again.stderr
    assert path.read_text() == text, "an existing key file is never overwritten"


def test_trustee_shares_rebuild_the_key_only_k_at_a_time(tmp_path: Path) -> None:
    key = make_key(tmp_path, trustees=3, needed=2)
    assert len(key.files) == 3 and all(p.exists() for p in key.files)
    assert not (tmp_path / "officer.key").exists(), "the whole private key is not kept"
    shares = [
        next(ln for ln in p.read_text().splitlines() if ln.startswith("GSS1-")) for p in key.files
    ]
    for pair in ([0, 1], [1, 2], [0, 2]):
        assert public_of(combine_shares([shares[i] for i in pair])) == key.public
    with pytest.raises(KeyProblem, match="needs 2 of its 3"):
        combine_shares(shares[:1])
    bad = governance_command(
        "election-key", "generate", "--out", "x", "--trustees", "3", cwd=tmp_path
    )
    assert bad.returncode != 0 and "--needed" in bad.stderr


def test_no_vote_is_taken_until_the_public_key_is_set(db: Session, tmp_path: Path) -> None:
    poll = make_poll(db, make_org(db), voters=1, public_key=None)
    creds = next(iter(credentials(db, poll.election).values()))
    with pytest.raises(VoteRefused) as refused:
        vote(db, poll, creds)
    assert refused.value.reason == "no-election-key"
    db.rollback()
    key = make_key(tmp_path)
    election = db.get(Election, poll.election.id)
    assert election is not None
    with pytest.raises(Invalid):
        set_public_key(db, election, public_key="GPK1-short", actor="user:ro")
    assert set_public_key(db, election, public_key=key.public, actor="user:ro") == key.fingerprint
    poll.election = election
    vote(db, poll, creds)
    other = make_key(tmp_path / "x") if (tmp_path / "x").mkdir() is None else None
    assert other is not None
    with pytest.raises(Conflict, match="cannot be changed"):
        set_public_key(db, election, public_key=other.public, actor="user:ro")
    db.rollback()
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "election.key_set")).one()
    assert json.loads(entry.detail)["fingerprint"] == key.fingerprint
    assert key.public not in entry.detail


def test_a_count_with_trustees_shares(
    db: Session, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    key = make_key(tmp_path, trustees=3, needed=2)
    poll = make_poll(db, make_org(db), voters=3, public_key=key.public, method="fptp", seats=1)
    election = db.get(Election, poll.election.id)
    assert election is not None
    election.key_trustees, election.key_shares_needed = 3, 2
    db.add(election)
    db.commit()
    ids = poll.candidate_ids()
    for creds, choice in zip(credentials(db, election).values(), [0, 0, 1], strict=True):
        vote(db, poll, creds, choices=[ids[choice]])
    assert election.poll_close_at is not None
    travel_to(election.poll_close_at)
    db.get(Election, election.id, populate_existing=True)
    election.status = ElectionStatus.POLL_CLOSED
    db.add(election)
    db.commit()
    shares = key.file_text(3).splitlines()
    for given, message in ((shares, "needs 2 of its 3"), ([], "Give the election private key")):
        with pytest.raises(Invalid, match=message):
            declaration.count(db, election, seed=None, actor="user:ro", shares=given)
        assert db.exec(select(CountedBallot)).all() == []
        db.commit()
    two = key.file_text(1, 3).splitlines()
    result = declaration.count(db, election, seed=None, actor="user:ro", shares=two)
    assert result["elected"] == [poll.candidates[0].ballot_name]
    assert len(db.exec(select(CountedBallot)).all()) == 3
    assert len(db.exec(select(Ballot)).all()) == 3
    audit = db.exec(select(AuditEntry).where(AuditEntry.action == "election.counted")).one()
    assert "trustees' shares" in json.loads(audit.detail)["key"]
    assert "GSS1" not in audit.detail and "GSK1" not in audit.detail


def test_the_key_can_be_replaced_only_before_voting_opens(db: Session, tmp_path: Path) -> None:
    first, second, third = (
        make_key(tmp_path / n) for n in ("a", "b", "c") if not (tmp_path / n).mkdir()
    )
    poll = make_poll(
        db,
        make_org(db),
        voters=1,
        public_key=None,
        status=ElectionStatus.AWAITING_POLL,
        opened=timedelta(days=-1),
    )
    election = db.get(Election, poll.election.id)
    assert election is not None and election.poll_open_at is not None
    set_public_key(db, election, public_key=first.public, actor="user:ro")
    assert (
        set_public_key(db, election, public_key=second.public, actor="user:ro")
        == second.fingerprint
    )
    travel_to(election.poll_open_at)
    with pytest.raises(Conflict, match="Voting has opened"):
        set_public_key(db, election, public_key=third.public, actor="user:ro")
    db.rollback()
    assert db.get(Election, election.id, populate_existing=True).ballot_public_key == second.public  # type: ignore[union-attr]
