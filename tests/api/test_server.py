"""Serving for real: the workers' shared socket is marked TCP (Nagle off on each connection), many
concurrent requests never starve the connection pool, and writes amid them never wait on the readers."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from service.app import create_app
from service.server import listening_socket
from tests.api.conftest import AS_OF
from tests.api.serving import ThreadClients, serving


def test_the_listening_socket_is_tcp_and_connections_get_nodelay() -> None:
    listener = listening_socket("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP
        listener.listen()
        seen: dict[str, int] = {}

        async def main() -> None:
            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                sock = writer.get_extra_info("socket")
                seen["nodelay"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                writer.close()

            server = await asyncio.start_server(handle, sock=listener)
            _, writer = await asyncio.open_connection(*listener.getsockname())
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()
            server.close()

        asyncio.run(main())
        assert seen.get("nodelay") == 1
    finally:
        listener.close()


def test_more_concurrent_requests_than_pooled_connections_never_stall(settings, tokens: dict[str, str]) -> None:
    """Requests beyond the pool's size wait outside the app; none waits the pool's 30 s timeout inside it.

    Before: each request took its pooled connection in a dependency and then waited for a thread to run the
    route, so with more requests in flight than connections, every thread could end up blocked in the pool
    behind requests that needed a thread to give their connection back (QueuePool timeout, 500s).
    """
    counselor = {"Authorization": f"Bearer {tokens['counselor']}"}
    with serving(create_app(settings)) as url, ThreadClients(url, headers=counselor) as clients:

        def one(i: int) -> tuple[int, float]:
            started = time.perf_counter()
            path = f"/seekers/S{i % 6}{i % 12:02d}/matches" if i % 4 else "/health"
            code = clients.get().get(path, params={"as_of": AS_OF}).status_code
            return code, time.perf_counter() - started

        with ThreadPoolExecutor(64) as pool:
            answers = list(pool.map(one, range(640)))
    codes = Counter(code for code, _ in answers)
    slowest = max(seconds for _, seconds in answers)
    assert codes == Counter({200: 640}), codes
    assert slowest < 20, f"a request took {slowest:.1f} s"


def test_writes_amid_many_logged_reads_never_wait_for_the_busy_timeout(settings, tokens: dict[str, str]) -> None:
    """A write route's transaction is committed after its answer is serialised on a request thread. Before, with
    fewer threads than admitted requests, every thread could be taken by reads waiting to log (behind SQLite's one
    writer, held by that very transaction): nothing moved until SQLite's 30 s busy timeout."""
    uncached = settings.model_copy(update={"match_cache_size": 0})  # every read ranks and logs on its thread
    counselor = {"Authorization": f"Bearer {tokens['counselor']}"}
    writes: list[tuple[int, float]] = []
    with serving(create_app(uncached)) as url, ThreadClients(url, headers=counselor) as clients:
        openings = [o["opening_id"] for o in clients.get().get("/openings", params={"limit": 40}).json()["items"]]

        def read(i: int) -> int:
            return clients.get().get(f"/seekers/S{i % 6}{i % 12:02d}/matches", params={"as_of": AS_OF}).status_code

        def write(i: int) -> None:
            body = {"seeker_id": f"S00{i % 10}", "opening_id": openings[i], "event": "viewed"}
            started = time.perf_counter()
            code = clients.get().post("/events", json={**body, "occurred_at": f"{AS_OF}T10:00:00"}).status_code
            writes.append((code, time.perf_counter() - started))

        with ThreadPoolExecutor(64) as pool:
            reads = pool.map(read, range(1200))
            with ThreadPoolExecutor(4) as writers:
                list(writers.map(write, range(40)))
            codes = Counter(reads)
    assert codes == Counter({200: 1200}), codes
    assert Counter(code for code, _ in writes) == Counter({201: 40})
    slowest = max(seconds for _, seconds in writes)
    assert slowest < 10, f"a write took {slowest:.1f} s"


def test_simultaneous_hires_never_fill_more_than_the_positions(settings, tokens: dict[str, str]) -> None:
    """Hires for the last position sent at once: one is recorded, the others are refused (409), on every database."""
    counselor = {"Authorization": f"Bearer {tokens['counselor']}"}
    with serving(create_app(settings)) as url, ThreadClients(url, headers=counselor) as clients:
        client = clients.get()
        seekers = [s["seeker_id"] for s in client.get("/seekers", params={"limit": 100}).json()["items"]]
        openings = client.get("/openings", params={"limit": 5}).json()["items"]
        start = threading.Barrier(8)

        def hire(opening_id: str, seeker_id: str, at_once: bool = False) -> int:
            body = {"seeker_id": seeker_id, "opening_id": opening_id, "event": "hired"}
            if at_once:
                start.wait()
            return clients.get().post("/events", json={**body, "occurred_at": f"{AS_OF}T10:00:00"}).status_code

        outcomes, recorded = {}, {}
        for opening in openings:
            opening_id, positions = opening["opening_id"], opening["positions"]
            already = [e for e in client.get("/events", params={"opening_id": opening_id}).json()["items"]]
            free = [s for s in seekers if s not in {e["seeker_id"] for e in already}]
            left = positions - sum(e["event"] == "hired" for e in already)
            assert all(hire(opening_id, s) == 201 for s in free[: left - 1]), "all but the last position"
            with ThreadPoolExecutor(8) as pool:
                race = pool.map(lambda s, o=opening_id: hire(o, s, at_once=True), free[left - 1 : left + 7])
                outcomes[opening_id] = Counter(race)
            events = client.get("/events", params={"opening_id": opening_id, "limit": 100}).json()["items"]
            recorded[opening_id] = (sum(e["event"] == "hired" for e in events), positions)
    assert all(c == Counter({201: 1, 409: 7}) for c in outcomes.values()), outcomes
    assert all(hired == positions for hired, positions in recorded.values()), recorded
