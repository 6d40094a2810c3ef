"""Database engine, pooled connections and the write lock: SQLite (WAL, foreign keys on), or PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from matcher.extras import require

# Requests inside the app at once (service.middleware.RequestAdmission); the others wait outside, holding nothing.
ADMITTED_REQUESTS = 20
# Request threads (service.app): one for every admitted request, so an admitted request never waits for a thread.
# A request uses at most one at a time, but may hold a database lock meanwhile: a write route's transaction is
# committed when the route returns, by its dependency's exit, on a pool thread. Were every thread taken by requests
# waiting on that lock (one_writer's lock; service.access queues the process's log writes), they would wait on
# each other until SQLite's 30 s busy timeout (on PostgreSQL, for ever).
REQUEST_THREADS = ADMITTED_REQUESTS
# Pooled connections: one per admitted request (a request holds at most one at a time, and may hold it while it
# waits), one for the access-log thread (service.access_batcher) and one spare, so no request waits for a connection.
POOL_SIZE = ADMITTED_REQUESTS + 2
SQLITE_BUSY_SECONDS = 30.0  # how long a SQLite statement waits for another writer before "database is locked"


# Writers take this PostgreSQL advisory lock (service.db.one_writer) for their whole transaction.
WRITE_LOCK = 0x6A6F626D


def one_writer(conn: Connection) -> None:
    """Hold off every other writer until this transaction ends; call it first in a write transaction.

    Snapshots catch up on the changes and events past the last ids they read (service.serving), so ids must be
    committed in the order they were given. On PostgreSQL, two transactions committed in any order: a snapshot
    catching up between the two commits passed the earlier one's ids and never applied it.

    On SQLite the write lock is taken at once too (BEGIN IMMEDIATE): the driver starts a transaction only at the
    first write, so the reads that check a write (is the id free? is a position left? is the schema migrated?)
    ran before the lock, and two writers could both pass the check; the second then failed on the primary key
    (an import: a traceback; the API: a 5xx instead of a 409; two migrations at once: "table already exists").
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created and the file runs in WAL mode.

    ``hide_parameters``: a database error's message never carries the bound values (rows of personal data) into
    a log or a traceback.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_file = bool(parsed.database) and parsed.database != ":memory:"
        pool = {"pool_size": POOL_SIZE, "max_overflow": 0} if in_file else {}  # memory: one shared connection
        if in_file:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        require("psycopg", "postgres", "a PostgreSQL database (JOBMATCH_DATABASE_URL)")
    # pre_ping: a connection dropped while the server was away is replaced, so the service recovers by itself.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=0,
        connect_args={"connect_timeout": 5},
        hide_parameters=True,
    )


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    _write_ahead_log(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _write_ahead_log(cursor: sqlite3.Cursor) -> None:
    """Switch the file to write-ahead logging, waiting for a writer as long as any statement would.

    SQLite refuses the switch at once ("database is locked"), without its busy timeout, while another
    connection writes to a file still in rollback mode: several instances starting on a fresh file.
    """
    deadline, pause = time.monotonic() + SQLITE_BUSY_SECONDS, 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.2)


def reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not reachable" here
        return False
