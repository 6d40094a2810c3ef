"""Typed tables of records, as :func:`matcher.csv_io.load_folder` gives them: each column's dtype, and the columns
computed from a record (coordinates from the dong, hourly wages).

Values that are already typed (rows of the service's database, checked on their way in) become a table here
without a round trip through text: :func:`records_frame`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matcher import domain, reference
from matcher.records import FILES, HOURLY_WAGE, Column

TEXT_DTYPE = pd.Series([""], dtype=object).astype(str).dtype  # what the CSV checks give text columns
_TYPED_DTYPES = {"int": "Int64", "float": "float64", "bool": "bool"}
# What the CSV checks give a column of dates, and one with none.
_DATE_DTYPE = pd.to_datetime(pd.Series(["2020-01-01"], dtype=object), format="ISO8601").dtype
_NO_DATE_DTYPE = pd.to_datetime(pd.Series([None], dtype=object), format="ISO8601").dtype
# The columns of each record's wage: type, amount, weekly hours.
WAGE_COLUMNS = {
    "seekers": ("desired_wage_type", "desired_wage_amount", "desired_hours"),
    "openings": ("wage_type", "wage_amount", "hours_per_week"),
}


def frame_of(kind: str, columns: tuple[Column, ...], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed rows (finished: coordinates and hourly wage given) as a table with the CSV checks' dtypes."""
    typed: dict[str, pd.Series] = {}
    for col in columns:
        values = [row[col.name] for row in rows]
        if col.is_list:
            column = np.empty(len(values), dtype=object)
            column[:] = values
            typed[col.name] = pd.Series(column)
        elif col.kind == "date":  # pandas gives a column of no dates a coarser unit
            typed[col.name] = pd.Series(values, dtype=_DATE_DTYPE if pd.notna(values).any() else _NO_DATE_DTYPE)
        else:
            typed[col.name] = pd.Series(values, dtype=_TYPED_DTYPES.get(col.kind, TEXT_DTYPE))
    if kind in HOURLY_WAGE:
        typed[HOURLY_WAGE[kind]] = pd.Series([row[HOURLY_WAGE[kind]] for row in rows], dtype="float64")
    return pd.DataFrame(typed)


def records_frame(kind: str, records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Records already checked (the service database's rows) as the table :func:`matcher.csv_io.load_folder`
    gives for the same rows, without rendering them to text: text trimmed (empty is missing), lists as tuples,
    defaults for missing values, then coordinates from the dong and hourly wages."""
    columns = FILES[kind]
    rows = [{col.name: _value(col, record.get(col.name)) for col in columns} for record in records]
    if kind in HOURLY_WAGE:
        for row in rows:
            row[HOURLY_WAGE[kind]] = np.nan
    frame = frame_of(kind, columns, rows)
    if kind in HOURLY_WAGE:
        fill_location(frame)
        add_hourly_wage(kind, frame)
    return frame


def _value(col: Column, value: Any) -> Any:
    """A stored value as the CSV checks type its cell."""
    if col.is_list:
        return tuple(value or ())
    if col.kind == "text":
        text = (value or "").strip()
        return text or None
    if value is None:
        return col.default if col.default is not None else (False if col.kind == "bool" else None)
    return value


def fill_location(frame: pd.DataFrame) -> None:
    """Fill lat/lon from the dong's centroid (matcher/data/dongs.csv) where a known dong has no coordinates."""
    table = reference.dongs()
    dong = frame["dong"]
    fill = dong.isin(table.index).to_numpy() & ~(frame["lat"].notna().to_numpy() & frame["lon"].notna().to_numpy())
    frame.loc[fill, "lat"] = table.loc[dong[fill], "lat"].to_numpy()
    frame.loc[fill, "lon"] = table.loc[dong[fill], "lon"].to_numpy()


def add_hourly_wage(kind: str, frame: pd.DataFrame) -> None:
    """The record's wage in KRW per hour (matcher.domain.hourly_wage), as ``desired_wage_hourly`` or ``wage_hourly``."""
    wage_type, amount, hours = WAGE_COLUMNS[kind]
    frame[HOURLY_WAGE[kind]] = domain.hourly_wage(
        frame[wage_type].to_numpy(dtype=object),
        frame[amount].astype(float).to_numpy(),
        frame[hours].astype(float).to_numpy(),
    )
