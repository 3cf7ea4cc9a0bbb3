"""The ``governance`` command, run as an operator runs it: the installed script, in a process of
its own, configured by GOVERNANCE_* variables, on a fresh database in the test's directory.

Each command has a test that checks what it really does, and what it says when it is given
something wrong: one line starting ``Error:``, a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import socket
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from governance import audit
from governance.audit import AuditEntry
from governance.auth import passwords
from governance.auth.models import User
from governance.cli import main
from governance.db import make_engine
from governance.mail import queue_mail
from governance.migrate import current_revision, head_revision, upgrade
from governance.scheduler import load_jobs
from tests.commands import Shell, free_port, get, read_until, running, stop, wait_for
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "postgresql://governance:s3cret@127.0.0.1:1/governance"
STOPPED = (0, -15)
"""How a server stopped by SIGTERM exits: uvicorn shuts down cleanly, then re-raises the signal."""
PASSWORD = "a long enough password for an administrator"

TESTED = {
    "serve",
    "db upgrade",
    "db current",
    "db check",
    "db revision",
    "admin create",
    "audit verify",
    "scheduler",
    "count",
    "openapi",
    "demo",
    "register import",
    "register export",
    "election-key generate",
    "election-key public",
    "mail status",
    "mail failed",
    "mail retry",
}
"""Every command and subcommand, each with its test here or beside its code: the register's in
tests/members/test_cli.py, the election key's in tests/elections/test_election_key.py, the
outbox's in tests/test_mail_cli.py."""


@pytest.fixture
def shell(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    return Shell(tmp_path, tmp_path_factory)


def commands(group: click.Group, prefix: str = "") -> set[str]:
    context = click.Context(group)
    found: set[str] = set()
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix}{name} ")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_command_has_its_test() -> None:
    assert commands(main) == TESTED


def test_help_version_and_an_unknown_command(shell: Shell) -> None:
    helped, version, unknown, bad_option = shell.run_all(
        [["--help"], ["--version"], ["regster"], ["--colour"]]
    )
    listed = re.findall(r"^  ([\w-]+) ", helped.ok().stdout.split("Commands:\n", 1)[1], re.M)
    assert sorted(listed) == sorted({name.split()[0] for name in TESTED})
    assert re.fullmatch(r"governance, version \S+\n", version.ok().stdout)
    unknown.refused("No such command 'regster'. Did you mean 'register'?", status=2)
    bad_option.refused("No such option '--colour'", status=2)


def test_bad_settings_are_one_line_each(shell: Shell) -> None:
    port, level, url = [
        shell.run("audit", "verify", **{name: value})
        for name, value in [
            ("GOVERNANCE_SMTP_PORT", "abc"),
            ("GOVERNANCE_LOG_LEVEL", "loud"),
            ("GOVERNANCE_DATABASE_URL", "mysql+nosuchdriver://x/y"),
        ]
    ]
    port.refused("GOVERNANCE_SMTP_PORT must be a whole number, got 'abc'")
    level.refused("GOVERNANCE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'")
    url.refused("GOVERNANCE_DATABASE_URL cannot be used")


def test_db_upgrade(shell: Shell) -> None:
    nested = shell.root / "new" / "place" / "governance.db"
    fresh = shell.run("db", "upgrade", GOVERNANCE_DATABASE_URL=f"sqlite:///{nested}").ok()
    head = head_revision(f"sqlite:///{nested}")
    assert fresh.stdout == f"database upgraded from (empty) to {head} (the newest)\n"
    engine = make_engine(f"sqlite:///{nested}")
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()
    again, bad = shell.run_all(
        [["db", "upgrade"], ["db", "upgrade", "no-such-revision"]],
        GOVERNANCE_DATABASE_URL=f"sqlite:///{nested}",
    )
    assert again.ok().stdout == f"database already at {head} (the newest)\n"
    bad.refused("Can't locate revision identified by 'no-such-revision'", status=1)
    unreachable = shell.run("db", "upgrade", GOVERNANCE_DATABASE_URL=UNREACHABLE)
    unreachable.refused(
        "cannot use the database postgresql+psycopg://governance:***@127.0.0.1:1/governance: "
        "connection failed"
    )
    assert "s3cret" not in unreachable.stderr


def test_db_current(shell: Shell) -> None:
    missing = shell.run("db", "current")
    missing.refused(f"there is no database at {shell.database}; run 'governance db upgrade'")
    assert not shell.database.exists()
    upgrade(shell.database_url, "0002_auth")
    behind = shell.run("db", "current")
    head = head_revision(shell.database_url)
    assert behind.returncode == 1 and "Traceback" not in behind.stderr
    assert behind.stdout == f"current: 0002_auth\nhead:    {head}\n"
    upgrade(shell.database_url)
    assert shell.run("db", "current").ok().stdout == f"current: {head}\nhead:    {head}\n"


def test_db_check(shell: Shell) -> None:
    agreed, extra = shell.run_all([["db", "check"], ["db", "check", "extra"]])
    assert agreed.ok().stdout == "models and migrations agree\n"
    extra.refused("Got unexpected extra argument (extra)", status=2)


def test_db_revision_writes_nothing_when_models_and_migrations_agree(shell: Shell) -> None:
    before = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    nothing, no_message = shell.run_all([["db", "revision", "add a column"], ["db", "revision"]])
    nothing.refused("models and migrations agree: there is no change to write a revision for")
    no_message.refused("Missing argument 'MESSAGE'", status=2)
    assert sorted((ROOT / "migrations" / "versions").glob("*.py")) == before


def admins(shell: Shell) -> list[User]:
    engine = make_engine(shell.database_url)
    try:
        with Session(engine) as db:
            return list(db.exec(select(User).where(col(User.is_platform_admin))).all())
    finally:
        engine.dispose()


def audit_entries(database_url: str) -> list[AuditEntry]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            return list(db.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all())
    finally:
        engine.dispose()


def test_admin_create(shell: Shell) -> None:
    shell.migrated()
    prompted = shell.on_a_terminal(
        "admin", "create", "--email", "Ada@Example.org", "--name", "Ada Admin",
        answers=[("Password:", f"{PASSWORD}\n"), ("Repeat for confirmation:", f"{PASSWORD}\n")],
    )  # fmt: skip
    assert "Password: " in prompted and "Repeat for confirmation: " in prompted
    assert PASSWORD not in prompted  # not echoed
    assert "created platform administrator ada@example.org; sign in at " in prompted
    [admin] = admins(shell)
    assert (admin.email, admin.name) == ("ada@example.org", "Ada Admin")
    assert passwords.verify_password(admin.password_hash, PASSWORD)[0]
    [entry] = audit_entries(shell.database_url)
    assert (entry.actor, entry.action) == ("cli", "auth.user_created")
    again, missing, bad_email, short = shell.run_all(
        [
            ["admin", "create", "--email", "ada@example.org", "--name", "Ada"],
            ["admin", "create", "--name", "Bea"],
            ["admin", "create", "--email", "not-an-address", "--name", "Bea"],
            ["admin", "create", "--email", "bea@example.org", "--name", "Bea", "--password", "x"],
        ],
        GOVERNANCE_ADMIN_PASSWORD=PASSWORD,
    )
    no_password = shell.run("admin", "create", "--email", "bea@example.org", "--name", "Bea")
    no_password.refused(
        "no password given and no terminal to ask on: set GOVERNANCE_ADMIN_PASSWORD"
    )
    again.refused("There is already an account with that email address", status=1)
    missing.refused("Missing option '--email'. See 'governance admin create --help'.", status=2)
    bad_email.refused("email", status=1)
    short.refused("password", status=1)
    assert len(admins(shell)) == 1


def test_admin_create_on_a_database_not_set_up(shell: Shell, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    create = ["admin", "create", "--email", "ada@example.org", "--name", "Ada"]
    missing, unmigrated, unreachable = [
        shell.run(*create, GOVERNANCE_ADMIN_PASSWORD=PASSWORD, GOVERNANCE_DATABASE_URL=url)
        for url in (shell.database_url, f"sqlite:///{empty}", UNREACHABLE)
    ]
    missing.refused("there is no database at")
    unmigrated.refused("the database is not migrated to this release")
    unmigrated.refused("run 'governance db upgrade' first")
    unreachable.refused("cannot use the database")


def test_audit_verify(shell: Shell) -> None:
    shell.migrated()
    assert shell.run("audit", "verify").ok().stdout == "audit chain intact: 0 entries\n"
    audit.configure(TEST_SECRET)
    engine = make_engine(shell.database_url)
    with Session(engine) as db:
        audit.record(db, actor="cli", action="auth.user_created", object_type="user", object_id=1)
        db.commit()
    assert shell.run("audit", "verify").ok().stdout == "audit chain intact: 1 entry\n"
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))  # as an intruder might
        connection.execute(update(AuditEntry).values(actor="someone else"))
    engine.dispose()
    broken = shell.run("audit", "verify")
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stderr.startswith("FAIL ")
    assert broken.stderr.endswith("audit chain broken: 1 problem(s) in 1 entry\n")
    shell.run("audit", "verify", GOVERNANCE_DATABASE_URL=UNREACHABLE).refused(
        "cannot use the database"
    )


def queue_a_message(shell: Shell) -> None:
    """One message in the outbox, due whatever the time: the command reads the real clock,
    this process's is pinned (possibly to a later instant)."""
    engine = make_engine(shell.database_url)
    with Session(engine) as db:
        message = queue_mail(db, to="member@example.org", subject="Reminder", text="Vote")
        message.next_attempt_at = datetime(2000, 1, 1, tzinfo=UTC)
        db.add(message)
        db.commit()
    engine.dispose()


def test_scheduler_once(shell: Shell) -> None:
    shell.migrated()
    queue_a_message(shell)
    ran = shell.run("scheduler", "--once").ok()
    # Every job, once each (their order follows which modules were imported first).
    assert sorted(ran.stdout.splitlines()) == sorted(f"{job_id}: done" for job_id in load_jobs())
    [written] = list((shell.data_dir / "mail").glob("*.eml"))
    assert "Subject: Reminder" in written.read_text()
    missing = Shell(shell.root / "elsewhere", shell.factory).run("scheduler", "--once")
    missing.refused("there is no database at")
    upgrade(f"sqlite:///{shell.root / 'behind.db'}", "0002_auth")
    behind = shell.run(
        "scheduler", "--once", GOVERNANCE_DATABASE_URL=f"sqlite:///{shell.root / 'behind.db'}"
    )
    behind.refused(
        f"the database is at 0002_auth and this release needs {head_revision(shell.database_url)}"
    )


def job_lines(stderr: str) -> list[str]:
    return re.findall(r"governance\.scheduler: job (\S+) runs every \d+ (?:s|min|h)$", stderr, re.M)


def assert_one_line_per_job(stderr: str) -> None:
    """The log names each job once, from our own logger, and APScheduler says nothing at INFO."""
    assert sorted(job_lines(stderr)) == sorted(load_jobs())
    assert stderr.count(f"scheduler started with {len(load_jobs())} jobs") == 1
    assert "apscheduler" not in stderr
    assert "Running job" not in stderr and "Added job" not in stderr
    assert "Traceback" not in stderr


def test_scheduler_runs_until_stopped_and_keeps_the_log_short(shell: Shell) -> None:
    shell.migrated()
    queue_a_message(shell)
    with running(shell.start("scheduler")) as first:
        started = read_until(first, "stderr", "scheduler started")
        second = shell.run("scheduler")
        second.refused("another process already runs the scheduler", status=1)
        assert list((shell.data_dir / "mail").glob("*.eml")), "the jobs ran at start"
        status, stdout, stderr = stop(first)
    assert status == 0
    assert stdout == "scheduler running; Ctrl-C to stop\n"
    assert_one_line_per_job("\n".join(started) + "\n" + stderr)


def test_serve(shell: Shell) -> None:
    port = free_port()
    with running(shell.start("serve", "--port", str(port))) as server:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        assert get(f"http://127.0.0.1:{port}/ready")[0] == 200
        status, page = get(f"http://127.0.0.1:{port}/sign-in")
        assert status == 200 and "<form" in page
        code, stdout, stderr = stop(server)
    assert code in STOPPED, stderr
    assert f"on http://127.0.0.1:{port} (development, 1 worker(s))" in stdout
    assert_one_line_per_job(stderr)
    assert "Context impl" not in stderr  # Alembic's narration of the migration
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = str(taken.getsockname()[1])
        workers, sqlite_workers, in_use = shell.run_all(
            [["serve", "--workers", "0"], ["serve", "--workers", "2"], ["serve", "--port", busy]]
        )
    production = shell.run("serve", GOVERNANCE_ENV="production", GOVERNANCE_SECRET_KEY="")
    unreachable = shell.run("serve", GOVERNANCE_DATABASE_URL=UNREACHABLE)
    workers.refused("Invalid value for '--workers': 0 is not in the range 1<=x<=64", status=2)
    sqlite_workers.refused("SQLite serves one process; use PostgreSQL", status=1)
    in_use.refused(f"cannot listen on 127.0.0.1:{busy}: Address already in use", status=1)
    production.refused("production mode needs GOVERNANCE_SECRET_KEY", status=1)
    unreachable.refused("cannot use the database", status=1)


def test_count(shell: Shell) -> None:
    ballots = shell.root / "ward.blt"
    ballots.write_text('3 1\n2 1 0\n1 2 0\n1 3 0\n0\n"Ann"\n"Bob"\n"Cat"\n"Ward"\n')
    counted, as_json, missing, method = shell.run_all(
        [
            ["count", str(ballots), "--method", "fptp"],
            ["count", str(ballots), "--method", "fptp", "--format", "json"],
            ["count", "nowhere.blt", "--method", "fptp"],
            ["count", str(ballots), "--method", "guesswork"],
        ]
    )
    assert "Elected, in order: Ann" in counted.ok().stdout
    assert "Ann" in json.dumps(json.loads(as_json.ok().stdout))
    missing.refused("nowhere.blt: cannot read the file", status=2)
    method.refused("unknown method 'guesswork'", status=2)


def test_election_key(shell: Shell) -> None:
    made = shell.run("election-key", "generate", "--out", "officer.key").ok()
    public = re.search(r"GPK1-[A-Za-z0-9_\-]+", made.stdout)
    assert public, made.stdout
    assert "GSK1-" in (shell.root / "officer.key").read_text()
    shown, again, shares, too_many, missing = shell.run_all(
        [
            ["election-key", "public", "officer.key"],
            ["election-key", "generate", "--out", "officer.key"],
            ["election-key", "generate", "--out", "t", "--trustees", "3", "--needed", "2"],
            ["election-key", "generate", "--out", "u", "--trustees", "2", "--needed", "3"],
            ["election-key", "public", "nowhere.key"],
        ]
    )
    assert public.group(0) in shown.ok().stdout
    again.refused("exists already", status=1)
    assert "GPK1-" in shares.ok().stdout
    too_many.refused("Choose at least 2 shares needed, no more than the trustees")
    missing.refused("File 'nowhere.key' does not exist", status=2)


def test_openapi(shell: Shell) -> None:
    described, reference, bad = shell.run_all(
        [["openapi"], ["openapi", "--markdown"], ["openapi", "--yaml"]]
    )
    spec = json.loads(described.ok().stdout)
    assert spec["openapi"].startswith("3.") and "/api/orgs/{slug}/register/imports" in spec["paths"]
    assert reference.ok().stdout.startswith("#")
    bad.refused("No such option '--yaml'", status=2)


def test_demo_help(shell: Shell) -> None:
    helped, bad = shell.run_all([["demo", "--help"], ["demo", "--no-such-option"]])
    assert helped.ok().stdout.startswith("Usage: governance demo [OPTIONS]")
    bad.refused("No such option '--no-such-option'", status=2)
    assert not shell.database.exists()


def guide_commands() -> list[list[str]]:
    """The commands of the operator's guide's first steps, as written in docs/operations.md."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n## Installing\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("Then configure it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_the_operators_first_steps_work_as_written(shell: Shell) -> None:
    steps = guide_commands()
    exports = [step for step in steps if step[0] == "export"]
    runs = [step for step in steps if step[0] != "export"]
    env = dict(item.split("=", 1) for step in exports for item in step[1:])
    assert env["GOVERNANCE_ENV"] == "production"
    env.update(
        GOVERNANCE_DATA_DIR=str(shell.data_dir),
        # Production takes only a random-looking key, generated as the guide says.
        GOVERNANCE_SECRET_KEY=secrets.token_urlsafe(48),
        GOVERNANCE_DATABASE_URL=shell.database_url,
    )
    assert [step[1:3] for step in runs] == [
        ["db", "upgrade"],
        ["admin", "create"],
        ["audit", "verify"],
        ["serve", "--host"],
    ]
    assert all(step[0] == "/opt/governance/bin/governance" for step in runs)
    *commands_, serve = [step[1:] for step in runs]
    upgraded, created, verified = [
        shell.run(*args, GOVERNANCE_ADMIN_PASSWORD=PASSWORD, **env).ok() for args in commands_
    ]
    assert upgraded.stdout.startswith("database upgraded from (empty) to ")
    assert "created platform administrator admin@example.org" in created.stdout
    assert f"sign in at {env['GOVERNANCE_BASE_URL']}/sign-in" in created.stdout
    assert verified.stdout == "audit chain intact: 1 entry\n"
    port = free_port()
    serve[serve.index("--port") + 1] = str(port)
    with running(shell.start(*serve, **env)) as server:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        assert get(f"http://127.0.0.1:{port}/ready")[0] == 200
        assert get(f"http://127.0.0.1:{port}/sign-in")[0] == 200
        code, _, stderr = stop(server)
    assert code in STOPPED, stderr
    assert_one_line_per_job(stderr)
