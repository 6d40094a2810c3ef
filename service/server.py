"""Running the service with uvicorn, one process or several sharing one listening socket."""

from __future__ import annotations

import copy
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess


class TcpConfig(uvicorn.Config):
    """uvicorn's config, binding its shared socket as TCP explicitly.

    With several workers uvicorn binds one socket itself with protocol 0; asyncio
    turns off Nagle's algorithm (TCP_NODELAY) only on sockets marked IPPROTO_TCP,
    so every small response then waited ~40 ms for a delayed ACK.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            return socket.socket(sock.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


def run(host: str, port: int, workers: int) -> None:
    """Serve ``service.app:create_app`` (settings from the environment) until interrupted."""
    # uvicorn's own access log would print query strings; the service logs each request itself, redacted.
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["jobmatch"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config = TcpConfig(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        log_config=log_config,
        # The C HTTP parser and event loop (dependencies of the service); uvicorn's fallbacks are pure Python.
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
    )
    try:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
