"""Outbox for email: queued in the caller's transaction, delivered by a scheduler job.

Delivery claims a batch with a conditional UPDATE (queued and due -> sending, stamped with a run
token and a lease), sends each claimed message, and marks it sent. Two overlapping runs never
claim the same message, so none is sent twice. A message whose lease ran out while "sending"
(the process died mid-send) is not resent automatically: it is marked ``uncertain`` for an
operator to check, because a resend could duplicate it and a silent drop could lose it.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from markupsafe import escape
from sqlalchemy import Column, Text, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from governance.db import UTCDateTime, utcnow
from governance.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(default=None, index=True)
    message_id: str = Field(max_length=200)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    purpose: str = Field(default="", max_length=60)
    status: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    organisation_id: int | None = None,
    purpose: str = "",
    domain: str = "governance.local",
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (not committed here)."""
    message = OutboxMessage(
        organisation_id=organisation_id,
        message_id=make_msgid(domain=domain),
        to_address=to,
        subject=header_value(subject)[:300],
        body_text=text,
        body_html=html,
        purpose=purpose,
    )
    session.add(message)
    return message


def header_value(value: str) -> str:
    """A header value with every control character and line or paragraph separator removed.

    Any text can reach a header (an organisation's name, set by its own staff, goes into
    subjects); the email library refuses values that contain a line break of any kind (vertical
    tab and form feed included), and one such value must not stop anyone's mail.
    """
    cleaned = "".join(" " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"} else ch for ch in value)
    return " ".join(cleaned.split())


PLACEHOLDER_DOMAIN = "@governance.local>"


def sender_domain(sender: str) -> str:
    """The domain of the From address (``governance@trust.example`` -> ``trust.example``)."""
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain if "." in domain else "localhost"


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def text_as_html(text: str) -> str:
    """The plain text as a simple HTML part: paragraphs, line breaks and working links.

    Many members read mail in clients that show a plain-text part in a small fixed font or
    without clickable links; the HTML part says exactly what the text says, no more.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.splitlines():
            pieces, last = [], 0
            for found in _URL.finditer(line):
                pieces.append(str(escape(line[last : found.start()])))
                url = escape(found.group(0))
                pieces.append(f'<a href="{url}">{url}</a>')
                last = found.end()
            pieces.append(str(escape(line[last:])))
            lines.append("".join(pieces))
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    body = "\n".join(paragraphs)
    return (
        '<!doctype html>\n<html lang="en-GB">\n<head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">\n{body}\n'
        "</body>\n</html>\n"
    )


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    domain = sender_domain(sender)
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = header_value(message.to_address)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = header_value(message.message_id)
    # Sent by the service, not a person: out-of-office and other auto-replies stay silent
    # (RFC 3834), and members can filter each organisation's mail (RFC 2919).
    email["Auto-Submitted"] = "auto-generated"
    if message.organisation_id is not None:
        email["List-Id"] = f"<org-{message.organisation_id}.{domain}>"
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body_text)
    email.add_alternative(message.body_html or text_as_html(message.body_text), subtype="html")
    return email


class Transport:
    """Sends one built message; SMTP in production, .eml files in development."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                log.debug("SMTP quit failed", exc_info=True)
            self._smtp = None

    def reset(self) -> None:
        """Drop the connection after an unexpected error, so the next message starts clean."""
        self.__exit__()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=30, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp

    def send(self, email: EmailMessage) -> None:
        if not self.settings.smtp_host:
            directory: Path = self.settings.mail_dir
            directory.mkdir(parents=True, exist_ok=True)
            name = email["Message-ID"].strip("<>").replace("/", "_")
            (directory / f"{name}.eml").write_bytes(bytes(email))
            return
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(email)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0


def failure_reason(error: BaseException) -> str:
    """The reason kept on a message that could not be sent, for the operator."""
    text = str(error).strip()
    if isinstance(error, (OSError, smtplib.SMTPException)):
        return (text or type(error).__name__)[:500]
    return f"{type(error).__name__}: {text}"[:500]


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def deliver_due(
    engine: Engine, settings: Settings, *, batch: int = 100, now: datetime | None = None
) -> DeliveryReport:
    """Claim and send due messages. Safe to run from several places at once."""
    now = now or utcnow()
    report = DeliveryReport()
    token = secrets.token_hex(16)
    with Session(engine, expire_on_commit=False) as session:
        stale = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.status) == "sending", col(OutboxMessage.claimed_until) < now)
            .values(status="uncertain", claim_token=None)
        )
        report.uncertain = stale.rowcount or 0  # type: ignore[attr-defined]
        due_ids = session.exec(
            select(OutboxMessage.id)
            .where(col(OutboxMessage.status) == "queued", col(OutboxMessage.next_attempt_at) <= now)
            .order_by(col(OutboxMessage.id))
            .limit(batch)
        ).all()
        if due_ids:
            claimed = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(due_ids), col(OutboxMessage.status) == "queued")
                .values(status="sending", claim_token=token, claimed_until=now + LEASE)
            )
            report.claimed = claimed.rowcount or 0  # type: ignore[attr-defined]
        session.commit()
        if not report.claimed:
            return report
        messages = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.claim_token) == token)
            .order_by(col(OutboxMessage.id))
        ).all()
        # End the read before talking to the SMTP server: on SQLite every transaction holds the
        # write lock, and a slow server must not keep the rest of the service waiting.
        session.commit()
        with Transport(settings) as transport:
            for message in messages:
                if message.message_id.endswith(PLACEHOLDER_DOMAIN):
                    # Queued without the sender's domain: give it one before it is sent, and
                    # keep it, so the row names the Message-ID the SMTP server logs.
                    message.message_id = make_msgid(domain=sender_domain(settings.mail_from))
                try:
                    transport.send(build_email(message, settings.mail_from))
                except Exception as error:
                    # Whatever goes wrong with one message (the server refusing it, a value the
                    # email library cannot encode) fails that message alone: it is retried with
                    # a growing wait, then left "failed" with its reason for the operator.
                    if not isinstance(error, (OSError, smtplib.SMTPException)):
                        transport.reset()
                    message.attempts += 1
                    message.last_error = failure_reason(error)
                    message.claim_token = None
                    message.claimed_until = None
                    if message.attempts >= MAX_ATTEMPTS:
                        message.status = "failed"
                    else:
                        message.status = "queued"
                        message.next_attempt_at = utcnow() + _backoff(message.attempts)
                    report.failed += 1
                    log.warning("mail %s to %s failed: %s", message.id, message.to_address, error)
                else:
                    message.attempts += 1
                    message.status = "sent"
                    message.sent_at = utcnow()
                    message.claim_token = None
                    report.sent += 1
                session.add(message)
                session.commit()
    return report
