"""The ``governance`` command.

Every command reads the settings through :func:`governance.cli_support.load_settings` (which
sets up the log and the audit key) and reports any failure in one line; see cli_support. The
imports of the database layers stay inside the commands, so ``governance --help`` and
``governance count`` start quickly.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from governance import __version__
from governance.cli_support import (
    ACTOR,
    OneLineGroup,
    load_settings,
    open_engine,
    session,
    sqlite_path,
)

if TYPE_CHECKING:  # `governance count` must start without the database stack
    from sqlalchemy.engine import Engine


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="governance")
def main() -> None:
    """Member registers, elections, meetings and accountability for member-owned organisations.

    Configuration comes from GOVERNANCE_* environment variables (see docs/operations.md).
    """


# -- serve -------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--migrate/--no-migrate", default=True, show_default=True, help="Upgrade the database first."
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(host: str, port: int, workers: int, migrate: bool, access_log: bool) -> None:
    """Run the web service (and the scheduler, in whichever worker holds the lock)."""
    import uvicorn

    from governance.migrate import upgrade

    settings = load_settings()
    if settings.is_sqlite and workers > 1:
        raise click.ClickException(
            "SQLite serves one process; "
            "use PostgreSQL (GOVERNANCE_DATABASE_URL) for several workers"
        )
    _check_free(host, port)
    if migrate:
        upgrade(settings.database_url)
    where = f"http://{host}:{port}"
    click.echo(f"governance {__version__} on {where} ({settings.environment}, {workers} worker(s))")
    uvicorn.run(
        "governance.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        log_level=settings.log_level.lower(),
    )


def _check_free(host: str, port: int) -> None:
    """Refuse, in one line, an address the service could not listen on (uvicorn would log it
    among its start-up lines and exit with status 3)."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None


# -- db ----------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema: upgrade, show, check, and new revisions (for developers)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest), creating it if need be."""
    from governance.migrate import head_revision, upgrade

    settings = load_settings()
    before = _revision_of(settings.database_url)
    upgrade(settings.database_url, revision)
    after = _revision_of(settings.database_url)
    newest = " (the newest)" if after == head_revision(settings.database_url) else ""
    if before == after:
        click.echo(f"database already at {after}{newest}")
    else:
        click.echo(f"database upgraded from {before or '(empty)'} to {after}{newest}")


def _revision_of(database_url: str) -> str | None:
    from governance.db import make_engine
    from governance.migrate import current_revision

    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        return None
    engine = make_engine(database_url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    from governance.migrate import current_revision, head_revision

    settings = load_settings()
    engine = open_engine(settings)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision(settings.database_url)
    click.echo(f"current: {current or '(empty database)'}")
    click.echo(f"head:    {head}")
    if current != head:
        sys.exit(1)


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ (migrates a scratch SQLite database)."""
    from governance.migrate import check, upgrade

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'check.db'}"
        upgrade(url)
        differences = check(url)
    if differences:
        click.echo("models and migrations differ:", err=True)
        for difference in differences:
            click.echo(f"  {difference}", err=True)
        sys.exit(1)
    click.echo("models and migrations agree")


@db.command("revision")
@click.argument("message")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and head (developers)."""
    from alembic import command

    from governance.migrate import alembic_config, check, upgrade

    load_settings()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'revision.db'}"
        upgrade(url)
        if not check(url):
            raise click.ClickException(
                "models and migrations agree: there is no change to write a revision for"
            )
        script = command.revision(alembic_config(url), message=message, autogenerate=True)
    for written in script if isinstance(script, list) else [script]:
        if written is not None:
            click.echo(f"wrote {written.path}")


# -- admin -------------------------------------------------------------------------------------


@main.group()
def admin() -> None:
    """Platform administration."""


@admin.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", envvar="GOVERNANCE_ADMIN_PASSWORD", help="Asked for when not given.")
def admin_create(email: str, name: str, password: str | None) -> None:
    """Create a platform administrator (who must set up two-factor sign-in at first sign-in)."""
    from governance.auth import service

    settings = load_settings()
    engine = open_engine(settings)
    if not password:
        if not sys.stdin.isatty():
            engine.dispose()
            raise click.ClickException(
                "no password given and no terminal to ask on: set GOVERNANCE_ADMIN_PASSWORD"
            )
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    try:
        with session(engine) as db:
            try:
                user = service.create_user(
                    db,
                    email=email,
                    name=name,
                    password=password,
                    platform_admin=True,
                    actor=ACTOR,
                )
            except service.AccountError as error:
                raise click.ClickException(str(error)) from None
        click.echo(
            f"created platform administrator {user.email}; sign in at {settings.base_url}/sign-in"
        )
    finally:
        engine.dispose()


# -- audit -------------------------------------------------------------------------------------


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the whole audit chain; exit 1 naming each edited, deleted or missing entry."""
    from governance import audit as audit_log

    settings = load_settings()
    engine = open_engine(settings)
    try:
        with session(engine) as db:
            count, problems = audit_log.verify(db)
    finally:
        engine.dispose()
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem.message}", err=True)
        click.echo(f"audit chain broken: {len(problems)} problem(s) in {_entries(count)}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {_entries(count)}")


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


# -- scheduler ---------------------------------------------------------------------------------


@main.command()
@click.option("--once", is_flag=True, help="Run every job once and exit.")
def scheduler(once: bool) -> None:
    """Run the scheduler alone (when the web workers are started without it)."""
    import signal
    import threading

    from governance.scheduler import Scheduler, run_all_once

    settings = load_settings()
    engine = open_engine(settings)
    _require_head(settings.database_url, engine)
    if once:
        try:
            results = run_all_once(engine, settings)
        finally:
            engine.dispose()
        for job_id, succeeded in results.items():
            click.echo(f"{job_id}: {'done' if succeeded else 'FAILED (see the log above)'}")
        if not all(results.values()):
            sys.exit(1)
        return
    runner = Scheduler(engine, settings)
    if not runner.start():
        raise click.ClickException("another process already runs the scheduler")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("scheduler running; Ctrl-C to stop")
    stop.wait()
    runner.stop()
    engine.dispose()


def _require_head(database_url: str, engine: Engine) -> None:
    """Refuse to run the jobs on a database this release has not migrated (each job would
    fail, every time it ran)."""
    from governance.migrate import current_revision, head_revision

    current, head = current_revision(engine), head_revision(database_url)
    if current != head:
        engine.dispose()
        raise click.ClickException(
            f"the database is at {current or '(empty)'} and this release needs {head}; "
            "run 'governance db upgrade' first"
        )


def _attach_domain_commands() -> None:
    """Each domain adds its own command or group here."""
    from governance.elections.counting.cli import count_command
    from governance.elections.key_cli import election_key_command
    from governance.mail_cli import mail_command
    from governance.members.cli import register

    main.add_command(count_command, "count")
    main.add_command(register, "register")
    main.add_command(election_key_command, "election-key")
    main.add_command(mail_command, "mail")


_attach_domain_commands()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--members",
    default=60,
    show_default=True,
    type=click.IntRange(30, 200_000),
    help="Members on each register.",
)
@click.option(
    "--serve/--no-serve", default=True, show_default=True, help="Start the service after."
)
def demo(host: str, port: int, members: int, serve: bool) -> None:
    """Set up living demo organisations (elections, meetings, motions, forward plans, questions),
    print where each kind of user starts, and start the service.

    Links in the demo's e-mails and in what it prints use the host and port served, unless
    GOVERNANCE_BASE_URL says otherwise.
    """
    from governance import audit as audit_log
    from governance.db import make_engine
    from governance.demo import build, link_base, start_here
    from governance.migrate import upgrade

    if not os.environ.get("GOVERNANCE_BASE_URL"):
        os.environ["GOVERNANCE_BASE_URL"] = link_base(host, port)
    settings = load_settings()
    if settings.production:
        raise click.ClickException("the demo is not for production databases")
    upgrade(settings.database_url)
    audit_log.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    try:
        made = build(engine, settings, members=members)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"\nDemo data is in {settings.database_url}\n")
    for line in start_here(made, settings.base_url):
        click.echo(line)
    if serve:
        ctx = click.get_current_context()
        ctx.invoke(
            globals()["serve"], host=host, port=port, workers=1, migrate=False, access_log=True
        )


@main.command()
@click.option("--markdown", "as_markdown", is_flag=True, help="The Markdown API reference.")
def openapi(as_markdown: bool) -> None:
    """Print the OpenAPI description (JSON), or the API reference written from it."""
    import json

    from governance.app import create_app
    from governance.openapi_docs import markdown

    settings = load_settings().with_(run_scheduler=False)
    app = create_app(settings)
    spec = app.openapi_schema.to_schema()
    click.echo(
        markdown(spec) if as_markdown else json.dumps(spec, indent=2, sort_keys=True), nl=False
    )
