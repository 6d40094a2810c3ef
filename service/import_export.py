"""Contract data in and out of the database: import a validated dataset, export the rows as a contract folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select

from matcher.contract import ContractError, Dataset, Problem, write_table
from service import tables
from service.db import one_writer
from service.frames import events_after, seekers_and_openings
from service.pseudonym import pseudonymize

BATCH = 5_000


def _records(frame: pd.DataFrame, table) -> list[dict]:
    """Typed contract rows → plain Python values for ``table``'s columns (NaN/NaT → None, tuples → lists)."""
    names = [c.name for c in table.columns if c.name in frame.columns]
    out = []
    for row in frame[names].astype(object).to_dict("records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, tuple | list | np.ndarray):
                clean[key] = [str(v) for v in value]
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.to_pydatetime()
            elif isinstance(value, np.generic):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


def employer_rows(openings: pd.DataFrame) -> list[dict]:
    """One employer per employer_id, named as in its most recent opening."""
    latest = openings.sort_values("posted_at").drop_duplicates("employer_id", keep="last")
    return [
        {"employer_id": str(e), "name": str(n)}
        for e, n in zip(latest["employer_id"], latest["employer_name"], strict=True)
    ]


@dataclass(frozen=True)
class ImportSummary:
    seekers: int
    openings: int
    employers: int
    events: int


def import_dataset(engine: Engine, data: Dataset, *, replace: bool = False) -> ImportSummary:
    """Insert a validated dataset in one transaction; ``replace`` empties the tables first.

    Ids already in the database are refused (nothing is overwritten silently).
    """
    with engine.begin() as conn:
        one_writer(conn)
        if replace:
            from service.auth import revoke_bound  # lazy: only --replace needs service.auth (FastAPI)

            revoke_bound(conn)  # the seekers and employers they were bound to go
            # The change log is kept: its revisions only ever grow (instances compare them), and the revocations
            # and the model just logged still apply; the import's change makes every instance read all rows again.
            for table in (tables.events, tables.openings, tables.seekers, tables.employers):
                conn.execute(delete(table))
        _refuse_existing(conn, tables.seekers.c.seeker_id, data.seekers["seeker_id"], "seekers.csv")
        _refuse_existing(conn, tables.openings.c.opening_id, data.openings["opening_id"], "openings.csv")
        known = set(conn.scalars(select(tables.employers.c.employer_id)))
        new_employers = [row for row in employer_rows(data.openings) if row["employer_id"] not in known]
        for table, rows in (
            (tables.employers, new_employers),
            (tables.seekers, _records(data.seekers, tables.seekers)),
            (tables.openings, _records(data.openings, tables.openings)),
            (tables.events, _records(data.events, tables.events)),
        ):
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[start : start + BATCH])
        conn.execute(insert(tables.changes), [{"entity": "import", "entity_id": "*"}])
    return ImportSummary(len(data.seekers), len(data.openings), len(new_employers), len(data.events))


def _refuse_existing(conn: Connection, column, ids: pd.Series, label: str) -> None:
    present: set[str] = set()
    values = [str(v) for v in ids]
    for start in range(0, len(values), 1000):
        present |= set(conn.scalars(select(column).where(column.in_(values[start : start + 1000]))))
    if present:
        shown = sorted(present)
        raise ContractError(
            [Problem(label, 0, column.name, f"id already in the database: {v!r}") for v in shown],
            hint="Import only new rows, or rerun with --replace to empty the database first.",
        )


@dataclass(frozen=True)
class ExportSummary(ImportSummary):
    left_out: int = 0  # seekers left out of a pseudonymised export (k-anonymity), with their events
    rungs: dict | None = None  # how far each quasi-identifier was generalised (service.pseudonym.LADDERS)


def export_folder(engine: Engine, out: str | Path, *, pseudonymize_with: str | None = None) -> ExportSummary:
    """Write the database as a contract folder (seekers.csv, openings.csv, events.csv).

    With ``pseudonymize_with`` (a secret key), the tables are pseudonymised first, with k-anonymity on the
    seekers' quasi-identifiers (see service.pseudonym).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        seekers, openings = seekers_and_openings(conn)
        events, _ = events_after(conn)
        employers = conn.scalar(select(func.count()).select_from(tables.employers))
    left_out, rungs = 0, None
    if pseudonymize_with is not None:
        seekers, openings, events, anonymised = pseudonymize(seekers, openings, events, pseudonymize_with)
        left_out, rungs = len(anonymised.left_out), anonymised.rungs
    for name, frame in (("seekers", seekers), ("openings", openings), ("events", events)):
        write_table(frame, out / f"{name}.csv", name)
    return ExportSummary(len(seekers), len(openings), int(employers or 0), len(events), left_out, rungs)


__all__ = ["ExportSummary", "ImportSummary", "export_folder", "import_dataset"]
