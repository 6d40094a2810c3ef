"""Serving for real: the workers' shared socket is marked TCP (Nagle off on each connection), many
concurrent requests never starve the connection pool, and writes amid them never wait on the readers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvloop

from service.app import create_app
from service.config import Settings
from service.server import listening_socket
from tests.api.conftest import AS_OF
from tests.api.serving import ThreadClients, free_port, serving


def _own_socket() -> socket.socket:
    return listening_socket("127.0.0.1", 0)


def _uvicorns_socket() -> socket.socket:
    """As uvicorn binds for its own workers: protocol 0."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.mark.parametrize(
    ("bind", "run"),
    [(_own_socket, asyncio.run), (_own_socket, uvloop.run), (_uvicorns_socket, uvloop.run)],
    ids=["own-asyncio", "own-uvloop", "uvicorn-bound-uvloop"],
)
def test_the_listening_socket_is_tcp_and_connections_get_nodelay(bind, run) -> None:
    """Our socket is marked TCP (asyncio's loop needs it); uvicorn's own, for several workers, is not, and the
    service's loop (uvloop) turns Nagle off all the same."""
    listener = bind()
    try:
        assert listener.proto == (socket.IPPROTO_TCP if bind is _own_socket else 0)
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

        run(main())
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_with_two_workers_answers_and_one_interrupt_stops_them_all(settings: Settings, tmp_path: Path) -> None:
    """``jobmatch serve --workers 2`` runs uvicorn's own worker processes (``uvicorn.run(workers=2)``; before,
    uvicorn's internal ``Multiprocess``): both start and answer, and one Ctrl-C ends every process."""
    port = free_port()
    env = {**os.environ, "JOBMATCH_ENVIRONMENT": "test", "JOBMATCH_SECRET_KEY": settings.secret_key,
           "JOBMATCH_DATABASE_URL": settings.database_url, "JOBMATCH_MODEL_DIR": str(settings.model_dir)}  # fmt: skip
    jobmatch = Path(sys.executable).with_name("jobmatch")
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        command = [str(jobmatch), "serve", "--port", str(port), "--workers", "2"]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/health"
        started: set[str] = set()
        for _ in range(1200):  # two workers load the bundle at once on a busy machine: up to two minutes
            started = set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))
            if len(started) == 2:
                break
            assert server.poll() is None, log.read_text()[-3000:]
            time.sleep(0.1)
        assert len(started) == 2, log.read_text()[-3000:]
        codes = []
        for _ in range(600):
            try:
                codes.append(httpx.get(url, timeout=10).status_code)
            except httpx.TransportError:
                time.sleep(0.1)
            if len(codes) == 20:
                break
        assert codes == [200] * 20, log.read_text()[-3000:]
        # No worker was taken for hung and respawned while it started (uvicorn's default 5 s ping did that under
        # load: the spawned child re-imports the jobmatch script before it can answer).
        assert " died" not in log.read_text(), log.read_text()[-3000:]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    for pid in started:
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"worker {pid} outlived the interrupt")
