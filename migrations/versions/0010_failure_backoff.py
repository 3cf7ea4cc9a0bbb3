"""failure backoff: growing waits after failed credentials instead of lock-outs

Revision ID: 0010_failure_backoff
Revises: 0009_sealed_ballots
Create Date: 2026-12-07 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import governance.db

revision: str = '0010_failure_backoff'
down_revision: str | None = '0009_sealed_ballots'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('failure_backoff',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retry_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_failure_backoff'))
    )


def downgrade() -> None:
    op.drop_table('failure_backoff')
