"""Sales history in, clean panel out: validation, documented treatments, demand classes,
outliers.

Documented treatments (never a crash, never a NaN):

* a period with no row for an item is zero demand (a *gap* is a month without sales);
* rows for the same item and period are added up (several order lines);
* a blank qty is zero demand; text that is not a number is an error naming the row;
* negative quantities (returns, corrections) are set to 0, because demand is not negative;
* leading zeros before an item's first sale are not history (the item was not yet selling),
  unless the items table gives an earlier ``launch_period``;
* mixed granularities in one file (``2024-01`` and ``2024-Q1``) are an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.forecasting.common import Array, BoolArray, IntArray, ObjArray
from snop.io.numbers import NOT_A_NUMBER, NOT_FINITE, DecimalMark, parse_numbers
from snop.model.limits import MAX_QUANTITY, quantity_problem
from snop.model.periods import Granularity, PeriodError, parse_labels, parse_period

ADI_CUT = 1.32
CV2_CUT = 0.49


@dataclass
class SalesPanel:
    """Clean history of n items on one calendar of T periods (column 0 = ``first``).

    ``values[i, t]`` is the demand of item i in period ``first + t``; ``start[i]`` the first
    column that is history for the item (T when it has none).
    """

    items: list[str]
    granularity: Granularity
    first: int
    values: Array
    start: IntArray
    duplicates: IntArray
    negatives: IntArray
    blanks: IntArray
    notes: list[str] = field(default_factory=list)
    rows: BoolArray | None = None  # (n, T) cells with at least one row in the input

    @property
    def last(self) -> int:
        """Ordinal of the last history period."""
        return int(self.first + self.values.shape[1] - 1)

    @property
    def lengths(self) -> IntArray:
        return np.asarray(self.values.shape[1] - self.start, dtype=np.int64)


def _norm_columns(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [str(c).strip().lower().replace(" ", "_") for c in out.columns]
    return out


def _row(i: int, row_offset: int) -> int:
    return int(i) + int(row_offset)


def read_table(
    path: str, what: str, *, numbers: Sequence[str] = (), decimal: DecimalMark = DecimalMark.POINT
) -> pd.DataFrame:
    """Read a CSV as text (no type guessing), or raise SnopError naming the file.

    Comma- or semicolon-separated (whichever the header uses more). The ``numbers`` columns
    (when present) are read with :func:`snop.io.numbers.parse_numbers` under ``decimal``
    (blanks become NaN); a cell that is no number is an error naming its row and column.
    """
    file = Path(path)
    sep = csv_separator(file, what)
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            sep=sep,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise SnopError(f"{path}: the file is empty; expected a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SnopError(f"{path}: cannot read as CSV ({exc})") from None
    cols = {str(c).strip().lower().replace(" ", "_"): c for c in df.columns}
    for name in numbers:
        if name in cols:
            df[cols[name]] = _numbers(df[cols[name]], file.name, name, 2, decimal)
    return df


def csv_separator(file: Path, what: str) -> str:
    """The separator of a CSV file, ``;`` or ``,`` (whichever its header uses more), or a
    SnopError when the file is missing, a folder or not UTF-8 text."""
    if file.is_dir():
        raise SnopError(f"{file}: is a folder; give the {what} CSV file")
    try:
        with file.open(encoding="utf-8-sig") as f:
            head = f.readline()
    except FileNotFoundError:
        raise SnopError(f"{file}: file not found ({what})") from None
    except UnicodeDecodeError:
        raise SnopError(f"{file}: is not UTF-8 text; save it as CSV UTF-8") from None
    return ";" if head.count(";") > head.count(",") else ","


# Cell texts a sales export writes for "no quantity": read as blank (zero demand).
BLANK_WORDS = frozenset({"nan", "na", "null"})


def _numbers(
    cells: pd.Series, source: str, column: str, row_offset: int, decimal: DecimalMark
) -> pd.Series:
    """``cells`` as floats (NaN where blank), or a SnopError naming the first bad cell."""
    how = "; or state a decimal comma with --decimal ," if decimal is DecimalMark.POINT else ""
    got = parse_numbers(cells, decimal, how=how, blanks=BLANK_WORDS)
    i = got.first_refused()
    if i is not None:
        why = str(got.problems[i])
        if why in (NOT_A_NUMBER, NOT_FINITE):
            why += f"; write a quantity like 12 or 12{decimal.value}5 (blank means 0)"
        raise SnopError(
            f"{source} row {_row(i, row_offset)}, column {column}: "
            f"{str(cells.iloc[i]).strip()!r} {why}"
        )
    return pd.Series(got.values, index=cells.index, dtype=float)


def frequency(freq: str) -> Granularity:
    """The granularity a ``--freq`` names, or a SnopError listing the valid ones."""
    try:
        return Granularity(freq.strip().upper())
    except ValueError:
        raise SnopError(
            f"--freq {freq!r} is not a frequency; valid: "
            + ", ".join(f"{g.value} ({g.noun}s)" for g in Granularity)
        ) from None


def prepare_sales(
    sales: pd.DataFrame,
    *,
    source: str = "sales",
    row_offset: int = 2,
    freq: str | None = None,
    allow_negative: bool = False,
    decimal: DecimalMark = DecimalMark.POINT,
    calendar: tuple[int, int] | None = None,
) -> SalesPanel:
    """Validate a sales table (item, period, qty) and build the item x period matrix.

    ``calendar`` (first, last period ordinal), when given, is the panel's calendar instead of
    the span of these rows: a part of a larger panel keeps the whole panel's end, which
    decides what is inactive and where the horizon starts.

    ``row_offset`` turns a 0-based data row into the row the user sees (2 for a CSV with a
    header). Quantities are read by :func:`snop.io.numbers.parse_numbers` (``decimal`` is
    the convention of text cells; numbers are taken as they are) and must lie within
    MAX_QUANTITY. Raises SnopError naming the source, row, column and what is valid.
    """
    if freq is not None:
        frequency(freq)  # a wrong option is reported before the data
    df = _norm_columns(sales)
    missing = [c for c in ("item", "period", "qty") if c not in df.columns]
    if missing:
        raise SnopError(
            f"{source}: missing column(s) {', '.join(missing)}; the sales table "
            f"needs columns item, period, qty (found: {', '.join(df.columns)})"
        )
    if len(df) == 0:
        raise SnopError(f"{source}: no rows; give at least one item, period, qty row")
    item = df["item"].astype(str).str.strip()
    item = item.where(~df["item"].isna(), "")
    blank_item = item == ""
    if blank_item.any():
        i = int(np.argmax(blank_item.to_numpy()))
        raise SnopError(
            f"{source} row {_row(i, row_offset)}, column item: blank; every row needs an item code"
        )
    period_raw = df["period"]
    codes, uniq = pd.factorize(period_raw.astype(str).str.strip())
    try:
        gran, ords_u = parse_labels(list(uniq))
    except PeriodError as exc:
        msg = str(exc)
        pos = int(msg.split(":")[0].split()[-1]) if msg.startswith("position") else 0
        i = int(np.argmax(codes == pos))
        raise SnopError(
            f"{source} row {_row(i, row_offset)}, column period: {msg.split(': ', 1)[-1]}"
        ) from None
    if freq is not None:
        want = frequency(freq)
        if gran is not want:
            raise SnopError(
                f"{source}: periods are {gran.noun}s (e.g. {uniq[0]!r}) but --freq "
                f"{want.value} asks for {want.noun}s ({want.example})"
            )
    ords = ords_u[codes]
    parsed = _numbers(df["qty"], source, "qty", row_offset, decimal)
    blank = parsed.isna()
    qty = parsed.fillna(0.0).to_numpy(dtype=np.float64)
    huge = np.abs(qty) > MAX_QUANTITY
    if huge.any():
        i = int(np.argmax(huge))
        raise SnopError(
            f"{source} row {_row(i, row_offset)}, column qty: "
            f"{qty[i]:g} {quantity_problem(float(qty[i]))}; no real "
            "quantity is that large"
        )
    neg = qty < 0
    if not allow_negative:
        qty = np.where(neg, 0.0, qty)
    item_codes, item_names = pd.factorize(item)
    first, last = int(ords.min()), int(ords.max())
    if calendar is not None:
        first, last = min(first, calendar[0]), max(last, calendar[1])
    T = last - first + 1
    n = len(item_names)
    col = ords - first
    flat = item_codes.astype(np.int64) * T + col
    values = np.asarray(
        np.bincount(flat, weights=qty, minlength=n * T).reshape(n, T), dtype=np.float64
    )
    rows_per_cell = np.bincount(flat, minlength=n * T).reshape(n, T)
    duplicates = np.asarray((np.maximum(rows_per_cell - 1, 0)).sum(axis=1), dtype=np.int64)
    negatives = np.bincount(item_codes, weights=neg.astype(np.float64), minlength=n).astype(
        np.int64
    )
    blanks = np.bincount(
        item_codes, weights=blank.to_numpy().astype(np.float64), minlength=n
    ).astype(np.int64)
    nz = values != 0
    start = np.where(nz.any(axis=1), nz.argmax(axis=1), T).astype(np.int64)
    return SalesPanel(
        items=[str(x) for x in item_names],
        granularity=gran,
        first=first,
        values=values,
        start=start,
        duplicates=duplicates,
        negatives=negatives,
        blanks=blanks,
        rows=rows_per_cell > 0,
    )


@dataclass
class ItemInfo:
    """Per-item master data used by the forecast (aligned to a list of items)."""

    launch: IntArray  # ordinal or -1
    end: IntArray  # ordinal or -1
    like: list[str | None]
    attributes: pd.DataFrame  # item-indexed attribute columns
    factor: Array = field(default_factory=lambda: np.ones(0))  # like_factor (blank: 1)


RESERVED = {
    "item",
    "launch_period",
    "end_period",
    "like_item",
    "like_factor",
    "description",
    "name",
    "uom",
}


def prepare_items(
    items: pd.DataFrame, gran: Granularity, *, source: str = "items", row_offset: int = 2
) -> pd.DataFrame:
    """Validate an items table; returns it with normalised headers, item as string index."""
    df = _norm_columns(items)
    if "item" not in df.columns:
        raise SnopError(f"{source}: missing column item (found: {', '.join(df.columns)})")
    df["item"] = df["item"].astype(str).str.strip()
    dup = df["item"].duplicated()
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise SnopError(
            f"{source} row {_row(i, row_offset)}, column item: {df['item'].iloc[i]!r}"
            " appears twice; one row per item"
        )
    for c in ("launch_period", "end_period"):
        if c not in df.columns:
            continue
        vals = []
        for i, v in enumerate(df[c].tolist()):
            s = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
            if s in ("", "nan", "NaT", "None"):
                vals.append(-1)
                continue
            try:
                p = parse_period(s)
            except PeriodError as exc:
                raise SnopError(f"{source} row {_row(i, row_offset)}, column {c}: {exc}") from None
            if p.granularity is not gran:
                raise SnopError(
                    f"{source} row {_row(i, row_offset)}, column {c}: {s!r} is a "
                    f"{p.granularity.noun} but the sales are in {gran.noun}s "
                    f"(e.g. {gran.example})"
                )
            vals.append(p.ordinal)
        df[c + "_ord"] = np.asarray(vals, dtype=np.int64)
    if "like_item" in df.columns:
        li = df["like_item"].astype(str).str.strip()
        df["like_item"] = li.where(~li.isin(["", "nan", "None"]), "")
    return df.set_index("item", drop=False)


def item_info(items: pd.DataFrame | None, names: Sequence[str]) -> ItemInfo:
    n = len(names)
    if items is None:
        return ItemInfo(
            np.full(n, -1, dtype=np.int64),
            np.full(n, -1, dtype=np.int64),
            [None] * n,
            pd.DataFrame(index=list(names)),
            np.ones(n),
        )
    sub = items.reindex(list(names))
    launch = (
        sub["launch_period_ord"].fillna(-1).astype(np.int64).to_numpy()
        if "launch_period_ord" in sub
        else np.full(n, -1, dtype=np.int64)
    )
    end = (
        sub["end_period_ord"].fillna(-1).astype(np.int64).to_numpy()
        if "end_period_ord" in sub
        else np.full(n, -1, dtype=np.int64)
    )
    like: list[str | None] = [None] * n
    if "like_item" in sub:
        like = [str(v) if isinstance(v, str) and v else None for v in sub["like_item"].tolist()]
    factor = np.ones(n)
    if "like_factor" in sub:
        f = pd.to_numeric(sub["like_factor"].astype(str).str.strip(), errors="coerce")
        factor = np.where(np.isfinite(f) & (f >= 0), f, 1.0).astype(np.float64)
    return ItemInfo(
        np.asarray(launch, dtype=np.int64), np.asarray(end, dtype=np.int64), like, sub, factor
    )


def left_align(values: Array, start: IntArray) -> tuple[Array, IntArray]:
    """Shift each row so its history starts at column 0; returns (Y, lengths)."""
    n, T = values.shape
    L = np.asarray(T - start, dtype=np.int64)
    idx = start[:, None] + np.arange(T)[None, :]
    valid = idx < T
    Y = np.where(valid, values[np.arange(n)[:, None], np.minimum(idx, T - 1)], 0.0)
    return np.asarray(Y, dtype=np.float64), L


INACTIVE_CHANCE = 0.01


def inactive_series(panel: SalesPanel) -> tuple[BoolArray, IntArray]:
    """Series that stopped before the panel's last period; returns (inactive, last row).

    Files often list only non-zero sales, so trailing periods without a row are normal for a
    slow mover. With ``p`` the share of periods with a row between an item's first and last
    row, a silence of ``g`` periods happens by chance with probability ``(1 - p)^g``; the
    series counts as stopped when that is below 1 % (an item with a row every period: after
    one silent period; a spare part with a row in 3 periods out of 10: after 13).
    A panel built without row information counts the non-zero cells as rows.
    """
    rows = panel.rows if panel.rows is not None else panel.values != 0
    T = rows.shape[1]
    any_row = rows.any(axis=1)
    first = rows.argmax(axis=1)
    last = np.where(any_row, T - 1 - rows[:, ::-1].argmax(axis=1), -1).astype(np.int64)
    p = rows.sum(axis=1) / np.maximum(last - first + 1, 1)
    gap = T - 1 - last
    with np.errstate(divide="ignore"):
        chance = np.where(gap > 0, (1.0 - p) ** gap, 1.0)
    return np.asarray(any_row & (gap > 0) & (chance < INACTIVE_CHANCE), dtype=bool), last


def classify(Y: Array, L: IntArray) -> ObjArray:
    """Syntetos-Boylan demand class per series from ADI and CV^2 of non-zero sizes.

    ADI = periods / demand periods; CV^2 = (sd / mean)^2 of the non-zero demands.
    smooth: ADI < 1.32 and CV^2 < 0.49; erratic: ADI < 1.32, CV^2 >= 0.49;
    intermittent: ADI >= 1.32, CV^2 < 0.49; lumpy: both above; zero: no demand.
    """
    n, width = Y.shape
    mask = np.arange(width)[None, :] < L[:, None]
    nzm = mask & (Y > 0)
    nz = nzm.sum(axis=1)
    adi = np.where(nz > 0, L / np.maximum(nz, 1), np.inf)
    mu = np.where(nzm, Y, 0.0).sum(axis=1) / np.maximum(nz, 1)
    var = np.where(nzm, (Y - mu[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(nz, 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cv2 = np.where(mu > 0, var / np.where(mu > 0, mu, 1.0) ** 2, 0.0)
    cv2 = np.nan_to_num(cv2, nan=0.0, posinf=1e9)
    out = np.empty(n, dtype=object)
    out[:] = "smooth"
    out[(adi < ADI_CUT) & (cv2 >= CV2_CUT)] = "erratic"
    out[(adi >= ADI_CUT) & (cv2 < CV2_CUT)] = "intermittent"
    out[(adi >= ADI_CUT) & (cv2 >= CV2_CUT)] = "lumpy"
    out[nz == 0] = "zero"
    return out


OUTLIER_Z = 5.0
OUTLIER_RUN_Z = 2.5
OUTLIER_MIN_LEN = 12
OUTLIER_KEEP_LAST = 3


def _rolling_median(Y: Array, L: IntArray, w: int) -> Array:
    """Centred running median of odd width ``w``; near the ends of a series the window is
    truncated to the points that exist (no padding with invented values)."""
    width = Y.shape[1]
    half = w // 2
    inside = np.arange(width)[None, :] < L[:, None]
    ext = np.where(inside, Y, np.nan)
    pad = np.pad(ext, ((0, 0), (half, half)), constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(pad, w, axis=1)
    return np.asarray(_nanmedian(win, axis=2), dtype=np.float64)


def _nanmedian(a: Array, axis: int) -> Array:
    """Median over ``axis`` ignoring NaN (NaN where all are NaN).

    Sorting puts NaN last, so with k valid values the median is the mean of sorted positions
    (k-1)//2 and k//2; much faster than ``np.nanmedian`` on many short slices.
    """
    srt = np.sort(np.moveaxis(a, axis, -1), axis=-1)
    k = (~np.isnan(srt)).sum(axis=-1)
    lo = np.take_along_axis(srt, np.maximum((k - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    top = srt.shape[-1] - 1
    hi = np.take_along_axis(srt, np.minimum(k // 2, top)[..., None], axis=-1)[..., 0]
    return np.asarray(np.where(k > 0, (lo + hi) / 2, np.nan), dtype=np.float64)


def _in_runs(big: BoolArray) -> BoolArray:
    """True where ``big`` holds and a neighbour (t-1 or t+1) holds as well."""
    prev = np.zeros_like(big)
    prev[:, 1:] = big[:, :-1]
    nxt = np.zeros_like(big)
    nxt[:, :-1] = big[:, 1:]
    return np.asarray(big & (prev | nxt), dtype=bool)


def _season_profile(detr: Array, m: int) -> Array:
    """Median of the detrended values per season slot, centred to sum to zero, laid out
    over the columns (NaN beyond a series' end are ignored)."""
    n, width = detr.shape
    pad = (-width) % m
    d = np.pad(detr, ((0, 0), (0, pad)), constant_values=np.nan).reshape(n, -1, m)
    prof = np.nan_to_num(_nanmedian(d, axis=1))
    prof = prof - prof.mean(axis=1, keepdims=True)
    return np.asarray(prof[:, np.arange(width) % m], dtype=np.float64)


def detect_outliers(Y: Array, L: IntArray, m: int, eligible: BoolArray) -> tuple[BoolArray, Array]:
    """Flag isolated spikes and dips of a robust seasonal decomposition; return
    (flags, cleansed Y).

    Decomposition ``y = trend + season + r``: trend a centred running median of width
    ``w = m + 1`` rounded up to odd (at least 5), truncated at the ends; season the median of
    the detrended values per season slot, centred to sum to zero; two passes (the second
    trend is the running median of ``y - season``, as in STL);
    ``sd = max(1.4826 MAD(r), 1.4826 MAD(diff(y - season)) / sqrt(2))``
    (the second term: a running median reproduces a smooth monotone stretch exactly, so the
    remainder alone would make every wiggle of a smooth trend an outlier). A point is
    flagged when

    * ``|r_t - median(r)| > 5 sd``;
    * it has context: a full trend window (a season) around it, so not in the first
      ``w // 2`` periods (6 for monthly data), nor in the last three (they may start a new
      level); seasonal data (m > 1) need two full seasons of history, else nothing is
      flagged (a peak could be the season);
    * it is isolated: neither neighbour deviates in the same direction by more than
      2.5 sd. A run of same-direction deviations is a level shift (a recession, a lost
      customer, a new listing), not an outlier, and is left alone.

    Flagged values are replaced by ``max(trend + season, 0)``.
    """
    n, width = Y.shape
    flags = np.zeros((n, width), dtype=bool)
    elig = eligible & np.greater_equal(L, max(OUTLIER_MIN_LEN, 2 * m if m > 1 else 0))
    if not elig.any():
        return flags, Y
    idx = np.nonzero(elig)[0]
    Ys, Ls = Y[idx], L[idx]
    w = max(5, (m + 1) | 1)
    t = np.arange(width)[None, :]
    mask = t < Ls[:, None]
    season = np.zeros_like(Ys)
    trend = _rolling_median(Ys, Ls, w)
    if m > 1:
        # two passes, as STL does: the trend of the seasonally adjusted series is not bent
        # by the season, so the second seasonal profile is closer to the real one
        for _ in range(2):
            season = _season_profile(np.where(mask, Ys - trend, np.nan), m)
            trend = _rolling_median(Ys - season, Ls, w)
    rem = np.where(mask, Ys - trend - season, np.nan)
    med = _nanmedian(rem, axis=1)
    mad = _nanmedian(np.abs(rem - med[:, None]), axis=1) * 1.4826
    # a running median reproduces a smooth monotone stretch exactly (remainder 0), so the
    # scale is floored by the period-to-period noise of the seasonally adjusted series
    dif = np.diff(np.where(mask, Ys - season, np.nan), axis=1)
    dmed = _nanmedian(dif, axis=1)
    dsd = _nanmedian(np.abs(dif - dmed[:, None]), axis=1) * 1.4826 / np.sqrt(2)
    sd = np.fmax(mad, dsd)
    z = np.nan_to_num((rem - med[:, None]) / np.where(sd > 0, sd, np.inf)[:, None])
    context = (t >= w // 2) & (t < (Ls - OUTLIER_KEEP_LAST)[:, None])
    shift = _in_runs(z > OUTLIER_RUN_Z) | _in_runs(z < -OUTLIER_RUN_Z)
    fl = (np.abs(z) > OUTLIER_Z) & mask & context & ~shift
    clean = Y.copy()
    base = np.maximum(trend + season, 0.0)
    sub = clean[idx]
    sub[fl] = base[fl]
    clean[idx] = sub
    flags[idx] = fl
    return flags, clean


def as_int_array(x: npt.ArrayLike) -> IntArray:
    return np.asarray(x, dtype=np.int64)
