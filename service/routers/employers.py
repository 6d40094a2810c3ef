"""Employers: CRUD. An employer reaches only its own record."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete, func, insert, select, update

from service import auth, changes, errors, records, tables
from service.auth import Counselor, CounselorOrEmployer
from service.deps import PagingDep, ReadDep, WriteDep
from service.schemas import EmployerCreate, EmployerFields, EmployerPublic, Page

router = APIRouter(prefix="/employers", tags=["employers"])


@router.post("", status_code=201, response_model=EmployerPublic)
def create_employer(actor: Counselor, body: EmployerCreate, conn: WriteDep) -> dict:
    if records.fetch(conn, tables.employers, body.employer_id):
        raise errors.conflict(f"이미 등록된 기업 ID입니다: {body.employer_id}")
    conn.execute(insert(tables.employers).values(**body.model_dump()))
    changes.record(conn, "employer", body.employer_id)
    return body.model_dump()


@router.get("", response_model=Page[EmployerPublic])
def list_employers(actor: CounselorOrEmployer, conn: ReadDep, paging: PagingDep) -> dict:
    query = select(tables.employers).order_by(tables.employers.c.employer_id)
    if actor.role == "employer":
        query = query.where(tables.employers.c.employer_id == actor.employer_id)
    rows, total = records.page(conn, query, paging)
    return {"items": rows, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{employer_id}", response_model=EmployerPublic)
def get_employer(employer_id: str, actor: CounselorOrEmployer, conn: ReadDep) -> dict:
    row = records.fetch(conn, tables.employers, employer_id) if actor.sees_employer(employer_id) else None
    if row is None:
        raise errors.not_found("employer", employer_id)
    return row


@router.put("/{employer_id}", response_model=EmployerPublic)
def replace_employer(employer_id: str, actor: CounselorOrEmployer, body: EmployerFields, conn: WriteDep) -> dict:
    where = tables.employers.c.employer_id == employer_id
    if (
        not actor.sees_employer(employer_id)
        or conn.execute(update(tables.employers).where(where).values(**body.model_dump())).rowcount == 0
    ):
        raise errors.not_found("employer", employer_id)
    changes.record(conn, "employer", employer_id)  # its openings show the new name
    return {"employer_id": employer_id, **body.model_dump()}


@router.delete("/{employer_id}", status_code=204)
def delete_employer(employer_id: str, actor: Counselor, request: Request, conn: WriteDep) -> Response:
    """Remove an employer without openings; its tokens end with it."""
    if records.fetch(conn, tables.employers, employer_id) is None:
        raise errors.not_found("employer", employer_id)
    has = conn.scalar(select(func.count()).where(tables.openings.c.employer_id == employer_id))
    if has:
        raise errors.conflict(f"이 기업에 구인 공고가 {has}건 있어 삭제할 수 없습니다. 공고를 먼저 정리하세요.")
    request.app.state.tokens.forget(*auth.revoke_bound(conn, employer_id=employer_id))
    conn.execute(delete(tables.employers).where(tables.employers.c.employer_id == employer_id))
    changes.record(conn, "employer", employer_id)
    return Response(status_code=204)
