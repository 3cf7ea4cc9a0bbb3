"""Messages never keep a credential in clear: a copy of the database (or of the logs) gives no
working voter code, sign-in link or staff invitation, before or after delivery.

Real messages are queued by the service (a staff invitation, a member's sign-in link, voting
credentials), delivered through a real SMTP server, and the links that arrive are used; every
row of every table is searched for the secrets before and after, and the access log's lines for
the token paths are checked as the server writes them.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from governance import log_redaction
from governance.auth import magic, staff
from governance.elections.poll_notices import mail_purpose
from governance.mail import REMOVED, OutboxMessage, deliver_due
from governance.organisations.constitution import Role
from governance.settings import Settings
from tests.elections.poll_helpers import credentials, make_poll
from tests.factories import KEYS, make_member, make_org, make_user
from tests.smtp import RecordingHandler, SMTPServer

LINK = re.compile(r"/(magic|invitation)/([A-Za-z0-9_\-]{20,})")


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, SMTPServer]]:
    handler = RecordingHandler()
    with SMTPServer(handler) as server:
        yield handler, server


def every_row(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).all():
                parts.append(f"{table}: " + " | ".join(str(v) for v in row))
    return "\n".join(parts)


def test_no_table_holds_a_credential_before_or_after_delivery(
    db: Session,
    engine: Engine,
    settings: Settings,
    smtp: tuple[RecordingHandler, SMTPServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    handler, server = smtp
    org = make_org(db)
    secretary = make_user(db, "sec@example.org", roles={org.id or 0: [Role.SECRETARY]})
    staff.invite(
        db,
        KEYS,
        settings,
        organisation=org,
        inviter=secretary,
        email="new.gov@example.org",
        name="New Governor",
        role=Role.GOVERNOR,
    )
    db.commit()
    make_member(db, org, email="ann@example.org", reference="M1")
    magic.request_link(
        db, KEYS, settings, organisation=org, email="ann@example.org", ip="192.0.2.1"
    )
    poll = make_poll(db, org, voters=3)
    voting = credentials(db, poll.election)  # read from the roll's own sealed copy
    secrets = [s for c in voting.values() for s in (c.voter_id, c.code)]

    before = every_row(engine)
    assert not LINK.search(before), "no token-bearing link is stored"
    assert not [s for s in secrets if s in before], "no voter ID or code is stored"

    sending = settings.with_(
        smtp_host=server.host, smtp_port=server.port, smtp_starttls=False, mail_from="a@b.org"
    )
    report = deliver_due(engine, sending)
    assert report.sent == 5 and report.failed == 0
    arrived = "\n".join(
        part.get_payload(decode=True).decode()
        for r in handler.received
        for part in r.message.walk()
        if part.get_content_type() == "text/plain"
    )
    links = dict(LINK.findall(arrived))
    assert set(links) == {"magic", "invitation"}
    assert all(s in arrived for s in secrets), "the voters received their credentials"
    assert staff.find_invitation(db, KEYS, links["invitation"]) is not None
    assert magic.find_link(db, KEYS, links["magic"]) is not None
    db.commit()

    after = every_row(engine)
    for token in links.values():
        assert token not in after
    assert not [s for s in secrets if s in after]
    rows = db.exec(select(OutboxMessage)).all()
    db.commit()
    assert {r.status for r in rows} == {"sent"}
    assert all(r.secrets_sealed is None for r in rows)
    kept = {r.to_address: r.subject for r in rows}
    assert kept["new.gov@example.org"].startswith("Set up your account")
    invitation = next(r for r in rows if r.purpose == "staff-invitation")
    assert REMOVED in invitation.body_text
    voting_mails = [r for r in rows if r.purpose == mail_purpose("credentials", poll.election)]
    assert len(voting_mails) == 3 and all(REMOVED in r.body_text for r in voting_mails)
    # Everything the service logged (the test's own SMTP server, aiosmtpd's "mail.log", logs
    # what it receives, as the recipient's mail server may).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert caplog.records, "the delivery was logged"
    assert not [t for t in [*links.values(), *secrets] if t in logged]


def test_the_access_log_never_shows_a_token() -> None:
    log_redaction.install()
    stream = io.StringIO()
    written = logging.StreamHandler(stream)
    written.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("uvicorn.access")
    access.addHandler(written)
    old_level = access.level
    access.setLevel(logging.INFO)
    token = "Xk3-very-secret-token_abcdefghijklmnop"
    try:
        for path in (f"/magic/{token}", f"/invitation/{token}?x=1", "/o/riverside/elections"):
            # the record uvicorn writes for each request line
            access.info('%s - "%s %s HTTP/%s" %d', "192.0.2.1:5000", "GET", path, "1.1", 200)
    finally:
        access.removeHandler(written)
        access.setLevel(old_level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert token not in stream.getvalue()
    assert '"GET /magic/[token] HTTP/1.1" 200' in lines[0]
    assert "/invitation/[token]?x=1" in lines[1]
    assert "/o/riverside/elections" in lines[2]
