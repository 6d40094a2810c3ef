"""Page sign-in: a token exchanged once for a session cookie, and the CSRF token every page form carries.

The session cookie is random, HttpOnly, SameSite=Strict and expires with the session. The database keeps
only its sha256, beside the token it was made from: signing out revokes the row, and revoking the token ends
every session made from it, whatever the browser keeps. A session acts as its token's holder (the same
:class:`~service.auth.Actor`), so roles, ownership and the access log are exactly the API's.

Every page POST carries a CSRF token in a hidden field: a signed-in form the session's own (stored with
it), a form shown before sign-in (sign-in, self-search) the value of a second cookie (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, update

from service import auth, clock, tables

COOKIE = "jm_session"
FORM_COOKIE = "jm_form"  # the double-submit token of forms shown before sign-in
CSRF_FIELD = "csrf_token"
PAGE_ROLES = ("counselor", "employer")
HOME = {"counselor": "/desk", "employer": "/employer"}


class SignInRefused(Exception):
    """The token cannot open a page session; the message says why, in Korean."""


@dataclass(frozen=True)
class Session:
    actor: auth.Actor
    csrf: str
    expires_at: datetime


def _hash(value: str) -> str:
    return auth.hash_token(value)


def start(conn: Connection, token: str, hours: float) -> tuple[str, Session]:
    """Exchange a token for a new session; returns the cookie value (shown only to the browser) and the session."""
    actor = auth.lookup(conn, token.strip())
    if actor is None:
        raise SignInRefused("토큰이 올바르지 않거나 취소되었습니다. 센터에서 받은 토큰을 그대로 붙여 넣으세요.")
    if actor.role not in PAGE_ROLES:
        raise SignInRefused("화면에는 상담사(counselor)와 기업(employer) 토큰으로만 로그인할 수 있습니다.")
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + timedelta(hours=hours)
    conn.execute(
        insert(tables.sessions).values(
            session_hash=_hash(value), token_id=actor.token_id, csrf=csrf, created_at=now, expires_at=expires
        )
    )
    return value, Session(actor, csrf, expires)


_LIVE = (
    select(tables.sessions.c.csrf, tables.sessions.c.expires_at, tables.tokens)
    .join(tables.tokens, tables.tokens.c.token_id == tables.sessions.c.token_id)
    .where(tables.sessions.c.revoked_at.is_(None), tables.tokens.c.revoked_at.is_(None))
)


def find(conn: Connection, value: str) -> Session | None:
    """The live session of a cookie: not signed out, not expired, its token not revoked."""
    row = (
        conn.execute(
            _LIVE.where(tables.sessions.c.session_hash == _hash(value), tables.sessions.c.expires_at > clock.now())
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    actor = auth.Actor(row["role"], row["token_id"], row["employer_id"], row["seeker_id"])
    return Session(actor, row["csrf"], row["expires_at"])


def find_on(engine: Engine, value: str) -> Session | None:
    with engine.connect() as conn:
        return find(conn, value)


def end(conn: Connection, value: str) -> bool:
    """Sign out: the session's row is revoked, so the cookie opens nothing even if a browser keeps it."""
    done = conn.execute(
        update(tables.sessions)
        .where(tables.sessions.c.session_hash == _hash(value), tables.sessions.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return done.rowcount > 0


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def same(given: object, expected: str | None) -> bool:
    """Constant-time comparison of a submitted CSRF token with the expected one."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), str(expected).encode())
