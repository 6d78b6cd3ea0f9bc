"""One name, one concept: ``Hierarchy`` is the demand plan's item grid
(snop.demand.replay); the forecast's summing structure is ``Aggregation``
(snop.forecasting.reconciliation). Both see the same grouping of the items."""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict
from pathlib import Path

import snop
from snop.demand.replay import Hierarchy
from snop.forecasting.reconciliation import Aggregation, build_aggregation
from snop.io import check_workbook
from tests.workbooks import write_small


def test_one_class_is_called_hierarchy() -> None:
    defined: dict[str, set[str]] = defaultdict(set)
    root = Path(snop.__file__).parent
    for package in ("demand", "forecasting", "model"):  # snop.demand has no __init__.py
        for path in sorted((root / package).glob("*.py")):
            name = f"snop.{package}.{path.stem}".removesuffix(".__init__")
            module = importlib.import_module(name)
            for cls, obj in inspect.getmembers(module, inspect.isclass):
                if obj.__module__ == name:
                    defined[cls].add(name)
    assert defined["Hierarchy"] == {"snop.demand.replay"}
    assert defined["Aggregation"] == {"snop.forecasting.reconciliation"}


def test_plan_hierarchy_and_forecast_aggregation_group_items_alike(tmp_path: Path) -> None:
    wb = check_workbook(write_small(tmp_path / "wb")).workbook
    assert wb is not None
    h = Hierarchy.from_workbook(wb)
    attributes = wb.items.set_index("item")
    agg: Aggregation = build_aggregation(attributes, list(h.items), ["family", "category"])
    assert agg.levels == ["total", "family", "category"]
    for level, keys, member in zip(agg.levels[1:], agg.keys[1:], agg.member[1:], strict=True):
        # the aggregation's node of each item is the item's group in the plan hierarchy
        assert [keys[m] for m in member] == h.groups[level].tolist()
        # and a plan override at that node scopes exactly the items summed into it
        for node, key in enumerate(keys):
            assert h.scope(level, key).tolist() == (member == node).tolist()
    # by hand: A1 A2 in F1, B1 B2 in F2; A1 B1 small, A2 B2 large
    assert h.groups["family"].tolist() == ["F1", "F1", "F2", "F2"]
    assert h.groups["category"].tolist() == ["small", "large", "small", "large"]
