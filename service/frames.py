"""The database's rows as contract frames, the shape ``matcher.csv_io.load_folder`` gives (what the matcher reads).

The rows were checked on their way in (an import, an API write), so they become frames from their typed values,
without a round trip through text (``matcher.typed_frames.records_frame``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from matcher.typed_frames import records_frame
from service import tables


def seekers_and_openings(
    conn: Connection, *, seeker_ids: list[str] | None = None, opening_ids: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seekers and openings (with employer_name) as contract frames (``load_tables`` in service.store before).

    With ``seeker_ids`` / ``opening_ids``, only those rows (for incremental refresh).
    """
    s_query = select(tables.seekers)
    o_query = select(tables.openings, tables.employers.c.name.label("employer_name")).join(tables.employers)
    if seeker_ids is not None:
        s_query = s_query.where(tables.seekers.c.seeker_id.in_(seeker_ids))
    if opening_ids is not None:
        o_query = o_query.where(tables.openings.c.opening_id.in_(opening_ids))
    seekers = records_frame("seekers", conn.execute(s_query.order_by(tables.seekers.c.seeker_id)).mappings().all())
    openings = records_frame("openings", conn.execute(o_query.order_by(tables.openings.c.opening_id)).mappings().all())
    return seekers, openings


def opening_ids_of(conn: Connection, employer_ids: list[str]) -> list[str]:
    """The openings of these employers."""
    if not employer_ids:
        return []
    query = select(tables.openings.c.opening_id).where(tables.openings.c.employer_id.in_(employer_ids))
    return list(conn.scalars(query))


def events_after(conn: Connection, after: int = 0) -> tuple[pd.DataFrame, int]:
    """Events with ``event_id`` above ``after``, and the highest id seen (``load_events`` before)."""
    rows = conn.execute(
        select(tables.events).where(tables.events.c.event_id > after).order_by(tables.events.c.event_id)
    ).mappings()
    frame = pd.DataFrame(list(rows), columns=["event_id", "seeker_id", "opening_id", "event", "occurred_at"])
    last = int(frame["event_id"].max()) if len(frame) else after
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.drop(columns="event_id"), last
