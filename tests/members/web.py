"""Signed-in clients for the register's HTTP tests."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from governance.mail import OutboxMessage, rendered_text
from governance.organisations.constitution import Role
from governance.organisations.models import Organisation
from tests.conftest import Client
from tests.factories import KEYS, make_user, signed_in_client

LINK_RE = re.compile(r"http://testserver\.local/magic/([A-Za-z0-9_-]+)")


def secretary_client(
    db: Session, make_client: Any, org: Organisation, email: str = "sec@example.org"
) -> Client:
    user = make_user(db, email, roles={org.slug: [Role.SECRETARY]}, totp=True)
    return signed_in_client(make_client, user)


def member_client(db: Session, make_client: Any, org: Organisation, email: str) -> Client:
    """A browser signed in as the member with ``email``, through the emailed link."""
    client: Client = make_client()
    client.get(f"/o/{org.slug}/member-sign-in")
    client.form(f"/o/{org.slug}/member-sign-in", {"email": email})
    messages = db.exec(select(OutboxMessage).where(OutboxMessage.purpose == "magic-link")).all()
    db.commit()
    found = LINK_RE.search(rendered_text(KEYS, messages[-1]))
    assert found
    client.get(f"/magic/{found.group(1)}")
    response = client.form(f"/magic/{found.group(1)}", {}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client
