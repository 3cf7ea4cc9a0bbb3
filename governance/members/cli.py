"""``governance register``: import and export an organisation's register from the shell.

The commands go through the same services as the secretary's pages, with the same rules:
``register import ORG FILE`` checks the file (a dry run that changes no member) and prints what
would change and each refused row; with ``--apply`` it then applies the check, in one
transaction, refusing if the register changed in between. Large files show a progress bar on
standard error while they are read. ``register export ORG`` writes the page's CSV export. Each
is recorded in the audit log with the command line (``cli``) as the actor (an export as it
starts, so that one cut short is on record too).

Module-level imports stay light: ``governance --help`` imports this module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from governance.cli_support import ACTOR, load_settings, open_engine, session

if TYPE_CHECKING:
    from sqlmodel import Session

    from governance.members.models import RegisterImport
    from governance.organisations.models import Organisation

SHOWN_LINES = 20
"""How many rows of each kind (created, updated, refused) the summary lists; --report has all."""

WOULD = {"create": "would be created", "update": "would be updated", "refused": "refused"}
DID = {"create": "created", "update": "updated", "refused": "refused"}


def _organisation(db: Session, slug: str) -> Organisation:
    from sqlmodel import select

    from governance.organisations.models import Organisation

    found = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if found is None:
        raise click.ClickException(f"there is no organisation {slug!r}")
    return found


@click.group("register")
def register() -> None:
    """Member registers: import (check, then apply) and export CSV files."""


@register.command("import")
@click.argument("org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Apply the file after checking it (without it, nothing on the register changes).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the whole report (every row created, updated or refused) to this CSV file.",
)
def import_command(org: str, file: Path, apply_: bool, report: Path | None) -> None:
    """Check FILE against ORG's register and report what it would change (a dry run).

    ORG is the organisation's short name, as in its address (/o/ORG). With --apply the checked
    file is then applied, exactly as the register's import page applies a check.
    """
    from governance.members import importing
    from governance.members.access import today_in

    settings = load_settings()
    engine = open_engine(settings)
    try:
        with session(engine) as db:
            organisation = _organisation(db, org)
            today = today_in(organisation)
            size = file.stat().st_size
            with (
                file.open("rb") as source,
                _progress(size, f"Checking {file.name}") as bar,
            ):
                found = importing.check(
                    db, organisation, source, filename=file.name, actor=ACTOR,
                    today=today, progress=bar.update,
                )  # fmt: skip
            _summary(found, applied=False)
            _lines(db, found.id or 0, report, WOULD)
            if not apply_:
                click.echo("Nothing has changed. Run again with --apply to apply the file.")
                return
            with _progress(size, f"Applying {file.name}") as bar:
                found = importing.apply(
                    db, organisation, found.id or 0,
                    fingerprint_given=importing.fingerprint(found), actor=ACTOR, today=today,
                    progress=bar.update,
                )  # fmt: skip
            _summary(found, applied=True)
    finally:
        engine.dispose()


def _progress(size: int, label: str) -> Any:
    """A progress bar on standard error when that is a terminal; otherwise nothing at all, so
    that a log or a script reads only the outcome."""
    if not sys.stderr.isatty():
        return _Silent()
    return click.progressbar(length=size, label=label, file=sys.stderr, show_percent=True)


class _Silent:
    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, _: int) -> None:
        return None


def _summary(found: RegisterImport, *, applied: bool) -> None:
    if applied:
        click.echo(
            f"Applied: {found.created} created, {found.updated} updated, "
            f"{found.unchanged} unchanged, {found.refused} refused."
        )
        return
    click.echo(
        f"{found.rows} rows: {found.created} to create, {found.updated} to update, "
        f"{found.unchanged} unchanged, {found.refused} refused."
    )


def _lines(db: Session, import_id: int, report: Path | None, words: dict[str, str]) -> None:
    """List the first rows of each kind, and write the whole report if asked to."""
    from governance import spreadsheet
    from governance.members import import_store

    shown = dict.fromkeys(words, 0)
    more = dict.fromkeys(words, 0)
    handle = report.open("w", encoding="utf-8", newline="") if report else None
    try:
        writer = spreadsheet.writer(handle) if handle is not None else None
        if writer is not None:
            writer.writerow(import_store.REPORT_COLUMNS)
        for line in import_store.report_lines(db, import_id):
            if writer is not None:
                writer.writerow([line[name] for name in import_store.REPORT_COLUMNS])
            action = line["action"]
            if action not in words:
                continue
            if shown[action] >= SHOWN_LINES:
                more[action] += 1
                continue
            shown[action] += 1
            detail = f": {line['message']}" if line["message"] else ""
            reason = f" ({line['reason']})" if line["reason"] else ""
            click.echo(f"  row {line['row']}: {line['reference']} {words[action]}{detail}{reason}")
    finally:
        if handle is not None:
            handle.close()
    for action, count in more.items():
        if count:
            click.echo(f"  ... and {count} more {words[action]}")
    if report is not None:
        click.echo(f"The whole report is in {report}.")
    elif any(more.values()):
        click.echo("Add --report FILE to write the whole report.")


@register.command("export")
@click.argument("org")
@click.option(
    "--out",
    "-o",
    "target",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--former", is_flag=True, help="Include former members, with how they left.")
def export_command(org: str, target: Path | None, former: bool) -> None:
    """Write ORG's register as CSV, the same file as the register page's export.

    Current members only unless --former; the columns are the import's, so the file can be
    edited and imported again.
    """
    from governance import audit
    from governance.members.exporting import export_csv

    if target is not None and not target.parent.is_dir():
        raise click.ClickException(
            f"there is no directory {target.parent} to write {target.name} in"
        )
    settings = load_settings()
    engine = open_engine(settings)
    try:
        with session(engine) as db:
            organisation_id = _organisation(db, org).id or 0
            audit.record(
                db,
                actor=ACTOR,
                action="register.exported",
                organisation_id=organisation_id,
                object_type="organisation",
                object_id=organisation_id,
                detail={"former": former, "to": "file" if target else "standard output"},
            )
            db.commit()
        chunks = export_csv(engine, organisation_id, include_former=former)
        if target is None:
            _write_out(chunks)
        else:
            _write_whole(target, chunks)
    finally:
        engine.dispose()
    if target is not None:
        click.echo(f"Register of {org} written to {target}.")


def _write_out(chunks: Any) -> None:
    """Write to standard output; a reader that stops early (``| head``) ends it quietly."""
    out = sys.stdout.buffer
    try:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        # Nothing more can be written, and Python would complain when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _write_whole(target: Path, chunks: Any) -> None:
    """Write beside ``target`` and rename, so a failed export leaves no half file behind."""
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
