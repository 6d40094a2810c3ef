"""ASGI middleware: request ids, body-size cap, rate limits, and a request log that never holds personal data."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from limits import RateLimitItem, parse

from matcher.contract import redact
from service.config import Settings

log = logging.getLogger("jobmatch.requests")


class Caller(Protocol):
    """What the limits need of a verified caller (a service.auth.Actor)."""

    @property
    def token_id(self) -> str | None: ...


# The verified caller of an Authorization header (service.auth.identify), None for anything else.
Identify = Callable[[str], Awaitable[Caller | None]]


class Limiter(Protocol):
    """Counts a hit of ``key`` and says whether it is within ``item`` (MovingWindow, service.shared.SharedLimits)."""

    async def allow(self, item: RateLimitItem, namespace: str, key: str) -> bool: ...


async def _reply(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await _send(send, status, body, b"application/json", headers)


async def _send(send, status: int, body: bytes, media: bytes, headers: list[tuple[bytes, bytes]] = ()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Outside the anonymous limit: health, the API's docs and their files, the pages' files, and the signed-in pages,
# which are counted per session once it is verified (service.pages.web.signed_in; no session: sent to sign in).
UNLIMITED_PATHS = frozenset({"/health", "/docs", "/openapi.json", "/redoc", "/desk", "/employer", "/signout"})
UNLIMITED_PREFIXES = ("/static/", "/static-offline-docs/", "/desk/", "/employer/")  # not /employers (the API)
LIMIT_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>잠시 후 다시 시도하세요 · 성동구 일자리 매칭</title><link rel="stylesheet" href="/static/pages/pages.css">
</head><body><main id="main"><h1>요청이 너무 많습니다</h1>
<p class="alert" role="alert">짧은 시간에 요청이 너무 많이 들어왔습니다. 1분쯤 기다린 뒤 다시 시도하세요.</p>
<p><a href="/">처음 화면으로</a></p></main></body></html>
"""


class MovingWindow:
    """Exact moving-window limits in this process's memory: a hit is refused when the key already has
    ``amount`` hits within the last window. Thread-safe.

    Replaces ``limits``' MemoryStorage, which starts a timer thread every 10 ms while there is traffic and
    copies each key's whole list of hits on every expiry pass: with the limits lifted for a load test that
    alone cost about 5 % of the process's time. Here a hit appends a time and drops the expired ones
    (amortised O(1)); keys idle for a whole window are swept now and then.
    """

    SWEEP_EVERY = 10_000  # hits

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self._count = 0
        self._longest = 0.0

    def hit(self, item: RateLimitItem, namespace: str, key: str) -> bool:
        """Count one hit and say whether it is within the limit (a refused hit is not counted)."""
        now = time.monotonic()
        window = float(item.get_expiry())
        with self._lock:
            self._longest = max(self._longest, window)
            self._count += 1
            if self._count % self.SWEEP_EVERY == 0:
                self._sweep(now)
            times = self._hits.setdefault((namespace, key), deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= item.amount:
                return False
            times.append(now)
            return True

    async def allow(self, item: RateLimitItem, namespace: str, key: str) -> bool:
        """:meth:`hit`, as :class:`service.shared.SharedLimits` answers it (for RequestAdmission and the pages)."""
        return self.hit(item, namespace, key)

    def _sweep(self, now: float) -> None:
        stale = [key for key, times in self._hits.items() if not times or times[-1] <= now - self._longest]
        for key in stale:
            del self._hits[key]


class RequestAdmission:
    """What admits a request into the app (``Guard`` before): rate limits per token and per address (429), a cap on
    body size (413), at most ``admitted`` requests inside at once; and request ids and a redacted request log.

    Limits are counted by ``limiter``: this process's memory by default, or a store every worker and instance
    shares (service.shared.SharedLimits, when ``JOBMATCH_SHARED_STORE_URL`` names one).

    At most ``admitted`` requests are inside the application at once; the others wait here, holding nothing.
    A request holds one pooled connection at a time, but may hold it while it waits for a thread (a dependency
    takes it, the route runs later on another thread). With more requests inside than connections, every
    thread could block in the pool behind requests that need a thread to give theirs back: nothing moved until
    the pool's 30 s timeout. Admitting no more requests than there are connections makes that wait impossible.
    """

    def __init__(
        self, app, settings: Settings, admitted: int, identify: Identify, limiter: Limiter | None = None
    ) -> None:
        self.app = app
        self.settings = settings
        self.identify = identify
        self.admission = asyncio.Semaphore(admitted)
        self.limiter = limiter or MovingWindow()
        self.per_token = parse(settings.rate_limit_token)
        self.per_address = parse(settings.rate_limit_address)
        self.anonymous = parse(settings.rate_limit_anonymous)

    async def _limited(self, scope: dict, headers: dict[bytes, bytes]) -> bool:
        """Whether to refuse: per address always; per token for a verified token; else as anonymous.

        Only a token that verifies counts as one: an unknown or forged bearer is anonymous (before, any
        ``Authorization`` value bought a fresh allowance of its own). The address is the connection's, or the one a
        trusted proxy forwarded (service.server.config).
        """
        address = (scope.get("client") or ("unknown", 0))[0]
        if not await self.limiter.allow(self.per_address, "address", address):
            return True
        authorization = headers.get(b"authorization")
        actor = await self.identify(authorization.decode("latin-1")) if authorization else None
        if actor is not None:
            return not await self.limiter.allow(self.per_token, "token", actor.token_id or "")
        path = scope["path"]
        if path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIXES):
            return False
        return not await self.limiter.allow(self.anonymous, "anonymous", address)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500}

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            headers = dict(scope.get("headers") or [])
            declared = headers.get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.settings.max_body_bytes):
                await _reply(sending, 413, f"요청 본문이 너무 큽니다 (최대 {self.settings.max_body_bytes:,} 바이트).")
                return
            # Inside the admission: a token is looked up on a request thread with a pooled connection, which only
            # admitted requests may hold (see above).
            async with self.admission:
                if await self._limited(scope, headers):
                    retry = [(b"retry-after", b"60")]
                    if b"text/html" in headers.get(b"accept", b""):  # a browser: a page it can show
                        await _send(sending, 429, LIMIT_PAGE.encode(), b"text/html; charset=utf-8", retry)
                    else:
                        await _reply(sending, 429, "요청이 너무 많습니다. 잠시 후 다시 시도하세요.", retry)
                    return
                await self.app(scope, self._capped(receive), sending)
        finally:
            # The path may carry an id or a filter value; anything shaped like a registration number is cut out.
            path = redact(scope.get("path", ""))
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.1fms %s", scope.get("method"), path, status["code"], elapsed, request_id)

    def _capped(self, receive):
        """Stop reading a body sent without (or beyond) its declared length once it passes the cap."""
        seen = {"bytes": 0}
        limit = self.settings.max_body_bytes

        async def wrapped() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > limit:
                    raise BodyTooLarge()
            return message

        return wrapped


class BodyTooLarge(Exception):
    """A request body over the cap (answered 413)."""
