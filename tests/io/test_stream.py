"""Sales files read in chunks: the workbook's sales rules per chunk, errors naming the file,
the row the user sees and the column; CSV and Parquet give the same rows."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from snop.errors import SnopError
from snop.io.problems import WorkbookInvalid
from snop.io.stream import read_sales, series_keys
from snop.model.periods import Granularity, parse_period

CSV = (
    "item,period,qty,location\n"
    "A,2024-01,5,L1\n"
    "A,2024-02, 6 ,L1\n"
    "B,2024-01,1,\n"
    "B,2024-02,2.5,L2\n"
    "C,2024-03,0,\n"
)


def _read(path: Path, chunk_rows: int = 2, **kw: object) -> list:
    return [c.rows for c in read_sales(path, chunk_rows=chunk_rows, **kw)]  # type: ignore[arg-type]


def test_csv_in_chunks_with_row_numbers_and_ordinals(tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    f.write_text(CSV)
    chunks = _read(f)
    assert [len(c) for c in chunks] == [2, 2, 1]
    rows = [r for c in chunks for r in c.itertuples(index=False)]
    jan, feb, mar = (parse_period(p).ordinal for p in ("2024-01", "2024-02", "2024-03"))
    assert [(r.row, r.item, r.location, r.period, r.qty) for r in rows] == [
        (2, "A", "L1", jan, 5.0),
        (3, "A", "L1", feb, 6.0),
        (4, "B", "", jan, 1.0),
        (5, "B", "L2", feb, 2.5),
        (6, "C", "", mar, 0.0),
    ]
    assert all(r.detail is None for r in rows)
    keys = series_keys(chunks[1])
    assert keys.values.tolist() == [["B", ""], ["B", "L2"]]


def test_parquet_gives_the_same_rows_numbered_from_one(tmp_path: Path) -> None:
    f = tmp_path / "sales.parquet"
    pq.write_table(
        pa.table(
            {
                "Item": ["A", "A", "B"],
                "period": ["2024-01", "2024-02", "2024-01"],
                "qty": pa.array([5, 6, 1], pa.int64()),
            }
        ),
        f,
    )
    rows = [r for c in _read(f) for r in c.itertuples(index=False)]
    assert [(r.row, r.item, r.location, r.qty) for r in rows] == [
        (1, "A", "", 5.0),
        (2, "A", "", 6.0),
        (3, "B", "", 1.0),
    ]


def test_a_bad_row_in_a_later_chunk_names_file_row_and_column(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    f.write_text(CSV + "D,2024-01,-3,\nD,2024-02,lots,\n")
    seen = []
    with pytest.raises(WorkbookInvalid) as err:
        for chunk in read_sales(f, chunk_rows=2):
            seen.append(len(chunk.rows))
    assert seen == [2, 2]  # the first chunks were good; the third one holds rows 6-7
    msg = str(err.value)  # the first bad chunk stops the read: row 8 is never reached
    assert msg == (
        "big.csv row 7, column qty: '-3.0': is out of range; expected a number >= 0 "
        "(nothing was imported)"
    )


def test_workbook_rules_apply(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("item,period,qty\nA,2024-01,1\nA,2024-13,2\n,2024-02,3\nA,2024-01,4\n")
    with pytest.raises(WorkbookInvalid) as err:
        _read(f, 10)
    msg = str(err.value)
    assert "s.csv row 3, column period: '2024-13': is not a period" in msg
    assert "s.csv row 4, column item: is blank; item is required" in msg
    assert "s.csv row 5, column item + period + location + customer + channel" in msg
    assert "repeats row 2" in msg
    f.write_text("item,qty\nA,1\n")
    with pytest.raises(WorkbookInvalid, match="required column 'period' is missing"):
        _read(f)


def test_one_granularity_known_items_and_stray_values(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("item,period,qty\nA,2024-01,1\nB,2024-02,1\nA,2024-Q1,2\n")
    with pytest.raises(WorkbookInvalid) as err:
        _read(f, 2)
    msg = str(err.value)
    assert "row 4, column period: '2024-Q1': is not a month" in msg
    with pytest.raises(
        WorkbookInvalid, match=re.escape("s.csv row 2, column period: '2024-01': is not a quarter")
    ):
        _read(f, 2, granularity=Granularity.QUARTER)
    with pytest.raises(WorkbookInvalid, match="row 3, column item: 'B': is not an item"):
        _read(f, 2, items={"A"})
    f.write_text("item;period;qty\nA;2024-01;1;9\n")
    with pytest.raises(WorkbookInvalid, match=re.escape("s.csv row 2: has 4 value")):
        _read(f)


def test_detail_and_unreadable_files(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("item,period,qty,customer\nA,2024-01,1,X\nA,2024-01,2,\n")
    rows = _read(f)[0]
    assert rows["detail"].tolist() == ["X\x1f", "\x1f"]
    with pytest.raises(SnopError, match="not a sales file"):
        _read(tmp_path / "s.xlsx")
    with pytest.raises(SnopError, match="no such file"):
        _read(tmp_path / "none.csv")
    bad = tmp_path / "b.parquet"
    bad.write_text("not parquet")
    with pytest.raises(SnopError, match=re.escape("b.parquet: is not a Parquet file")):
        _read(bad)
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(SnopError, match=re.escape("e.csv: is empty")):
        _read(empty)
    latin = tmp_path / "l.csv"
    latin.write_bytes("item,period,qty\nCaf\xe9,2024-01,1\n".encode("latin-1"))
    with pytest.raises(SnopError, match=re.escape("l.csv")):
        _read(latin)
