"""A poll that was open when sealed ballots arrived keeps working until it is counted.

The database is built at the head, an election is put at the poll, the schema is taken back to
the revision before sealed ballots and a plain ballot is stored there as the old code stored it;
then the upgrade runs. The poll goes on storing plain ballots, and is counted without a key.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from governance import audit
from governance.db import make_engine
from governance.elections import declaration
from governance.elections.models import Ballot, CountedBallot, Election, ElectionStatus
from governance.migrate import alembic_config, upgrade
from tests.conftest import TEST_SECRET
from tests.elections.poll_helpers import credentials, make_poll
from tests.elections.test_ballot_box import vote
from tests.factories import make_org, travel_to
from tests.test_migrations import empty_url  # noqa: F401 - the fixture


def test_an_open_plain_poll_keeps_working_after_the_upgrade(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url)
    audit.configure(TEST_SECRET)
    engine = make_engine(empty_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            poll = make_poll(db, make_org(db), voters=3, public_key=None, method="fptp", seats=1)
            election_id = poll.election.id
            first = poll.candidate_ids()[0]
        command.downgrade(alembic_config(empty_url), "0008_accountability")
        with engine.begin() as connection:  # a ballot cast by the old code: choices in clear
            connection.execute(
                text(
                    "INSERT INTO ballot (id, election_id, choices, receipt_hash, seal, late)"
                    " VALUES (:id, :e, :c, :r, :s, :late)"
                ),
                {
                    "id": secrets.token_hex(16),
                    "e": election_id,
                    "c": f"[{first}]",
                    "r": "0" * 64,
                    "s": "0" * 64,
                    "late": False,
                },
            )
        engine.dispose()
        upgrade(empty_url)
        engine = make_engine(empty_url)
        with Session(engine, expire_on_commit=False) as db:
            election = db.get(Election, election_id)
            assert election is not None and election.plain_ballots
            assert election.ballot_public_key is None
            poll.election = election
            creds = list(credentials(db, election).values())
            vote(db, poll, creds[0], choices=[first])  # still taken, as before
            stored = db.exec(select(Ballot.choices, Ballot.sealed)).all()
            assert sorted(c for c, _ in stored) == [[first], [first]]
            assert all(s is None for _, s in stored)
            assert election.poll_close_at is not None
            travel_to(election.poll_close_at + timedelta(seconds=1))
            election.status = ElectionStatus.POLL_CLOSED
            db.add(election)
            db.commit()
            result = declaration.count(db, election, seed=None, actor="user:ro")
            assert result["valid_votes"] == "2"
            assert len(db.exec(select(CountedBallot)).all()) == 2
    finally:
        engine.dispose()
