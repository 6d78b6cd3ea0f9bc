"""The validated planning workbook in memory: one typed DataFrame per table.

Text columns hold ``str`` or ``None`` (blank), number columns ``float`` (NaN when blank),
period columns the period label (``str``) or ``None``. Every column of the schema is present
in every table, blank when the user did not give it, so code downstream never checks for
columns; defaults are applied on request (:meth:`Workbook.with_defaults`), never stored.
``items`` carries its hierarchy attributes as extra text columns, listed in ``attributes``.
``family_periods`` and ``workforce_periods`` are wide: key, period, then numeric columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.model.periods import Granularity, Period, parse_period, period_range
from snop.model.schema import DEFAULT_HORIZON, TABLES, Kind, defaults, numeric_columns

PERIOD_TABLES = {"families": "family_periods", "workforce": "workforce_periods"}


def planning_span(
    first_setting: str | None,
    horizon_setting: str | None,
    sold: Iterable[str],
    demanded: Iterable[str],
    granularity: Granularity,
) -> tuple[Period, int]:
    """First planning period and horizon (in periods), the one rule for both.

    first: the ``first_period`` setting, else the period after the last sale, else (a
    planning-only workbook) the first period of the demand table. horizon: the ``horizon``
    setting, else 18 with sales history, else the demand table's span from first to its last
    period. Raises :class:`SnopError` when there is nothing to start from, PeriodError or
    ValueError for unreadable settings.
    """
    sales_periods = [parse_period(p) for p in set(sold)]
    demand_periods = [parse_period(p) for p in set(demanded)]
    if first_setting:
        first = parse_period(first_setting)
    elif sales_periods:
        first = max(sales_periods) + 1
    elif demand_periods:
        first = min(demand_periods)
    else:
        raise SnopError(
            "the first planning period is unknown: there is no sales history, no "
            "demand table and no first_period setting; import sales (a sales "
            "table) or a demand table, or add the row first_period,"
            f"{granularity.example} to the settings table"
        )
    if horizon_setting:
        return first, int(float(horizon_setting))
    if sales_periods or not demand_periods or max(demand_periods) < first:
        return first, DEFAULT_HORIZON
    return first, max(demand_periods) - first + 1


def empty_table(name: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows, typed like a loaded one."""
    cols: dict[str, pd.Series] = {}
    for c in TABLES[name].columns:
        dtype = "float64" if c.kind is Kind.NUMBER else "object"
        cols[c.name] = pd.Series([], dtype=dtype)
    return pd.DataFrame(cols)


@dataclass
class Workbook:
    """All planning input of one company, validated."""

    granularity: Granularity
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        """The named table (an empty one with the schema's columns when not given)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        got = self.tables.get(name)
        return empty_table(name) if got is None else got

    def has(self, name: str) -> bool:
        return name in self.tables and len(self.tables[name]) > 0

    @property
    def items(self) -> pd.DataFrame:
        return self.table("items")

    @property
    def sales(self) -> pd.DataFrame:
        return self.table("sales")

    @property
    def family_names(self) -> list[str]:
        """Families in the order they first appear in ``items``; in a planning-only workbook
        (no items), the rows of the ``families`` table."""
        if self.items.empty:
            return list(dict.fromkeys(self.table("families")["family"].dropna()))
        return list(dict.fromkeys(self.items["family"]))

    def setting(self, name: str) -> str | None:
        s = self.table("settings")
        hit = s.loc[s["name"] == name, "value"]
        return None if hit.empty else str(hit.iloc[0])

    @property
    def last_actual(self) -> Period | None:
        """The last period with sales history."""
        if self.sales.empty:
            return None
        return max(parse_period(p) for p in self.sales["period"].unique())

    def _span(self) -> tuple[Period, int]:
        return planning_span(
            self.setting("first_period"),
            self.setting("horizon"),
            self.sales["period"].dropna(),
            self.table("demand")["period"].dropna(),
            self.granularity,
        )

    @property
    def first_period(self) -> Period:
        """First planning period: the ``first_period`` setting, else after the last sale, else
        the first period of the demand table (see :func:`planning_span`)."""
        return self._span()[0]

    @property
    def horizon(self) -> int:
        """Periods planned: the ``horizon`` setting, else 18, else the demand table's span."""
        try:
            return self._span()[1]
        except SnopError:  # no first period yet: the span cannot be measured
            given = self.setting("horizon")
            return int(float(given)) if given else DEFAULT_HORIZON

    @property
    def planning_periods(self) -> list[Period]:
        return period_range(self.first_period, self.horizon)

    def for_cycle(self, first: Period, horizon: int) -> Workbook:
        """The workbook as a cycle planning from ``first`` sees it: sales before ``first``
        only, and the planning span fixed to ``first`` and ``horizon`` periods.

        A cycle fixes its span when it opens, so actuals imported later (of its own first
        period, or beyond) never move it.
        """
        tables = dict(self.tables)
        if self.has("sales"):
            sales = self.sales
            # each label parsed once: a history has thousands of rows, a few dozen periods
            early = {p: parse_period(p).ordinal < first.ordinal for p in sales["period"].unique()}
            tables["sales"] = sales[sales["period"].map(early).astype(bool)].reset_index(drop=True)
        settings = self.table("settings")
        keep = settings[~settings["name"].isin(["first_period", "horizon"])]
        fixed = pd.DataFrame(
            {"name": ["first_period", "horizon"], "value": [first.label, str(horizon)]}
        )
        extra = [c for c in settings.columns if c not in ("name", "value")]
        for c in extra:
            fixed[c] = None
        tables["settings"] = pd.concat([keep, fixed[settings.columns]], ignore_index=True)
        return Workbook(self.granularity, tables, list(self.attributes))

    def with_defaults(self, name: str) -> pd.DataFrame:
        """The table with every blank that has a default filled in."""
        df = self.table(name).copy()
        for col, value in defaults(name).items():
            df[col] = df[col].fillna(value) if col in df else value
        return df

    def families_with_defaults(self) -> pd.DataFrame:
        """One row per family of ``items`` (in that order), defaults applied."""
        # defaults are filled after reindexing, so families with no row get them too
        fam = self.table("families").set_index("family").reindex(self.family_names)
        # the one opening-inventory rule: initial_inventory when given, else the items' on hand
        on_hand = self.items_on_hand()
        fam["initial_inventory"] = fam["initial_inventory"].fillna(on_hand.reindex(fam.index))
        for col, value in defaults("families").items():
            fam[col] = fam[col].fillna(value)
        fam.index.name = "family"
        return fam

    def items_on_hand(self) -> pd.Series:
        """Units on hand per family: the sum of its items' ``inventory`` rows (families none of
        whose items has a row are left out). A family's opening inventory is
        ``families.initial_inventory`` when given, else this (docs/inventory.md)."""
        inv = self.table("inventory")
        fam_of = self.items.drop_duplicates("item").set_index("item")["family"]
        known = inv[inv["item"].isin(fam_of.index) & inv["on_hand"].notna()]
        out: pd.Series = known.groupby(known["item"].map(fam_of))["on_hand"].sum()
        return out.astype(float)

    def period_values(self, name: str, periods: list[Period]) -> dict[str, pd.DataFrame]:
        """Per-period values of a table's numeric columns: ``{column: key x period frame}``.

        ``name`` is ``families`` or ``workforce``. Each value is the ``*_periods`` value of
        that key and period when given, else the table's value, else the default (NaN where
        blank means "none" or "unlimited").
        """
        key = TABLES[name].key[0]
        base = (
            self.families_with_defaults()
            if name == "families"
            else self.with_defaults(name).set_index(key)
        )
        labels = [p.label for p in periods]
        over = self.table(PERIOD_TABLES[name])
        out: dict[str, pd.DataFrame] = {}
        for col in numeric_columns(name):
            frame = pd.DataFrame(
                np.repeat(base[col].to_numpy(dtype=float)[:, None], len(labels), axis=1),
                index=base.index,
                columns=labels,
            )
            if col in over.columns and not over.empty:
                given = over.dropna(subset=[col])
                given = given[given["period"].isin(labels) & given[key].isin(base.index)]
                for k, p, v in zip(given[key], given["period"], given[col], strict=True):
                    frame.loc[k, p] = v
            out[col] = frame
        return out

    def working_days(self, periods: list[Period]) -> np.ndarray:
        """Working days of each period: the calendar's, else Monday-to-Friday days."""
        cal = self.table("calendar")
        given = dict(zip(cal["period"], cal["working_days"], strict=True))
        return np.array([given.get(p.label, p.weekdays) for p in periods], dtype=float)
