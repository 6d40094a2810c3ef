"""The app under a real uvicorn in a thread, on a free port: for tests that need real connections and
concurrency (the test client runs one request at a time, inside the test's own thread)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from service.server import config as server_config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app, settings=None) -> Iterator[str]:
    """Serve ``app`` until the block ends, with uvicorn configured as ``jobmatch serve`` configures it
    (service.server.config, from ``settings``); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, settings=settings, logs_to_stderr=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


class ThreadClients:
    """One ``httpx.Client`` (one connection) per thread, as many independent callers would have.

    Not one client shared by every thread: httpcore's pool hands a thread an idle connection under its lock but
    starts using it after releasing the lock, and another thread tidying the pool meanwhile (more connections
    than ``max_keepalive_connections``, 20 by default) may close it as surplus: the first thread then read from a
    closed socket (``httpx.ReadError: [Errno 9] Bad file descriptor``), seen about once in ten runs on a loaded
    machine. The server had answered every request it received.
    """

    def __init__(self, base_url: str, **options: object) -> None:
        self.base_url = base_url
        self.options = {"timeout": 60, **options}
        self._local = threading.local()
        self._all: list[httpx.Client] = []
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(base_url=self.base_url, **self.options)
            with self._lock:
                self._all.append(client)
        return client

    def __enter__(self) -> ThreadClients:
        return self

    def __exit__(self, *_: object) -> None:
        for client in self._all:
            client.close()
