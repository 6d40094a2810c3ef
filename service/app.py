"""The FastAPI application: ``create_app()`` wires settings, database, model and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from threadpoolctl import threadpool_limits

from service import auth, docs, errors, pages
from service.access_batcher import AccessLogBatcher
from service.auth import TokenCache
from service.cached_matches import CachedMatches
from service.config import Settings, get_settings
from service.db import ADMITTED_REQUESTS, REQUEST_THREADS, make_engine
from service.deps import plain_parameters
from service.middleware import MovingWindow, RequestAdmission
from service.routers import admin, assignments, employers, events, openings, search, seekers
from service.schemas import ERROR_RESPONSES
from service.serving import Serving
from service.shared import SharedExposure, SharedLimits

log = logging.getLogger("jobmatch.service")

DESCRIPTION = """
성동구 일자리센터 구인·구직 추천 서비스 (jobmatch).

- 구직자에게 맞는 공고 (`GET /seekers/{id}/matches`), 공고에 맞는 구직자 (`GET /openings/{id}/candidates`)
- 계정 없이 스스로 찾기 (`POST /search`)
- 한정된 사업 자리 배정 (`POST /assignments`)
- 결과 기록 (`POST /events`)

Every match carries up to four short Korean reasons (what raised it, true of the data) and cautions
(stated preferences it misses). Errors are `{"detail": ...}` in Korean.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the bundle and database are opened in the lifespan."""
    settings = settings or get_settings()
    settings.check_secret()
    engine = make_engine(settings.database_url)
    access_batcher = AccessLogBatcher(engine)
    tokens = TokenCache(settings.token_cache_seconds)
    shared = settings.shared_store_url
    serving = Serving(
        engine,
        settings.model_dir,
        settings.match_cache_size,
        key=settings.secret_key,
        require_signature=settings.signed_bundles_only,
        exposure=SharedExposure(shared, settings.shared_store_prefix) if shared else None,
        revoked=lambda token_ids: tokens.forget(*token_ids),  # revoked through another process
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests run in a pool of threads and the service scales by worker processes; native thread
        # pools inside numpy/scipy/scikit-learn on top of that would oversubscribe the cores.
        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        with threadpool_limits(limits=1):
            serving.start()  # migrates the database, loads the bundle; tolerates both being absent
            serving.watch(settings.change_poll_seconds)  # follows other instances' reloads and revocations
            yield
        serving.close()
        access_batcher.close()
        engine.dispose()

    # Swagger UI and ReDoc from the files fastapi-offline ships (no CDN): /docs and /redoc work offline.
    app = FastAPIOffline(
        docs_url=None,  # served by service.docs, fenced to this site
        redoc_url=None,
        static_url=docs.STATIC,
        title="jobmatch",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        swagger_ui_parameters={"validatorUrl": None},
        dependencies=[Depends(plain_parameters)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.serving = serving
    app.state.tokens = tokens
    app.state.access_batcher = access_batcher
    # Rate-limit counters, used by RequestAdmission and the signed-in pages: this process's, or every instance's.
    app.state.limiter = SharedLimits(shared, settings.shared_store_prefix) if shared else MovingWindow()
    errors.install(app)
    docs.install(app)
    # RequestAdmission is outermost: its limits, request id and request log cover the short way for cached lists too.
    app.add_middleware(
        CachedMatches, serving=serving, settings=settings, tokens=app.state.tokens, access_batcher=access_batcher
    )
    identify = partial(auth.identify, engine, app.state.tokens)
    app.add_middleware(
        RequestAdmission, settings=settings, admitted=ADMITTED_REQUESTS, limiter=app.state.limiter, identify=identify
    )
    for module in (admin, seekers, openings, employers, events, search, assignments):
        app.include_router(module.router)
    pages.install(app)  # after the error handlers: pages answer their errors as pages
    return app
