"""The ``governance`` command."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import __version__
from governance.settings import Settings, SettingsError


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


# -- db ----------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema: upgrade, show, check, and new revisions (for developers)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from governance.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    from governance.db import make_engine
    from governance.migrate import current_revision, head_revision

    settings = load_settings()
    engine = make_engine(settings.database_url)
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

    from governance.migrate import alembic_config, upgrade

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'revision.db'}"
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)


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
    from governance.db import make_engine

    settings = load_settings()
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    engine = make_engine(settings.database_url)
    try:
        with _session(engine) as session:
            try:
                user = service.create_user(
                    session,
                    email=email,
                    name=name,
                    password=password,
                    platform_admin=True,
                    actor="cli",
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
    from governance.db import make_engine

    settings = load_settings()
    audit_log.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    try:
        with _session(engine) as session:
            count, problems = audit_log.verify(session)
    finally:
        engine.dispose()
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem.message}", err=True)
        click.echo(f"audit chain broken: {len(problems)} problem(s) in {count} entries", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {count} entries")


# -- scheduler ---------------------------------------------------------------------------------


@main.command()
@click.option("--once", is_flag=True, help="Run every job once and exit.")
def scheduler(once: bool) -> None:
    """Run the scheduler alone (when the web workers are started without it)."""
    import signal
    import threading

    from governance import audit as audit_log
    from governance.db import make_engine
    from governance.scheduler import Scheduler, run_all_once

    settings = load_settings()
    audit_log.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    if once:
        run_all_once(engine, settings)
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


def _session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def _attach_domain_commands() -> None:
    """Each domain adds its own command or group here."""
    from governance.elections.counting.cli import count_command

    main.add_command(count_command, "count")
    from governance.mail_cli import mail_command

    main.add_command(mail_command, "mail")


_attach_domain_commands()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--members", default=300, show_default=True, type=click.IntRange(0, 200_000))
@click.option(
    "--serve/--no-serve", default=True, show_default=True, help="Start the service after."
)
def demo(host: str, port: int, members: int, serve: bool) -> None:
    """Set up demo organisations, staff and members, print the sign-ins, and start the service."""
    from governance import audit as audit_log
    from governance.db import make_engine
    from governance.demo import seed
    from governance.migrate import upgrade

    settings = load_settings()
    if settings.production:
        raise click.ClickException("the demo is not for production databases")
    upgrade(settings.database_url)
    audit_log.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    try:
        logins = seed(engine, members=members)
    finally:
        engine.dispose()
    click.echo(f"\nDemo data is in {settings.database_url}")
    click.echo("Staff sign-in (new passwords each run; secretaries, returning officers and the")
    click.echo("administrator set up two-factor sign-in with an authenticator app first):\n")
    for login in logins:
        click.echo(
            f"  {login.role:<20} {login.organisation:<16} {login.email:<36} {login.password}"
        )
    click.echo(
        f"\nSign in at http://{host}:{port}/sign-in ; members' pages: http://{host}:{port}/\n"
    )
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
