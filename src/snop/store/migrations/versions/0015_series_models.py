"""series models: the model each series keeps for an incremental re-forecast

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_model",
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("selected", sa.String(length=200), nullable=True),
        sa.Column("forecast_from", sa.String(length=200), nullable=False),
        sa.Column("band_lo", sa.Double(), nullable=True),
        sa.Column("band_hi", sa.Double(), nullable=True),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("runner_up", sa.Text(), nullable=True),
        sa.Column("mase", sa.Double(), nullable=True),
        sa.Column("wape", sa.Double(), nullable=True),
        sa.Column("naive_mase", sa.Double(), nullable=True),
        sa.Column("naive_wape", sa.Double(), nullable=True),
        sa.Column("windows", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("item", name=op.f("pk_series_model")),
    )


def downgrade() -> None:
    op.drop_table("series_model")
