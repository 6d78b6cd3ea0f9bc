"""Who may change which layer of the demand plan, and the vocabulary of overrides."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

STATISTICAL = "statistical"
DEFAULT_APPROVER = "executive"

# Fixed levels; any items attribute column is a level too.
ITEM, FAMILY, TOTAL = "item", "family", "total"
KINDS = ("qty", "delta", "pct")  # the amounts: a new quantity, a change in units or percent
# Kinds that change no value: an unlock frees the locked cells of its scope from its layer on;
# a withdrawal (its value is the withdrawn override's id) is the log's tombstone of a deletion.
UNLOCK, WITHDRAW = "unlock", "withdraw"
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


def split_error(split: str, layer: str, layers: tuple[Layer, ...]) -> str | None:
    """Why ``split`` is not a valid split for an override of ``layer``; None when it is.

    ``layer:NAME`` may name the statistical layer or a layer before ``layer`` (a later layer
    does not exist yet when this one is computed).
    """
    if split in SPLITS:
        return None
    if split.startswith(LAYER_SPLIT):
        other = split[len(LAYER_SPLIT) :]
        names = [STATISTICAL, *(lay.name for lay in layers)]
        before = names[: names.index(layer)] if layer in names else names
        if other in before:
            return None
        return (
            f"splits by layer {other!r}, which is not a layer before {layer!r}; use one "
            "of " + ", ".join(LAYER_SPLIT + n for n in before)
        )
    return "is not a split; use " + ", ".join(SPLITS) + " or layer:NAME (e.g. layer:statistical)"
