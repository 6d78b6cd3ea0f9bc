"""Use cases of the demand review step: read a cycle's demand plan, override, withdraw,
submit, send back, approve, list the plans, and the forecast value added of approved ones.

Each use case is one transaction: it reads, checks and writes inside the same
``uow.write()`` (which holds the store's write lock from its first read), and every status
change is compare-and-set besides, so an approve racing a reject or a new override either
freezes exactly the log it read or changes nothing. A cycle's draft is created when the
cycle opens (:func:`start_draft`, called by the cycle service); reading never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from snop.cycle.model import Cycle
from snop.cycle.workflow import DEMAND_REVIEW
from snop.demand import rules
from snop.demand.accuracy import FvaReport, fva_of, judged_cycle
from snop.demand.config import FAMILY, ITEM, STATISTICAL, TOTAL, UNLOCK, WITHDRAW
from snop.demand.replay import (
    Hierarchy,
    Override,
    OverrideError,
    Replay,
    check_override,
    replay,
    replay_appended,
    text_error,
    withdrawals,
)
from snop.demand.review import (
    APPROVED,
    DRAFT,
    SUBMITTED,
    CarriedOverrides,
    DemandPlan,
    FrozenError,
    OverrideResult,
    PlanRecord,
    approvable,
    approver_role,
    baseline_matrix,
    carry_over,
    editable,
    frozen_replay,
    newly_broken,
    no_longer_apply,
    plan_layers,
    rejectable,
    with_remedies,
    workbook_overrides,
)
from snop.errors import NotAllowed, NotFoundError, SnopError, StaleValue
from snop.learning.kpis import layer_fva
from snop.model.periods import parse_period
from snop.model.vocabulary import PlanStatus
from snop.model.workbook import Workbook
from snop.services.context import (
    Actor,
    Tx,
    UnitOfWork,
    current_cycle,
    cycle_workbook,
    now,
    stored_workbook,
)
from snop.services.steps import stale_after
from snop.store.workbook_repo import get_meta

__all__ = [
    "CarriedOverrides",
    "DemandGrid",
    "DemandPlan",
    "DemandSummary",
    "FrozenError",
    "OverrideResult",
    "PlanRecord",
    "add_override",
    "approve",
    "delete_override",
    "demand_grid",
    "demand_plan",
    "demand_summary",
    "demand_version",
    "fva_report",
    "override_log",
    "override_of",
    "plans",
    "read_plan",
    "reject",
    "start_draft",
    "submit",
    "summary_of",
]


# --- inside the cycle service's transaction -----------------------------------------------


SELF_APPROVAL = "allow_self_approval"  # the setting that lets a submitter approve


def start_draft(tx: Tx, wb: Workbook, cycle: Cycle) -> CarriedOverrides:
    """Create ``cycle``'s draft demand plan (``wb``: the workbook as the cycle plans on it),
    carrying the in-force overrides of the last approved plan before it, clipped to the
    new horizon. Nothing happens when the cycle already has its plan."""
    if tx.demand.record(cycle.period) is not None:
        return CarriedOverrides(None)
    based = tx.demand.last_approved_before(cycle.period)
    tx.demand.create(cycle.period, based, now())
    if based is None:
        return CarriedOverrides(None)
    h = Hierarchy.from_workbook(wb, cycle.periods)
    carried, expired = carry_over(h, plan_layers(wb), based, tx.demand.log(based))
    stored = [replace(ov, id=tx.demand.insert_override(cycle.period, ov)) for ov in carried]
    return CarriedOverrides(based, stored, expired)


def read_plan(tx: Tx, cycle: Cycle, wb: Workbook) -> DemandPlan:
    """The demand plan of ``cycle`` (``wb``: the workbook as the cycle plans on it).

    An approved plan is read back from its frozen version. A draft reads the workbook's
    overrides table live (submission copies it into the log, so importing another workbook
    cannot change a plan under review) and replays the log over the cycle's baseline.
    """
    record = tx.demand.record(cycle.period)
    if record is None:
        raise NotFoundError(
            f"cycle {cycle.period} has no demand plan record; it is created when the "
            "cycle opens (`snop cycle open`)"
        )
    layers = plan_layers(wb)
    status = PlanStatus(str(record["status"]))
    logged = tx.demand.log(cycle.period)
    if status == APPROVED:
        rep = _version_replay(tx, cycle.period, record, wb, logged)
        overrides = logged
    else:
        from_workbook = (
            workbook_overrides(wb, layers, tx.demand.imported_at()) if status == DRAFT else []
        )
        overrides = [*from_workbook, *logged]
        h = Hierarchy.from_workbook(wb, cycle.periods)
        base = baseline_matrix(cycle.period, h, tx.demand.baseline(cycle.period))
        rep = with_remedies(replay(h, base, layers, overrides))
    based = record.get("based_on")
    return DemandPlan(
        cycle.period,
        status,
        None if based is None else str(based),
        layers,
        approver_role(wb),
        overrides,
        rep,
        record,
    )


def _version_replay(
    tx: Tx, cycle: str, record: dict[str, object], wb: Workbook, logged: list[Override]
) -> Replay:
    """The frozen version of ``cycle``'s approved plan as a Replay. An approval is written
    once, so the replay is built once per store and approval (and workbook revision: old
    versions take their layer order and groups from it) and shared by later reads."""

    def build() -> Replay:
        frozen = tx.demand.frozen(cycle)
        return frozen_replay(wb, frozen.values, frozen.groups, frozen.effects, logged, frozen.chain)

    if tx.writable:  # only what is committed is kept: this transaction may yet roll back
        return build()
    key = ("demand version", cycle, record.get("approved_at"), get_meta(tx.conn, "revision"))
    return replace(tx.versions.get(key, build))  # a copy: a reader may set its conflicts


# --- reading ------------------------------------------------------------------------------


def demand_plan(uow: UnitOfWork, actor: Actor, cycle: str | None = None) -> DemandPlan:
    """The demand plan of ``cycle`` (a period label; default: the current cycle)."""
    with uow.read() as tx:
        return live_plan(tx, _cycle(tx, cycle))


def live_plan(tx: Tx, cycle: Cycle) -> DemandPlan:
    """:func:`read_plan` of ``cycle`` on its own workbook, kept by the unit of work until
    the store's next write (replaying a draft's log is most of the cost of a grid read or
    an override; many planners read between writes). Shared: never change it. In a write
    transaction, read it before the transaction's own writes."""
    key = _live_key(cycle.period, tx.write_revision)
    return tx.versions.get(key, lambda: read_plan(tx, cycle, cycle_workbook(tx, cycle)))


def _live_key(cycle: str, revision: str | None) -> tuple[str, str, str | None]:
    return ("demand plan", cycle, revision)


def demand_version(uow: UnitOfWork, actor: Actor, cycle: str) -> DemandPlan:
    """The approved (frozen) demand plan of ``cycle``; NotFoundError for a cycle that does
    not exist or whose plan is not approved."""
    with uow.read() as tx:
        c = _cycle(tx, cycle)
        record = tx.demand.record(c.period)
        if record is None or record["status"] != APPROVED:
            approved = [r.cycle for r in tx.demand.plans() if r.status == APPROVED]
            status = "no demand plan" if record is None else f"a {record['status']} demand plan"
            raise NotFoundError(
                f"cycle {c.period} has {status}, not an approved version; approved "
                "versions: " + (", ".join(approved) or "none yet")
            )
        return read_plan(tx, c, stored_workbook(tx))


def plans(uow: UnitOfWork, actor: Actor) -> list[PlanRecord]:
    """Every cycle's demand plan record (status, who submitted and approved it), oldest
    first."""
    with uow.read() as tx:
        return tx.demand.plans()


@dataclass
class DemandSummary:
    """A demand plan at a glance: its status record, its layers and who owns each, the
    levels and periods it can be read and changed at, and its log's counts."""

    cycle: str
    status: PlanStatus
    record: PlanRecord
    layers: list[dict[str, str]]  # name, role (the statistical layer: no role edits it)
    approver_role: str
    consensus_owner: str
    levels: list[str]
    periods: list[str]
    overrides: int  # in force
    withdrawn: int
    conflicts: list[str]


def demand_summary(uow: UnitOfWork, actor: Actor, cycle: str | None = None) -> DemandSummary:
    """The status record and layers of ``cycle``'s demand plan (default: the current one)."""
    return summary_of(demand_plan(uow, actor, cycle))


def summary_of(plan: DemandPlan) -> DemandSummary:
    """``plan`` at a glance (what :func:`submit`, :func:`approve` and :func:`reject` left)."""
    names = {f.name for f in fields(PlanRecord)}
    record = PlanRecord(
        **{
            **{k: v for k, v in plan.record.items() if k in names},  # type: ignore[arg-type]
            "status": plan.status,
        }
    )
    log = plan.log()
    withdrawn = int(log["withdrawn_by"].notna().sum())
    return DemandSummary(
        plan.cycle,
        plan.status,
        record,
        [{"name": STATISTICAL, "role": ""}]
        + [{"name": lay.name, "role": lay.role} for lay in plan.layers],
        plan.approver_role,
        plan.layers[-1].role,
        list(plan.replay.hierarchy.levels),
        list(plan.periods),
        int((log["kind"] != WITHDRAW).sum()) - withdrawn,
        withdrawn,
        [f"{ov.describe()}: {msg}" for ov, msg in plan.replay.conflicts],
    )


@dataclass
class DemandGrid:
    """The demand plan at one level over a span of periods: one row per key and period,
    one column per layer and, per layer, ``LAYER_locked``, the number of locked items in
    the row (the review grid)."""

    cycle: str
    status: PlanStatus
    level: str
    layers: list[str]
    periods: list[str]
    rows: pd.DataFrame


def demand_grid(
    uow: UnitOfWork,
    actor: Actor,
    *,
    level: str = FAMILY,
    key: str | None = None,
    layers: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    cycle: str | None = None,
) -> DemandGrid:
    """``cycle``'s demand plan (default: the current one) summed to ``level`` (item,
    family, total or an items attribute), only ``key`` when given, the ``layers`` asked
    (default: all, in chain order), from period ``start`` to ``end`` (default: the
    horizon). Read in one transaction."""
    plan = demand_plan(uow, actor, cycle)
    h = plan.replay.hierarchy
    lo = h.period_index(start, "from") if start else 0
    hi = h.period_index(end, "to") if end else len(h.periods) - 1
    if hi < lo:
        raise SnopError(f"to {end} is before from {start}; give a range forwards")
    names = list(layers or plan.layer_names)
    view = plan.view(level, names, locks=True)
    if key is not None:
        view = view[view["key"] == (TOTAL if level == TOTAL else key)]
        if view.empty:
            known = sorted(h.keys(level))
            shown = ", ".join(known[:12]) + (
                f" ... ({len(known)} in all)" if len(known) > 12 else ""
            )
            raise NotFoundError(f"{level} {key!r} is not in the demand plan; the keys: {shown}")
    periods = list(h.periods[lo : hi + 1])
    rows = view[view["period"].isin(periods)].reset_index(drop=True)
    return DemandGrid(plan.cycle, plan.status, level, names, periods, rows)


def override_log(uow: UnitOfWork, actor: Actor, cycle: str | None = None) -> pd.DataFrame:
    """``cycle``'s override (assumption) log, withdrawals included, in the order applied
    (:meth:`DemandPlan.log`)."""
    return demand_plan(uow, actor, cycle).log()


def fva_report(uow: UnitOfWork, actor: Actor, cycle: str | None = None) -> FvaReport:
    """Forecast value added of ``cycle`` (default: the latest approved cycle whose periods
    have actuals), with the lags of every approved cycle that has actuals."""
    with uow.read() as tx:
        wb = stored_workbook(tx)
        approved = [r.cycle for r in tx.demand.plans() if r.status == APPROVED]
        chosen, judged = judged_cycle(approved, wb.last_actual, cycle)
        frozen = {c: read_plan(tx, _cycle(tx, c), wb) for c in judged}
    report = fva_of(wb, frozen, chosen)
    report.tables["family"] = family_fva(wb, frozen[chosen], report.periods)
    return report


def family_fva(wb: Workbook, plan: DemandPlan, periods: list[str]) -> pd.DataFrame:
    """FVA per family judged at family level (item errors net out within the family, as
    S&OP judges a family) beside the mean of the family's item errors; WAPE, accuracy and
    FVA in percent (points). See :func:`snop.learning.kpis.layer_fva`."""
    chain = list(plan.layer_names)
    layers = pd.concat([plan.frame(n).assign(layer=n) for n in chain], ignore_index=True)
    layers = layers[layers["period"].isin(periods)]
    sales = wb.sales[wb.sales["period"].isin(periods)]
    sold = sales.groupby(["item", "period"], as_index=False).agg(qty=("qty", "sum"))
    items = wb.items[["item", "family"]]
    table = layer_fva(layers[layers["item"].isin(set(items["item"]))], sold, items, chain)
    points = ["wape", "accuracy", "item_wape", "item_accuracy", "fva", "item_fva"]
    return table.assign(**{c: table[c] * 100 for c in points})


def _cycle(tx: Tx, period: str | None) -> Cycle:
    if period is None:
        return current_cycle(tx)
    c = tx.cycles.get(parse_period(period).label)
    if c is None:
        now_open = tx.cycles.current()
        known = ", ".join(x.period for x in tx.cycles.all()) or "none yet"
        raise NotFoundError(
            f"cycle {period} has no demand plan; the current cycle is "
            f"{now_open.period if now_open else 'none'} (the cycles are {known})"
        )
    return c


# --- changing -----------------------------------------------------------------------------


def override_of(
    *,
    layer: str,
    level: str,
    period: str,
    kind: str,
    reason: str,
    value: float | None = None,
    key: str = "",
    to_period: str | None = None,
    split: str = "proportional",
    locked: bool = False,
    comment: str | None = None,
    event: str | None = None,
    source: str = "api",
) -> Override:
    """The change a door asks for, as an override (checked when applied): ``to_period``
    defaults to ``period``; an unlock takes no value; a withdrawal is not a change (it is
    asked by the override's id: :func:`delete_override`)."""
    if kind == WITHDRAW:
        raise OverrideError(
            "kind withdraw is not a change; withdraw an override by its id "
            "(`snop demand override delete ID`, DELETE /api/demand/overrides/ID)"
        )
    if kind == UNLOCK:
        value = 0.0
    elif value is None:
        raise OverrideError(f"an override of kind {kind} needs a value (qty, delta or pct)")
    return Override(
        layer=layer,
        level=level,
        key=key or "",
        period=period,
        to_period=to_period or period,
        kind=kind,
        value=float(value),
        split=split,
        locked=locked,
        reason=reason,
        comment=comment,
        event=event,
        source=source,
    )


def add_override(
    uow: UnitOfWork,
    actor: Actor,
    ov: Override,
    *,
    preview: bool = False,
    expected: float | None = None,
) -> OverrideResult:
    """Apply one override (by ``actor``, in the role that owns its layer) to the current
    cycle's draft; with ``preview`` store nothing.

    The override must apply cleanly (its split respects locks, no demand goes negative, no
    override above it stops applying) or OverrideError says why and nothing changes.
    ``expected``: the value of the override's cells in its layer (summed over its key and
    periods) as the author last saw it; if another change moved it since, StaleValue says
    what it is now and nothing changes (optimistic locking: no lost update).
    """
    with uow.read() if preview else uow.write() as tx:
        cycle = current_cycle(tx)
        plan = live_plan(tx, cycle)
        editable(plan)
        if ov.layer == STATISTICAL:
            check_override(plan.replay.hierarchy, plan.layers, ov)  # says why not
        owner = plan.layer(ov.layer)
        role = _role(
            actor,
            [owner.role],
            f"may not edit layer {ov.layer} (owned by role {owner.role})",
        )
        if expected is not None:  # after the role: a refusal says why, not that it moved
            _unchanged(plan, ov, expected)
        ov = replace(ov, author=actor.name, role=role, created_at=ov.created_at or now(), id=None)
        overrides = [*plan.overrides, ov]
        rep = replay_appended(plan.replay, plan.layers, overrides)
        broken = newly_broken(plan.replay, rep)
        if broken:
            raise no_longer_apply(ov.describe(), broken, "change or remove that override first")
        if ov.kind == UNLOCK and (rep.locks[ov.layer] == plan.replay.locks[ov.layer]).all():
            raise OverrideError(
                f"{ov.describe()}: nothing is locked there; only cells locked in "
                f"layer {ov.layer} or a layer before it can be unlocked"
            )
        eff = rep.effects[rep.effects["override"] == len(overrides) - 1].drop(columns="override")
        new_plan = replace(plan, overrides=overrides, replay=rep)
        if not preview:
            ov = replace(ov, id=tx.demand.insert_override(plan.cycle, ov))
            overrides[-1] = ov
            stale_after(tx, cycle.period, DEMAND_REVIEW)  # a supply plan made before is old
            _audit_change(tx, actor, "demand override", ov, ov, plan, new_plan)
            # the plan this write made is the live plan of the revision it commits: kept
            # before the commit, so no reader of that revision ever replays the log again
            # (tests/demand/test_live_plan.py checks it equals a fresh read)
            live = replace(new_plan, replay=with_remedies(rep))
            tx.versions.put(_live_key(cycle.period, tx.commit_revision), live)
    return OverrideResult(ov, eff.reset_index(drop=True), new_plan, not preview)


def delete_override(
    uow: UnitOfWork,
    actor: Actor,
    override_id: int,
    *,
    reason: str,
    comment: str | None = None,
    source: str = "api",
) -> OverrideResult:
    """Withdraw override ``override_id`` from the current cycle's draft.

    The log is append-only: the withdrawal is a new entry (kind ``withdraw``, its value the
    withdrawn id) that the replay honours, so the log keeps who withdrew what and why. The
    owner role of the override's layer or the approver role may withdraw it. A withdrawal
    that would make another override stop applying is refused, like any other change.
    The result's effects are what the withdrawal changed in the override's layer.
    """
    with uow.write() as tx:
        cycle = current_cycle(tx)
        plan = read_plan(tx, cycle, cycle_workbook(tx, cycle))
        editable(plan)
        target = _withdrawable(plan, override_id)
        owners = {lay.name: lay.role for lay in plan.layers}
        allowed = [r for r in (owners.get(target.layer), plan.approver_role) if r]
        role = _role(
            actor,
            allowed,
            f"may not withdraw override {override_id} of layer {target.layer}; role "
            f"{' or role '.join(allowed)} may",
        )
        if not reason.strip():
            raise OverrideError("a withdrawal needs a reason")
        tomb = replace(
            target,
            kind=WITHDRAW,
            value=float(override_id),
            locked=False,
            author=actor.name,
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
        rep = with_remedies(replay(h, plan.replay.values[STATISTICAL], plan.layers, overrides))
        broken = newly_broken(plan.replay, rep)
        if broken:
            raise no_longer_apply(
                f"withdrawing override {override_id}",
                broken,
                "withdraw or change that override first",
            )
        tomb = replace(tomb, id=tx.demand.insert_override(plan.cycle, tomb))
        overrides[-1] = tomb
        stale_after(tx, plan.cycle, DEMAND_REVIEW)
        new_plan = replace(plan, overrides=overrides, replay=rep)
        _audit_change(tx, actor, "demand withdraw", tomb, target, plan, new_plan)
    old, new = plan.replay.values[target.layer], rep.values[target.layer]
    undone = pd.DataFrame(
        [
            (h.items[i], h.periods[p], float(old[i, p]), float(new[i, p]))
            for i, p in np.argwhere(old != new)
        ],
        columns=["item", "period", "before", "after"],
    )
    return OverrideResult(tomb, undone, new_plan, True)


def _withdrawable(plan: DemandPlan, override_id: int) -> Override:
    """The logged override ``override_id`` of the draft, not yet withdrawn."""
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
    return target


def submit(uow: UnitOfWork, actor: Actor, *, note: str | None = None) -> DemandPlan:
    """Submit the current cycle's draft for approval (by the consensus owner, or the
    approver). Every override must still apply; the workbook's rows join the log."""
    with uow.write() as tx:
        cycle = current_cycle(tx)
        wb = cycle_workbook(tx, cycle)
        plan = read_plan(tx, cycle, wb)
        editable(plan)
        owner = plan.layers[-1].role
        _role(
            actor,
            [owner, plan.approver_role],
            f"may not submit the demand plan; the consensus owner ({owner}) submits it",
        )
        if plan.replay.conflicts:
            lines = "; ".join(f"{ov.describe()}: {msg}" for ov, msg in plan.replay.conflicts)
            raise OverrideError(
                f"{len(plan.replay.conflicts)} override(s) no longer apply "
                f"and must be fixed before submitting: {lines}"
            )
        for ov in plan.overrides:
            if ov.id is None:  # the workbook's rows join the log
                tx.demand.insert_override(plan.cycle, ov)
        tx.demand.set_status(
            plan.cycle,
            DRAFT,
            status=SUBMITTED,
            submitted_by=actor.name,
            submitted_at=now(),
            note=note,
        )
        _audit_status(tx, actor, "demand submit", plan.cycle, DRAFT, SUBMITTED, note)
        return read_plan(tx, cycle, wb)


def reject(uow: UnitOfWork, actor: Actor, *, note: str | None = None) -> DemandPlan:
    """Send the current cycle's submitted plan back to draft (by the approver)."""
    with uow.write() as tx:
        cycle = current_cycle(tx)
        wb = cycle_workbook(tx, cycle)
        plan = read_plan(tx, cycle, wb)
        rejectable(plan)
        _approver_only(actor, plan, "send the plan back")
        # back to a draft: the workbook's rows are read from the workbook again
        tx.demand.drop_workbook_entries(plan.cycle)
        tx.demand.set_status(
            plan.cycle, SUBMITTED, status=DRAFT, note=note or f"sent back by {actor.name}"
        )
        _audit_status(tx, actor, "demand reject", plan.cycle, SUBMITTED, DRAFT, note)
        return read_plan(tx, cycle, wb)


def approve(uow: UnitOfWork, actor: Actor, *, note: str | None = None) -> DemandPlan:
    """Approve the current cycle's submitted plan and freeze it as the cycle's version.

    What is frozen is the plan read in this transaction, and its status moves from
    submitted to approved in the same transaction (compare-and-set), so the version's
    values are always the replay of its own override log.
    """
    with uow.write() as tx:
        cycle = current_cycle(tx)
        wb = cycle_workbook(tx, cycle)
        plan = read_plan(tx, cycle, wb)
        approvable(plan)
        role = _approver_only(actor, plan, "approve the demand plan")
        _not_own_submission(tx, wb, actor, plan)
        tx.demand.set_status(
            plan.cycle,
            SUBMITTED,
            status=APPROVED,
            approved_by=actor.name,
            approved_role=role,
            approved_at=now(),
            note=note,
        )
        tx.demand.freeze(plan.cycle, plan.replay, [ov.id for ov in plan.overrides])
        _audit_status(tx, actor, "demand approve", plan.cycle, SUBMITTED, APPROVED, note)
        stale_after(tx, cycle.period, DEMAND_REVIEW)  # the supply review plans on it again
        return read_plan(tx, cycle, wb)


def cell_value(plan: DemandPlan, ov: Override) -> float:
    """The value of the cells ``ov`` changes, in its layer: its key at its level, summed
    over its periods (read off the replay's item x period array: every write audits it
    twice, so it does not build the whole level's view)."""
    h = plan.replay.hierarchy
    plan.require_layer(ov.layer)  # NotFoundError naming the layers for an unknown one
    if ov.level == ITEM:
        rows = np.asarray(h.items, dtype=object) == ov.key
    elif ov.level == TOTAL:
        rows = np.ones(len(h.items), dtype=bool)
    elif ov.level in h.groups:
        rows = np.asarray(h.groups[ov.level], dtype=object) == ov.key
    else:
        raise OverrideError(rules.level_error(ov.level, h.levels) or f"no level {ov.level!r}")
    last = ov.to_period or ov.period
    cols = np.array([ov.period <= p <= last for p in h.periods], dtype=bool)
    return float(plan.replay.values[ov.layer][np.ix_(rows, cols)].sum())


def _audit_change(
    tx: Tx,
    actor: Actor,
    action: str,
    entry: Override,
    scope: Override,
    before: DemandPlan,
    after: DemandPlan,
) -> None:
    """Audit a log ``entry`` with the value of ``scope``'s cells (its key and periods, in
    its layer) before and after it."""
    tx.cycles.audit(
        entry.created_at or now(),
        actor.name,
        action,
        before.cycle,
        {
            "id": entry.id,
            "override": scope.id if entry.kind == WITHDRAW else entry.id,
            "change": scope.describe(),
            "role": entry.role,
            "reason": entry.reason,
            "comment": entry.comment,
            "before": cell_value(before, scope),
            "after": cell_value(after, scope),
        },
    )


def _audit_status(
    tx: Tx,
    actor: Actor,
    action: str,
    cycle: str,
    before: PlanStatus,
    after: PlanStatus,
    note: str | None,
) -> None:
    tx.cycles.audit(
        now(),
        actor.name,
        action,
        cycle,
        {"before": before.value, "after": after.value, "note": note},
    )


def _unchanged(plan: DemandPlan, ov: Override, expected: float) -> None:
    current = cell_value(plan, ov)
    if abs(current - expected) > 1e-6 * max(1.0, abs(current)):
        raise StaleValue(
            f"{ov.layer} {ov.level} {ov.key} {ov.period}"
            + (f"..{ov.to_period}" if ov.to_period and ov.to_period != ov.period else "")
            + f" was changed by someone else since you read it: it is now {current:,.2f}, "
            f"you saw {expected:,.2f}; nothing was changed",
            current,
            expected,
        )


def _not_own_submission(tx: Tx, wb: Workbook, actor: Actor, plan: DemandPlan) -> None:
    """Four eyes: in a store with users, whoever submitted the plan does not approve it,
    unless the setting allow_self_approval says yes. (A store without users is one
    planner's, who does every step.)"""
    if plan.record.get("submitted_by") != actor.name or tx.users.count() == 0:
        return
    if (wb.setting(SELF_APPROVAL) or "no").strip().lower() in ("yes", "true", "1"):
        return
    raise NotAllowed(
        f"{actor.name} submitted this plan and may not also approve it; another "
        f"{plan.approver_role} approves (or the setting {SELF_APPROVAL}=yes allows it)"
    )


def _approver_only(actor: Actor, plan: DemandPlan, what: str) -> str:
    return _role(
        actor,
        [plan.approver_role],
        f"may not {what}; only role {plan.approver_role} may (setting approver_role)",
    )


def _role(actor: Actor, allowed: list[str], refusal: str) -> str:
    """The role of ``allowed`` ``actor`` acts in (:meth:`Actor.role_for`: with no roles
    declared, the first); NotAllowed "role R <refusal>" otherwise."""
    try:
        return actor.role_for(allowed, refusal)
    except NotAllowed:
        raise NotAllowed(f"role {', '.join(sorted(actor.roles))} {refusal}") from None
