"""Helpers shared by the step modules: JSON-safe values for the results files."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd


def missing(value: Any) -> bool:
    """None, NaN or NA: what ``isna`` finds in a cell."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def blank(value: Any) -> bool:
    """Missing (:func:`missing`) or the empty string."""
    return missing(value) or value == ""


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, NaN and NA as None, numpy scalars as Python."""
    if missing(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as JSON-safe dicts."""
    return [{str(k): jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
