"""Bad money input: row-level errors for budgets and prices that cannot be compared with
the plan, warnings naming the items whose missing price or cost makes the money
incomplete."""

from __future__ import annotations

from pathlib import Path

from snop.io.problems import Severity
from snop.services.workbook import validate_workbook
from tests.workbooks import SMALL, write_small


def problems(tmp_path: Path, changes: dict[str, str]) -> list[str]:
    result = validate_workbook(write_small(tmp_path / "wb", changes))
    return [f"{p.severity.value}: {p}" for p in result.problems]


def test_budget_rows_outside_the_family_list_or_the_calendar_are_errors(tmp_path: Path) -> None:
    budget = "family,period,revenue,qty\nF1,2026-11,2000,180\nF9,2026-12,10,\nF1,2027-09,5,\n"
    found = problems(tmp_path, {"budget": budget})
    assert any("budget.csv row 3" in p and "F9" in p and "is not a family" in p for p in found)
    assert any(
        p.startswith("error")
        and "budget.csv row 4" in p
        and "not in the calendar" in p
        and "2026-11 to 2027-04" in p
        for p in found
    ), found


def test_prices_for_unknown_items_and_bad_fiscal_start_are_errors(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "prices": "item,period,unit_price\nA1,2027-01,11\nZZ,2027-01,3\n",
            "settings": SMALL["settings"] + "fiscal_year_start,13\n",
        },
    )
    assert any("prices.csv row 3" in p and "ZZ" in p and "is not an item" in p for p in found)
    assert any(
        "settings.csv row 4" in p and "fiscal_year_start must be a month" in p for p in found
    )
    assert not any("prices.csv row 2" in p for p in found)


def test_a_missing_price_or_cost_is_a_warning_naming_the_items(tmp_path: Path) -> None:
    items = (
        SMALL["items"]
        .replace("A2,F1,Widget L,12,7", "A2,F1,Widget L,,7")
        .replace("B2,F2,Gadget old,18,10", "B2,F2,Gadget old,18,")
    )
    result = validate_workbook(write_small(tmp_path / "wb", {"items": items}))
    assert result.ok
    warned = [str(p) for p in result.problems if p.severity is Severity.WARNING]
    assert any("unit_price is blank for 1 item(s): A2" in p for p in warned), warned
    assert any("unit_cost is blank for 1 item(s): B2" in p for p in warned), warned
