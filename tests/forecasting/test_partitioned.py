"""The partitioned forecast (local and Dask engines) gives the one-shot forecast's results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.forecasting import forecast_panel
from snop.forecasting.partitioned import (
    Cluster,
    check_out_dir,
    forecast_partitioned,
    partition_of,
    scheduler_address,
    series_key,
    split_sales,
)
from snop.model.vocabulary import Engine


def months(n: int, first: int = 0) -> list[str]:
    """n monthly labels from 2022-01 shifted by ``first`` months."""
    return [f"{2022 + (first + k) // 12}-{(first + k) % 12 + 1:02d}" for k in range(n)]


def panel() -> pd.DataFrame:
    """36 months: seasonal and trending series, intermittent ones, a series that stopped a
    year before the end (Inactive), a new item with 2 months, an all-zero series."""
    rng = np.random.default_rng(7)
    t = np.arange(36)
    rows: list[tuple[str, str, float]] = []

    def add(item: str, values: np.ndarray, first: int = 0) -> None:
        rows.extend(zip([item] * len(values), months(len(values), first), values, strict=True))

    for k in range(6):
        add(f"S{k}", 100 + 30 * np.sin(2 * np.pi * t / 12 + k) + rng.normal(0, 5, 36))
        add(f"T{k}", 20 + 3.0 * t * (k + 1) + rng.normal(0, 4, 36))
        add(f"I{k}", rng.poisson(0.4, 36) * rng.integers(1, 9, 36).astype(float))
    add("STOPPED", 50 + rng.normal(0, 3, 24))  # rows end 12 months before the panel
    add("NEW", np.array([12.0, 15.0]), first=34)
    add("ZERO", np.zeros(36))
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


def write_parquet_parts(df: pd.DataFrame, folder: Path, parts: int) -> Path:
    """The rows in ``parts`` Parquet files cut by row, not by series (series span files)."""
    folder.mkdir()
    rows = df.sample(frac=1, random_state=1)
    for k, cut in enumerate(np.array_split(np.arange(len(rows)), parts)):
        rows.iloc[cut].to_parquet(folder / f"sales-{k}.parquet", index=False)
    return folder


def read_dir(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("*.parquet"))
    assert files, f"no Parquet files in {folder}"
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values([c for c in ("item", "period") if c in df]).reset_index(drop=True)


def one_shot(df: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = forecast_panel(df, horizon)
    fc = res.forecast.sort_values(["item", "period"]).reset_index(drop=True)
    return fc, res.report.sort_values("item").reset_index(drop=True)


# The ARIMA kernel's batched least squares round differently with other series in its chunk
# (about 1e-6 relative), so a series forecast among other series matches to this tolerance;
# the chosen models must be the same exactly.
RTOL = 1e-4


def assert_same(out: Path, expected: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    fc, rep = expected
    got_fc, got_rep = read_dir(out / "forecast"), read_dir(out / "report")
    pd.testing.assert_frame_equal(got_fc, fc, check_exact=False, rtol=RTOL)
    pd.testing.assert_frame_equal(got_rep, rep, check_exact=False, rtol=RTOL)
    assert got_fc["model"].tolist() == fc["model"].tolist()


def test_the_local_engine_in_partitions_equals_the_one_shot_forecast(tmp_path: Path) -> None:
    df = panel()
    src = tmp_path / "sales.csv"
    df.to_csv(src, index=False)
    expected = one_shot(df, 6)
    done = forecast_partitioned(src, tmp_path / "out", 6, partitions=4)
    assert_same(tmp_path / "out", expected)
    assert done.series == 21 and done.rows == len(df) and done.partitions == 4
    assert done.inactive == 1  # STOPPED, relative to the whole panel's end, in any partition
    fc = expected[0]
    stopped = fc[fc["item"] == "STOPPED"]
    assert (stopped["model"] == "Inactive").all() and (stopped["forecast"] == 0).all()
    # the horizon is the 6 months after 2024-12 for every series, the new item too
    assert sorted(fc["period"].unique()) == months(6, 36)
    new = fc[fc["item"] == "NEW"]
    assert np.allclose(new["forecast"], 13.5) and (new["model"] == "Mean").all()
    assert not (tmp_path / "out" / ".partitions").exists()


def test_a_partition_without_the_last_period_keeps_the_whole_panels_end(
    tmp_path: Path,
) -> None:
    """Alone, STOPPED would be forecast from its own end (2023-12); in a partition of the
    whole panel it is Inactive and its horizon starts after the panel's end."""
    df = panel()
    alone = df[df["item"] == "STOPPED"]
    assert forecast_panel(alone, 3).forecast["period"].tolist() == months(3, 24)
    src = write_parquet_parts(df, tmp_path / "in", 3)
    done = forecast_partitioned(src, tmp_path / "out", 3, partitions=21)
    assert done.partitions < 21 or done.series == 21  # empty partitions write nothing
    got = read_dir(tmp_path / "out" / "forecast")
    row = got[got["item"] == "STOPPED"]
    assert row["period"].tolist() == months(3, 36) and (row["model"] == "Inactive").all()
    assert_same(tmp_path / "out", one_shot(df, 3))


def test_item_and_location_are_one_series_each(tmp_path: Path) -> None:
    df = panel()
    df = df[df["item"].isin(["S0", "I0"])]
    two = pd.concat([df.assign(location="NORTH"), df.assign(location="SOUTH", qty=df["qty"] * 2)])
    src = tmp_path / "sales.parquet"
    two.to_parquet(src, index=False)
    forecast_partitioned(src, tmp_path / "out", 4, partitions=2)
    got = read_dir(tmp_path / "out" / "forecast")
    assert list(got.columns[:3]) == ["item", "location", "period"]
    assert len(got) == 4 * 4
    north = got[got["location"] == "NORTH"].drop(columns="location").reset_index(drop=True)
    fc, _ = one_shot(df, 4)
    pd.testing.assert_frame_equal(north, fc, check_exact=False, rtol=1e-9)


def test_rows_of_a_series_always_hash_to_one_partition() -> None:
    keys = pd.Series(["A", "B", "A", "C", "B", "A"])
    part = partition_of(keys, 7)
    assert part[0] == part[2] == part[5] and part[1] == part[4]
    assert ((part >= 0) & (part < 7)).all()
    # the same in any process: a fixed hash, not Python's salted hash()
    assert partition_of(pd.Series(["A"]), 1_000_003)[0] == partition_of(keys, 1_000_003)[0]
    frame = pd.DataFrame({"item": [" A ", "A"], "location": ["X", "Y"]})
    assert series_key(frame).tolist() == ["A\x1fX", "A\x1fY"]


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C", "D", "E"]), st.integers(0, 5), st.integers(0, 9)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 6),
)
def test_split_keeps_every_row_and_puts_each_series_in_one_partition(
    rows: list[tuple[str, int, int]], parts: int
) -> None:
    import tempfile

    df = pd.DataFrame(
        {
            "item": [r[0] for r in rows],
            "period": [months(6)[r[1]] for r in rows],
            "qty": [float(r[2]) for r in rows],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "s.parquet"
        df.to_parquet(src, index=False)
        split = split_sales(src, Path(tmp) / "parts", partitions=parts)
        got = [pd.read_parquet(f) for f in split.files]
    assert len(split.files) <= parts and split.rows == len(df)
    assert sum(len(g) for g in got) == len(df)
    owners = [set(g["item"]) for g in got]
    assert sum(len(o) for o in owners) == df["item"].nunique()  # no item in two partitions
    merged = pd.concat(got).groupby("item")["qty"].sum()
    pd.testing.assert_series_equal(merged, df.groupby("item")["qty"].sum())
    ords = sorted({r[1] for r in rows})
    assert (split.calendar.last - split.calendar.first) == ords[-1] - ords[0]


def test_bad_inputs_name_the_file_row_and_folder(tmp_path: Path) -> None:
    df = panel().astype({"qty": object})
    df.loc[40, "qty"] = "lots"
    src = tmp_path / "sales.csv"
    df.to_csv(src, index=False)
    with pytest.raises(SnopError, match=r"sales.csv row 42, column qty: 'lots'"):
        forecast_partitioned(src, tmp_path / "out", 3)
    assert not (tmp_path / "out").exists()  # nothing left behind
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "other.txt").write_text("x")
    with pytest.raises(SnopError, match="exists and is not empty"):
        check_out_dir(tmp_path / "full")
    for bad in ("nowhere", "tcp://host:port", "http://h:1"):
        with pytest.raises(SnopError, match="--scheduler"):
            scheduler_address(bad)
    assert scheduler_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    df = panel()
    src = tmp_path / "sales.csv"
    df.to_csv(src, index=False)
    cluster = Cluster(scheduler="tcp://127.0.0.1:9", connect_timeout=0.5)
    with pytest.raises(SnopError, match=r"no Dask scheduler answered at tcp://127\.0\.0\.1:9"):
        forecast_partitioned(src, tmp_path / "out", 3, engine=Engine.DASK, cluster=cluster)
    assert not (tmp_path / "out").exists()


def test_the_dask_engine_on_a_local_cluster_equals_the_local_engine(tmp_path: Path) -> None:
    df = panel()
    src = write_parquet_parts(df, tmp_path / "in", 2)
    cluster = Cluster(workers=2, processes=False, memory_limit=None)
    done = forecast_partitioned(
        src, tmp_path / "dask", 6, engine=Engine.DASK, cluster=cluster, partitions=3
    )
    assert done.engine is Engine.DASK and done.series == 21 and done.inactive == 1
    assert_same(tmp_path / "dask", one_shot(df, 6))
    forecast_partitioned(src, tmp_path / "local", 6, partitions=5)
    for sub in ("forecast", "report"):
        pd.testing.assert_frame_equal(
            read_dir(tmp_path / "dask" / sub), read_dir(tmp_path / "local" / sub)
        )


# -- the command ----------------------------------------------------------------------------


def test_snop_forecast_engine_local_writes_partitions_and_prints_json(tmp_path: Path) -> None:
    from tests.cli import snop

    df = panel()
    src = tmp_path / "sales.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "fc"
    r = snop("forecast", src, "--engine", "local", "--partitions", "3", "--horizon", "4",
             "--out", out, "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    s = r.json()
    assert (s["series"], s["rows"], s["partitions"], s["horizon"]) == (21, len(df), 3, 4)
    assert s["engine"] == "local" and s["inactive"] == 1 and s["granularity"] == "M"
    assert sum(s["models"].values()) == 21 and len(s["files"]) == 2 * 3
    assert all(Path(f).is_file() for f in s["files"])
    assert "split" in r.stderr  # progress goes to stderr, JSON alone to stdout
    assert_same(out, one_shot(df, 4))
    # the same folder again: refused, the files stay
    again = snop("forecast", src, "--engine", "local", "--out", out)
    assert again.exit_code == 1 and not again.traceback
    assert "exists and is not empty" in again.stderr
    small = tmp_path / "small.csv"
    df[df["item"].isin(["S0", "STOPPED"])].to_csv(small, index=False)
    text = snop("forecast", small, "--engine", "local", "--out", tmp_path / "fc2")
    assert text.exit_code == 0, text.stderr
    assert "Forecast 2 series x 18 periods in 1 partition(s) on local" in text.stdout
    assert "1 inactive" in text.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--engine", "spark"], "--engine 'spark' is not an engine; valid: local, dask"),
        (["--engine", "dask", "--scheduler", "nowhere"], "--scheduler 'nowhere' is not an"),
        (["--engine", "local", "--workers", "2"], "--workers choose where --engine dask runs"),
        (["--scheduler", "tcp://h:1"], "need --engine local|dask"),
        (["--engine", "dask", "--plot", "p.html"], "--plot work on a forecast in one piece"),
        (["--engine", "dask", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_snop_forecast_engine_mistakes_are_one_line_errors(
    tmp_path: Path, args: list[str], says: str
) -> None:
    from tests.cli import snop

    src = tmp_path / "sales.csv"
    panel().head(40).to_csv(src, index=False)
    r = snop("forecast", src, *args, "--out", tmp_path / "out")
    assert r.exit_code == 1 and not r.traceback, r.stderr
    assert says in r.stderr
    assert not (tmp_path / "out").exists()
