"""``governance register``: import and export an organisation's register from the shell.

``register import ORG FILE`` checks the file and prints the report's summary and refusals;
with ``--apply`` it then applies it, in one transaction, refusing if the register changed in
between. Long files show a progress bar as they are read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlmodel import Session, select

from governance import audit, spreadsheet
from governance.db import make_engine
from governance.errors import Problem
from governance.members import import_store, importing
from governance.members.access import today_in
from governance.members.exporting import export_csv
from governance.organisations.models import Organisation
from governance.settings import Settings, SettingsError

ACTOR = "cli"
SHOWN_REFUSALS = 20


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _organisation(session: Session, slug: str) -> Organisation:
    found = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if found is None:
        raise click.ClickException(f"there is no organisation {slug!r}")
    return found


@click.group("register")
def register() -> None:
    """Member registers: import and export CSV files."""


@register.command("import")
@click.argument("org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Apply the file after checking it.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the whole report (every row created, updated or refused) to this CSV file.",
)
def import_command(org: str, file: Path, apply_: bool, report: Path | None) -> None:
    """Check FILE against ORG's register (a dry run), and with --apply, apply it."""
    settings = _settings()
    audit.configure(settings.secret_key)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            organisation = _organisation(session, org)
            today = today_in(organisation)
            size = file.stat().st_size
            with (
                file.open("rb") as source,
                click.progressbar(length=size, label="Checking", file=sys.stderr) as bar,
            ):
                found = importing.check(
                    session, organisation, source, filename=file.name, actor=ACTOR,
                    today=today, progress=bar.update,
                )  # fmt: skip
            _summary(found)
            _refusals(session, found.id or 0, report)
            if not apply_:
                click.echo("Nothing changed. Run again with --apply to apply the file.")
                return
            with click.progressbar(length=size, label="Applying", file=sys.stderr) as bar:
                found = importing.apply(
                    session, organisation, found.id or 0,
                    fingerprint_given=importing.fingerprint(found), actor=ACTOR, today=today,
                    progress=bar.update,
                )  # fmt: skip
            click.echo(f"Applied: {found.created} created, {found.updated} updated.")
    except Problem as error:
        raise click.ClickException(error.detail) from None
    finally:
        engine.dispose()


def _summary(found: object) -> None:
    click.echo(
        "{rows} rows: {created} to create, {updated} to update, {unchanged} unchanged, "
        "{refused} refused.".format(**vars(found))
    )


def _refusals(session: Session, import_id: int, report: Path | None) -> None:
    shown = 0
    writer = None
    handle = report.open("w", encoding="utf-8", newline="") if report else None
    try:
        if handle is not None:
            writer = spreadsheet.writer(handle)
            writer.writerow(import_store.REPORT_COLUMNS)
        for line in import_store.report_lines(session, import_id):
            if writer is not None:
                writer.writerow([line[name] for name in import_store.REPORT_COLUMNS])
            if line["action"] == "refused" and shown < SHOWN_REFUSALS:
                click.echo(f"  row {line['row']}: {line['reference']} refused: {line['message']}")
                shown += 1
    finally:
        if handle is not None:
            handle.close()
            click.echo(f"Report written to {report}.")


@register.command("export")
@click.argument("org")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--former", is_flag=True, help="Include former members, with how they left.")
def export_command(org: str, file: Path, former: bool) -> None:
    """Write ORG's register to FILE as CSV (the import's columns)."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            organisation_id = _organisation(session, org).id or 0
        with file.open("wb") as target:
            for chunk in export_csv(engine, organisation_id, include_former=former):
                target.write(chunk)
    finally:
        engine.dispose()
    click.echo(f"Register written to {file}.")
