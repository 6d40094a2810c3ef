"""One record at a time for the routers: fetch by id, a page of a query, the data contract's check."""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select

from matcher.contract import record_problems
from service.deps import Paging
from service.errors import ContractRefused


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
