"""The contract's checks on a table of text cells: each column typed, ranged and coded as matcher.records
declares it, text cells kept free of registration numbers and control characters, then the rows' own rules (unique
ids, a known place, ages and dates in order, events naming good rows). Every bad cell marks its row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher import reference
from matcher.cells import has_control, has_rrn, redact, restore
from matcher.problems import ContractError, Problem
from matcher.records import LIST_SEP, MAX_INT, Column
from matcher.typed_frames import add_hourly_wage, fill_location

# 2020-03-02 or 2020-03-02T14:05:00 (seconds, fraction and a space separator tolerated)
ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"


@dataclass
class RawTable:
    """A CSV file as strings, with the line each record starts on."""

    label: str
    header: list[str]
    rows: pd.DataFrame  # all strings, original columns
    lines: np.ndarray
    problems: list[Problem]


class Checker:
    """Collects problems for one table; each problem marks its row as bad."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.bad = np.zeros(len(raw.lines), dtype=bool)
        self.reasons: list[list[str]] = [[] for _ in range(len(raw.lines))]
        self.problems: list[Problem] = []
        line_to_row = {int(line): i for i, line in enumerate(raw.lines)}
        for p in raw.problems:
            self.flag(np.array([line_to_row[p.line]]), p.column, p.reason)

    def flag(
        self, rows: Iterable[int] | np.ndarray, column: str, reason: str | list[str], *, knock_on: bool = False
    ) -> None:
        rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        for k, i in enumerate(rows):
            why = reason[k] if isinstance(reason, list) else reason
            why = redact(why)  # a reason may quote a cell; a registration number is never repeated
            self.bad[i] = True
            self.reasons[i].append(f"{column}: {why}" if column else why)
            self.problems.append(Problem(self.raw.label, int(self.raw.lines[i]), column, why, knock_on))


def _parse_column(col: Column, values: pd.Series, check: Checker) -> pd.Series:
    """Parse one column of strings into its type, flagging bad cells."""
    raw = values.fillna("").astype(str)
    text = raw.str.strip()
    if col.kind in ("text", "list"):
        # A cell written with a leading apostrophe against spreadsheet formulas (matcher.cells); one after leading
        # spaces was the value's own, never added, and stays.
        escaped = raw.str.startswith("'").to_numpy()
        if escaped.any():
            text = text.where(~escaped, text.map(restore))
    empty = (text == "").to_numpy()
    if col.required:
        check.flag(empty, col.name, "required value is missing")
    if col.kind == "text":
        if col.max_length is not None:
            long = (text.str.len() > col.max_length).to_numpy()
            check.flag(long, col.name, f"longer than {col.max_length} characters")
        return text.where(~empty, None)
    if col.kind in ("int", "float"):
        plain = text.str.replace(",", "", regex=False)
        numbers = pd.to_numeric(plain, errors="coerce")
        unparsable = ~empty & numbers.isna().to_numpy()
        check.flag(unparsable, col.name, [f"not a number: {v!r}" for v in text[unparsable]])
        if col.kind == "int":
            huge = ~empty & ~unparsable & (numbers.abs() > MAX_INT).fillna(False).to_numpy()
            # Beside an empty cell the numbers are floats, which hold whole numbers exactly only up to 2**53: one
            # just past it would pass as its neighbour. Long digit strings are compared exactly.
            long = np.flatnonzero(plain.str.fullmatch(r"-?\d{16,}").fillna(False).to_numpy() & ~huge)
            huge[long] = [abs(int(plain.iat[i])) > MAX_INT for i in long]
            check.flag(huge, col.name, [f"number too large: {v!r}" for v in text[huge]])
            numbers = numbers.where(~huge)
            unparsable |= huge
            fractional = ~empty & ~unparsable & (numbers.fillna(0) % 1 != 0).to_numpy()
            check.flag(fractional, col.name, [f"not a whole number: {v!r}" for v in text[fractional]])
        out_of_range = np.zeros(len(text), dtype=bool)
        if col.low is not None:
            out_of_range |= (numbers < col.low).to_numpy()
        if col.high is not None:
            out_of_range |= (numbers > col.high).to_numpy()
        bounds = f"{col.low if col.low is not None else ''}..{col.high if col.high is not None else ''}"
        check.flag(out_of_range, col.name, [f"{v} is outside {bounds}" for v in text[out_of_range]])
        if col.kind == "int":
            parsed = numbers.round().astype("Int64")
            return parsed.fillna(col.default) if col.default is not None else parsed
        return numbers.astype(float)
    if col.kind == "bool":
        lowered = text.str.lower()
        truthy = lowered.isin(["true", "1", "yes", "y"])
        falsy = lowered.isin(["false", "0", "no", "n"])
        unknown = ~empty & ~(truthy | falsy).to_numpy()
        check.flag(unknown, col.name, [f"expected true or false, found {v!r}" for v in text[unknown]])
        return truthy.astype(bool)
    if col.kind == "date":
        iso = text.str.fullmatch(ISO_DATE).to_numpy()
        parsed = pd.to_datetime(text.where(~empty & iso, None), format="ISO8601", errors="coerce")
        unparsable = ~empty & parsed.isna().to_numpy()
        check.flag(unparsable, col.name, [f"not an ISO date: {v!r}" for v in text[unparsable]])
        return parsed
    if col.kind == "enum":
        unknown = ~empty & ~text.isin(col.choices).to_numpy()
        allowed = ", ".join(col.choices)
        check.flag(unknown, col.name, [f"unknown value {v!r} (allowed: {allowed})" for v in text[unknown]])
        if col.default is not None:
            return text.where(~empty, col.default)
        return text.where(~empty, None)
    if col.kind in ("list", "enum_list"):
        items = text.map(lambda s: tuple(x.strip() for x in s.split(LIST_SEP) if x.strip()))
        if col.kind == "enum_list":
            choices = set(col.choices)
            bad_items = items.map(lambda xs: [x for x in xs if x not in choices])
            has_bad = (bad_items.map(len) > 0).to_numpy()
            names = ", ".join(col.choices)
            check.flag(
                has_bad,
                col.name,
                [f"unknown value(s) {', '.join(b)} (allowed: {names})" for b in bad_items[has_bad]],
            )
        return items
    raise ValueError(f"unknown column kind {col.kind}")


def parse_table(raw: RawTable, columns: tuple[Column, ...], warn: list[str]) -> tuple[pd.DataFrame, Checker]:
    """Type every contract column of a raw table; missing optional columns take defaults."""
    header = header_problems(raw, columns)
    if header:
        raise ContractError(header)
    check = Checker(raw)
    known = {c.name for c in columns}
    extra = [h or "(blank)" for h in dict.fromkeys(raw.header) if h not in known]
    if extra:
        warn.append(f"{raw.label}: ignoring unknown column(s): {', '.join(extra)}")
    typed = {}
    n = len(raw.rows)
    for col in columns:
        values = raw.rows[col.name] if col.name in raw.header else pd.Series([""] * n, dtype=object)
        typed[col.name] = _parse_column(col, values.reset_index(drop=True), check)
    _check_text(raw, columns, check)
    return pd.DataFrame(typed), check


def header_problems(raw: RawTable, columns: tuple[Column, ...]) -> list[Problem]:
    """Required columns missing from the header, and contract columns named twice in it."""
    known = {c.name for c in columns}
    missing = [c.name for c in columns if c.required and c.name not in raw.header]
    twice = sorted({h for h in raw.header if h in known and raw.header.count(h) > 1})
    return [Problem(raw.label, 1, name, "required column is missing from the header") for name in missing] + [
        Problem(raw.label, 1, h, "column appears more than once in the header") for h in twice
    ]


RRN_REASON = "looks like a resident registration number (주민등록번호), which is never stored"
CONTROL_REASON = "holds a control character (e.g. NUL)"


def _check_text(raw: RawTable, columns: tuple[Column, ...], check: Checker) -> None:
    """Refuse any text cell that holds a registration number, however written, or a control character."""
    for col in columns:
        if col.kind in ("text", "list") and col.name in raw.header:
            cells = raw.rows[col.name].fillna("").astype(str)
            distinct = cells.unique()
            with_rrn = {c for c in distinct if has_rrn(c)}
            # The value itself is never echoed: it must not reach logs or reject files.
            check.flag(cells.isin(with_rrn).to_numpy(), col.name, RRN_REASON)
            with_control = {c for c in distinct if has_control(c)}
            check.flag(cells.isin(with_control).to_numpy(), col.name, CONTROL_REASON)


def _flag_duplicates(frame: pd.DataFrame, key: str, check: Checker) -> None:
    ids = frame[key]
    dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    check.flag(dup, key, [f"duplicate id {v!r}" for v in ids[dup]])


def _resolve_location(frame: pd.DataFrame, check: Checker) -> None:
    """Fill lat/lon from the dong table; a dong unknown without lat/lon is an error."""
    has_lat, has_lon = frame["lat"].notna().to_numpy(), frame["lon"].notna().to_numpy()
    half = has_lat ^ has_lon
    check.flag(half, "lat", "lat and lon must be given together")
    table = reference.dongs()
    dong = frame["dong"]
    known = dong.isin(table.index).to_numpy()
    no_dong = dong.isna().to_numpy()
    no_coords = ~(has_lat & has_lon)
    check.flag(no_dong & no_coords & ~half, "dong", "dong is required unless lat and lon are given")
    unknown = ~no_dong & ~known & no_coords & ~half
    names = ", ".join(table.index)
    check.flag(
        unknown,
        "dong",
        [f"unknown dong {v!r} and no lat/lon given (known dongs: {names})" for v in dong[unknown]],
    )
    fill_location(frame)


def finish_seekers(frame: pd.DataFrame, check: Checker) -> pd.DataFrame:
    """Seekers' row rules (unique ids, a known place), then coordinates and hourly wages."""
    _flag_duplicates(frame, "seeker_id", check)
    _resolve_location(frame, check)
    add_hourly_wage("seekers", frame)
    return frame


def finish_openings(frame: pd.DataFrame, check: Checker) -> pd.DataFrame:
    """Openings' row rules (unique ids, a known place, ages and dates in order), then coordinates and wages."""
    _flag_duplicates(frame, "opening_id", check)
    _resolve_location(frame, check)
    ages = frame[["age_min", "age_max"]].astype(float)
    inverted = (ages["age_min"] > ages["age_max"]).to_numpy()
    check.flag(inverted, "age_max", "age_max is below age_min")
    early = (frame["deadline"] < frame["posted_at"]).to_numpy()
    check.flag(early, "deadline", "deadline is before posted_at")
    add_hourly_wage("openings", frame)
    return frame


def finish_events(
    frame: pd.DataFrame, check: Checker, valid: dict[str, pd.Index], refused: dict[str, pd.Index]
) -> pd.DataFrame:
    """Events must name valid seekers and openings (``valid``: ids per key); an id whose own row was
    refused (``refused``) makes a knock-on problem, fixed by fixing that row."""
    for key, label in (("seeker_id", "seekers.csv"), ("opening_id", "openings.csv")):
        unknown = (~frame[key].isin(valid[key]) & frame[key].notna()).to_numpy()
        knock_on = unknown & frame[key].isin(refused[key]).to_numpy()
        absent = unknown & ~knock_on
        for rows, why, cause in (
            (knock_on, "its row in {} was refused", True),
            (absent, "not a valid row of {}", False),
        ):
            reasons = [f"unknown id {v!r} ({why.format(label)})" for v in frame[key][rows]]
            check.flag(rows, key, reasons, knock_on=cause)
    return frame


def good_rows(frame: pd.DataFrame, check: Checker) -> pd.DataFrame:
    return frame.loc[~check.bad].reset_index(drop=True)
