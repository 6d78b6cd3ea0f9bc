"""A small, hand-written planning workbook whose every number is known, for tests."""

from __future__ import annotations

from pathlib import Path

SMALL = {
    "items": """item,family,description,unit_price,unit_cost,launch_period,end_period,like_item,category
A1,F1,Widget,10,6,,,,small
A2,F1,Widget L,12,7,,,,large
B1,F2,Gadget,20,11,2026-12,,B2,small
B2,F2,Gadget old,18,10,,2027-03,,large
""",
    "sales": """item,period,qty,channel
A1,2026-05,100,retail
A1,2026-06,110,retail
A1,2026-07,120,retail
A1,2026-08,90,retail
A1,2026-09,100,retail
A1,2026-10,105,retail
A1,2026-10,20,online
A2,2026-05,50,retail
A2,2026-06,55,retail
A2,2026-07,60,retail
A2,2026-08,65,retail
A2,2026-09,70,retail
A2,2026-10,75,retail
B2,2026-05,30,retail
B2,2026-06,28,retail
B2,2026-07,26,retail
B2,2026-09,22,retail
B2,2026-10,20,retail
""",
    "families": """family,initial_inventory,safety_stock,max_inventory,holding_cost,holding_basis,backlog_cost,material_cost,regular_capacity,regular_cost,labor_hours_per_unit,workforce_pool
F1,100,20,500,0.5,ending,4,3,,,0.5,P1
F2,40,5,,0.8,average,6,5,60,2,,
""",
    "workforce": """pool,initial_workers,regular_hours_per_worker,hours_per_worker_per_day,regular_wage,overtime_wage,max_overtime_hours_per_worker,hiring_cost,layoff_cost,min_workers,max_workers
P1,1,,8,20,30,10,500,800,0,4
""",
    "calendar": """period,working_days
2026-11,20
2026-12,18
2027-01,21
2027-02,20
2027-03,22
2027-04,21
""",
    "resources": """resource,period,capacity_hours
R1,,500
R1,2027-01,300
""",
    "routings": """family,resource,hours_per_unit
F1,R1,0.1
F2,R1,0.2
""",
    "inventory": """item,on_hand
A1,60
A2,40
""",
    "budget": """family,period,revenue,qty
F1,2026-11,2000,180
,2026-11,2800,
""",
    "settings": """name,value
company,Small Co
horizon,6
""",
}


def write_small(folder: Path, changes: dict[str, str] | None = None) -> Path:
    """Write the small workbook as CSV files (``changes`` replaces or adds whole files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**SMALL, **(changes or {})}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder
