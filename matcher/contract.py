"""The CSV interchange contract (shared/spec/data-format.md): read, validate, write.

A folder holds ``seekers.csv``, ``openings.csv`` and optionally ``events.csv``.
Every bad row is reported with file, line, column and reason. Strict loading
(the default) raises :class:`ContractError` listing them; with
``skip_bad_rows=True`` bad rows are left out and each one is written, with its
reason, to ``rejected-<file>.csv``: nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import domain, reference
from matcher.cells import has_control, has_rrn, neutralise, redact, restore

LIST_SEP = ";"
# 2020-03-02 or 2020-03-02T14:05:00 (seconds, fraction and a space separator tolerated)
ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
MAX_INT = 2**53  # beyond this a CSV number cannot be held exactly
MAX_LISTED_PROBLEMS = 50

# Text cells: registration numbers, control characters and spreadsheet formulas are handled in matcher.cells.
# Ids and names are held in database columns of these lengths (service.tables).
ID_LENGTH = 64


@dataclass(frozen=True)
class Column:
    """One column of a contract file and how to parse it."""

    name: str
    kind: str  # text, int, float, bool, date, enum, list, enum_list
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    default: object = None
    max_length: int | None = None  # characters, for text


SEEKER_COLUMNS: tuple[Column, ...] = (
    Column("seeker_id", "text", required=True, max_length=ID_LENGTH),
    Column("name", "text", max_length=200),  # for the center's staff only: never a feature, never shown to employers
    Column("birth_year", "int", required=True, low=1930, high=2012),
    Column("gender", "enum", choices=domain.GENDERS),
    Column("dong", "text", max_length=100),
    Column("lat", "float", low=-90, high=90),
    Column("lon", "float", low=-180, high=180),
    Column("groups", "enum_list", choices=domain.GROUPS),
    Column("education", "enum", choices=domain.EDUCATION_LEVELS),
    Column("experience_years", "float", low=0, high=80),
    Column("occupations", "list"),
    Column("skills", "list"),
    Column("desired_occupations", "list"),
    Column("desired_industries", "list"),
    Column("desired_wage_type", "enum", choices=domain.WAGE_TYPES),
    Column("desired_wage_amount", "int", low=0),
    Column("desired_hours", "int", low=1, high=168),
    Column("max_commute_km", "float", low=0),
    Column("intro", "text"),
    Column("consent_employer_view", "bool", default=False),
    Column("access_needs", "enum_list", choices=domain.ACCESS_KINDS),
)

OPENING_COLUMNS: tuple[Column, ...] = (
    Column("opening_id", "text", required=True, max_length=ID_LENGTH),
    Column("employer_id", "text", required=True, max_length=ID_LENGTH),
    Column("employer_name", "text", required=True, max_length=200),
    Column("title", "text", required=True, max_length=300),
    Column("occupation", "text", max_length=200),
    Column("industry", "text", max_length=200),
    Column("dong", "text", max_length=100),
    Column("lat", "float", low=-90, high=90),
    Column("lon", "float", low=-180, high=180),
    Column("wage_type", "enum", choices=domain.WAGE_TYPES),
    Column("wage_amount", "int", low=0),
    Column("hours_per_week", "int", low=1, high=168),
    Column("employment_type", "enum", choices=domain.EMPLOYMENT_TYPES),
    Column("required_skills", "list"),
    Column("preferred_skills", "list"),
    Column("education_min", "enum", choices=domain.EDUCATION_LEVELS),
    Column("experience_min_years", "float", low=0, high=80),
    Column("program", "enum", choices=reference.program_codes(), default="general"),
    Column("target_groups", "enum_list", choices=domain.GROUPS),
    Column("age_min", "int", low=0, high=120),
    Column("age_max", "int", low=0, high=120),
    Column("positions", "int", low=1, default=1),
    Column("posted_at", "date", required=True),
    Column("deadline", "date"),
    Column("description", "text"),
    Column("access_offered", "enum_list", choices=domain.ACCESS_KINDS),
    Column("access_not_offered", "enum_list", choices=domain.ACCESS_KINDS),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("seeker_id", "text", required=True, max_length=ID_LENGTH),
    Column("opening_id", "text", required=True, max_length=ID_LENGTH),
    Column("event", "enum", required=True, choices=domain.EVENT_KINDS),
    Column("occurred_at", "date", required=True),
)

FILES: dict[str, tuple[Column, ...]] = {
    "seekers": SEEKER_COLUMNS,
    "openings": OPENING_COLUMNS,
    "events": EVENT_COLUMNS,
}
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in cols if c.kind in ("text", "list")) for name, cols in FILES.items()
}


@dataclass(frozen=True)
class Problem:
    """A bad cell or row: where it is and why it was refused.

    ``knock_on`` marks an event refused only because the seeker or opening it names was itself
    refused: fixing that row fixes the event.
    """

    file: str
    line: int
    column: str
    reason: str
    knock_on: bool = False

    def __str__(self) -> str:
        where = f" column {self.column!r}:" if self.column else ""
        return f"{self.file}:{self.line}:{where} {self.reason}"


class ContractError(ValueError):
    """Input that breaks the contract; ``problems`` lists every bad row found.

    The message leads with the causes: files in the order seekers, openings, events; a column
    refused in most rows as one line; events refused only because of rows refused above as one line.
    """

    def __init__(self, problems: list[Problem], hint: str = "", rows: dict[str, int] | None = None) -> None:
        self.problems = problems
        lines = summary_lines(problems, rows)
        shown = "\n".join(f"  {line}" for line in lines[:MAX_LISTED_PROBLEMS])
        more = len(lines) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        hint = f"\n{hint}" if hint else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{tail}{hint}")


FILE_ORDER = ("seekers.csv", "openings.csv", "events.csv")
# A column refused in at least this share of a file's rows (and this many) is reported as one line.
BROKEN_COLUMN_SHARE = 0.5
BROKEN_COLUMN_MIN = 5


def summary_lines(problems: list[Problem], rows: dict[str, int] | None = None) -> list[str]:
    """The problems as the lines a person reads: causes first, the knock-on events as one line, and,
    given ``rows`` (records per file), each column refused in most rows of its file as one line."""
    order = {name: i for i, name in enumerate(FILE_ORDER)}
    ranked = sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.file, p.line))
    own = [p for p in ranked if not p.knock_on]
    knock_on = [p for p in ranked if p.knock_on]
    lines: list[str] = []
    for file in dict.fromkeys(p.file for p in own):
        here = [p for p in own if p.file == file]
        total = (rows or {}).get(file, 0)
        broken = {}
        for column in dict.fromkeys(p.column for p in here if p.column and p.line > 1 and total):
            hits = [p for p in here if p.column == column]
            if len(hits) >= max(BROKEN_COLUMN_MIN, BROKEN_COLUMN_SHARE * total):
                broken[column] = hits
        for column, hits in broken.items():
            first = hits[0]
            lines.append(
                f"{file}: column {column!r} refused in {len(hits):,} of {total:,} rows, "
                f"e.g. line {first.line}: {first.reason}"
            )
        lines.extend(str(p) for p in here if p.column not in broken or p.line <= 1)
    if knock_on:
        named = {p.column for p in knock_on}
        kinds = " or ".join(
            kind for key, kind in (("seeker_id", "seekers"), ("opening_id", "openings")) if key in named
        )
        lines.append(
            f"events.csv: {len(knock_on):,} row(s) name {kinds} refused above "
            f"(first at line {min(p.line for p in knock_on)}); they load once those rows are fixed"
        )
    return lines


@dataclass
class Dataset:
    """Validated, typed tables of one contract folder."""

    seekers: pd.DataFrame
    openings: pd.DataFrame
    events: pd.DataFrame
    rejected: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    """A CSV file as strings, with the line each record starts on."""

    label: str
    header: list[str]
    rows: pd.DataFrame  # all strings, original columns
    lines: np.ndarray
    problems: list[Problem]


def _read_raw(source: Path | io.TextIOBase, label: str) -> _Raw:
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
    return _Raw(label, header, rows, np.asarray(lines, dtype=np.int64), problems)


class _Checker:
    """Collects problems for one table; each problem marks its row as bad."""

    def __init__(self, raw: _Raw) -> None:
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


def _parse_column(col: Column, values: pd.Series, check: _Checker) -> pd.Series:
    """Parse one column of strings into its type, flagging bad cells."""
    text = values.fillna("").astype(str).str.strip()
    if col.kind in ("text", "list"):
        escaped = text.str.startswith("'").to_numpy()
        if escaped.any():  # a cell written with a leading apostrophe against spreadsheet formulas (matcher.cells)
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


def _parse_table(raw: _Raw, columns: tuple[Column, ...], warn: list[str]) -> tuple[pd.DataFrame, _Checker]:
    """Type every contract column of a raw table; missing optional columns take defaults."""
    header = header_problems(raw, columns)
    if header:
        raise ContractError(header)
    check = _Checker(raw)
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


def header_problems(raw: _Raw, columns: tuple[Column, ...]) -> list[Problem]:
    """Required columns missing from the header, and contract columns named twice in it."""
    known = {c.name for c in columns}
    missing = [c.name for c in columns if c.required and c.name not in raw.header]
    twice = sorted({h for h in raw.header if h in known and raw.header.count(h) > 1})
    return [Problem(raw.label, 1, name, "required column is missing from the header") for name in missing] + [
        Problem(raw.label, 1, h, "column appears more than once in the header") for h in twice
    ]


RRN_REASON = "looks like a resident registration number (주민등록번호), which is never stored"
CONTROL_REASON = "holds a control character (e.g. NUL)"


def _check_text(raw: _Raw, columns: tuple[Column, ...], check: _Checker) -> None:
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


def _flag_duplicates(frame: pd.DataFrame, key: str, check: _Checker) -> None:
    ids = frame[key]
    dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    check.flag(dup, key, [f"duplicate id {v!r}" for v in ids[dup]])


def _resolve_location(frame: pd.DataFrame, check: _Checker) -> None:
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
    fill = known & no_coords
    frame.loc[fill, "lat"] = table.loc[dong[fill], "lat"].to_numpy()
    frame.loc[fill, "lon"] = table.loc[dong[fill], "lon"].to_numpy()


def _finish_seekers(frame: pd.DataFrame, check: _Checker) -> pd.DataFrame:
    _flag_duplicates(frame, "seeker_id", check)
    _resolve_location(frame, check)
    frame["desired_wage_hourly"] = domain.hourly_wage(
        frame["desired_wage_type"].to_numpy(dtype=object),
        frame["desired_wage_amount"].astype(float).to_numpy(),
        frame["desired_hours"].astype(float).to_numpy(),
    )
    return frame


def _finish_openings(frame: pd.DataFrame, check: _Checker) -> pd.DataFrame:
    _flag_duplicates(frame, "opening_id", check)
    _resolve_location(frame, check)
    ages = frame[["age_min", "age_max"]].astype(float)
    inverted = (ages["age_min"] > ages["age_max"]).to_numpy()
    check.flag(inverted, "age_max", "age_max is below age_min")
    early = (frame["deadline"] < frame["posted_at"]).to_numpy()
    check.flag(early, "deadline", "deadline is before posted_at")
    frame["wage_hourly"] = domain.hourly_wage(
        frame["wage_type"].to_numpy(dtype=object),
        frame["wage_amount"].astype(float).to_numpy(),
        frame["hours_per_week"].astype(float).to_numpy(),
    )
    return frame


def _finish_events(
    frame: pd.DataFrame, check: _Checker, valid: dict[str, pd.Index], refused: dict[str, pd.Index]
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


def _split(frame: pd.DataFrame, check: _Checker) -> pd.DataFrame:
    return frame.loc[~check.bad].reset_index(drop=True)


def _write_rejects(raw: _Raw, check: _Checker, directory: Path, name: str) -> int:
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

    seekers, seeker_check = _parse_table(raws["seekers"], SEEKER_COLUMNS, warn)
    seekers = _finish_seekers(seekers, seeker_check)
    openings, opening_check = _parse_table(raws["openings"], OPENING_COLUMNS, warn)
    openings = _finish_openings(openings, opening_check)
    events, event_check = _parse_table(raws["events"], EVENT_COLUMNS, warn)
    # Events may only point at rows that survive validation.
    ids = {
        "seeker_id": (seekers["seeker_id"], seeker_check.bad),
        "opening_id": (openings["opening_id"], opening_check.bad),
    }
    valid = {key: pd.Index(values[~bad]) for key, (values, bad) in ids.items()}
    refused = {key: pd.Index(values[bad]) for key, (values, bad) in ids.items()}
    events = _finish_events(events, event_check, valid, refused)

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
        seekers=_split(seekers, seeker_check),
        openings=_split(openings, opening_check),
        events=_split(events, event_check),
        rejected=rejected,
        warnings=warn,
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
            return _split(_frame_of(kind, columns, rows), check), check.problems
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
    raw = _Raw(kind, list(cells.columns), cells.astype(object), np.arange(1, len(cells) + 1, dtype=np.int64), [])
    typed, check = _parse_table(raw, columns, [])
    finish = {"seekers": _finish_seekers, "openings": _finish_openings}.get(kind)
    if finish is not None:
        typed = finish(typed, check)
    return _split(typed, check), check.problems


# -- a few records, cell by cell ------------------------------------------------------------------------------
FEW_RECORDS = 16  # up to this many records are checked cell by cell
# The order in which _parse_column flags a column's problems: a cell's reasons are flagged in this order, each
# step for every record before the next step, as the column operations do.
_STEPS = ("required", "length", "number", "huge", "fraction", "range", "unknown", "items")
_TEXT_DTYPE = pd.Series([""], dtype=object).astype(str).dtype  # what _parse_column gives text columns
_TYPED_DTYPES = {"int": "Int64", "float": "float64", "bool": "bool"}
HOURLY_WAGE = {"seekers": "desired_wage_hourly", "openings": "wage_hourly"}  # columns the finish adds
# What _parse_column gives a column of dates, and one with none.
_DATE_DTYPE = pd.to_datetime(pd.Series(["2020-01-01"], dtype=object), format="ISO8601").dtype
_NO_DATE_DTYPE = pd.to_datetime(pd.Series([None], dtype=object), format="ISO8601").dtype
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
) -> tuple[list[dict[str, Any]], _Checker] | None:
    """:func:`parse_records` cell by cell: the typed rows (finished) and their problems; None when a value is not
    plain (the pandas path then takes the records)."""
    try:
        cells = [{col.name: _cell(col, record.get(col.name)) for col in columns} for record in records]
    except _NotPlain:
        return None
    n = len(records)
    check = _Checker(_Raw(kind, [c.name for c in columns], pd.DataFrame(), np.arange(1, n + 1, dtype=np.int64), []))
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


def _finish_few(kind: str, rows: list[dict[str, Any]], check: _Checker) -> None:
    """:func:`_finish_seekers` and :func:`_finish_openings` on typed rows: the same checks in the same order."""
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


def _frame_of(kind: str, columns: tuple[Column, ...], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed rows as the table the pandas path gives before bad rows are dropped (same columns, same dtypes)."""
    typed: dict[str, pd.Series] = {}
    for col in columns:
        values = [row[col.name] for row in rows]
        if col.kind in ("list", "enum_list"):
            column = np.empty(len(values), dtype=object)
            column[:] = values
            typed[col.name] = pd.Series(column)
        elif col.kind == "date":  # pandas gives a column of no dates a coarser unit
            typed[col.name] = pd.Series(values, dtype=_DATE_DTYPE if pd.notna(values).any() else _NO_DATE_DTYPE)
        else:
            typed[col.name] = pd.Series(values, dtype=_TYPED_DTYPES.get(col.kind, _TEXT_DTYPE))
    if kind in HOURLY_WAGE:
        typed[HOURLY_WAGE[kind]] = pd.Series([row[HOURLY_WAGE[kind]] for row in rows], dtype="float64")
    return pd.DataFrame(typed)


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
