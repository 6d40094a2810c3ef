"""Cached match lists answered in front of FastAPI: the short way for ``GET /seekers/{id}/matches`` on a cache hit.

(``service.fastlists.FastLists`` before.) ``GET /seekers/{id}/matches`` answered from the list cache costs a few
hundred microseconds of work, but going through FastAPI (routing, dependency resolution, query-model validation, a
worker thread for the sync route) cost several times that. Why it is not folded back into the route: measured when
it came (commit d29160d, bench_service's kept world, 1 worker, 32 connections, warm), 520 req/s through the route
against 3,810 req/s here (at 32 connections about 60 ms against 8 ms a request), and issue 15's bar for warm
lists is a p50 under 10 ms. :class:`CachedMatches` sits between :class:`service.middleware.RequestAdmission`
and the app and answers such a request itself when it can tell cheaply that the answer is a cache hit, doing
everything the route does for one:

- the query is validated by the route's own :class:`~service.routers.seekers.MatchQuery`;
- the token is one this process already holds in its :class:`~service.auth.TokenCache` (same expiry and
  revocation rules as the route's dependency), its role is counselor or seeker, and a seeker reads only itself;
- the database's newest change revision is read and must equal the snapshot's (so a write by any instance is
  seen exactly as the route sees it), and the access-log row is committed before the answer (same table, same
  row as the route writes); both in batches of concurrent requests, by
  :class:`service.access_batcher.AccessLogBatcher`. When the snapshot is behind, it is brought up to date (as the
  route would) and the list, if a write left it in the cache, is confirmed once more;
- the list counts as the seeker's list of the day (exposure, which the day's other lists pay for);
- the body and headers are the route's, byte for byte (``X-Match-Cache: hit``).

Anything else (another path or method, an unknown or uncached token, a role or an id the caller may not
reach, a query the model refuses, repeated or unknown parameters, a list not in the
cache, a revision still newer after catching up, any database error) is passed on untouched to the app,
which answers it as before (401, 403, 404, 422, 503, ranking on a miss). Nothing is sent before that
decision, so passing on is always possible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qsl

import pandas as pd
from anyio import to_thread
from pydantic import ValidationError

from service import access
from service.access_batcher import AccessLogBatcher
from service.auth import Actor, TokenCache, hash_token
from service.cache import Ranked
from service.config import Settings
from service.routers.seekers import MATCH_ROUTE, MatchQuery, match_key
from service.serving import Serving, Snapshot

log = logging.getLogger("jobmatch.service")

PREFIX, SUFFIX = "/seekers/", "/matches"
QUERY_FIELDS = frozenset(MatchQuery.model_fields)
READERS = ("counselor", "seeker")  # the roles the route admits


class CachedMatches:
    """ASGI middleware answering cached match lists (see the module's description); all else goes to ``app``."""

    QUERY_MEMO = 1024  # distinct query strings whose validation is remembered

    def __init__(
        self, app, serving: Serving, settings: Settings, tokens: TokenCache, access_batcher: AccessLogBatcher
    ) -> None:
        self.app = app
        self.access_batcher = access_batcher
        self.serving = serving
        self.settings = settings
        self.tokens = tokens
        self._queries: dict[bytes, MatchQuery | None] = {}
        self._days: dict[date, pd.Timestamp] = {}
        self.served = 0  # answered here (for tests and curiosity)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = self._candidate(scope)
            if found is not None and await self._answer(send, *found):
                return
        await self.app(scope, receive, send)

    # -- what can be decided without the database --------------------------------------------------------------
    def _candidate(self, scope) -> tuple[Actor, str, tuple, Snapshot, Ranked, pd.Timestamp, str] | None:
        path: str = scope["path"]
        if not (path.startswith(PREFIX) and path.endswith(SUFFIX)) or scope.get("root_path"):
            return None
        seeker_id = path[len(PREFIX) : -len(SUFFIX)]
        if not seeker_id or "/" in seeker_id:
            return None
        request_id = (scope.get("state") or {}).get("request_id")
        if request_id is None:
            return None
        query = self._query(scope.get("query_string", b""))
        if query is None:
            return None
        actor = self._actor(scope)
        if actor is None or actor.role not in READERS or not actor.sees_seeker(seeker_id):
            return None  # the route answers 401, 403 or 404
        snapshot = self.serving.snapshot
        if snapshot is None:
            return None
        day = query.as_of or self.settings.today()
        key = match_key(seeker_id, query, day)
        ranked = snapshot.lists.get(key)
        if ranked is None:
            return None
        return actor, seeker_id, key, snapshot, ranked, self._timestamp(day), request_id

    def _query(self, raw: bytes) -> MatchQuery | None:
        """The validated query, or None where the route should decide (remembered per query string)."""
        try:
            return self._queries[raw]
        except KeyError:
            pass
        query = None
        try:
            pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
            names = [name for name, _ in pairs]
            plain = len(set(names)) == len(names) and set(names) <= QUERY_FIELDS and all(v for _, v in pairs)
            if plain:
                query = MatchQuery.model_validate(dict(pairs))
        except (ValidationError, UnicodeError, ValueError):
            query = None
        if len(self._queries) >= self.QUERY_MEMO:
            self._queries.clear()
        self._queries[raw] = query
        return query

    def _actor(self, scope) -> Actor | None:
        """The caller if its token is in this process's token cache (as ``HTTPBearer`` reads the header)."""
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        if not authorization:
            return None
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials:
            return None
        return self.tokens.get(hash_token(credentials))

    def _timestamp(self, day: date) -> pd.Timestamp:
        when = self._days.get(day)
        if when is None:
            if len(self._days) > 64:
                self._days.clear()
            when = self._days[day] = pd.Timestamp(day)
        return when

    # -- the database, then the answer -------------------------------------------------------------------------
    async def _answer(
        self,
        send: Callable,
        actor: Actor,
        seeker_id: str,
        key: tuple,
        snapshot: Snapshot,
        ranked: Ranked,
        when: pd.Timestamp,
        request_id: str,
    ) -> bool:
        rows = access.rows_for(actor, MATCH_ROUTE, request_id, seeker_ids=[seeker_id])
        try:
            logged = await self.access_batcher.confirm_and_log(snapshot.revision, rows)
            if not logged:  # a write since the snapshot: catch up, and the list may still be there
                snapshot = await to_thread.run_sync(self.serving.current)
                if self.tokens.revoked(actor):  # the write was its token's revocation (by another process)
                    return False
                ranked = snapshot.lists.get(key)
                logged = ranked is not None and await self.access_batcher.confirm_and_log(snapshot.revision, rows)
        except Exception as exc:  # a database error: nothing was logged or sent, and the route answers it (503)
            log.debug("short way passed on: %s", type(exc).__name__)
            return False
        if not logged:
            return False
        self.serving.exposure.show(seeker_id, ranked.ids, when)
        self.served += 1
        body = ranked.body
        headers = [
            (b"x-match-cache", b"hit"),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
