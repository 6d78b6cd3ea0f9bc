"""Who may change which layer of the demand plan, and the vocabulary of overrides."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from snop.model.vocabulary import Level, OverrideKind

STATISTICAL = "statistical"
DEFAULT_APPROVER = "executive"

# Short names of the vocabulary's members (a StrEnum member equals its string).
# Fixed levels (snop.model.vocabulary.Level); any items attribute column is a level too, so
# the names are typed as the str a level is in general (a dict keyed by them takes any level).
ITEM: str = Level.ITEM
FAMILY: str = Level.FAMILY
TOTAL: str = Level.TOTAL
# The amounts: a new quantity, a change in units or percent, in the workbook's column order.
KINDS = tuple(k for k in OverrideKind if k.is_amount)
# Kinds that change no value: an unlock frees the locked cells of its scope from its layer on;
# a withdrawal (its value is the withdrawn override's id) is the log's tombstone of a deletion.
UNLOCK, WITHDRAW = OverrideKind.UNLOCK, OverrideKind.WITHDRAW
# A percent change beyond +1,000% (eleven times the demand) is a typing mistake or a job for
# a new quantity (qty); -100% is the floor (no demand).
MIN_PCT, MAX_PCT = -100.0, 1000.0
SPLITS = ("proportional", "equal", "history")
LAYER_SPLIT = "layer:"  # split by another layer's mix: "layer:statistical"
HISTORY_PERIODS = 12  # the `history` split uses the mix of the last 12 periods' sales


@dataclass(frozen=True)
class Layer:
    """A layer of the demand plan and the role that owns (edits) it."""

    name: str
    role: str


DEFAULT_LAYERS = (
    Layer("sales", "sales"),
    Layer("marketing", "marketing"),
    Layer("consensus", "demand_planner"),
)


def editable_layers(table: pd.DataFrame | None) -> tuple[Layer, ...]:
    """The layers after the statistical baseline, in order: the workbook's ``demand_layers``
    table sorted by position, else the default sales -> marketing -> consensus."""
    if table is None or table.empty:
        return DEFAULT_LAYERS
    rows = table.sort_values(["position", "layer"], kind="stable")
    return tuple(Layer(str(r.layer), str(r.role)) for r in rows.itertuples(index=False))
