"""invitation role: a role offered to an existing account, granted when accepted

Revision ID: 0012_invitation_role
Revises: 0011_token_scopes
Create Date: 2026-12-07 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_invitation_role'
down_revision: str | None = '0011_token_scopes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.drop_column('role')
