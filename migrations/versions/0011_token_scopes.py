"""token scopes: each API token acts in one organisation with chosen roles

Tokens made before this carried every role of their owner in every organisation; they are
revoked here, and their owners make scoped ones on the account page.

Revision ID: 0011_token_scopes
Revises: 0010_failure_backoff
Create Date: 2026-12-07 23:40:00.000000
"""

from collections.abc import Sequence
import sqlalchemy as sa
import sqlmodel
from alembic import op

import governance.db

revision: str = '0011_token_scopes'
down_revision: str | None = '0010_failure_backoff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_api_token_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_token_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('scopes', server_default=None)
    api_token = sa.table('api_token', sa.column('revoked_at', governance.db.UTCDateTime(timezone=True)))
    op.execute(
        api_token.update()
        .where(api_token.c.revoked_at.is_(None))
        .values(revoked_at=governance.db.utcnow())
    )


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_token_organisation_id'))
        batch_op.drop_column('scopes')
        batch_op.drop_column('organisation_id')
