"""Running the service with uvicorn: one process on a socket bound first, or uvicorn's own worker processes."""

from __future__ import annotations

import socket
import sys

import uvicorn

from service import logs
from service.config import Settings, get_settings


class PortInUse(OSError):
    """The address to serve on is taken; the message says how to choose another."""


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind the address the service will listen on, first of all, so that a taken port is known before any work.

    The socket is marked TCP explicitly: asyncio turns off Nagle's algorithm (TCP_NODELAY) only on sockets marked
    IPPROTO_TCP; uvicorn binds with protocol 0, and every small response then waited ~40 ms for a delayed ACK.
    (uvloop, the service's loop on Linux, turns it off on every TCP connection whatever the mark.)
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(
            f"cannot listen on {host}:{port}: {exc.strerror} (is another jobmatch running there?). "
            f"Choose another port: --port {port + 1} (with make: make demo PORT={port + 1})"
        ) from None
    sock.set_inheritable(True)
    return sock


def options(
    host: str, port: int, workers: int = 1, settings: Settings | None = None, *, logs_to_stderr: bool = True
) -> dict[str, object]:
    """uvicorn's settings for the service (arguments of ``uvicorn.Config`` and ``uvicorn.run``): its own one-line
    request log, proxy headers only from trusted proxies.

    ``logs_to_stderr=False`` leaves the process's logging as it is (a test runs the server in its own process).
    """
    settings = settings or get_settings()
    trusted = settings.forwarded_allow_ips.strip()
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "info",
        # uvicorn's own access log would print query strings; the service logs each request itself, redacted.
        "access_log": False,
        "log_config": logs.config(settings.log_format) if logs_to_stderr else None,
        # X-Forwarded-For is believed only from the proxies named (uvicorn's default trusts 127.0.0.1, so any
        # local client could pick the address its rate limit is counted on).
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        # The C HTTP parser and event loop (dependencies of the service); uvicorn's fallbacks are pure Python.
        "http": "httptools",
        "loop": "uvloop" if sys.platform != "win32" else "asyncio",
        # Several workers: uvicorn's supervisor restarts a worker that does not answer its ping within this many
        # seconds, starting from its spawn, when the child still re-imports the `jobmatch` script. Under load (10 on
        # 2 cores) that took over uvicorn's default 5 s: a worker was killed and respawned before it ever served.
        "timeout_worker_healthcheck": 30,
    }


def config(
    app: object, host: str, port: int, workers: int = 1, settings: Settings | None = None, *, logs_to_stderr=True
) -> uvicorn.Config:
    """A ``uvicorn.Config`` of :func:`options` for ``app`` (an ASGI app, or an import string of its factory)."""
    return uvicorn.Config(
        app, factory=isinstance(app, str), **options(host, port, workers, settings, logs_to_stderr=logs_to_stderr)
    )


APP_FACTORY = "service.app:create_app"


def run(host: str, port: int, workers: int, sock: socket.socket | None = None) -> None:
    """Serve ``service.app:create_app`` (settings from the environment) until interrupted.

    One worker serves on ``sock`` (bound first, see :func:`listening_socket`). Several are uvicorn's own worker
    processes (``uvicorn.run(..., workers=n)``: it restarts a worker that dies), which bind the address themselves
    once ``sock`` has checked it is free and let it go."""
    sock = sock or listening_socket(host, port)
    try:
        if workers > 1:
            sock.close()
            uvicorn.run(APP_FACTORY, factory=True, **options(host, port, workers))
        else:
            uvicorn.Server(config(APP_FACTORY, host, port)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
