"""Ballot secrecy against someone holding the whole database, the logs and the server's secret.

Voters vote through the API, each with a ranking no one else uses, so a ballot read anywhere
names its voter if it can be tied to a roll entry. The attacker then reads every table with full
SQL access and tries each link they know: the transaction id (``xmin``) and physical position
(``ctid``) of rows on PostgreSQL, ``rowid`` and the order of cells in the file on SQLite, time
columns, the outbox, the audit log and everything logged while the votes were cast; with the
server secret they try every key it yields on the stored ciphertexts, and with the voters'
receipts (a coercer's haul) they find the voters' ciphertexts. During the poll they must find
no readable ballot at all; after the count (with the returning officer's key) the opened
ballots must pair up with voters no better than chance.

Runs on SQLite, and on PostgreSQL when GOVERNANCE_TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import struct
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from governance.elections import declaration
from governance.elections.models import Election, ElectionStatus
from governance.elections.poll_jobs import erase_credentials_after_close
from governance.security import Keys
from governance.settings import Settings
from tests.conftest import Client, uses_postgres
from tests.elections.poll_helpers import ELECTION_KEY, credentials, make_poll
from tests.factories import make_org, travel_to

CANDIDATES = ("Ann Archer", "Ben Baker", "Cat Cooper", "Dan Dale")  # 24 distinct rankings
PURPOSES = (
    "ballot-seal", "voter-id", "voter-code", "token", "csrf", "seal:totp", "seal:credentials",
    "seal:postal-pack", "election", "ballot",
)  # fmt: skip


def kendall_tau(order: list[int]) -> float:
    """Agreement of ``order`` with 0..n-1: 1 the same, -1 reversed, about 0 unrelated."""
    pairs = list(itertools.combinations(range(len(order)), 2))
    score = sum(1 if order[i] < order[j] else -1 for i, j in pairs)
    return score / len(pairs)


def forms_of(ranking: list[int]) -> list[bytes]:
    """The ways a ranking could sit in a row: JSON either way, and packed integers."""
    return [
        json.dumps(ranking).encode(),
        json.dumps(ranking, separators=(",", ":")).encode(),
        struct.pack(f">{len(ranking)}I", *ranking),
        struct.pack(f"<{len(ranking)}I", *ranking),
    ]


class Attacker:
    """Full SQL access and the server secret (but never the returning officer's key)."""

    def __init__(self, engine: Engine, secret: str) -> None:
        self.engine = engine
        keys = Keys(secret)
        self.private_keys = [PrivateKey(keys.derive(p)) for p in PURPOSES]

    def every_row(self) -> dict[str, list[bytes]]:
        found: dict[str, list[bytes]] = {}
        with self.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                found[table] = [b"|".join(_raw(v) for v in row) for row in rows]
        return found

    def try_open(self, sealed: bytes | None) -> bool:
        for key in self.private_keys:
            try:
                SealedBox(key).decrypt(sealed or b"")
            except CryptoError:
                continue
            return True
        return False

    def voters_in_order(self, election_id: int) -> list[tuple[int, str]]:
        """Voters who voted, ordered by whatever the backend says about when they were written,
        with the link the attacker would join on (``xmin`` on PostgreSQL)."""
        order = "xmin::text::bigint" if uses_postgres() else "rowid"
        link = "xmin::text" if uses_postgres() else "''"
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    f"SELECT member_id, {link} FROM voter WHERE election_id = :e "
                    f"AND status = 'voted' ORDER BY {order}"
                ),
                {"e": election_id},
            ).all()
        return [(int(m), str(x)) for m, x in rows]

    def ballots_by_link(self, election_id: int) -> dict[str, list[dict[str, Any]]]:
        if not uses_postgres():
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT xmin::text AS x, sealed, choices, invalid_reason FROM ballot "
                    "WHERE election_id = :e"
                ),
                {"e": election_id},
            ).all()
        linked: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            linked.setdefault(row.x, []).append(dict(row._mapping))
        return linked

    def counted_in_file_order(self, election_id: int) -> list[tuple[list[int], str]]:
        """The opened ballots in the order they sit in storage (``ctid`` / the file's order)."""
        order = "ORDER BY ctid" if uses_postgres() else ""
        link = "xmin::text" if uses_postgres() else "''"
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(f"SELECT choices, {link} FROM counted_ballot WHERE election_id = :e {order}"),
                {"e": election_id},
            ).all()
        return [(json.loads(c) if isinstance(c, str) else list(c), str(x)) for c, x in rows]

    def file_offsets(self, url: str, rankings: list[list[int]]) -> list[tuple[int, list[int]]]:
        """Where in the SQLite file (after a checkpoint) each ranking's stored form first sits."""
        path = Path(url.removeprefix("sqlite:///"))
        self.engine.dispose()  # no connection of the service's pool holds a read open
        raw = sqlite3.connect(path, isolation_level=None)
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            raw.close()
        content = path.read_bytes()
        found = []
        for ranking in rankings:
            places = [content.find(form) for form in forms_of(ranking)[:2]]
            places = [p for p in places if p >= 0]
            assert places, f"{ranking} is in the file once opened"
            found.append((min(places), ranking))
        return found


def _raw(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def test_no_readable_ballot_is_tied_to_a_voter(
    db: Session,
    engine: Engine,
    settings: Settings,
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll = make_poll(db, make_org(db), voters=24, candidates=CANDIDATES, seats=1)
    by_member = credentials(db, poll.election)
    rankings = [list(r) for r in itertools.permutations(poll.candidate_ids())]
    truth: dict[int, list[int]] = {}
    receipts: list[str] = []
    caplog.set_level(logging.DEBUG)
    for (member_id, creds), ranking in zip(sorted(by_member.items()), rankings, strict=True):
        token = client.get(f"{poll.api}/ballot").json()["csrf_token"]
        body = {
            "voter_id": creds.voter_id,
            "code": creds.code,
            "choices": ranking,
            "declaration": True,
        }
        cast = client.post(f"{poll.api}/ballots", json=body, headers={"X-CSRF-Token": token})
        assert cast.status_code == 201, cast.text
        truth[member_id] = ranking
        receipts.append(cast.json()["receipt"])
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    attacker = Attacker(engine, settings.secret_key)
    election_id = poll.election.id
    assert election_id is not None

    # During the poll: no ranking anywhere in the database or the logs, and nothing opens.
    dump = attacker.every_row()
    for table, rows in dump.items():
        for row in rows:
            for ranking in rankings:
                assert not any(form in row for form in forms_of(ranking)), table
    assert not any(form in logged for r in rankings for form in forms_of(r))
    assert dump["counted_ballot"] == []
    linked = attacker.ballots_by_link(election_id)
    voters = attacker.voters_in_order(election_id)
    assert len(voters) == 24
    for _member, link in voters:
        for ballot in linked.get(link, []):  # the xmin link finds a ciphertext, nothing more
            assert ballot["choices"] in ([], "[]") and ballot["invalid_reason"] is None
            assert not attacker.try_open(ballot["sealed"])
    with attacker.engine.connect() as connection:
        ciphertexts = connection.execute(text("SELECT sealed FROM ballot")).scalars().all()
        assert len(ciphertexts) == 24
        assert not any(attacker.try_open(bytes(c)) for c in ciphertexts)
        if not uses_postgres():
            with pytest.raises(OperationalError):  # no hidden row number records the order
                connection.execute(text("SELECT rowid FROM ballot")).all()

    # The close, then the count with the returning officer's key.
    election = db.get(Election, election_id)
    assert election is not None and election.poll_close_at is not None
    db.commit()
    travel_to(election.poll_close_at + timedelta(seconds=1))
    assert erase_credentials_after_close(engine, settings, election)
    election = db.get(Election, election_id, populate_existing=True)
    assert election is not None
    election.status = ElectionStatus.POLL_CLOSED
    db.add(election)
    db.commit()
    declaration.count(db, election, seed=None, actor="user:ro", private_key=ELECTION_KEY.private)
    db.commit()

    # After the count: the opened ballots are all there, in no order that follows the voting,
    # written in one transaction, with nothing that leads back to a voter or a receipt.
    counted = attacker.counted_in_file_order(election_id)
    assert sorted(c for c, _ in counted) == sorted(truth.values())
    voters = attacker.voters_in_order(election_id)
    paired = sum(
        1
        for (member, _), (choices, _) in zip(voters, counted, strict=True)
        if truth[member] == choices
    )
    assert paired <= 6, f"file order pairs {paired} of 24 ballots with their voters"
    rank_of = {tuple(r): i for i, r in enumerate(truth[m] for m, _ in voters)}
    tau = kendall_tau([rank_of[tuple(c)] for c, _ in counted])
    assert abs(tau) < 0.6, f"opened ballots follow the voting order (tau {tau:.2f})"
    if uses_postgres():
        assert len({x for _, x in counted}) == 1, "one transaction wrote every opened ballot"
        voter_links = {x for _, x in voters}
        assert not voter_links & {x for _, x in counted}
    if not uses_postgres():
        # Where each opened ballot's bytes sit in the database file follows the order they were
        # written: the shuffle, not the voting.
        offsets = attacker.file_offsets(settings.database_url, list(truth.values()))
        by_offset = [r for _, r in sorted(offsets)]
        tau = kendall_tau([rank_of[tuple(r)] for r in by_offset])
        assert len(by_offset) == 24 and abs(tau) < 0.6, f"file order tau {tau:.2f}"
    with attacker.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("counted_ballot")}
        assert columns == {"id", "election_id", "choices", "invalid_reason"}
        if not uses_postgres():
            with pytest.raises(OperationalError):
                connection.execute(text("SELECT rowid FROM counted_ballot")).all()
    # A receipt leads to a ciphertext (which still opens for nobody but the key holder), never
    # to an opened ballot; and nothing else the attacker holds reads as a ranking.
    for table, rows in attacker.every_row().items():
        if table in {"counted_ballot", "election"}:  # the result lists candidates in paper order
            continue
        for row in rows:
            for ranking in rankings:
                assert not any(form in row for form in forms_of(ranking)), table
    assert receipts and all(len(r) == 19 for r in receipts)
