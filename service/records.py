"""Row access shared by the routers: fetch, page, validate against the contract, record changes."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import Connection, Table, func, select

from matcher.contract import Problem, record_problems
from service.deps import Paging
from service.errors import ContractRefused
from service.store import record_change as record_change  # the routers log their writes through records

KIND_KO = {"seeker": "구직자", "opening": "구인 공고", "employer": "기업", "event": "이력"}


def not_found(kind: str, entity_id: str) -> HTTPException:
    return HTTPException(404, f"{KIND_KO[kind]} '{entity_id}'을(를) 찾을 수 없습니다 ({kind} not found)")


def conflict(message: str) -> HTTPException:
    return HTTPException(409, message)


def key_column(table: Table):
    return next(iter(table.primary_key.columns))


def fetch(conn: Connection, table: Table, entity_id: str) -> dict | None:
    row = conn.execute(select(table).where(key_column(table) == entity_id)).mappings().first()
    return dict(row) if row else None


def page(conn: Connection, query, paging: Paging) -> tuple[list[dict], int]:
    total = conn.scalar(select(func.count()).select_from(query.subquery()))
    rows = conn.execute(query.offset(paging.offset).limit(paging.limit)).mappings().all()
    return [dict(r) for r in rows], int(total or 0)


def check_contract(kind: str, record: dict) -> None:
    """Run the data contract's checks (dong known, RRN-free, ranges...) on one record; 422 names the field."""
    problems = record_problems(kind, record)
    if problems:
        raise ContractRefused(problems)


def bad_query(field: str, message: str, where: str = "query") -> ContractRefused:
    """A 422 naming one query parameter (or, with ``where="body"``, one body field)."""
    return ContractRefused([Problem(where, 0, field, message)], prefix=(where,))


def too_many(message: str) -> HTTPException:
    return HTTPException(429, message, headers={"Retry-After": "3600"})
