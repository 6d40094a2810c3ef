"""Typed records (an API write, rows of a program) checked exactly as CSV rows of their file.

Records are rendered to contract cells and parsed by the same rules as a CSV file, so an API write and an import
accept and refuse the same values. A few records of plain Python values are checked cell by cell (a small
fraction of the time of pandas' column operations on one row); anything else goes through the pandas path that
reads CSV files. Both give the same rows and the same problems in the same order (tests/test_contract_records.py).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from matcher import domain, reference
from matcher.cells import has_control, has_rrn, neutralise, restore
from matcher.csv_io import format_cells
from matcher.problems import Problem
from matcher.records import FILES, HOURLY_WAGE, LIST_SEP, MAX_INT, Column
from matcher.typed_frames import frame_of
from matcher.validation import (
    CONTROL_REASON,
    ISO_DATE,
    RRN_REASON,
    Checker,
    RawTable,
    finish_openings,
    finish_seekers,
    good_rows,
    parse_table,
)


def parse_records(kind: str, records: list[dict[str, object]]) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate typed records (e.g. from the API or the database) exactly as CSV rows of ``kind``.

    Records are rendered to contract cells and parsed by the same rules as a CSV
    file, so an API write and an import accept and refuse the same values. The
    line of a problem is the record's position, counted from 1. Returns the good
    rows (finished: coordinates and hourly wages filled) and the problems.
    Events are not checked against seekers and openings here.

    A few records of plain Python values (an API write, a catch-up's changed rows) are checked cell by cell
    (:func:`_parse_few`, a small fraction of the time of pandas' column operations on one row); anything else
    goes through the pandas path that reads CSV files. Both give the same rows and the same problems in the same
    order (tests/test_contract_records.py).
    """
    columns = FILES[kind]
    if 0 < len(records) <= FEW_RECORDS:
        few = _parse_few(kind, columns, records)
        if few is not None:
            rows, check = few
            return good_rows(frame_of(kind, columns, rows), check), check.problems
    return _parse_many(kind, columns, records)


def record_problems(kind: str, record: dict[str, object]) -> list[Problem]:
    """The problems :func:`parse_records` finds in one record, without building its table (an API write)."""
    few = _parse_few(kind, FILES[kind], [record])
    return parse_records(kind, [record])[1] if few is None else few[1].problems


def _parse_many(kind: str, columns: tuple[Column, ...], records: list[dict[str, object]]):
    """:func:`parse_records` by pandas' column operations, the code that reads CSV files."""
    # Object columns: pandas would turn whole numbers beside an empty value into floats, and a float holds whole
    # numbers exactly only up to 2**53 (2**53 + 1 would pass the size check as 2**53).
    frame = pd.DataFrame({c.name: pd.Series([r.get(c.name) for r in records], dtype=object) for c in columns})
    cells = format_cells(frame, columns).reset_index(drop=True)
    raw = RawTable(kind, list(cells.columns), cells.astype(object), np.arange(1, len(cells) + 1, dtype=np.int64), [])
    typed, check = parse_table(raw, columns, [])
    finish = {"seekers": finish_seekers, "openings": finish_openings}.get(kind)
    if finish is not None:
        typed = finish(typed, check)
    return good_rows(typed, check), check.problems


# -- a few records, cell by cell ------------------------------------------------------------------------------
FEW_RECORDS = 16  # up to this many records are checked cell by cell
# The order in which _parse_column flags a column's problems: a cell's reasons are flagged in this order, each
# step for every record before the next step, as the column operations do.
_STEPS = ("required", "length", "number", "huge", "fraction", "range", "unknown", "items")
_INTEGER = re.compile(r"-?\d+")
_ISO_DATE = re.compile(ISO_DATE)


class _NotPlain(Exception):
    """A value the cell-by-cell path does not render; the pandas path takes the records."""


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell(col: Column, value: Any) -> str:
    """One value as :func:`format_cells` renders it, for plain Python values only (else :class:`_NotPlain`)."""
    if col.kind in ("list", "enum_list"):
        if isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
            cell = LIST_SEP.join(value)
        elif value is None or isinstance(value, str):
            cell = value or ""
        else:
            raise _NotPlain(col.name)
    elif col.kind == "bool":
        if not (value is None or isinstance(value, bool)):
            raise _NotPlain(col.name)
        cell = "true" if value else "false"
    elif col.kind == "date":
        if value is None:
            return ""
        if type(value) not in (datetime, date, pd.Timestamp):
            raise _NotPlain(col.name)
        when = pd.Timestamp(value)
        day = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"  # zero-padded years, as pandas' strftime
        return day if when == when.floor("D") else f"{day}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    elif col.kind == "int":
        if _is_missing(value):
            return ""
        if type(value) in (int, float) and float(value).is_integer() and abs(value) < 2**63:  # int64, as pandas
            return str(int(value))
        raise _NotPlain(col.name)
    elif col.kind == "float":
        if _is_missing(value):
            return ""
        if type(value) not in (int, float):
            raise _NotPlain(col.name)
        return format(float(value), ".10g")
    elif value is None or isinstance(value, str):
        cell = value or ""
    else:
        raise _NotPlain(col.name)
    return neutralise(cell) if col.kind in ("text", "list") else cell


def _number(text: str) -> float | int | None:
    """A cell's number as pd.to_numeric reads the cells format_cells writes (None: not a number)."""
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return None


def _parse_cell(col: Column, cell: str) -> tuple[object, list[tuple[str, str]]]:
    """One cell as :func:`_parse_column` parses it: its value and its reasons, by step."""
    text = cell.strip()
    if col.kind in ("text", "list") and text.startswith("'"):
        text = restore(text)
    empty = text == ""
    reasons: list[tuple[str, str]] = []
    if col.required and empty:
        reasons.append(("required", "required value is missing"))
    if col.kind == "text":
        if col.max_length is not None and len(text) > col.max_length:
            reasons.append(("length", f"longer than {col.max_length} characters"))
        return (None if empty else text), reasons
    if col.kind in ("int", "float"):
        number = None if empty else _number(text.replace(",", ""))
        if not empty and number is None:
            reasons.append(("number", f"not a number: {text!r}"))
        if col.kind == "int" and number is not None:
            if abs(number) > MAX_INT:
                reasons.append(("huge", f"number too large: {text!r}"))
                number = None
            elif number % 1 != 0:
                reasons.append(("fraction", f"not a whole number: {text!r}"))
        if number is not None and (
            (col.low is not None and number < col.low) or (col.high is not None and number > col.high)
        ):
            bounds = f"{col.low if col.low is not None else ''}..{col.high if col.high is not None else ''}"
            reasons.append(("range", f"{text} is outside {bounds}"))
        if col.kind == "float":
            return (math.nan if number is None else float(number)), reasons
        if number is None:
            return (col.default if col.default is not None else pd.NA), reasons
        return round(number), reasons
    if col.kind == "date":
        when = (
            pd.NaT
            if empty or not _ISO_DATE.fullmatch(text)
            else pd.to_datetime(text, format="ISO8601", errors="coerce")
        )
        if not empty and pd.isna(when):
            reasons.append(("number", f"not an ISO date: {text!r}"))
        return when, reasons
    if col.kind == "bool":
        lowered = text.lower()
        truthy = lowered in ("true", "1", "yes", "y")
        if not empty and not truthy and lowered not in ("false", "0", "no", "n"):
            reasons.append(("unknown", f"expected true or false, found {text!r}"))
        return truthy, reasons
    if col.kind == "enum":
        if not empty and text not in col.choices:
            reasons.append(("unknown", f"unknown value {text!r} (allowed: {', '.join(col.choices)})"))
        return (col.default if empty else text), reasons
    items = tuple(x.strip() for x in text.split(LIST_SEP) if x.strip())
    if col.kind == "enum_list":
        bad = [x for x in items if x not in col.choices]
        if bad:
            reasons.append(("items", f"unknown value(s) {', '.join(bad)} (allowed: {', '.join(col.choices)})"))
    return items, reasons


def _parse_few(
    kind: str, columns: tuple[Column, ...], records: list[dict[str, object]]
) -> tuple[list[dict[str, Any]], Checker] | None:
    """:func:`parse_records` cell by cell: the typed rows (finished) and their problems; None when a value is not
    plain (the pandas path then takes the records)."""
    try:
        cells = [{col.name: _cell(col, record.get(col.name)) for col in columns} for record in records]
    except _NotPlain:
        return None
    n = len(records)
    check = Checker(RawTable(kind, [c.name for c in columns], pd.DataFrame(), np.arange(1, n + 1, dtype=np.int64), []))
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for col in columns:
        parsed = [_parse_cell(col, row[col.name]) for row in cells]
        for step in _STEPS:
            for i, (_, reasons) in enumerate(parsed):
                for at, reason in reasons:
                    if at == step:
                        check.flag(np.array([i]), col.name, reason)
        for row, (value, _) in zip(rows, parsed, strict=True):
            row[col.name] = value
    for col in columns:  # as _check_text: registration numbers, then control characters, per column
        if col.kind in ("text", "list"):
            for test, reason in ((has_rrn, RRN_REASON), (has_control, CONTROL_REASON)):
                for i, cell_row in enumerate(cells):
                    if test(cell_row[col.name]):
                        check.flag(np.array([i]), col.name, reason)
    if kind in ("seekers", "openings"):
        _finish_few(kind, rows, check)
    return rows, check


def _finish_few(kind: str, rows: list[dict[str, Any]], check: Checker) -> None:
    """:func:`finish_seekers` and :func:`finish_openings` on typed rows: the same checks in the same order."""
    key = "seeker_id" if kind == "seekers" else "opening_id"
    seen: set[object] = set()
    for i, row in enumerate(rows):
        if row[key] is not None and row[key] in seen:
            check.flag(np.array([i]), key, f"duplicate id {row[key]!r}")
        seen.add(row[key])
    table = reference.dongs()
    located = []
    for row in rows:
        has_lat, has_lon = not math.isnan(row["lat"]), not math.isnan(row["lon"])
        dong = row["dong"]
        located.append((has_lat ^ has_lon, dong is None, dong is not None and dong in table.index,
                        not (has_lat and has_lon)))  # fmt: skip
    for i, (half, *_) in enumerate(located):
        if half:
            check.flag(np.array([i]), "lat", "lat and lon must be given together")
    for i, (half, no_dong, _, no_coords) in enumerate(located):
        if no_dong and no_coords and not half:
            check.flag(np.array([i]), "dong", "dong is required unless lat and lon are given")
    names = ", ".join(table.index)
    for i, (half, no_dong, known, no_coords) in enumerate(located):
        if not no_dong and not known and no_coords and not half:
            check.flag(
                np.array([i]), "dong", f"unknown dong {rows[i]['dong']!r} and no lat/lon given (known dongs: {names})"
            )
    for row, (_, _, known, no_coords) in zip(rows, located, strict=True):
        if known and no_coords:
            row["lat"], row["lon"] = (float(v) for v in table.loc[row["dong"], ["lat", "lon"]])
    if kind == "seekers":
        wage = (HOURLY_WAGE[kind], "desired_wage_type", "desired_wage_amount", "desired_hours")
    else:
        for i, row in enumerate(rows):
            if pd.notna(row["age_min"]) and pd.notna(row["age_max"]) and row["age_min"] > row["age_max"]:
                check.flag(np.array([i]), "age_max", "age_max is below age_min")
        for i, row in enumerate(rows):
            if pd.notna(row["deadline"]) and row["deadline"] < row["posted_at"]:
                check.flag(np.array([i]), "deadline", "deadline is before posted_at")
        wage = (HOURLY_WAGE[kind], "wage_type", "wage_amount", "hours_per_week")
    hourly = domain.hourly_wage(
        np.array([row[wage[1]] for row in rows], dtype=object),
        np.array([_float(row[wage[2]]) for row in rows]),
        np.array([_float(row[wage[3]]) for row in rows]),
    )
    for row, value in zip(rows, hourly, strict=True):
        row[wage[0]] = float(value)


def _float(value: Any) -> float:
    return math.nan if value is None or value is pd.NA else float(value)
