"""Seekers: CRUD, consent and their ranked matches. Counselors reach every seeker; a seeker only itself."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import delete, insert, select, update

from matcher import crowding, reference
from matcher.filters import opening_filter
from service import access, crud, present, tables
from service.auth import Counselor, CounselorOrSeeker
from service.deps import LiveDep, PagingDep, ReadDep, SettingsDep, WriteDep
from service.schemas import Consent, EmploymentType, MatchList, Page, Program, SeekerCreate, SeekerFields, SeekerPublic

router = APIRouter(prefix="/seekers", tags=["seekers"])


def _own(actor: CounselorOrSeeker, seeker_id: str) -> None:
    if not actor.sees_seeker(seeker_id):
        raise crud.not_found("seeker", seeker_id)  # identical to a missing seeker


@router.post("", status_code=201, response_model=SeekerPublic)
def create_seeker(actor: Counselor, body: SeekerCreate, conn: WriteDep) -> dict:
    record = body.model_dump()
    crud.check_contract("seekers", record)
    if crud.fetch(conn, tables.seekers, body.seeker_id):
        raise crud.conflict(f"이미 등록된 구직자 ID입니다: {body.seeker_id}")
    conn.execute(insert(tables.seekers).values(**record))
    crud.record_change(conn, "seeker", body.seeker_id)
    return record


@router.get("", response_model=Page[SeekerPublic])
def list_seekers(actor: Counselor, request: Request, conn: ReadDep, paging: PagingDep) -> dict:
    rows, total = crud.page(conn, select(tables.seekers).order_by(tables.seekers.c.seeker_id), paging)
    access.record(conn, actor, "GET /seekers", request.state.request_id, seeker_ids=[r["seeker_id"] for r in rows])
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{seeker_id}", response_model=SeekerPublic)
def get_seeker(seeker_id: str, actor: CounselorOrSeeker, request: Request, conn: ReadDep) -> dict:
    _own(actor, seeker_id)
    row = crud.fetch(conn, tables.seekers, seeker_id)
    if row is None:
        raise crud.not_found("seeker", seeker_id)
    access.record(conn, actor, "GET /seekers/{id}", request.state.request_id, seeker_ids=[seeker_id])
    return row


@router.put("/{seeker_id}", response_model=SeekerPublic)
def replace_seeker(seeker_id: str, actor: CounselorOrSeeker, body: SeekerFields, conn: WriteDep) -> dict:
    _own(actor, seeker_id)
    record = {"seeker_id": seeker_id, **body.model_dump()}
    crud.check_contract("seekers", record)
    done = conn.execute(update(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id).values(**record))
    if done.rowcount == 0:
        raise crud.not_found("seeker", seeker_id)
    crud.record_change(conn, "seeker", seeker_id)
    return record


@router.put("/{seeker_id}/consent", response_model=Consent)
def set_consent(seeker_id: str, actor: CounselorOrSeeker, body: Consent, conn: WriteDep) -> dict:
    """Give or withdraw consent to employer viewing; a withdrawal leaves every candidate list at the next request."""
    _own(actor, seeker_id)
    where = tables.seekers.c.seeker_id == seeker_id
    if conn.execute(update(tables.seekers).where(where).values(**body.model_dump())).rowcount == 0:
        raise crud.not_found("seeker", seeker_id)
    crud.record_change(conn, "seeker", seeker_id)
    return body.model_dump()


@router.delete("/{seeker_id}", status_code=204)
def delete_seeker(seeker_id: str, actor: CounselorOrSeeker, conn: WriteDep) -> Response:
    """Remove the profile and its events; access-log entries stay, holding the id only."""
    _own(actor, seeker_id)
    conn.execute(delete(tables.events).where(tables.events.c.seeker_id == seeker_id))
    conn.execute(delete(tables.tokens).where(tables.tokens.c.seeker_id == seeker_id))
    done = conn.execute(delete(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id))
    if done.rowcount == 0:
        raise crud.not_found("seeker", seeker_id)
    crud.record_change(conn, "seeker", seeker_id)
    return Response(status_code=204)


@router.get("/{seeker_id}/matches", response_model=MatchList)
def seeker_matches(
    seeker_id: str,
    actor: CounselorOrSeeker,
    request: Request,
    live: LiveDep,
    settings: SettingsDep,
    conn: ReadDep,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    as_of: Annotated[date | None, Query(description="default: today")] = None,
    dong: Annotated[str | None, Query(max_length=100)] = None,
    program: Program | None = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    employment_type: EmploymentType | None = None,
    max_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
    include_applied: bool = False,
    spread: Annotated[
        bool,
        Query(description="keep openings already shown to many seekers (per position left) from crowding the list"),
    ] = False,
) -> dict:
    """Openings for one seeker, best first, each with two to four Korean reasons."""
    _own(actor, seeker_id)
    snapshot = live.current(conn)
    matcher = snapshot.matcher
    row = matcher.seeker_row.get_indexer([seeker_id])[0]
    if row < 0:
        raise crud.not_found("seeker", seeker_id)
    if dong is not None and dong not in reference.dongs().index:
        raise crud.bad_query("dong", f"성동구 행정동이 아닙니다 (known: {', '.join(reference.dongs().index)})")
    seeker = matcher.seekers.iloc[row]
    mask = opening_filter(
        matcher.openings,
        dong=dong,
        program=program,
        industry=industry,
        employment_type=employment_type,
        max_km=max_km,
        origin=(float(seeker["lat"]), float(seeker["lon"])),
    )
    day = as_of or settings.today()
    when = pd.Timestamp(day)
    pool = max(k, min(crowding.POOL_FACTOR * k, 200)) if spread else k
    with live.scoring:
        found = matcher.matches([seeker_id], when, k=pool, opening_mask=mask, exclude_applied=not include_applied)
    if spread:
        rows = matcher.opening_row.get_indexer([m.opening_id for m in found])
        exposure = live.exposure.counts(matcher.opening_row, when)[rows]
        found = crowding.spread_matches(found, exposure, matcher.positions_left(when)[rows], k)
    live.exposure.add([m.opening_id for m in found], when)
    access.record(conn, actor, "GET /seekers/{id}/matches", request.state.request_id, seeker_ids=[seeker_id])
    return {
        "seeker_id": seeker_id,
        "model_version": snapshot.version,
        "as_of": day,
        "matches": present.match_items(found, matcher.openings, matcher.opening_row),
    }
