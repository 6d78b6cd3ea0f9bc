"""The steps of the monthly S&OP cycle, in order, with their owners and due dates.

One registry read alike by the CLI, the REST API and a scheduler. A step is *automatic*
when snop does its work (``snop cycle run`` runs those), otherwise it is a meeting or a
review whose owner signs it off. Every step needs its owner's sign-off before the
executives approve the cycle. Re-running a step makes every later step stale until it
runs (and is signed off) again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from snop.errors import SnopError
from snop.model.periods import Period
from snop.model.vocabulary import Role


@dataclass(frozen=True)
class StepDef:
    name: str
    title: str
    owner: Role
    automatic: bool
    due_day: int  # default due date: this working day of the cycle's first period


STEPS: tuple[StepDef, ...] = (
    StepDef("data", "Data: close last period's actuals", Role.DEMAND_PLANNER, True, 2),
    StepDef("forecast", "Statistical forecast", Role.DEMAND_PLANNER, True, 3),
    StepDef("demand_review", "Demand review: consensus demand plan", Role.DEMAND_PLANNER, False, 6),
    StepDef("supply_review", "Supply review: level, chase, optimal", Role.SUPPLY_PLANNER, True, 9),
    StepDef("financial_review", "Financial review: the plan in money", Role.FINANCE, False, 11),
    StepDef("pre_sop", "Pre-S&OP: reconcile and prepare decisions", Role.SOP_LEADER, False, 13),
    StepDef("executive", "Executive S&OP: approve the plan", Role.EXECUTIVE, False, 15),
)
STEP_NAMES = tuple(s.name for s in STEPS)
EXECUTIVE = "executive"
DEMAND_REVIEW = "demand_review"
DUE_SETTING = "step_due_days"


def step(name: str) -> StepDef:
    for s in STEPS:
        if s.name == name:
            return s
    raise SnopError(f"{name!r} is not a step of the cycle; the steps are {', '.join(STEP_NAMES)}")


def later_steps(name: str) -> tuple[str, ...]:
    """The steps after ``name``: the ones its re-run makes stale."""
    return STEP_NAMES[STEP_NAMES.index(step(name).name) + 1 :]


def due_days(setting: str | None) -> dict[str, int]:
    """Working day each step is due: the defaults, overridden by the ``step_due_days``
    setting (``demand_review=5, supply_review=8``). Raises SnopError naming what is wrong."""
    days = {s.name: s.due_day for s in STEPS}
    problem = due_days_problem(setting)
    if problem:
        raise SnopError(f"setting {DUE_SETTING}: {problem}")
    for part in (setting or "").replace(";", ",").split(","):
        if part.strip():
            name, _, value = part.partition("=")
            days[name.strip()] = int(value.strip())
    return days


def due_days_problem(setting: str | None) -> str | None:
    """Why the ``step_due_days`` setting is not valid; None when it is (or is blank)."""
    for part in (setting or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq or name.strip() not in STEP_NAMES:
            return (
                f"{part.strip()!r} is not STEP=DAY; the steps are {', '.join(STEP_NAMES)}, "
                "e.g. demand_review=5, supply_review=8"
            )
        v = value.strip()
        if not v.isdigit() or not 1 <= int(v) <= 31:
            return f"{part.strip()!r}: the day must be a working day number from 1 to 31"
    return None


def working_day(first: date, n: int) -> date:
    """The ``n``-th Monday-to-Friday day on or after ``first`` (n >= 1)."""
    day, seen = first, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


def due_dates(period: Period, setting: str | None) -> dict[str, str]:
    """Each step's due date (ISO) in the cycle of ``period``."""
    return {name: working_day(period.start, n).isoformat() for name, n in due_days(setting).items()}
