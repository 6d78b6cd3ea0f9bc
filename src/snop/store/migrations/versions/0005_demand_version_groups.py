"""demand version groups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:41:37.671609
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_version_group",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle"], ["demand_plan.cycle"], name=op.f("fk_demand_version_group_cycle_demand_plan")
        ),
        sa.PrimaryKeyConstraint("cycle", "item", "level", name=op.f("pk_demand_version_group")),
    )


def downgrade() -> None:
    op.drop_table("demand_version_group")
