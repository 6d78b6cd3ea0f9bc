"""What a pack holds, independent of its format: sections of tiles, charts and tables.

The services fill a :class:`Pack` from the same use cases the CLI and the API call
(:mod:`snop.services.pack`); the HTML, PDF and Excel renderers only lay it out. Numbers stay
unrounded here: rounding is for display (:mod:`snop.report.fmt`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go


@dataclass
class Tile:
    """One headline number: ``value`` in ``unit``, against ``compare`` (budget, target...)."""

    key: str
    label: str
    value: float | None
    unit: str  # a unit of snop.report.fmt.UNITS
    compare: float | None = None
    compare_label: str = ""
    good: bool | None = None  # is the value on the right side of ``compare``?
    note: str = ""


@dataclass
class Table:
    """A table of the pack: an HTML table and an Excel sheet of its own.

    ``units`` gives each numeric column's unit; a grid whose rows hold different measures
    (the family sheet) gives ``row_units`` instead, one per row, and names its row key
    column ``key_column`` (kept for lookups, shown as its ``label`` column).
    """

    name: str  # the Excel sheet name, and the table's id in HTML (unique in a pack)
    title: str
    frame: pd.DataFrame
    units: dict[str, str] = field(default_factory=dict)
    row_units: list[str] | None = None
    key_column: str | None = None
    hidden: tuple[str, ...] = ()  # columns kept for Excel and lookups, not shown in HTML
    marks: dict[tuple[int, str], str] = field(default_factory=dict)  # (row, column) -> css
    # (row, column) -> markup shown after the number in HTML (trend arrows, sparklines)
    extras: dict[tuple[int, str], str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column -> its header
    limit: int | None = None  # rows shown in HTML and PDF (Excel has them all)

    def header(self, column: object) -> str:
        """The column's header: its label, else its name in words (gross_margin: Gross
        margin)."""
        name = str(column)
        if name in self.labels:
            return self.labels[name]
        words = name.replace("_pct", " %").replace("_", " ")
        return words[:1].upper() + words[1:] if words[:1].islower() else words

    def __post_init__(self) -> None:
        if self.row_units is not None and len(self.row_units) != len(self.frame):
            raise ValueError(f"table {self.name}: one unit per row")


@dataclass
class Chart:
    key: str  # unique in a pack: the element id the chart is drawn into
    figure: go.Figure


@dataclass
class Svg:
    """A small picture drawn as inline SVG (sparklines: no script, prints as drawn)."""

    key: str
    markup: str


@dataclass
class Section:
    key: str  # unique in a pack: cover, card, family-<F>, supply, finance, changes...
    title: str
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    family: str | None = None  # a family page's family
    wide: bool = False  # charts side by side (two per row)


@dataclass
class Pack:
    company: str
    cycle: str
    status: str  # approved or draft
    strategy: str
    currency: str
    made_at: str
    subtitle: str
    sections: list[Section]
    left_out: dict[str, str] = field(default_factory=dict)  # part -> why it is not there

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]
