"""``snop safety-stock``: each family's safety stock from forecast error, against the given."""

from __future__ import annotations

from typing import Annotated

import typer

from snop.cli.common import actor, console, esc, print_json, store
from snop.cli.main import app


@app.command("safety-stock")
def safety_stock_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Safety stock per family from forecast error: z(service_level) x sigma x
    sqrt(replenishment_lead_time), sigma the lag-1 error of past versions (or of the current
    baseline), against the workbook's safety_stock (docs/inventory.md)."""
    from snop.services.inventory import safety_stock_plan

    r = safety_stock_plan(store(ctx), actor(ctx))
    if as_json:
        print_json(r)
        return
    uses = "the computed one" if r.basis.value == "forecast_error" else "the given one"
    console.print(
        f"[bold]safety stock of cycle {esc(r.cycle)}[/] (setting safety_stock_basis "
        f"{r.basis.value}: the plan uses {uses})"
    )
    for f in r.families:
        if f.source.value == "versions":
            where = f"from {f.observations} versions' lag-1 errors"
        elif f.source.value == "forecast":
            where = f"from the baseline intervals of {f.observations} item(s)"
        else:
            where = "no forecast error known yet"
        computed = "-" if f.safety_stock != f.safety_stock else f"{f.safety_stock:,.0f}"
        sigma = "-" if f.sigma != f.sigma else f"{f.sigma:,.1f}"
        console.print(
            f"  {esc(f.family)}: sigma {sigma} ({where}), service level "
            f"{100 * f.service_level:g}% (z {f.z:.3f}), lead time {f.lead_time:g} period(s): "
            f"safety stock {computed}, given {f.given:,.0f}"
        )
    console.print(
        f"sigma from versions needs {r.min_versions} approved versions with actuals for "
        "the family; until then the baseline's one-step prediction intervals give it"
    )
