"""Contract CSV files in and out: read a folder (every bad row reported with file, line, column and reason, or
left out and written with its reasons to ``rejected-<file>.csv``), and write typed tables back as contract cells.

A folder holds ``seekers.csv``, ``openings.csv`` and optionally ``events.csv``. Strict loading (the default)
raises :class:`ContractError` listing the bad rows; with ``skip_bad_rows=True`` they are left out and each one
is written, with its reason, to ``rejected-<file>.csv``: nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.cells import neutralise, redact
from matcher.problems import ContractError, Problem
from matcher.records import EVENT_COLUMNS, FILES, LIST_SEP, MAX_INT, OPENING_COLUMNS, SEEKER_COLUMNS, Column
from matcher.validation import (
    Checker,
    RawTable,
    finish_events,
    finish_openings,
    finish_seekers,
    good_rows,
    header_problems,
    parse_table,
)


@dataclass
class Dataset:
    """Validated, typed tables of one contract folder."""

    seekers: pd.DataFrame
    openings: pd.DataFrame
    events: pd.DataFrame
    rejected: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _read_raw(source: Path | io.TextIOBase, label: str) -> RawTable:
    """Read a CSV as strings; records of the wrong width become problems."""
    if isinstance(source, Path):
        try:
            text = source.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raw = source.read_bytes()
            line = raw[: exc.start].count(b"\n") + 1
            raise ContractError([Problem(label, line, "", "not valid UTF-8 (save the file as UTF-8 CSV)")]) from exc
        handle: io.TextIOBase = io.StringIO(text, newline="")
    else:
        handle = source
    reader = csv.reader(handle, strict=True)  # an unclosed quote is an error, not a swallowed file
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ContractError([Problem(label, 1, "", "the file is empty (no header row)")]) from None
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    previous_end = 1
    width = len(header)
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != width:
                problems.append(Problem(label, start, "", f"expected {width} fields, found {len(record)}"))
                record = (record + [""] * width)[:width]
            records.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise ContractError([Problem(label, reader.line_num, "", redact(f"broken CSV: {exc}"))]) from exc
    rows = pd.DataFrame(records, columns=header, dtype=object)
    return RawTable(label, header, rows, np.asarray(lines, dtype=np.int64), problems)


def _write_rejects(raw: RawTable, check: Checker, directory: Path, name: str) -> int:
    """Write every rejected row with its line and reasons; returns how many."""
    idx = np.flatnonzero(check.bad)
    path = directory / f"rejected-{name}.csv"
    if len(idx) == 0:
        path.unlink(missing_ok=True)
        return 0
    rejected = raw.rows.iloc[idx].copy()
    for col in rejected.columns:
        # A cell that looks like a resident registration number is not copied out.
        rejected[col] = rejected[col].fillna("").astype(str).map(redact)
    rejected.insert(0, "reason", [redact("; ".join(check.reasons[i])) for i in idx])
    rejected.insert(0, "line", raw.lines[idx])
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(rejected, path)
    return len(idx)


def load_folder(
    folder: str | Path,
    *,
    skip_bad_rows: bool = False,
    rejects_dir: str | Path | None = None,
) -> Dataset:
    """Load and validate a contract folder.

    Parameters
    ----------
    folder : the folder holding ``seekers.csv``, ``openings.csv`` and optionally ``events.csv``.
    skip_bad_rows : leave bad rows out instead of failing; each goes to ``rejected-*.csv``.
    rejects_dir : where the rejected files go (default: ``folder``).

    Raises
    ------
    ContractError
        Strict mode: any bad row. Either mode: a missing file or required column.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder not found: {folder}")
    for required in ("seekers.csv", "openings.csv"):
        if not (folder / required).is_file():
            raise ContractError([Problem(required, 0, "", f"file is missing from {folder}")])
    warn: list[str] = []
    raws = {
        "seekers": _read_raw(folder / "seekers.csv", "seekers.csv"),
        "openings": _read_raw(folder / "openings.csv", "openings.csv"),
    }
    events_path = folder / "events.csv"
    if events_path.is_file():
        raws["events"] = _read_raw(events_path, "events.csv")
    else:
        warn.append("events.csv is absent: no history, content-only ranking")
        header = ",".join(c.name for c in EVENT_COLUMNS)
        raws["events"] = _read_raw(io.StringIO(header + "\n"), "events.csv")

    # What stops a whole file comes first, for every file at once: a header, a file with no rows.
    fatal = [p for name, raw in raws.items() for p in header_problems(raw, FILES[name])]
    if fatal:
        raise ContractError(fatal)
    for name in ("seekers", "openings"):
        if raws[name].rows.empty:
            fatal.append(Problem(f"{name}.csv", 1, "", f"the file has a header but no rows: no {name} to match"))
    if fatal:
        raise ContractError(fatal)

    seekers, seeker_check = parse_table(raws["seekers"], SEEKER_COLUMNS, warn)
    seekers = finish_seekers(seekers, seeker_check)
    openings, opening_check = parse_table(raws["openings"], OPENING_COLUMNS, warn)
    openings = finish_openings(openings, opening_check)
    events, event_check = parse_table(raws["events"], EVENT_COLUMNS, warn)
    # Events may only point at rows that survive validation.
    ids = {
        "seeker_id": (seekers["seeker_id"], seeker_check.bad),
        "opening_id": (openings["opening_id"], opening_check.bad),
    }
    valid = {key: pd.Index(values[~bad]) for key, (values, bad) in ids.items()}
    refused = {key: pd.Index(values[bad]) for key, (values, bad) in ids.items()}
    events = finish_events(events, event_check, valid, refused)

    checks = {"seekers": seeker_check, "openings": opening_check, "events": event_check}
    problems = [p for c in checks.values() for p in sorted(c.problems, key=lambda p: p.line)]
    rows = {f"{name}.csv": len(raw.rows) for name, raw in raws.items()}
    if problems and not skip_bad_rows:
        raise ContractError(problems, hint="Fix the rows above, or rerun with --skip-bad-rows.", rows=rows)
    rejected: dict[str, int] = {}
    out_dir = Path(rejects_dir) if rejects_dir is not None else folder
    for name, check in checks.items():
        rejected[name] = _write_rejects(raws[name], check, out_dir, name) if skip_bad_rows else 0
        if rejected[name]:
            warn.append(f"{name}.csv: {rejected[name]} bad row(s) skipped, see {out_dir / f'rejected-{name}.csv'}")
    for name in ("seekers", "openings"):
        if checks[name].bad.all():
            raise ContractError(
                [p for p in problems if p.file == f"{name}.csv"],
                hint=f"Every row of {name}.csv was refused (see {out_dir / f'rejected-{name}.csv'}): no {name} left.",
                rows=rows,
            )
    for message in warn:
        warnings.warn(message, stacklevel=2)
    return Dataset(
        seekers=good_rows(seekers, seeker_check),
        openings=good_rows(openings, opening_check),
        events=good_rows(events, event_check),
        rejected=rejected,
        warnings=warn,
    )


def format_cells(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Render typed tables back to contract cells (lists with ';', bools, ISO dates)."""
    out = {}
    for col in columns:
        values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame), index=frame.index)
        if col.kind in ("list", "enum_list"):
            out[col.name] = values.map(lambda xs: LIST_SEP.join(xs) if isinstance(xs, (list, tuple)) else (xs or ""))
        elif col.kind == "bool":
            out[col.name] = values.map(lambda b: "true" if bool(b) else "false")
        elif col.kind == "date":
            dates = pd.to_datetime(values)
            has_time = (dates.dt.floor("D") != dates).fillna(False)
            text = dates.dt.strftime("%Y-%m-%d").where(~has_time, dates.dt.strftime("%Y-%m-%dT%H:%M:%S"))
            out[col.name] = text.fillna("")
        elif col.kind == "int":
            # Text stays as given, so the reader judges it as the CSV cell it would be (not dropped as empty).
            given = values.map(lambda v: isinstance(v, str))
            numbers = pd.to_numeric(values.where(~given), errors="coerce")
            text = numbers.astype("Int64").astype(str).replace("<NA>", "")
            # Beside an empty value the numbers went through floats: one past 2**53 is written as given, so that
            # reading it back refuses it as too big instead of taking the float's neighbour.
            exact = values.map(lambda v: type(v) is int and abs(v) > MAX_INT)
            out[col.name] = text.where(~exact, values.astype(str)).where(~given, values)
        elif col.kind == "float":
            out[col.name] = values.map(_float_cell)
        else:  # as objects first: an all-empty text column is float NaN, which fillna("") would not keep
            out[col.name] = values.astype(object).fillna("").astype(str)
        if col.kind in ("text", "list"):
            # Read back by restore() in _parse_column.
            out[col.name] = out[col.name].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return pd.DataFrame(out, index=frame.index)


def _float_cell(value: Any) -> str:
    """A float column's cell: text as given (the reader judges it), a number to ten significant digits."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else format(float(value), ".10g")


def write_table(frame: pd.DataFrame, path: str | Path, kind: str) -> None:
    """Write a typed table as a contract CSV (``kind``: seekers, openings or events)."""
    cells = format_cells(frame, FILES[kind])
    cells.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write any table for people to open (recommendations, rejected rows, the access log) as UTF-8 CSV, every
    text cell neutralised against spreadsheet formulas (matcher.cells.neutralise)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
