"""Seekers: CRUD, consent and their ranked matches. Counselors reach every seeker; a seeker only itself."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, String, cast, delete, insert, or_, select, update

from matcher import reference
from matcher.filters import opening_filter
from service import access, auth, changes, errors, policy, present, records, tables
from service.auth import Actor, Counselor, CounselorOrSeeker
from service.cache import Ranked
from service.config import Settings
from service.deps import EngineDep, PagingDep, ReadDep, ServingDep, SettingsDep, WriteDep
from service.schemas import (
    Consent,
    EmploymentType,
    Group,
    MatchList,
    Page,
    Program,
    SeekerCreate,
    SeekerFields,
    SeekerPublic,
)
from service.serving import Serving, Snapshot

router = APIRouter(prefix="/seekers", tags=["seekers"])


def _own(actor: CounselorOrSeeker, seeker_id: str) -> None:
    if not actor.sees_seeker(seeker_id):
        raise errors.not_found("seeker", seeker_id)  # identical to a missing seeker


@router.post("", status_code=201, response_model=SeekerPublic)
def create_seeker(actor: Counselor, body: SeekerCreate, request: Request, conn: WriteDep) -> dict:
    record = body.model_dump()
    records.check_contract("seekers", record)
    if records.fetch(conn, tables.seekers, body.seeker_id):
        raise errors.conflict(f"이미 등록된 구직자 ID입니다: {body.seeker_id}")
    conn.execute(insert(tables.seekers).values(**record))
    changes.record(conn, "seeker", body.seeker_id)
    access.record(conn, actor, "POST /seekers", request.state.request_id, seeker_ids=[body.seeker_id], commit=False)
    return record


@router.get("", response_model=Page[SeekerPublic])
def list_seekers(
    actor: Counselor,
    request: Request,
    conn: ReadDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=100, description="part of the seeker id or name")] = None,
    dong: Annotated[str | None, Query(max_length=100)] = None,
    group: Group | None = None,
) -> dict:
    """Seekers, by id; ``q`` (part of the id or name), ``dong`` and ``group`` narrow the list (the desk's search)."""
    query = select(tables.seekers).order_by(tables.seekers.c.seeker_id)
    if q:
        part = q.strip()
        query = query.where(
            or_(
                tables.seekers.c.seeker_id.icontains(part, autoescape=True),
                tables.seekers.c.name.icontains(part, autoescape=True),
            )
        )
    if dong:
        query = query.where(tables.seekers.c.dong == dong)
    if group:  # groups is a JSON list of known words: its text holds the quoted word exactly when it is listed
        query = query.where(cast(tables.seekers.c.groups, String).contains(f'"{group}"'))
    rows, total = records.page(conn, query, paging)
    access.record(conn, actor, "GET /seekers", request.state.request_id, seeker_ids=[r["seeker_id"] for r in rows])
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{seeker_id}", response_model=SeekerPublic)
def get_seeker(seeker_id: str, actor: CounselorOrSeeker, request: Request, conn: ReadDep) -> dict:
    _own(actor, seeker_id)
    row = records.fetch(conn, tables.seekers, seeker_id)
    if row is None:
        raise errors.not_found("seeker", seeker_id)
    access.record(conn, actor, "GET /seekers/{id}", request.state.request_id, seeker_ids=[seeker_id])
    return row


@router.put("/{seeker_id}", response_model=SeekerPublic)
def replace_seeker(
    seeker_id: str, actor: CounselorOrSeeker, body: SeekerFields, conn: WriteDep, request: Request
) -> dict:
    """Replace a profile; a seeker may not change its own birth year or groups (a counselor sets them)."""
    _own(actor, seeker_id)
    stored = records.fetch(conn, tables.seekers, seeker_id)
    if stored is None:
        raise errors.not_found("seeker", seeker_id)
    record = {"seeker_id": seeker_id, **body.model_dump()}
    policy.check_seeker_edit(actor, stored, record)
    records.check_contract("seekers", record)
    conn.execute(update(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id).values(**record))
    changes.record(conn, "seeker", seeker_id)
    access.record(conn, actor, "PUT /seekers/{id}", request.state.request_id, seeker_ids=[seeker_id], commit=False)
    return record


@router.put("/{seeker_id}/consent", response_model=Consent)
def set_consent(seeker_id: str, actor: CounselorOrSeeker, body: Consent, request: Request, conn: WriteDep) -> dict:
    """Give or withdraw consent to employer viewing; a withdrawal leaves every candidate list at the next request."""
    _own(actor, seeker_id)
    where = tables.seekers.c.seeker_id == seeker_id
    if conn.execute(update(tables.seekers).where(where).values(**body.model_dump())).rowcount == 0:
        raise errors.not_found("seeker", seeker_id)
    changes.record(conn, "seeker", seeker_id)
    access.record(
        conn, actor, "PUT /seekers/{id}/consent", request.state.request_id, seeker_ids=[seeker_id], commit=False
    )
    return body.model_dump()


@router.delete("/{seeker_id}", status_code=204)
def delete_seeker(seeker_id: str, actor: CounselorOrSeeker, request: Request, conn: WriteDep) -> Response:
    """Remove the profile and its events; access-log entries stay, holding the id only."""
    _own(actor, seeker_id)
    request.app.state.tokens.forget(*auth.revoke_bound(conn, seeker_id=seeker_id))  # its tokens go with it
    conn.execute(delete(tables.events).where(tables.events.c.seeker_id == seeker_id))
    done = conn.execute(delete(tables.seekers).where(tables.seekers.c.seeker_id == seeker_id))
    if done.rowcount == 0:
        raise errors.not_found("seeker", seeker_id)
    changes.record(conn, "seeker", seeker_id)
    return Response(status_code=204)


# The MatchQuery fields passed to opening_filter.
FILTERS = ("dong", "program", "industry", "employment_type", "max_km", "max_hours")
MATCH_ROUTE = "GET /seekers/{id}/matches"  # as written to the access log


class MatchQuery(BaseModel):
    """The query of ``GET /seekers/{id}/matches``, validated as one model (one call, not one per parameter)."""

    k: Annotated[int, Field(ge=1, le=100)] = 10
    as_of: Annotated[date | None, Field(description="default: today")] = None
    dong: Annotated[str | None, Field(max_length=100)] = None
    program: Program | None = None
    industry: Annotated[str | None, Field(max_length=200)] = None
    employment_type: EmploymentType | None = None
    max_km: Annotated[float | None, Field(gt=0, le=1000)] = None
    max_hours: Annotated[int | None, Field(ge=1, le=168, description="weekly hours at most (stated hours only)")] = None
    include_applied: bool = False
    spread: Annotated[
        bool,
        Field(
            description="share the openings with the day's other lists: an opening already shown to many seekers "
            "per position left comes lower, and none is shown in more than a fifth of the day's lists; "
            "false ranks by fit alone"
        ),
    ] = True


def match_key(seeker_id: str, query: MatchQuery, day: date) -> tuple:
    """The key of a list in :class:`service.cache.ListCache`: everything the list depends on but the snapshot."""
    return (
        "matches",
        seeker_id,
        day,
        query.k,
        query.include_applied,
        query.spread,
        *(getattr(query, name) for name in FILTERS),
    )


@router.get("/{seeker_id}/matches", response_model=MatchList)
def seeker_matches(
    seeker_id: str,
    actor: CounselorOrSeeker,
    request: Request,
    serving: ServingDep,
    settings: SettingsDep,
    engine: EngineDep,
    query: Annotated[MatchQuery, Query()],
) -> Response:
    """Openings for one seeker, best first, each with its Korean reasons and cautions."""
    # (Not in the docstring, which is the published description.) The body is answered as serialized once:
    # the response model documents it, it is not validated again. A cache hit is usually answered before it
    # gets here, by service.cached_matches (same checks, same log row).
    ranked, state = match_list(serving, settings, engine, actor, request.state.request_id, seeker_id, query)
    return Response(ranked.body, media_type="application/json", headers={"X-Match-Cache": state})


def match_list(
    serving: Serving,
    settings: Settings,
    engine: Engine,
    actor: Actor,
    request_id: str,
    seeker_id: str,
    query: MatchQuery,
) -> tuple[Ranked, str]:
    """A seeker's ranked openings as the API answers them (a ``MatchList`` body) and the cache state.

    Lists are kept on the snapshot they were ranked on (hit or miss): a seeker reading their list again sees the
    same list. A list newly ranked pays for the day's lists already shown to other seekers (``spread``, the
    default; :class:`matcher.crowding.Exposure`), and every list answered counts as the seeker's list of the
    day. The caller is checked and the read logged on every call. The matches route and the counselor desk
    both call this.
    """
    _own(actor, seeker_id)
    k, spread, include_applied = query.k, query.spread, query.include_applied
    filters = query.model_dump(include=set(FILTERS))
    day = query.as_of or settings.today()
    when = pd.Timestamp(day)
    # The connection is taken here, on the route's thread, not in a dependency: no extra thread hops.
    with engine.connect() as conn:
        snapshot = serving.current(conn)
        ranked, state = snapshot.lists.ranked(
            match_key(seeker_id, query, day),
            lambda: _rank_matches(serving, snapshot, seeker_id, when, k, spread, include_applied, **filters),
        )
        serving.exposure.show(seeker_id, ranked.ids, when)
        access.record(conn, actor, MATCH_ROUTE, request_id, seeker_ids=[seeker_id])
    return ranked, state


def _rank_matches(
    serving: Serving,
    snapshot: Snapshot,
    seeker_id: str,
    when: pd.Timestamp,
    k: int,
    spread: bool,
    include_applied: bool,
    **filters: object,
) -> Ranked:
    """Rank one seeker's openings on ``snapshot`` (404 for an unknown seeker, 422 for an unknown dong)."""
    matcher = snapshot.matcher
    row = matcher.seeker_row.get_indexer([seeker_id])[0]
    if row < 0:
        raise errors.not_found("seeker", seeker_id)
    dong = filters["dong"]
    if dong is not None and dong not in reference.dongs().index:
        raise errors.bad_query("dong", f"성동구 행정동이 아닙니다 (known: {', '.join(reference.dongs().index)})")
    seeker = matcher.seekers.iloc[row]
    mask = opening_filter(matcher.openings, origin=(float(seeker["lat"]), float(seeker["lon"])), **filters)
    shown = serving.exposure.counts(matcher.opening_row, when, seeker_id) if spread else None
    with serving.scoring:
        listing = matcher.match_lists(
            [seeker_id],
            when,
            k=k,
            opening_mask=mask,
            exclude_applied=not include_applied,
            shown=shown,
            congestion=spread,
        )
    found = listing.matches
    body = MatchList(
        seeker_id=seeker_id,
        model_version=snapshot.version,
        as_of=when.date(),
        matches=present.match_items(found, matcher.openings, matcher.opening_row, snapshot.summaries),
    )
    return Ranked(body.model_dump_json().encode("utf-8"), tuple(m.opening_id for m in found), listing.considered)
