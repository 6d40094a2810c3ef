"""The change log every instance sharing the database follows (service.serving): record a write, read what
came after a revision, the newest revision, the bundle swapped in last."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from service import tables

# Built once: every request runs it, and building a statement costs more than SQLite takes to answer it.
LATEST_REVISION = select(func.max(tables.changes.c.revision))


def latest_revision(conn: Connection) -> int:
    """The newest change's revision, 0 on an empty log."""
    return int(conn.scalar(LATEST_REVISION) or 0)


# Change-log entities that are no table's rows: a bundle an instance swapped in (its folder), a revoked token.
MODEL_CHANGE, TOKEN_CHANGE = "model", "token"


def record(conn: Connection, entity: str, entity_id: str) -> None:
    """Log a write every instance must apply (service.serving): a row's entity and id, a model or a token
    (``record_change`` before)."""
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


def since(conn: Connection, revision: int) -> pd.DataFrame:
    """The changes after ``revision``, oldest first (``changes_since`` before)."""
    rows = conn.execute(
        select(tables.changes).where(tables.changes.c.revision > revision).order_by(tables.changes.c.revision)
    ).mappings()
    return pd.DataFrame(list(rows), columns=["revision", "entity", "entity_id"])
