"""forecast layers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:38:59.138496
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("layer", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("cycle", "layer", "item", "period", name=op.f("pk_forecast")),
    )
    op.create_table(
        "forecast_interval",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("layer", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Double(), nullable=False),
        sa.Column("lo", sa.Double(), nullable=False),
        sa.Column("hi", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cycle", "layer", "item", "period", "level", name=op.f("pk_forecast_interval")
        ),
    )
    op.create_table(
        "forecast_report",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("demand_class", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("runner_up", sa.Text(), nullable=True),
        sa.Column("mase", sa.Double(), nullable=True),
        sa.Column("wape", sa.Double(), nullable=True),
        sa.Column("naive_mase", sa.Double(), nullable=True),
        sa.Column("naive_wape", sa.Double(), nullable=True),
        sa.Column("outliers", sa.Integer(), nullable=False),
        sa.Column("treatment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("cycle", "item", name=op.f("pk_forecast_report")),
    )


def downgrade() -> None:
    op.drop_table("forecast_report")
    op.drop_table("forecast_interval")
    op.drop_table("forecast")
