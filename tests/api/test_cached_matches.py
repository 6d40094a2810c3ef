"""The short way for cached match lists (service.cached_matches) and its group commit (service.access_batcher): it
answers exactly what the route answers, only for callers the route admits, never from a stale snapshot, and never
without the access-log row committed first."""

from __future__ import annotations

import asyncio
import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

from service import access, changes, clock, tables
from service.access_batcher import AccessLogBatcher
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from tests.api.conftest import AS_OF, bearer

PARAMS = {"as_of": AS_OF, "k": 10}


def _short_way(client: TestClient):
    """The CachedMatches instance inside ``client``'s app (built on the first request)."""
    layer = client.app.middleware_stack
    while layer is not None and type(layer).__name__ != "CachedMatches":
        layer = getattr(layer, "app", None)
    assert layer is not None, "CachedMatches is not in the middleware stack"
    return layer


def _logged(settings: Settings, request_id: str) -> list[dict]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(tables.access_log).where(tables.access_log.c.request_id == request_id))
        found = [dict(r) for r in rows.mappings()]
    engine.dispose()
    return found


def test_a_cached_list_is_answered_the_short_way_byte_for_byte(client: TestClient, settings: Settings) -> None:
    ranked = client.get("/seekers/S000/matches", params=PARAMS)  # ranked by the route
    fast = _short_way(client)
    before = fast.served
    again = client.get("/seekers/S000/matches", params=PARAMS)
    assert fast.served == before + 1, "the second read did not take the short way"
    assert again.status_code == 200 and again.content == ranked.content
    assert again.headers["x-match-cache"] == "hit" and ranked.headers["x-match-cache"] == "miss"
    for name in ("content-type", "content-length"):
        assert again.headers[name] == ranked.headers[name]
    assert again.headers["x-request-id"] != ranked.headers["x-request-id"]
    rows = _logged(settings, again.headers["x-request-id"])
    assert [(r["seeker_id"], r["route"], r["role"], r["opening_id"]) for r in rows] == [
        ("S000", "GET /seekers/{id}/matches", "counselor", None)
    ]
    # A list answered the short way is the seeker's list of the day, counted once however often it is read.
    shown = [m["opening_id"] for m in again.json()["matches"]]
    serving = client.app.state.serving
    counts, n_lists = serving.exposure.counts(serving.snapshot.matcher.opening_row, AS_OF)
    rows_of = serving.snapshot.matcher.opening_row.get_indexer(shown)
    assert n_lists == 1 and (counts[rows_of] == 1).all()
    assert serving.exposure.counts(serving.snapshot.matcher.opening_row, AS_OF, "S000")[1] == 0, "never against itself"


def test_callers_the_route_refuses_are_refused_while_the_list_is_cached(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for seeker in ("S000", "S001"):
        assert client.get(f"/seekers/{seeker}/matches", params=PARAMS).headers["x-match-cache"] == "miss"
    me, employer = bearer(tokens["seeker"]), bearer(tokens["employer"])
    # Both tokens are now in the token cache: what follows is refused for the caller, not for an unknown token.
    assert client.get("/seekers/S000", headers=me).status_code == 200
    assert client.get("/openings", headers=employer).status_code == 200
    fast = _short_way(client)
    before = fast.served
    assert client.get("/seekers/S000/matches", params=PARAMS, headers=me).status_code == 200  # itself: cached
    assert client.get("/seekers/S001/matches", params=PARAMS, headers=me).status_code == 404  # another seeker
    assert client.get("/seekers/S000/matches", params=PARAMS, headers=employer).status_code == 403
    assert client.get("/seekers/S000/matches", params=PARAMS, headers={"Authorization": ""}).status_code == 401
    wrong = {"Authorization": "Bearer jm_nothing.atall"}
    assert client.get("/seekers/S000/matches", params=PARAMS, headers=wrong).status_code == 401
    assert fast.served == before + 1, "only the seeker's read of itself took the short way"
    # Queries the model refuses are the route's 422, cached list or not.
    for bad in ({"k": 0}, {"k": "ten"}, {"max_km": -1}, {"program": "nothing"}, {"as_of": "2025-13-01"}):
        answer = client.get("/seekers/S000/matches", params={**PARAMS, **bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert "errors" in answer.json()
    assert fast.served == before + 1


def test_a_write_by_another_instance_is_seen_before_a_cached_answer(
    client: TestClient, settings: Settings, tokens: dict[str, str]
) -> None:
    first = client.get("/seekers/S000/matches", params=PARAMS)
    top = first.json()["matches"][0]["opening_id"]
    assert client.get("/seekers/S000/matches", params=PARAMS).headers["x-match-cache"] == "hit"
    # Another instance sharing the database records an application: this process's snapshot is now behind.
    with TestClient(create_app(settings), headers=bearer(tokens["counselor"])) as other:
        event = {"seeker_id": "S000", "opening_id": top, "event": "applied", "occurred_at": f"{AS_OF}T09:00:00"}
        assert other.post("/events", json=event).status_code == 201
    fast = _short_way(client)
    before = fast.served
    after = client.get("/seekers/S000/matches", params=PARAMS)
    assert after.headers["x-match-cache"] == "miss" and fast.served == before
    assert top not in [m["opening_id"] for m in after.json()["matches"]]


def test_after_a_write_that_leaves_the_list_the_short_way_catches_up_and_answers_it(
    client: TestClient, settings: Settings, tokens: dict[str, str]
) -> None:
    first = client.get("/seekers/S000/matches", params=PARAMS)
    top = first.json()["matches"][0]["opening_id"]
    serving = client.app.state.serving
    behind = serving.snapshot.revision
    with TestClient(create_app(settings), headers=bearer(tokens["counselor"])) as other:  # another instance
        event = {"seeker_id": "S001", "opening_id": top, "event": "applied", "occurred_at": f"{AS_OF}T09:00:00"}
        assert other.post("/events", json=event).status_code == 201
    fast = _short_way(client)
    before = fast.served
    after = client.get("/seekers/S000/matches", params=PARAMS)
    assert fast.served == before + 1, "answered the short way after catching up"
    assert serving.snapshot.revision > behind
    assert after.headers["x-match-cache"] == "hit" and after.content == first.content
    assert [r["seeker_id"] for r in _logged(settings, after.headers["x-request-id"])] == ["S000"]


def test_a_cached_list_is_not_answered_when_its_read_cannot_be_logged(client: TestClient, settings: Settings) -> None:
    assert client.get("/seekers/S000/matches", params=PARAMS).status_code == 200
    assert client.get("/seekers/S000/matches", params=PARAMS).headers["x-match-cache"] == "hit"
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE access_log RENAME TO access_log_away"))
    try:
        refused = client.get("/seekers/S000/matches", params=PARAMS)
        assert refused.status_code in (500, 503), refused.text  # PostgreSQL: a refused statement; SQLite: no such table
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE access_log_away RENAME TO access_log"))
        engine.dispose()
    assert client.get("/seekers/S000/matches", params=PARAMS).headers["x-match-cache"] == "hit"


def test_the_batcher_commits_concurrent_reads_in_few_batches_and_none_on_a_stale_snapshot(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        newest = changes.latest_revision(conn)
        before = conn.scalar(select(func.count()).select_from(tables.access_log))
    batcher = AccessLogBatcher(engine)
    base = {"token_id": None, "role": "counselor", "route": "test", "opening_id": None}

    def rows(i: int) -> list[dict]:
        return [{**base, "at": clock.now(), "seeker_id": f"S{i:03d}", "request_id": f"batcher-{i}"}]

    async def many() -> list[bool]:
        # The batcher's thread is held on the first round while the rest queue up behind it.
        gate = threading.Event()
        real = batcher._round
        batcher._round = lambda jobs: (gate.wait(5), real(jobs))[1]
        calls = [asyncio.ensure_future(batcher.confirm_and_log(newest, rows(i))) for i in range(40)]
        stale = asyncio.ensure_future(batcher.confirm_and_log(newest - 1, rows(99)))
        await asyncio.sleep(0.2)
        gate.set()
        return [*await asyncio.gather(*calls), await stale]

    try:
        answers = asyncio.run(many())
    finally:
        batcher.close()
    assert answers == [True] * 40 + [False]
    assert batcher.batches <= 3, f"{batcher.batches} rounds for 41 reads"
    with engine.connect() as conn:
        written = conn.scalars(select(tables.access_log.c.request_id).where(tables.access_log.c.route == "test")).all()
        after = conn.scalar(select(func.count()).select_from(tables.access_log))
    assert sorted(written) == sorted(f"batcher-{i}" for i in range(40)), "the stale read wrote nothing"
    assert after == before + 40
    engine.dispose()


def test_rows_for_a_read_are_those_record_writes(settings: Settings) -> None:
    """The short way builds its row with access.rows_for, the route with access.record: the same row."""
    engine = make_engine(settings.database_url)
    from service.auth import Actor

    actor = Actor("seeker", "t1", None, "S000")
    with engine.connect() as conn:
        access.record(conn, actor, "r", "req-record", seeker_ids=["S000"])
        access.write(conn, access.rows_for(actor, "r", "req-rows", seeker_ids=["S000"]))
        conn.execute(insert(tables.access_log).values(**access.rows_for(actor, "r", "req-plain")[0]))
        conn.commit()
        got = (
            conn.execute(
                select(tables.access_log).where(tables.access_log.c.route == "r").order_by(tables.access_log.c.entry_id)
            )
            .mappings()
            .all()
        )
    engine.dispose()
    strip = [{k: v for k, v in r.items() if k not in ("entry_id", "at", "request_id")} for r in got]
    assert strip[0] == strip[1] == {"token_id": "t1", "role": "seeker", "route": "r", "seeker_id": "S000",
                                    "opening_id": None}  # fmt: skip
    assert strip[2]["seeker_id"] is None  # a read with no seeker still gets its row
