"""Strategic initiatives' effects: the ``scenario_deltas`` rows of approved initiatives,
each limited to its initiative's periods (start to end, within the plan)."""

from __future__ import annotations

import pandas as pd

from snop.scenario.deltas import DEMAND_KINDS, Delta, deltas_of

APPROVED = "approved"


def initiative_deltas(
    initiatives: pd.DataFrame,
    deltas: pd.DataFrame,
    periods: list[str],
    *,
    demand: bool,
    status: str = APPROVED,
) -> list[Delta]:
    """The deltas of the initiatives with ``status``: those on demand (``demand``) or the
    others. A delta's period range is cut to its initiative's start..end; one that falls
    outside the plan is left out."""
    if initiatives.empty or deltas.empty or not periods:
        return []
    chosen = initiatives[initiatives["status"].fillna("proposed") == status]
    out = []
    for rec in chosen.to_dict("records"):
        start = max(str(rec["start_period"]), periods[0])
        end = min(str(rec["end_period"] or periods[-1]), periods[-1])
        if start > end:
            continue
        for d in deltas_of(deltas, str(rec["initiative"])):
            if (d.kind in DEMAND_KINDS) != demand:
                continue
            first = max(d.period or start, start)
            last = min(d.to_period or (d.period if d.period else end), end)
            if first <= last:
                out.append(Delta(**{**d.__dict__, "period": first, "to_period": last}))
    return out


def approved_codes(initiatives: pd.DataFrame) -> list[str]:
    """The codes of the approved initiatives, sorted."""
    if initiatives.empty:
        return []
    return sorted(initiatives.loc[initiatives["status"] == APPROVED, "initiative"].astype(str))
