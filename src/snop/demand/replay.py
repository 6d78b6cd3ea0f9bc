"""Layers of the demand plan, recomputed from the override log over the baseline.

A layer holds only its owners' overrides: its values are the layer below plus those
changes, replayed in order. Locked cells stay locked in the later layers too, until an
``unlock`` override frees them; a ``withdraw`` entry (the log's tombstone of a deletion)
takes an override out of the replay. Pure: arrays and dataclasses in, arrays out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from snop.demand.config import (
    FAMILY,
    HISTORY_PERIODS,
    ITEM,
    KINDS,
    LAYER_SPLIT,
    MAX_PCT,
    MIN_PCT,
    STATISTICAL,
    TOTAL,
    UNLOCK,
    WITHDRAW,
    Layer,
    split_error,
)
from snop.demand.split import SplitError, split_total
from snop.errors import SnopError
from snop.model.limits import MAX_QUANTITY, quantity_problem, text_problem
from snop.model.periods import PERIOD_FORMATS, PeriodError, parse_period
from snop.model.workbook import Workbook


class OverrideError(SnopError):
    """An override that cannot be applied; the message names it and says what is valid."""


@dataclass(frozen=True)
class Override:
    """One change to one layer: a level and key, a period range, and what to do there."""

    layer: str
    level: str
    key: str
    period: str
    to_period: str
    kind: str  # qty (new quantity), delta (units), pct (percent), unlock or withdraw
    value: float
    split: str = "proportional"
    locked: bool = False
    author: str = ""
    role: str = ""
    reason: str = ""
    comment: str | None = None
    event: str | None = None
    source: str = "api"  # api, cli, workbook, carried (from the last approved cycle)
    id: int | None = None
    carried_from: str | None = None
    created_at: str = ""

    def describe(self) -> str:
        where = "total" if self.level == TOTAL else f"{self.level} {self.key}"
        when = (
            self.period if self.to_period == self.period else (f"{self.period}..{self.to_period}")
        )
        if self.kind == WITHDRAW:
            return f"{self.layer}: withdraws override {self.value:.0f} ({where} {when})"
        # a refused amount (1e300, nan) is shown as typed, not as 300 digits
        units = f"{self.value:,.0f}" if abs(self.value) < 1e15 else f"{self.value:g}"
        what = {
            "qty": f"= {units}",
            "delta": ("+" if self.value >= 0 else "") + units,
            "pct": f"{self.value:+g}%",
            UNLOCK: "unlocked",
        }.get(self.kind, f"{self.kind} {self.value:g}")
        name = f" [{self.event}]" if self.event else ""
        return f"{self.layer}: {where} {when} {what}{name}"

    def with_period(self, period: str, to_period: str) -> Override:
        return replace(self, period=period, to_period=to_period)


@dataclass(frozen=True)
class Hierarchy:
    """What the replay needs to know about items: their groups, selling window and history."""

    items: tuple[str, ...]
    periods: tuple[str, ...]
    groups: dict[str, np.ndarray]  # level -> each item's key at that level
    selling: np.ndarray  # items x periods: inside launch_period..end_period
    history: np.ndarray  # items: sales of the last HISTORY_PERIODS periods

    @classmethod
    def from_workbook(cls, wb: Workbook, periods: Sequence[str] | None = None) -> Hierarchy:
        items = wb.items.sort_values("item", kind="stable")
        names = tuple(str(i) for i in items["item"])
        labels = (
            tuple(periods) if periods is not None else tuple(p.label for p in wb.planning_periods)
        )
        groups = {FAMILY: items["family"].astype(str).to_numpy()}
        for attr in wb.attributes:
            groups[attr] = items[attr].fillna("").astype(str).to_numpy()
        ords = np.array([parse_period(p).ordinal for p in labels], dtype=np.int64)
        launch = np.array(
            [
                parse_period(p).ordinal if isinstance(p, str) else -(2**62)
                for p in items["launch_period"]
            ],
            dtype=np.int64,
        )
        end = np.array(
            [parse_period(p).ordinal if isinstance(p, str) else 2**62 for p in items["end_period"]],
            dtype=np.int64,
        )
        selling = (ords[None, :] >= launch[:, None]) & (ords[None, :] <= end[:, None])
        history = np.zeros(len(names))
        last = wb.last_actual
        if last is not None:
            first = last.ordinal - (HISTORY_PERIODS - 1)
            s = wb.sales
            recent_periods = {p for p in s["period"].unique() if parse_period(p).ordinal >= first}
            recent = s[s["period"].isin(recent_periods)]
            by_item = recent.groupby("item")["qty"].sum()
            history = by_item.reindex(list(names)).fillna(0.0).to_numpy(dtype=float)
        return cls(names, labels, groups, selling, history)

    @property
    def levels(self) -> tuple[str, ...]:
        return (ITEM, *self.groups, TOTAL)

    def scope(self, level: str, key: str) -> np.ndarray:
        """The items an override at ``level``/``key`` changes (a boolean mask)."""
        if level == TOTAL:
            return np.ones(len(self.items), dtype=bool)
        if level == ITEM:
            keys = np.array(self.items, dtype=object)
        elif level in self.groups:
            keys = self.groups[level]
        else:
            raise OverrideError(
                f"level {level!r} is not a level; use one of " + ", ".join(self.levels)
            )
        # compared in Python: numpy would strip a trailing NUL from ``key`` ("A1\0" == "A1")
        mask = np.array([k == key for k in keys], dtype=bool)
        if not mask.any():
            known = sorted(set(keys.tolist()))
            shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise OverrideError(f"{level} {key!r} does not exist; known: {shown}")
        return np.asarray(mask, dtype=bool)

    def period_index(self, label: str, what: str = "period") -> int:
        """The position of ``label`` in the horizon; OverrideError naming ``what`` (the
        option or column) and the valid periods when it is not a period of the horizon."""
        if label in self.periods:
            return self.periods.index(label)
        span = f"{self.periods[0]}..{self.periods[-1]}"
        try:
            period = parse_period(label)
        except PeriodError:
            raise OverrideError(
                f"{what} {label!r} is not a period; write {PERIOD_FORMATS}, "
                f"inside the planning horizon {span}"
            ) from None
        if period.label in self.periods:  # written differently (2027-3 for 2027-03)
            return self.periods.index(period.label)
        raise OverrideError(f"{what} {label} is outside the planning horizon {span}")

    def period_label(self, label: str, what: str = "period") -> str:
        """``label`` as the horizon writes it (2027-3 -> 2027-03), checked as period_index."""
        return self.periods[self.period_index(label, what)]


@dataclass
class Replay:
    """Every layer's values (items x periods) and what each override did."""

    hierarchy: Hierarchy
    layers: tuple[str, ...]  # statistical first, consensus last
    values: dict[str, np.ndarray]
    effects: pd.DataFrame  # override, item, period, before, after (changed cells only)
    conflicts: list[tuple[Override, str]] = field(default_factory=list)
    applied: list[Override] = field(default_factory=list)
    locks: dict[str, np.ndarray] = field(default_factory=dict)  # layer -> locked cells

    def frame(self, layer: str) -> pd.DataFrame:
        """One layer as rows: item, period, qty."""
        h = self.hierarchy
        v = self.values[layer]
        return pd.DataFrame(
            {
                "item": np.repeat(np.array(h.items, dtype=object), len(h.periods)),
                "period": np.tile(np.array(h.periods, dtype=object), len(h.items)),
                "qty": v.reshape(-1),
            }
        )


def amount_problem(kind: str, value: float) -> str | None:
    """Why ``value`` is not an amount an override of ``kind`` may have, or None.

    Quantities and changes in units are bounded by MAX_QUANTITY (what the store and the
    supply LP can hold), a new quantity is not negative, a percent change lies in
    MIN_PCT..MAX_PCT. The CLI, the API and the workbook's overrides table share this rule.
    """
    if math.isnan(value) or math.isinf(value):
        return "is not a finite number"
    if kind == "pct":
        if value < MIN_PCT:
            return f"would make demand negative; a percent change is at least {MIN_PCT:g}"
        if value > MAX_PCT:
            return (
                f"is beyond the largest percent change snop accepts ({MAX_PCT:+,.0f}); "
                "give a new quantity (qty) instead"
            )
        return None
    if kind == "qty" and value < 0:
        return "is negative; demand cannot be below zero"
    return quantity_problem(value)


def text_error(ov: Override) -> str | None:
    """Why the override's free text (author, role, reason, comment, event) cannot be stored
    (too long, a control character such as NUL), or None."""
    for name in ("author", "role", "reason", "comment", "event"):
        value = getattr(ov, name)
        problem = text_problem(value, key=False) if value else None
        if problem:
            return f"{name} {problem}"
    return None


def check_override(h: Hierarchy, layers: Sequence[Layer], ov: Override) -> None:
    """Raise OverrideError when the override is malformed (before applying it)."""
    names = [lay.name for lay in layers]
    if ov.layer == STATISTICAL:
        raise OverrideError(
            "the statistical layer is the forecast's baseline and is not "
            "edited; override one of " + ", ".join(names)
        )
    if ov.layer not in names:
        raise OverrideError(
            f"layer {ov.layer!r} does not exist; the layers are " + ", ".join(names)
        )
    if ov.kind not in (*KINDS, UNLOCK):
        raise OverrideError(
            f"{ov.kind!r} is not a kind of override; use one of " + ", ".join((*KINDS, UNLOCK))
        )
    problem = None if ov.kind == UNLOCK else amount_problem(ov.kind, ov.value)
    if problem:
        raise OverrideError(f"{ov.kind} {ov.value:g} {problem}")
    if ov.level == TOTAL and ov.key not in ("", TOTAL):
        raise OverrideError(f"a total override has no key (got {ov.key!r})")
    if ov.level != TOTAL:
        problem = text_problem(ov.key, key=True)
        if problem:
            raise OverrideError(f"key {problem}")
        h.scope(ov.level, ov.key)
    lo, hi = h.period_index(ov.period), h.period_index(ov.to_period, "to_period")
    if hi < lo:
        raise OverrideError(f"the range ends ({ov.to_period}) before it starts ({ov.period})")
    problem = split_error(ov.split, ov.layer, tuple(layers))
    if problem:
        raise OverrideError(f"split {ov.split!r} {problem}")
    if not ov.reason.strip():
        raise OverrideError("an override needs a reason code (promo, customer, price...)")
    problem = text_error(ov)
    if problem:
        raise OverrideError(problem)
    if ov.level == ITEM:
        i = h.items.index(ov.key)
        for p in range(lo, hi + 1):
            if not h.selling[i, p] and not (ov.kind in ("qty", UNLOCK) and ov.value == 0):
                raise OverrideError(
                    f"item {ov.key} does not sell in {h.periods[p]} (outside "
                    "its launch_period..end_period); no demand there"
                )


def replay(
    h: Hierarchy,
    baseline: np.ndarray,
    layers: Sequence[Layer],
    overrides: Sequence[Override],
    *,
    strict_from: int | None = None,
) -> Replay:
    """Apply ``overrides`` in order, layer by layer, over the statistical ``baseline``.

    An override that cannot be applied (its total would be negative, or locked items
    disagree) is skipped and reported as a conflict; from index ``strict_from`` on it raises
    OverrideError instead (a new override must apply cleanly before it is stored). Each
    layer starts with the locks of the layer before; withdrawn overrides and the withdrawals
    themselves change nothing.
    """
    base = np.where(h.selling, np.asarray(baseline, dtype=float), 0.0)
    values: dict[str, np.ndarray] = {STATISTICAL: base}
    locks: dict[str, np.ndarray] = {STATISTICAL: np.zeros(base.shape, dtype=bool)}
    names = [STATISTICAL, *(lay.name for lay in layers)]
    effects: list[tuple[int, int, int, float, float]] = []
    conflicts: list[tuple[Override, str]] = []
    applied: list[Override] = []
    order = {name: n for n, name in enumerate(names)}
    kept = {id(ov) for ov in in_force(overrides)}
    live = [(n, ov) for n, ov in enumerate(overrides) if id(ov) in kept]
    indexed = sorted(live, key=lambda t: (order.get(t[1].layer, 99), t[0]))
    for name in names[1:]:
        before = names[names.index(name) - 1]
        cur, locked = values[before].copy(), locks[before].copy()
        for n, ov in indexed:
            if ov.layer != name:
                continue
            strict = strict_from is not None and n >= strict_from
            try:
                check_override(h, layers, ov)
                new, lock = _apply(h, ov, cur, locked, values)
            except SnopError as exc:
                if strict:
                    raise OverrideError(f"{ov.describe()}: {exc}") from None
                conflicts.append((ov, str(exc)))
                continue
            changed = np.argwhere(new != cur)
            effects.extend(
                (n, int(i), int(p), float(cur[i, p]), float(new[i, p])) for i, p in changed
            )
            cur, locked = new, lock
            applied.append(ov)
        values[name], locks[name] = cur, locked
    for n, ov in indexed:
        if ov.layer in order and ov.layer != STATISTICAL:
            continue
        try:
            check_override(h, layers, ov)  # says why: the baseline or an unknown layer
        except OverrideError as exc:
            if strict_from is not None and n >= strict_from:
                raise OverrideError(f"{ov.describe()}: {exc}") from None
            conflicts.append((ov, str(exc)))
    eff = pd.DataFrame(effects, columns=["override", "item", "period", "before", "after"])
    eff["item"] = [h.items[i] for i in eff["item"]]
    eff["period"] = [h.periods[p] for p in eff["period"]]
    return Replay(h, tuple(names), values, eff, conflicts, applied, locks)


def withdrawals(overrides: Sequence[Override]) -> dict[int, int | None]:
    """The withdrawn overrides: each withdrawn id -> the id of the withdrawal (tombstone)."""
    return {int(ov.value): ov.id for ov in overrides if ov.kind == WITHDRAW}


def in_force(overrides: Sequence[Override]) -> list[Override]:
    """``overrides`` without the withdrawn ones and without the withdrawals themselves."""
    gone = withdrawals(overrides)
    return [ov for ov in overrides if ov.kind != WITHDRAW and (ov.id is None or ov.id not in gone)]


def lock_masks(
    h: Hierarchy, layers: Sequence[str], applied: Sequence[Override]
) -> dict[str, np.ndarray]:
    """Each layer's locked cells after ``applied`` (overrides that applied), carried from
    layer to layer as the replay does: for a plan whose values are read back, not replayed."""
    lock = np.zeros((len(h.items), len(h.periods)), dtype=bool)
    out = {}
    for name in layers:
        for ov in applied:
            if ov.layer == name and (ov.locked or ov.kind == UNLOCK):
                try:
                    lock = _relock(h, ov, lock)
                except OverrideError:
                    continue  # its scope or periods are not in this plan: it locked nothing
        out[name] = lock.copy()
    return out


def _relock(h: Hierarchy, ov: Override, lock: np.ndarray) -> np.ndarray:
    """``lock`` after ``ov``: an unlock frees its scope's cells, a locked override locks
    the cells it set (those that sell); any other override leaves the locks as they are."""
    if not (ov.locked or ov.kind == UNLOCK):
        return lock
    scope = h.scope(ov.level, ov.key) if ov.level != TOTAL else np.ones(len(h.items), bool)
    lo, hi = h.period_index(ov.period), h.period_index(ov.to_period)
    out = lock.copy()
    cells = scope[:, None] & h.selling[:, lo : hi + 1]
    out[:, lo : hi + 1] = np.where(cells, ov.kind != UNLOCK, out[:, lo : hi + 1])
    return out


def _apply(
    h: Hierarchy, ov: Override, cur: np.ndarray, locked: np.ndarray, values: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    scope = h.scope(ov.level, ov.key) if ov.level != TOTAL else np.ones(len(h.items), bool)
    lo, hi = h.period_index(ov.period), h.period_index(ov.to_period)
    new = cur.copy()
    if ov.kind == UNLOCK:
        return new, _relock(h, ov, locked)
    for p in range(lo, hi + 1):
        sel = scope & h.selling[:, p]
        if not sel.any():
            if ov.kind == "qty" and ov.value > 0:
                raise OverrideError(f"no item of {ov.level} {ov.key} sells in {h.periods[p]}")
            continue
        now = cur[sel, p]
        total = float(now.sum())
        target = {
            "qty": ov.value,
            "delta": total + ov.value,
            "pct": total * (1.0 + ov.value / 100.0),
        }[ov.kind]
        # a change aimed at one item is explicit: it moves that item even when locked
        held = np.zeros(int(sel.sum()), bool) if ov.level == ITEM else locked[sel, p]
        try:
            new[sel, p] = split_total(
                target, now, weights=_weights(h, ov, sel, p, values), locked=held
            )
        except SplitError as exc:
            raise OverrideError(f"{h.periods[p]}: {exc}") from None
        top = int(np.argmax(np.where(sel, new[:, p], -np.inf)))
        if not new[top, p] <= MAX_QUANTITY:  # also catches inf and NaN
            raise OverrideError(
                f"{h.periods[p]}: item {h.items[top]} would get {new[top, p]:,.0f} units, "
                f"beyond the largest quantity snop accepts ({MAX_QUANTITY:,.0f})"
            )
    return new, _relock(h, ov, locked)


def _weights(
    h: Hierarchy, ov: Override, sel: np.ndarray, p: int, values: dict[str, np.ndarray]
) -> np.ndarray | None:
    if ov.split == "equal":
        return np.ones(int(sel.sum()))
    if ov.split == "history":
        return np.asarray(h.history[sel], dtype=float)
    if ov.split.startswith(LAYER_SPLIT):
        return np.asarray(values[ov.split[len(LAYER_SPLIT) :]][sel, p], dtype=float)
    return None  # proportional to the values being changed
