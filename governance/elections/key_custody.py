"""Giving the service an election's public key (the private key stays with the returning
officer or the trustees; see ``election_key``).

The returning officer sets the public key once the election exists and before the first ballot
is stored; until then voting is refused with a clear message. Replacing it is allowed only
before voting opens and while no ballot has been stored (a key lost before the poll can be
replaced; once voting is open a vote in flight may already be sealed to the old one). Each
setting is audited with the key's fingerprint, so trustees can check the key they hold shares
of is the one the ballots are sealed to.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from governance import audit
from governance.db import utcnow
from governance.elections.election_key import KeyProblem, fingerprint, normalise_public_key
from governance.elections.models import STAGE_ORDER, Ballot, Election, ElectionStatus
from governance.errors import Conflict, Invalid

# Every stage up to and including the poll (a key replaced while polling is refused below).
SETTABLE = frozenset(STAGE_ORDER[: STAGE_ORDER.index(ElectionStatus.POLL_CLOSED)])


def set_public_key(
    session: Session,
    election: Election,
    *,
    public_key: str,
    actor: str,
    shares_needed: int | None = None,
    trustees: int | None = None,
) -> str:
    """Store ``public_key`` as the key ballots are sealed to; returns its fingerprint. Commits.

    ``shares_needed`` and ``trustees`` record a k-of-n split of the private key (both or
    neither). Refused (changing nothing) once a ballot is stored or for a plain poll of old.
    """
    try:
        text = normalise_public_key(public_key)
    except KeyProblem as problem:
        raise Invalid(problem.slug, problem.message) from None
    if (shares_needed is None) != (trustees is None) or (
        shares_needed is not None and trustees is not None and not 2 <= shares_needed <= trustees
    ):
        raise Invalid(
            "bad-threshold",
            "Give both the number of trustees and how many of them are needed (at least 2).",
        )
    if election.status not in SETTABLE or election.plain_ballots:
        raise Conflict("key-too-late", "The election key can no longer be set for this election.")
    stored = session.exec(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == election.id)
    ).one()
    if stored:
        raise Conflict(
            "key-in-use", "Ballots are already sealed to the election key: it cannot be changed."
        )
    replaced = election.ballot_public_key
    if replaced and election.poll_open_at is not None and utcnow() >= election.poll_open_at:
        # A vote being cast now may already be sealed to the old key.
        raise Conflict(
            "key-in-use", "Voting has opened: the election key cannot be changed any more."
        )
    election.ballot_public_key = text
    election.key_shares_needed = shares_needed
    election.key_trustees = trustees
    session.add(election)
    mark = fingerprint(text)
    audit.record(
        session,
        actor=actor,
        action="election.key_set",
        organisation_id=election.organisation_id,
        object_type="election",
        object_id=election.id,
        detail={
            "fingerprint": mark,
            "replaced": fingerprint(replaced) if replaced else None,
            "shares_needed": shares_needed,
            "trustees": trustees,
        },
    )
    session.commit()
    session.refresh(election)
    return mark


def settable(session: Session, election: Election) -> bool:
    """Whether the returning officer may (still) set the public key."""
    if election.status not in SETTABLE or election.plain_ballots:
        return False
    opened = election.poll_open_at is not None and utcnow() >= election.poll_open_at
    if election.ballot_public_key and opened:
        return False
    stored = session.exec(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == election.id)
    ).one()
    return not stored


def key_fingerprint(election: Election) -> str | None:
    return fingerprint(election.ballot_public_key) if election.ballot_public_key else None
