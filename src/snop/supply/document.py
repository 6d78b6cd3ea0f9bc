"""A supply plan as a JSON document and back: how drafts and versions keep every part of it.

The document holds the plan's status, diagnosis, costs and every frame (plan, workforce,
costs, capacity, constrained demand) as records, and the explanations. Floats keep every
digit, so a plan read back is the plan written (NaN is stored as null and read back as NaN
in number columns).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from snop.io.jsonable import jsonable
from snop.supply.explain import Explanation
from snop.supply.plan import SupplyPlan

FRAMES = ("plan", "workforce", "costs", "capacity", "constrained_demand")


def plan_document(plan: SupplyPlan) -> dict[str, Any]:
    """Everything a stored plan needs, as JSON values."""
    doc: dict[str, Any] = {
        "strategy": plan.strategy,
        "status": plan.status,
        "total_cost": jsonable(plan.total_cost),
        "integer_workforce": plan.integer_workforce,
        "target_penalty": jsonable(plan.target_penalty),
        "cost_breakdown": jsonable(plan.cost_breakdown()),
        "unmet_units": jsonable(plan.unmet_units),
        "diagnosis": list(plan.diagnosis),
        "explanations": [jsonable(e) for e in plan.explanations],
    }
    for name in FRAMES:
        frame: pd.DataFrame = getattr(plan, name)
        doc[name] = {
            "columns": [str(c) for c in frame.columns],
            "rows": jsonable(frame.to_numpy().tolist()),
        }
    return doc


def plan_from_document(doc: dict[str, Any]) -> SupplyPlan:
    """The :class:`SupplyPlan` a document was made of (timings are not kept)."""
    frames = {name: _frame(doc[name]) for name in FRAMES}
    total = doc["total_cost"]
    return SupplyPlan(
        strategy=str(doc["strategy"]),
        status=str(doc["status"]),
        total_cost=float("nan") if total is None else float(total),
        plan=frames["plan"],
        workforce=frames["workforce"],
        costs=frames["costs"],
        capacity=frames["capacity"],
        constrained_demand=frames["constrained_demand"],
        explanations=[Explanation(**e) for e in doc["explanations"]],
        diagnosis=[str(d) for d in doc["diagnosis"]],
        integer_workforce=bool(doc["integer_workforce"]),
        target_penalty=float(doc["target_penalty"] or 0.0),
    )


def _frame(part: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(part["rows"], columns=part["columns"], dtype=object)
    for c in df.columns:
        col = df[c]
        if len(col) and all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in col
        ):
            df[c] = pd.to_numeric(col.astype(float), errors="coerce")
        elif len(col) and all(isinstance(v, bool) for v in col):
            df[c] = col.astype(bool)
    return df
