"""prices per period, service levels and replenishment lead times

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wb_prices",
        sa.Column("item", sa.String(length=200), server_default="", nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("unit_price", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("item", "period", name=op.f("pk_wb_prices")),
    )
    with op.batch_alter_table("wb_families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_level", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("replenishment_lead_time", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wb_families", schema=None) as batch_op:
        batch_op.drop_column("replenishment_lead_time")
        batch_op.drop_column("service_level")
    op.drop_table("wb_prices")
