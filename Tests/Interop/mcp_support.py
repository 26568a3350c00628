"""What the MCP tests share: an ASGI app (the MCP SDK's servers) served by uvicorn on a background
thread, on a socket the test bound itself (port 0), so the URL is known before the server starts;
and the token verifier an MCP server in front of Entra needs."""

from __future__ import annotations

import socket
import threading
import time

import jwt
import uvicorn
from mcp.server.auth.provider import AccessToken


class EntraTokenVerifier:
    """What an MCP server in front of Entra does: RS256 over the tenant's JWKS, its own appId as
    audience, the v2 issuer. `scp` names scopes without their resource; with `scope_prefix` they
    are qualified with the identifier URI the server advertises them under."""

    def __init__(self, entra, app_id: str, scope_prefix: str | None = None):
        self.entra, self.app_id, self.scope_prefix = entra, app_id, scope_prefix
        self.jwks = jwt.PyJWKClient(f"{entra.url}/discovery/v2.0/keys", ssl_context=entra.ssl_context())

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            key = self.jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.app_id, issuer=self.entra.issuer)
        except jwt.PyJWTError:
            return None
        scopes = claims.get("scp", "").split()
        if self.scope_prefix:
            scopes = [f"{self.scope_prefix}/{s}" for s in scopes]
        return AccessToken(token=token, client_id=claims["azp"], scopes=scopes, expires_at=claims["exp"],
                           resource=self.app_id, subject=claims["sub"], claims=claims)


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
