"""demand review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:15:13.517439
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_plan",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=200), nullable=False),
        sa.Column("based_on", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.String(length=200), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approved_role", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("cycle", name=op.f("pk_demand_plan")),
    )
    op.create_table(
        "wb_demand_layers",
        sa.Column("layer", sa.String(length=200), server_default="", nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("position", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("layer", name=op.f("pk_wb_demand_layers")),
    )
    op.create_table(
        "wb_overrides",
        sa.Column("layer", sa.String(length=200), server_default="", nullable=False),
        sa.Column("level", sa.String(length=200), server_default="", nullable=False),
        sa.Column("key", sa.String(length=200), server_default="", nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("to_period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("qty", sa.Double(), nullable=True),
        sa.Column("delta", sa.Double(), nullable=True),
        sa.Column("pct", sa.Double(), nullable=True),
        sa.Column("split", sa.Text(), nullable=True),
        sa.Column("lock", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("event", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint(
            "layer",
            "level",
            "key",
            "period",
            "to_period",
            "reason",
            "event",
            name=op.f("pk_wb_overrides"),
        ),
    )
    op.create_table(
        "demand_effect",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Double(), nullable=False),
        sa.Column("after", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle"], ["demand_plan.cycle"], name=op.f("fk_demand_effect_cycle_demand_plan")
        ),
        sa.PrimaryKeyConstraint(
            "cycle", "override_id", "item", "period", name=op.f("pk_demand_effect")
        ),
    )
    op.create_table(
        "demand_override",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("layer", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("to_period", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("split", sa.String(length=200), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("event", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("carried_from", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle"], ["demand_plan.cycle"], name=op.f("fk_demand_override_cycle_demand_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_override")),
    )
    with op.batch_alter_table("demand_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_override_cycle"), ["cycle"], unique=False)

    op.create_table(
        "demand_version",
        sa.Column("cycle", sa.String(length=200), nullable=False),
        sa.Column("layer", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle"], ["demand_plan.cycle"], name=op.f("fk_demand_version_cycle_demand_plan")
        ),
        sa.PrimaryKeyConstraint("cycle", "layer", "item", "period", name=op.f("pk_demand_version")),
    )
    with op.batch_alter_table("wb_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("like_factor", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wb_items", schema=None) as batch_op:
        batch_op.drop_column("like_factor")

    op.drop_table("demand_version")
    with op.batch_alter_table("demand_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_override_cycle"))

    op.drop_table("demand_override")
    op.drop_table("demand_effect")
    op.drop_table("wb_overrides")
    op.drop_table("wb_demand_layers")
    op.drop_table("demand_plan")
