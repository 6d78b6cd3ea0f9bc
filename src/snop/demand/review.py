"""The demand review of a cycle in the store: open the plan, override, submit, approve.

A cycle's demand plan (named by its first planning period) is a draft until the consensus
owner submits it and a role allowed to approve approves it. Approval freezes it: every
layer's values and each override's effect are copied into the store and read back from
there ever after, so an approved version never changes. The next cycle's draft starts from
the last approved one: its overrides that reach into the new horizon are carried over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from snop.demand.config import (
    DEFAULT_APPROVER,
    FAMILY,
    ITEM,
    STATISTICAL,
    TOTAL,
    UNLOCK,
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
    replay,
    text_error,
    withdrawals,
)
from snop.errors import ConflictError, NotFoundError, SnopError
from snop.model.periods import parse_period
from snop.model.vocabulary import PlanStatus
from snop.model.workbook import Workbook
from snop.store.db import write_transaction
from snop.store.tables import (
    demand_effect,
    demand_override,
    demand_plan,
    demand_version,
    demand_version_group,
    forecast,
)
from snop.store.workbook_repo import get_meta, load_workbook

DRAFT, SUBMITTED, APPROVED = PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED


class FrozenError(SnopError):
    """A change to a demand plan that is submitted or approved."""


class NotAllowed(SnopError):
    """A role doing what it may not: edit another role's layer, approve without the right."""


@dataclass
class DemandPlan:
    """One cycle's demand plan: its status, layers, override log and every layer's values."""

    cycle: str
    status: str
    based_on: str | None
    layers: tuple[Layer, ...]  # the editable layers, in order
    approver_role: str
    overrides: list[Override]  # in the order they apply
    replay: Replay
    record: dict[str, object]

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
        raise OverrideError(
            f"layer {name!r} does not exist; the layers are " + ", ".join(self.layer_names)
        )

    def frame(self, layer: str) -> pd.DataFrame:
        """One layer by item and period: item, period, qty."""
        if layer not in self.replay.values:
            raise NotFoundError(
                f"layer {layer!r} does not exist; the layers are " + ", ".join(self.layer_names)
            )
        return self.replay.frame(layer)

    def view(
        self, level: str = ITEM, layers: Sequence[str] | None = None, *, locks: bool = False
    ) -> pd.DataFrame:
        """Layers summed to ``level`` (item, family, total or an attribute): key, period,
        one column per layer. Every level is the sum of the items below it, so top-down and
        bottom-up views add up by construction. With ``locks``, a column ``LAYER_locked``
        per layer counts the locked items of each row (0 or 1 at item level)."""
        h = self.replay.hierarchy
        names = list(layers or self.layer_names)
        for name in names:
            self.frame(name)  # raises for unknown layers
        if level == ITEM:
            keys = np.array(h.items, dtype=object)
        elif level == TOTAL:
            keys = np.full(len(h.items), TOTAL, dtype=object)
        elif level in h.groups:
            keys = h.groups[level]
        else:
            raise OverrideError(
                f"level {level!r} is not a level; use one of " + ", ".join(h.levels)
            )
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
        df = pd.DataFrame(
            rows,
            columns=[
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
            ],
        )
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


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- reading -----------------------------------------------------------------------------


def open_plan(
    engine: Engine, cycle: str | None = None, *, wb: Workbook | None = None
) -> DemandPlan:
    """The demand plan of ``cycle`` (default: the store's current cycle).

    The current cycle's draft is created on first use, starting from the last approved plan.
    ``wb`` is the stored workbook when the caller has already loaded it.
    """
    wb = wb or _workbook(engine)
    current = wb.first_period.label
    cycle = cycle or current
    with engine.connect() as conn:
        record = _record(conn, cycle)
        if record is not None:
            return _load(conn, wb, cycle, record)
    if cycle != current:
        raise NotFoundError(f"cycle {cycle} has no demand plan; the current cycle is {current}")
    # first use: create the draft under the write lock, unless a command running at the
    # same time created it first
    with write_transaction(engine) as conn:
        record = _record(conn, cycle) or _create_draft(conn, wb, cycle)
        return _load(conn, wb, cycle, record)


def _workbook(engine: Engine | Connection) -> Workbook:
    wb = load_workbook(engine)
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    return wb


def _record(conn: Connection, cycle: str) -> dict[str, object] | None:
    row = (
        conn.execute(sa.select(demand_plan).where(demand_plan.c.cycle == cycle)).mappings().first()
    )
    return None if row is None else dict(row)


def _layers(wb: Workbook) -> tuple[Layer, ...]:
    return editable_layers(wb.table("demand_layers") if wb.has("demand_layers") else None)


def _approver(wb: Workbook) -> str:
    return wb.setting("approver_role") or DEFAULT_APPROVER


def _load(conn: Connection, wb: Workbook, cycle: str, record: dict[str, object]) -> DemandPlan:
    layers = _layers(wb)
    status = str(record["status"])
    logged = _log_entries(conn, cycle)
    if status == APPROVED:
        rep = _frozen_replay(conn, wb, cycle, logged)
        overrides = logged
    else:
        # a draft reads the workbook's overrides live; submission copies them into the log,
        # so importing another workbook cannot change a plan under review
        from_workbook = (
            []
            if status == SUBMITTED
            else _workbook_overrides(wb, layers, get_meta(conn, "imported_at") or "")
        )
        overrides = [*from_workbook, *logged]
        h = Hierarchy.from_workbook(wb, _cycle_periods(wb, cycle))
        rep = _with_remedies(replay(h, _baseline(conn, cycle, h), layers, overrides))
    based = record.get("based_on")
    return DemandPlan(
        cycle,
        status,
        None if based is None else str(based),
        layers,
        _approver(wb),
        overrides,
        rep,
        record,
    )


def _cycle_periods(wb: Workbook, cycle: str) -> list[str]:
    first = parse_period(cycle)
    return [(first + k).label for k in range(wb.horizon)]


def _baseline(conn: Connection, cycle: str, h: Hierarchy) -> np.ndarray:
    rows = conn.execute(
        sa.select(forecast.c.item, forecast.c.period, forecast.c.qty).where(
            forecast.c.cycle == cycle, forecast.c.layer == STATISTICAL
        )
    ).all()
    if not rows:
        raise NotFoundError(
            f"cycle {cycle} has no statistical baseline yet; run `snop forecast` first"
        )
    out = np.zeros((len(h.items), len(h.periods)))
    item_at = {it: n for n, it in enumerate(h.items)}
    period_at = {p: n for n, p in enumerate(h.periods)}
    for item, period, qty in rows:
        i, p = item_at.get(item), period_at.get(period)
        if i is not None and p is not None:
            out[i, p] = qty
    return out


def _from_row(r: dict[str, object]) -> Override:
    return Override(
        layer=str(r["layer"]),
        level=str(r["level"]),
        key=str(r["key"]),
        period=str(r["period"]),
        to_period=str(r["to_period"]),
        kind=str(r["kind"]),
        value=float(r["value"]),  # type: ignore[arg-type]
        split=str(r["split"]),
        locked=bool(r["locked"]),
        author=str(r["author"]),
        role=str(r["role"]),
        reason=str(r["reason"]),
        comment=_opt(r["comment"]),
        event=_opt(r["event"]),
        source=str(r["source"]),
        id=int(r["id"]),  # type: ignore[call-overload]
        carried_from=_opt(r["carried_from"]),
        created_at=str(r["created_at"]),
    )


def _opt(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


def _log_entries(conn: Connection, cycle: str) -> list[Override]:
    """Every entry of the cycle's override log, withdrawals (tombstones) included."""
    # workbook rows first (copied into the log at submission), then in the order entered
    rows = (
        conn.execute(
            sa.select(demand_override)
            .where(demand_override.c.cycle == cycle)
            .order_by(demand_override.c.id)
        )
        .mappings()
        .all()
    )
    ovs = [_from_row(dict(r)) for r in rows]
    return sorted(ovs, key=lambda o: o.source != "workbook")


def _logged(conn: Connection, cycle: str) -> list[Override]:
    """The cycle's overrides in force: without the withdrawn ones and the withdrawals."""
    return in_force(_log_entries(conn, cycle))


def _with_remedies(rep: Replay) -> Replay:
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


_LEVEL_ORDER = {TOTAL: 0, FAMILY: 2, ITEM: 3}  # attributes are 1: coarse to fine


def _workbook_overrides(wb: Workbook, layers: tuple[Layer, ...], imported: str) -> list[Override]:
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


def _frozen_replay(conn: Connection, wb: Workbook, cycle: str, logged: list[Override]) -> Replay:
    rows = conn.execute(
        sa.select(
            demand_version.c.layer,
            demand_version.c.item,
            demand_version.c.period,
            demand_version.c.qty,
        ).where(demand_version.c.cycle == cycle)
    ).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=["layer", "item", "period", "qty"])
    items = tuple(sorted(df["item"].unique()))
    periods = tuple(sorted(df["period"].unique(), key=lambda p: parse_period(p).ordinal))
    # the families and attributes the plan was approved with, not today's
    grows = conn.execute(
        sa.select(
            demand_version_group.c.item, demand_version_group.c.level, demand_version_group.c.value
        ).where(demand_version_group.c.cycle == cycle)
    ).all()
    frozen = pd.DataFrame([tuple(r) for r in grows], columns=["item", "level", "value"])
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
    groups = {str(level): wide[level].fillna("").astype(str).to_numpy() for level in wide.columns}
    h = Hierarchy(
        items, periods, groups, np.ones((len(items), len(periods)), bool), np.zeros(len(items))
    )
    values = {}
    for name, part in df.groupby("layer", sort=False):
        wide = part.pivot(index="item", columns="period", values="qty")
        values[str(name)] = (
            wide.reindex(index=list(items), columns=list(periods)).fillna(0.0).to_numpy()
        )
    erows = (
        conn.execute(sa.select(demand_effect).where(demand_effect.c.cycle == cycle))
        .mappings()
        .all()
    )
    at = {ov.id: n for n, ov in enumerate(logged)}
    eff = pd.DataFrame(
        [
            {
                "override": at[r["override_id"]],
                "item": r["item"],
                "period": r["period"],
                "before": r["before"],
                "after": r["after"],
            }
            for r in erows
            if r["override_id"] in at
        ],
        columns=["override", "item", "period", "before", "after"],
    )
    names = layer_order(wb, list(values))
    live = in_force(logged)
    return Replay(h, tuple(names), values, eff, [], live, lock_masks(h, names, live))


def layer_order(wb: Workbook, names: Sequence[str]) -> list[str]:
    """Stored layer names in chain order: statistical, the configured layers in order, then
    any layer no longer configured (alphabetically)."""
    configured = [STATISTICAL, *(lay.name for lay in _layers(wb))]
    rank = {n: k for k, n in enumerate(configured)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


# --- changing ----------------------------------------------------------------------------


def _create_draft(conn: Connection, wb: Workbook, cycle: str) -> dict[str, object]:
    """A new draft for the cycle, carrying the last approved plan's overrides forward."""
    previous = (
        conn.execute(sa.select(demand_plan.c.cycle).where(demand_plan.c.status == APPROVED))
        .scalars()
        .all()
    )
    earlier = [c for c in previous if parse_period(c).ordinal < parse_period(cycle).ordinal]
    based = max(earlier, key=lambda c: parse_period(c).ordinal) if earlier else None
    conn.execute(
        demand_plan.insert().values(cycle=cycle, status=DRAFT, based_on=based, created_at=now())
    )
    if based is not None:
        periods = _cycle_periods(wb, cycle)
        h = Hierarchy.from_workbook(wb, periods)
        layers = _layers(wb)
        first, last = parse_period(periods[0]), parse_period(periods[-1])
        for ov in _logged(conn, based):
            if ov.source == "workbook":
                continue  # the workbook's table applies to every cycle by itself
            lo = max(parse_period(ov.period), first, key=lambda p: p.ordinal)
            hi = min(parse_period(ov.to_period), last, key=lambda p: p.ordinal)
            if hi.ordinal < lo.ordinal:
                continue  # all in the past now
            moved = replace(
                ov.with_period(lo.label, hi.label), source="carried", carried_from=based, id=None
            )
            try:
                check_override(h, layers, moved)
            except OverrideError:
                continue  # its item, family or layer no longer exists
            _insert(conn, cycle, moved)
    return _record(conn, cycle) or {}


def _insert(conn: Connection, cycle: str, ov: Override) -> int:
    res = conn.execute(
        demand_override.insert().values(
            cycle=cycle,
            layer=ov.layer,
            level=ov.level,
            key=ov.key,
            period=ov.period,
            to_period=ov.to_period,
            kind=ov.kind,
            value=float(ov.value),
            split=ov.split,
            locked=ov.locked,
            author=ov.author,
            role=ov.role,
            reason=ov.reason,
            comment=ov.comment,
            event=ov.event,
            source=ov.source,
            carried_from=ov.carried_from,
            created_at=ov.created_at or now(),
        )
    )
    key = res.inserted_primary_key
    return int(key[0]) if key else 0


def _editable(plan: DemandPlan) -> None:
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


@dataclass
class OverrideResult:
    """What an override did (or would do, in a preview)."""

    override: Override
    effects: pd.DataFrame  # item, period, before, after
    plan: DemandPlan  # the plan with the override applied
    stored: bool


def add_override(engine: Engine, ov: Override, *, preview: bool = False) -> OverrideResult:
    """Apply one override to the current cycle's draft; with ``preview`` store nothing.

    The override must apply cleanly (its split respects locks, no demand goes negative) or
    OverrideError says why and nothing changes.
    """
    plan = open_plan(engine)
    _editable(plan)
    if ov.layer == STATISTICAL:
        check_override(plan.replay.hierarchy, plan.layers, ov)  # says why not
    owner = plan.layer(ov.layer)
    role = ov.role or owner.role
    if role != owner.role:
        raise NotAllowed(f"role {role} may not edit layer {ov.layer} (owned by role {owner.role})")
    ov = replace(ov, role=role, created_at=ov.created_at or now(), id=None)
    h = plan.replay.hierarchy
    baseline = plan.replay.values[STATISTICAL]
    overrides = [*plan.overrides, ov]
    rep = replay(h, baseline, plan.layers, overrides, strict_from=len(overrides) - 1)
    # a change below can break an override above it (a later layer's delta goes negative)
    before = {id(ov) for ov, _ in plan.replay.conflicts}
    broken = [(o, msg) for o, msg in rep.conflicts if id(o) not in before]
    if broken:
        raise OverrideError(
            f"{ov.describe()} would make "
            + "; ".join(
                f"override {o.id or '-'} ({o.describe()}) no longer apply: {msg}"
                for o, msg in broken
            )
            + "; change or remove that override first"
        )
    if ov.kind == UNLOCK and (rep.locks[ov.layer] == plan.replay.locks[ov.layer]).all():
        raise OverrideError(
            f"{ov.describe()}: nothing is locked there; only cells locked in "
            f"layer {ov.layer} or a layer before it can be unlocked"
        )
    eff = rep.effects[rep.effects["override"] == len(overrides) - 1].drop(columns="override")
    if not preview:
        with engine.begin() as conn:
            if plan_status(conn, plan.cycle) != DRAFT:  # submitted meanwhile
                raise FrozenError(f"the demand plan of cycle {plan.cycle} changed status")
            ov = replace(ov, id=_insert(conn, plan.cycle, ov))
        overrides[-1] = ov
    new_plan = replace(plan, overrides=overrides, replay=rep)
    return OverrideResult(ov, eff.reset_index(drop=True), new_plan, not preview)


def delete_override(
    engine: Engine,
    override_id: int,
    *,
    author: str,
    role: str | None = None,
    reason: str = "withdrawn",
    comment: str | None = None,
    source: str = "api",
) -> OverrideResult:
    """Withdraw override ``override_id`` from the current cycle's draft.

    The log is append-only: the withdrawal is a new entry (kind ``withdraw``, its value the
    withdrawn id) that the replay honours, so the log keeps who withdrew what and why. The
    owner role of the override's layer or the approver role may withdraw it. A withdrawal
    that would make another override stop applying is refused, like any other change.
    """
    plan = open_plan(engine)
    _editable(plan)
    gone = withdrawals(plan.overrides)
    target = next((o for o in plan.overrides if o.id == override_id and o.kind != WITHDRAW), None)
    if target is None:
        ids = [
            str(o.id)
            for o in plan.overrides
            if o.id is not None and o.kind != WITHDRAW and o.id not in gone
        ]
        raise NotFoundError(
            f"override {override_id} is not in the draft of cycle {plan.cycle}; its "
            f"overrides are {', '.join(ids) or 'none'} (`snop demand log`). A row of the "
            "workbook's overrides table is withdrawn by removing it from the workbook and "
            "importing the workbook again"
        )
    if override_id in gone:
        raise OverrideError(
            f"override {override_id} is already withdrawn (by entry {gone[override_id]} of the log)"
        )
    owners = {lay.name: lay.role for lay in plan.layers}
    allowed = [r for r in (owners.get(target.layer), plan.approver_role) if r]
    role = role or allowed[0]
    if role not in allowed:
        raise NotAllowed(
            f"role {role} may not withdraw override {override_id} of layer "
            f"{target.layer}; role {' or role '.join(allowed)} may"
        )
    if not reason.strip():
        raise OverrideError("a withdrawal needs a reason")
    tomb = replace(
        target,
        kind=WITHDRAW,
        value=float(override_id),
        locked=False,
        author=author,
        role=role,
        reason=reason,
        comment=comment,
        source=source,
        id=None,
        carried_from=None,
        created_at=now(),
    )
    problem = text_error(tomb)
    if problem:
        raise OverrideError(problem)
    overrides = [*plan.overrides, tomb]
    h = plan.replay.hierarchy
    rep = _with_remedies(replay(h, plan.replay.values[STATISTICAL], plan.layers, overrides))
    before = {id(o) for o, _ in plan.replay.conflicts}
    broken = [(o, msg) for o, msg in rep.conflicts if id(o) not in before]
    if broken:
        raise OverrideError(
            f"withdrawing override {override_id} would make "
            + "; ".join(
                f"override {o.id or '-'} ({o.describe()}) no longer apply: {msg}"
                for o, msg in broken
            )
            + "; withdraw or change that override first"
        )
    old, new = plan.replay.values[target.layer], rep.values[target.layer]
    changed = np.argwhere(old != new)
    undone = pd.DataFrame(
        [(h.items[i], h.periods[p], float(old[i, p]), float(new[i, p])) for i, p in changed],
        columns=["item", "period", "before", "after"],
    )
    with engine.begin() as conn:
        if plan_status(conn, plan.cycle) != DRAFT:  # submitted meanwhile
            raise FrozenError(f"the demand plan of cycle {plan.cycle} changed status")
        tomb = replace(tomb, id=_insert(conn, plan.cycle, tomb))
    overrides[-1] = tomb
    # what the withdrawal changed in the override's layer
    return OverrideResult(tomb, undone, replace(plan, overrides=overrides, replay=rep), True)


def submit(
    engine: Engine, *, author: str, role: str | None = None, note: str | None = None
) -> DemandPlan:
    """Submit the current draft for approval (by the consensus owner)."""
    seen = open_plan(engine)
    with write_transaction(engine) as conn:
        # checked again under the lock: an override stored meanwhile is part of what is
        # submitted, so it must apply too
        plan = _locked_plan(conn, seen)
        _editable(plan)
        owner = plan.layers[-1].role
        role = role or owner
        if role not in (owner, plan.approver_role):
            raise NotAllowed(
                f"role {role} may not submit the demand plan; the consensus "
                f"owner ({owner}) submits it"
            )
        if plan.replay.conflicts:
            lines = "; ".join(f"{ov.describe()}: {msg}" for ov, msg in plan.replay.conflicts)
            raise OverrideError(
                f"{len(plan.replay.conflicts)} override(s) no longer apply "
                f"and must be fixed before submitting: {lines}"
            )
        for ov in plan.overrides:
            if ov.id is None:  # the workbook's rows join the log
                _insert(conn, plan.cycle, ov)
        _set_status(
            conn,
            plan.cycle,
            DRAFT,
            status=SUBMITTED,
            submitted_by=author,
            submitted_at=now(),
            note=note,
        )
    return open_plan(engine, plan.cycle)


def reject(
    engine: Engine, *, author: str, role: str | None = None, note: str | None = None
) -> DemandPlan:
    """Send a submitted plan back to draft (by the approver)."""
    plan = open_plan(engine)
    if plan.status != SUBMITTED:
        raise FrozenError(
            f"the demand plan of cycle {plan.cycle} is {plan.status}; only a "
            "submitted plan can be sent back"
        )
    _approver_only(plan, role, "send the plan back")
    with write_transaction(engine) as conn:
        _expect_status(conn, plan.cycle, SUBMITTED)
        # back to a draft: the workbook's rows are read from the workbook again
        conn.execute(
            demand_override.delete().where(
                demand_override.c.cycle == plan.cycle, demand_override.c.source == "workbook"
            )
        )
        _set_status(
            conn, plan.cycle, SUBMITTED, status=DRAFT, note=note or f"sent back by {author}"
        )
    return open_plan(engine, plan.cycle)


def approve(
    engine: Engine, *, author: str, role: str | None = None, note: str | None = None
) -> DemandPlan:
    """Approve the submitted plan and freeze it as the cycle's version.

    The version frozen is the plan as read under the write lock, and the status changes
    from submitted to approved in the same transaction, so an approve racing another
    approve, a reject or an override either freezes exactly the submitted log or changes
    nothing and raises :class:`ConflictError`.
    """
    seen = open_plan(engine)
    if seen.status == APPROVED:
        raise FrozenError(
            f"the demand plan of cycle {seen.cycle} is already approved (by "
            f"{seen.record.get('approved_by')} on "
            f"{seen.record.get('approved_at')}); it cannot change"
        )
    if seen.status != SUBMITTED:
        raise FrozenError(
            f"the demand plan of cycle {seen.cycle} is a draft; submit it "
            "first (`snop demand submit`)"
        )
    role = _approver_only(seen, role, "approve the demand plan")
    with write_transaction(engine) as conn:
        plan = _locked_plan(conn, seen)
        _freeze(conn, plan)
        _set_status(
            conn,
            plan.cycle,
            SUBMITTED,
            status=APPROVED,
            approved_by=author,
            approved_role=role,
            approved_at=now(),
            note=note,
        )
    return open_plan(engine, plan.cycle)


def _approver_only(plan: DemandPlan, role: str | None, what: str) -> str:
    role = role or plan.approver_role
    if role != plan.approver_role:
        raise NotAllowed(
            f"role {role} may not {what}; only role {plan.approver_role} may "
            "(setting approver_role)"
        )
    return role


def cycles(engine: Engine) -> pd.DataFrame:
    """Every cycle's demand plan: cycle, status, based_on, approved_by, approved_at."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(demand_plan)).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows], columns=list(demand_plan.c.keys()))
    if df.empty:
        return df
    order = [parse_period(c).ordinal for c in df["cycle"]]
    return df.assign(_o=order).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def plan_status(conn: Connection, cycle: str) -> str | None:
    """The status of a cycle's demand plan (None when it has none), read under a lock on
    the plan: call it first in the transaction whose writes depend on the status, so a
    submit or approve cannot slip in between the read and the commit."""
    # a no-op update takes the write lock (SQLite) and the row lock (PostgreSQL) before
    # the read, unlike a SELECT, which SQLite cannot turn into a write lock later
    conn.execute(
        demand_plan.update().where(demand_plan.c.cycle == cycle).values(status=demand_plan.c.status)
    )
    return conn.execute(
        sa.select(demand_plan.c.status).where(demand_plan.c.cycle == cycle)
    ).scalar()


# --- status changes under the write lock -------------------------------------------------


def _locked_plan(conn: Connection, seen: DemandPlan) -> DemandPlan:
    """The plan read again inside a write transaction; ConflictError when its status is no
    longer the one the caller checked."""
    wb = _workbook(conn)
    record = _expect_status(conn, seen.cycle, seen.status)
    return _load(conn, wb, seen.cycle, record)


def _expect_status(conn: Connection, cycle: str, expected: str) -> dict[str, object]:
    record = _record(conn, cycle)
    if record is None or record["status"] != expected:
        raise _changed_meanwhile(cycle, record)
    return record


def _set_status(conn: Connection, cycle: str, expected: str, **values: object) -> None:
    """Compare-and-set: change the plan's status only if it is still ``expected``."""
    res = conn.execute(
        demand_plan.update()
        .where(demand_plan.c.cycle == cycle, demand_plan.c.status == expected)
        .values(**values)
    )
    if res.rowcount != 1:
        raise _changed_meanwhile(cycle, _record(conn, cycle))


def _changed_meanwhile(cycle: str, record: dict[str, object] | None) -> ConflictError:
    status = None if record is None else record["status"]
    if record is None:
        what = "removed meanwhile"
    elif status == APPROVED:
        what = f"approved meanwhile by {record.get('approved_by')}"
    elif status == SUBMITTED:
        what = f"submitted meanwhile by {record.get('submitted_by')}"
    else:
        what = f"sent back to draft meanwhile ({record.get('note') or 'no note'})"
    return ConflictError(f"the demand plan of cycle {cycle} was {what}; nothing was changed")


def _freeze(conn: Connection, plan: DemandPlan) -> None:
    """Copy every layer, the groups and each override's effect of ``plan`` into the store."""
    ids = {n: ov.id for n, ov in enumerate(plan.overrides)}  # all logged at submission
    rep = plan.replay
    conn.execute(demand_version.delete().where(demand_version.c.cycle == plan.cycle))
    for name in rep.layers:
        fr = rep.frame(name)
        conn.execute(
            demand_version.insert(),
            [
                {"cycle": plan.cycle, "layer": name, "item": i, "period": p, "qty": float(q)}
                for i, p, q in zip(fr["item"], fr["period"], fr["qty"], strict=True)
            ],
        )
    h = rep.hierarchy
    conn.execute(
        demand_version_group.insert(),
        [
            {"cycle": plan.cycle, "item": item, "level": level, "value": str(keys[n])}
            for level, keys in h.groups.items()
            for n, item in enumerate(h.items)
        ],
    )
    eff = rep.effects
    if not eff.empty:
        conn.execute(
            demand_effect.insert(),
            [
                {
                    "cycle": plan.cycle,
                    "override_id": ids[int(o)],
                    "item": i,
                    "period": p,
                    "before": float(b),
                    "after": float(a),
                }
                for o, i, p, b, a in zip(
                    eff["override"],
                    eff["item"],
                    eff["period"],
                    eff["before"],
                    eff["after"],
                    strict=True,
                )
            ],
        )
