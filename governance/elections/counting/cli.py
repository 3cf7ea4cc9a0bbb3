"""``governance count FILE.blt --method METHOD``: count a BLT file and print the report.

``--write-blt OUT`` also (or, without ``--method``, only) writes the ballots read as a plain BLT
file other counting programs read (``--nicknames`` for the ``[nick]`` variant stv-rs needs);
``-`` writes it to standard output. Any problem with the file or the options ends the command
with exit status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt, write_blt
from governance.elections.counting.model import CountError
from governance.elections.counting.registry import METHODS
from governance.elections.counting.report import FORMATS, STAGE_VIEWS, render


class CountFailed(click.ClickException):
    """A one-line error (``Error: ...``) with exit status 2, as for any bad input."""

    exit_code = 2


class _OneLineCommand(click.Command):
    """Reports bad options in one line (click would add the usage text)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise CountFailed(" ".join(exc.format_message().split())) from None


@click.command("count", cls=_OneLineCommand)
@click.argument("path", metavar="FILE.blt", type=click.Path(dir_okay=False))
@click.option(
    "--method",
    help=f"Rule set: {', '.join(METHODS)} (or another registered one).",
)
@click.option("--seats", type=click.IntRange(min=1), help="Seats to fill (default: the file's).")
@click.option("--seed", help="Seed for any drawing of lots, to replay a count.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--stages",
    "stage_view",
    type=click.Choice(STAGE_VIEWS),
    default="ours",
    show_default=True,
    help="openstv: each batch of an exclusion is a stage of its own, as OpenSTV numbers rounds.",
)
@click.option(
    "--write-blt",
    "write_to",
    metavar="OUT.blt",
    help="Also write the ballots read as plain BLT to OUT.blt ('-': standard output).",
)
@click.option(
    "--nicknames",
    is_flag=True,
    help="With --write-blt: the [nick] variant (ballots by nickname), as stv-rs reads.",
)
def count_command(  # noqa: PLR0917 - click passes every option by position
    path: str,
    method: str | None,
    seats: int | None,
    seed: str | None,
    fmt: str,
    stage_view: str,
    write_to: str | None,
    nicknames: bool,
) -> None:
    """Count the ballots in FILE.blt and print the result."""
    if method is None and write_to is None:
        raise CountFailed("missing option '--method' (or --write-blt to only convert the file)")
    if method is not None and method not in METHODS:
        raise CountFailed(f"unknown method {method!r} (known: {', '.join(sorted(METHODS))})")
    if nicknames and write_to is None:
        raise CountFailed("--nicknames goes with --write-blt")
    try:
        election = read_blt(path)
        if seats is not None:
            election.seats = seats
        if write_to is not None:
            _write(write_to, write_blt(election, nicknames=nicknames))
        if method is None:
            return
        result = count(election, method, seed)
    except CountError as exc:
        raise CountFailed(f"{path}: {' '.join(str(exc).split())}") from None
    report = render(result, fmt, election.title, election.affiliations, stage_view)
    click.echo(report, nl=False)


def _write(target: str, text: str) -> None:
    if target == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(target, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except OSError as exc:
        raise CountFailed(f"cannot write {target}: {exc.strerror or exc}") from None
