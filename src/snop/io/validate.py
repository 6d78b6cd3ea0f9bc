"""Validate a workbook: every problem, each naming table, row, column, value and what is valid.

Validation has two passes. The first types each table on its own (headers, blanks, numbers,
periods, choices, duplicate keys). The second checks the tables against each other (unknown
items, families, pools and resources; contradictory limits; calendar gaps). When importing
into a store that already holds data, tables the workbook leaves out are taken from the store
and checked together with the new ones, so a partial import can never leave a broken store.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.io.problems import Problem, Severity
from snop.io.reader import RawTable, RawWorkbook
from snop.model.periods import Granularity, PeriodError, parse_period
from snop.model.schema import TABLES, Column, Kind, Table, numeric_columns
from snop.model.workbook import Workbook

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

    def rows(self, source: str, df: pd.DataFrame, mask: pd.Series | np.ndarray, column: str | None,
             message: str | Callable[[pd.Series], str], value_col: str | None = None,
             severity: Severity = Severity.ERROR) -> None:
        """One problem per row selected by ``mask`` (the first MAX_LISTED, then a count)."""
        bad = df[np.asarray(mask, dtype=bool)]
        if bad.empty:
            return
        vcol = value_col if value_col is not None else column
        for _, r in bad.head(MAX_LISTED).iterrows():
            text = message(r) if callable(message) else message
            value = r.get(vcol) if vcol else None
            shown = None if value is None or (isinstance(value, float) and np.isnan(value)) \
                else str(value)
            self.add(Problem(source, text, int(r["_row"]), column, shown, severity))
        if len(bad) > MAX_LISTED:
            self.add(Problem(source, f"... and {len(bad) - MAX_LISTED} more rows like these",
                             None, column, None, severity))


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_column(rep: _Report, t: RawTable, df: pd.DataFrame, col: Column,
                 raw: pd.Series, periods: dict[str, Counter[Granularity]]) -> pd.Series:
    present = raw.notna()
    if col.required:
        rep.rows(t.source, df, ~present, col.name,
                 f"is blank; {col.name} is required ({col.valid})")
    if col.kind is Kind.NUMBER:
        num = pd.to_numeric(raw.where(present), errors="coerce").astype(float)
        not_num = present & (num.isna() | ~np.isfinite(num.fillna(0.0)))
        rep.rows(t.source, df.assign(_v=raw), not_num, col.name,
                 f"is not a number; expected {col.valid}", "_v")
        num = num.where(~not_num)
        if col.minimum is not None:
            low = num < col.minimum if not col.positive else num <= col.minimum
            rep.rows(t.source, df.assign(_v=num), low.fillna(False), col.name,
                     f"is out of range; expected {col.valid}", "_v")
            num = num.where(~low.fillna(False))
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
                rep.rows(t.source, df.assign(_v=raw), bad, col.name,
                         f"is not a period ({msg}); expected YYYY-MM, YYYY-Qn or YYYY-Www",
                         "_v")
        return raw.map(lambda v: labels.get(v) if v is not None else None)
    if col.kind is Kind.CHOICE:
        lowered = raw.where(present).str.lower()
        bad = present & ~lowered.isin(col.choices)
        rep.rows(t.source, df.assign(_v=raw), bad, col.name,
                 lambda r: f"is not valid; expected {col.valid}"
                 + _suggest(str(r["_v"]).lower(), col.choices), "_v")
        return lowered.where(~bad)
    return raw


def _first_pass(rep: _Report, t: RawTable, periods: dict[str, Counter[Granularity]]
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
                rep.add(Problem(t.source, f"column {i + 1} has values but no name in the "
                                "header row", 1))
            continue
        if h in seen:
            rep.add(Problem(t.source, f"column {h!r} appears twice in the header", 1, h))
            continue
        seen.add(h)
        if h in spec.names:
            keep[h] = i
        elif (spec.open_attributes and not h.startswith("_")) or h in allowed_extra:
            keep[h] = i
            extras.append(h)
        else:
            valid = list(spec.names) + list(allowed_extra)
            what = (f"numeric columns of {spec.period_overrides_of}" if allowed_extra
                    else "columns")
            rep.add(Problem(t.source, f"{h!r} is not a column of {t.name}{_suggest(h, valid)}; "
                            f"valid {what}: {', '.join(valid)}", 1, h))
    missing = [c.name for c in spec.columns if c.required and c.name not in keep]
    for m in missing:
        rep.add(Problem(t.source, f"required column {m!r} is missing; the header row must "
                        f"name {', '.join(c.name for c in spec.columns if c.required)}", 1, m))
    df = pd.DataFrame({"_row": t.cells["_row"].to_numpy()})
    for col in spec.columns:
        raw = (t.cells[f"_c{keep[col.name]}"] if col.name in keep
               else pd.Series([None] * len(df), dtype=object))
        df[col.name] = _type_column(rep, t, df, col, raw.reset_index(drop=True), periods)
    for name in extras:
        raw = t.cells[f"_c{keep[name]}"].reset_index(drop=True)
        col = (TABLES[spec.period_overrides_of].column(name) if spec.period_overrides_of
               else Column(name, Kind.TEXT, ""))
        df[name] = _type_column(rep, t, df, col, raw, periods)
    if missing:
        return None
    _duplicates(rep, t.source, df, spec.key)
    return _Typed(spec, t.source, df, extras)


def _duplicates(rep: _Report, source: str, df: pd.DataFrame, key: tuple[str, ...]) -> None:
    keys = df[list(key)].fillna("")
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    first_row = df.assign(_k=keys.astype(str).agg("|".join, axis=1)).groupby("_k")["_row"] \
        .transform("min")
    later = keys.duplicated(keep="first")
    shown = " + ".join(key)
    rep.rows(source, df.assign(_first=first_row,
                               _v=keys.astype(str).agg(" / ".join, axis=1)), later, shown,
             lambda r: f"repeats row {r['_first']} ({shown} must be unique)", "_v")


def _from_store(wb: Workbook, name: str) -> _Typed:
    df = wb.table(name).copy()
    df.insert(0, "_row", STORED)
    extras = list(wb.attributes) if name == "items" else [
        c for c in df.columns if c not in TABLES[name].names and c != "_row"]
    return _Typed(TABLES[name], f"{name}", df, extras)


def validate(raw: RawWorkbook, base: Workbook | None = None, replace_sales: bool = False
             ) -> ValidationResult:
    """Check a workbook read by :func:`snop.io.reader.read_raw` (merged over ``base``)."""
    rep = _Report()
    for p in raw.problems:
        rep.add(p)
    periods: dict[str, Counter[Granularity]] = {}
    typed: dict[str, _Typed] = {}
    broken: set[str] = set()
    for name, t in raw.tables.items():
        got = _first_pass(rep, t, periods)
        if got is None:
            broken.add(name)
        else:
            typed[name] = got
    if base is not None:
        for name in TABLES:
            if name in typed or name in broken or not base.has(name):
                continue
            typed[name] = _from_store(base, name)
        if "sales" in raw.tables and "sales" in typed and base.has("sales") and not replace_sales:
            typed["sales"] = _merge_sales(_from_store(base, "sales"), typed["sales"])
    for name in ("items", "sales"):
        if name not in typed and name not in broken:
            rep.add(Problem(f"{name}", f"the workbook has no {name} table "
                            f"({name}.csv or an .xlsx sheet named {name}); it is required"))
    gran = _granularity(rep, periods, typed)
    if not broken and "items" in typed and "sales" in typed:
        _cross_checks(rep, typed, gran)
    if any(p.severity is Severity.ERROR for p in rep.problems):
        return ValidationResult(None, rep.problems)
    tables = {name: t.df.drop(columns="_row").reset_index(drop=True) for name, t in typed.items()}
    attributes = typed["items"].extras
    return ValidationResult(Workbook(gran, tables, attributes), rep.problems)


def _merge_sales(stored: _Typed, new: _Typed) -> _Typed:
    """New sales rows replace stored rows of the same key; other stored rows stay."""
    key = list(TABLES["sales"].key)
    new_keys = set(map(tuple, new.df[key].fillna("").to_numpy().tolist()))
    old_keys = stored.df[key].fillna("").to_numpy().tolist()
    kept = stored.df[[tuple(k) not in new_keys for k in old_keys]]
    df = pd.concat([kept, new.df], ignore_index=True)
    return _Typed(new.spec, new.source, df, new.extras)


def _granularity(rep: _Report, periods: dict[str, Counter[Granularity]],
                 typed: dict[str, _Typed]) -> Granularity:
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
                lambda v: v is not None and parse_period(v).granularity is not gran)
            rep.rows(t.source, t.df.assign(_v=vals), other, col.name,
                     f"is not a {gran.noun}: one workbook uses one granularity, and this one "
                     f"is in {gran.noun}s (e.g. {gran.example})", "_v")
            t.df[col.name] = vals.where(~other)
    return gran


def _col(typed: dict[str, _Typed], name: str) -> pd.DataFrame:
    return typed[name].df if name in typed else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in (*TABLES[name].names, "_row")})


def _cross_checks(rep: _Report, typed: dict[str, _Typed], gran: Granularity) -> None:
    items = typed["items"].df
    item_set = set(items["item"].dropna())
    families = set(items["family"].dropna())
    src = {name: t.source for name, t in typed.items()}

    def unknown(name: str, column: str, valid: set[str], what: str, where: str) -> None:
        if name not in typed:
            return
        df = typed[name].df
        vals = df[column]
        bad = vals.notna() & ~vals.isin(valid)
        rep.rows(src[name], df.assign(_v=vals), bad, column,
                 lambda r: f"is not {what}{_suggest(str(r['_v']), valid)}; {where}", "_v")

    # items
    like = items["like_item"]
    rep.rows(src["items"], items, like.notna() & ~like.isin(item_set), "like_item",
             "is not an item of the items table; like_item names an existing item")
    rep.rows(src["items"], items, like.notna() & (like == items["item"]), "like_item",
             "is the item itself; like_item names another item whose history to follow")
    both = items["launch_period"].notna() & items["end_period"].notna()
    late = both & items.apply(
        lambda r: bool(both[r.name]) and parse_period(r["launch_period"])
        > parse_period(r["end_period"]), axis=1)
    rep.rows(src["items"], items, late, "end_period",
             lambda r: f"is before launch_period {r['launch_period']}; an item must launch "
             "before it ends")
    margin = items["unit_cost"] > items["unit_price"]
    rep.rows(src["items"], items, margin.fillna(False), "unit_cost",
             lambda r: f"is above unit_price {r['unit_price']:g}: the item sells at a loss",
             severity=Severity.WARNING)

    where_items = "items are listed in the items table"
    unknown("sales", "item", item_set, "an item", where_items)
    unknown("inventory", "item", item_set, "an item", where_items)
    unknown("demand", "item", item_set, "an item", where_items)
    where_fam = "families are named by the items table's family column"
    unknown("families", "family", families, "the family of any item", where_fam)
    unknown("family_periods", "family", families, "a family", where_fam)
    unknown("routings", "family", families, "a family", where_fam)
    unknown("demand", "family", families, "a family", where_fam)
    unknown("budget", "family", families, "a family", where_fam + " (blank: company total)")
    pools = set(_col(typed, "workforce")["pool"].dropna())
    unknown("families", "workforce_pool", pools, "a workforce pool",
            "pools are listed in the workforce table")
    unknown("workforce_periods", "pool", pools, "a workforce pool",
            "pools are listed in the workforce table")
    resources = set(_col(typed, "resources")["resource"].dropna())
    unknown("routings", "resource", resources, "a resource",
            "resources are listed in the resources table")

    if "sales" in typed:
        s = typed["sales"].df
        _sales_gaps(rep, src["sales"], s, items)

    if "families" in typed:
        f = typed["families"].df
        rep.rows(src["families"], f, f["workforce_pool"].notna() & f["labor_hours_per_unit"].isna(),
                 "labor_hours_per_unit",
                 lambda r: f"is blank but the family is made by workforce pool "
                 f"{r['workforce_pool']}; give the labor hours per unit")
        for low in ("safety_stock", "min_ending_inventory", "initial_inventory"):
            over = (f[low] > f["max_inventory"]).fillna(False)
            rep.rows(src["families"], f.assign(_low=f[low]), over, low,
                     lambda r: f"{r['_low']:g} is above max_inventory "
                     f"{r['max_inventory']:g}; it must fit in storage")
        both = f["lost_sales_cost"].notna() & f["max_backlog"].notna() & (f["max_backlog"] > 0)
        rep.rows(src["families"], f, both, "max_backlog",
                 "is set together with lost_sales_cost; unmet demand is either backlogged "
                 "or lost: clear one of them")
        rep.rows(src["families"], f, f["subcontract_capacity"].notna()
                 & f["subcontract_cost"].isna() & (f["subcontract_capacity"] > 0),
                 "subcontract_cost",
                 "is blank but subcontract_capacity is set; give the cost per subcontracted unit")

    if "workforce" in typed:
        w = typed["workforce"].df
        rep.rows(src["workforce"], w, w["regular_hours_per_worker"].isna()
                 & w["hours_per_worker_per_day"].isna(), "regular_hours_per_worker",
                 "and hours_per_worker_per_day are both blank; give one of them")
        rep.rows(src["workforce"], w, (w["min_workers"] > w["max_workers"]).fillna(False),
                 "min_workers", lambda r: f"{r['min_workers']:g} is above max_workers "
                 f"{r['max_workers']:g}")
        rep.rows(src["workforce"], w, (w["overtime_wage"] < w["regular_wage"]).fillna(False),
                 "overtime_wage", lambda r: f"{r['overtime_wage']:g} is below regular_wage "
                 f"{r['regular_wage']:g}: overtime usually costs more", severity=Severity.WARNING)

    if "demand" in typed:
        d = typed["demand"].df
        n = d["item"].notna().astype(int) + d["family"].notna().astype(int)
        rep.rows(src["demand"], d, n != 1, "item",
                 "fill exactly one of item and family on each demand row")

    if "calendar" in typed:
        _calendar(rep, src["calendar"], typed["calendar"].df)

    if "routings" in typed and "resources" in typed:
        r = typed["resources"].df
        has_default = set(r.loc[r["period"].isna(), "resource"])
        per_period = set(r["resource"]) - has_default
        if per_period and "calendar" not in typed:
            for res in sorted(per_period):
                rep.add(Problem(src["resources"], f"resource {res!r} has capacities for some "
                                "periods only and no row with a blank period; add a row with "
                                "a blank period for the capacity of the other periods",
                                column="period", severity=Severity.WARNING))

    if "settings" in typed:
        st = typed["settings"].df
        for name, raw_value, row in zip(st["name"], st["value"], st["_row"], strict=True):
            value = "" if raw_value is None else str(raw_value)
            if name == "first_period":
                try:
                    p = parse_period(value)
                    if p.granularity is not gran:
                        raise PeriodError(f"a {p.granularity.noun}, but the workbook is in "
                                          f"{gran.noun}s")
                except PeriodError as exc:
                    rep.add(Problem(src["settings"], f"first_period is not valid ({exc}); "
                                    f"expected a period like {gran.example}", int(row),
                                    "value", value))
            elif name == "horizon":
                try:
                    h = float(value)
                    if not (h.is_integer() and 1 <= h <= 520):
                        raise ValueError
                except ValueError:
                    rep.add(Problem(src["settings"], "horizon must be a whole number of periods "
                                    "from 1 to 520", int(row), "value", value))


def _sales_gaps(rep: _Report, source: str, s: pd.DataFrame, items: pd.DataFrame) -> None:
    """A period with no sales row for any item is a missing extract, not zero demand.

    Single items may well skip periods (they count as zero sales); the whole company
    selling nothing in a month almost always means a month was left out of the export.
    """
    periods = s["period"].dropna().unique()
    if len(periods) < 2:
        return
    parsed = [parse_period(v) for v in periods]
    ords = {p.ordinal for p in parsed}
    gran = parsed[0].granularity
    missing = [o for o in range(min(ords), max(ords) + 1) if o not in ords]
    if missing:
        from snop.model.periods import format_ordinal

        listed = ", ".join(format_ordinal(gran, o) for o in missing[:12])
        rep.add(Problem(source, f"no item has any sales in {listed}, inside the history; a "
                        "period seems to be missing from the file (if nothing was sold, add "
                        "rows with qty 0)", column="period"))


def _calendar(rep: _Report, source: str, cal: pd.DataFrame) -> None:
    ok = cal["period"].notna()
    if not ok.any():
        return
    parsed = cal.loc[ok, "period"].map(parse_period)
    days = parsed.map(lambda p: (p.end - p.start).days + 1)
    over = (cal.loc[ok, "working_days"] > days).fillna(False)
    sub = cal.loc[ok]
    rep.rows(source, sub.assign(_d=days), over, "working_days",
             lambda r: f"{r['working_days']:g} is more than the {r['_d']} days in "
             f"{r['period']}")
    ords = sorted(p.ordinal for p in parsed)
    gran = parsed.iloc[0].granularity
    gaps = [o for a, b in itertools.pairwise(ords) for o in range(a + 1, b)]
    if gaps:
        from snop.model.periods import format_ordinal

        listed = ", ".join(format_ordinal(gran, o) for o in gaps[:12])
        more = f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""
        rep.add(Problem(source, f"periods must be consecutive; missing {listed}{more}",
                        column="period"))
