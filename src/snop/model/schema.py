"""The planning workbook's contract: its tables, columns, units, defaults and keys.

This one description drives validation, the store's tables, export and ``docs/workbook.md``
(a test checks the document lists every column), so a column is added in one place.

A value left blank means "use the default" (or "none"/"unlimited" where the default says so);
defaults are not written into the store, so an export gives back exactly what the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from snop.model.limits import MAX_AMOUNT, MAX_QUANTITY
from snop.model.vocabulary import Kpi

MONEY = "currency"  # the unit of money columns, in words (e.g. "currency/unit")


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    PERIOD = "period"
    CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: float | str | None = None
    unit: str = ""
    minimum: float | None = 0.0  # for numbers: the smallest valid value
    positive: bool = False  # for numbers: must be > minimum (strictly)
    maximum: float | None = None  # for numbers: every value must be < maximum (strictly)
    choices: tuple[str, ...] = ()
    # for text: free text (descriptions, comments) rather than a code; see ``is_code``
    free_text: bool = False
    # for numbers: a count (periods, people), so a whole number
    whole: bool = False
    # for numbers of families/workforce: may the ``*_periods`` tables vary it by period?
    per_period: bool = True

    @property
    def limit(self) -> float:
        """Largest absolute value of a number column: money (a unit in the currency) up to
        MAX_AMOUNT, every other number (units, hours, workers, days, ratios, percent) up to
        MAX_QUANTITY. The one place that decides it (docs/workbook.md lists it)."""
        return MAX_AMOUNT if self.unit.startswith(MONEY) else MAX_QUANTITY

    @property
    def is_code(self) -> bool:
        """A text column holding a code (item, family, pool, reason...): at most
        MAX_KEY_LENGTH characters and no control character, because codes are keys in the
        store. Free text may be up to MAX_TEXT_LENGTH long and hold tabs and newlines."""
        return not self.free_text

    @property
    def valid(self) -> str:
        """What a valid value looks like, in words, for error messages."""
        if self.kind is Kind.NUMBER:
            what = "a whole number" if self.whole else "a number"
            if self.minimum is None:
                return what
            op = ">" if self.positive else ">="
            below = "" if self.maximum is None else f" and < {self.maximum:g}"
            return f"{what} {op} {self.minimum:g}{below}"
        if self.kind is Kind.PERIOD:
            return "a period written YYYY-MM, YYYY-Qn or YYYY-Www"
        if self.kind is Kind.CHOICE:
            return "one of " + ", ".join(self.choices)
        return "a non-empty text"


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    # items: any extra column is a hierarchy attribute (category, brand, region...)
    open_attributes: bool = False
    # family_periods / workforce_periods: extra columns are numeric columns of this table,
    # given per period ("long" in the store, "wide" in the workbook)
    period_overrides_of: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


N, T, P, C = Kind.NUMBER, Kind.TEXT, Kind.PERIOD, Kind.CHOICE

ITEMS = Table(
    "items",
    "One row per item (SKU). Extra columns (category, brand, region...) become hierarchy "
    "attributes that forecasts and overrides can aggregate by.",
    (
        Column("item", T, "Item code, unique.", required=True),
        Column("family", T, "Product family the item is planned in.", required=True),
        Column("description", T, "Free text.", free_text=True),
        Column(
            "unit_price",
            N,
            "Selling price per unit; values the sales plan.",
            default=0.0,
            unit=f"{MONEY}/unit",
        ),
        Column(
            "unit_cost",
            N,
            "Standard cost per unit; values COGS and inventory.",
            default=0.0,
            unit=f"{MONEY}/unit",
        ),
        Column(
            "launch_period", P, "First period the item sells (new product); blank: already selling."
        ),
        Column("end_period", P, "Last period the item sells (phase-out); blank: no end."),
        Column("like_item", T, "An existing item whose history shapes this item's launch."),
        Column(
            "like_factor",
            N,
            "Scale of the launch curve taken from like_item (0.8: sells "
            "80% of what the like item sold after its own launch).",
            default=1.0,
            unit="ratio",
        ),
    ),
    key=("item",),
    required=True,
    open_attributes=True,
)

SALES = Table(
    "sales",
    "Sales (or shipment) history. Periods with no row for an item count as zero sales. "
    "Location, customer and channel are optional detail; rows are summed over them.",
    (
        Column("item", T, "Item code from `items`.", required=True),
        Column("period", P, "Period of the sale.", required=True),
        Column("qty", N, "Quantity sold.", required=True, unit="units"),
        Column("location", T, "Ship-from location or region."),
        Column("customer", T, "Customer."),
        Column("channel", T, "Sales channel."),
    ),
    key=("item", "period", "location", "customer", "channel"),
    required=True,
)

_FAMILY_COLUMNS = (
    Column("family", T, "Family code, as in `items`.", required=True),
    Column("description", T, "Free text.", free_text=True),
    Column(
        "initial_inventory",
        N,
        "On hand at the start of the horizon; blank: the sum of its items' on_hand in "
        "`inventory` (docs/inventory.md).",
        default=0.0,
        unit="units",
    ),
    Column(
        "initial_backlog",
        N,
        "Demand owed to customers at the start of the horizon.",
        default=0.0,
        unit="units",
    ),
    Column(
        "min_ending_inventory",
        N,
        "Inventory required at the end of the horizon.",
        default=0.0,
        unit="units",
    ),
    Column(
        "safety_stock", N, "Minimum ending inventory in every period.", default=0.0, unit="units"
    ),
    Column(
        "max_inventory", N, "Storage limit on ending inventory; blank: unlimited.", unit="units"
    ),
    Column(
        "holding_cost",
        N,
        "Cost of holding one unit for one period.",
        default=0.0,
        unit=f"{MONEY}/unit/period",
    ),
    Column(
        "holding_basis",
        C,
        "Inventory the holding cost is charged on: `ending` or `average` ((begin+end)/2).",
        default="ending",
        choices=("ending", "average"),
    ),
    Column(
        "backlog_cost",
        N,
        "Cost of one unit of demand served one period late; blank: backlog not allowed.",
        unit=f"{MONEY}/unit/period",
    ),
    Column("max_backlog", N, "Largest backlog in any period; blank: unlimited.", unit="units"),
    Column(
        "lost_sales_cost",
        N,
        "When set, unmet demand is lost (at this cost per unit) instead of backlogged.",
        unit=f"{MONEY}/unit",
    ),
    Column(
        "material_cost",
        N,
        "Material cost per unit made in house.",
        default=0.0,
        unit=f"{MONEY}/unit",
    ),
    Column(
        "regular_capacity",
        N,
        "Units per period on regular time, for families planned "
        "without a workforce; blank: unlimited.",
        unit="units/period",
    ),
    Column(
        "regular_cost",
        N,
        "Cost per unit on regular time (families without a workforce).",
        default=0.0,
        unit=f"{MONEY}/unit",
    ),
    Column(
        "overtime_capacity",
        N,
        "Extra units per period on overtime (families without a workforce).",
        default=0.0,
        unit="units/period",
    ),
    Column(
        "overtime_cost",
        N,
        "Cost per unit made on overtime (families without a workforce).",
        default=0.0,
        unit=f"{MONEY}/unit",
    ),
    Column(
        "subcontract_cost",
        N,
        "All-in cost per unit bought from a subcontractor; blank: no subcontracting.",
        unit=f"{MONEY}/unit",
    ),
    Column(
        "subcontract_capacity",
        N,
        "Most units subcontracted per period; blank: unlimited.",
        unit="units/period",
    ),
    Column(
        "labor_hours_per_unit",
        N,
        "Labor hours to make one unit (families with a workforce pool).",
        unit="hours/unit",
        positive=True,
    ),
    Column(
        "workforce_pool",
        T,
        "Workforce pool (from `workforce`) that makes the family; "
        "blank: planned in units with regular/overtime capacity.",
    ),
    Column(
        "service_level",
        N,
        "Target service level: the share of demand served from stock, above 0 and below 1; "
        "sizes the safety stock from forecast error and is the fill rate the plan is "
        "measured against.",
        default=0.95,
        unit="ratio",
        positive=True,
        maximum=1.0,
        per_period=False,
    ),
    Column(
        "replenishment_lead_time",
        N,
        "Periods from deciding to make (or buy) a unit to having it in stock; sizes the "
        "safety stock from forecast error.",
        default=1.0,
        unit="periods",
        positive=True,
        per_period=False,
    ),
    Column(
        "frozen_periods",
        N,
        "Time fence: how many of a new cycle's first periods keep the production (regular, "
        "overtime, subcontract) the last approved plan set for them; 0: none.",
        default=0.0,
        unit="periods",
        whole=True,
        per_period=False,
    ),
)

FAMILIES = Table(
    "families",
    "Supply-side parameters per family; every column is optional. A family in `items` with "
    "no row here gets every default.",
    _FAMILY_COLUMNS,
    key=("family",),
)

WORKFORCE = Table(
    "workforce",
    "Workforce pools; families name the pool that makes them. Give either "
    "regular_hours_per_worker or hours_per_worker_per_day (times the calendar's working days).",
    (
        Column("pool", T, "Pool code.", required=True),
        Column("description", T, "Free text.", free_text=True),
        Column(
            "initial_workers",
            N,
            "Workers at the start of the horizon.",
            default=0.0,
            unit="workers",
        ),
        Column(
            "regular_hours_per_worker",
            N,
            "Regular hours per worker per period.",
            unit="hours/period",
        ),
        Column(
            "hours_per_worker_per_day",
            N,
            "Regular hours per worker per working day.",
            unit="hours/day",
        ),
        Column(
            "regular_wage",
            N,
            "Wage per regular hour, paid on all regular hours.",
            default=0.0,
            unit=f"{MONEY}/hour",
        ),
        Column("overtime_wage", N, "Wage per overtime hour.", default=0.0, unit=f"{MONEY}/hour"),
        Column(
            "max_overtime_hours_per_worker",
            N,
            "Overtime cap per worker per period.",
            default=0.0,
            unit="hours/period",
        ),
        Column("hiring_cost", N, "Cost of hiring one worker.", default=0.0, unit=f"{MONEY}/worker"),
        Column(
            "layoff_cost", N, "Cost of laying off one worker.", default=0.0, unit=f"{MONEY}/worker"
        ),
        Column("min_workers", N, "Fewest workers in any period.", default=0.0, unit="workers"),
        Column("max_workers", N, "Most workers in any period; blank: unlimited.", unit="workers"),
    ),
    key=("pool",),
)

FAMILY_PERIODS = Table(
    "family_periods",
    "Per-period values of numeric `families` columns (a higher safety stock before the "
    "season, a cost that differs by month): family, period, then any numeric `families` "
    "column but frozen_periods. A value here replaces the `families` value for that "
    "period; blank keeps it.",
    (
        Column("family", T, "Family code.", required=True),
        Column("period", P, "Period the values apply to.", required=True),
    ),
    key=("family", "period"),
    period_overrides_of="families",
)

WORKFORCE_PERIODS = Table(
    "workforce_periods",
    "Per-period values of numeric `workforce` columns (a wage rise in July, a hiring freeze "
    "as max_workers): pool, period, then any numeric `workforce` column.",
    (
        Column("pool", T, "Pool code.", required=True),
        Column("period", P, "Period the values apply to.", required=True),
    ),
    key=("pool", "period"),
    period_overrides_of="workforce",
)

CALENDAR = Table(
    "calendar",
    "Working days per period. Without it every period has its Monday-to-Friday days. The "
    "periods must be consecutive.",
    (
        Column("period", P, "Period.", required=True),
        Column(
            "working_days",
            N,
            "Working days in the period (at most the days in it).",
            required=True,
            unit="days",
        ),
    ),
    key=("period",),
)

RESOURCES = Table(
    "resources",
    "Capacity of shared resources (lines, machines, cells). A row with a blank period gives "
    "the capacity of every period; a row with a period replaces it for that period.",
    (
        Column("resource", T, "Resource code.", required=True),
        Column("period", P, "Period this capacity applies to; blank: every period."),
        Column(
            "capacity_hours",
            N,
            "Available hours in the period.",
            required=True,
            unit="hours/period",
        ),
        Column("plant", T, "Plant or site of the resource."),
        Column("description", T, "Free text.", free_text=True),
    ),
    key=("resource", "period"),
)

ROUTINGS = Table(
    "routings",
    "Hours of each resource needed to make one unit of a family (rough-cut capacity).",
    (
        Column("family", T, "Family code.", required=True),
        Column("resource", T, "Resource code from `resources`.", required=True),
        Column(
            "hours_per_unit",
            N,
            "Resource hours per unit.",
            required=True,
            unit="hours/unit",
            positive=True,
        ),
    ),
    key=("family", "resource"),
)

DEMAND = Table(
    "demand",
    "A demand plan given from outside (customer forecasts, a plan from another tool), at "
    "item or family level: fill exactly one of item and family on each row.",
    (
        Column("item", T, "Item code (or leave blank and give family)."),
        Column("family", T, "Family code (or leave blank and give item)."),
        Column("period", P, "Period.", required=True),
        Column("qty", N, "Demand.", required=True, unit="units"),
    ),
    key=("item", "family", "period"),
)

PRICES = Table(
    "prices",
    "Selling prices per period: a row replaces the item's unit_price in that period (a "
    "price rise, a promotion price). Periods without a row keep unit_price.",
    (
        Column("item", T, "Item code from `items`.", required=True),
        Column("period", P, "Period the price applies to.", required=True),
        Column(
            "unit_price",
            N,
            "Selling price per unit in the period.",
            required=True,
            unit=f"{MONEY}/unit",
        ),
    ),
    key=("item", "period"),
)

INVENTORY = Table(
    "inventory",
    "Item on-hand inventory at the start of the horizon. A family's opening inventory is "
    "`families.initial_inventory` when given, else the sum of its items' on_hand here; "
    "validation warns when both are given and differ.",
    (
        Column("item", T, "Item code.", required=True),
        Column("on_hand", N, "Units on hand.", required=True, unit="units"),
    ),
    key=("item",),
)

ACTUAL_PRODUCTION = Table(
    "actual_production",
    "Actuals: units of a family actually produced in a period (all sources together: "
    "regular time, overtime, subcontracting). Opening the next cycle reads them.",
    (
        Column("family", T, "Family code.", required=True),
        Column("period", P, "Period the units were produced in.", required=True),
        Column("qty", N, "Units produced.", required=True, unit="units"),
    ),
    key=("family", "period"),
)

ACTUAL_INVENTORY = Table(
    "actual_inventory",
    "Actuals: a family's inventory on hand and customer backlog at the end of a period. "
    "Opening the next cycle starts from them; a blank is taken from the last plan.",
    (
        Column("family", T, "Family code.", required=True),
        Column("period", P, "Period whose end the values are counted at.", required=True),
        Column("on_hand", N, "Units on hand at the end of the period.", unit="units"),
        Column("backlog", N, "Units owed to customers at the end of the period.", unit="units"),
    ),
    key=("family", "period"),
)

ACTUAL_WORKERS = Table(
    "actual_workers",
    "Actuals: people on a workforce pool's payroll at the end of a period. Opening the "
    "next cycle starts the pool from them.",
    (
        Column("pool", T, "Pool code from `workforce`.", required=True),
        Column("period", P, "Period whose end the workers are counted at.", required=True),
        Column("workers", N, "Workers at the end of the period.", required=True, unit="workers"),
    ),
    key=("pool", "period"),
)

BUDGET = Table(
    "budget",
    "The annual plan (budget) finance measures the S&OP plan against, per family (blank "
    "family: the company total) and period.",
    (
        Column("family", T, "Family code; blank for the company total."),
        Column("period", P, "Period.", required=True),
        Column("revenue", N, "Budgeted revenue.", required=True, unit=MONEY),
        Column("qty", N, "Budgeted quantity.", unit="units"),
    ),
    key=("family", "period"),
)

DEMAND_LAYERS = Table(
    "demand_layers",
    "The layers of the demand plan after the statistical baseline, in order, each with the "
    "role that owns (edits) it. Each layer starts from the one before; the last one is the "
    "consensus that is approved and planned. Without this table the layers are sales "
    "(role sales), marketing (role marketing) and consensus (role demand_planner).",
    (
        Column("layer", T, "Layer name (not `statistical`, which is the baseline).", required=True),
        Column("role", T, "Role that may edit the layer.", required=True),
        Column(
            "position",
            N,
            "Order of the layer: layers apply from the lowest position up.",
            required=True,
            positive=True,
        ),
    ),
    key=("layer",),
)

OVERRIDES = Table(
    "overrides",
    "Changes to the demand plan of the cycle: one row per override, at item, family, total "
    "or any items attribute, for one period or a range. Give exactly one of qty, delta and "
    "pct. A row above item level is split to the items below it. Rows apply in each layer "
    "coarse to fine (total, attributes, family, item), before overrides entered later with "
    "`snop demand override`.",
    (
        Column(
            "layer",
            T,
            "Layer changed (from `demand_layers`; default layers sales, marketing, consensus).",
            required=True,
        ),
        Column(
            "level", T, "`item`, `family`, `total` or an items attribute column.", required=True
        ),
        Column("key", T, "The item, family or attribute value changed; blank for total."),
        Column("period", P, "Period changed (the first of a range).", required=True),
        Column("to_period", P, "Last period of a range; blank: just `period`."),
        Column("qty", N, "New quantity in each period of the range.", unit="units"),
        Column(
            "delta",
            N,
            "Change in quantity in each period (negative lowers it).",
            unit="units",
            minimum=None,
        ),
        Column(
            "pct",
            N,
            "Change in percent in each period (-10 lowers it a tenth).",
            unit="%",
            minimum=-100.0,
        ),
        Column(
            "split",
            T,
            "How a change above item level reaches items: `proportional` "
            "(to the values it changes), `equal`, `history` (last 12 periods' sales mix) or "
            "`layer:NAME` (another layer's mix).",
            default="proportional",
        ),
        Column(
            "lock",
            C,
            "`yes` keeps the items' new values when later overrides, of this "
            "layer or a later one, change a level above them (until an unlock).",
            default="no",
            choices=("yes", "no"),
        ),
        Column("author", T, "Who made the change.", default="workbook"),
        Column("role", T, "Role of the author; must own the layer (blank: the layer's role)."),
        Column("reason", T, "Reason code (promo, customer, price, launch...).", required=True),
        Column("comment", T, "Free text: the assumption behind the change.", free_text=True),
        Column(
            "event",
            T,
            "Named event (a promotion, a tender) the change belongs to; the "
            "assumption log groups changes by it.",
        ),
    ),
    key=("layer", "level", "key", "period", "to_period", "reason", "event"),
)

SCENARIO_DELTAS = Table(
    "scenario_deltas",
    "What-if changes: each row is one change (delta) of a named scenario, or of a strategic "
    "initiative when `scenario` names one of `initiatives`. A scenario is its rows applied "
    "in order on the cycle's plan; it is never a copy of the data (docs/scenarios.md).",
    (
        Column("scenario", T, "Scenario (or initiative) the change belongs to.", required=True),
        Column(
            "kind",
            C,
            "What changes: `demand` (or `promotion`) of items, families, an attribute or the "
            "total; `price` of items or families; `capacity` (or `shift`) hours of a resource; "
            "`workers`: a pool's max_workers or min_workers; `cost`: a cost column of a family "
            "or pool; `subcontract`: a family's subcontract_capacity; `strategy`: the plan's "
            "strategy and integer workforce.",
            required=True,
            choices=(
                "demand",
                "promotion",
                "price",
                "capacity",
                "shift",
                "workers",
                "cost",
                "subcontract",
                "strategy",
            ),
        ),
        Column(
            "level",
            T,
            "What `key` names: item, family, total or an items attribute (demand, price); "
            "resource (capacity); pool (workers, cost); family (cost, subcontract).",
        ),
        Column("key", T, "The item, family, attribute value, resource or pool changed."),
        Column("period", P, "First period changed; blank: every period of the plan."),
        Column("to_period", P, "Last period changed; blank: just `period` (or every one)."),
        Column(
            "column",
            T,
            "For `workers`: max_workers or min_workers; for `cost`: the cost column changed "
            "(material_cost, regular_cost, regular_wage, holding_cost...).",
        ),
        Column("pct", N, "Change in percent (-10 lowers it a tenth).", unit="%", minimum=-100.0),
        Column("delta", N, "Change by this amount (units, hours, money).", minimum=None),
        Column("qty", N, "New value (units, hours, workers, price or cost).", unit="value"),
        Column(
            "strategy",
            C,
            "For `strategy`: the strategy planned.",
            choices=("level", "chase", "optimal"),
        ),
        Column(
            "integer_workforce",
            C,
            "For `strategy`: plan whole workers (yes) or not (no).",
            choices=("yes", "no"),
        ),
        Column("note", T, "Free text: the assumption (a promotion's name...).", free_text=True),
    ),
    key=("scenario", "kind", "level", "key", "period", "to_period", "column"),
)

INITIATIVES = Table(
    "initiatives",
    "Strategic initiatives (a market entry, a plant expansion, a product line exit): tracked "
    "objects whose effect is their `scenario_deltas` rows. An approved initiative applies to "
    "the plan; the family sheet and finance show its contribution.",
    (
        Column("initiative", T, "Initiative code.", required=True),
        Column("description", T, "Free text.", free_text=True),
        Column("owner", T, "Who answers for it.", required=True),
        Column("start_period", P, "First period of its effect.", required=True),
        Column("end_period", P, "Last period of its effect; blank: no end."),
        Column(
            "status",
            C,
            "proposed (not in the plan), approved (in the plan), deferred, done or cancelled.",
            default="proposed",
            choices=("proposed", "approved", "deferred", "done", "cancelled"),
        ),
    ),
    key=("initiative",),
)

CUSTOMER_FORECASTS = Table(
    "customer_forecasts",
    "Forecasts customers share (collaboration): per customer, item or family and period. "
    "They feed the demand review as an input, with their own accuracy tracked.",
    (
        Column("customer", T, "Customer.", required=True),
        Column("item", T, "Item code (or leave blank and give family)."),
        Column("family", T, "Family code (or leave blank and give item)."),
        Column("period", P, "Period.", required=True),
        Column("qty", N, "Quantity the customer expects to order.", required=True, unit="units"),
    ),
    key=("customer", "item", "family", "period"),
)

SUPPLIER_CAPACITY = Table(
    "supplier_capacity",
    "What suppliers can deliver (collaboration): units of a family per period a supplier "
    "can support (its material or components). A constraint of the supply plan; its shadow "
    "price says what one more unit of it is worth.",
    (
        Column("supplier", T, "Supplier.", required=True),
        Column("family", T, "Family whose production it limits.", required=True),
        Column("period", P, "Period; blank: every period."),
        Column(
            "qty", N, "Units per period the supplier supports.", required=True, unit="units/period"
        ),
    ),
    key=("supplier", "family", "period"),
)

KPI_TARGETS = Table(
    "kpi_targets",
    "Targets of the KPI card (docs/learning.md): the range each KPI should stay in, per "
    "family (blank family: every family and the company total). Give min, max or both; a "
    "family's own row wins over the blank-family row. Without a fill_rate row a family's "
    "fill rate is held to its service_level.",
    (
        Column(
            "kpi",
            C,
            "The KPI the target is for, as named in the KPI card.",
            required=True,
            choices=tuple(k.value for k in Kpi),
        ),
        Column("family", T, "Family code; blank: every family and the company total."),
        Column(
            "min",
            N,
            "Lowest value on target; blank: no lower bound. Ratios as fractions (accuracy "
            "0.8 is 80%, bias -0.05 is -5%).",
            unit="as the KPI",
            minimum=None,
        ),
        Column(
            "max",
            N,
            "Highest value on target; blank: no upper bound (days_of_supply 20).",
            unit="as the KPI",
            minimum=None,
        ),
    ),
    key=("kpi", "family"),
)

SETTINGS = Table(
    "settings",
    "Company-wide settings as name/value rows.",
    (
        Column(
            "name",
            C,
            "Setting name.",
            required=True,
            choices=(
                "company",
                "currency",
                "first_period",
                "horizon",
                "approver_role",
                "decimal",
                "allow_ending_backlog",
                "safety_stock",
                "ending_workforce",
                "step_due_days",
                "fiscal_year_start",
                "safety_stock_basis",
                "allow_self_approval",
            ),
        ),
        Column(
            "value",
            T,
            "Value: company and currency are text; first_period is the first "
            "planning period (default: the period after the last sales, or the first demand "
            "period without sales); horizon is the number of periods planned (default 18, "
            "or the demand's span without sales); approver_role is the role that "
            "approves the consensus demand plan (default executive); decimal is the "
            "decimal mark of the workbook's CSV files, `.` (default) or `,` (it describes "
            "the files, and is not stored); allow_ending_backlog (yes/no, default no) lets "
            "backlog remain at the horizon end; safety_stock (soft/hard, default soft) says "
            "whether going below safety stock is penalised or forbidden; ending_workforce "
            "(demand/none, default demand) keeps each pool's last-period workforce at what "
            "the last periods' demand needs; step_due_days sets when each step of the monthly "
            "cycle is due, as the working day of the cycle's first period, written "
            "`demand_review=5, supply_review=8` (steps: data, forecast, demand_review, "
            "supply_review, financial_review, pre_sop, executive; days 1 to 31); "
            "fiscal_year_start is the month (1 to 12, default 1) the fiscal year starts in, "
            "for the financial plan's quarters and years; safety_stock_basis (given/"
            "forecast_error, default given) says whether the plan keeps the families' "
            "safety_stock or sizes it from the forecast error, the service_level and the "
            "replenishment_lead_time; allow_self_approval (yes/no, default no) lets whoever "
            "submitted the demand plan also approve it, in a store with users.",
            required=True,
            free_text=True,
        ),
    ),
    key=("name",),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ITEMS,
        SALES,
        FAMILIES,
        WORKFORCE,
        FAMILY_PERIODS,
        WORKFORCE_PERIODS,
        CALENDAR,
        RESOURCES,
        ROUTINGS,
        DEMAND,
        PRICES,
        INVENTORY,
        ACTUAL_PRODUCTION,
        ACTUAL_INVENTORY,
        ACTUAL_WORKERS,
        BUDGET,
        DEMAND_LAYERS,
        OVERRIDES,
        SCENARIO_DELTAS,
        INITIATIVES,
        CUSTOMER_FORECASTS,
        SUPPLIER_CAPACITY,
        KPI_TARGETS,
        SETTINGS,
    )
}

DEFAULT_HORIZON = 18


def numeric_columns(table: str) -> tuple[str, ...]:
    """Numeric columns of a table: those that ``*_periods`` tables may vary by period."""
    return tuple(c.name for c in TABLES[table].columns if c.kind is Kind.NUMBER and c.per_period)


def defaults(table: str) -> dict[str, float | str]:
    """Column defaults of a table (columns with no default are absent)."""
    return {c.name: c.default for c in TABLES[table].columns if c.default is not None}
