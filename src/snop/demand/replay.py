"""Layers of the demand plan, recomputed from the override log over the baseline.

A layer holds only its owners' overrides: its values are the layer below plus those
changes, replayed in order. Locked cells stay locked in the later layers too, until an
``unlock`` override frees them; a ``withdraw`` entry (the log's tombstone of a deletion)
takes an override out of the replay. Pure: arrays and dataclasses in, arrays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from snop.demand import rules
from snop.demand.config import (
    FAMILY,
    HISTORY_PERIODS,
    ITEM,
    LAYER_SPLIT,
    STATISTICAL,
    TOTAL,
    UNLOCK,
    WITHDRAW,
    Layer,
)
from snop.demand.rules import amount_problem
from snop.demand.split import SplitError, split_total
from snop.errors import SnopError
from snop.model.limits import MAX_QUANTITY
from snop.model.periods import PERIOD_FORMATS, PeriodError, parse_period
from snop.model.vocabulary import OverrideKind
from snop.model.workbook import Workbook

__all__ = [
    "Hierarchy",
    "Override",
    "OverrideError",
    "Replay",
    "amount_problem",
    "check_override",
    "in_force",
    "lock_masks",
    "replay",
    "replay_appended",
    "text_error",
    "withdrawals",
]


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
    kind: str  # an OverrideKind as typed (a str until check_override accepts it)
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
            OverrideKind.QTY: f"= {units}",
            OverrideKind.DELTA: ("+" if self.value >= 0 else "") + units,
            OverrideKind.PCT: f"{self.value:+g}%",
            OverrideKind.UNLOCK: "unlocked",
        }.get(self.kind, f"{self.kind} {self.value:g}")  # type: ignore[call-overload]
        name = f" [{self.event}]" if self.event else ""
        return f"{self.layer}: {where} {when} {what}{name}"

    def with_period(self, period: str, to_period: str) -> Override:
        return replace(self, period=period, to_period=to_period)


@dataclass(frozen=True)
class Hierarchy:
    """The grid a demand plan's overrides work on: its items and their group at every
    level (family and the items' attribute columns), the periods of the horizon, where each
    item sells (its launch..end window) and its recent history (for the ``history`` split).

    Not the forecast's summing structure (snop.forecasting.reconciliation.Aggregation):
    that one adds item forecasts up into nodes; this one scopes and splits overrides.
    """

    items: tuple[str, ...]
    periods: tuple[str, ...]
    groups: dict[str, np.ndarray]  # level -> each item's key at that level
    selling: np.ndarray  # items x periods: inside launch_period..end_period
    history: np.ndarray  # items: sales of the last HISTORY_PERIODS periods
    # each item's launch_period and end_period (labels, None: none); empty when unknown
    launch_periods: tuple[str | None, ...] = ()
    end_periods: tuple[str | None, ...] = ()

    @classmethod
    def from_workbook(cls, wb: Workbook, periods: Sequence[str] | None = None) -> Hierarchy:
        items = wb.items.sort_values("item", kind="stable")
        names = tuple(str(i) for i in items["item"])
        labels = (
            tuple(periods) if periods is not None else tuple(p.label for p in wb.planning_periods)
        )
        groups: dict[str, np.ndarray] = {FAMILY: items["family"].astype(str).to_numpy()}
        for attr in wb.attributes:
            groups[attr] = items[attr].fillna("").astype(str).to_numpy()
        ords = np.array([parse_period(p).ordinal for p in labels], dtype=np.int64)
        launches = tuple(_label(p) for p in items["launch_period"])
        ends = tuple(_label(p) for p in items["end_period"])
        launch = np.array(
            [parse_period(p).ordinal if p else -(2**62) for p in launches], dtype=np.int64
        )
        end = np.array([parse_period(p).ordinal if p else 2**62 for p in ends], dtype=np.int64)
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
        return cls(names, labels, groups, selling, history, launches, ends)

    @property
    def levels(self) -> tuple[str, ...]:
        return (ITEM, *self.groups, TOTAL)

    @cached_property
    def position(self) -> dict[str, int]:
        """Each period label's position in the horizon."""
        return {p: n for n, p in enumerate(self.periods)}

    def keys(self, level: str) -> frozenset[str]:
        """The keys of ``level`` (items, families, an attribute's values); none for total."""
        return self._keys.get(level, frozenset())

    @cached_property
    def _keys(self) -> dict[str, frozenset[str]]:
        # built once: every override of every replay looks its key up here
        out = {lev: frozenset(str(k) for k in keys) for lev, keys in self.groups.items()}
        return {ITEM: frozenset(self.items), **out}

    def scope(self, level: str, key: str) -> np.ndarray:
        """The items an override at ``level``/``key`` changes (a boolean mask)."""
        problem = rules.level_error(level, self.levels) or rules.key_error(
            level, key, self.keys(level)
        )
        if problem:
            raise OverrideError(problem)
        if level == TOTAL:
            return np.ones(len(self.items), dtype=bool)
        keys = self.items if level == ITEM else self.groups[level]
        # compared in Python: numpy would strip a trailing NUL from ``key`` ("A1\0" == "A1")
        return np.array([k == key for k in keys], dtype=bool)

    def period_index(self, label: str, what: str = "period") -> int:
        """The position of ``label`` in the horizon; OverrideError naming ``what`` (the
        option or column) and the valid periods when it is not a period of the horizon."""
        if label in self.periods:
            return self.periods.index(label)
        first, last = parse_period(self.periods[0]), parse_period(self.periods[-1])
        try:
            period = parse_period(label)
        except PeriodError:
            raise OverrideError(
                f"{what} {label!r} is not a period; write {PERIOD_FORMATS}, "
                f"inside the planning horizon {first}..{last}"
            ) from None
        if period.label in self.periods:  # written differently (2027-3 for 2027-03)
            return self.periods.index(period.label)
        problem = rules.horizon_error(what, period, first, last)
        raise OverrideError(problem or f"{what} {period} is not a period of the plan")

    def period_label(self, label: str, what: str = "period") -> str:
        """``label`` as the horizon writes it (2027-3 -> 2027-03), checked as period_index."""
        return self.periods[self.period_index(label, what)]

    def selling_error(self, i: int, lo: int, hi: int) -> str | None:
        """Why item ``i`` may not get demand in periods ``lo..hi`` (positions), or None."""
        closed = np.flatnonzero(~self.selling[i, lo : hi + 1])
        if closed.size == 0:
            return None
        launch = self.launch_periods[i] if self.launch_periods else None
        end = self.end_periods[i] if self.end_periods else None
        return rules.selling_error(
            self.items[i],
            parse_period(self.periods[lo + int(closed[0])]),
            parse_period(launch) if launch else None,
            parse_period(end) if end else None,
        )


def _label(value: object) -> str | None:
    """A launch or end period cell as a label, None when blank."""
    return parse_period(value).label if isinstance(value, str) and value else None


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


def text_error(ov: Override) -> str | None:
    """Why the override's text (author, role, reason, comment, event) cannot be stored
    (too long, a control character such as NUL), or None."""
    return rules.text_error({name: getattr(ov, name) for name in rules.TEXT_FIELDS})


def check_override(h: Hierarchy, layers: Sequence[Layer], ov: Override) -> None:
    """Raise OverrideError when the override is malformed (before applying it): the rules
    of snop.demand.rules, the same the workbook's overrides table is checked by."""
    problem = (
        rules.layer_error(ov.layer, layers)
        or rules.role_error(ov.layer, ov.role, layers)
        or rules.kind_error(ov.kind)
        or rules.amount_error(ov.kind, ov.value)
        or rules.level_error(ov.level, h.levels)
        or rules.key_error(ov.level, ov.key, h.keys(ov.level))
        or _periods_error(h, ov)
        or rules.split_error(ov.split, ov.layer, layers)
        or rules.reason_error(ov.reason)
        or text_error(ov)
        or _selling_error(h, ov)
    )
    if problem:
        raise OverrideError(problem)


def _selling_error(h: Hierarchy, ov: Override) -> str | None:
    """An item's demand changes only in the periods it sells in (checked last: it needs a
    valid item and range)."""
    if ov.level != ITEM or not rules.changes_demand(ov.kind, ov.value):
        return None
    lo, hi = h.period_index(ov.period), h.period_index(ov.to_period, "to_period")
    return h.selling_error(h.items.index(ov.key), lo, hi)


def _periods_error(h: Hierarchy, ov: Override) -> str | None:
    """Periods inside the horizon (period_index raises), and a range that runs forwards."""
    lo, hi = h.period_index(ov.period), h.period_index(ov.to_period, "to_period")
    return rules.range_error(parse_period(h.periods[lo]), parse_period(h.periods[hi]))


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


def replay_appended(prev: Replay, layers: Sequence[Layer], overrides: Sequence[Override]) -> Replay:
    """:func:`replay` of ``overrides`` whose last entry is new and whose others gave
    ``prev``, with the new one strict (it must apply cleanly).

    Every override works period by period: its result in period p depends only on column p
    of the layers below it (values, locks, a layer used as split weights) and on each
    item's fixed history; and it changes only the items of its scope. So when nothing
    conflicted before, only the cells of the new override's periods on the items it and
    the overrides meeting it there reach can change (:func:`_replay_window`): only those
    overrides are replayed, clipped to those cells; the other cells are ``prev``'s.
    Anything out of the ordinary (a conflict before or after, a withdrawal, a period
    outside the horizon) replays the whole log, which gives the authoritative result or
    error.
    """
    n_new = len(overrides) - 1
    new = overrides[-1]
    window = None if prev.conflicts or new.kind == WITHDRAW else _columns(prev.hierarchy, new)
    if window is not None:
        rep = _replay_window(prev, layers, overrides, *window)
        if rep is not None:
            return rep
    h = prev.hierarchy
    return replay(h, prev.values[STATISTICAL], layers, overrides, strict_from=n_new)


def _columns(h: Hierarchy, ov: Override) -> tuple[int, int] | None:
    """The positions of ``ov``'s first and last period, or None if they are not both in
    the horizon or run backwards."""
    lo, hi = h.position.get(ov.period), h.position.get(ov.to_period)
    return (lo, hi) if lo is not None and hi is not None and lo <= hi else None


def _replay_window(
    prev: Replay, layers: Sequence[Layer], overrides: Sequence[Override], lo: int, hi: int
) -> Replay | None:
    """The replay of ``overrides`` with the cells the new (last) one can reach replayed
    and the others taken from ``prev``; None when an override conflicts there (the caller
    replays it all).

    The cells: periods ``lo..hi`` (the new override's) and the smallest set of items that
    holds the new override's scope and the scope of every override meeting it there (a
    family override pulls in its family; total, every item). No override of those periods
    reaches across that set, so outside it every cell evolves as it did in ``prev``.
    """
    h = prev.hierarchy
    live = in_force(overrides)
    try:
        meeting = _meeting(h, overrides, live, lo, hi)
    except OverrideError:
        return None  # an override's scope is unknown: the full replay says which
    rows = np.flatnonzero(meeting.rows)
    sub = _sub_hierarchy(h, rows, lo, hi)
    base = prev.values[STATISTICAL][np.ix_(rows, np.arange(lo, hi + 1))]
    try:
        part = replay(sub, base, layers, meeting.clipped)
    except SnopError:
        return None
    if part.conflicts:
        return None
    cells = np.ix_(rows, np.arange(lo, hi + 1))
    values = {k: v.copy() for k, v in prev.values.items()}
    locks = {k: v.copy() for k, v in prev.locks.items()}
    for name in part.layers:
        values[name][cells] = part.values[name]
        locks[name][cells] = part.locks[name]
    effects = _spliced_effects(prev, part, meeting.positions, overrides)
    return Replay(h, prev.layers, values, effects, [], _applied(prev.layers, live), locks)


@dataclass
class _Meeting:
    rows: np.ndarray  # items (a mask) the replayed cells are on
    positions: list[int]  # each clipped override's position in the log
    clipped: list[Override]  # the overrides meeting those cells, clipped to their periods


def _meeting(
    h: Hierarchy, overrides: Sequence[Override], live: list[Override], lo: int, hi: int
) -> _Meeting:
    """The items and overrides (of ``live``, those in force) :func:`_replay_window`
    replays (OverrideError: a scope is not in ``h``). A fixed point: taking in an
    override's scope can make another one meet."""
    kept = {id(ov) for ov in live}
    scopes: dict[tuple[str, str], np.ndarray] = {}

    def scope(ov: Override) -> np.ndarray:
        key = (ov.level, ov.key)
        if key not in scopes:
            scopes[key] = np.ones(len(h.items), bool) if ov.level == TOTAL else h.scope(*key)
        return scopes[key]

    spans = [(n, ov, _columns(h, ov)) for n, ov in enumerate(overrides) if id(ov) in kept]
    near = [(n, ov, s) for n, ov, s in spans if s is not None and s[0] <= hi and s[1] >= lo]
    rows = scope(overrides[-1]).copy()
    taken: set[int] = set()
    grew = True
    while grew:
        grew = False
        for n, ov, _ in near:
            if n not in taken and (scope(ov) & rows).any():
                taken.add(n)
                grew = grew or bool((scope(ov) & ~rows).any())
                rows |= scope(ov)
    chosen = [(n, ov, s) for n, ov, s in near if n in taken]
    clipped = [
        ov.with_period(h.periods[max(s[0], lo)], h.periods[min(s[1], hi)]) for _, ov, s in chosen
    ]
    return _Meeting(rows, [n for n, _, _ in chosen], clipped)


def _sub_hierarchy(h: Hierarchy, rows: np.ndarray, lo: int, hi: int) -> Hierarchy:
    """``h`` cut down to the items at positions ``rows`` and the periods ``lo..hi``."""

    def pick(labels: tuple[str | None, ...]) -> tuple[str | None, ...]:
        return tuple(labels[i] for i in rows) if labels else ()

    return Hierarchy(
        tuple(h.items[i] for i in rows),
        h.periods[lo : hi + 1],
        {level: keys[rows] for level, keys in h.groups.items()},
        h.selling[np.ix_(rows, np.arange(lo, hi + 1))],
        h.history[rows],
        pick(h.launch_periods),
        pick(h.end_periods),
    )


def _spliced_effects(
    prev: Replay, part: Replay, positions: list[int], overrides: Sequence[Override]
) -> pd.DataFrame:
    """``prev``'s effects outside ``part``'s cells and ``part``'s inside them (its
    override numbers mapped back to ``overrides``), by layer then log order as
    :func:`replay` gives them; within one override, the cells outside come first."""
    old = prev.effects
    at = np.asarray(positions, dtype=np.int64)
    # only the replayed overrides reach inside the cells: look at their rows alone
    candidates = np.flatnonzero(np.isin(old["override"].to_numpy(dtype=np.int64), at))
    near = old.iloc[candidates]
    sub = part.hierarchy
    inside = near["period"].isin(sub.periods).to_numpy() & near["item"].isin(sub.items).to_numpy()
    keep = np.ones(len(old), dtype=bool)
    keep[candidates[inside]] = False
    new = part.effects.assign(override=at[part.effects["override"].to_numpy(dtype=np.int64)])
    frames = [f for f in (old[keep], new) if not f.empty]
    eff = pd.concat(frames, ignore_index=True) if frames else old.iloc[:0]
    rank = {name: n for n, name in enumerate(prev.layers)}
    layer = np.array([rank.get(ov.layer, len(rank)) for ov in overrides], dtype=np.int64)
    n = eff["override"].to_numpy(dtype=np.int64)
    order = np.lexsort((n, layer[n]))  # stable: each part keeps its own order
    return eff.iloc[order].reset_index(drop=True)


def _applied(names: Sequence[str], live: list[Override]) -> list[Override]:
    """The overrides in force (``live``, in log order) on a layer of ``names`` (statistical
    first), in the order the replay applies them: layer by layer, in log order (when none
    conflicts)."""
    rank = {name: n for n, name in enumerate(names) if n > 0}
    on = [(n, ov) for n, ov in enumerate(live) if ov.layer in rank]
    return [ov for _, ov in sorted(on, key=lambda t: (rank[t[1].layer], t[0]))]


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
            if ov.kind == OverrideKind.QTY and ov.value > 0:
                raise OverrideError(f"no item of {ov.level} {ov.key} sells in {h.periods[p]}")
            continue
        now = cur[sel, p]
        total = float(now.sum())
        target = {
            OverrideKind.QTY: ov.value,
            OverrideKind.DELTA: total + ov.value,
            OverrideKind.PCT: total * (1.0 + ov.value / 100.0),
        }[OverrideKind(ov.kind)]
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
