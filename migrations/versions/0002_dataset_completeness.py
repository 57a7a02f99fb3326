"""Datasets say whether they list every establishment of their scope.

Only the establishment figures of complete datasets are summed into oficinas regionales,
departamentos, provincias and the national total; a partial table (a page cut off, a list of
some prisons) is served per establishment but never rolled up into a misleading total.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(
            sa.Column("is_complete", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("is_complete")
