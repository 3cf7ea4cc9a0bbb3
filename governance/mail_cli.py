"""``governance mail``: what the outbox holds, what could not be sent and why, and a resend.

Module-level imports stay light (``governance --help`` and ``governance count`` import this
module): the database stack is imported by each command as it runs.
"""

from __future__ import annotations

import click

from governance.cli_support import load_settings, open_engine, session

PROBLEM_STATUSES = ("failed", "uncertain")


@click.group("mail")
def mail_command() -> None:
    """The email outbox: counts, messages that failed, and resending them."""


@mail_command.command("status")
def mail_status() -> None:
    """How many messages are in each state (queued, sending, sent, failed, uncertain)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from governance.mail import OutboxMessage

    engine = open_engine(load_settings())
    with session(engine) as db:
        rows = db.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        ).all()
    counts = dict(rows)
    for status in ("queued", "sending", "sent", "failed", "uncertain"):
        click.echo(f"{status:<10} {counts.get(status, 0)}")


@mail_command.command("failed")
def mail_failed() -> None:
    """Every message that failed for good or whose delivery is uncertain, with its reason.

    Exits 1 when there are any, so a monitoring script can alert on it.
    """
    from sqlmodel import col, select

    from governance.mail import OutboxMessage

    engine = open_engine(load_settings())
    with session(engine) as db:
        messages = db.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.status).in_(PROBLEM_STATUSES))
            .order_by(col(OutboxMessage.id))
        ).all()
    if not messages:
        click.echo("no failed or uncertain messages")
        return
    for message in messages:
        reason = message.last_error or (
            "the sending process stopped mid-send; check the mail server's log before resending"
            if message.status == "uncertain"
            else "no reason recorded"
        )
        click.echo(
            f"{message.id}\t{message.status}\torganisation {message.organisation_id or '-'}\t"
            f"{message.to_address}\t{message.attempts} attempt(s)\t{reason}"
        )
    raise SystemExit(1)


@mail_command.command("retry")
@click.argument("message_ids", nargs=-1, type=int, required=True)
def mail_retry(message_ids: tuple[int, ...]) -> None:
    """Queue failed or uncertain messages again, to be sent on the next delivery run."""
    from sqlalchemy import update
    from sqlmodel import col

    from governance.db import utcnow
    from governance.mail import OutboxMessage

    engine = open_engine(load_settings())
    with session(engine) as db:
        result = db.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(message_ids),
                col(OutboxMessage.status).in_(PROBLEM_STATUSES),
            )
            .values(status="queued", attempts=0, next_attempt_at=utcnow(), claim_token=None)
        )
        db.commit()
    changed = result.rowcount or 0  # type: ignore[attr-defined]
    click.echo(f"queued again: {changed} message(s)")
    if changed != len(set(message_ids)):
        raise click.ClickException("some ids were not failed or uncertain messages")
