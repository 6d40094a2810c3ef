"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Connection, Engine

from matcher import cells
from matcher.contract import Problem
from service.config import Settings
from service.db import one_writer
from service.errors import ContractRefused
from service.schemas import CONTROL_MESSAGE
from service.serving import Serving

MAX_PAGE_SIZE = 200


# The trivial dependencies are coroutines: a plain function would cost each request a hop to a worker thread.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_serving(request: Request) -> Serving:
    return request.app.state.serving


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def plain_parameters(request: Request) -> None:
    """Refuse a path or query value holding a control character (422 naming it), on every route.

    Body fields are checked by their types (service.schemas.plain_text). A NUL byte reaching PostgreSQL in a
    query is a driver error, which was answered as an outage (503) there and not at all on SQLite.
    """
    problems = [
        Problem(where, 0, name, CONTROL_MESSAGE)
        for where, items in (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
        for name, value in items
        if isinstance(value, str) and cells.has_control(value)
    ]
    if problems:
        raise ContractRefused(problems, prefix=None)


def read_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


def write_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection in a transaction, committed when the route returns without error; one writer at a time.

    Used with ``scope="function"`` (``WriteDep``): the commit runs as soon as the route returns, before its answer
    is sent, so a 2xx means committed and a commit that fails is answered as an error. (Without it, FastAPI runs
    a yield dependency's exit after the response has gone out: a 201 could be followed by a failed commit, and a
    read sent right after a 201 could miss the write.)
    """
    with engine.begin() as conn:
        one_writer(conn)
        yield conn


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


async def paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")] = 50,
) -> Paging:
    return Paging(offset, limit)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServingDep = Annotated[Serving, Depends(get_serving)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadDep = Annotated[Connection, Depends(read_connection)]
WriteDep = Annotated[Connection, Depends(write_connection, scope="function")]
PagingDep = Annotated[Paging, Depends(paging)]
