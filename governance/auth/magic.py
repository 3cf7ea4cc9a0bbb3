"""Member sign-in by emailed link: single use, 15 minutes, stored as an HMAC.

Asking for a link gives the same answer whether or not the email belongs to a member, so the
form cannot be used to find out who is on the register. Following the link shows a page with a
button; only the POST from that button uses the link, so mail scanners that fetch every link in
a message do not spend it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

from governance import audit
from governance.auth import ratelimit, sessions
from governance.auth.models import MagicLink
from governance.auth.service import AccountError, normalise_email
from governance.db import utcnow
from governance.mail import queue_mail
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.security import Keys, new_token
from governance.settings import Settings

LIFETIME = timedelta(minutes=15)
MAX_MEMBERS_PER_REQUEST = 5  # a household may share one address
LINK_INVALID = "This sign-in link has expired or has already been used. Ask for a new one"


def request_link(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    organisation: Organisation,
    email: str,
    ip: str,
    now: datetime | None = None,
) -> None:
    """Email a sign-in link to each active member of ``organisation`` with this address."""
    now = now or utcnow()
    address = normalise_email(email)[:254]
    ratelimit.enforce(session, keys, ratelimit.MAGIC_LINK_PER_IP, ip, detail={"ip": ip}, now=now)
    ratelimit.enforce(
        session, keys, ratelimit.MAGIC_LINK_PER_EMAIL, address, detail={"ip": ip}, now=now
    )
    members = session.exec(
        select(Member)
        .where(
            Member.organisation_id == organisation.id,
            func.lower(Member.email) == address,
            Member.status == "active",
        )
        .order_by(col(Member.id))
        .limit(MAX_MEMBERS_PER_REQUEST)
    ).all()
    for member in members:
        assert member.id is not None and member.email
        token = new_token()
        session.add(
            MagicLink(
                token_hmac=keys.token_hmac(token, "magic"),
                member_id=member.id,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        queue_mail(
            session,
            to=member.email,
            subject=f"Your link to sign in to {organisation.name}",
            text=(
                f"Hello {member.first_name},\n\nUse this link to sign in to {organisation.name}. "
                "It works once, within 15 minutes:\n\n"
                f"{settings.base_url}/magic/{token}\n\n"
                "If you did not ask for it, you can ignore this email.\n"
            ),
            organisation_id=organisation.id,
            purpose="magic-link",
            hidden=[token],
            keys=keys,
        )
    session.commit()


def find_link(
    session: Session, keys: Keys, token: str, *, now: datetime | None = None
) -> MagicLink | None:
    """The unused, unexpired link for ``token``, or None."""
    now = now or utcnow()
    if not token or len(token) > 128:
        return None
    link = session.exec(
        select(MagicLink).where(MagicLink.token_hmac == keys.token_hmac(token, "magic"))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use_link(
    session: Session,
    keys: Keys,
    settings: Settings,
    *,
    token: str,
    ip: str,
    replacing: str | None,
    user_agent: str = "",
    now: datetime | None = None,
) -> tuple[Member, Organisation, str]:
    """Spend the link and sign the member in: (member, organisation, new session token)."""
    now = now or utcnow()
    link = find_link(session, keys, token, now=now)
    member = session.get(Member, link.member_id) if link else None
    organisation = session.get(Organisation, member.organisation_id) if member else None
    if link is None or member is None or organisation is None or member.status != "active":
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)
    claimed = session.execute(
        update(MagicLink)
        .where(
            col(MagicLink.id) == link.id,
            col(MagicLink.used_at).is_(None),
            col(MagicLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise AccountError(LINK_INVALID, slug="link-invalid", status=410)
    session_token = sessions.issue(
        session,
        keys,
        settings,
        member=member,
        replacing=replacing,
        user_agent=user_agent,
        now=now,
    )
    audit.record(
        session,
        actor=f"member:{member.id}",
        action="auth.member_signed_in",
        organisation_id=organisation.id,
        object_type="member",
        object_id=member.id,
        detail={"ip": ip},
    )
    session.commit()
    return member, organisation, session_token
