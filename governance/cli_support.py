"""What every ``governance`` command shares: settings, the log, the audit key, the database, and
errors told in one line.

A command calls :func:`load_settings` first (which also sets up the log and the audit key, so any
command may record an audit entry) and :func:`open_engine` for the database. Whatever goes
wrong, the operator reads one line beginning ``Error:`` and the command exits non-zero; the trace
is logged at DEBUG (``GOVERNANCE_LOG_LEVEL=DEBUG``) for whoever investigates.

This module is imported by ``governance --help`` and ``governance count``, so it imports nothing
heavy at module level.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from governance.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

log = logging.getLogger("governance.cli")

ACTOR = "cli"
"""The audit log's actor for whatever an operator does from the command line."""

USAGE_EXIT = 2
UPGRADE_HINT = "run 'governance db upgrade' first"


class _Loaded:
    """The database URL the command was given, for error messages."""

    database_url = ""


def load_settings() -> Settings:
    """The settings, with the log and the audit key set up from them."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    _Loaded.database_url = settings.database_url
    from governance import audit, logs

    logs.configure(settings.log_level)
    audit.configure(settings.secret_key)
    return settings


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL (None for PostgreSQL or an in-memory database)."""
    if not database_url.startswith("sqlite:///") or database_url.endswith(":memory:"):
        return None
    return Path(database_url.removeprefix("sqlite:///").split("?", 1)[0])


def open_engine(settings: Settings) -> Engine:
    """An engine on the configured database, which must exist: a mistyped SQLite path is
    reported rather than created empty."""
    from governance.db import make_engine

    path = sqlite_path(settings.database_url)
    if path is not None and not path.is_file():
        raise click.ClickException(f"there is no database at {path}; {UPGRADE_HINT}")
    return make_engine(settings.database_url, pool_size=2)


def session(engine: Engine) -> Session:
    from sqlmodel import Session

    return Session(engine, expire_on_commit=False)


def shown_url(database_url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "GOVERNANCE_DATABASE_URL"


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe(error: Exception) -> str:
    """One line saying what went wrong, in the operator's terms."""
    if "sqlalchemy" in sys.modules:
        from sqlalchemy import exc

        if isinstance(error, exc.DBAPIError):
            return _database_problem(error)
        if isinstance(error, exc.ArgumentError):
            return f"GOVERNANCE_DATABASE_URL cannot be used: {one_line(str(error))}"
    if "alembic" in sys.modules:
        from alembic.util.exc import CommandError

        if isinstance(error, CommandError):
            return one_line(str(error))
    if "governance.errors" in sys.modules:
        from governance.errors import Problem

        if isinstance(error, Problem):
            return str(error.detail)
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return (
        f"unexpected {type(error).__name__}: {one_line(str(error))} "
        "(GOVERNANCE_LOG_LEVEL=DEBUG shows the details)"
    )


def _database_problem(error: Any) -> str:
    original = error.orig
    text = one_line(str(original).splitlines()[0] if str(original) else type(original).__name__)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in {"42P01", "42703"} or text.startswith(("no such table", "no such column")):
        return f"the database is not migrated to this release ({text}); {UPGRADE_HINT}"
    return f"cannot use the database {shown_url(_Loaded.database_url)}: {text}"


class OneLineGroup(click.Group):
    """A command group whose commands report every failure in one line, never a traceback.

    Usage mistakes (a missing option, a bad value, a file that is not there) exit with status 2
    and name the ``--help`` to read; anything else that goes wrong exits with status 1.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise _usage(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _usage(error) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            log.debug("the command failed", exc_info=True)
            raise click.ClickException(describe(error)) from None


def _usage(error: click.UsageError) -> click.ClickException:
    message = one_line(error.format_message())
    if error.ctx is not None:
        message += f" See '{error.ctx.command_path} --help'."
    return UsageFailed(message)


class UsageFailed(click.ClickException):
    """A usage mistake, told in one line, with click's exit status for one."""

    exit_code = USAGE_EXIT
