"""The roll: voters and their credentials, replacements, and the returning officer's look-up.

``open_roll`` is called by the election's lifecycle once the electorate is frozen: it gives each
elector a voter ID and security code, stores only their HMACs (and, for voters reached by email,
the credentials sealed under the server key until the close, so reminders can repeat them), and
either queues an email or puts the voter in the mail house's postal pack. It is written for
whole electorates at once: rows are built in memory and inserted in batches.

Nobody but the returning officer learns who has voted, and each such look-up is audited.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from governance import audit
from governance.db import utcnow
from governance.elections import postal
from governance.elections.ballot_box import (
    Credentials,
    code_hmac,
    new_credentials,
    voter_id_hmac,
)
from governance.elections.models import (
    Channel,
    Delivery,
    Election,
    ElectionStatus,
    Replacement,
    Voter,
    VoterStatus,
)
from governance.elections.poll_notices import PollNotices, mail_purpose
from governance.mail import OutboxMessage, conceal, queue_mail
from governance.members.models import Member
from governance.organisations.models import Organisation
from governance.security import Keys

# Credentials are issued once nominations close and can be replaced until the close of poll.
ROLL_STATUSES = frozenset(
    {
        ElectionStatus.NOMINATIONS_CLOSED,
        ElectionStatus.WITHDRAWALS_OPEN,
        ElectionStatus.AWAITING_POLL,
        ElectionStatus.POLLING,
    }
)
REPLACEMENT_REASONS = {
    "spoilt": "Spoilt",
    "lost": "Lost",
    "not-received": "Not received",
}
SEAL_PURPOSE = "voter-credentials"
BATCH = 2000


class PollError(Exception):
    """A staff operation on the poll was refused; ``slug`` is stable, ``message`` for people."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(message)
        self.slug = slug
        self.message = message


@dataclass(frozen=True)
class RollOpened:
    voters: int
    emailed: int
    posted: int
    postal_pack_id: int | None


@dataclass(frozen=True)
class ReplacementIssued:
    replacement: Replacement
    credentials: Credentials
    delivery: Delivery


@dataclass(frozen=True)
class VoterStanding:
    """What the returning officer may learn about one member's place on the roll."""

    on_roll: bool
    voted: bool
    replacements: int


def seal_credentials(keys: Keys, election_id: int, credentials: Credentials) -> str:
    """The credentials encrypted for reminders: AES-256-GCM under a key derived from the server
    secret, bound to the election. (``Keys.seal``'s Fernet does the same job four times slower,
    which counts when a whole roll is issued at once.)"""
    nonce = os.urandom(12)
    plain = json.dumps([credentials.voter_id, credentials.code]).encode()
    sealed = _aead(keys).encrypt(nonce, plain, f"election:{election_id}".encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal_credentials(keys: Keys, election_id: int, sealed: str) -> Credentials:
    raw = base64.urlsafe_b64decode(sealed.encode())
    plain = _aead(keys).decrypt(raw[:12], raw[12:], f"election:{election_id}".encode())
    voter_id, code = json.loads(plain)
    return Credentials(voter_id, code)


@lru_cache(maxsize=8)
def _aead(keys: Keys) -> AESGCM:
    return AESGCM(keys.derive(SEAL_PURPOSE))


def organisation_of(session: Session, election: Election) -> Organisation:
    organisation = session.get(Organisation, election.organisation_id)
    assert organisation is not None
    return organisation


def open_roll(
    session: Session,
    keys: Keys,
    election: Election,
    members: Iterable[Member],
    *,
    needs_declaration: bool,
    base_url: str,
    by_post: Collection[int] = (),
    actor: str = "system",
    commit: bool = True,
) -> RollOpened:
    """Put the frozen electorate on the roll and send each voter their credentials.

    Members without an email address, those whose ids are in ``by_post``, and everyone when the
    election offers no online voting, go into a sealed postal pack for the mail house; the rest
    are emailed. ``needs_declaration`` is False for staff constituencies. With ``commit=False``
    the caller commits (e.g. together with its own stage change).
    """
    assert election.id is not None
    now = utcnow()
    if election.status not in ROLL_STATUSES:
        raise PollError("roll-not-open", "Credentials are issued once nominations have closed.")
    if election.poll_close_at is None or election.poll_close_at <= now:
        raise PollError("poll-closed", "The poll has closed.")
    existing = session.exec(
        select(func.count()).select_from(Voter).where(Voter.election_id == election.id)
    ).one()
    if existing:
        raise PollError("roll-exists", "Credentials have already been issued for this election.")
    organisation = organisation_of(session, election)
    notices = PollNotices(organisation, election, base_url)
    online = Channel.ONLINE in election.channels
    voters: list[dict[str, object]] = []
    mails: list[dict[str, object]] = []
    postal_rows: list[tuple[Member, Credentials]] = []
    seen: set[int] = set()
    for member in members:
        assert member.id is not None
        if member.organisation_id != election.organisation_id:
            raise PollError("wrong-organisation", "A member of another organisation was given.")
        if member.id in seen:
            continue
        seen.add(member.id)
        credentials = new_credentials()
        by_email = online and bool(member.email) and member.id not in by_post
        voters.append(
            {
                "election_id": election.id,
                "member_id": member.id,
                "voter_id_hmac": voter_id_hmac(keys, election.id, credentials.voter_id),
                "code_hmac": code_hmac(keys, election.id, credentials.voter_id, credentials.code),
                "credentials_sealed": (
                    seal_credentials(keys, election.id, credentials) if by_email else None
                ),
                "needs_declaration": needs_declaration,
                "status": VoterStatus.ISSUED.value,
                "channel": None,
                "voted_on": None,
                "issue_count": 1,
                "delivery": (Delivery.EMAIL if by_email else Delivery.POST).value,
            }
        )
        if by_email:
            assert member.email is not None
            text = notices.credentials(
                member.display_name, credentials, declaration=needs_declaration
            )
            mails.append(
                mail_row(
                    election,
                    member.email,
                    notices.subject(),
                    text,
                    now,
                    keys=keys,
                    hidden=[credentials.voter_id, credentials.code],
                )
            )
        else:
            postal_rows.append((member, credentials))
    # Core inserts: one executemany per batch (the ORM's bulk insert would split the batch
    # wherever a row's NULL columns differ from its neighbour's).
    for table, rows in ((Voter.__table__, voters), (OutboxMessage.__table__, mails)):  # type: ignore[attr-defined]
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[start : start + BATCH])
    pack_id = None
    if postal_rows:
        pack = postal.make_pack(keys, election, postal_rows, declaration=needs_declaration)
        session.add(pack)
        session.flush()
        pack_id = pack.id
    audit.record(
        session,
        actor=actor,
        action="election.roll_opened",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"voters": len(voters), "emailed": len(mails), "posted": len(postal_rows)},
    )
    if commit:
        session.commit()
    return RollOpened(len(voters), len(mails), len(postal_rows), pack_id)


def mail_row(
    election: Election,
    to: str,
    subject: str,
    text: str,
    now: datetime,
    *,
    keys: Keys | None = None,
    hidden: Sequence[str] = (),
) -> dict[str, object]:
    """An outbox row, as :func:`governance.mail.queue_mail` makes it, for a batch insert: the
    ``hidden`` credentials are sealed, never stored in the text."""
    if hidden and keys is None:
        raise ValueError("sealing a message's secrets needs the server keys")
    body, sealed = conceal(keys, text, hidden) if keys is not None else (text, None)
    return {
        "organisation_id": election.organisation_id,
        "message_id": make_msgid(domain="governance.local"),
        "to_address": to,
        "subject": subject.replace("\n", " ").replace("\r", " ")[:300],
        "body_text": body,
        "body_html": None,
        "secrets_sealed": sealed,
        "purpose": mail_purpose("credentials", election),
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def voter_for(session: Session, election: Election, member_id: int) -> Voter | None:
    return session.exec(
        select(Voter).where(Voter.election_id == election.id, Voter.member_id == member_id)
    ).first()


def issue_replacement(
    session: Session,
    keys: Keys,
    election: Election,
    who: Member | Voter,
    *,
    reason: str,
    actor: str,
    delivery: Delivery | None = None,
    base_url: str = "",
) -> ReplacementIssued:
    """Replace a voter's credentials, refusing if a vote has been recorded with them.

    The old voter ID and code stop working in the same transaction. By email, the new ones are
    queued to the member; by post, they are returned once for the returning officer to print
    and are not kept. The replacement is added to the statutory list and audited. Commits.
    """
    assert election.id is not None
    if reason not in REPLACEMENT_REASONS:
        raise PollError("unknown-reason", "Choose why replacement voting information is needed.")
    if election.poll_close_at is None or utcnow() >= election.poll_close_at:
        raise PollError("poll-closed", "The poll has closed: no replacements can be issued.")
    if election.status not in ROLL_STATUSES:
        raise PollError("roll-not-open", "Voting information has not been issued yet.")
    voter = who if isinstance(who, Voter) else voter_for(session, election, _id(who))
    if voter is None or voter.election_id != election.id:
        raise PollError("not-on-roll", "That member is not on the roll for this election.")
    member = session.get(Member, voter.member_id)
    assert member is not None and voter.id is not None
    delivery = delivery or (Delivery.EMAIL if member.email else Delivery.POST)
    if delivery == Delivery.EMAIL and not member.email:
        raise PollError("no-email", "The member has no email address: issue it by post.")
    credentials = new_credentials()
    changed = session.execute(
        update(Voter)
        .where(col(Voter.id) == voter.id, col(Voter.status) == VoterStatus.ISSUED)
        .values(
            voter_id_hmac=voter_id_hmac(keys, election.id, credentials.voter_id),
            code_hmac=code_hmac(keys, election.id, credentials.voter_id, credentials.code),
            credentials_sealed=(
                seal_credentials(keys, election.id, credentials)
                if delivery == Delivery.EMAIL
                else None
            ),
            delivery=delivery.value,
            issue_count=Voter.issue_count + 1,
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise PollError(
            "already-voted",
            "A vote has already been recorded for this voter, so replacement voting "
            "information cannot be issued.",
        )
    replacement = Replacement(
        election_id=election.id, voter_id=voter.id, reason=reason, issued_by=actor
    )
    session.add(replacement)
    if delivery == Delivery.EMAIL:
        assert member.email is not None
        notices = PollNotices(organisation_of(session, election), election, base_url)
        queue_mail(
            session,
            to=member.email,
            subject=notices.subject("Replacement"),
            text=notices.replacement(
                member.display_name, credentials, declaration=voter.needs_declaration
            ),
            organisation_id=election.organisation_id,
            purpose=mail_purpose("credentials", election),
            hidden=[credentials.voter_id, credentials.code],
            keys=keys,
        )
    audit.record(
        session,
        actor=actor,
        action="election.replacement_issued",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"member_id": member.id, "reason": reason, "delivery": delivery.value},
    )
    session.commit()
    session.refresh(replacement)
    return ReplacementIssued(replacement, credentials, delivery)


def _id(member: Member) -> int:
    assert member.id is not None
    return member.id


def standing_of(session: Session, election: Election, member: Member, actor: str) -> VoterStanding:
    """Whether ``member`` has voted: for the returning officer only, and audited every time.

    The audit entry names who looked and at whom, never the answer. Commits.
    """
    voter = voter_for(session, election, _id(member))
    replacements = 0
    if voter is not None:
        replacements = session.exec(
            select(func.count()).select_from(Replacement).where(Replacement.voter_id == voter.id)
        ).one()
    audit.record(
        session,
        actor=actor,
        action="election.voter_status_viewed",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={"member_id": member.id},
    )
    session.commit()
    return VoterStanding(
        on_roll=voter is not None,
        voted=voter is not None and voter.status == VoterStatus.VOTED,
        replacements=replacements,
    )


@dataclass(frozen=True)
class ReplacementLine:
    issued_at: datetime
    member_reference: str
    member_name: str
    reason: str
    issued_by: str


def replacement_list(session: Session, election: Election) -> list[ReplacementLine]:
    """The statutory list of replacement voting information issued, oldest first."""
    rows = session.exec(
        select(Replacement, Member)
        .join(Voter, col(Voter.id) == col(Replacement.voter_id))
        .join(Member, col(Member.id) == col(Voter.member_id))
        .where(Replacement.election_id == election.id)
        .order_by(col(Replacement.issued_at), col(Replacement.id))
    ).all()
    return [
        ReplacementLine(
            issued_at=replacement.issued_at,
            member_reference=member.reference,
            member_name=member.display_name,
            reason=REPLACEMENT_REASONS.get(replacement.reason, replacement.reason),
            issued_by=replacement.issued_by,
        )
        for replacement, member in rows
    ]
