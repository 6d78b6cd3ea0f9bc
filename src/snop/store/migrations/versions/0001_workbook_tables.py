"""workbook tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:44:33.294860
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snop_meta",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_snop_meta")),
    )
    op.create_table(
        "wb_budget",
        sa.Column("family", sa.String(length=200), server_default="", nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("revenue", sa.Double(), nullable=True),
        sa.Column("qty", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("family", "period", name=op.f("pk_wb_budget")),
    )
    op.create_table(
        "wb_calendar",
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("working_days", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_wb_calendar")),
    )
    op.create_table(
        "wb_demand",
        sa.Column("item", sa.String(length=200), server_default="", nullable=False),
        sa.Column("family", sa.String(length=200), server_default="", nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("qty", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("item", "family", "period", name=op.f("pk_wb_demand")),
    )
    op.create_table(
        "wb_families",
        sa.Column("family", sa.String(length=200), server_default="", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("initial_inventory", sa.Double(), nullable=True),
        sa.Column("initial_backlog", sa.Double(), nullable=True),
        sa.Column("min_ending_inventory", sa.Double(), nullable=True),
        sa.Column("safety_stock", sa.Double(), nullable=True),
        sa.Column("max_inventory", sa.Double(), nullable=True),
        sa.Column("holding_cost", sa.Double(), nullable=True),
        sa.Column("holding_basis", sa.Text(), nullable=True),
        sa.Column("backlog_cost", sa.Double(), nullable=True),
        sa.Column("max_backlog", sa.Double(), nullable=True),
        sa.Column("lost_sales_cost", sa.Double(), nullable=True),
        sa.Column("material_cost", sa.Double(), nullable=True),
        sa.Column("regular_capacity", sa.Double(), nullable=True),
        sa.Column("regular_cost", sa.Double(), nullable=True),
        sa.Column("overtime_capacity", sa.Double(), nullable=True),
        sa.Column("overtime_cost", sa.Double(), nullable=True),
        sa.Column("subcontract_cost", sa.Double(), nullable=True),
        sa.Column("subcontract_capacity", sa.Double(), nullable=True),
        sa.Column("labor_hours_per_unit", sa.Double(), nullable=True),
        sa.Column("workforce_pool", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("family", name=op.f("pk_wb_families")),
    )
    op.create_table(
        "wb_family_periods",
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("parameter", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("family", "period", "parameter", name=op.f("pk_wb_family_periods")),
    )
    op.create_table(
        "wb_item_attribute_name",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_wb_item_attribute_name")),
    )
    op.create_table(
        "wb_items",
        sa.Column("item", sa.String(length=200), server_default="", nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("unit_price", sa.Double(), nullable=True),
        sa.Column("unit_cost", sa.Double(), nullable=True),
        sa.Column("launch_period", sa.Text(), nullable=True),
        sa.Column("end_period", sa.Text(), nullable=True),
        sa.Column("like_item", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("item", name=op.f("pk_wb_items")),
    )
    op.create_table(
        "wb_resources",
        sa.Column("resource", sa.String(length=200), server_default="", nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("capacity_hours", sa.Double(), nullable=True),
        sa.Column("plant", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("resource", "period", name=op.f("pk_wb_resources")),
    )
    op.create_table(
        "wb_routings",
        sa.Column("family", sa.String(length=200), server_default="", nullable=False),
        sa.Column("resource", sa.String(length=200), server_default="", nullable=False),
        sa.Column("hours_per_unit", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("family", "resource", name=op.f("pk_wb_routings")),
    )
    op.create_table(
        "wb_settings",
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_wb_settings")),
    )
    op.create_table(
        "wb_workforce",
        sa.Column("pool", sa.String(length=200), server_default="", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("initial_workers", sa.Double(), nullable=True),
        sa.Column("regular_hours_per_worker", sa.Double(), nullable=True),
        sa.Column("hours_per_worker_per_day", sa.Double(), nullable=True),
        sa.Column("regular_wage", sa.Double(), nullable=True),
        sa.Column("overtime_wage", sa.Double(), nullable=True),
        sa.Column("max_overtime_hours_per_worker", sa.Double(), nullable=True),
        sa.Column("hiring_cost", sa.Double(), nullable=True),
        sa.Column("layoff_cost", sa.Double(), nullable=True),
        sa.Column("min_workers", sa.Double(), nullable=True),
        sa.Column("max_workers", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("pool", name=op.f("pk_wb_workforce")),
    )
    op.create_table(
        "wb_workforce_periods",
        sa.Column("pool", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("parameter", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint(
            "pool", "period", "parameter", name=op.f("pk_wb_workforce_periods")
        ),
    )
    op.create_table(
        "wb_inventory",
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("on_hand", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item"], ["wb_items.item"], name=op.f("fk_wb_inventory_item_wb_items")
        ),
        sa.PrimaryKeyConstraint("item", name=op.f("pk_wb_inventory")),
    )
    op.create_table(
        "wb_item_attribute",
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item"], ["wb_items.item"], name=op.f("fk_wb_item_attribute_item_wb_items")
        ),
        sa.PrimaryKeyConstraint("item", "name", name=op.f("pk_wb_item_attribute")),
    )
    op.create_table(
        "wb_sales",
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=200), server_default="", nullable=False),
        sa.Column("qty", sa.Double(), nullable=True),
        sa.Column("location", sa.String(length=200), server_default="", nullable=False),
        sa.Column("customer", sa.String(length=200), server_default="", nullable=False),
        sa.Column("channel", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["item"], ["wb_items.item"], name=op.f("fk_wb_sales_item_wb_items")
        ),
        sa.PrimaryKeyConstraint(
            "item", "period", "location", "customer", "channel", name=op.f("pk_wb_sales")
        ),
    )


def downgrade() -> None:
    op.drop_table("wb_sales")
    op.drop_table("wb_item_attribute")
    op.drop_table("wb_inventory")
    op.drop_table("wb_workforce_periods")
    op.drop_table("wb_workforce")
    op.drop_table("wb_settings")
    op.drop_table("wb_routings")
    op.drop_table("wb_resources")
    op.drop_table("wb_items")
    op.drop_table("wb_item_attribute_name")
    op.drop_table("wb_family_periods")
    op.drop_table("wb_families")
    op.drop_table("wb_demand")
    op.drop_table("wb_calendar")
    op.drop_table("wb_budget")
    op.drop_table("snop_meta")
