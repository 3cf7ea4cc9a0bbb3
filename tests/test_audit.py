"""The audit chain: appending, the append-only triggers, tamper detection, concurrent writers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from governance import audit
from governance.audit import GENESIS, AuditEntry, AuditHead, entry_hash
from governance.cli import main
from governance.db import make_engine
from governance.settings import Settings


def append(engine: Engine, count: int, *, actor: str = "system") -> None:
    """Record ``count`` entries, each in its own committed transaction."""
    for number in range(count):
        with Session(engine) as session:
            audit.record(
                session,
                actor=actor,
                action="test.append",
                object_type="thing",
                object_id=number,
                detail={"n": number},
            )
            session.commit()


def tamper(engine: Engine, sql: str, **params: object) -> None:
    """Run SQL as an attacker with direct database access would."""
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def verify(engine: Engine) -> tuple[int, list[audit.ChainProblem]]:
    with Session(engine) as session:
        return audit.verify(session)


@pytest.fixture
def unprotected(engine: Engine) -> Iterator[Engine]:
    """The engine, with the append-only triggers dropped (and put back afterwards)."""
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        tamper(engine, "DROP TRIGGER audit_entry_no_change ON audit_entry")
    else:
        tamper(engine, "DROP TRIGGER audit_entry_no_update")
        tamper(engine, "DROP TRIGGER audit_entry_no_delete")
    yield engine
    if postgres:
        tamper(
            engine,
            "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        )


def test_an_empty_log_verifies(engine: Engine) -> None:
    assert verify(engine) == (0, [])


def test_entries_are_chained_in_order(engine: Engine) -> None:
    append(engine, 5)
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
        head = session.get(AuditHead, 1)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert head is not None and (head.seq, head.hash) == (5, entries[-1].hash)
    assert verify(engine) == (5, [])


def test_an_entry_is_committed_with_the_change_it_records(engine: Engine) -> None:
    with Session(engine) as session:
        audit.record(session, actor="user:1", action="test.rolled_back")
        session.rollback()
    append(engine, 1)
    assert verify(engine) == (1, [])


def test_detail_is_stored_as_canonical_json(engine: Engine, db: Session) -> None:
    with Session(engine) as session:
        audit.record(session, actor="user:7", action="a", detail={"b": 2, "a": 1})
        session.commit()
    entry = db.exec(select(AuditEntry)).one()
    assert entry.detail == '{"a":1,"b":2}'
    assert entry.actor == "user:7"


def test_recording_before_configuring_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit.AuditKey, "value", "")
    with Session(engine) as session, pytest.raises(RuntimeError, match="configure"):
        audit.record(session, actor="system", action="x")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET actor = 'someone else' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_change_entries(engine: Engine, statement: str) -> None:
    append(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        tamper(engine, statement)
    assert verify(engine) == (2, [])


def test_an_edited_entry_is_named(unprotected: Engine) -> None:
    append(unprotected, 6)
    tamper(unprotected, "UPDATE audit_entry SET detail = :d WHERE seq = 3", d='{"n":99}')
    count, problems = verify(unprotected)
    assert count == 6
    assert [(p.seq, p.kind) for p in problems] == [(3, "edited")]
    assert problems[0].message == "entry 3 was edited"


def test_an_edit_with_a_recomputed_hash_needs_the_key(unprotected: Engine) -> None:
    """Without the server key an attacker cannot make an edited entry hash correctly."""
    append(unprotected, 3)
    with Session(unprotected) as session:
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.actor = "user:999"
        forged = entry_hash("a guess at the key", entry)
    tamper(
        unprotected,
        "UPDATE audit_entry SET actor = 'user:999', hash = :h WHERE seq = 2",
        h=forged,
    )
    _count, problems = verify(unprotected)
    assert (2, "edited") in [(p.seq, p.kind) for p in problems]


def test_a_deleted_entry_is_named(unprotected: Engine) -> None:
    append(unprotected, 6)
    tamper(unprotected, "DELETE FROM audit_entry WHERE seq = 3")
    count, problems = verify(unprotected)
    assert count == 5
    assert [(p.seq, p.kind, p.message) for p in problems] == [(3, "missing", "entry 3 deleted")]


def test_deleted_entries_are_named_as_a_range(unprotected: Engine) -> None:
    append(unprotected, 8)
    tamper(unprotected, "DELETE FROM audit_entry WHERE seq BETWEEN 3 AND 5")
    _count, problems = verify(unprotected)
    assert [p.message for p in problems] == ["entries 3 to 5 deleted"]


def test_a_removed_tail_is_detected_by_the_head(unprotected: Engine) -> None:
    append(unprotected, 10)
    tamper(unprotected, "DELETE FROM audit_entry WHERE seq > 8")
    count, problems = verify(unprotected)
    assert count == 8
    assert [(p.seq, p.kind) for p in problems] == [(9, "truncated")]
    assert problems[0].message == "entries 9 to 10 were removed from the end"


def test_a_missing_head_row_is_reported(unprotected: Engine) -> None:
    append(unprotected, 2)
    tamper(unprotected, "DELETE FROM audit_head")
    _count, problems = verify(unprotected)
    assert [p.kind for p in problems] == ["truncated"]
    tamper(unprotected, "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)", h=GENESIS)


def test_a_different_key_fails_every_entry(engine: Engine) -> None:
    append(engine, 3)
    original = audit.AuditKey.value
    try:
        audit.configure("another-secret-key-of-a-different-deployment-000000")
        _count, problems = verify(engine)
    finally:
        audit.AuditKey.value = original
    assert [p.seq for p in problems] == [1, 2, 3]


def test_concurrent_writers_keep_one_chain(engine: Engine, settings: Settings) -> None:
    """Threads, each with its own engine (so its own connections), append at the same time."""
    threads, each = 6, 15
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        own = make_engine(settings.database_url)
        try:
            barrier.wait()
            append(own, each, actor=f"writer:{number}")
        except BaseException as error:
            errors.append(error)
        finally:
            own.dispose()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    count, problems = verify(engine)
    assert (count, problems) == (threads * each, [])
    with Session(engine) as session:
        actors = session.exec(select(AuditEntry.actor)).all()
    assert sorted(set(actors)) == [f"writer:{n}" for n in range(threads)]


# -- governance audit verify ---------------------------------------------------------------------


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "GOVERNANCE_ENV": "test",
        "GOVERNANCE_DATA_DIR": str(settings.data_dir),
        "GOVERNANCE_DATABASE_URL": settings.database_url,
        "GOVERNANCE_SECRET_KEY": settings.secret_key,
    }


def test_cli_verify_passes_an_intact_chain(engine: Engine, settings: Settings) -> None:
    append(engine, 4)
    result = CliRunner().invoke(main, ["audit", "verify"], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 4 entries" in result.stdout


def test_cli_verify_fails_naming_each_problem(unprotected: Engine, settings: Settings) -> None:
    append(unprotected, 6)
    tamper(unprotected, "UPDATE audit_entry SET actor = 'nobody' WHERE seq = 2")
    tamper(unprotected, "DELETE FROM audit_entry WHERE seq = 4")
    result = CliRunner().invoke(main, ["audit", "verify"], env=cli_env(settings))
    assert result.exit_code == 1
    assert "FAIL entry 2 was edited" in result.stderr
    assert "FAIL entry 4 deleted" in result.stderr
    assert "audit chain broken: 2 problem(s) in 5 entries" in result.stderr


def test_cli_verify_with_the_wrong_key_fails(engine: Engine, settings: Settings) -> None:
    append(engine, 1)
    env = {**cli_env(settings), "GOVERNANCE_SECRET_KEY": "x" * 40}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code == 1
    assert "entry 1 was edited" in result.stderr
