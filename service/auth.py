"""Who is calling: bearer tokens (stored only as hashes), roles, and what each role may reach.

Roles: ``counselor`` (everything of the center), ``employer`` (bound to one
employer_id), ``seeker`` (bound to one seeker_id), ``admin`` (models and
tokens). A route names the roles it admits; inside, every id is checked
against the caller, and an id the caller may not reach answers 404, exactly as
a missing one does (OWASP API1).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine, delete, false, insert, or_, select, update
from sqlalchemy.exc import DBAPIError

from matcher import cells
from service import changes, clock, tables
from service.db import one_writer
from service.deps import get_engine

ROLES: tuple[str, ...] = ("counselor", "employer", "seeker", "admin")
TOKEN_PREFIX = "jm_"


@dataclass(frozen=True)
class Actor:
    """The caller of one request."""

    role: str
    token_id: str | None = None
    employer_id: str | None = None
    seeker_id: str | None = None

    def sees_seeker(self, seeker_id: str) -> bool:
        return self.role == "counselor" or (self.role == "seeker" and self.seeker_id == seeker_id)

    def sees_employer(self, employer_id: str) -> bool:
        return self.role == "counselor" or (self.role == "employer" and self.employer_id == employer_id)


class TokenCache:
    """Callers of recently seen token hashes, each kept for ``ttl`` seconds; thread-safe. ``ttl`` 0 keeps nothing.

    Trade-off: a token revoked through this process (``DELETE /admin/tokens/{id}``, or its holder deleted) is
    refused at once, because the revocation leaves a tombstone here that outlives any entry. A token revoked
    through another process sharing the database (another worker or instance, ``jobmatch tokens revoke``) is
    refused here once this process reads the revocation in the change log (service.serving: within
    ``change_poll_seconds``, or at once by a request that catches up), and at the latest after ``ttl`` seconds.
    Unknown tokens are never cached: a token issued anywhere works at once.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._actors: dict[str, tuple[float, Actor]] = {}
        self._dead_tokens: set[str] = set()
        self._lock = threading.Lock()

    def _dead(self, actor: Actor) -> bool:
        return actor.token_id in self._dead_tokens

    def revoked(self, actor: Actor) -> bool:
        """Whether ``actor``'s token was revoked since it was looked up (as far as this process knows)."""
        with self._lock:
            return self._dead(actor)

    def get(self, token_hash: str) -> Actor | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            entry = self._actors.get(token_hash)
            if entry is None:
                return None
            expires, actor = entry
            if expires < time.monotonic() or self._dead(actor):
                del self._actors[token_hash]
                return None
            return actor

    def put(self, token_hash: str, actor: Actor) -> None:
        """Keep ``actor``, just read from the database, unless it was revoked here meanwhile."""
        if self.ttl <= 0:
            return
        with self._lock:
            if self._dead(actor):
                return
            if len(self._actors) >= self.size:
                self._actors.clear()  # rare (that many live tokens within ttl); refilled from the database
            self._actors[token_hash] = (time.monotonic() + self.ttl, actor)

    def forget(self, *token_ids: str) -> None:
        """Refuse from now on these tokens (revoked, or ended with the seeker or employer they were bound to).

        Tombstones are kept for the process's life (a few ids): a lookup racing the revoking transaction's
        commit may still read the token as valid, and must not cache it. They name tokens, not holders: a seeker
        or employer created again under a deleted one's id gets new tokens, which work.
        """
        with self._lock:
            self._dead_tokens.update(token_ids)
            self._actors = {h: entry for h, entry in self._actors.items() if not self._dead(entry[1])}


ANONYMOUS = Actor(role="anonymous")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    conn: Connection,
    role: str,
    *,
    employer_id: str | None = None,
    seeker_id: str | None = None,
    label: str | None = None,
) -> tuple[str, str]:
    """Create a token; returns (token_id, token). The token is shown once and stored only as its hash."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if label is not None and (cells.has_rrn(label) or cells.has_control(label) or len(label) > 200):
        raise ValueError("the label must be plain text of at most 200 characters, and never a registration number")
    if (role == "employer") != (employer_id is not None) or (role == "seeker") != (seeker_id is not None):
        raise ValueError("an employer token needs --employer, a seeker token --seeker, and no other role takes either")
    if (
        employer_id is not None
        and conn.scalar(select(tables.employers.c.employer_id).where(tables.employers.c.employer_id == employer_id))
        is None
    ):
        raise ValueError(f"unknown employer id {employer_id!r}")
    if (
        seeker_id is not None
        and conn.scalar(select(tables.seekers.c.seeker_id).where(tables.seekers.c.seeker_id == seeker_id)) is None
    ):
        raise ValueError(f"unknown seeker id {seeker_id!r}")
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{token_id}.{secrets.token_urlsafe(32)}"
    conn.execute(
        insert(tables.tokens).values(
            token_id=token_id,
            token_hash=hash_token(token),
            role=role,
            employer_id=employer_id,
            seeker_id=seeker_id,
            label=label,
            created_at=clock.now(),
        )
    )
    return token_id, token


def revoke(conn: Connection, token_id: str) -> bool:
    """End a token; every instance sharing the database drops it from its token cache (service.serving)."""
    one_writer(conn)
    done = conn.execute(
        update(tables.tokens)
        .where(tables.tokens.c.token_id == token_id, tables.tokens.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if done.rowcount > 0:
        changes.record(conn, changes.TOKEN_CHANGE, token_id)
    return done.rowcount > 0


def revoke_bound(conn: Connection, *, seeker_id: str | None = None, employer_id: str | None = None) -> list[str]:
    """End every token bound to a seeker or an employer that is being deleted; returns their ids.

    Without this a token outlived its holder, and a seeker or employer created later under the same id inherited
    it. A seeker's token rows are erased with the seeker (they hold its id); an employer's are kept, revoked.
    With neither id given, every token bound to any seeker or employer ends (an import that replaces them all).
    """
    column = tables.tokens.c
    if seeker_id is None and employer_id is None:
        seekers, employers = column.seeker_id.is_not(None), column.employer_id.is_not(None)
    else:
        seekers = column.seeker_id == seeker_id if seeker_id is not None else false()
        employers = column.employer_id == employer_id if employer_id is not None else false()
    one_writer(conn)
    ids = list(conn.scalars(select(column.token_id).where(or_(seekers, employers))))
    conn.execute(delete(tables.tokens).where(seekers))
    conn.execute(update(tables.tokens).where(employers, column.revoked_at.is_(None)).values(revoked_at=clock.now()))
    for token_id in ids:
        changes.record(conn, changes.TOKEN_CHANGE, token_id)
    return ids


BEARER = HTTPBearer(auto_error=False, description="a token from `jobmatch tokens add`")


def lookup(conn: Connection, token: str) -> Actor | None:
    """The holder of a valid (issued, not revoked) token, from the database."""
    return _lookup_hash(conn, hash_token(token))


def _lookup_hash(conn: Connection, token_hash: str) -> Actor | None:
    query = select(tables.tokens).where(tables.tokens.c.token_hash == token_hash, tables.tokens.c.revoked_at.is_(None))
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return Actor(row["role"], row["token_id"], row["employer_id"], row["seeker_id"])


def _lookup_on(engine: Engine, token_hash: str) -> Actor | None:
    with engine.connect() as conn:
        return _lookup_hash(conn, token_hash)


async def verify(engine: Engine, tokens: TokenCache, token: str) -> Actor | None:
    """The holder of ``token`` if it is valid, else None.

    A token seen in the last few seconds is answered from this process's cache (see
    :class:`TokenCache` for how revocations reach it); the database is read on a thread.
    """
    token_hash = hash_token(token)
    actor = tokens.get(token_hash)
    if actor is None:
        actor = await run_in_threadpool(_lookup_on, engine, token_hash)
        if actor is not None:
            tokens.put(token_hash, actor)
    return actor


async def identify(engine: Engine, tokens: TokenCache, authorization: str) -> Actor | None:
    """The verified caller of an ``Authorization`` header value (rate limits count by it); None for anything that
    is not a valid bearer token, or when the database cannot say (the route then answers for itself)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return await verify(engine, tokens, token.strip())
    except DBAPIError:
        return None


async def current_actor(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Actor:
    """The caller, from ``Authorization: Bearer <token>``; 401 without a valid token."""
    actor = None
    if credentials is not None:
        actor = await verify(engine, request.app.state.tokens, credentials.credentials)
    if actor is None:
        raise HTTPException(
            401,
            "인증 토큰이 없거나 올바르지 않습니다. 센터에서 받은 토큰을 Authorization: Bearer 헤더로 보내세요.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.actor = actor
    return actor


def allow(*roles: str):
    """A dependency admitting only ``roles``; others get 403 whatever the id (nothing about ids is revealed)."""

    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles:
            raise HTTPException(403, f"이 기능은 {', '.join(roles)} 역할만 쓸 수 있습니다 (role {actor.role}).")
        return actor

    return check


Counselor = Annotated[Actor, Depends(allow("counselor"))]
Staff = Annotated[Actor, Depends(allow("counselor", "admin"))]
Admin = Annotated[Actor, Depends(allow("admin"))]
AnyRole = Annotated[Actor, Depends(allow(*ROLES))]
CounselorOrSeeker = Annotated[Actor, Depends(allow("counselor", "seeker"))]
CounselorOrEmployer = Annotated[Actor, Depends(allow("counselor", "employer"))]
