"""A log of what each data version added, replaced or withdrew (the changes feed).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("data_version", sa.Integer, nullable=False, index=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("title", sa.String(400), nullable=False, server_default=""),
        sa.Column("row_count", sa.Integer),
        sa.Column("checksum_sha256", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("dataset_changes")
