"""series history

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("item", "location", name=op.f("uq_series_item")),
    )
    op.create_table(
        "series_sales",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("series_id", "period", name=op.f("pk_series_sales")),
    )


def downgrade() -> None:
    op.drop_table("series_sales")
    op.drop_table("series")
