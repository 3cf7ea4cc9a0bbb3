"""Outbox for email: queued in the caller's transaction, delivered by a scheduler job.

A message that carries a secret (a sign-in link, an invitation, voting credentials) never holds
it in clear: the caller names the secrets, each is replaced in the stored text by a marker, and
the secrets are kept sealed under the server key (``secrets_sealed``) only until the message is
sent. The full text is rendered at delivery; once it is sent (or has failed for good) the sealed
secrets are erased and the markers say the secret was removed, so a copy of the database taken
after delivery holds no working credential. Subject, recipient and status are kept.

Delivery claims a batch with a conditional UPDATE (queued and due -> sending, stamped with a run
token and a lease), sends each claimed message, and marks it sent. Two overlapping runs never
claim the same message, so none is sent twice. A message whose lease ran out while "sending"
(the process died mid-send) is not resent automatically: it is marked ``uncertain`` for an
operator to check, because a resend could duplicate it and a silent drop could lose it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import smtplib
import ssl
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from markupsafe import escape
from sqlalchemy import Column, Text, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from governance.db import UTCDateTime, utcnow
from governance.security import Keys
from governance.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
HIDDEN_MARK = "[[secret:{}]]"
REMOVED = "(removed after delivery)"
# Messages whose mere existence says something staff must not learn (a poll reminder goes only
# to those who have not voted): their rows are deleted once sent or failed for good.
DELETED_ONCE_DONE = ("election-reminder:",)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(default=None, index=True)
    message_id: str = Field(max_length=200)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    reply_to: str | None = Field(default=None, max_length=254)
    # The secrets the text's markers stand for, sealed under the server key until delivery.
    secrets_sealed: str | None = Field(default=None, sa_column=Column(Text))
    purpose: str = Field(default="", max_length=60)
    status: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)


def conceal(keys: Keys, text: str, hidden: Sequence[str]) -> tuple[str, str | None]:
    """``text`` with each secret in ``hidden`` replaced by a marker, and the sealed secrets."""
    wanted = [s for s in hidden if s]
    if not wanted:
        return text, None
    for number, secret in sorted(enumerate(wanted), key=lambda item: -len(item[1])):
        text = text.replace(secret, HIDDEN_MARK.format(number))
    return text, _seal(keys, json.dumps(wanted))


def reveal(keys: Keys, text: str, sealed: str | None) -> str:
    """The text as it is sent: the markers replaced by the sealed secrets."""
    if not sealed:
        return text
    for number, secret in enumerate(json.loads(_unseal(keys, sealed))):
        text = text.replace(HIDDEN_MARK.format(number), secret)
    return text


def forget_secrets(text: str) -> str:
    """The stored text once its secrets are erased: the markers say what happened."""
    return re.sub(r"\[\[secret:\d+\]\]", REMOVED, text)


@lru_cache(maxsize=8)
def _aead(keys: Keys) -> AESGCM:
    return AESGCM(keys.derive("seal:outbox"))


def _seal(keys: Keys, plain: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _aead(keys).encrypt(nonce, plain.encode(), b"outbox")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _unseal(keys: Keys, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed)
    return _aead(keys).decrypt(raw[:12], raw[12:], b"outbox").decode()


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
    hidden: Sequence[str] = (),
    keys: Keys | None = None,
    reply_to: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (not committed here).

    ``hidden`` names the secrets in ``text`` (links with tokens, credentials): they are stored
    sealed under ``keys`` and put back only when the message is sent.
    """
    if hidden and keys is None:
        raise ValueError("sealing a message's secrets needs the server keys")
    body, sealed = conceal(keys, text, hidden) if keys is not None else (text, None)
    message = OutboxMessage(
        organisation_id=organisation_id,
        message_id=make_msgid(domain=domain),
        to_address=to,
        subject=header_value(subject)[:300],
        body_text=body,
        body_html=html,
        secrets_sealed=sealed,
        purpose=purpose,
        reply_to=reply_to,
    )
    session.add(message)
    return message


def rendered_text(keys: Keys, message: OutboxMessage) -> str:
    """The text the recipient receives (secrets put back while they are still sealed)."""
    return reveal(keys, message.body_text, message.secrets_sealed)


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


def build_email(message: OutboxMessage, sender: str, keys: Keys | None = None) -> EmailMessage:
    domain = sender_domain(sender)
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = header_value(message.to_address)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = header_value(message.message_id)
    # Sent by the service, not a person: out-of-office and other auto-replies stay silent
    # (RFC 3834), and members can filter each organisation's mail (RFC 2919).
    email["Auto-Submitted"] = "auto-generated"
    if message.reply_to:
        # Only where the text asks for a reply, to the organisation's own address.
        email["Reply-To"] = header_value(message.reply_to)
    if message.organisation_id is not None:
        email["List-Id"] = f"<org-{message.organisation_id}.{domain}>"
    email["Date"] = formatdate(localtime=False)
    text = rendered_text(keys, message) if keys is not None else message.body_text
    html = message.body_html
    if html and keys is not None:
        html = reveal(keys, html, message.secrets_sealed)
    email.set_content(text)
    email.add_alternative(html or text_as_html(text), subtype="html")
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
        keys = Keys(settings.secret_key)
        with Transport(settings) as transport:
            for message in messages:
                if message.message_id.endswith(PLACEHOLDER_DOMAIN):
                    # Queued without the sender's domain: give it one before it is sent, and
                    # keep it, so the row names the Message-ID the SMTP server logs.
                    message.message_id = make_msgid(domain=sender_domain(settings.mail_from))
                try:
                    transport.send(build_email(message, settings.mail_from, keys))
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
                        _erase_secrets(message)
                    else:
                        message.status = "queued"
                        message.next_attempt_at = utcnow() + _backoff(message.attempts)
                    report.failed += 1
                    to = "(withheld)" if forgotten(message) else message.to_address
                    log.warning("mail %s to %s failed: %s", message.id, to, error)
                else:
                    message.attempts += 1
                    message.status = "sent"
                    message.sent_at = utcnow()
                    message.claim_token = None
                    _erase_secrets(message)
                    report.sent += 1
                if forgotten(message) and message.status in {"sent", "failed"}:
                    session.delete(message)
                else:
                    session.add(message)
                session.commit()
    return report


def forgotten(message: OutboxMessage) -> bool:
    return message.purpose.startswith(DELETED_ONCE_DONE)


def _erase_secrets(message: OutboxMessage) -> None:
    if message.secrets_sealed is not None:
        message.secrets_sealed = None
        message.body_text = forget_secrets(message.body_text)
        message.body_html = forget_secrets(message.body_html) if message.body_html else None
