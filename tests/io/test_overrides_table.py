"""The overrides and demand_layers workbook tables: checked against items, sales and settings.

The small workbook plans 2026-11..2027-04 (sales end 2026-10, horizon 6). B1 launches
2026-12, B2 ends 2027-03; the items attribute ``category`` takes ``small`` and ``large``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.io import Severity, WorkbookInvalid, check_workbook
from snop.services.workbook import export_store, import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from tests.services import ME
from tests.workbooks import SMALL, write_small

HEADER = (
    "layer,level,key,period,to_period,qty,delta,pct,split,lock,author,role,reason,comment,event\n"
)
# In key order (layer, level, key, ...) and with every column used, as export writes it.
VALID = (
    HEADER
    + """consensus,family,F2,2027-03,2027-04,,5,,history,,,,launch,,
marketing,total,,2027-01,,,-20,,equal,,bob,marketing,price,,
sales,category,small,2026-12,2027-02,,,10,layer:statistical,yes,ann,,customer,,
sales,item,A1,2026-11,,150,,,,,ann,sales,promo,Black Friday,BF26
"""
)
FIRST_BAD_ROW = 6  # header + 4 valid rows

# One bad row per rule: (row, column, phrase of the message). Reasons keep the keys unique.
BAD: list[tuple[str, str, str]] = [
    (
        "statistical,item,A1,2026-11,,1,,,,,,,r1,,",
        "layer",
        "the statistical layer is the forecast's baseline and is not edited; override sales, "
        "marketing or consensus",
    ),
    ("sale,item,A1,2026-11,,1,,,,,,,r2,,", "layer", "did you mean 'sales'?"),
    ("sales,categroy,small,2026-11,,1,,,,,,,r3,,", "level", "did you mean 'category'?"),
    (
        "sales,item,A7,2026-11,,1,,,,,,,r4,,",
        "key",
        "item 'A7' does not exist; known: A1, A2, B1, B2",
    ),
    ("sales,family,F3,2026-11,,1,,,,,,,r5,,", "key", "family 'F3' does not exist; known: F1, F2"),
    ("sales,category,smal,2026-11,,1,,,,,,,r6,,", "key", "did you mean 'small'?"),
    ("sales,total,F1,2026-11,,1,,,,,,,r7,,", "key", "a total override has no key (got 'F1')"),
    ("sales,family,,2026-11,,1,,,,,,,r8,,", "key", "level family needs a key; known: F1, F2"),
    (
        "sales,item,A1,2027-05,,1,,,,,,,r9,,",
        "period",
        "is outside the planning horizon 2026-11..2027-04",
    ),
    (
        "sales,item,A1,2026-10,,1,,,,,,,r10,,",
        "period",
        "is outside the planning horizon 2026-11..2027-04",
    ),
    (
        "sales,item,A1,2027-01,2027-06,1,,,,,,,r11,,",
        "to_period",
        "is outside the planning horizon 2026-11..2027-04",
    ),
    (
        "sales,item,A1,2027-02,2027-01,1,,,,,,,r12,,",
        "to_period",
        "the range ends (2027-01) before it starts (2027-02)",
    ),
    ("sales,item,A1,2027-02,,,,,,,,,r13,,", "qty", "give one of qty, delta or pct"),
    ("sales,item,A1,2027-02,,1,,5,,,,,r14,,", "pct", "is given together with qty"),
    ("sales,item,A1,2027-02,,,3,5,,,,,r15,,", "pct", "is given together with delta"),
    ("sales,family,F1,2027-02,,1,,,propotional,,,,r16,,", "split", "is not a split; use"),
    (
        "sales,family,F1,2027-02,,1,,,layer:consensus,,,,r17,,",
        "split",
        "which is not a layer before 'sales'",
    ),
    (
        "sales,family,F1,2027-02,,1,,,,,,marketing,r18,,",
        "role",
        "role marketing may not edit layer sales (owned by role sales)",
    ),
    (
        "sales,item,B1,2026-11,,5,,,,,,,r19,,",
        "period",
        "item B1 does not sell in 2026-11: it launches 2026-12, no demand before its launch",
    ),
    (
        "sales,item,B2,2027-04,,,3,,,,,,r20,,",
        "period",
        "item B2 does not sell in 2027-04: it ends 2027-03, no demand after its end period",
    ),
    (
        "sales,item,B2,2027-02,2027-04,,,5,,,,,r21,,",
        "to_period",
        "item B2 does not sell in 2027-04: it ends 2027-03, no demand after its end period",
    ),
]


def _errors(folder: Path) -> dict[tuple[str, int | None, str | None], str]:
    result = check_workbook(folder)
    return {(p.source, p.row, p.column): str(p) for p in result.errors}


def test_valid_overrides_have_no_problems(tmp_path: Path) -> None:
    result = check_workbook(write_small(tmp_path / "wb", {"overrides": VALID}))
    assert result.problems == []
    wb = result.workbook
    assert wb is not None
    o = wb.table("overrides")
    assert list(o["level"]) == ["family", "total", "category", "item"]
    assert o["key"].iloc[1] is None and o["lock"].iloc[2] == "yes"


@pytest.mark.parametrize(("line", "column", "phrase"), BAD, ids=[b[0] for b in BAD])
def test_each_rule_names_row_column_and_what_is_valid(
    tmp_path: Path, line: str, column: str, phrase: str
) -> None:
    errors = _errors(write_small(tmp_path / "wb", {"overrides": VALID + line + "\n"}))
    assert list(errors) == [("overrides.csv", FIRST_BAD_ROW, column)], errors
    assert phrase in errors[("overrides.csv", FIRST_BAD_ROW, column)]


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    text = VALID + "".join(line + "\n" for line, _, _ in BAD)
    errors = _errors(write_small(tmp_path / "wb", {"overrides": text}))
    expected = {
        ("overrides.csv", FIRST_BAD_ROW + i, column): phrase
        for i, (_, column, phrase) in enumerate(BAD)
    }
    for where, phrase in expected.items():
        assert where in errors, f"{where} not reported; got {sorted(errors)}"
        assert phrase in errors[where]
    assert len(errors) == len(BAD), "\n".join(errors.values())


def test_messages_say_what_is_valid(tmp_path: Path) -> None:
    lines = [
        "sales,category,medium,2026-11,,1,,,,,,,a,,",
        "sales,item,A1,2027-05,,1,,,,,,,b,,",
        "sale,item,A1,2026-11,,1,,,,,,,c,,",
    ]
    errors = _errors(write_small(tmp_path / "wb", {"overrides": HEADER + "\n".join(lines)}))
    assert errors[("overrides.csv", 2, "key")] == (
        "overrides.csv row 2, column key: category 'medium' does not exist; known: large, small"
    )
    assert "first_period to first_period + horizon - 1" in errors[("overrides.csv", 3, "period")]
    assert "the layers are sales, marketing, consensus" in errors[("overrides.csv", 4, "layer")]


def test_outside_an_items_life_only_qty_0_is_allowed(tmp_path: Path) -> None:
    lines = [
        "sales,item,B2,2027-04,,0,,,,,,,end,,",
        "sales,item,B1,2026-11,2026-12,0,,,,,,,zero,,",
        "sales,item,B2,2027-02,2027-03,,,10,,,,,promo,,",
        "sales,item,B1,2026-12,2027-04,,-5,,,,,,cut,,",
        "sales,item,B1,2026-11,,,-5,,,,,,gone,,",
        "sales,item,B2,2027-04,,,,-100,,,,,stop,,",
    ]
    errors = _errors(write_small(tmp_path / "wb", {"overrides": HEADER + "\n".join(lines) + "\n"}))
    assert sorted(errors) == [("overrides.csv", 6, "period"), ("overrides.csv", 7, "period")]
    assert "before it only qty 0" in errors[("overrides.csv", 6, "period")]
    assert "after it only qty 0" in errors[("overrides.csv", 7, "period")]


def test_invalid_cells_are_not_reported_twice(tmp_path: Path) -> None:
    # an amount that is not a number is blanked by the first pass: no "give one of" on top
    lines = [
        "sales,item,A1,2026-11,,abc,,,,,,,a,,",
        "sales,item,A1,2026-12,,,,-150,,,,,b,,",
        "sales,item,A1,2026-13,,1,,,,,,,c,,",
    ]
    errors = _errors(write_small(tmp_path / "wb", {"overrides": HEADER + "\n".join(lines)}))
    assert sorted(errors) == [
        ("overrides.csv", 2, "qty"),
        ("overrides.csv", 3, "pct"),
        ("overrides.csv", 4, "period"),
    ]
    assert "is not a number" in errors[("overrides.csv", 2, "qty")]


def test_first_period_setting_moves_the_horizon(tmp_path: Path) -> None:
    settings = SMALL["settings"] + "first_period,2027-01\n"
    lines = ["sales,item,A1,2026-12,,1,,,,,,,a,,", "sales,item,A1,2027-06,,1,,,,,,,b,,"]
    errors = _errors(
        write_small(
            tmp_path / "wb", {"settings": settings, "overrides": HEADER + "\n".join(lines) + "\n"}
        )
    )
    assert list(errors) == [("overrides.csv", 2, "period")]
    assert "outside the planning horizon 2027-01..2027-06" in errors[("overrides.csv", 2, "period")]


def test_demand_layers_rename_the_layers(tmp_path: Path) -> None:
    layers = "layer,role,position\ncustomer,key_account,1\nconsensus,demand_planner,2\n"
    lines = [
        "sales,item,A1,2026-11,,1,,,,,,,a,,",
        "customer,item,A1,2026-11,,1,,,,,,key_account,b,,",
        "consensus,family,F1,2026-12,,,,5,layer:customer,,,,c,,",
        "customer,family,F1,2026-12,,,,5,,,,demand_planner,d,,",
    ]
    errors = _errors(
        write_small(
            tmp_path / "wb",
            {"demand_layers": layers, "overrides": HEADER + "\n".join(lines) + "\n"},
        )
    )
    assert sorted(errors) == [("overrides.csv", 2, "layer"), ("overrides.csv", 5, "role")]
    assert "the layers are customer, consensus" in errors[("overrides.csv", 2, "layer")]
    assert (
        "role demand_planner may not edit layer customer (owned by role key_account)"
        in errors[("overrides.csv", 5, "role")]
    )


def test_demand_layers_rules(tmp_path: Path) -> None:
    layers = (
        "layer,role,position\nstatistical,analyst,1\nsales,sales,2\n"
        "marketing,marketing,3\nconsensus,demand_planner,2\n"
    )
    errors = _errors(write_small(tmp_path / "wb", {"demand_layers": layers, "overrides": VALID}))
    # the overrides are not checked against layers that are themselves wrong
    assert sorted(errors) == [
        ("demand_layers.csv", 2, "layer"),
        ("demand_layers.csv", 5, "position"),
    ]
    assert "is reserved" in errors[("demand_layers.csv", 2, "layer")]
    assert "'2': is also the position of row 3" in errors[("demand_layers.csv", 5, "position")]


def test_overrides_import_and_export_identically(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb", {"overrides": VALID}))
    export_store(UnitOfWork(engine), ME, tmp_path / "out")
    assert (tmp_path / "out" / "overrides.csv").read_text() == VALID
    import_workbook(UnitOfWork(engine), ME, tmp_path / "out")  # the export is valid again
    export_store(UnitOfWork(engine), ME, tmp_path / "again")
    assert (tmp_path / "again" / "overrides.csv").read_text() == VALID


def test_overrides_alone_are_checked_against_the_store(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb"))
    part = tmp_path / "part"
    part.mkdir()
    (part / "overrides.csv").write_text(VALID + "sales,item,B2,2027-04,,7,,,,,,,late,,\n")
    with pytest.raises(WorkbookInvalid) as info:
        import_workbook(UnitOfWork(engine), ME, part)
    assert [(p.source, p.row, p.column) for p in info.value.problems] == [
        ("overrides.csv", 6, "period")
    ]
    (part / "overrides.csv").write_text(VALID)
    assert import_workbook(UnitOfWork(engine), ME, part).rows["overrides"] == 4

    # new actuals move the horizon on: stored overrides left behind are a warning only
    month = tmp_path / "month"
    month.mkdir()
    (month / "sales.csv").write_text("item,period,qty\nA1,2026-11,99\n")
    result = import_workbook(UnitOfWork(engine), ME, month)
    assert [(p.source, p.row, p.column, p.severity) for p in result.warnings] == [
        ("overrides", 0, "period", Severity.WARNING)
    ]
    assert "outside the planning horizon 2026-12..2027-05" in str(result.warnings[0])

    # ... while removing an item that stored overrides name is an error
    items = SMALL["items"].replace("A1,F1,Widget,10,6,,,,small\n", "")
    sales = "".join(line + "\n" for line in SMALL["sales"].splitlines() if "A1," not in line)
    again = write_small(tmp_path / "noA1", {"items": items, "sales": sales})
    (again / "overrides.csv").unlink(missing_ok=True)
    with pytest.raises(WorkbookInvalid) as info:
        import_workbook(UnitOfWork(engine), ME, again, replace_sales=True)
    assert ("overrides", 0, "key") in {(p.source, p.row, p.column) for p in info.value.problems}
