"""The access log: every read of a seeker's profile, match list or candidate list, one row per seeker read."""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from matcher.contract import write_csv
from service import clock, tables
from service.auth import Actor

CANDIDATE_ROUTE = "GET /openings/{id}/candidates"


# SQLite takes one writer at a time and makes the others sleep and retry; within one process, queueing
# the access-log writes on a lock instead keeps concurrent reads from stalling each other.
_SQLITE_WRITES = threading.Lock()
_INSERT = insert(tables.access_log)  # built once: it runs on every read


def record(
    conn: Connection,
    actor: Actor,
    route: str,
    request_id: str,
    *,
    seeker_ids: list[str] | tuple[str, ...] = (),
    opening_id: str | None = None,
    commit: bool = True,
) -> None:
    """Log who read which seekers (ids only) and commit; a list with no seeker still gets one row for its opening.

    The row is committed before the read is answered (synchronously, on the request's thread): a queue flushed
    later would be cheaper, but a read answered and then lost with the process would go unlogged. A write route
    whose answer shows seeker data passes ``commit=False``: the rows go into its own transaction, committed with
    the write (or neither).
    """
    rows = rows_for(actor, route, request_id, seeker_ids=seeker_ids, opening_id=opening_id)
    if commit:
        write(conn, rows)
    else:
        conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)


def rows_for(
    actor: Actor,
    route: str,
    request_id: str,
    *,
    seeker_ids: list[str] | tuple[str, ...] = (),
    opening_id: str | None = None,
) -> list[dict]:
    """The log rows of one read, stamped now: one per seeker, or one for the opening when no seeker was shown."""
    base = {"at": clock.now(), "token_id": actor.token_id, "role": actor.role, "route": route, "request_id": request_id}
    rows = [{**base, "seeker_id": s, "opening_id": opening_id} for s in seeker_ids]
    return rows or [{**base, "seeker_id": None, "opening_id": opening_id}]


def write(conn: Connection, rows: list[dict]) -> None:
    """Insert log rows and commit.

    ``conn`` may have read before. On SQLite those reads are committed first, so that the write starts a fresh
    transaction and holds the lock briefly; PostgreSQL writes in the read's transaction (no extra commit).
    """
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.commit()
    with _SQLITE_WRITES if sqlite else contextlib.nullcontext():
        conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
        conn.commit()


def candidate_lists_today(conn: Connection, actor: Actor) -> int:
    """How many candidate lists this token has pulled since midnight."""
    midnight = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    query = select(func.count(func.distinct(tables.access_log.c.request_id))).where(
        tables.access_log.c.token_id == actor.token_id,
        tables.access_log.c.route == CANDIDATE_ROUTE,
        tables.access_log.c.at >= midnight,
    )
    return int(conn.scalar(query) or 0)


def entries(conn: Connection, *, seeker_id: str | None = None, since: datetime | None = None) -> pd.DataFrame:
    query = select(tables.access_log).order_by(tables.access_log.c.entry_id)
    if seeker_id is not None:
        query = query.where(tables.access_log.c.seeker_id == seeker_id)
    if since is not None:
        query = query.where(tables.access_log.c.at >= since)
    columns = [c.name for c in tables.access_log.columns]
    return pd.DataFrame(list(conn.execute(query).mappings()), columns=columns)


def export(engine: Engine, out: str | Path, since: datetime | None = None) -> int:
    """Write the log (from ``since``) as CSV; returns the number of rows."""
    with engine.connect() as conn:
        frame = entries(conn, since=since)
    write_csv(frame, out)
    return len(frame)
