"""contact address: an organisation's address for replies, and the Reply-To of its messages

Revision ID: 0013_contact_address
Revises: 0012_invitation_role
Create Date: 2026-12-08 00:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013_contact_address'
down_revision: str | None = '0012_invitation_role'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: a batch copy of organisation on SQLite would cascade to every table.
    op.add_column('organisation', sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
    op.add_column('outbox_message', sa.Column('reply_to', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox_message', 'reply_to')
    op.drop_column('organisation', 'contact_email')
