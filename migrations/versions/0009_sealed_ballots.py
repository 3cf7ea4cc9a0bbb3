"""sealed ballots and sealed message secrets: the election public key, ciphertext ballots, the
counted (opened) ballots; outbox secrets sealed until delivery

Polls already open when this runs keep storing plain ballots until they are counted
(``election.plain_ballots``); elections already counted or declared have their ballots copied
into ``counted_ballot`` so their result can be declared and read as before. Messages already
sent that carried a sign-in link, an invitation or voting credentials lose their text (the
subject, recipient and status stay); reminders already sent are deleted, as they listed who had
not voted.

Revision ID: 0009_sealed_ballots
Revises: 0008_accountability
Create Date: 2026-12-07 23:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import governance.db

revision: str = '0009_sealed_ballots'
down_revision: str | None = '0008_accountability'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_OR_UNCOUNTED = ('awaiting_poll', 'polling', 'poll_closed', 'counted')
COUNTED = ('counted', 'declared')
SCRUBBED = '(This message carried a sign-in link or voting credentials. Its text was removed after delivery.)'



def upgrade() -> None:
    op.add_column('election', sa.Column('ballot_public_key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    op.add_column('election', sa.Column('key_shares_needed', sa.Integer(), nullable=True))
    op.add_column('election', sa.Column('key_trustees', sa.Integer(), nullable=True))
    op.add_column('election', sa.Column('plain_ballots', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('ballot', sa.Column('sealed', sa.LargeBinary(), nullable=True))
    op.add_column('outbox_message', sa.Column('secrets_sealed', sa.Text(), nullable=True))
    outbox = sa.table('outbox_message', sa.column('body_text', sa.Text()), sa.column('body_html', sa.Text()), sa.column('purpose', sa.String()), sa.column('status', sa.String()))
    secret_bearing = sa.or_(outbox.c.purpose.in_(('magic-link', 'staff-invitation')), outbox.c.purpose.like('election-credentials:%'))
    op.execute(outbox.update().where(outbox.c.status == 'sent', secret_bearing).values(body_text=SCRUBBED, body_html=None))
    op.execute(outbox.delete().where(outbox.c.status == 'sent', outbox.c.purpose.like('election-reminder:%')))
    op.create_table('counted_ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('choices', governance.db.JSONDoc(), nullable=False),
    sa.Column('invalid_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_counted_ballot_election_id_election'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counted_ballot')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('counted_ballot', schema=None) as batch_op:
        batch_op.create_index('ix_counted_ballot_election_id', ['election_id'], unique=False)

    election = sa.table('election', sa.column('id', sa.Integer()), sa.column('status', sa.String()), sa.column('plain_ballots', sa.Boolean()))
    op.execute(election.update().where(election.c.status.in_(OPEN_OR_UNCOUNTED)).values(plain_ballots=True))
    bind = op.get_bind()
    ballot = sa.table('ballot', sa.column('election_id', sa.Integer()), sa.column('choices', governance.db.JSONDoc()), sa.column('invalid_reason', sa.String()), sa.column('late', sa.Boolean()))
    counted = sa.table('counted_ballot', sa.column('id', sa.String()), sa.column('election_id', sa.Integer()), sa.column('choices', governance.db.JSONDoc()), sa.column('invalid_reason', sa.String()))
    rows = bind.execute(
        sa.select(ballot.c.election_id, ballot.c.choices, ballot.c.invalid_reason)
        .select_from(ballot.join(election, election.c.id == ballot.c.election_id))
        .where(election.c.status.in_(COUNTED), ballot.c.late.is_(False))
    ).all()
    copied = [{'id': secrets.token_hex(16), 'election_id': e, 'choices': c, 'invalid_reason': r} for e, c, r in rows]
    secrets.SystemRandom().shuffle(copied)
    for start in range(0, len(copied), 2000):
        bind.execute(counted.insert(), copied[start:start + 2000])


def downgrade() -> None:
    with op.batch_alter_table('counted_ballot', schema=None) as batch_op:
        batch_op.drop_index('ix_counted_ballot_election_id')
    op.drop_table('counted_ballot')
    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy would drop and recreate
    # ``election``, and on SQLite dropping it would cascade to every table that refers to it.
    for table, column in (
        ('outbox_message', 'secrets_sealed'),
        ('ballot', 'sealed'),
        ('election', 'plain_ballots'),
        ('election', 'key_trustees'),
        ('election', 'key_shares_needed'),
        ('election', 'ballot_public_key'),
    ):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
