"""Validate a workbook: every problem, each naming table, row, column, value and what is valid.

Validation has two passes. The first types each table on its own (headers, blanks, numbers,
periods, choices, duplicate keys). The second checks the tables against each other (unknown
items, families, pools and resources; contradictory limits; calendar gaps; overrides against
the items, the demand layers and the planning horizon). When importing into a store that
already holds data, tables the workbook leaves out are taken from the store and checked
together with the new ones, so a partial import can never leave a broken store.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.cycle.workflow import DUE_SETTING, due_days_problem
from snop.demand import rules
from snop.demand.config import (
    DEFAULT_LAYERS,
    FAMILY,
    ITEM,
    KINDS,
    LAYER_SPLIT,
    STATISTICAL,
    TOTAL,
    Layer,
    editable_layers,
)
from snop.errors import SnopError
from snop.finance.fiscal import FISCAL_SETTING, fiscal_start_problem
from snop.io.numbers import NOT_A_NUMBER, NOT_FINITE, DecimalMark, parse_numbers
from snop.io.problems import Problem, Severity
from snop.io.reader import RawTable, RawWorkbook
from snop.model.limits import quantity_problem, text_problem
from snop.model.periods import Granularity, Period, PeriodError, parse_period
from snop.model.schema import TABLES, Column, Kind, Table, numeric_columns
from snop.model.workbook import Workbook, planning_span
from snop.supply.data import policy_setting_problem

# Numbers whose bounds are rules shared with another door: an override's amounts are bounded
# by snop.demand.rules.amount_problem (checked with the overrides), which the demand review
# applies too, so both refuse them for one reason.
_RULED = {("overrides", kind) for kind in KINDS}

# Per table, column and kind of problem, list this many rows, then count the rest.
MAX_LISTED = 20
STORED = 0  # row number of rows that come from the store


@dataclass
class _Typed:
    """A table after the first pass: typed cells plus the row numbers and source."""

    spec: Table
    source: str
    df: pd.DataFrame  # schema columns (+ extras) and "_row"
    extras: list[str] = field(default_factory=list)


@dataclass
class ValidationResult:
    workbook: Workbook | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


class _Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def rows(
        self,
        source: str,
        df: pd.DataFrame,
        mask: pd.Series | np.ndarray,
        column: str | None,
        message: str | Callable[[pd.Series], str],
        value_col: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """One problem per row selected by ``mask`` (the first MAX_LISTED, then a count)."""
        bad = df[np.asarray(mask, dtype=bool)]
        if bad.empty:
            return
        vcol = value_col if value_col is not None else column
        for _, r in bad.head(MAX_LISTED).iterrows():
            text = message(r) if callable(message) else message
            value = r.get(vcol) if vcol else None
            shown = (
                None
                if value is None or (isinstance(value, float) and np.isnan(value))
                else str(value)
            )
            self.add(Problem(source, text, int(r["_row"]), column, shown, severity))
        if len(bad) > MAX_LISTED:
            self.add(
                Problem(
                    source,
                    f"... and {len(bad) - MAX_LISTED} more rows like these",
                    None,
                    column,
                    None,
                    severity,
                )
            )


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_column(
    rep: _Report,
    t: RawTable,
    df: pd.DataFrame,
    col: Column,
    raw: pd.Series,
    periods: dict[str, Counter[Granularity]],
    given: bool = True,
    decimal: DecimalMark = DecimalMark.POINT,
    ranged: bool = True,
) -> pd.Series:
    """One column typed; numbers are checked against the column's range unless not
    ``ranged`` (their bounds are a rule of their own, see _RULED)."""
    present = raw.notna()
    if col.required and given:  # a missing column is reported once, with the header
        rep.rows(
            t.source, df, ~present, col.name, f"is blank; {col.name} is required ({col.valid})"
        )
    if col.kind is Kind.NUMBER:
        parsed = (
            parse_numbers(raw, how="; in Excel, enter it as a number (not as text)")
            if t.from_excel
            else parse_numbers(raw, decimal, how=DECIMAL_HOW)
        )
        num = pd.Series(parsed.values, index=raw.index, dtype=float)
        why = pd.Series(parsed.problems, index=raw.index, dtype=object)
        not_num = why.notna()
        if not_num.any():  # (assign copies the frame: only when there is something to say)
            rep.rows(
                t.source,
                df.assign(_v=raw, _why=why),
                not_num,
                col.name,
                lambda r: (
                    f"{r['_why']}; expected {col.valid}"
                    if r["_why"] in (NOT_A_NUMBER, NOT_FINITE)
                    else str(r["_why"])
                ),
                "_v",
            )
        if not ranged:
            return num
        huge = num.abs() > col.limit
        if huge.any():
            rep.rows(
                t.source,
                df.assign(_v=raw, _n=num),
                huge,
                col.name,
                lambda r: (
                    f"{quantity_problem(r['_n'], limit=col.limit)}; no real "
                    f"{col.unit or 'value'} is that large"
                ),
                "_v",
            )
            num = num.where(~huge)
        if col.minimum is not None:
            low = num < col.minimum if not col.positive else num <= col.minimum
            rep.rows(
                t.source,
                df.assign(_v=num),
                low.fillna(False),
                col.name,
                f"is out of range; expected {col.valid}",
                "_v",
            )
            num = num.where(~low.fillna(False))
        if col.maximum is not None:
            high = (num >= col.maximum).fillna(False)
            rep.rows(
                t.source,
                df.assign(_v=num),
                high,
                col.name,
                f"is out of range; expected {col.valid}",
                "_v",
            )
            num = num.where(~high)
        if col.whole:
            part = num.notna() & (num != np.floor(num))
            rep.rows(
                t.source,
                df.assign(_v=num),
                part,
                col.name,
                f"is not a whole number; expected {col.valid}",
                "_v",
            )
            num = num.where(~part)
        return num
    if col.kind is Kind.PERIOD:
        labels: dict[str, str | None] = {}
        for v in raw[present].unique():
            try:
                p = parse_period(v)
                labels[v] = p.label
                periods.setdefault(f"{t.source}|{col.name}", Counter())[p.granularity] += 1
            except PeriodError as exc:
                labels[v] = None
                msg = str(exc).split(": ", 1)[-1] if str(v) in str(exc) else str(exc)
                bad = raw == v
                rep.rows(
                    t.source,
                    df.assign(_v=raw),
                    bad,
                    col.name,
                    f"is not a period ({msg}); expected YYYY-MM, YYYY-Qn or YYYY-Www",
                    "_v",
                )
        typed = raw.map(labels)  # (a dict maps by hashing, not by a call per cell)
        return typed.astype(object).where(typed.notna(), None)
    if col.kind is Kind.CHOICE:
        lowered = raw.where(present).str.lower()
        bad = present & ~lowered.isin(col.choices)
        rep.rows(
            t.source,
            df.assign(_v=raw),
            bad,
            col.name,
            lambda r: (
                f"is not valid; expected {col.valid}" + _suggest(str(r["_v"]).lower(), col.choices)
            ),
            "_v",
        )
        return lowered.where(~bad)
    return _checked_text(rep, t.source, df, col, raw)


def _checked_text(
    rep: _Report, source: str, df: pd.DataFrame, col: Column, raw: pd.Series
) -> pd.Series:
    """Text the store can hold, the same on every database (see snop.model.limits)."""
    why = {v: text_problem(v, key=col.is_code) for v in raw.dropna().unique()}
    bad = raw.isin([v for v, problem in why.items() if problem is not None])
    if bad.any():
        shown = raw.map(lambda v: v if v is None or len(v) <= 60 else v[:60] + "...")
        rep.rows(
            source,
            df.assign(_v=shown, _why=raw.map(why.get)),
            bad,
            col.name,
            lambda r: f"{r['_why']} ({'a code' if col.is_code else 'free text'})",
            "_v",
        )
    return raw.where(~bad)


def _first_pass(
    rep: _Report,
    t: RawTable,
    periods: dict[str, Counter[Granularity]],
    decimal: DecimalMark = DecimalMark.POINT,
) -> _Typed | None:
    spec = TABLES[t.name]
    header = t.header
    seen: set[str] = set()
    extras: list[str] = []
    keep: dict[str, int] = {}
    allowed_extra: tuple[str, ...] = ()
    if spec.period_overrides_of:
        allowed_extra = tuple(c for c in numeric_columns(spec.period_overrides_of))
    for i, h in enumerate(header):
        if not h:
            if t.cells[f"_c{i}"].notna().any():
                rep.add(
                    Problem(t.source, f"column {i + 1} has values but no name in the header row", 1)
                )
            continue
        if h in seen:
            rep.add(Problem(t.source, f"column {h!r} appears twice in the header", 1, h))
            continue
        seen.add(h)
        named = text_problem(h, key=True)
        if named is not None:  # extra columns' names are stored as codes
            rep.add(Problem(t.source, f"column name {named}", 1, h[:60]))
            continue
        if h in spec.names:
            keep[h] = i
        elif (spec.open_attributes and not h.startswith("_")) or h in allowed_extra:
            keep[h] = i
            extras.append(h)
        else:
            valid = list(spec.names) + list(allowed_extra)
            what = f"numeric columns of {spec.period_overrides_of}" if allowed_extra else "columns"
            rep.add(
                Problem(
                    t.source,
                    f"{h!r} is not a column of {t.name}{_suggest(h, valid)}; "
                    f"valid {what}: {', '.join(valid)}",
                    1,
                    h,
                )
            )
    missing = [c.name for c in spec.columns if c.required and c.name not in keep]
    for m in missing:
        rep.add(
            Problem(
                t.source,
                f"required column {m!r} is missing; the header row must "
                f"name {', '.join(c.name for c in spec.columns if c.required)}",
                1,
                m,
            )
        )
    df = pd.DataFrame({"_row": t.cells["_row"].to_numpy()})
    for col in spec.columns:
        raw = (
            t.cells[f"_c{keep[col.name]}"]
            if col.name in keep
            else pd.Series(np.full(len(df), None, dtype=object))
        )
        df[col.name] = _type_column(
            rep,
            t,
            df,
            col,
            raw.reset_index(drop=True),
            periods,
            given=col.name in keep,
            decimal=decimal,
            ranged=(t.name, col.name) not in _RULED,
        )
    for name in extras:
        raw = t.cells[f"_c{keep[name]}"].reset_index(drop=True)
        col = (
            TABLES[spec.period_overrides_of].column(name)
            if spec.period_overrides_of
            else Column(name, Kind.TEXT, "")
        )
        df[name] = _type_column(rep, t, df, col, raw, periods, decimal=decimal)
    if missing:
        return None
    _duplicates(rep, t.source, df, spec.key)
    return _Typed(spec, t.source, df, extras)


def _duplicates(rep: _Report, source: str, df: pd.DataFrame, key: tuple[str, ...]) -> None:
    keys = df[list(key)].fillna("")
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    first_row = (
        df.assign(_k=keys.astype(str).agg("|".join, axis=1)).groupby("_k")["_row"].transform("min")
    )
    later = keys.duplicated(keep="first")
    shown = " + ".join(key)
    rep.rows(
        source,
        df.assign(_first=first_row, _v=keys.astype(str).agg(" / ".join, axis=1)),
        later,
        shown,
        lambda r: f"repeats row {r['_first']} ({shown} must be unique)",
        "_v",
    )


def _from_store(wb: Workbook, name: str) -> _Typed:
    df = wb.table(name).copy()
    df.insert(0, "_row", STORED)
    extras = (
        list(wb.attributes)
        if name == "items"
        else [c for c in df.columns if c not in TABLES[name].names and c != "_row"]
    )
    return _Typed(TABLES[name], f"{name}", df, extras)


WHERE_ITEMS = "items are listed in the items table"


def _unknown(
    rep: _Report,
    source: str,
    df: pd.DataFrame,
    column: str,
    valid: set[str],
    what: str,
    where: str,
) -> None:
    vals = df[column]
    bad = vals.notna() & ~vals.isin(valid)
    rep.rows(
        source,
        df.assign(_v=vals),
        bad,
        column,
        lambda r: f"is not {what}{_suggest(str(r['_v']), valid)}; {where}",
        "_v",
    )


@dataclass
class CheckedTable:
    """One table checked on its own (:func:`check_table`)."""

    df: pd.DataFrame | None  # typed cells and "_row"; None when the header is unusable
    problems: list[Problem]
    granularity: Granularity | None  # of its periods (None: it has none)


def check_table(
    t: RawTable,
    *,
    granularity: Granularity | None = None,
    items: set[str] | None = None,
    decimal: DecimalMark = DecimalMark.POINT,
) -> CheckedTable:
    """The checks a workbook's table gets on its own (header, blanks, numbers, periods,
    choices, duplicate keys), its periods all of ``granularity`` (None: of the one most of
    them have), and its items among ``items`` when given: one part of a file streamed in
    parts (snop.io.stream) is checked exactly like the workbook's table."""
    rep = _Report()
    periods: dict[str, Counter[Granularity]] = {}
    typed = _first_pass(rep, t, periods, decimal)
    seen: Counter[Granularity] = Counter()
    for counts in periods.values():
        seen.update(counts)
    gran = granularity or (seen.most_common(1)[0][0] if seen else None)
    if typed is not None and gran is not None and any(g is not gran for g in seen):
        for col in _period_columns(typed.spec):
            vals = typed.df[col]
            other = vals.notna() & vals.map(
                lambda v: v is not None and parse_period(v).granularity is not gran
            )
            rep.rows(t.source, typed.df.assign(_v=vals), other, col, _not_of(gran), "_v")
    if typed is not None and items is not None and "item" in typed.df:
        _unknown(rep, t.source, typed.df, "item", items, "an item", WHERE_ITEMS)
    return CheckedTable(None if typed is None else typed.df, rep.problems, gran)


def _period_columns(spec: Table) -> list[str]:
    return [c.name for c in spec.columns if c.kind is Kind.PERIOD]


def validate(
    raw: RawWorkbook, base: Workbook | None = None, replace_sales: bool = False
) -> ValidationResult:
    """Check a workbook read by :func:`snop.io.reader.read_raw` (merged over ``base``)."""
    rep = _Report()
    for p in raw.problems:
        rep.add(p)
    periods: dict[str, Counter[Granularity]] = {}
    typed: dict[str, _Typed] = {}
    broken: set[str] = set()
    decimal = _decimal(rep, raw)
    for name, t in raw.tables.items():
        got = _first_pass(rep, t, periods, decimal)
        if got is None:
            broken.add(name)
        else:
            typed[name] = got
    if base is not None:
        for name in TABLES:
            if name in typed or name in broken or not base.has(name):
                continue
            typed[name] = _from_store(base, name)
        for name in HISTORY_TABLES:  # history merges by key: a month's actuals add to it
            if name == "sales" and replace_sales:
                continue
            if name in raw.tables and name in typed and base.has(name):
                typed[name] = _merge_rows(name, _from_store(base, name), typed[name])
    _required(rep, raw, typed, broken, base, replace_sales)
    gran = _granularity(rep, periods, typed)
    _cross_checks(rep, typed, gran, broken)
    if any(p.severity is Severity.ERROR for p in rep.problems):
        return ValidationResult(None, rep.problems)
    tables = {name: t.df.drop(columns="_row").reset_index(drop=True) for name, t in typed.items()}
    if "settings" in tables:  # the decimal mark describes these files, not the company
        st = tables["settings"]
        tables["settings"] = st[st["name"] != DECIMAL].reset_index(drop=True)
    attributes = typed["items"].extras if "items" in typed else []
    return ValidationResult(Workbook(gran, tables, attributes), rep.problems)


DECIMAL = "decimal"
DECIMAL_HOW = (
    "; or, when the CSV files are written with a decimal comma, add the setting "
    "decimal with the value , to the settings table"
)


def _decimal(rep: _Report, raw: RawWorkbook) -> DecimalMark:
    """The decimal mark the ``decimal`` setting states for the CSV files (default point)."""
    t = raw.tables.get("settings")
    if t is None or "name" not in t.header or "value" not in t.header:
        return DecimalMark.POINT
    names = t.cells[f"_c{t.header.index('name')}"]
    values = t.cells[f"_c{t.header.index('value')}"]
    for name, value, row in zip(names, values, t.cells["_row"], strict=True):
        if isinstance(name, str) and name.strip().lower() == DECIMAL:
            try:
                return DecimalMark((value or "").strip())
            except ValueError:
                rep.add(
                    Problem(
                        t.source,
                        "decimal must be . (1234.5) or , (1234,5 or 1.234,5)",
                        int(row),
                        "value",
                        value,
                    )
                )
    return DecimalMark.POINT


def _required(
    rep: _Report,
    raw: RawWorkbook,
    typed: dict[str, _Typed],
    broken: set[str],
    base: Workbook | None,
    replace_sales: bool,
) -> None:
    """Sales history is needed to forecast, not to plan: a workbook with a demand table and
    no sales (a textbook case, a plan from another tool) is valid, and needs no items when
    its demand is given per family. A sales table without rows is never taken as history."""
    if raw.unreadable:  # the path is no workbook: that one problem says it all
        return
    planning_only = "demand" in typed or "demand" in broken
    new_sales = raw.tables.get("sales")
    stored = len(base.sales) if base is not None else 0
    if replace_sales and stored and (new_sales is None or new_sales.cells.empty):
        what = "an empty sales table" if new_sales is not None else "no sales table"
        rep.add(
            Problem(
                new_sales.source if new_sales is not None else "sales",
                f"--replace-sales with {what}: replacing the sales history with it "
                f"would remove all {stored} stored sales rows; give the full history "
                "to replace it, or import without --replace-sales to keep it",
            )
        )
    elif new_sales is not None and new_sales.cells.empty and "sales" in typed:
        if stored:
            message, severity = (
                (f"has a header and no rows; the {stored} stored sales rows are kept unchanged"),
                Severity.WARNING,
            )
        elif planning_only:
            message, severity = (
                (
                    "has a header and no rows: the workbook is planned on its "
                    "demand table, and has no history to forecast"
                ),
                Severity.WARNING,
            )
        else:
            message, severity = (
                (
                    "has a header and no rows; give the sales history (one item, "
                    "period, qty row per sale), or a demand table to plan on"
                ),
                Severity.ERROR,
            )
        rep.add(Problem(new_sales.source, message, severity=severity))
    has_sales = "sales" in broken or ("sales" in typed and not typed["sales"].df.empty)
    if "sales" not in typed and "sales" not in broken and not planning_only:
        rep.add(
            Problem(
                "sales",
                "the workbook has no sales table (sales.csv or an .xlsx "
                "sheet named sales); it is required to forecast (a workbook with a "
                "demand table is planned without one)",
            )
        )
    if "items" not in typed and "items" not in broken and (has_sales or not planning_only):
        rep.add(
            Problem(
                "items",
                "the workbook has no items table (items.csv or an .xlsx "
                "sheet named items); it is required (only a workbook planned on a "
                "family-level demand table, without sales, may leave it out)",
            )
        )


# Tables of actuals: an import adds its rows to the stored history (a row of the same key
# replaces the stored one) instead of replacing the table.
HISTORY_TABLES = ("sales", "actual_production", "actual_inventory", "actual_workers")


def _merge_rows(name: str, stored: _Typed, new: _Typed) -> _Typed:
    """New rows replace stored rows of the same key; other stored rows stay."""
    key = list(TABLES[name].key)
    new_keys = set(map(tuple, new.df[key].fillna("").to_numpy().tolist()))
    old_keys = stored.df[key].fillna("").to_numpy().tolist()
    kept = stored.df[[tuple(k) not in new_keys for k in old_keys]]
    df = pd.concat([kept, new.df], ignore_index=True)
    return _Typed(new.spec, new.source, df, new.extras)


def _granularity(
    rep: _Report, periods: dict[str, Counter[Granularity]], typed: dict[str, _Typed]
) -> Granularity:
    total: Counter[Granularity] = Counter()
    sales_source = typed["sales"].source if "sales" in typed else None
    for where, counts in periods.items():
        # the sales history decides the granularity; other tables must follow it
        weight = 1_000_000 if where.split("|")[0] == sales_source else 1
        for g, n in counts.items():
            total[g] += n * weight
    for t in typed.values():  # stored tables count too
        for col in t.spec.columns:
            if col.kind is Kind.PERIOD and (t.df["_row"] == STORED).any():
                for v in t.df[col.name].dropna().unique()[:1]:
                    total[parse_period(v).granularity] += 1
    if not total:
        return Granularity.MONTH
    gran = total.most_common(1)[0][0]
    for t in typed.values():
        for col in t.spec.columns:
            if col.kind is not Kind.PERIOD:
                continue
            vals = t.df[col.name]
            other = vals.notna() & vals.map(
                lambda v: v is not None and parse_period(v).granularity is not gran
            )
            rep.rows(t.source, t.df.assign(_v=vals), other, col.name, _not_of(gran), "_v")
            t.df[col.name] = vals.where(~other)
    return gran


def _not_of(gran: Granularity) -> str:
    return (
        f"is not a {gran.noun}: one workbook uses one granularity, and this one "
        f"is in {gran.noun}s (e.g. {gran.example})"
    )


def _col(typed: dict[str, _Typed], name: str) -> pd.DataFrame:
    return (
        typed[name].df
        if name in typed
        else pd.DataFrame({c: pd.Series(dtype=object) for c in (*TABLES[name].names, "_row")})
    )


def _known(typed: dict[str, _Typed], broken: set[str], table: str, column: str) -> set[str] | None:
    """The codes ``table`` defines in ``column``; None when the table is broken (its codes are
    unknown, so references to it are not checked: its own errors say what to fix)."""
    if table in broken:
        return None
    return set(_col(typed, table)[column].dropna())


def _cross_checks(
    rep: _Report, typed: dict[str, _Typed], gran: Granularity, broken: set[str]
) -> None:
    """Check every table that parsed against the others; references to a table that did not
    parse are skipped, so one broken table hides no other problem."""
    src = {name: t.source for name, t in typed.items()}
    item_set = _known(typed, broken, "items", "item")
    families = _known(typed, broken, "items", "family")
    no_items = "items" not in broken and _col(typed, "items").empty
    if no_items:  # planning-only: the families table names the families (as in Workbook)
        families = _known(typed, broken, "families", "family")
    if "items" in typed:
        _items(rep, src["items"], typed["items"].df)

    def unknown(name: str, column: str, valid: set[str] | None, what: str, where: str) -> None:
        if name not in typed or valid is None:
            return
        _unknown(rep, src[name], typed[name].df, column, valid, what, where)

    where_items = WHERE_ITEMS
    unknown("sales", "item", item_set, "an item", where_items)
    unknown("inventory", "item", item_set, "an item", where_items)
    unknown("prices", "item", item_set, "an item", where_items)
    unknown("demand", "item", item_set, "an item", where_items)
    where_fam = (
        "families are named by the families table"
        if no_items
        else "families are named by the items table's family column"
    )
    unknown("families", "family", families, "the family of any item", where_fam)
    unknown("family_periods", "family", families, "a family", where_fam)
    unknown("routings", "family", families, "a family", where_fam)
    unknown("demand", "family", families, "a family", where_fam)
    unknown("budget", "family", families, "a family", where_fam + " (blank: company total)")
    unknown("actual_production", "family", families, "a family", where_fam)
    unknown("actual_inventory", "family", families, "a family", where_fam)
    unknown("customer_forecasts", "item", item_set, "an item", where_items)
    unknown("customer_forecasts", "family", families, "a family", where_fam)
    unknown("supplier_capacity", "family", families, "a family", where_fam)
    unknown(
        "kpi_targets",
        "family",
        families,
        "a family",
        where_fam + " (blank: every family and the company total)",
    )
    pools = _known(typed, broken, "workforce", "pool")
    unknown(
        "families",
        "workforce_pool",
        pools,
        "a workforce pool",
        "pools are listed in the workforce table",
    )
    unknown(
        "workforce_periods",
        "pool",
        pools,
        "a workforce pool",
        "pools are listed in the workforce table",
    )
    unknown(
        "actual_workers",
        "pool",
        pools,
        "a workforce pool",
        "pools are listed in the workforce table",
    )
    resources = _known(typed, broken, "resources", "resource")
    unknown(
        "routings",
        "resource",
        resources,
        "a resource",
        "resources are listed in the resources table",
    )

    if "sales" in typed:
        s = typed["sales"].df
        _sales_gaps(rep, src["sales"], s)

    if "families" in typed:
        f = typed["families"].df
        rep.rows(
            src["families"],
            f,
            f["workforce_pool"].notna() & f["labor_hours_per_unit"].isna(),
            "labor_hours_per_unit",
            lambda r: (
                f"is blank but the family is made by workforce pool "
                f"{r['workforce_pool']}; give the labor hours per unit"
            ),
        )
        for low in ("safety_stock", "min_ending_inventory", "initial_inventory"):
            over = (f[low] > f["max_inventory"]).fillna(False)
            rep.rows(
                src["families"],
                f.assign(_low=f[low]),
                over,
                low,
                lambda r: (
                    f"{r['_low']:g} is above max_inventory "
                    f"{r['max_inventory']:g}; it must fit in storage"
                ),
            )
        both = f["lost_sales_cost"].notna() & f["max_backlog"].notna() & (f["max_backlog"] > 0)
        rep.rows(
            src["families"],
            f,
            both,
            "max_backlog",
            "is set together with lost_sales_cost; unmet demand is either backlogged "
            "or lost: clear one of them",
        )
        rep.rows(
            src["families"],
            f,
            f["subcontract_capacity"].notna()
            & f["subcontract_cost"].isna()
            & (f["subcontract_capacity"] > 0),
            "subcontract_cost",
            "is blank but subcontract_capacity is set; give the cost per subcontracted unit",
        )

    if {"families", "inventory", "items"} <= set(typed):
        _opening_inventory(
            rep, src["families"], typed["families"].df, typed["inventory"].df, typed["items"].df
        )

    if "actual_inventory" in typed:
        a = typed["actual_inventory"].df
        # a row with neither count says nothing; a blank cell in an error is reported already
        unsure = a["_row"].isin(_flagged(rep, src["actual_inventory"], ("on_hand", "backlog")))
        rep.rows(
            src["actual_inventory"],
            a,
            a["on_hand"].isna() & a["backlog"].isna() & ~unsure,
            "on_hand",
            "is blank, and so is backlog; give the units on hand, the backlog or both at "
            "the end of the period (or remove the row)",
        )

    if "kpi_targets" in typed:
        _kpi_targets(rep, src["kpi_targets"], typed["kpi_targets"].df)

    if "workforce" in typed:
        w = typed["workforce"].df
        rep.rows(
            src["workforce"],
            w,
            w["regular_hours_per_worker"].isna() & w["hours_per_worker_per_day"].isna(),
            "regular_hours_per_worker",
            "and hours_per_worker_per_day are both blank; give one of them",
        )
        rep.rows(
            src["workforce"],
            w,
            (w["min_workers"] > w["max_workers"]).fillna(False),
            "min_workers",
            lambda r: f"{r['min_workers']:g} is above max_workers {r['max_workers']:g}",
        )
        rep.rows(
            src["workforce"],
            w,
            (w["overtime_wage"] < w["regular_wage"]).fillna(False),
            "overtime_wage",
            lambda r: (
                f"{r['overtime_wage']:g} is below regular_wage "
                f"{r['regular_wage']:g}: overtime usually costs more"
            ),
            severity=Severity.WARNING,
        )

    for name in ("demand", "customer_forecasts"):
        if name in typed:
            d = typed[name].df
            n = d["item"].notna().astype(int) + d["family"].notna().astype(int)
            rep.rows(
                src[name],
                d,
                n != 1,
                "item",
                f"fill exactly one of item and family on each {_ROW_NOUN[name]} row",
            )

    if "calendar" in typed:
        _calendar(rep, src["calendar"], typed["calendar"].df)
        # customer forecasts may be of past periods (their accuracy is tracked)
        for name in ("budget", "supplier_capacity"):
            if name in typed:
                _in_calendar(rep, src[name], name, typed[name].df, typed["calendar"].df)

    if "routings" in typed and "resources" in typed:
        r = typed["resources"].df
        has_default = set(r.loc[r["period"].isna(), "resource"])
        per_period = set(r["resource"]) - has_default
        if per_period and "calendar" not in typed:
            for res in sorted(per_period):
                rep.add(
                    Problem(
                        src["resources"],
                        f"resource {res!r} has capacities for some "
                        "periods only and no row with a blank period; add a row with "
                        "a blank period for the capacity of the other periods",
                        column="period",
                        severity=Severity.WARNING,
                    )
                )

    if "settings" in typed:
        st = typed["settings"].df
        for name, raw_value, row in zip(st["name"], st["value"], st["_row"], strict=True):
            value = "" if raw_value is None else str(raw_value)
            if name == "first_period":
                try:
                    p = parse_period(value)
                    if p.granularity is not gran:
                        raise PeriodError(
                            f"a {p.granularity.noun}, but the workbook is in {gran.noun}s"
                        )
                except PeriodError as exc:
                    rep.add(
                        Problem(
                            src["settings"],
                            f"first_period is not valid ({exc}); "
                            f"expected a period like {gran.example}",
                            int(row),
                            "value",
                            value,
                        )
                    )
            elif name == DUE_SETTING and (why := due_days_problem(value)) is not None:
                rep.add(Problem(src["settings"], f"{DUE_SETTING}: {why}", int(row), "value", value))
            elif (why := _choice_setting_problem(str(name), value)) is not None:
                rep.add(Problem(src["settings"], why, int(row), "value", value))
            elif name == "horizon":
                try:
                    h = float(value)
                    if not (h.is_integer() and 1 <= h <= 520):
                        raise ValueError
                except ValueError:
                    rep.add(
                        Problem(
                            src["settings"],
                            "horizon must be a whole number of periods from 1 to 520",
                            int(row),
                            "value",
                            value,
                        )
                    )

    layers = _demand_layers(rep, typed)
    if "overrides" in typed and "items" not in broken:
        _overrides(rep, typed, layers, gran)


def _items(rep: _Report, source: str, items: pd.DataFrame) -> None:
    """The items table against itself: like items, launch before end, margins."""
    item_set = set(items["item"].dropna())
    like = items["like_item"]
    rep.rows(
        source,
        items,
        like.notna() & ~like.isin(item_set),
        "like_item",
        "is not an item of the items table; like_item names an existing item",
    )
    rep.rows(
        source,
        items,
        like.notna() & (like == items["item"]),
        "like_item",
        "is the item itself; like_item names another item whose history to follow",
    )
    both = items["launch_period"].notna() & items["end_period"].notna()
    late = both & items.apply(
        lambda r: (
            bool(both[r.name]) and parse_period(r["launch_period"]) > parse_period(r["end_period"])
        ),
        axis=1,
    )
    rep.rows(
        source,
        items,
        late,
        "end_period",
        lambda r: (
            f"is before launch_period {r['launch_period']}; an item must launch before it ends"
        ),
    )
    for col, what in (("unit_price", "revenue"), ("unit_cost", "cost of goods and stock value")):
        blank = items.loc[items[col].isna(), "item"]
        if not blank.empty:
            listed = ", ".join(map(str, blank.head(MAX_LISTED)))
            more = f" and {len(blank) - MAX_LISTED} more" if len(blank) > MAX_LISTED else ""
            rep.add(
                Problem(
                    source,
                    f"{col} is blank for {len(blank)} item(s): {listed}{more}; their "
                    f"{what} count as 0 and the plan's money is marked incomplete",
                    column=col,
                    severity=Severity.WARNING,
                )
            )
    margin = items["unit_cost"] > items["unit_price"]
    rep.rows(
        source,
        items,
        margin.fillna(False),
        "unit_cost",
        lambda r: f"is above unit_price {r['unit_price']:g}: the item sells at a loss",
        severity=Severity.WARNING,
    )


def _kpi_targets(rep: _Report, source: str, t: pd.DataFrame) -> None:
    """A target is a range: at least one bound, and its min not above its max."""
    # a bound whose cell is already in error is unknown, not blank
    unsure = t["_row"].isin(_flagged(rep, source, ("min", "max")))
    t = t.assign(_kpi=[k if isinstance(k, str) else "KPI" for k in t["kpi"]])
    rep.rows(
        source,
        t,
        t["min"].isna() & t["max"].isna() & ~unsure,
        "min",
        lambda r: (
            f"is blank, and so is max; give the lowest {r['_kpi']} on target, the highest "
            "or both (or remove the row)"
        ),
    )
    rep.rows(
        source,
        t,
        (t["min"] > t["max"]).fillna(False),
        "min",
        lambda r: (
            f"{r['min']:g} is above max {r['max']:g}; the {r['_kpi']} target is the range "
            "min..max, so min must be at most max"
        ),
    )


def _flagged(rep: _Report, source: str, columns: Iterable[str]) -> set[int]:
    """Rows of ``source`` with an error already reported in one of ``columns``."""
    cols = set(columns)
    return {
        p.row
        for p in rep.problems
        if p.source == source
        and p.column in cols
        and p.row is not None
        and p.severity is Severity.ERROR
    }


def _period(v: object) -> Period | None:
    return parse_period(v) if isinstance(v, str) else None


def _demand_layers(rep: _Report, typed: dict[str, _Typed]) -> tuple[Layer, ...] | None:
    """Check ``demand_layers``; the editable layers, or None when the table has errors.

    Layer names, roles and order must all be known to check overrides against them, so a
    ``demand_layers`` table with any error skips those checks (its own errors say what to fix).
    """
    if "demand_layers" not in typed:
        return DEFAULT_LAYERS
    t = typed["demand_layers"]
    d = t.df
    reserved = d["layer"].map(lambda v: isinstance(v, str) and rules.is_statistical(v))
    reserved = reserved.astype(bool)
    rep.rows(
        t.source,
        d,
        reserved,
        "layer",
        f"is reserved: {STATISTICAL} is the baseline that comes from the forecast; name "
        "only the layers after it (e.g. sales, marketing, consensus)",
    )
    pos = d["position"]
    later = pos.notna() & pos.duplicated(keep="first")
    first_row = d.groupby("position")["_row"].transform("min")
    rep.rows(
        t.source,
        d.assign(_first=first_row, _v=pos.map(lambda x: f"{x:g}")),
        later,
        "position",
        lambda r: (
            f"is also the position of row {int(r['_first'])}; each layer "
            "needs its own position (layers apply from the lowest position up)"
        ),
        "_v",
    )
    broken = (
        d["layer"].isna()
        | d["role"].isna()
        | pos.isna()
        | reserved
        | later
        | d["layer"].duplicated(keep=False)
    )
    if broken.any():
        return None
    return editable_layers(d[["layer", "role", "position"]])


def _horizon(typed: dict[str, _Typed], gran: Granularity) -> tuple[Period, Period] | None:
    """First and last planning period, as :class:`Workbook` computes them; None if unknown."""
    settings: dict[str, str] = {}
    if "settings" in typed:
        st = typed["settings"].df
        settings = {
            str(n): str(v)
            for n, v in zip(st["name"], st["value"], strict=True)
            if n is not None and v is not None
        }
    if settings.get("first_period"):
        try:
            if parse_period(settings["first_period"]).granularity is not gran:
                return None  # reported with the settings
        except PeriodError:
            return None
    try:
        first, h = planning_span(
            settings.get("first_period"),
            settings.get("horizon"),
            _col(typed, "sales")["period"].dropna(),
            _col(typed, "demand")["period"].dropna(),
            gran,
        )
    except (SnopError, PeriodError, ValueError):
        return None  # reported with the settings, or no period to start from
    given = settings.get("horizon")
    if not 1 <= h <= 520 or (given and not float(given).is_integer()):
        return None  # reported with the settings
    return first, first + (h - 1)


def _overrides(
    rep: _Report, typed: dict[str, _Typed], layers: tuple[Layer, ...] | None, gran: Granularity
) -> None:
    """Overrides against the (merged) items, sales, settings and demand layers.

    Each row is checked by the rules every override door shares (snop.demand.rules), so the
    demand review refuses what this refuses, for the same reason; here the rule's message
    gets the row and column (the message names the value). Only the table's own shape is
    checked here alone: exactly one of qty, delta and pct.
    """
    t = typed["overrides"]
    o, src = t.df, t.source
    items = _col(typed, "items")  # none in a planning-only workbook: every key is unknown
    attributes = list(typed["items"].extras) if "items" in typed else []
    rows = o.to_dict("records")

    def report(
        column: str, messages: Iterable[str | None], severity: Severity = Severity.ERROR
    ) -> None:
        m = pd.Series(list(messages), index=o.index, dtype=object)
        # value_col "": the rule's message names the value already
        rep.rows(src, o.assign(_m=m), m.notna(), column, lambda r: str(r["_m"]), "", severity)

    # layer, and the role and split that depend on it
    names = [lay.name for lay in layers] if layers is not None else []
    report(
        "layer",
        (
            rules.layer_error(r["layer"], layers)
            if layers is not None and _text(r["layer"])
            else None
            for r in rows
        ),
    )
    report(
        "role",
        (
            rules.role_error(r["layer"], r["role"], layers)
            if layers is not None and r["layer"] in names and _text(r["role"])
            else None
            for r in rows
        ),
    )
    report("split", (_split_error(r["split"], r["layer"], layers) for r in rows))

    # level and key
    levels = [ITEM, FAMILY, *attributes, TOTAL]
    known: dict[str, set[str]] = {
        ITEM: set(items["item"].dropna()),
        FAMILY: set(items["family"].dropna()),
        **{a: set(items[a].dropna()) for a in attributes},
    }
    report(
        "level",
        (rules.level_error(r["level"], levels) if _text(r["level"]) else None for r in rows),
    )
    bad_key = _flagged(rep, src, ["key"])  # a key the store cannot hold is reported already
    report(
        "key",
        (
            rules.key_error(r["level"], _text(r["key"]) or "", known.get(r["level"], set()))
            if r["level"] in levels and r["_row"] not in bad_key
            else None
            for r in rows
        ),
    )

    # exactly one of qty, delta, pct (rows with an invalid amount are reported already)
    amounts = list(KINDS)
    unsure = o["_row"].isin(_flagged(rep, src, amounts))
    given = o[amounts].notna()
    rep.rows(
        src,
        o,
        ~unsure & ~given.any(axis=1),
        "qty",
        "is blank, and so are delta and pct; give one of qty, delta or pct (a new "
        "quantity, a change in units or a change in percent)",
    )
    for i, col in enumerate(amounts[1:], start=1):
        second = ~unsure & given[col] & (given[amounts[:i]].sum(axis=1) == 1)
        rep.rows(
            src,
            o.assign(_first=given[amounts[:i]].idxmax(axis=1), _v=o[col].map(lambda x: f"{x:g}")),
            second,
            col,
            lambda r: f"is given together with {r['_first']}; give only one of qty, delta or pct",
            "_v",
        )
    for col in amounts:
        report(
            col,
            (rules.amount_error(col, float(r[col])) if pd.notna(r[col]) else None for r in rows),
        )

    # periods: inside the planning horizon, ranges forwards
    start = [_period(r["period"]) for r in rows]
    end = [_period(r["to_period"]) for r in rows]
    span = _horizon(typed, gran)
    if span is not None:
        lo, hi = span
        # stored overrides fall out of the horizon when new sales move it: a warning
        for name, per in (("period", start), ("to_period", end)):
            out = [rules.horizon_error(name, p, lo, hi) if p else None for p in per]
            for sev, stored in ((Severity.ERROR, False), (Severity.WARNING, True)):
                here = [(r["_row"] == STORED) == stored for r in rows]
                report(name, (m if ok else None for m, ok in zip(out, here, strict=True)), sev)
    inside = [span is None or b is None or span[0] <= b <= span[1] for b in end]
    report(
        "to_period",
        (
            rules.range_error(a, b) if a is not None and b is not None and ok else None
            for a, b, ok in zip(start, end, inside, strict=True)
        ),
    )

    # no demand for an item before its launch or after its end: there only qty 0 is allowed
    life = {
        str(i): (_period(la), _period(e))
        for i, la, e in zip(items["item"], items["launch_period"], items["end_period"], strict=True)
    }
    kinds = [next((k for k in amounts if pd.notna(r[k])), None) for r in rows]
    closed = [
        _closed(r, kind, a, b, life) if kind is not None and not doubt else None
        for r, kind, a, b, doubt in zip(rows, kinds, start, end, unsure, strict=True)
    ]
    report("period", (c[1] if c and c[0] == "period" else None for c in closed))
    report("to_period", (c[1] if c and c[0] == "to_period" else None for c in closed))


def _text(v: object) -> str | None:
    return v if isinstance(v, str) else None


def _split_error(split: object, layer: object, layers: tuple[Layer, ...] | None) -> str | None:
    """The split rule, when the row's layer is known; a ``layer:NAME`` split cannot be
    checked without it (the layer's own error says what to fix)."""
    if not isinstance(split, str):
        return None
    if layers is not None and layer in [lay.name for lay in layers]:
        return rules.split_error(split, str(layer), layers)
    return None if split.startswith(LAYER_SPLIT) else rules.split_error(split, "", ())


def _closed(
    r: dict[Hashable, Any],
    kind: str,
    start: Period | None,
    to: Period | None,
    life: dict[str, tuple[Period | None, Period | None]],
) -> tuple[str, str] | None:
    """(column, message) when an item-level row changes demand where the item does not sell."""
    key = r["key"]
    if r["level"] != ITEM or not isinstance(key, str) or key not in life or start is None:
        return None
    if not rules.changes_demand(kind, float(r[kind])):
        return None
    launch, end = life[key]
    bad = rules.first_closed(start, to or start, launch, end)
    if bad is None:
        return None
    early = launch is not None and start < launch
    column = "period" if early or to is None else "to_period"
    return column, rules.selling_error(key, bad, launch, end)


def _sales_gaps(rep: _Report, source: str, s: pd.DataFrame) -> None:
    """A period with no sales row for any item is a missing extract, not zero demand.

    Single items may well skip periods (they count as zero sales); the whole company
    selling nothing in a month almost always means a month was left out of the export.
    """
    periods = s["period"].dropna().unique()
    if len(periods) < 2:
        return
    parsed = [parse_period(v) for v in periods]
    gap = sales_gap(source, parsed[0].granularity, {p.ordinal for p in parsed})
    if gap is not None:
        rep.add(gap)


def sales_gap(source: str, gran: Granularity, ordinals: set[int]) -> Problem | None:
    """The problem of a sales history whose periods (``ordinals``) skip one, or None."""
    if len(ordinals) < 2:
        return None
    missing = [o for o in range(min(ordinals), max(ordinals) + 1) if o not in ordinals]
    if not missing:
        return None
    from snop.model.periods import format_ordinal

    listed = ", ".join(format_ordinal(gran, o) for o in missing[:12])
    return Problem(
        source,
        f"no item has any sales in {listed}, inside the history; a "
        "period seems to be missing from the file (if nothing was sold, add "
        "rows with qty 0)",
        column="period",
    )


def _calendar(rep: _Report, source: str, cal: pd.DataFrame) -> None:
    ok = cal["period"].notna()
    if not ok.any():
        return
    parsed = cal.loc[ok, "period"].map(parse_period)
    days = parsed.map(lambda p: (p.end - p.start).days + 1)
    over = (cal.loc[ok, "working_days"] > days).fillna(False)
    sub = cal.loc[ok]
    rep.rows(
        source,
        sub.assign(_d=days),
        over,
        "working_days",
        lambda r: f"{r['working_days']:g} is more than the {r['_d']} days in {r['period']}",
    )
    ords = sorted(p.ordinal for p in parsed)
    gran = parsed.iloc[0].granularity
    gaps = [o for a, b in itertools.pairwise(ords) for o in range(a + 1, b)]
    if gaps:
        from snop.model.periods import format_ordinal

        listed = ", ".join(format_ordinal(gran, o) for o in gaps[:12])
        more = f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""
        rep.add(
            Problem(source, f"periods must be consecutive; missing {listed}{more}", column="period")
        )


def _choice_setting_problem(name: str, value: str) -> str | None:
    """Why a planning or fiscal setting's value is not valid (None when it is)."""
    if name == FISCAL_SETTING:
        return fiscal_start_problem(value)
    return policy_setting_problem(name, value)


# how an error names one row of a table that has item-or-family rows
_ROW_NOUN = {"demand": "demand", "customer_forecasts": "customer forecast"}


def _in_calendar(
    rep: _Report, source: str, table: str, df: pd.DataFrame, cal: pd.DataFrame
) -> None:
    """A period the calendar does not have can never be planned: the budget's could never be
    compared with a plan, a supplier's limit never used."""
    known = set(cal["period"].dropna())
    if not known:
        return
    first, last = min(known), max(known)
    rep.rows(
        source,
        df,
        df["period"].notna() & ~df["period"].isin(known),
        "period",
        f"is not in the calendar, which runs from {first} to {last}; {table} periods must "
        "be calendar periods",
        "period",
    )


def _opening_inventory(
    rep: _Report, source: str, fam: pd.DataFrame, inv: pd.DataFrame, items: pd.DataFrame
) -> None:
    """A family's opening inventory is its initial_inventory when given, else its items' on
    hand (:meth:`Workbook.items_on_hand`): both given and different, one is ignored."""
    on_hand = Workbook(Granularity.MONTH, {"items": items, "inventory": inv}).items_on_hand()
    items_sum = fam["family"].map(on_hand)
    differ = fam["initial_inventory"].notna() & items_sum.notna()
    differ &= ~np.isclose(fam["initial_inventory"].fillna(0), items_sum.fillna(0))
    rep.rows(
        source,
        fam.assign(_items=items_sum),
        differ,
        "initial_inventory",
        lambda r: (
            f"family {r['family']}: initial_inventory {r['initial_inventory']:,.0f} differs "
            f"from the sum of its items' on_hand in `inventory`, {r['_items']:,.0f}; the "
            "plan opens with initial_inventory (clear it to open with the items' on hand)"
        ),
        severity=Severity.WARNING,
    )
