"""Moving data between the database and contract tables (import, export, the matcher's snapshot)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select

from matcher.contract import ContractError, Dataset, Problem, parse_records, write_table
from service import tables
from service.db import one_writer
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
            from service.auth import revoke_bound  # (service.auth imports the app's dependencies, which import this)

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


def load_tables(conn: Connection, *, seeker_ids: list[str] | None = None, opening_ids: list[str] | None = None):
    """Seekers, openings (with employer_name) and events as contract frames, the same shape load_folder gives.

    With ``seeker_ids`` / ``opening_ids``, only those rows (for incremental refresh).
    """
    s_query = select(tables.seekers)
    o_query = select(tables.openings, tables.employers.c.name.label("employer_name")).join(tables.employers)
    if seeker_ids is not None:
        s_query = s_query.where(tables.seekers.c.seeker_id.in_(seeker_ids))
    if opening_ids is not None:
        o_query = o_query.where(tables.openings.c.opening_id.in_(opening_ids))
    seekers = _frame("seekers", conn.execute(s_query.order_by(tables.seekers.c.seeker_id)).mappings().all())
    openings = _frame("openings", conn.execute(o_query.order_by(tables.openings.c.opening_id)).mappings().all())
    return seekers, openings


def opening_ids_of(conn: Connection, employer_ids: list[str]) -> list[str]:
    """The openings of these employers."""
    if not employer_ids:
        return []
    query = select(tables.openings.c.opening_id).where(tables.openings.c.employer_id.in_(employer_ids))
    return list(conn.scalars(query))


def load_events(conn: Connection, after: int = 0) -> tuple[pd.DataFrame, int]:
    """Events with ``event_id`` above ``after``, and the highest id seen."""
    rows = conn.execute(
        select(tables.events).where(tables.events.c.event_id > after).order_by(tables.events.c.event_id)
    ).mappings()
    frame = pd.DataFrame(list(rows), columns=["event_id", "seeker_id", "opening_id", "event", "occurred_at"])
    last = int(frame["event_id"].max()) if len(frame) else after
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.drop(columns="event_id"), last


def _frame(kind: str, rows: list) -> pd.DataFrame:
    frame, problems = parse_records(kind, [dict(r) for r in rows])
    if problems:  # rows in the database were validated on the way in; this means the schema drifted
        raise ContractError(problems, hint=f"the database holds {kind} rows the contract refuses")
    return frame


# Built once: every request runs it, and building a statement costs more than SQLite takes to answer it.
LATEST_REVISION = select(func.max(tables.changes.c.revision))


def latest_revision(conn: Connection) -> int:
    return int(conn.scalar(LATEST_REVISION) or 0)


# Change-log entities that are no table's rows: a bundle an instance swapped in (its folder), a revoked token.
MODEL_CHANGE, TOKEN_CHANGE = "model", "token"


def record_change(conn: Connection, entity: str, entity_id: str) -> None:
    """Log a write every instance must apply (service.serving): a row's entity and id, a model or a token."""
    conn.execute(insert(tables.changes).values(entity=entity, entity_id=entity_id))


def latest_model(conn: Connection) -> str | None:
    """The bundle folder an instance swapped in most recently, None if none did."""
    query = (
        select(tables.changes.c.entity_id)
        .where(tables.changes.c.entity == MODEL_CHANGE)
        .order_by(tables.changes.c.revision.desc())
        .limit(1)
    )
    return conn.scalar(query)


def changes_since(conn: Connection, revision: int) -> pd.DataFrame:
    rows = conn.execute(
        select(tables.changes).where(tables.changes.c.revision > revision).order_by(tables.changes.c.revision)
    ).mappings()
    return pd.DataFrame(list(rows), columns=["revision", "entity", "entity_id"])


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
        seekers, openings = load_tables(conn)
        events, _ = load_events(conn)
        employers = conn.scalar(select(func.count()).select_from(tables.employers))
    left_out, rungs = 0, None
    if pseudonymize_with is not None:
        seekers, openings, events, anonymised = pseudonymize(seekers, openings, events, pseudonymize_with)
        left_out, rungs = len(anonymised.left_out), anonymised.rungs
    for name, frame in (("seekers", seekers), ("openings", openings), ("events", events)):
        write_table(frame, out / f"{name}.csv", name)
    return ExportSummary(len(seekers), len(openings), int(employers or 0), len(events), left_out, rungs)


__all__ = ["ExportSummary", "ImportSummary", "export_folder", "import_dataset", "load_events", "load_tables"]
