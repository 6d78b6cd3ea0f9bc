"""The actuals tables (actual_production, actual_inventory, actual_workers), the time fence
families.frozen_periods and the setting step_due_days: typed, checked against the rest of the
workbook, each mistake one line naming file, row, column and what is valid."""

from __future__ import annotations

from pathlib import Path

from snop.io import check_workbook
from snop.model.limits import MAX_QUANTITY
from tests.workbooks import SMALL, write_small

GOOD = {
    "actual_production": "family,period,qty\nF1,2026-10,180\nF2,2026-10,25.5\n",
    "actual_inventory": "family,period,on_hand,backlog\nF1,2026-10,95,\nF2,2026-10,,3\n",
    "actual_workers": "pool,period,workers\nP1,2026-10,2\n",
}


def _families(frozen: tuple[str, str]) -> str:
    """SMALL's families table with a frozen_periods column (F1, F2 values as written)."""
    head, f1, f2 = SMALL["families"].strip().splitlines()
    return f"{head},frozen_periods\n{f1},{frozen[0]}\n{f2},{frozen[1]}\n"


def _errors(
    tmp_path: Path, changes: dict[str, str]
) -> dict[tuple[str, int | None, str | None], str]:
    result = check_workbook(write_small(tmp_path / "wb", changes))
    return {(p.source, p.row, p.column): str(p) for p in result.errors}


def test_actuals_and_a_fence_are_typed(tmp_path: Path) -> None:
    result = check_workbook(
        write_small(tmp_path / "wb", {**GOOD, "families": _families(("2", ""))})
    )
    assert result.errors == []
    wb = result.workbook
    assert wb is not None
    prod = wb.table("actual_production")
    assert prod["qty"].tolist() == [180.0, 25.5]
    inv = wb.table("actual_inventory").set_index("family")
    assert inv.loc["F1", "on_hand"] == 95 and inv["backlog"].isna()["F1"]
    assert inv.loc["F2", "backlog"] == 3 and inv["on_hand"].isna()["F2"]
    assert wb.table("actual_workers")["workers"].tolist() == [2.0]
    fam = wb.families_with_defaults()
    assert fam["frozen_periods"].tolist() == [2.0, 0.0]  # blank: the default 0, no fence
    # the fence has no per-period value: family_periods does not vary it
    assert "frozen_periods" not in wb.period_values("families", wb.planning_periods)


def test_every_actuals_mistake_is_one_line_with_its_place(tmp_path: Path) -> None:
    changes = {
        "actual_production": (
            "family,period,qty\nF1,2026-10,180\nF9,2026-10,1\nF1,2026-10,7\n"
            "F2,2026-Q3,5\nF2,2026-09,-1\nF2,2026-08,nan\n"
        ),
        "actual_inventory": (
            f"family,period,on_hand,backlog\nF1,2026-10,,\nF2,2026-10,{MAX_QUANTITY * 10:.0f},\n"
        ),
        "actual_workers": "pool,period,workers\nP2,2026-10,2\nP1,2026-13,1\n",
    }
    errors = _errors(tmp_path, changes)
    assert errors == {
        ("actual_production.csv", 3, "family"): (
            "actual_production.csv row 3, column family: 'F9': is not a family; families are named by the items table's family column"
        ),
        ("actual_production.csv", 4, "family + period"): (
            "actual_production.csv row 4, column family + period: 'F1 / 2026-10': repeats "
            "row 2 (family + period must be unique)"
        ),
        ("actual_production.csv", 5, "period"): (
            "actual_production.csv row 5, column period: '2026-Q3': is not a month: one "
            "workbook uses one granularity, and this one is in months (e.g. 2027-03)"
        ),
        ("actual_production.csv", 6, "qty"): (
            "actual_production.csv row 6, column qty: '-1.0': is out of range; expected a "
            "number >= 0"
        ),
        ("actual_production.csv", 7, "qty"): (
            "actual_production.csv row 7, column qty: 'nan': is not a finite number; "
            "expected a number >= 0"
        ),
        ("actual_inventory.csv", 2, "on_hand"): (
            "actual_inventory.csv row 2, column on_hand: is blank, and so is backlog; give the "
            "units on hand, the backlog or both at the end of the period (or remove the row)"
        ),
        ("actual_inventory.csv", 3, "on_hand"): errors[("actual_inventory.csv", 3, "on_hand")],
        ("actual_workers.csv", 2, "pool"): (
            "actual_workers.csv row 2, column pool: 'P2': is not a workforce pool; pools are listed in the workforce table"
        ),
        ("actual_workers.csv", 3, "period"): errors[("actual_workers.csv", 3, "period")],
    }
    too_big = errors[("actual_inventory.csv", 3, "on_hand")]
    assert "no real units is that large" in too_big
    assert "is not a period" in errors[("actual_workers.csv", 3, "period")]
    assert all("\n" not in e for e in errors.values())


def test_a_fence_is_a_whole_number_of_periods(tmp_path: Path) -> None:
    errors = _errors(tmp_path, {"families": _families(("1.5", "-1"))})
    assert errors == {
        ("families.csv", 2, "frozen_periods"): (
            "families.csv row 2, column frozen_periods: '1.5': is not a whole number; "
            "expected a whole number >= 0"
        ),
        ("families.csv", 3, "frozen_periods"): (
            "families.csv row 3, column frozen_periods: '-1.0': is out of range; expected "
            "a whole number >= 0"
        ),
    }


def test_a_fence_is_not_a_per_period_value(tmp_path: Path) -> None:
    fp = "family,period,frozen_periods\nF1,2027-01,2\n"
    errors = _errors(tmp_path, {"family_periods": fp})
    [(where, text)] = errors.items()
    assert where == ("family_periods.csv", 1, "frozen_periods")
    assert "'frozen_periods' is not a column of family_periods" in text
    assert "frozen_periods" not in text.split("valid numeric columns of families: ")[1]


def test_step_due_days_is_checked_by_the_cycle_rule(tmp_path: Path) -> None:
    base = SMALL["settings"].rstrip("\n")
    ok = check_workbook(
        write_small(
            tmp_path / "ok",
            {"settings": base + '\nstep_due_days,"demand_review=5, supply_review=8"\n'},
        )
    )
    assert ok.errors == [] and ok.workbook is not None
    assert ok.workbook.setting("step_due_days") == "demand_review=5, supply_review=8"
    row = len(SMALL["settings"].strip().splitlines()) + 1
    for value, why in (
        ("demand_reveiw=5", "'demand_reveiw=5' is not STEP=DAY; the steps are data, forecast"),
        (
            "supply_review=40",
            "'supply_review=40': the day must be a working day number from 1 to 31",
        ),
    ):
        bad = check_workbook(
            write_small(tmp_path / value, {"settings": f"{base}\nstep_due_days,{value}\n"})
        )
        [p] = bad.errors
        assert (p.source, p.row, p.column, p.value) == ("settings.csv", row, "value", value)
        assert str(p).startswith(
            f"settings.csv row {row}, column value: '{value}': step_due_days: {why}"
        )


def test_an_unquoted_comma_in_a_csv_value_is_reported_not_dropped(tmp_path: Path) -> None:
    base = SMALL["settings"].rstrip("\n")
    result = check_workbook(
        write_small(tmp_path / "wb", {"settings": f"{base}\nstep_due_days,data=2, forecast=3\n"})
    )
    row = len(SMALL["settings"].strip().splitlines()) + 1
    assert [str(p) for p in result.errors] == [
        f"settings.csv row {row}: has 1 value(s) beyond the 2 columns the header names "
        "(first: 'forecast=3'); a value that holds ',' must be in double quotes (\"a, b\")"
    ]
    # written with ; between the steps, the value needs no quotes
    ok = check_workbook(
        write_small(tmp_path / "ok", {"settings": f"{base}\nstep_due_days,data=2; forecast=3\n"})
    )
    assert ok.errors == [] and ok.workbook is not None
    assert ok.workbook.setting("step_due_days") == "data=2; forecast=3"
