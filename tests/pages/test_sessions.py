"""Sign-in, sessions and CSRF on the pages, on SQLite and PostgreSQL (no browser: the app's test client)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from service import auth, clock, tables
from service.db import make_engine
from service.pages import sessions
from tests.pages.conftest import csrf_of, sign_in


def _count(url: str, table, *where) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(select(func.count()).select_from(table).where(*where))
    engine.dispose()
    return int(found or 0)


def test_sign_in_sets_a_strict_http_only_expiring_cookie(site: TestClient, tokens: dict[str, str]) -> None:
    form = csrf_of(site.get("/signin").text)
    answer = site.post("/signin", data={"csrf_token": form, "token": tokens["counselor"]}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/desk"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert tokens["counselor"] not in cookie  # the token itself never becomes the cookie
    assert site.get("/desk").status_code == 200


def test_sign_out_ends_the_session_on_the_server(site: TestClient, tokens: dict[str, str], filled_url: str) -> None:
    csrf = sign_in(site, tokens["counselor"])
    kept = site.cookies[sessions.COOKIE]
    answer = site.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    assert _count(filled_url, tables.sessions, tables.sessions.c.revoked_at.is_not(None)) == 1
    # A browser that kept the cookie gets nothing: the session row is revoked, not just the cookie deleted.
    site.cookies.set(sessions.COOKIE, kept)
    again = site.get("/desk", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/signin?next=/desk"


def test_sign_in_refuses_wrong_tokens_and_roles_without_pages(site: TestClient, tokens: dict[str, str]) -> None:
    form = csrf_of(site.get("/signin").text)
    for token, message in (
        ("jm_nothing.really", "토큰이 올바르지 않거나"),
        (tokens["seeker"], "상담사(counselor)와 기업(employer)"),
        (tokens["admin"], "상담사(counselor)와 기업(employer)"),
    ):
        answer = site.post("/signin", data={"csrf_token": form, "token": token}, follow_redirects=False)
        assert answer.status_code == 401 and message in answer.text
        assert sessions.COOKIE not in answer.cookies


def test_a_revoked_token_ends_its_sessions(site: TestClient, tokens: dict[str, str], filled_url: str) -> None:
    sign_in(site, tokens["counselor"])
    token_id = tokens["counselor"].removeprefix(auth.TOKEN_PREFIX).split(".", 1)[0]
    engine = make_engine(filled_url)
    with engine.begin() as conn:
        assert auth.revoke(conn, token_id)
    engine.dispose()
    assert site.get("/desk", follow_redirects=False).status_code == 303


def test_an_expired_session_opens_nothing(site: TestClient, tokens: dict[str, str], filled_url: str) -> None:
    sign_in(site, tokens["employer"])
    assert site.get("/employer").status_code == 200
    engine = make_engine(filled_url)
    with engine.begin() as conn:
        conn.execute(update(tables.sessions).values(expires_at=clock.now() - timedelta(seconds=1)))
    engine.dispose()
    assert site.get("/employer", follow_redirects=False).status_code == 303


def test_pages_admit_only_their_role(site: TestClient, tokens: dict[str, str]) -> None:
    assert site.get("/desk/programs", follow_redirects=False).headers["location"] == "/signin?next=/desk/programs"
    sign_in(site, tokens["employer"])
    for path in ("/desk", "/desk/seekers/S000", "/desk/programs"):
        answer = site.get(path)
        assert answer.status_code == 403 and "상담사 계정으로만" in answer.text
    site.cookies.clear()
    sign_in(site, tokens["counselor"])
    answer = site.get("/employer")
    assert answer.status_code == 403 and "기업 계정으로만" in answer.text


# Every page POST: (role signed in, path, fields besides the CSRF token).
WRITES = [
    (None, "/signin", {"token": "x"}),
    (None, "/", {"age": "25", "dong": "마장동"}),
    ("counselor", "/signout", {}),
    ("counselor", "/desk/seekers/S000/events", {"opening_id": "O000", "event": "hired"}),
    ("counselor", "/desk/seekers/S000/edit", {"birth_year": "1990", "dong": "마장동"}),
    ("counselor", "/desk/programs", {"program": "youth_1on1", "action": "run"}),
    ("counselor", "/desk/programs/confirm", {"program": "youth_1on1", "placed": "S000,O000"}),
    ("employer", "/employer/openings/O000/interviews", {"seeker_id": "S000"}),
    ("employer", "/employer/openings/new", {"title": "x", "dong": "마장동", "posted_at": "2025-02-01"}),
    ("employer", "/employer/openings/O000/edit", {"title": "x", "dong": "마장동", "posted_at": "2025-02-01"}),
]


def test_a_post_without_the_right_csrf_token_is_refused(
    site: TestClient, tokens: dict[str, str], filled_url: str
) -> None:
    for role, path, fields in WRITES:
        site.cookies.clear()
        right = sign_in(site, tokens[role]) if role else csrf_of(site.get("/").text)
        events, changes = _count(filled_url, tables.events), _count(filled_url, tables.changes)
        for given in ({}, {"csrf_token": "forged"}, {"csrf_token": right[:-1]}):
            answer = site.post(path, data={**fields, **given}, follow_redirects=False)
            assert answer.status_code == 403, (path, given, answer.text)
            assert "CSRF" in answer.text
        assert (_count(filled_url, tables.events), _count(filled_url, tables.changes)) == (events, changes), path
        if role:  # the session is untouched, signing out included
            assert site.get(f"/{'desk' if role == 'counselor' else 'employer'}").status_code == 200, path


def test_another_sessions_csrf_token_is_refused(site: TestClient, tokens: dict[str, str], filled_url: str) -> None:
    theirs = sign_in(site, tokens["counselor"])
    site.cookies.clear()
    mine = sign_in(site, tokens["counselor"])  # a second session of the same token has its own CSRF token
    assert mine != theirs
    before = _count(filled_url, tables.events)
    viewed = {"opening_id": "O000", "event": "viewed"}
    answer = site.post("/desk/seekers/S000/events", data={"csrf_token": theirs, **viewed})
    assert answer.status_code == 403
    assert _count(filled_url, tables.events) == before
    answer = site.post("/desk/seekers/S000/events", data={"csrf_token": mine, **viewed})
    assert answer.status_code == 200 and _count(filled_url, tables.events) == before + 1


def test_the_api_beside_the_pages_still_answers_json(site: TestClient, tokens: dict[str, str]) -> None:
    """/employers is the API's, /employer the pages': an error under one is not answered as the other."""
    for path in ("/employers/NOPE", "/seekers/NOPE", "/openings/NOPE"):
        answer = site.get(path, headers={"Authorization": f"Bearer {tokens['counselor']}"})
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
    page = site.get("/employer/openings/NOPE", follow_redirects=False)
    assert page.status_code == 303  # a page: to sign in first
