"""Migrations on the active backend: from empty to head, back to base, and step by step.

On PostgreSQL each test migrates a schema of its own (through ``search_path``), so the shared
test database is left alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from governance import audit
from governance.audit import GENESIS, AuditHead
from governance.db import make_engine
from governance.migrate import alembic_config, check, current_revision, head_revision, upgrade
from tests.conftest import PG_URL, TEST_SECRET


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it, on the backend the suite is running against."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"migration_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def revisions_oldest_first(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_url: str) -> None:
    assert revision_of(empty_url) is None
    upgrade(empty_url)
    assert revision_of(empty_url) == head_revision(empty_url)
    assert {"audit_entry", "audit_head", "outbox_message", "organisation"} <= tables(empty_url)
    assert check(empty_url) == []


def test_upgrading_twice_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    before = tables(empty_url)
    upgrade(empty_url)
    assert tables(empty_url) == before


def test_the_audit_log_starts_empty_and_append_only(empty_url: str) -> None:
    upgrade(empty_url)
    audit.configure(TEST_SECRET)
    engine = make_engine(empty_url)
    try:
        with Session(engine) as session:
            head = session.get(AuditHead, 1)
            assert head is not None and (head.seq, head.hash) == (0, GENESIS)
            audit.record(session, actor="system", action="test")
            session.commit()
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_entry"))
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert revision_of(empty_url) is None
    assert tables(empty_url) <= {"alembic_version"}
    upgrade(empty_url)
    assert revision_of(empty_url) == head_revision(empty_url)
    assert check(empty_url) == []


def test_every_revision_steps_up_and_down(empty_url: str) -> None:
    revisions = revisions_oldest_first(empty_url)
    config = alembic_config(empty_url)
    for revision in revisions:
        upgrade(empty_url, revision)
        assert revision_of(empty_url) == revision
    for expected in [*reversed(revisions[:-1]), None]:
        command.downgrade(config, "-1")
        assert revision_of(empty_url) == expected
    assert tables(empty_url) <= {"alembic_version"}
