"""What every use case is given: who acts (an :class:`Actor`) and where (a unit of work).

Services take ``(uow, actor, ...)`` and return typed results. The doors (CLI, demo, REST
API, web pages) build the actor from their own notion of a user and render the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from snop.cycle.model import Cycle
from snop.errors import NotAllowed, NotFoundError
from snop.model.workbook import Workbook
from snop.store.uow import Tx, UnitOfWork
from snop.store.workbook_repo import get_meta

__all__ = ["Actor", "NotAllowed", "Tx", "UnitOfWork", "current_cycle", "cycle_workbook", "now"]


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and the roles they act in.

    ``roles`` empty means the door did not say (a local CLI user): the service then acts in
    the role the action needs where the action has one obvious owner, and refuses where the
    role matters (signing off a step, approving a cycle) unless a role is given.
    """

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, name: str, *roles: str) -> Actor:
        return cls(name, frozenset(r for r in roles if r))

    def role_for(self, allowed: list[str] | tuple[str, ...], what: str) -> str:
        """The role this actor does ``what`` in: the first of ``allowed`` it holds (or, with
        no roles declared, the first allowed); NotAllowed otherwise."""
        if not allowed:
            raise NotAllowed(f"nobody may {what}")
        if not self.roles:
            return allowed[0]
        for role in allowed:
            if role in self.roles:
                return role
        raise NotAllowed(
            f"{self.name} (role {', '.join(sorted(self.roles))}) may not {what}; "
            f"role {' or '.join(allowed)} may"
        )

    def require(self, role: str, what: str) -> str:
        """``role`` when this actor declared it; NotAllowed naming the role otherwise."""
        if role in self.roles:
            return role
        held = f"role {', '.join(sorted(self.roles))}" if self.roles else "no role given"
        raise NotAllowed(f"{self.name} ({held}) may not {what}; role {role} does (--role {role})")


def now() -> str:
    """The time stamps of the store: UTC, to the second, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_cycle(tx: Tx) -> Cycle:
    """The store's current cycle (the latest not closed); NotFoundError when none is open."""
    c = tx.cycles.current()
    if c is None:
        if get_meta(tx.conn, "granularity") is None:
            raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
        raise NotFoundError(
            "no cycle is open; import a workbook (`snop import WORKBOOK`) or open one "
            "with `snop cycle open PERIOD`"
        )
    return c


def stored_workbook(tx: Tx) -> Workbook:
    wb = tx.workbook()
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    return wb


def cycle_workbook(tx: Tx, cycle: Cycle, *, initiatives: bool = True) -> Workbook:
    """The stored workbook as ``cycle`` plans on it: sales up to its actuals cut-off, its
    span, the opening inventory, backlog and workers it opened with, and the supply-side
    effects (capacity, workers, costs, subcontracting, prices) of the approved strategic
    initiatives (``initiatives=False``: without them, to measure what they add)."""
    from snop.cycle.rollforward import apply_openings

    wb = stored_workbook(tx).for_cycle(cycle.first, cycle.horizon)
    wb = apply_openings(wb, tx.cycles.openings(cycle.period))
    return with_initiatives(wb, list(cycle.periods)) if initiatives else wb


def with_initiatives(wb: Workbook, periods: list[str]) -> Workbook:
    """``wb`` with its approved initiatives' effects other than on demand."""
    from snop.scenario.deltas import apply_deltas
    from snop.scenario.initiatives import initiative_deltas

    if not wb.has("initiatives"):
        return wb
    deltas = initiative_deltas(
        wb.table("initiatives"), wb.table("scenario_deltas"), periods, demand=False
    )
    if not deltas:
        return wb
    empty = wb.table("sales").iloc[0:0][["item", "period", "qty"]]
    return apply_deltas(wb, empty, deltas, periods).workbook
