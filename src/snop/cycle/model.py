"""The cycle as data: a cycle, the state of its steps, what it opened with."""

from __future__ import annotations

from dataclasses import dataclass

from snop.model.periods import Period, parse_period
from snop.model.vocabulary import CycleStatus, DecisionStatus, StepStatus


@dataclass(frozen=True)
class Cycle:
    """One monthly cycle, named by its first planning period."""

    period: str
    status: CycleStatus
    horizon: int
    actuals_cutoff: str | None  # the last period of actuals it plans from
    based_on: str | None  # the approved cycle it rolled on from
    opened_by: str
    opened_at: str
    approved_by: str | None = None
    approved_at: str | None = None
    strategy: str | None = None  # the supply strategy the executives approved
    note: str | None = None
    closed_at: str | None = None

    @property
    def first(self) -> Period:
        return parse_period(self.period)

    @property
    def periods(self) -> list[str]:
        """The planning periods of the cycle."""
        return [(self.first + k).label for k in range(self.horizon)]


@dataclass(frozen=True)
class StepState:
    """Where one step of one cycle stands."""

    cycle: str
    step: str
    position: int
    owner: str
    status: StepStatus
    due: str | None = None
    ran_by: str | None = None
    ran_at: str | None = None
    signed_by: str | None = None
    signed_at: str | None = None
    note: str | None = None
    summary: str | None = None

    @property
    def signed(self) -> bool:
        return self.signed_by is not None

    @property
    def complete(self) -> bool:
        """Done and signed off by its owner."""
        return self.status is StepStatus.DONE and self.signed


@dataclass(frozen=True)
class Opening:
    """A starting value of a cycle: inventory or backlog of a family, workers of a pool."""

    measure: str  # inventory, backlog, workers
    key: str  # the family or pool
    value: float
    source: str  # actual, derived, projected, workbook


@dataclass(frozen=True)
class Decision:
    """A decision or action recorded at the executive step: what, who owns it, by when."""

    id: int
    cycle: str  # the cycle (version) it was taken in
    what: str
    owner: str  # a role
    due: str  # ISO date
    status: DecisionStatus
    created_by: str
    created_at: str
    closed_by: str | None = None
    closed_at: str | None = None
    closed_in: str | None = None  # the cycle it was closed in
    note: str | None = None
