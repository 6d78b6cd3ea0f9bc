"""The pack as one self-contained HTML file: interactive charts (Plotly embedded once),
tables with every figure rounded for display only, and print CSS that lays each family on
one landscape page (the PDF is this page printed, :mod:`snop.report.pdf`).

Each table cell carries ``data-row`` (its row key) and ``data-col`` (its column), each
tile ``data-tile``, each chart ``data-chart``, each page ``data-section``: tests and the
web app find a figure by what it is, not by where it is.
"""

from __future__ import annotations

import html
import numbers
from functools import cache

import jinja2
import pandas as pd
from markupsafe import Markup

from snop.report import fmt
from snop.report.content import Chart, Pack, Table
from snop.report.page import fragment, page

PACK_STYLE = """
header.top nav { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 6px 0 10px; }
header.top nav a { color: var(--accent); text-decoration: none; font-size: 12px; }
section.page { border-top: 2px solid var(--line); padding-top: 6px; margin-top: 14px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px; }
.tile { border: 1px solid var(--line); border-left: 4px solid var(--muted); padding: 6px 8px; }
.tile.good { border-left-color: var(--good); } .tile.bad { border-left-color: var(--bad); }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .compare, .tile .note { font-size: 11px; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px; }
section.wide .charts.n3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.charts.n1 { grid-template-columns: minmax(0, 1fr); }
section[data-section="supply"] .charts { grid-template-columns: minmax(0, 1fr); }
.tablewrap { overflow-x: auto; }
table caption { text-align: left; font-weight: 600; padding: 4px 0; }
td.hist { background: var(--band); }
td.neg { color: var(--bad); }
td.bad { color: var(--bad); font-weight: 600; } td.warn { color: var(--warn); }
tr.block td { border-top: 1px solid #9aa5b1; }
.arrow { margin-left: 3px; font-size: 10px; } .arrow.good { color: var(--good); }
.arrow.bad { color: var(--bad); }
svg.spark { vertical-align: middle; margin-left: 4px; color: var(--accent); }
td.good { color: var(--good); }
.target { display: block; font-size: 10px; color: var(--muted); font-weight: normal; }
ul.notes { color: var(--muted); font-size: 12px; }
@page { size: A4 landscape; margin: 8mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10px; }
  header.top nav { display: none; }
  section.page { break-before: page; border-top: none; margin-top: 0; padding-top: 0; }
  header.top + section.page { break-before: auto; }
  h2 { margin: 0 0 4px; }
  .chart, .tile, tr { break-inside: avoid; }
  table { font-size: 10px; line-height: 1.2; } th, td { padding: 1px 3px; }
  section[data-family] table { font-size: 9.5px; }
  section[data-family] td, section[data-family] th { padding: 0 3px; }
  .tablewrap { overflow: visible; }
  ul.notes { font-size: 9px; margin: 2px 0; }
}
"""


def render_html(pack: Pack) -> str:
    """The whole pack as one HTML document."""
    body = _template().render(pack=pack)
    return page(f"{pack.company or 'S&OP'}: pack, cycle {pack.cycle}", body, style=PACK_STYLE)


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("snop.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short"] = lambda v, unit, cur="": fmt.short(v, unit, cur)
    env.filters["signed"] = lambda v, unit, cur="": fmt.signed(v, unit, cur)
    env.filters["chart"] = _chart
    env.filters["table"] = render_table
    return env.get_template("pack.html.j2")


def _chart(c: Chart) -> Markup:
    return Markup(fragment(c.figure, c.key))


def render_table(t: Table) -> Markup:
    """``t`` as an HTML table: numbers right-aligned and rounded by their unit."""
    shown = [c for c in t.frame.columns if c not in t.hidden]
    head = "".join(
        f'<th class="{"num" if _unit(t, c, None) != "text" else ""}">'
        f"{html.escape(t.header(c))}</th>"
        for c in shown
    )
    name = html.escape(t.name)
    rows = []
    frame = t.frame if t.limit is None else t.frame.head(t.limit)
    for i, rec in enumerate(frame.itertuples(index=False)):
        values = dict(zip(t.frame.columns, rec, strict=True))
        key = values[t.key_column] if t.key_column else i
        cells = "".join(_cell(t, i, c, values[c]) for c in shown)
        rows.append(f'<tr data-row="{html.escape(str(key))}">{cells}</tr>')
    return Markup(
        f'<div class="tablewrap"><table id="table-{name}" data-table="{name}">'
        f"<caption>{html.escape(t.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{_more(t, len(frame))}</div>"
    )


def _more(t: Table, shown: int) -> str:
    left = len(t.frame) - shown
    return f'<p class="muted">and {left} more (every row is in the Excel pack)</p>' if left else ""


def _unit(t: Table, column: object, row: int | None) -> str:
    """A column's unit, or a grid row's (``row_units``) in its numeric columns."""
    given = t.units.get(str(column))
    if given == "text" or (given is not None and t.row_units is None):
        return given
    if t.row_units is not None:
        return "units" if row is None else t.row_units[row]  # header: numbers, right-aligned
    return "text" if row is None else "units"


def _cell(t: Table, i: int, column: object, value: object) -> str:
    unit = _unit(t, column, i)
    if unit != "text" and not _is_number(value):
        unit = "text"
    text = html.escape(fmt.number(value if not _blank(value) else None, unit))
    css = " ".join(
        x for x in ("num" if unit != "text" else "", t.marks.get((i, str(column)), "")) if x
    )
    extra = t.extras.get((i, str(column)), "")
    return f'<td class="{css}" data-col="{html.escape(str(column))}">{text}{extra}</td>'


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _is_number(value: object) -> bool:
    return _blank(value) or (isinstance(value, numbers.Real) and not isinstance(value, bool))
