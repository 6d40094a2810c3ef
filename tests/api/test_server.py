"""The shared listening socket of several workers is marked TCP, so asyncio turns Nagle off on each connection."""

from __future__ import annotations

import asyncio
import socket

from service.server import TcpConfig


def test_shared_socket_is_tcp_and_connections_get_nodelay() -> None:
    config = TcpConfig("service.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
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
