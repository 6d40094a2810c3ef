"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Connection, Engine

from service.config import Settings
from service.db import one_writer
from service.live import Live

MAX_PAGE_SIZE = 200


# The trivial dependencies are coroutines: a plain function would cost each request a hop to a worker thread.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_live(request: Request) -> Live:
    return request.app.state.live


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def read_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


def write_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection in a transaction, committed when the route returns without error; one writer at a time."""
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
LiveDep = Annotated[Live, Depends(get_live)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadDep = Annotated[Connection, Depends(read_connection)]
WriteDep = Annotated[Connection, Depends(write_connection)]
PagingDep = Annotated[Paging, Depends(paging)]
