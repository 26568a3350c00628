"""An ASGI app (the MCP SDK's servers) served by uvicorn on a background thread, on a socket the test
bound itself (port 0), so the URL is known before the server starts."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def bound_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


class AsgiThread:
    def __init__(self, app, sock: socket.socket, **config):
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **config))
        self.thread = threading.Thread(target=lambda: self.server.run(sockets=[sock]), daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)
