"""The demand review of a cycle, as pure domain code: the plan, its rules and its versions.

A cycle's demand plan (named by its first planning period) is a draft until the consensus
owner submits it and a role allowed to approve approves it. Approval freezes it: every
layer's values and each override's effect are copied into the store and read back from
there ever after, so an approved version never changes. The next cycle's draft starts from
the last approved one: its overrides that reach into the new horizon are carried over.

The use cases (reading, overriding, submitting, approving) are in
:mod:`snop.services.demand_review`; the SQL in :mod:`snop.store.demand_repo`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from snop.demand import rules
from snop.demand.config import (
    DEFAULT_APPROVER,
    FAMILY,
    ITEM,
    STATISTICAL,
    TOTAL,
    WITHDRAW,
    Layer,
    editable_layers,
)
from snop.demand.replay import (
    Hierarchy,
    Override,
    OverrideError,
    Replay,
    check_override,
    in_force,
    lock_masks,
    withdrawals,
)
from snop.errors import NotAllowed, NotFoundError, SnopError
from snop.model.periods import parse_period
from snop.model.vocabulary import PlanStatus
from snop.model.workbook import Workbook

__all__ = [
    "APPROVED",
    "DRAFT",
    "SUBMITTED",
    "CarriedOverrides",
    "DemandPlan",
    "FrozenError",
    "NotAllowed",
    "OverrideResult",
    "PlanRecord",
]

DRAFT, SUBMITTED, APPROVED = PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED


class FrozenError(SnopError):
    """A change to a demand plan that is submitted or approved."""


@dataclass(frozen=True)
class PlanRecord:
    """The status record of one cycle's demand plan: who submitted and approved it, when."""

    cycle: str
    status: PlanStatus
    based_on: str | None
    created_at: str
    submitted_by: str | None = None
    submitted_at: str | None = None
    approved_by: str | None = None
    approved_role: str | None = None
    approved_at: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "cycle": self.cycle,
            "status": self.status.value,
            "based_on": self.based_on,
            "created_at": self.created_at,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at,
            "approved_by": self.approved_by,
            "approved_role": self.approved_role,
            "approved_at": self.approved_at,
            "note": self.note,
        }


# The override log's columns (:meth:`DemandPlan.log`), in order.
LOG_COLUMNS = [
    "id",
    "layer",
    "level",
    "key",
    "period",
    "to_period",
    "kind",
    "value",
    "split",
    "locked",
    "author",
    "role",
    "reason",
    "comment",
    "event",
    "source",
    "carried_from",
    "created_at",
    "conflict",
    "withdrawn_by",
]


@dataclass
class DemandPlan:
    """One cycle's demand plan: its status, layers, override log and every layer's values."""

    cycle: str
    status: PlanStatus
    based_on: str | None
    layers: tuple[Layer, ...]  # the editable layers, in order
    approver_role: str
    overrides: list[Override]  # in the order they apply
    replay: Replay
    record: dict[str, object]
    # views summed so far (view()); not an init field, so replace() starts a new plan empty
    _views: dict[tuple[str, tuple[str, ...], bool], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def frozen(self) -> bool:
        return self.status == APPROVED

    @property
    def layer_names(self) -> tuple[str, ...]:
        return self.replay.layers

    @property
    def consensus(self) -> str:
        """The last layer: the one approved and planned."""
        return self.layer_names[-1]

    @property
    def periods(self) -> tuple[str, ...]:
        return self.replay.hierarchy.periods

    def layer(self, name: str) -> Layer:
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise OverrideError(rules.layer_error(name, self.layers) or f"no layer {name!r}")

    def frame(self, layer: str) -> pd.DataFrame:
        """One layer by item and period: item, period, qty."""
        self.require_layer(layer)
        return self.replay.frame(layer)

    def require_layer(self, layer: str) -> None:
        """NotFoundError naming the layers when ``layer`` is not one."""
        if layer not in self.replay.values:
            raise NotFoundError(
                f"layer {layer!r} does not exist; the layers are " + ", ".join(self.layer_names)
            )

    def view(
        self, level: str = ITEM, layers: Sequence[str] | None = None, *, locks: bool = False
    ) -> pd.DataFrame:
        """Layers summed to ``level`` (item, family, total or an attribute): key, period,
        one column per layer. Every level is the sum of the items below it, so top-down and
        bottom-up views add up by construction. With ``locks``, a column ``LAYER_locked``
        per layer counts the locked items of each row (0 or 1 at item level).

        Summed once per plan and kept (a live plan is shared by every reader until the
        next write); each call gets its own copy."""
        key = (level, tuple(layers or self.layer_names), locks)
        if key not in self._views:
            self._views[key] = self._view(level, list(key[1]), locks)
        return self._views[key].copy()

    def _view(self, level: str, names: list[str], locks: bool) -> pd.DataFrame:
        h = self.replay.hierarchy
        for name in names:
            self.require_layer(name)
        if level == ITEM:
            keys = np.array(h.items, dtype=object)
        elif level == TOTAL:
            keys = np.full(len(h.items), TOTAL, dtype=object)
        elif level in h.groups:
            keys = h.groups[level]
        else:
            raise OverrideError(rules.level_error(level, h.levels) or f"no level {level!r}")
        out = pd.DataFrame(
            {
                "key": np.repeat(keys, len(h.periods)),
                "period": np.tile(np.array(h.periods, dtype=object), len(h.items)),
            }
        )
        columns = list(names)
        for name in names:
            out[name] = self.replay.values[name].reshape(-1)
        if locks:
            for name in names:
                held = self.replay.locks.get(name)
                out[f"{name}_locked"] = (
                    np.zeros(len(out), np.int64)
                    if held is None
                    else held.reshape(-1).astype(np.int64)
                )
            columns += [f"{name}_locked" for name in names]
        return out.groupby(["key", "period"], sort=True)[columns].sum().reset_index()

    def log(self) -> pd.DataFrame:
        """The override (assumption) log: one row per override, in the order applied."""
        conflicts = {id(ov): msg for ov, msg in self.replay.conflicts}
        gone = withdrawals(self.overrides)
        rows = [
            {
                "id": ov.id,
                "layer": ov.layer,
                "level": ov.level,
                "key": ov.key,
                "period": ov.period,
                "to_period": ov.to_period,
                "kind": ov.kind,
                "value": ov.value,
                "split": ov.split,
                "locked": ov.locked,
                "author": ov.author,
                "role": ov.role,
                "reason": ov.reason,
                "comment": ov.comment,
                "event": ov.event,
                "source": ov.source,
                "carried_from": ov.carried_from,
                "created_at": ov.created_at,
                "conflict": conflicts.get(id(ov)),
                "withdrawn_by": gone.get(ov.id)
                if ov.id is not None and ov.id in gone and ov.kind != WITHDRAW
                else None,
            }
            for ov in self.overrides
        ]
        df = pd.DataFrame(rows, columns=LOG_COLUMNS)
        # an id or None, not a float with NaN for "not withdrawn"
        df["withdrawn_by"] = pd.Series(
            [r["withdrawn_by"] for r in rows], index=df.index, dtype=object
        )
        return df

    def effects(self) -> pd.DataFrame:
        """Each cell an override changed, with the override's layer, author, reason, event."""
        eff = self.replay.effects.copy()
        ovs = self.overrides
        for col in ("layer", "author", "reason", "event"):
            eff[col] = [getattr(ovs[n], col) for n in eff["override"]]
        eff["override_id"] = [ovs[n].id for n in eff["override"]]
        eff["cycle"] = self.cycle
        return eff.drop(columns="override")


@dataclass
class OverrideResult:
    """What an override did (or would do, in a preview)."""

    override: Override
    effects: pd.DataFrame  # item, period, before, after
    # the plan with the override applied (no JSON form: read it with the plan's own views)
    plan: DemandPlan = field(metadata={"json": False})
    stored: bool = False


@dataclass
class CarriedOverrides:
    """What a new cycle's draft took over from the last approved demand plan before it."""

    based_on: str | None  # that plan's cycle (None: there is none)
    carried: list[Override] = field(default_factory=list)  # clipped to the new horizon
    expired: list[tuple[Override, str]] = field(default_factory=list)  # not carried, and why


# --- the rules of the review -------------------------------------------------------------


def plan_layers(wb: Workbook) -> tuple[Layer, ...]:
    """The editable layers the workbook configures (the default chain without a table)."""
    return editable_layers(wb.table("demand_layers") if wb.has("demand_layers") else None)


def approver_role(wb: Workbook) -> str:
    """The role that approves (and sends back) demand plans: setting ``approver_role``."""
    return wb.setting("approver_role") or DEFAULT_APPROVER


def layer_order(layers: Sequence[Layer], names: Sequence[str]) -> list[str]:
    """Stored layer names in chain order: statistical, the configured layers in order, then
    any layer no longer configured (alphabetically)."""
    configured = [STATISTICAL, *(lay.name for lay in layers)]
    rank = {n: k for k, n in enumerate(configured)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def editable(plan: DemandPlan) -> None:
    """FrozenError unless the plan is a draft."""
    if plan.status == APPROVED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is approved and frozen; "
            "it cannot change. The next cycle starts a new draft from it"
        )
    if plan.status == SUBMITTED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is submitted for approval; "
            "an approver can send it back to draft with `snop demand reject`"
        )


def approvable(plan: DemandPlan) -> None:
    """FrozenError unless the plan waits for approval."""
    if plan.status == APPROVED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is already approved (by "
            f"{plan.record.get('approved_by')} on "
            f"{plan.record.get('approved_at')}); it cannot change"
        )
    if plan.status != SUBMITTED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is a draft; submit it "
            "first (`snop demand submit`)"
        )


def rejectable(plan: DemandPlan) -> None:
    """FrozenError unless the plan waits for approval (only then can it be sent back)."""
    if plan.status != SUBMITTED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is {plan.status}; only a "
            "submitted plan can be sent back"
        )


def no_longer_apply(what: str, broken: Sequence[tuple[Override, str]], fix: str) -> OverrideError:
    """The refusal of a change that would make ``broken`` overrides stop applying."""
    return OverrideError(
        f"{what} would make "
        + "; ".join(
            f"override {o.id or '-'} ({o.describe()}) no longer apply: {msg}" for o, msg in broken
        )
        + f"; {fix}"
    )


def newly_broken(before: Replay, after: Replay) -> list[tuple[Override, str]]:
    """The conflicts of ``after`` that ``before`` did not have (a change below can break
    an override above it: a later layer's delta goes negative)."""
    old = {id(ov) for ov, _ in before.conflicts}
    return [(o, msg) for o, msg in after.conflicts if id(o) not in old]


def with_remedies(rep: Replay) -> Replay:
    """Each conflict says how to get rid of it: a logged override is withdrawn by its id, a
    row of the workbook's overrides table by removing it from the workbook."""
    rep.conflicts = [
        (
            ov,
            msg
            + (
                f"; withdraw it with `snop demand override delete {ov.id}`"
                if ov.id is not None
                else "; remove its row from the workbook's overrides table and "
                "import the workbook again"
            ),
        )
        for ov, msg in rep.conflicts
    ]
    return rep


def baseline_matrix(cycle: str, h: Hierarchy, rows: pd.DataFrame) -> np.ndarray:
    """The stored statistical layer (item, period, qty) as items x periods of ``h``; cells
    it lacks are 0, rows outside ``h`` are ignored."""
    if rows.empty:
        raise NotFoundError(
            f"cycle {cycle} has no statistical baseline yet; run `snop forecast` first"
        )
    out = np.zeros((len(h.items), len(h.periods)))
    item_at = {it: n for n, it in enumerate(h.items)}
    period_at = {p: n for n, p in enumerate(h.periods)}
    for item, period, qty in zip(rows["item"], rows["period"], rows["qty"], strict=True):
        i, p = item_at.get(item), period_at.get(period)
        if i is not None and p is not None:
            out[i, p] = qty
    return out


def frozen_replay(
    wb: Workbook,
    values: pd.DataFrame,
    groups: pd.DataFrame,
    effects: pd.DataFrame,
    logged: list[Override],
    chain: Sequence[str] | None = None,
) -> Replay:
    """An approved version as a Replay, from what was frozen: every layer's values (layer,
    item, period, qty), the groups it was approved with (item, level, value) and each
    override's effect (override_id, item, period, before, after), in the layer ``chain``
    approved. ``wb`` only orders the layers of a version frozen before the chain was
    kept, and groups one frozen before groups were recorded."""
    items = tuple(sorted(values["item"].unique()))
    periods = tuple(sorted(values["period"].unique(), key=lambda p: parse_period(p).ordinal))
    frozen = groups
    if frozen.empty:  # nothing recorded: group by today's items
        master = wb.items.set_index("item")
        frozen = pd.DataFrame(
            [
                (i, lv, master.at[i, lv])
                for lv in (FAMILY, *wb.attributes)
                for i in items
                if i in master.index
            ],
            columns=["item", "level", "value"],
        )
    wide = frozen.pivot(index="item", columns="level", values="value").reindex(list(items))
    by_level = {str(level): wide[level].fillna("").astype(str).to_numpy() for level in wide.columns}
    h = Hierarchy(
        items, periods, by_level, np.ones((len(items), len(periods)), bool), np.zeros(len(items))
    )
    layer_values = {}
    for name, part in values.groupby("layer", sort=False):
        grid = part.pivot(index="item", columns="period", values="qty")
        layer_values[str(name)] = (
            grid.reindex(index=list(items), columns=list(periods)).fillna(0.0).to_numpy()
        )
    at = {ov.id: n for n, ov in enumerate(logged)}
    known = effects[effects["override_id"].isin(list(at))]
    eff = pd.DataFrame(
        {
            "override": [at[i] for i in known["override_id"]],
            "item": known["item"].tolist(),
            "period": known["period"].tolist(),
            "before": known["before"].tolist(),
            "after": known["after"].tolist(),
        },
        columns=["override", "item", "period", "before", "after"],
    )
    # the order approved; a version approved before the order was kept: today's order
    names = list(chain) if chain else layer_order(plan_layers(wb), list(layer_values))
    live = in_force(logged)
    return Replay(h, tuple(names), layer_values, eff, [], live, lock_masks(h, names, live))


def carry_over(
    h: Hierarchy, layers: Sequence[Layer], based_on: str, logged: Sequence[Override]
) -> tuple[list[Override], list[tuple[Override, str]]]:
    """The overrides of the approved plan of ``based_on`` a new draft over ``h`` takes:
    those in force that reach into its horizon, clipped to it (source ``carried``), and
    the ones it leaves with the reason. Workbook rows are neither: the workbook's table
    applies to every cycle by itself."""
    first, last = parse_period(h.periods[0]), parse_period(h.periods[-1])
    carried: list[Override] = []
    expired: list[tuple[Override, str]] = []
    for ov in in_force(logged):
        if ov.source == "workbook":
            continue
        lo = max(parse_period(ov.period), first, key=lambda p: p.ordinal)
        hi = min(parse_period(ov.to_period), last, key=lambda p: p.ordinal)
        if hi.ordinal < lo.ordinal:
            expired.append(
                (ov, f"all in the past (up to {ov.to_period}, the horizon starts {first.label})")
            )
            continue
        moved = replace(
            ov.with_period(lo.label, hi.label), source="carried", carried_from=based_on, id=None
        )
        try:
            check_override(h, layers, moved)
        except OverrideError as exc:  # its item, family or layer no longer exists
            expired.append((ov, str(exc)))
            continue
        carried.append(moved)
    return carried, expired


# --- the workbook's overrides table -------------------------------------------------------


_LEVEL_ORDER = {TOTAL: 0, FAMILY: 2, ITEM: 3}  # attributes are 1: coarse to fine


def workbook_overrides(wb: Workbook, layers: tuple[Layer, ...], imported: str) -> list[Override]:
    """The workbook's ``overrides`` table as overrides, coarse to fine within each layer."""
    if not wb.has("overrides"):
        return []
    roles = {lay.name: lay.role for lay in layers}
    out = []
    for r in wb.with_defaults("overrides").to_dict("records"):
        kind = next((k for k in ("qty", "delta", "pct") if _given(r[k])), "qty")
        value = float(r[kind]) if _given(r[kind]) else float("nan")
        out.append(
            Override(
                layer=str(r["layer"]),
                level=str(r["level"]),
                key=_text(r["key"]),
                period=str(r["period"]),
                to_period=_text(r["to_period"]) or str(r["period"]),
                kind=kind,
                value=value,
                split=_text(r["split"]) or "proportional",
                locked=_text(r["lock"]) == "yes",
                author=_text(r["author"]) or "workbook",
                role=_text(r["role"]) or roles.get(str(r["layer"]), ""),
                reason=_text(r["reason"]),
                comment=_text(r["comment"]) or None,
                event=_text(r["event"]) or None,
                source="workbook",
                created_at=imported,
            )
        )
    return sorted(
        out,
        key=lambda o: (
            _LEVEL_ORDER.get(o.level, 1),
            o.layer,
            o.level,
            o.key,
            o.period,
            o.to_period,
        ),
    )


def _given(v: object) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v))


def _text(v: object) -> str:
    return "" if not _given(v) else str(v).strip()
