"""Plan against actual on the small workbook: version 2026-11 (naive: A1 125, A2 75, B1 0
before its launch, B2 20) judged on November's actuals (A1 130, A2 70, B2 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.errors import SnopError
from snop.services.kpis import kpi_report
from snop.services.versions import read_version
from snop.services.workbook import import_workbook
from tests.cli import snop
from tests.cycle.test_cycles import DP, approved_store

NOVEMBER = {
    "sales": "item,period,qty,channel\nA1,2026-11,130,retail\nA2,2026-11,70,retail\n"
    "B2,2026-11,18,retail\n",
    "actual_production": "family,period,qty\nF1,2026-11,150\nF2,2026-11,30\n",
    "actual_inventory": "family,period,on_hand,backlog\nF1,2026-11,60,0\nF2,2026-11,12,3\n",
}


def test_kpis_at_family_and_item_level_and_adherence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = approved_store(url, tmp_path)
    with pytest.raises(SnopError, match="no actuals yet for the periods of the approved"):
        kpi_report(uow, DP)
    folder = tmp_path / "nov"
    folder.mkdir()
    for name, text in NOVEMBER.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_workbook(uow, DP, folder)
    r = kpi_report(uow, DP)
    assert (r.cycle, r.periods, r.missing) == ("2026-11", ["2026-11"], [])
    card = r.card.set_index("family")
    # F1: 125 + 75 = 200 against 130 + 70 = 200: the items' errors net out in the family
    assert card.at["F1", "accuracy"] == 1.0 and card.at["F1", "bias"] == 0.0
    item_wape = (5 / 130 + 5 / 70) / 2
    assert card.at["F1", "item_accuracy"] == pytest.approx(1 - item_wape)
    assert card.at["F1", "item_bias"] == pytest.approx((-5 / 130 + 5 / 70) / 2)
    # F2: 20 against 18 (B1 sold nothing and was forecast nothing)
    assert card.at["F2", "bias"] == pytest.approx(2 / 18)
    assert card.at["(total)", "wape"] == pytest.approx((0 + 2) / (200 + 18))
    # adherence: 1 - |actual - plan| / plan, with the version's planned production
    plan = read_version(uow, DP, "2026-11").plan().plan.set_index(["family", "period"])
    planned = plan.at[("F1", "2026-11"), "production"]
    assert card.at["F1", "adherence"] == pytest.approx(1 - abs(150 - planned) / planned)
    # one version with actuals: only its lag 1 (its first period), the card's numbers
    lag = r.by_lag[r.by_lag["family"] == "(total)"]
    assert list(lag["lag"]) == [1]
    assert lag["wape"].iloc[0] == pytest.approx(card.at["(total)", "wape"])
    # fill rate: 18 ordered of F2, 3 still owed at the end of the month
    assert card.at["F2", "fill_rate"] == pytest.approx(15 / 18)
    text = snop("--db", url, "cycle", "kpis").stdout
    assert "KPIs of version 2026-11 against the actuals of 2026-11..2026-11" in text
    assert "F1: accuracy 100% (items 95%), bias 0%" in text


def test_actuals_accumulate_month_by_month_and_plan_meets_actual(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = approved_store(url, tmp_path)
    for n, (period, made) in enumerate((("2026-10", 140.0), ("2026-11", 150.0))):
        folder = tmp_path / f"m{n}"
        folder.mkdir()
        (folder / "actual_production.csv").write_text(
            f"family,period,qty\nF1,{period},{made}\n", encoding="utf-8"
        )
        import_workbook(uow, DP, folder)
    with uow.read() as tx:
        stored = tx.workbook()
        assert stored is not None
        got = stored.table("actual_production")
    # the second month's file added to the first instead of replacing it
    assert sorted(zip(got["period"], got["qty"], strict=True)) == [
        ("2026-10", 140.0),
        ("2026-11", 150.0),
    ]
    folder = tmp_path / "sales"
    folder.mkdir()
    (folder / "sales.csv").write_text(NOVEMBER["sales"], encoding="utf-8")
    import_workbook(uow, DP, folder)
    pva = kpi_report(uow, DP).plan_vs_actual.set_index(["measure", "family", "period"])
    plan = read_version(uow, DP, "2026-11").plan().plan.set_index(["family", "period"])
    planned = plan.at[("F1", "2026-11"), "production"]
    row = pva.loc[("production", "F1", "2026-11")]
    assert (row["plan"], row["actual"]) == (planned, 150.0)
    assert row["difference"] == 150.0 - planned
    assert pva.loc[("demand", "F1", "2026-11"), "actual"] == 200.0  # 130 + 70


# Company-wide accuracy and bias ranges, F2's own (wider) bias range, days of supply 6..20;
# the small workbook's service levels are the default 95%. Each family ends November with
# 5.9 days of supply: below the range.
TARGETS = "kpi,family,min,max\naccuracy,,0.8,\nbias,,-0.05,0.05\nbias,F2,-0.2,0.2\n"
TARGETS += "days_of_supply,,6,20\n"


def test_the_card_against_its_targets(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = approved_store(url, tmp_path)
    folder = tmp_path / "nov"
    folder.mkdir()
    for name, text in {**NOVEMBER, "kpi_targets": TARGETS}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_workbook(uow, DP, folder)
    r = kpi_report(uow, DP)
    t = r.targets.set_index(["family", "kpi"])
    assert t.at[("F2", "bias"), "source"] == "family"
    assert (t.at[("F2", "bias"), "min"], t.at[("F2", "bias"), "max"]) == (-0.2, 0.2)
    assert t.at[("F1", "bias"), "source"] == "every family"
    assert t.at[("F1", "bias"), "max"] == 0.05
    assert t.at[("(total)", "bias"), "max"] == 0.05  # the total ignores F2's own row
    # no fill_rate row: each family is held to its service level, the total to the lowest
    for fam in ("F1", "F2", "(total)"):
        assert t.at[(fam, "fill_rate"), "min"] == 0.95
        assert t.at[(fam, "fill_rate"), "source"] == "service_level"
    assert ("F1", "turns") not in t.index  # no target: no row
    j = r.judged.set_index(["family", "kpi"])["on_target"]
    # F2: accuracy 1 - 2/18 = 89% >= 80%; bias 2/18 = 11% within its own +-20%
    assert j[("F2", "accuracy")] is True and j[("F2", "bias")] is True
    # F2's fill rate 15/18 = 83% < 95%; F1 served all 200 from stock; the total 215/218
    assert j[("F2", "fill_rate")] is False
    assert j[("F1", "fill_rate")] is True and j[("(total)", "fill_rate")] is True
    # total bias (220 - 218) / 218 within +-5%
    assert j[("(total)", "bias")] is True
    assert j[("F1", "turns")] is None  # measured, but no target
    card = r.card.set_index("family")
    for fam in ("F1", "F2"):
        days = card.at[fam, "days_of_supply"]
        assert j[(fam, "days_of_supply")] is bool(6 <= days <= 20)

    text = snop("--db", url, "cycle", "kpis").stdout
    assert "F2: accuracy 89% (target ≥ 80%) (items" in text
    assert "bias 11% (target -20%..20%)" in text
    assert "fill 83% (target ≥ 95%: missed)" in text
    assert "days of supply 5.9 (target 6..20: missed)" in text
    # judged: 3 rows x (accuracy, bias, days of supply, fill rate), the days all missed
    assert "off target: 4 of 12 KPIs with a target and a value: F1 days_of_supply, " in text
    assert "F1: accuracy 100% (target ≥ 80%) (items 95%), bias 0% (target -5%..5%)" in text
    data = snop("--db", url, "cycle", "kpis", "--json").json()
    judged = {(d["family"], d["kpi"]): d for d in data["judged"]}
    assert judged[("F2", "fill_rate")] == {
        "family": "F2",
        "kpi": "fill_rate",
        "value": pytest.approx(15 / 18),
        "min": 0.95,
        "max": None,
        "on_target": False,
    }
    assert judged[("F1", "turns")]["on_target"] is None
    assert len(data["targets"]) == len(r.targets)
    assert {"family": "F2", "kpi": "bias", "min": -0.2, "max": 0.2, "source": "family"} in data[
        "targets"
    ]
