"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/`` create them.

Workbook tables mirror the workbook's schema column for column, so import and export are
straight copies. Key columns are NOT NULL with ``''`` for blank, so keys stay unique on every
database (NULLs never collide in a unique index). Rows refer to items and families by their
codes, not by surrogate ids: frozen plan versions keep their meaning whatever the master data
becomes later.
"""

from __future__ import annotations

import sqlalchemy as sa

from snop.model.schema import TABLES, Kind, Table

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

KEY_TEXT = sa.String(200)


# Item rows of these tables must name a stored item (the database checks it too).
ITEM_CHILDREN = ("sales", "inventory")


def _columns(spec: Table) -> list[sa.Column[object]]:
    cols: list[sa.Column[object]] = []
    for c in spec.columns:
        if c.name == "item" and spec.name in ITEM_CHILDREN:
            cols.append(
                sa.Column(c.name, KEY_TEXT, sa.ForeignKey("wb_items.item"), primary_key=True)
            )
        elif c.name in spec.key:
            cols.append(sa.Column(c.name, KEY_TEXT, primary_key=True, server_default=""))
        elif c.kind is Kind.NUMBER:
            cols.append(sa.Column(c.name, sa.Double, nullable=True))
        else:
            cols.append(sa.Column(c.name, sa.Text, nullable=True))
    return cols


def _workbook_table(name: str) -> sa.Table:
    return sa.Table(f"wb_{name}", metadata, *_columns(TABLES[name]))


WORKBOOK_TABLES: dict[str, sa.Table] = {
    name: _workbook_table(name) for name, spec in TABLES.items() if spec.period_overrides_of is None
}

# items' hierarchy attributes (category, brand...), in the user's column order
item_attribute_name = sa.Table(
    "wb_item_attribute_name",
    metadata,
    sa.Column("name", KEY_TEXT, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)
item_attribute = sa.Table(
    "wb_item_attribute",
    metadata,
    sa.Column("item", KEY_TEXT, sa.ForeignKey("wb_items.item"), primary_key=True),
    sa.Column("name", KEY_TEXT, primary_key=True),
    sa.Column("value", sa.Text, nullable=True),
)


def _period_values(name: str, key: str) -> sa.Table:
    # family_periods / workforce_periods are wide in the workbook, long here: one row per
    # key, period and parameter, so a new numeric column needs no migration.
    return sa.Table(
        f"wb_{name}",
        metadata,
        sa.Column(key, KEY_TEXT, primary_key=True),
        sa.Column("period", KEY_TEXT, primary_key=True),
        sa.Column("parameter", KEY_TEXT, primary_key=True),
        sa.Column("value", sa.Double, nullable=True),
    )


PERIOD_VALUE_TABLES: dict[str, sa.Table] = {
    "family_periods": _period_values("family_periods", "family"),
    "workforce_periods": _period_values("workforce_periods", "pool"),
}

# store-wide facts: granularity, when the workbook was last imported
meta = sa.Table(
    "snop_meta",
    metadata,
    sa.Column("name", KEY_TEXT, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Forecast layers of a cycle (the cycle is named by its first planning period). The
# statistical baseline is layer "statistical"; the demand review adds its layers beside it.
forecast = sa.Table(
    "forecast",
    metadata,
    sa.Column("cycle", KEY_TEXT, primary_key=True),
    sa.Column("layer", KEY_TEXT, primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("period", KEY_TEXT, primary_key=True),
    sa.Column("qty", sa.Double, nullable=False),
    sa.Column("model", sa.Text, nullable=True),
)
forecast_interval = sa.Table(
    "forecast_interval",
    metadata,
    sa.Column("cycle", KEY_TEXT, primary_key=True),
    sa.Column("layer", KEY_TEXT, primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("period", KEY_TEXT, primary_key=True),
    sa.Column("level", sa.Double, primary_key=True),
    sa.Column("lo", sa.Double, nullable=False),
    sa.Column("hi", sa.Double, nullable=False),
)
# Why each item got its model: the backtest report of the baseline.
forecast_report = sa.Table(
    "forecast_report",
    metadata,
    sa.Column("cycle", KEY_TEXT, primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("demand_class", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("runner_up", sa.Text, nullable=True),
    sa.Column("mase", sa.Double, nullable=True),
    sa.Column("wape", sa.Double, nullable=True),
    sa.Column("naive_mase", sa.Double, nullable=True),
    sa.Column("naive_wape", sa.Double, nullable=True),
    sa.Column("outliers", sa.Integer, nullable=False),
    sa.Column("treatment", sa.Text, nullable=True),
)

# The demand review. A cycle's demand plan moves draft -> submitted -> approved; the override
# log is the only thing a layer holds (layers are recomputed by replaying it over the
# baseline), and approval freezes every layer's values and each override's effect, so an
# approved version reads back the same whatever later cycles or releases do.
demand_plan = sa.Table(
    "demand_plan",
    metadata,
    sa.Column("cycle", KEY_TEXT, primary_key=True),
    sa.Column("status", KEY_TEXT, nullable=False),
    sa.Column("based_on", KEY_TEXT, nullable=True),
    sa.Column("created_at", KEY_TEXT, nullable=False),
    sa.Column("submitted_by", sa.Text, nullable=True),
    sa.Column("submitted_at", KEY_TEXT, nullable=True),
    sa.Column("approved_by", sa.Text, nullable=True),
    sa.Column("approved_role", sa.Text, nullable=True),
    sa.Column("approved_at", KEY_TEXT, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    # the layer chain as approved (JSON list), so a version keeps its order of layers
    sa.Column("layers", sa.Text, nullable=True),
)
demand_override = sa.Table(
    "demand_override",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("demand_plan.cycle"), nullable=False, index=True),
    sa.Column("layer", KEY_TEXT, nullable=False),
    sa.Column("level", KEY_TEXT, nullable=False),
    sa.Column("key", KEY_TEXT, nullable=False),
    sa.Column("period", KEY_TEXT, nullable=False),
    sa.Column("to_period", KEY_TEXT, nullable=False),
    sa.Column("kind", KEY_TEXT, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("split", KEY_TEXT, nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("event", sa.Text, nullable=True),
    sa.Column("source", KEY_TEXT, nullable=False),
    sa.Column("carried_from", KEY_TEXT, nullable=True),
    sa.Column("created_at", KEY_TEXT, nullable=False),
)
demand_version = sa.Table(
    "demand_version",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("demand_plan.cycle"), primary_key=True),
    sa.Column("layer", KEY_TEXT, primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("period", KEY_TEXT, primary_key=True),
    sa.Column("qty", sa.Double, nullable=False),
)
demand_effect = sa.Table(
    "demand_effect",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("demand_plan.cycle"), primary_key=True),
    sa.Column("override_id", sa.Integer, primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("period", KEY_TEXT, primary_key=True),
    sa.Column("before", sa.Double, nullable=False),
    sa.Column("after", sa.Double, nullable=False),
)
# The hierarchy an approved version was approved with (item -> family and attributes), so its
# family and attribute views stay the same when items move family later.
demand_version_group = sa.Table(
    "demand_version_group",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("demand_plan.cycle"), primary_key=True),
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("level", KEY_TEXT, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# The monthly cycle (named by its first planning period). One cycle is open at a time; the
# executive approval freezes its plan as the cycle's version, and opening the next cycle
# closes it. ``horizon`` and ``actuals_cutoff`` (the last period of actuals it plans from)
# are fixed when it opens, so importing new actuals never moves a cycle.
cycle = sa.Table(
    "cycle",
    metadata,
    sa.Column("period", KEY_TEXT, primary_key=True),
    sa.Column("status", KEY_TEXT, nullable=False),
    sa.Column("horizon", sa.Integer, nullable=False),
    sa.Column("actuals_cutoff", KEY_TEXT, nullable=True),
    sa.Column("based_on", KEY_TEXT, nullable=True),
    sa.Column("opened_by", sa.Text, nullable=False),
    sa.Column("opened_at", KEY_TEXT, nullable=False),
    sa.Column("approved_by", sa.Text, nullable=True),
    sa.Column("approved_at", KEY_TEXT, nullable=True),
    sa.Column("strategy", KEY_TEXT, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("closed_at", KEY_TEXT, nullable=True),
)
# The steps of each cycle: owner role, status, due date, who ran it and who signed it off.
cycle_step = sa.Table(
    "cycle_step",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("cycle.period"), primary_key=True),
    sa.Column("step", KEY_TEXT, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("owner", KEY_TEXT, nullable=False),
    sa.Column("status", KEY_TEXT, nullable=False),
    sa.Column("due", KEY_TEXT, nullable=True),
    sa.Column("ran_by", sa.Text, nullable=True),
    sa.Column("ran_at", KEY_TEXT, nullable=True),
    sa.Column("signed_by", sa.Text, nullable=True),
    sa.Column("signed_at", KEY_TEXT, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
)
# What a cycle opened with: inventory, backlog and workers per family or pool, and where each
# came from (an actual, derived from actuals, or the last version's projection).
cycle_opening = sa.Table(
    "cycle_opening",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("cycle.period"), primary_key=True),
    sa.Column("measure", KEY_TEXT, primary_key=True),
    sa.Column("key", KEY_TEXT, primary_key=True),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("source", KEY_TEXT, nullable=False),
)
# Plans as JSON documents: a cycle's working drafts (replaced by each run) and its version
# (written once, at the executive approval, and never changed).
plan_document = sa.Table(
    "plan_document",
    metadata,
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("cycle.period"), primary_key=True),
    sa.Column("kind", KEY_TEXT, primary_key=True),
    sa.Column("part", KEY_TEXT, primary_key=True),
    sa.Column("content", sa.Text, nullable=False),
)
# Who did what when: cycle events, sign-offs, late actuals.
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", KEY_TEXT, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", KEY_TEXT, nullable=False),
    sa.Column("cycle", KEY_TEXT, nullable=True, index=True),
    sa.Column("detail", sa.Text, nullable=False),
)
# Decisions and actions of the executive meetings, on every agenda until closed.
decision = sa.Table(
    "decision",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cycle", KEY_TEXT, sa.ForeignKey("cycle.period"), nullable=False, index=True),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("owner", KEY_TEXT, nullable=False),
    sa.Column("due", KEY_TEXT, nullable=False),
    sa.Column("status", KEY_TEXT, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", KEY_TEXT, nullable=False),
    sa.Column("closed_by", sa.Text, nullable=True),
    sa.Column("closed_at", KEY_TEXT, nullable=True),
    sa.Column("closed_in", KEY_TEXT, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)
# Who may use the store, in which roles (comma-separated Role values). A password is
# stored only as its argon2 hash; ``demo`` marks the demo company's documented users.
app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("name", KEY_TEXT, primary_key=True),
    sa.Column("roles", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", KEY_TEXT, nullable=False),
    sa.Column("disabled_at", KEY_TEXT, nullable=True),
)
# API tokens and web sessions: only the SHA-256 of the secret is kept (the secrets are 256
# random bits, so a fast hash is enough), and a stolen table holds nothing to log in with.
api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_name", KEY_TEXT, sa.ForeignKey("app_user.name"), nullable=False, index=True),
    sa.Column("token_hash", KEY_TEXT, nullable=False, unique=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", KEY_TEXT, nullable=False),
    sa.Column("revoked_at", KEY_TEXT, nullable=True),
)
web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("session_hash", KEY_TEXT, primary_key=True),
    sa.Column("user_name", KEY_TEXT, sa.ForeignKey("app_user.name"), nullable=False, index=True),
    sa.Column("csrf", KEY_TEXT, nullable=False),
    sa.Column("created_at", KEY_TEXT, nullable=False),
    sa.Column("expires_at", KEY_TEXT, nullable=False),
)

# Sales history at volume (``snop history import``): one row per series and period, the
# series being an item, or an item at a location (snop.io.stream.SERIES_KEY). The workbook's
# ``sales`` table keeps the detail of a planning workbook; these hold millions of rows. A
# series gets an integer id once, so history rows are three numbers; periods are integer
# ordinals (snop.model.periods), so PostgreSQL can range-partition the history by period
# (docs/scale.md) and a re-import replaces whole periods.
series = sa.Table(
    "series",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item", KEY_TEXT, nullable=False),
    sa.Column("location", KEY_TEXT, nullable=False, server_default=""),
    # the import looks ids up by key; the sums group by item (the index's first column)
    sa.UniqueConstraint("item", "location"),
)
# No foreign key to ``series``: the import takes every id from ``series`` in the same
# transaction, and PostgreSQL checks a foreign key by a trigger per row, which would double
# the time of a ten-million-row load. The key (series_id, period) reads one series' history
# in order and holds the partition column, as a partitioned table's key must.
series_sales = sa.Table(
    "series_sales",
    metadata,
    sa.Column("series_id", sa.Integer, primary_key=True),
    sa.Column("period", sa.Integer, primary_key=True),
    sa.Column("qty", sa.Double, nullable=False),
)

# The model each series (item) keeps for the next incremental re-forecast: the record of the
# last baseline run of the store, whichever cycle it was (snop.forecasting.incremental).
# One row per item, replaced by every run; ``path`` and ``why`` say how that run got it.
series_model = sa.Table(
    "series_model",
    metadata,
    sa.Column("item", KEY_TEXT, primary_key=True),
    sa.Column("cycle", KEY_TEXT, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("selected", KEY_TEXT, nullable=True),
    sa.Column("forecast_from", KEY_TEXT, nullable=False),
    sa.Column("band_lo", sa.Double, nullable=True),
    sa.Column("band_hi", sa.Double, nullable=True),
    sa.Column("fingerprint", KEY_TEXT, nullable=False),
    sa.Column("runner_up", sa.Text, nullable=True),
    sa.Column("mase", sa.Double, nullable=True),
    sa.Column("wape", sa.Double, nullable=True),
    sa.Column("naive_mase", sa.Double, nullable=True),
    sa.Column("naive_wape", sa.Double, nullable=True),
    sa.Column("windows", sa.Integer, nullable=False),
    sa.Column("path", KEY_TEXT, nullable=False),
    sa.Column("why", sa.Text, nullable=False),
)
