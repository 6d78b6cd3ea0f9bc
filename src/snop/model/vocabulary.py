"""The words of the S&OP process that several packages share, each defined once."""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """Where a cycle's demand plan stands: a draft is edited, a submitted plan waits for the
    approver, an approved plan is frozen as the cycle's version. Stored as its value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"

    @property
    def frozen(self) -> bool:
        """Its baseline and overrides may no longer change."""
        return self is not PlanStatus.DRAFT


class Strategy(StrEnum):
    """How the supply plan meets demand: a constant rate (level), production following
    demand (chase), or the cheapest mix the LP finds (optimal). Stored as its value."""

    LEVEL = "level"
    CHASE = "chase"
    OPTIMAL = "optimal"


class Engine(StrEnum):
    """Where a partitioned forecast runs: in this process, one partition after the other
    (local), or as tasks on a Dask cluster (dask)."""

    LOCAL = "local"
    DASK = "dask"


class CycleStatus(StrEnum):
    """Where a monthly cycle stands: open while it is planned, approved once the executive
    meeting froze its plan as the cycle's version, closed once the next cycle rolled on
    from it. Stored as its value."""

    OPEN = "open"
    APPROVED = "approved"
    CLOSED = "closed"


class StepStatus(StrEnum):
    """Where a step of a cycle stands: pending until it is done, done once it ran (or, for
    a meeting, once its owner signed it off), stale when a step before it ran again after
    it. Stored as its value."""

    PENDING = "pending"
    DONE = "done"
    STALE = "stale"


class Role(StrEnum):
    """The roles of the people who plan: they own the steps of the cycle and the demand
    layers (a workbook's demand layers may name more), and a user holds one or more.

    An actor acts in one or more roles; a step is signed off by an actor in its owner role.
    """

    DEMAND_PLANNER = "demand_planner"
    SALES = "sales"
    MARKETING = "marketing"
    SUPPLY_PLANNER = "supply_planner"
    FINANCE = "finance"
    SOP_LEADER = "sop_leader"
    EXECUTIVE = "executive"
    ADMIN = "admin"  # manages users; acts in no planning role by itself
    VIEWER = "viewer"  # reads everything, changes nothing


class OverrideKind(StrEnum):
    """What an override of the demand plan does: set a new quantity (qty), change it by
    units (delta) or by percent (pct), free locked cells (unlock), or withdraw an earlier
    override (withdraw: the log's tombstone, its value the withdrawn override's id). Stored
    as its value."""

    QTY = "qty"
    DELTA = "delta"
    PCT = "pct"
    UNLOCK = "unlock"
    WITHDRAW = "withdraw"

    @property
    def is_amount(self) -> bool:
        """It carries an amount that changes demand (qty, delta, pct)."""
        return self in (OverrideKind.QTY, OverrideKind.DELTA, OverrideKind.PCT)


class Level(StrEnum):
    """The fixed levels of the item hierarchy an override or a view aggregates at: one item,
    its family, or the whole company. Every attribute column of the items table (category,
    brand, region...) is a level too, so a level in general is a ``str``; these are the ones
    every workbook has. Stored as its value."""

    ITEM = "item"
    FAMILY = "family"
    TOTAL = "total"


class DecisionStatus(StrEnum):
    """A decision or action of the executive meeting: open until its owner closes it (it
    stays on every cycle's agenda until then). Stored as its value."""

    OPEN = "open"
    CLOSED = "closed"


class Kpi(StrEnum):
    """The measures of the KPI card (docs/learning.md), in the card's column order: forecast
    accuracy and bias at family level and as the mean of items, WAPE, MAPE, the tracking
    signal, production plan adherence, days of supply, inventory turns and fill rate. The
    ratios are fractions (0.8 = 80 %). Stored as its value (a KPI target names one)."""

    ACCURACY = "accuracy"
    BIAS = "bias"
    ITEM_ACCURACY = "item_accuracy"
    ITEM_BIAS = "item_bias"
    WAPE = "wape"
    MAPE = "mape"
    TRACKING_SIGNAL = "tracking_signal"
    ADHERENCE = "adherence"
    DAYS_OF_SUPPLY = "days_of_supply"
    TURNS = "turns"
    FILL_RATE = "fill_rate"

    @property
    def is_ratio(self) -> bool:
        """A fraction shown as a percent (accuracy 0.8 is 80 %); the others are counts of
        days, turns per year or the tracking signal's MADs."""
        return self not in (Kpi.TRACKING_SIGNAL, Kpi.DAYS_OF_SUPPLY, Kpi.TURNS)


class ForecastPath(StrEnum):
    """How an incremental re-forecast treats a series (docs/scale.md): reselect runs the
    backtest tournament of its candidate models again; refit keeps the model selected
    before and fits it again on the new history, with no backtest. Stored as its value."""

    RESELECT = "reselect"
    REFIT = "refit"
