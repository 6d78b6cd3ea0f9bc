"""The demand review in the store: plan records, the override log, frozen versions.

Every statement the demand review and its accuracy report run is here. A status change is
compare-and-set (``UPDATE ... WHERE status = :expected``, the row count checked), so a
change decided on a status another writer has changed since is refused, never applied.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.demand.config import STATISTICAL
from snop.demand.replay import Override, Replay
from snop.demand.review import APPROVED, SUBMITTED, PlanRecord
from snop.errors import ConflictError
from snop.model.periods import parse_period
from snop.model.vocabulary import PlanStatus
from snop.store.tables import (
    demand_effect,
    demand_override,
    demand_plan,
    demand_version,
    demand_version_group,
    forecast,
)
from snop.store.workbook_repo import get_meta

WORKBOOK = "workbook"  # the source of the log entries copied from the workbook's table


class FrozenRows(NamedTuple):
    """What an approval froze of a cycle's demand plan."""

    values: pd.DataFrame  # layer, item, period, qty
    groups: pd.DataFrame  # item, level, value
    effects: pd.DataFrame  # override_id, item, period, before, after
    chain: list[str] | None  # the layers in order (None: approved before it was kept)


class DemandRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- plan records ----------------------------------------------------------------------

    def record(self, cycle: str) -> dict[str, object] | None:
        """The cycle's plan record (a row of ``demand_plan``), None when it has none."""
        row = (
            self.conn.execute(sa.select(demand_plan).where(demand_plan.c.cycle == cycle))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    def plans(self) -> list[PlanRecord]:
        """Every cycle's plan record, oldest cycle first."""
        rows = self.conn.execute(sa.select(demand_plan)).mappings().all()
        out = [_plan_record(dict(r)) for r in rows]
        return sorted(out, key=lambda r: parse_period(r.cycle).ordinal)

    def last_approved_before(self, cycle: str) -> str | None:
        """The latest cycle before ``cycle`` whose demand plan is approved."""
        done = (
            self.conn.execute(
                sa.select(demand_plan.c.cycle).where(demand_plan.c.status == APPROVED.value)
            )
            .scalars()
            .all()
        )
        limit = parse_period(cycle).ordinal
        earlier = [c for c in done if parse_period(c).ordinal < limit]
        return max(earlier, key=lambda c: parse_period(c).ordinal) if earlier else None

    def create(self, cycle: str, based_on: str | None, created_at: str) -> None:
        """A new draft record for the cycle."""
        self.conn.execute(
            demand_plan.insert().values(
                cycle=cycle, status=PlanStatus.DRAFT.value, based_on=based_on, created_at=created_at
            )
        )

    def set_status(self, cycle: str, expected: PlanStatus, **values: Any) -> None:
        """Compare-and-set: change the plan's record only if its status is still
        ``expected``; ConflictError saying who changed it otherwise (nothing changed)."""
        vals = {k: (v.value if isinstance(v, PlanStatus) else v) for k, v in values.items()}
        res = self.conn.execute(
            demand_plan.update()
            .where(demand_plan.c.cycle == cycle, demand_plan.c.status == expected.value)
            .values(**vals)
        )
        if res.rowcount != 1:
            raise _changed_meanwhile(cycle, self.record(cycle))

    # --- the override log ------------------------------------------------------------------

    def log(self, cycle: str) -> list[Override]:
        """Every entry of the cycle's override log, withdrawals (tombstones) included:
        the workbook's rows first (copied into the log at submission), then in the order
        entered."""
        rows = (
            self.conn.execute(
                sa.select(demand_override)
                .where(demand_override.c.cycle == cycle)
                .order_by(demand_override.c.id)
            )
            .mappings()
            .all()
        )
        ovs = [_override(dict(r)) for r in rows]
        return sorted(ovs, key=lambda o: o.source != WORKBOOK)

    def insert_override(self, cycle: str, ov: Override) -> int:
        """Append ``ov`` to the cycle's log; its id."""
        res = self.conn.execute(
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
                created_at=ov.created_at,
            )
        )
        key = res.inserted_primary_key
        return int(key[0]) if key else 0

    def drop_workbook_entries(self, cycle: str) -> None:
        """Remove the workbook's rows from the cycle's log (a draft reads them live)."""
        self.conn.execute(
            demand_override.delete().where(
                demand_override.c.cycle == cycle, demand_override.c.source == WORKBOOK
            )
        )

    def imported_at(self) -> str:
        """When the stored workbook was last imported ('' before any import)."""
        return get_meta(self.conn, "imported_at") or ""

    # --- the statistical baseline ----------------------------------------------------------

    def baseline(self, cycle: str) -> pd.DataFrame:
        """The cycle's statistical layer: item, period, qty."""
        rows = self.conn.execute(
            sa.select(forecast.c.item, forecast.c.period, forecast.c.qty).where(
                forecast.c.cycle == cycle, forecast.c.layer == STATISTICAL
            )
        ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["item", "period", "qty"])

    # --- versions --------------------------------------------------------------------------

    def freeze(self, cycle: str, rep: Replay, ids: list[int | None]) -> None:
        """Copy every layer of ``rep``, its groups and each override's effect into the
        store as the cycle's version (``ids``: the log id of each override of the replay)."""
        self.conn.execute(demand_version.delete().where(demand_version.c.cycle == cycle))
        self.conn.execute(
            demand_plan.update()
            .where(demand_plan.c.cycle == cycle)
            .values(layers=json.dumps(list(rep.layers)))
        )
        for name in rep.layers:
            fr = rep.frame(name)
            self.conn.execute(
                demand_version.insert(),
                [
                    {"cycle": cycle, "layer": name, "item": i, "period": p, "qty": float(q)}
                    for i, p, q in zip(fr["item"], fr["period"], fr["qty"], strict=True)
                ],
            )
        h = rep.hierarchy
        rows = [
            {"cycle": cycle, "item": item, "level": level, "value": str(keys[n])}
            for level, keys in h.groups.items()
            for n, item in enumerate(h.items)
        ]
        if rows:
            self.conn.execute(demand_version_group.insert(), rows)
        eff = rep.effects
        if not eff.empty:
            self.conn.execute(
                demand_effect.insert(),
                [
                    {
                        "cycle": cycle,
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

    def frozen(self, cycle: str) -> FrozenRows:
        """What the approval of the cycle's plan froze."""
        v = demand_version
        values = self.conn.execute(
            sa.select(v.c.layer, v.c.item, v.c.period, v.c.qty).where(v.c.cycle == cycle)
        ).all()
        g = demand_version_group
        groups = self.conn.execute(
            sa.select(g.c.item, g.c.level, g.c.value).where(g.c.cycle == cycle)
        ).all()
        e = demand_effect
        effects = self.conn.execute(
            sa.select(e.c.override_id, e.c.item, e.c.period, e.c.before, e.c.after).where(
                e.c.cycle == cycle
            )
        ).all()
        chain = self.conn.execute(
            sa.select(demand_plan.c.layers).where(demand_plan.c.cycle == cycle)
        ).scalar()
        return FrozenRows(
            pd.DataFrame([tuple(r) for r in values], columns=["layer", "item", "period", "qty"]),
            pd.DataFrame([tuple(r) for r in groups], columns=["item", "level", "value"]),
            pd.DataFrame(
                [tuple(r) for r in effects],
                columns=["override_id", "item", "period", "before", "after"],
            ),
            None if chain is None else [str(n) for n in json.loads(chain)],
        )

    def version_rows(self, cycle: str) -> int:
        """How many values the cycle's version holds (0: nothing frozen)."""
        return int(
            self.conn.execute(
                sa.select(sa.func.count())
                .select_from(demand_version)
                .where(demand_version.c.cycle == cycle)
            ).scalar_one()
        )


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


def _opt(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


def _override(r: dict[str, Any]) -> Override:
    return Override(
        layer=str(r["layer"]),
        level=str(r["level"]),
        key=str(r["key"]),
        period=str(r["period"]),
        to_period=str(r["to_period"]),
        kind=str(r["kind"]),
        value=float(r["value"]),
        split=str(r["split"]),
        locked=bool(r["locked"]),
        author=str(r["author"]),
        role=str(r["role"]),
        reason=str(r["reason"]),
        comment=_opt(r["comment"]),
        event=_opt(r["event"]),
        source=str(r["source"]),
        id=int(r["id"]),
        carried_from=_opt(r["carried_from"]),
        created_at=str(r["created_at"]),
    )


def _plan_record(r: dict[str, Any]) -> PlanRecord:
    return PlanRecord(
        cycle=str(r["cycle"]),
        status=PlanStatus(r["status"]),
        based_on=_opt(r["based_on"]),
        created_at=str(r["created_at"]),
        submitted_by=_opt(r["submitted_by"]),
        submitted_at=_opt(r["submitted_at"]),
        approved_by=_opt(r["approved_by"]),
        approved_role=_opt(r["approved_role"]),
        approved_at=_opt(r["approved_at"]),
        note=_opt(r["note"]),
    )
