"""``governance election-key``: the returning officer's key pair, made on their own computer.

The private key (or each trustee's share) goes to a file only the user can read; the public key
is printed, to be pasted into the election's page (or sent with the API). Nothing here touches
the service's database: the private key never reaches it except with a count request.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from governance.elections.election_key import (
    KeyProblem,
    fingerprint,
    generate_key_pair,
    private_key_from_text,
    public_of,
    split_private_key,
)

PRIVATE_HEADER = (
    "# Election private key. Whoever holds this file can open every ballot sealed to the\n"
    "# public key below: keep it offline, and bring it only to the count.\n"
)
SHARE_HEADER = (
    "# Election key share {index} of {trustees}; {needed} shares open the ballots at the count.\n"
    "# Keep it offline and bring it to the count. It is useless alone.\n"
)


def _write_secret(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only; refuse to overwrite."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{path} exists already: choose another name") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


@click.group("election-key")
def election_key_command() -> None:
    """Make and check election keys (the service keeps the public key only)."""


@election_key_command.command("generate")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File for the private key (with --trustees: the prefix of the share files).",
)
@click.option("--trustees", type=click.IntRange(2, 20), default=None, help="Split among N.")
@click.option("--needed", type=click.IntRange(2, 20), default=None, help="Shares needed (K).")
def generate(out: Path, trustees: int | None, needed: int | None) -> None:
    """Make a key pair; print the public key; keep the private key (or its shares) in files."""
    if (trustees is None) != (needed is None):
        raise click.UsageError("give both --trustees and --needed, or neither")
    pair = generate_key_pair()
    comment = f"# Public key: {pair.public}\n# Fingerprint: {fingerprint(pair.public)}\n"
    written: list[Path] = []
    if trustees is None or needed is None:
        _write_secret(out, PRIVATE_HEADER + comment + pair.private + "\n")
        written.append(out)
    else:
        try:
            shares = split_private_key(pair.private, needed, trustees)
        except KeyProblem as problem:
            raise click.UsageError(problem.message) from None
        paths = [out.with_name(f"{out.name}.share-{i}") for i in range(1, trustees + 1)]
        clash = [p for p in paths if p.exists()]
        if clash:
            raise click.ClickException(f"{clash[0]} exists already: choose another name")
        for index, (path, share) in enumerate(zip(paths, shares, strict=True), start=1):
            header = SHARE_HEADER.format(index=index, trustees=trustees, needed=needed)
            _write_secret(path, header + comment + share + "\n")
            written.append(path)
    click.echo(f"Public key: {pair.public}")
    click.echo(f"Fingerprint: {fingerprint(pair.public)}")
    if trustees:
        click.echo(f"Shares ({needed} of {trustees} needed to count):")
    else:
        click.echo("Private key written to:")
    for path in written:
        click.echo(f"  {path}")
    click.echo("Give the service the public key; keep the private key file(s) offline.")


@election_key_command.command("public")
@click.argument("key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def public(key_file: Path) -> None:
    """Print the public key and fingerprint belonging to a private key file."""
    try:
        public_text = public_of(private_key_from_text(key_file.read_text(encoding="utf-8")))
    except KeyProblem as problem:
        raise click.ClickException(problem.message) from None
    click.echo(f"Public key: {public_text}")
    click.echo(f"Fingerprint: {fingerprint(public_text)}")
