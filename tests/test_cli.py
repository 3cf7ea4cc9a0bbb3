"""The ``governance`` command: exit codes and messages an operator's scripts can rely on."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import __version__
from governance.cli import main
from governance.mail import queue_mail
from governance.migrate import head_revision
from governance.settings import Settings


def env_for(settings: Settings, **overrides: str) -> dict[str, str]:
    return {
        "GOVERNANCE_ENV": "test",
        "GOVERNANCE_DATA_DIR": str(settings.data_dir),
        "GOVERNANCE_DATABASE_URL": settings.database_url,
        "GOVERNANCE_SECRET_KEY": settings.secret_key,
        "GOVERNANCE_SMTP_HOST": "",
        **overrides,
    }


def run(settings: Settings, *args: str, **overrides: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env_for(settings, **overrides))


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_db_current_on_a_migrated_database(settings: Settings) -> None:
    result = run(settings, "db", "current")
    assert result.exit_code == 0, result.output
    head = head_revision(settings.database_url)
    assert f"current: {head}" in result.stdout
    assert f"head:    {head}" in result.stdout


def test_db_current_on_an_empty_database_fails(settings: Settings, tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run(settings, "db", "current", GOVERNANCE_DATABASE_URL=empty)
    assert result.exit_code == 1
    assert "current: (empty database)" in result.stdout


def test_db_upgrade_then_current(settings: Settings, tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}"
    result = run(settings, "db", "upgrade", GOVERNANCE_DATABASE_URL=fresh)
    assert result.exit_code == 0, result.output
    assert "database at head" in result.stdout
    assert run(settings, "db", "current", GOVERNANCE_DATABASE_URL=fresh).exit_code == 0


def test_db_check_finds_models_and_migrations_agree(settings: Settings) -> None:
    result = run(settings, "db", "check")
    assert result.exit_code == 0, result.output
    assert "models and migrations agree" in result.stdout


def test_bad_settings_are_reported_without_a_traceback(settings: Settings) -> None:
    result = run(settings, "db", "current", GOVERNANCE_SMTP_PORT="abc")
    assert result.exit_code == 1
    assert "GOVERNANCE_SMTP_PORT must be a whole number" in result.stderr
    assert "Traceback" not in result.output


def test_production_without_a_key_refuses_to_serve(settings: Settings) -> None:
    result = run(
        settings,
        "serve",
        GOVERNANCE_ENV="production",
        GOVERNANCE_SECRET_KEY="",
        GOVERNANCE_BASE_URL="https://example.org",
    )
    assert result.exit_code == 1
    assert "GOVERNANCE_SECRET_KEY" in result.stderr


def test_several_workers_need_postgresql(settings: Settings, tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'x.db'}"
    result = run(settings, "serve", "--workers", "2", GOVERNANCE_DATABASE_URL=sqlite)
    assert result.exit_code == 1
    assert "use PostgreSQL" in result.stderr


def test_scheduler_once_runs_the_jobs(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session:
        queue_mail(session, to="member@example.org", subject="Reminder", text="Vote")
        session.commit()
    result = run(settings, "scheduler", "--once")
    assert result.exit_code == 0, result.output
    written = list((settings.data_dir / "mail").glob("*.eml"))
    assert len(written) == 1
    assert "Subject: Reminder" in written[0].read_text()
