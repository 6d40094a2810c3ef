"""Events: what happened between a seeker and an opening (viewed, applied, hired...)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, insert, literal, select

from service import access, changes, clock, errors, records, tables
from service.auth import CounselorOrSeeker
from service.deps import PagingDep, ReadDep, SettingsDep, WriteDep
from service.schemas import EventCreate, EventPublic, Page

router = APIRouter(prefix="/events", tags=["events"])

# What a seeker may record for itself; outcomes (interviewed, hired, ...) are recorded by counselors.
SEEKER_EVENTS = frozenset({"viewed", "applied", "declined"})


@router.post("", status_code=201, response_model=EventPublic)
def record_event(
    actor: CounselorOrSeeker, body: EventCreate, conn: WriteDep, settings: SettingsDep, request: Request
) -> dict:
    """Record one event; a hire needs a position left and is recorded once per pair."""
    if actor.role == "seeker" and body.event not in SEEKER_EVENTS:
        raise errors.bad_query("event", f"구직자는 {', '.join(sorted(SEEKER_EVENTS))}만 기록할 수 있습니다", "body")
    if not actor.sees_seeker(body.seeker_id) or records.fetch(conn, tables.seekers, body.seeker_id) is None:
        raise errors.bad_query("seeker_id", f"등록되지 않은 구직자입니다: {body.seeker_id}", "body")
    opening = records.fetch(conn, tables.openings, body.opening_id)
    if opening is None:
        raise errors.bad_query("opening_id", f"등록되지 않은 공고입니다: {body.opening_id}", "body")
    occurred_at = clock.to_local(body.occurred_at) if body.occurred_at else settings.now()
    if body.event == "hired":
        if conn.scalar(_hires(body.opening_id).where(tables.events.c.seeker_id == body.seeker_id)):
            raise errors.conflict("이 구직자는 이미 이 공고에 채용된 것으로 기록되어 있습니다.")
        if conn.scalar(_hires(body.opening_id)) >= opening["positions"]:
            raise _full(opening["positions"])
    record = {**body.model_dump(), "occurred_at": occurred_at}
    event_id = conn.execute(_insert_event(record, opening["positions"])).scalar()
    if event_id is None:  # a hire for the last position was recorded since the check above
        raise _full(opening["positions"])
    changes.record(conn, "event", str(event_id))
    access.record(conn, actor, "POST /events", request.state.request_id, seeker_ids=[body.seeker_id],
                  opening_id=body.opening_id, commit=False)  # fmt: skip
    return {"event_id": event_id, **record}


def _hires(opening_id: str):
    """How many hires the opening has recorded."""
    return select(func.count()).where(tables.events.c.opening_id == opening_id, tables.events.c.event == "hired")


def _full(positions: int):
    return errors.conflict(f"이 공고의 모집 인원({positions}명)이 모두 채용되어 남은 자리가 없습니다.")


def _insert_event(record: dict, positions: int):
    """The insert of one event; a hire is inserted only while a position is left, counted by the insert
    itself. The check before it reads outside SQLite's write lock, so two hires for the last position sent
    at once could both pass it; one statement counts and writes under the lock."""
    columns = list(record)
    row = select(*(literal(record[name], tables.events.c[name].type).label(name) for name in columns))
    if record["event"] == "hired":
        row = row.where(_hires(record["opening_id"]).scalar_subquery() < positions)
    return insert(tables.events).from_select(columns, row).returning(tables.events.c.event_id)


@router.get("", response_model=Page[EventPublic])
def list_events(
    actor: CounselorOrSeeker,
    conn: ReadDep,
    paging: PagingDep,
    seeker_id: str | None = None,
    opening_id: str | None = None,
    *,
    request: Request,
) -> dict:
    """Events, newest last; a seeker sees only its own."""
    if actor.role == "seeker":
        if seeker_id not in (None, actor.seeker_id):  # another seeker's events: as if there were none
            return {"items": [], "total": 0, "offset": paging.offset, "limit": paging.limit}
        seeker_id = actor.seeker_id
    query = select(tables.events).order_by(tables.events.c.event_id)
    if seeker_id is not None:
        query = query.where(tables.events.c.seeker_id == seeker_id)
    if opening_id is not None:
        query = query.where(tables.events.c.opening_id == opening_id)
    rows, total = records.page(conn, query, paging)
    shown = list(dict.fromkeys(r["seeker_id"] for r in rows))
    access.record(conn, actor, "GET /events", request.state.request_id, seeker_ids=shown, opening_id=opening_id)
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}
