"""The one JSON form of snop's results: every ``--json``, the REST API and stored documents.

:func:`jsonable` turns a result (dataclasses, enums, frames, numpy values, periods, dates)
into plain JSON values; :func:`dumps` writes them. NaN and infinities become ``null``
(JSON has no such numbers), frames become lists of records, and floats keep every digit
(Python's ``repr``), so a value read back from a stored document is the value written.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """``value`` as JSON values (dict, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, (bool, str)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.DataFrame):
        return frame_records(value)
    if isinstance(value, pd.Series):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)  # a solver's state, say, has no JSON form
        }
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    label = getattr(value, "label", None)  # a Period
    if isinstance(label, str):
        return label
    if value is pd.NaT or value is pd.NA:
        return None
    raise TypeError(f"{type(value).__name__} has no JSON form")


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as a list of records, one JSON object per row, in column order."""
    cols = [str(c) for c in df.columns]
    return [
        {c: jsonable(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text (UTF-8 characters kept, NaN refused after :func:`jsonable`)."""
    return json.dumps(jsonable(value), indent=indent, ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Any:
    return json.loads(text)
