"""``governance mail``: an operator sees which messages failed and why, and can resend them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.mail import OutboxMessage, deliver_due, queue_mail
from governance.settings import Settings
from tests.factories import subprocess_env

GOVERNANCE = str(Path(sys.executable).with_name("governance"))


def governance(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(
        GOVERNANCE_DATA_DIR=str(settings.data_dir),
        GOVERNANCE_DATABASE_URL=settings.database_url,
        GOVERNANCE_SECRET_KEY=settings.secret_key,
        GOVERNANCE_SMTP_HOST="",
    )
    return subprocess.run(
        [GOVERNANCE, "mail", *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_failed_messages_are_listed_with_their_reason_and_can_be_resent(
    engine: Engine, settings: Settings
) -> None:
    assert governance(settings, "failed").stdout.strip() == "no failed or uncertain messages"
    with Session(engine) as session:
        good = queue_mail(session, to="a@example.org", subject="Fine", text="x")
        bad = queue_mail(session, to="someone@[300.1.1.1", subject="Broken", text="x")
        session.commit()
        bad_id, good_id = bad.id, good.id
    deliver_due(engine, settings)
    with Session(engine) as session:
        row = session.get(OutboxMessage, bad_id)
        assert row is not None
        row.status = "failed"
        session.add(row)
        session.commit()
    listed = governance(settings, "failed")
    assert listed.returncode == 1, "monitoring can alert on failed mail"
    (line,) = listed.stdout.strip().splitlines()
    assert line.startswith(f"{bad_id}\tfailed")
    assert "someone@[300.1.1.1" in line and "AttributeError" in line
    status = governance(settings, "status").stdout
    assert "sent       1" in status and "failed     1" in status
    retried = governance(settings, "retry", str(bad_id))
    assert retried.returncode == 0, retried.stderr
    assert "queued again: 1" in retried.stdout
    assert governance(settings, "retry", str(good_id)).returncode == 1, "a sent one is not resent"
    with Session(engine) as session:
        again = session.get(OutboxMessage, bad_id)
        assert again is not None and (again.status, again.attempts) == ("queued", 0)
