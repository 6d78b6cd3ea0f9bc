"""Use cases of strategic initiatives: add one with its effect (deltas), list them, and the
executive's decision to approve (it then applies to the plan) or defer it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from snop.errors import ConflictError, NotFoundError, SnopError
from snop.model.periods import PeriodError, parse_period
from snop.model.vocabulary import Role
from snop.scenario.deltas import (
    Delta,
    DeltaError,
    delta_problems,
    deltas_frame,
    deltas_of,
    named,
)
from snop.scenario.initiatives import APPROVED
from snop.services.context import Actor, UnitOfWork, current_cycle, now, stored_workbook
from snop.services.finance import plan_basis

DEFERRED = "deferred"
PROPOSED = "proposed"


@dataclass
class Initiative:
    code: str
    description: str | None
    owner: str
    start: str
    end: str | None
    status: str
    effects: list[str]  # the deltas in words


def add_initiative(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    *,
    owner: str,
    start: str,
    end: str | None,
    description: str | None,
    effects: list[Delta],
) -> Initiative:
    """Record a proposed initiative and its effects (checked against the current cycle;
    refused with the reason, nothing stored)."""
    for label in (start, end):
        if label is not None:
            try:
                parse_period(label)
            except PeriodError as exc:
                raise SnopError(f"initiative {code}: {exc}") from None
    if end is not None and end < start:
        raise SnopError(f"initiative {code}: end {end} is before start {start}")
    if not effects:
        raise SnopError(f"initiative {code}: give its effect (at least one change)")
    with uow.write() as tx:
        wb = stored_workbook(tx)
        if code in set(wb.table("initiatives")["initiative"]) or code in tx.scenarios.names():
            raise ConflictError(f"{code} already names an initiative or a scenario")
        basis = plan_basis(tx)
        rows = named(effects, code, list(basis.cycle.periods))
        problems = delta_problems(basis.workbook, rows, list(basis.cycle.periods))
        if problems:
            raise DeltaError(f"initiative {code}: " + "; ".join(problems))
        row = pd.DataFrame(
            [{"initiative": code, "description": description, "owner": owner,
              "start_period": start, "end_period": end, "status": PROPOSED}]
        )  # fmt: skip
        tx.initiatives.add(row)
        tx.scenarios.add(deltas_frame(rows))
        detail = {"initiative": code, "owner": owner, "effects": [d.describe() for d in rows]}
        tx.cycles.audit(now(), actor.name, "initiative added", basis.cycle.period, detail)
    return Initiative(code, description, owner, start, end, PROPOSED, [d.describe() for d in rows])


def list_initiatives(uow: UnitOfWork, actor: Actor) -> list[Initiative]:
    with uow.read() as tx:
        wb = stored_workbook(tx)
    deltas = wb.table("scenario_deltas")
    return [
        Initiative(
            str(r["initiative"]),
            r.get("description"),
            str(r["owner"]),
            str(r["start_period"]),
            r.get("end_period"),
            str(r.get("status") or PROPOSED),
            [d.describe() for d in deltas_of(deltas, str(r["initiative"]))],
        )
        for r in wb.table("initiatives").to_dict("records")
    ]


def decide_initiative(uow: UnitOfWork, actor: Actor, code: str, *, approve: bool) -> Initiative:
    """The executive approves an initiative (it applies to the plan from the next supply
    review) or defers it; compare-and-set, audited."""
    actor.require(Role.EXECUTIVE.value, f"{'approve' if approve else 'defer'} an initiative")
    new = APPROVED if approve else DEFERRED
    with uow.write() as tx:
        table = stored_workbook(tx).table("initiatives")
        hit = table[table["initiative"] == code]
        if hit.empty:
            have = ", ".join(table["initiative"]) or "none yet (`snop initiative add`)"
            raise NotFoundError(f"there is no initiative {code}; the initiatives are {have}")
        old = hit["status"].iloc[0]
        old = None if old is None or (isinstance(old, float) and old != old) else str(old)
        if (old or PROPOSED) == new:
            raise ConflictError(f"initiative {code} is already {new}")
        if (old or PROPOSED) not in (PROPOSED, DEFERRED, APPROVED):
            raise ConflictError(f"initiative {code} is {old}; only a proposed, deferred or "
                                "approved one can be approved or deferred")  # fmt: skip
        if not tx.initiatives.set_status(code, old, new):
            raise ConflictError(f"initiative {code} changed meanwhile; look again")
        cycle = current_cycle(tx)
        tx.cycles.audit(now(), actor.name, f"initiative {new}", cycle.period, {"initiative": code})
    found = [i for i in list_initiatives(uow, actor) if i.code == code]
    return found[0]
