"""Openings: CRUD and their ranked candidates. An employer reaches only its own openings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection, delete, func, insert, select, update

from service import access, changes, errors, policy, present, records, tables
from service.auth import Actor, AnyRole, CounselorOrEmployer
from service.cache import Ranked
from service.config import Settings
from service.deps import PagingDep, ReadDep, ServingDep, SettingsDep, WriteDep
from service.schemas import (
    CandidateList,
    InterviewAsk,
    InterviewAsked,
    OpeningCreate,
    OpeningFields,
    OpeningPublic,
    Page,
)
from service.serving import Serving, Snapshot

router = APIRouter(prefix="/openings", tags=["openings"])

WITH_EMPLOYER = select(tables.openings, tables.employers.c.name.label("employer_name")).join(tables.employers)


def _employer_name(conn: Connection, actor: Actor, employer_id: str) -> str:
    """The employer's name; another employer's id is refused exactly like an unknown one."""
    row = records.fetch(conn, tables.employers, employer_id)
    if row is None or not actor.sees_employer(employer_id):
        message = f"등록되지 않은 기업입니다: {employer_id} (POST /employers로 먼저 등록하세요)"
        raise errors.bad_query("employer_id", message, "body")
    return row["name"]


def _fetch(conn: Connection, opening_id: str) -> dict | None:
    row = conn.execute(WITH_EMPLOYER.where(tables.openings.c.opening_id == opening_id)).mappings().first()
    return dict(row) if row else None


def _visible(conn: Connection, actor: Actor, opening_id: str) -> dict:
    """The opening if the caller may reach it: staff and seekers any, an employer its own; else 404."""
    row = _fetch(conn, opening_id)
    if row is None or (actor.role == "employer" and row["employer_id"] != actor.employer_id):
        raise errors.not_found("opening", opening_id)
    return row


def _editable(conn: Connection, actor: Actor, opening_id: str) -> dict:
    row = _visible(conn, actor, opening_id)
    if not actor.sees_employer(row["employer_id"]):
        raise errors.not_found("opening", opening_id)
    return row


@router.post("", status_code=201, response_model=OpeningPublic)
def create_opening(actor: CounselorOrEmployer, body: OpeningCreate, conn: WriteDep) -> dict:
    record = body.model_dump()
    name = _employer_name(conn, actor, body.employer_id)
    policy.check_opening_write(actor, record)
    records.check_contract("openings", {**record, "employer_name": name})
    if records.fetch(conn, tables.openings, body.opening_id):
        raise errors.conflict(f"이미 등록된 공고 ID입니다: {body.opening_id}")
    conn.execute(insert(tables.openings).values(**record))
    changes.record(conn, "opening", body.opening_id)
    return _fetch(conn, body.opening_id)


@router.get("", response_model=Page[OpeningPublic])
def list_openings(actor: AnyRole, conn: ReadDep, paging: PagingDep, employer_id: str | None = None) -> dict:
    """Openings; an employer sees only its own."""
    query = WITH_EMPLOYER.order_by(tables.openings.c.opening_id)
    if actor.role == "employer":
        if employer_id not in (None, actor.employer_id):  # another employer's openings: as if it had none
            return {"items": [], "total": 0, "offset": paging.offset, "limit": paging.limit}
        employer_id = actor.employer_id
    if employer_id is not None:
        query = query.where(tables.openings.c.employer_id == employer_id)
    rows, total = records.page(conn, query, paging)
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{opening_id}", response_model=OpeningPublic)
def get_opening(opening_id: str, actor: AnyRole, conn: ReadDep) -> dict:
    return _visible(conn, actor, opening_id)


@router.put("/{opening_id}", response_model=OpeningPublic)
def replace_opening(opening_id: str, actor: CounselorOrEmployer, body: OpeningFields, conn: WriteDep) -> dict:
    _editable(conn, actor, opening_id)
    record = {"opening_id": opening_id, **body.model_dump()}
    policy.check_opening_write(actor, record)
    records.check_contract("openings", {**record, "employer_name": _employer_name(conn, actor, body.employer_id)})
    conn.execute(update(tables.openings).where(tables.openings.c.opening_id == opening_id).values(**record))
    changes.record(conn, "opening", opening_id)
    return _fetch(conn, opening_id)


@router.delete("/{opening_id}", status_code=204)
def delete_opening(opening_id: str, actor: CounselorOrEmployer, conn: WriteDep) -> Response:
    _editable(conn, actor, opening_id)
    history = conn.scalar(select(func.count()).where(tables.events.c.opening_id == opening_id))
    if history:
        raise errors.conflict(
            f"이 공고에 이력이 {history}건 있어 삭제하면 학습 자료가 사라집니다. 대신 마감일(deadline)을 정해 닫으세요."
        )
    conn.execute(delete(tables.openings).where(tables.openings.c.opening_id == opening_id))
    changes.record(conn, "opening", opening_id)
    return Response(status_code=204)


@router.get("/{opening_id}/candidates", response_model=CandidateList)
def opening_candidates(
    opening_id: str,
    actor: CounselorOrEmployer,
    request: Request,
    serving: ServingDep,
    settings: SettingsDep,
    conn: ReadDep,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    as_of: Annotated[date | None, Query(description="default: today")] = None,
) -> Response:
    """Consenting, eligible seekers for one opening, best first, in the profile an employer may see."""
    ranked, state = candidate_list(conn, serving, settings, actor, request.state.request_id, opening_id, k, as_of)
    return Response(ranked.body, media_type="application/json", headers={"X-Match-Cache": state})


def candidate_list(
    conn: Connection,
    serving: Serving,
    settings: Settings,
    actor: Actor,
    request_id: str,
    opening_id: str,
    k: int = 10,
    as_of: date | None = None,
) -> tuple[Ranked, str]:
    """An opening's ranked candidates as the API answers them (a ``CandidateList`` body) and the cache state.

    A list is kept on the snapshot it was ranked on; ownership, the employer's daily cap and the access log are
    checked and written on every call. The candidates route and the employer page both call this.
    """
    _editable(conn, actor, opening_id)
    if (
        actor.role == "employer"
        and access.candidate_lists_today(conn, actor) >= settings.employer_candidate_lists_per_day
    ):
        raise errors.too_many(
            f"오늘 받을 수 있는 후보자 목록 수({settings.employer_candidate_lists_per_day}회)를 넘었습니다."
        )
    snapshot = serving.current(conn)
    day = as_of or settings.today()
    audience = "employer" if actor.role == "employer" else "staff"  # service.policy: what an employer may learn
    ranked, state = snapshot.lists.ranked(
        ("candidates", opening_id, day, k, audience),
        lambda: _rank_candidates(serving, snapshot, opening_id, day, k, audience),
    )
    access.record(conn, actor, access.CANDIDATE_ROUTE, request_id, seeker_ids=ranked.ids, opening_id=opening_id)
    return ranked, state


def _rank_candidates(serving: Serving, snapshot: Snapshot, opening_id: str, day: date, k: int, audience: str) -> Ranked:
    matcher = snapshot.matcher
    if matcher.opening_row.get_indexer([opening_id])[0] < 0:
        raise errors.not_found("opening", opening_id)
    with serving.scoring:
        if audience == "employer":
            found, band = policy.employer_candidates(matcher, opening_id, day, k)
        else:
            found, band = matcher.candidates([opening_id], pd.Timestamp(day), k=k, consented_only=True), None
    body = CandidateList(
        opening_id=opening_id,
        model_version=snapshot.version,
        candidates=present.candidate_items(found, matcher.seekers, matcher.seeker_row, day, band),
    )
    return Ranked(body.model_dump_json().encode("utf-8"), tuple(m.seeker_id for m in found))


INTERVIEW_ASK = "interview_asked"


@router.post("/{opening_id}/interviews", status_code=201, response_model=InterviewAsked)
def ask_interview(
    opening_id: str,
    actor: CounselorOrEmployer,
    body: InterviewAsk,
    conn: WriteDep,
    serving: ServingDep,
    settings: SettingsDep,
) -> dict:
    """Ask the center to arrange an interview with one of the opening's candidates (consenting and eligible
    today). The center contacts the seeker: the answer holds no contact data. Asked once per pair."""
    _editable(conn, actor, opening_id)
    if not _is_candidate(serving, serving.current(conn), actor, opening_id, body.seeker_id, settings.today()):
        raise errors.not_found("seeker", body.seeker_id)  # as for an unknown id: nothing about the seeker is revealed
    if body.seeker_id in interviews_asked(conn, [body.seeker_id], opening_id):
        raise errors.conflict("이 후보자에 대한 면접 주선을 이미 요청했습니다. 센터가 연락드릴 때까지 기다려 주세요.")
    asked_at = settings.now()
    event_id = conn.execute(
        insert(tables.events)
        .values(seeker_id=body.seeker_id, opening_id=opening_id, event=INTERVIEW_ASK, occurred_at=asked_at)
        .returning(tables.events.c.event_id)
    ).scalar_one()
    changes.record(conn, "event", str(event_id))
    return {"event_id": event_id, "opening_id": opening_id, "seeker_id": body.seeker_id, "asked_at": asked_at}


def _is_candidate(
    serving: Serving, snapshot: Snapshot, actor: Actor, opening_id: str, seeker_id: str, day: date
) -> bool:
    """Whether the seeker could be on the caller's candidate list of the opening, by the list's own rules
    (consent, eligibility; for an employer service.policy's too: an opening aimed at a hidden group is refused
    with the list's 403, a seeker whose age the opening would pin down is not a candidate)."""
    matcher = snapshot.matcher
    row = matcher.seeker_row.get_indexer([seeker_id])[0]
    if row < 0 or matcher.opening_row.get_indexer([opening_id])[0] < 0:
        return False
    only = np.zeros(len(matcher.seekers), dtype=bool)
    only[row] = True
    with serving.scoring:
        if actor.role == "employer":
            found, _ = policy.employer_candidates(matcher, opening_id, day, 1, seeker_mask=only)
        else:
            found = matcher.candidates([opening_id], pd.Timestamp(day), k=1, consented_only=True, seeker_mask=only)
    return bool(found)


def interviews_asked(conn: Connection, seeker_ids: list[str], opening_id: str) -> set[str]:
    """The seekers among ``seeker_ids`` for whom an interview on the opening was already asked."""
    query = select(tables.events.c.seeker_id).where(
        tables.events.c.opening_id == opening_id,
        tables.events.c.event == INTERVIEW_ASK,
        tables.events.c.seeker_id.in_(seeker_ids),
    )
    return set(conn.scalars(query))
