"""``snop customers``: the customers' forecasts in the demand review (docs/collaboration.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from snop.cli.common import actor, console, esc, print_json, store
from snop.cli.demand_cmd import Author, Json, Role
from snop.cli.main import app

customers = typer.Typer(
    help="Customers' forecasts: their accuracy, and entering them into a demand layer."
)
app.add_typer(customers, name="customers")


def _pct(x: object) -> str:
    return "-" if not isinstance(x, float) or x != x else f"{100 * x:.1f}%"


@customers.command("accuracy")
def accuracy_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """Each customer's forecast accuracy and bias against that customer's sales (the
    periods with both), and the total of all customers."""
    from snop.services.collaboration import customer_forecast_report

    r = customer_forecast_report(store(ctx), actor(ctx))
    if as_json:
        print_json(r.to_json())
        return
    if r.accuracy.empty:
        console.print(
            f"{len(r.customers)} customer(s) forecast, but no period has both their "
            "forecasts and their sales yet (sales rows need the customer column)"
        )
        return
    console.print(f"[bold]customer forecast accuracy[/] over {', '.join(r.periods)}")
    for row in r.accuracy.itertuples(index=False):
        console.print(
            f"  {esc(row.customer)}: forecast {row.forecast:,.0f}, sales {row.actual:,.0f}, "
            f"accuracy {_pct(row.accuracy)}, bias {_pct(row.bias)}"
        )


@customers.command("apply")
def apply_cmd(
    ctx: typer.Context,
    layer: Annotated[str, typer.Option(help="Demand layer the forecasts enter (sales...).")],
    author: Author = None,
    role: Role = None,
    comment: Annotated[str | None, typer.Option(help="Free text kept with each override.")] = None,
    as_json: Json = False,
) -> None:
    """Enter the customers' forecasts into LAYER of the current draft: one override per item
    (or family) and period, the sum over customers, reason customer_forecast."""
    from snop.services.collaboration import apply_customer_forecasts

    r = apply_customer_forecasts(store(ctx), actor(ctx, role, name=author), layer, comment=comment)
    if as_json:
        print_json(r.to_json())
        return
    console.print(
        f"[bold]{len(r.overrides)} override(s)[/] entered in layer {esc(r.layer)} of cycle "
        f"{esc(r.cycle)} (reason customer_forecast)"
    )
    for o in r.overrides:
        console.print(f"  {o.id}: {esc(o.describe())}")
    for s in r.skipped:
        console.print(f"  skipped {esc(s)}")
