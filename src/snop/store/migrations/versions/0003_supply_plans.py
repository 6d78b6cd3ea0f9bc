"""supply plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:42:08.939715
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "constrained_demand",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("strategy", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("demand", sa.Double(), nullable=False),
        sa.Column("constrained", sa.Double(), nullable=False),
        sa.Column("gap", sa.Double(), nullable=False),
        sa.Column("backlog", sa.Double(), nullable=False),
        sa.Column("lost_sales", sa.Double(), nullable=False),
        sa.Column("lead_time_periods", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "cycle", "strategy", "family", "period", name=op.f("pk_constrained_demand")
        ),
    )
    op.create_table(
        "supply_plan",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("strategy", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cycle", "strategy", "family", "period", "measure", name=op.f("pk_supply_plan")
        ),
    )


def downgrade() -> None:
    op.drop_table("supply_plan")
    op.drop_table("constrained_demand")
