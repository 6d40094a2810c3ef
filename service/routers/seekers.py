"""Seekers: CRUD and their ranked matches."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Response
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from matcher import reference
from matcher.filters import opening_filter
from service import crud, present, tables
from service.deps import LiveDep, PagingDep, ReadDep, SettingsDep, WriteDep
from service.schemas import EmploymentType, MatchList, Page, Program, SeekerCreate, SeekerFields, SeekerPublic

router = APIRouter(prefix="/seekers", tags=["seekers"])


@router.post("", status_code=201, response_model=SeekerPublic)
def create_seeker(body: SeekerCreate, conn: WriteDep) -> dict:
    record = body.model_dump()
    crud.check_contract("seekers", record)
    if crud.fetch(conn, tables.seekers, body.seeker_id):
        raise crud.conflict(f"이미 등록된 구직자 ID입니다: {body.seeker_id}")
    try:
        conn.execute(insert(tables.seekers).values(**record))
    except IntegrityError:
        raise crud.conflict(f"이미 등록된 구직자 ID입니다: {body.seeker_id}") from None
    crud.record_change(conn, "seeker", body.seeker_id)
    return record


@router.get("", response_model=Page[SeekerPublic])
def list_seekers(conn: ReadDep, paging: PagingDep) -> dict:
    rows, total = crud.page(conn, select(tables.seekers).order_by(tables.seekers.c.seeker_id), paging)
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{seeker_id}", response_model=SeekerPublic)
def get_seeker(seeker_id: str, conn: ReadDep) -> dict:
    row = crud.fetch(conn, tables.seekers, seeker_id)
    if row is None:
        raise crud.not_found("seeker", seeker_id)
    return row


@router.put("/{seeker_id}", response_model=SeekerPublic)
def replace_seeker(seeker_id: str, body: SeekerFields, conn: WriteDep) -> dict:
    record = {"seeker_id": seeker_id, **body.model_dump()}
    crud.check_contract("seekers", record)
    done = conn.execute(update(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id).values(**record))
    if done.rowcount == 0:
        raise crud.not_found("seeker", seeker_id)
    crud.record_change(conn, "seeker", seeker_id)
    return record


@router.delete("/{seeker_id}", status_code=204)
def delete_seeker(seeker_id: str, conn: WriteDep) -> Response:
    conn.execute(delete(tables.events).where(tables.events.c.seeker_id == seeker_id))
    done = conn.execute(delete(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id))
    if done.rowcount == 0:
        raise crud.not_found("seeker", seeker_id)
    crud.record_change(conn, "seeker", seeker_id)
    return Response(status_code=204)


@router.get("/{seeker_id}/matches", response_model=MatchList)
def seeker_matches(
    seeker_id: str,
    live: LiveDep,
    settings: SettingsDep,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    as_of: Annotated[date | None, Query(description="default: today")] = None,
    dong: Annotated[str | None, Query(max_length=100)] = None,
    program: Program | None = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    employment_type: EmploymentType | None = None,
    max_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
    include_applied: bool = False,
) -> dict:
    """Openings for one seeker, best first, each with two to four Korean reasons."""
    snapshot = live.current()
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
    found = matcher.matches([seeker_id], pd.Timestamp(day), k=min(k, settings.max_k), opening_mask=mask,
                            exclude_applied=not include_applied)  # fmt: skip
    return {
        "seeker_id": seeker_id,
        "model_version": snapshot.version,
        "as_of": day,
        "matches": present.match_items(found, matcher.openings, matcher.opening_row),
    }
