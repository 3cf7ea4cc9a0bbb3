"""``governance count FILE.blt --method METHOD``: count a BLT file and print the report.

Any problem with the file or the options ends the command with exit status 2 and one line on
standard error, never a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from governance.elections.counting import count
from governance.elections.counting.blt import read_blt
from governance.elections.counting.model import CountError
from governance.elections.counting.registry import METHODS
from governance.elections.counting.report import FORMATS, render


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
    required=True,
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
def count_command(path: str, method: str, seats: int | None, seed: str | None, fmt: str) -> None:
    """Count the ballots in FILE.blt and print the result."""
    if method not in METHODS:
        raise CountFailed(f"unknown method {method!r} (known: {', '.join(sorted(METHODS))})")
    try:
        election = read_blt(path)
        if seats is not None:
            election.seats = seats
        result = count(election, method, seed)
    except CountError as exc:
        raise CountFailed(f"{path}: {' '.join(str(exc).split())}") from None
    click.echo(render(result, fmt, election.title), nl=False)
