"""The outbox: queued with the change, delivered through a real SMTP server, exactly once."""

from __future__ import annotations

import email
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.db import utcnow
from governance.mail import MAX_ATTEMPTS, OutboxMessage, deliver_due, queue_mail
from governance.organisations.constitution import OrganisationType, Role
from governance.organisations.models import Organisation
from governance.settings import Settings
from tests.smtp import RecordingHandler, SMTPServer, free_port


@pytest.fixture
def smtp_handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def smtp_server(smtp_handler: RecordingHandler) -> Iterator[SMTPServer]:
    with SMTPServer(smtp_handler) as server:
        yield server


@pytest.fixture
def smtp_settings(settings: Settings, smtp_server: SMTPServer) -> Settings:
    return settings.with_(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_starttls=False,
        mail_from="secretary@example.org",
    )


def queue(engine: Engine, count: int = 1, **kwargs: object) -> list[int]:
    """Queue ``count`` messages in one committed transaction; their ids."""
    with Session(engine, expire_on_commit=False) as session:
        messages = [
            queue_mail(
                session,
                to=f"member{n}@example.org",
                subject=f"Notice {n}",
                text=f"Body {n}",
                **kwargs,  # type: ignore[arg-type]
            )
            for n in range(count)
        ]
        session.commit()
        return [m.id for m in messages if m.id is not None]


def _parts(message: Message) -> tuple[str, str]:
    """The plain-text and HTML parts of a received message, decoded."""
    found = {
        part.get_content_type(): part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for part in message.walk()
        if not part.is_multipart()
    }
    return found["text/plain"], found["text/html"]


def outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


# -- Queueing ------------------------------------------------------------------------------------


def test_mail_is_queued_in_the_callers_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Organisation(slug="a", name="A", type=OrganisationType.COOPERATIVE))
        queue_mail(session, to="a@example.org", subject="Welcome", text="Hello")
        session.rollback()
    assert outbox(engine) == []
    with Session(engine) as session:
        session.add(Organisation(slug="a", name="A", type=OrganisationType.COOPERATIVE))
        queue_mail(session, to="a@example.org", subject="Welcome", text="Hello")
        session.commit()
    assert [m.status for m in outbox(engine)] == ["queued"]


def test_a_subject_cannot_inject_headers(engine: Engine) -> None:
    with Session(engine) as session:
        queue_mail(session, to="a@example.org", subject="Hi\r\nBcc: everyone@example.org", text="x")
        session.commit()
    (message,) = outbox(engine)
    assert "\n" not in message.subject and "\r" not in message.subject


# -- Delivery through SMTP -----------------------------------------------------------------------


def test_queued_mail_is_delivered_by_smtp(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    queue(engine, 3, organisation_id=None, purpose="test")
    report = deliver_due(engine, smtp_settings)
    assert (report.claimed, report.sent, report.failed) == (3, 3, 0)
    assert sorted(str(r.message["Subject"]) for r in smtp_handler.received) == [
        "Notice 0",
        "Notice 1",
        "Notice 2",
    ]
    first = smtp_handler.received[0]
    assert first.sender == "secretary@example.org"
    assert first.recipients == ["member0@example.org"]
    assert first.message.get_content_type() == "multipart/alternative"
    plain, html = _parts(first.message)
    assert plain.strip() == "Body 0" and "<p>Body 0</p>" in html
    rows = outbox(engine)
    assert {m.status for m in rows} == {"sent"}
    assert all(m.sent_at is not None and m.attempts == 1 for m in rows)
    assert sorted(smtp_handler.message_ids()) == sorted(m.message_id for m in rows)
    assert deliver_due(engine, smtp_settings).claimed == 0


def test_html_is_sent_as_an_alternative(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    with Session(engine) as session:
        queue_mail(session, to="a@example.org", subject="S", text="plain", html="<p>rich</p>")
        session.commit()
    deliver_due(engine, smtp_settings)
    (received,) = smtp_handler.received
    assert received.message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.message.walk()]
    assert parts[1:] == ["text/plain", "text/html"]


def test_mail_not_yet_due_waits(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    queue(engine, 1)
    report = deliver_due(engine, smtp_settings, now=utcnow() - timedelta(minutes=1))
    assert report.claimed == 0
    assert smtp_handler.received == []


# -- Failures and retries ------------------------------------------------------------------------


def test_a_refused_message_is_retried_later(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    smtp_handler.refuse = 1
    queue(engine, 1)
    before = utcnow()
    report = deliver_due(engine, smtp_settings)
    assert (report.sent, report.failed) == (0, 1)
    (message,) = outbox(engine)
    assert message.status == "queued"
    assert message.attempts == 1
    assert message.last_error is not None and "451" in message.last_error
    assert message.claim_token is None
    wait = message.next_attempt_at - before
    assert timedelta(seconds=25) <= wait <= timedelta(seconds=40)

    assert deliver_due(engine, smtp_settings).claimed == 0, "not due again until the backoff ends"
    report = deliver_due(engine, smtp_settings, now=message.next_attempt_at + timedelta(seconds=1))
    assert report.sent == 1
    (message,) = outbox(engine)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(smtp_handler.received) == 1


def test_the_backoff_grows_with_each_attempt(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    smtp_handler.refuse = 100
    (message_id,) = queue(engine, 1)
    waits = []
    for _ in range(3):
        before = utcnow()
        deliver_due(engine, smtp_settings, now=before + timedelta(days=1))
        with Session(engine) as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            waits.append((message.next_attempt_at - before).total_seconds())
    assert waits[0] < waits[1] < waits[2]
    assert waits[1] == pytest.approx(2 * waits[0], abs=5)


def test_an_unreachable_server_is_retried(engine: Engine, settings: Settings) -> None:
    nobody = settings.with_(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    queue(engine, 2)
    report = deliver_due(engine, nobody)
    assert (report.sent, report.failed) == (0, 2)
    rows = outbox(engine)
    assert {(m.status, m.attempts) for m in rows} == {("queued", 1)}
    assert all(m.next_attempt_at > utcnow() for m in rows)


def test_a_message_fails_for_good_after_the_last_attempt(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    smtp_handler.refuse = 1
    smtp_handler.refusal = "554 5.7.1 Rejected"
    (message_id,) = queue(engine, 1)
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        message.attempts = MAX_ATTEMPTS - 1
        session.add(message)
        session.commit()
    deliver_due(engine, smtp_settings)
    (message,) = outbox(engine)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert deliver_due(engine, smtp_settings, now=utcnow() + timedelta(days=30)).claimed == 0


# -- Interrupted sends ---------------------------------------------------------------------------


def test_an_expired_lease_becomes_uncertain_and_is_not_resent(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    """A process that died mid-send may or may not have sent it; an operator must decide."""
    stale, fresh = queue(engine, 2)
    with Session(engine) as session:
        for message_id, until in ((stale, -1), (fresh, 4)):
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.status = "sending"
            message.claim_token = "a-run-that-died"
            message.claimed_until = utcnow() + timedelta(minutes=until)
            session.add(message)
        session.commit()
    report = deliver_due(engine, smtp_settings)
    assert (report.uncertain, report.claimed) == (1, 0)
    statuses = {m.id: m.status for m in outbox(engine)}
    assert statuses == {stale: "uncertain", fresh: "sending"}
    assert smtp_handler.received == []


# -- Concurrency ---------------------------------------------------------------------------------


def test_overlapping_runs_never_send_a_message_twice(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    """Several delivery runs at once, against a slow server, share the work without overlap."""
    smtp_handler.delay = 0.01
    ids = queue(engine, 60)
    runs = 4
    barrier = threading.Barrier(runs)
    errors: list[BaseException] = []
    claimed_per_run = [0] * runs

    def run(number: int) -> None:
        try:
            barrier.wait()
            while (report := deliver_due(engine, smtp_settings, batch=7)).claimed:
                claimed_per_run[number] += report.claimed
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    received = smtp_handler.message_ids()
    assert len(received) == len(ids) == len(set(received))
    assert sum(claimed_per_run) == len(ids)
    assert {m.status for m in outbox(engine)} == {"sent"}


def _write_briefly(engine: Engine, database_url: str) -> str:
    """Try a short write transaction on the outbox; "ok", or the error that stopped it."""
    try:
        if engine.dialect.name == "sqlite":
            lite = sqlite3.connect(
                database_url.removeprefix("sqlite:///"), timeout=2, isolation_level=None
            )
            try:
                lite.execute("BEGIN IMMEDIATE")
                lite.execute("UPDATE outbox_message SET purpose = purpose")
                lite.execute("COMMIT")
            finally:
                lite.close()
        else:
            with engine.connect() as connection:
                connection.execute(text("SET lock_timeout = '2s'"))
                connection.execute(text("UPDATE outbox_message SET purpose = purpose"))
                connection.commit()
    except Exception as error:
        return str(error)
    return "ok"


def test_a_slow_send_does_not_hold_the_database(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    """While a message is with the SMTP server, other writers (web requests) must get in."""
    outcomes: list[str] = []
    smtp_handler.on_data = lambda: outcomes.append(
        _write_briefly(engine, smtp_settings.database_url)
    )
    queue(engine, 2)
    assert deliver_due(engine, smtp_settings).sent == 2
    assert outcomes == ["ok", "ok"]


# -- Development mode: .eml files ----------------------------------------------------------------


def read_eml(settings: Settings) -> list[Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in settings.mail_dir.glob("*.eml")]


def test_without_an_smtp_host_mail_is_written_as_eml_files(
    engine: Engine, settings: Settings
) -> None:
    development = settings.with_(environment="development", smtp_host="")
    queue(engine, 2)
    report = deliver_due(engine, development)
    assert report.sent == 2
    messages = read_eml(development)
    assert sorted(str(m["Subject"]) for m in messages) == ["Notice 0", "Notice 1"]
    assert {str(m["From"]) for m in messages} == {"governance@localhost"}
    assert all(m["Message-ID"] and m["Date"] for m in messages)
    assert {m.status for m in outbox(engine)} == {"sent"}


# -- One message never stops the others ----------------------------------------------------------


def test_a_control_character_in_an_organisation_name_stops_nobodys_mail(
    engine: Engine,
    smtp_settings: Settings,
    smtp_handler: RecordingHandler,
    make_client: Any,
) -> None:
    """An organisation renames itself with a vertical tab; its mail and everyone else's goes."""
    from tests.factories import make_member, make_org, make_user, staff_client

    with Session(engine, expire_on_commit=False) as session:
        greenfield = make_org(session, "greenfield", type=OrganisationType.COOPERATIVE)
        other = make_org(session, "other-org", type=OrganisationType.COOPERATIVE)
        make_member(session, greenfield, email="ada@example.org")
        make_member(session, other, email="bo@example.org")
        secretary = make_user(session, "sec@example.org", roles={"greenfield": [Role.SECRETARY]})
    api = staff_client(make_client, engine, secretary)
    renamed = api.patch("/api/orgs/greenfield", json={"name": "Greenfield\x0bCo-op"})
    assert renamed.status_code == 200, renamed.text
    for slug, address in (("greenfield", "ada@example.org"), ("other-org", "bo@example.org")):
        page = make_client()
        page.get(f"/o/{slug}/member-sign-in")
        assert page.form(f"/o/{slug}/member-sign-in", {"email": address}).status_code == 200
    # A row written straight into the outbox (as batch senders do) keeps the raw name.
    with Session(engine) as session:
        session.add(
            OutboxMessage(
                message_id="<raw@example.org>",
                to_address="carol@example.org",
                subject="Notice from Greenfield\x0bCo-op\x0c",
                body_text="x",
            )
        )
        session.commit()
    report = deliver_due(engine, smtp_settings)
    assert (report.sent, report.failed) == (3, 0)
    assert {m.status for m in outbox(engine)} == {"sent"}
    subjects = sorted(str(r.message["Subject"]) for r in smtp_handler.received)
    assert "Your link to sign in to Greenfield Co-op" in subjects
    assert "Notice from Greenfield Co-op" in subjects
    assert any("Other Org" in s for s in subjects)


def test_a_message_that_cannot_be_built_fails_alone_and_says_why(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    queue(engine, 1)
    with Session(engine) as session:
        bad_message = queue_mail(session, to="someone@[300.1.1.1", subject="S", text="x")
        session.commit()
        bad_id = bad_message.id
    queue(engine, 1)
    report = deliver_due(engine, smtp_settings)
    assert (report.sent, report.failed) == (2, 1)
    rows = {m.id: m for m in outbox(engine)}
    bad = rows[bad_id]
    assert (bad.status, bad.attempts) == ("queued", 1), "retried, not left sending"
    assert bad.next_attempt_at > utcnow()
    assert bad.last_error and bad.last_error.startswith("AttributeError")
    assert all(m.status == "sent" for i, m in rows.items() if i != bad_id)
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        with Session(engine) as session:
            found = session.get(OutboxMessage, bad_id)
            assert found is not None
            due = found.next_attempt_at
        waits.append(due)
        deliver_due(engine, smtp_settings, now=due + timedelta(seconds=1))
    assert waits == sorted(waits)
    with Session(engine) as session:
        final = session.get(OutboxMessage, bad_id)
        assert final is not None
    assert (final.status, final.attempts) == ("failed", MAX_ATTEMPTS)
    assert final.last_error and "AttributeError" in final.last_error
    assert len(smtp_handler.received) == 2


def test_messages_say_they_are_automatic_and_name_the_senders_domain(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        org = Organisation(slug="greenfield", name="Greenfield", type=OrganisationType.COOPERATIVE)
        session.add(org)
        session.commit()
        queue_mail(session, to="a@example.org", subject="S", text="x", organisation_id=org.id)
        queue_mail(session, to="b@example.org", subject="S", text="x")
        session.commit()
    deliver_due(engine, smtp_settings)
    first, second = sorted(smtp_handler.received, key=lambda r: r.recipients)
    for received in (first, second):
        assert received.message["Auto-Submitted"] == "auto-generated"
        assert str(received.message["Message-ID"]).endswith("@example.org>")
    assert first.message["List-Id"] == f"<org-{org.id}.example.org>"
    assert second.message["List-Id"] is None
    assert sorted(m.message_id for m in outbox(engine)) == sorted(
        str(r.message["Message-ID"]) for r in smtp_handler.received
    )


def test_every_message_has_an_html_part_saying_what_the_text_says(
    engine: Engine, smtp_settings: Settings, smtp_handler: RecordingHandler
) -> None:
    text = (
        "Dear Zoë,\n\nVote here: https://members.example.org/o/a/elections/1/vote.\n"
        "Your code is <12345678>.\n\nThe returning officer"
    )
    with Session(engine) as session:
        queue_mail(session, to="a@example.org", subject="Your vote", text=text)
        session.commit()
    deliver_due(engine, smtp_settings)
    (received,) = smtp_handler.received
    plain, html = _parts(received.message)
    assert plain.replace("\r\n", "\n").strip() == text
    assert html.count("<p>") == 3 and 'lang="en-GB"' in html
    link = "https://members.example.org/o/a/elections/1/vote"
    assert f'<a href="{link}">{link}</a>.' in html, "the full stop is not part of the link"
    assert "&lt;12345678&gt;" in html and "Zoë" in html
