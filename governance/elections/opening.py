"""Opening the sealed ballots at the count, as one shuffled set.

The returning officer's private key (or k trustees' shares) arrives with the count request; it
is checked against the election's public key, used in memory, and never written anywhere. The
cast ballots (not the late ones) are read, put in an order drawn from the operating system's
CSPRNG, opened, and inserted into ``counted_ballot`` with fresh random ids in that one
transaction, replacing what an earlier count wrote. The counted ballots carry no receipt, no
ciphertext and no reference to the cast ballot, so they cannot be lined up with the roll, the
receipts or the ciphertexts (which the bulletin board publishes as trackers).

A poll opened before ballots were sealed (``plain_ballots``) goes through the same step without
a key: its stored choices are copied across, shuffled.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from governance.elections.election_key import KeyProblem, open_ballot, unlock
from governance.elections.models import Ballot, CountedBallot, Election

BATCH = 2000


def open_for_count(
    session: Session,
    election: Election,
    *,
    private_key: str | None,
    shares: Sequence[str] = (),
) -> int:
    """Fill ``counted_ballot`` for ``election`` from its cast ballots, in this transaction (the
    caller commits with the count). Raises :class:`KeyProblem` having written nothing."""
    assert election.id is not None
    rows = session.exec(
        select(Ballot.sealed, Ballot.choices, Ballot.invalid_reason).where(
            Ballot.election_id == election.id, col(Ballot.late).is_(False)
        )
    ).all()
    opened: list[tuple[list[int], str | None]] = []
    if election.ballot_public_key:
        private = unlock(election.ballot_public_key, private_key=private_key, shares=shares)
        sealed = [row[0] for row in rows]
        if any(s is None for s in sealed):
            raise KeyProblem("damaged-ballot", "A stored ballot is not sealed to the key.")
        secrets.SystemRandom().shuffle(sealed)
        opened = [open_ballot(private, s) for s in sealed if s is not None]
        del private
    else:
        if private_key or any(s.strip() for s in shares):
            raise KeyProblem(
                "no-key-needed", "This poll's ballots were not sealed to a key: count without one."
            )
        opened = [(list(c), reason) for _, c, reason in rows]
        secrets.SystemRandom().shuffle(opened)
    session.execute(delete(CountedBallot).where(col(CountedBallot.election_id) == election.id))
    table = CountedBallot.__table__  # type: ignore[attr-defined]
    values = [
        {
            "id": secrets.token_hex(16),
            "election_id": election.id,
            "choices": choices,
            "invalid_reason": reason,
        }
        for choices, reason in opened
    ]
    for start in range(0, len(values), BATCH):
        session.execute(insert(table), values[start : start + BATCH])
    return len(values)
