"""Running the service with uvicorn, one process or several sharing one listening socket."""

from __future__ import annotations

import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from service import logs
from service.config import Settings, get_settings


class PortInUse(OSError):
    """The address to serve on is taken; the message says how to choose another."""


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind the address the service will listen on, first of all, so that a taken port is known before any work.

    The socket is marked TCP explicitly: asyncio turns off Nagle's algorithm (TCP_NODELAY) only on sockets marked
    IPPROTO_TCP; uvicorn binds with protocol 0, and every small response then waited ~40 ms for a delayed ACK.
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


def config(
    app: object, host: str, port: int, workers: int = 1, settings: Settings | None = None, *, logs_to_stderr=True
) -> uvicorn.Config:
    """uvicorn's settings for the service: its own one-line request log, proxy headers only from trusted proxies.

    ``logs_to_stderr=False`` leaves the process's logging as it is (a test runs the server in its own process).
    """
    settings = settings or get_settings()
    trusted = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # uvicorn's own access log would print query strings; the service logs each request itself, redacted.
        access_log=False,
        log_config=logs.config(settings.log_format) if logs_to_stderr else None,
        # X-Forwarded-For is believed only from the proxies named (uvicorn's default trusts 127.0.0.1, so any
        # local client could pick the address its rate limit is counted on).
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # The C HTTP parser and event loop (dependencies of the service); uvicorn's fallbacks are pure Python.
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
    )


def run(host: str, port: int, workers: int, sock: socket.socket | None = None) -> None:
    """Serve ``service.app:create_app`` (settings from the environment) until interrupted, on ``sock`` if given."""
    sock = sock or listening_socket(host, port)
    settings = config("service.app:create_app", host, port, workers)
    try:
        if workers > 1:
            Multiprocess(settings, sockets=[sock]).run()
        else:
            uvicorn.Server(settings).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
