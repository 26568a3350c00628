"""The product's headline chain with the real MCP Python SDK (mcp 2.x): an AI agent calls a tool on
an MCP server protected by MockEntra tokens, and the tool goes On-Behalf-Of the user to Microsoft
Graph. The MCP server is the SDK's own `MCPServer` with a PyJWT token verifier over MockEntra's
JWKS, served by uvicorn; the agent is the SDK's `Client` over streamable HTTP. Scenario:
Scenarios/obo-chains.json (Assistant → Agent → Fabrikam MCP Server → Microsoft Graph)."""

from __future__ import annotations

import asyncio
import json

import httpx2
import jwt
import msal
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from mcp_support import AsgiThread, EntraTokenVerifier, bound_socket
from conftest import start_server
from test_obo import AGENT_ID, AGENT_SECRET, ALICE, GRAPH, MCP_ID, MCP_SECRET, SCENARIO, assistant_token, middle_tier


class McpServerThread:
    def __init__(self, entra):
        sock = bound_socket()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = MCPServer("Fabrikam MCP Server", token_verifier=EntraTokenVerifier(entra, MCP_ID), auth=AuthSettings(
            issuer_url=entra.issuer, resource_server_url=f"{self.url}/mcp", required_scopes=["tools.invoke"],
            validate_token_resource=False))  # the verifier checks the audience (Entra's aud is the appId)
        confidential = middle_tier(entra, MCP_ID, MCP_SECRET)

        @app.tool()
        def graph_token_for_caller(scope: str = f"{GRAPH}/User.Read") -> dict:
            """Exchanges the caller's token On-Behalf-Of for Microsoft Graph; returns the claims or the error."""
            result = confidential.acquire_token_on_behalf_of(get_access_token().token, [scope])
            if "access_token" not in result:
                return {"error": result.get("error"), "error_codes": result.get("error_codes")}
            return {"access_token": result["access_token"]}

        self.asgi = AsgiThread(app.streamable_http_app(), sock)

    def stop(self):
        self.asgi.stop()


@pytest.fixture(scope="module")
def entra(mockentra_bin):
    srv = start_server(mockentra_bin, scenario=SCENARIO)
    yield srv
    assert srv.stop() == 0, srv.errors


@pytest.fixture(scope="module")
def mcp_server(entra):
    server = McpServerThread(entra)
    yield server
    server.stop()


def agent_token(entra) -> str:
    """Alice signs in to the Assistant; the Agent exchanges that token for one to the MCP server."""
    result = middle_tier(entra, AGENT_ID, AGENT_SECRET).acquire_token_on_behalf_of(
        assistant_token(entra), ["api://fabrikam-mcp/tools.invoke"])
    assert "access_token" in result, result
    return result["access_token"]


def call_tool(mcp_server, token: str, arguments: dict) -> dict:
    async def run():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
            async with Client(streamable_http_client(f"{mcp_server.url}/mcp", http_client=http)) as client:
                return await client.call_tool("graph_token_for_caller", arguments)
    result = asyncio.run(run())
    assert not result.is_error, result
    return result.structured_content or json.loads(result.content[0].text)


def test_the_mcp_server_points_clients_at_mockentra(entra, mcp_server):
    r = httpx2.get(f"{mcp_server.url}/mcp")
    assert r.status_code == 401
    assert f'resource_metadata="{mcp_server.url}/.well-known/oauth-protected-resource/mcp"' in r.headers["www-authenticate"]
    metadata = httpx2.get(f"{mcp_server.url}/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["authorization_servers"] == [entra.issuer]
    # The MCP client requires the authorization server's metadata `issuer` to equal that entry
    # exactly; MockEntra serves it where Entra does.
    document = entra.session().get(f"{entra.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert document["issuer"] == entra.issuer


def test_agent_calls_a_tool_that_goes_on_behalf_of_the_user_to_graph(entra, mcp_server):
    result = call_tool(mcp_server, agent_token(entra), {})
    graph = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert graph["aud"] == GRAPH and graph["scp"] == "User.Read" and graph["upn"] == ALICE
    assert graph["appid"] == MCP_ID, "the MCP server is the client of the Graph token"
    chain = entra.session().get(f"{entra.host}/_mockentra/chains/{graph['uti']}", timeout=10).json()["chain"]
    # The Assistant's sign-in and code redemption, then the Agent's and the MCP server's OBO hops.
    assert [hop["client"]["appId"] for hop in chain if hop.get("grantType", "").endswith("jwt-bearer")] == [AGENT_ID, MCP_ID]


def test_the_mcp_tool_gets_entras_consent_error(entra, mcp_server):
    result = call_tool(mcp_server, agent_token(entra), {"scope": f"{GRAPH}/Mail.Send"})
    assert result == {"error": "invalid_grant", "error_codes": [65001]}


def test_a_token_for_another_audience_never_reaches_the_tool(entra, mcp_server):
    r = httpx2.post(f"{mcp_server.url}/mcp", headers={"Authorization": f"Bearer {assistant_token(entra)}",
                                                     "Content-Type": "application/json",
                                                     "Accept": "application/json, text/event-stream"},
                    content=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
