"""The MCP SDK's own OAuth client (`OAuthClientProvider`, mcp 2.x) signing in through MockEntra, the
way an MCP client meets an Entra-protected MCP server: 401 -> protected-resource metadata (RFC 9728)
-> authorization-server discovery (the RFC 8414 paths answer 404, as at Entra, then the OpenID
document) -> authorization code with PKCE and an RFC 8707 `resource` -> code exchange without `scope`
-> the tool call, then a refresh without `scope`.

The client always sends `resource=<the MCP server's URL>`. Entra accepts it only when it is the
identifier URI of the app whose scopes are asked for, so the flow works when the server's URL is its
identifier URI and fails at /authorize with AADSTS9010010 when it is not: both are shown here, the
second being what MCP clients report against real Entra. Entra has no dynamic client registration,
so the client is pre-registered (its information is in the token storage from the start).

The scenario is written per run: an identifier URI holds the MCP server's ephemeral port."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider, OAuthFlowError
from mcp.client.streamable_http import streamable_http_client
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from mcp_support import AsgiThread, EntraTokenVerifier, bound_socket
from conftest import CA_FILE, KEYS, start_server

TENANT = "4b1d2c3e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
CLIENT_ID = "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
MATCHING_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e"   # identifier URI = its URL
MISMATCHED_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6f"  # identifier URI api://legacy-mcp only
REDIRECT_URI = "http://localhost:8765/callback"
ALICE, PASSWORD = "alice@contoso.test", "alice-password"


def scenario(matching_url: str) -> dict:
    def mcp_server(name, app_id, uris):
        return {"displayName": name, "appId": app_id, "identifierUris": uris,
                "api": {"requestedAccessTokenVersion": 2, "oauth2PermissionScopes": [{"value": "tools.invoke"}]}}
    return {
        "tenant": {"id": TENANT, "defaultDomain": "contoso.test"},
        "users": [{"userPrincipalName": ALICE, "displayName": "Alice", "password": PASSWORD}],
        "applications": [
            {"displayName": "MCP Client", "appId": CLIENT_ID, "publicClient": {"redirectUris": [REDIRECT_URI]}},
            mcp_server("Contoso MCP Server", MATCHING_ID, [matching_url]),
            mcp_server("Legacy MCP Server", MISMATCHED_ID, ["api://legacy-mcp"]),
        ],
        "oauth2PermissionGrants": [
            {"client": "MCP Client", "resource": name, "scope": "tools.invoke", "consentType": "AllPrincipals"}
            for name in ("Contoso MCP Server", "Legacy MCP Server")],
    }


class McpServerThread:
    """The SDK's MCPServer over HTTPS (MockEntra's development localhost certificate)."""

    def __init__(self, sock: socket.socket, verifier: EntraTokenVerifier):
        self.url = f"https://localhost:{sock.getsockname()[1]}/mcp"
        app = MCPServer("MCP Server", token_verifier=verifier, auth=AuthSettings(
            issuer_url=verifier.entra.issuer, resource_server_url=self.url,
            required_scopes=[f"{verifier.scope_prefix}/tools.invoke"], validate_token_resource=False))

        @app.tool()
        def whoami() -> dict:
            """The caller's user and scopes, from the access token (no `profile` scope was asked for, so
            the user is its `oid`: `preferred_username` and `name` need that scope)."""
            claims = get_access_token().claims
            return {"oid": claims["oid"], "scp": claims["scp"], "azp": claims["azp"],
                    "named": "preferred_username" in claims or "name" in claims}

        self.asgi = AsgiThread(app.streamable_http_app(), sock, ssl_certfile=str(KEYS / "localhost.pem"),
                               ssl_keyfile=str(KEYS / "localhost.key"))

    def stop(self):
        self.asgi.stop()


class Storage:
    """Token storage holding the pre-registered client (Entra has no dynamic registration)."""

    def __init__(self):
        self.tokens: OAuthToken | None = None
        self.client = OAuthClientInformationFull(client_id=CLIENT_ID, redirect_uris=[REDIRECT_URI],
                                                 token_endpoint_auth_method="none")

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


class HeadlessBrowser:
    """The redirect and callback handlers: Alice signs in through MockEntra's test-control API instead
    of a browser, and the redirect back to the client is read from its answer."""

    def __init__(self, entra):
        self.entra = entra
        self.authorize_urls: list[str] = []
        self.redirects: list[dict] = []

    async def redirect(self, authorize_url: str) -> None:
        self.authorize_urls.append(authorize_url)

    async def callback(self) -> AuthorizationCodeResult:
        r = self.entra.session().post(f"{self.entra.host}/_mockentra/signin", timeout=10, json={
            "authorizeUrl": self.authorize_urls[-1], "username": ALICE, "password": PASSWORD})
        redirect = {k: v[0] for k, v in parse_qs(urlparse(r.json()["redirectUrl"]).query).items()}
        self.redirects.append(redirect)
        return AuthorizationCodeResult(code=redirect.get("code", ""), state=redirect.get("state"))


@pytest.fixture(scope="module")
def setup(mockentra_bin, tmp_path_factory):
    matching_sock, mismatched_sock = bound_socket(), bound_socket()
    matching_url = f"https://localhost:{matching_sock.getsockname()[1]}/mcp"
    path = tmp_path_factory.mktemp("mcp-oauth") / "scenario.json"
    path.write_text(json.dumps(scenario(matching_url)))
    entra = start_server(mockentra_bin, scenario=path)
    servers = {"matching": McpServerThread(matching_sock, EntraTokenVerifier(entra, MATCHING_ID, matching_url)),
               "mismatched": McpServerThread(mismatched_sock, EntraTokenVerifier(entra, MISMATCHED_ID, "api://legacy-mcp"))}
    yield entra, servers
    for server in servers.values():
        server.stop()
    assert entra.stop() == 0, entra.errors


def oauth_client(server_url: str, storage: Storage, browser: HeadlessBrowser) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url, OAuthClientMetadata(redirect_uris=[REDIRECT_URI], token_endpoint_auth_method="none",
                                        grant_types=["authorization_code", "refresh_token"], client_name="MCP Client"),
        storage, redirect_handler=browser.redirect, callback_handler=browser.callback)


def call_whoami(server_url: str, provider: OAuthClientProvider) -> dict:
    async def run():
        async with httpx2.AsyncClient(auth=provider, verify=ssl.create_default_context(cafile=str(CA_FILE))) as http:
            async with Client(streamable_http_client(server_url, http_client=http)) as client:
                return await client.call_tool("whoami", {})
    result = asyncio.run(run())
    assert not result.is_error, result
    return result.structured_content or json.loads(result.content[0].text)


def alice_oid(entra) -> str:
    """Alice's object id, from the record of her code redemption."""
    subject = entra.exchanges(grant_type="authorization_code")[-1]["subject"]
    assert subject["name"] == ALICE, subject
    return subject["id"]


def test_the_sdk_client_signs_in_when_the_server_url_is_its_identifier_uri(setup):
    entra, servers = setup
    browser = HeadlessBrowser(entra)
    url = servers["matching"].url
    provider = oauth_client(url, Storage(), browser)
    called = call_whoami(url, provider)
    assert called == {"oid": alice_oid(entra), "scp": "tools.invoke", "azp": CLIENT_ID, "named": False}

    # What the SDK sent Entra: the fully qualified scope and its resource indicator at /authorize ...
    query = {k: v[0] for k, v in parse_qs(urlparse(browser.authorize_urls[0]).query).items()}
    assert urlparse(browser.authorize_urls[0]).path == f"/{TENANT}/oauth2/v2.0/authorize"
    # (offline_access because the client registered for refresh tokens.)
    assert query["scope"].split() == [f"{url}/tools.invoke", "offline_access"] and query["resource"] == url
    assert query["code_challenge_method"] == "S256"
    # ... and a code redemption carrying `resource` but no `scope` (the record's requested scopes
    # fall back to the `resource` only when no `scope` came), which MockEntra accepted.
    redemption = entra.exchanges(grant_type="authorization_code")[-1]
    assert redemption["grantType"] == "authorization_code" and redemption["outcome"] == "issued", redemption
    assert redemption["client"]["appId"] == CLIENT_ID and redemption["requestedScopes"] == [url], redemption

    # The SDK refreshes an expired token with `resource` and no `scope` either.
    provider.context.token_expiry_time = time.time() - 1
    before = len(entra.exchanges(grant_type="refresh_token"))
    assert call_whoami(url, provider)["oid"] == alice_oid(entra)
    refreshes = entra.exchanges(grant_type="refresh_token")[before:]
    assert len(refreshes) == 1 and refreshes[0]["grantType"] == "refresh_token", refreshes
    assert refreshes[0]["outcome"] == "issued" and refreshes[0]["requestedScopes"] == [url], refreshes
    assert len(browser.authorize_urls) == 1, "the refresh needed no second sign-in"


def test_a_server_url_that_is_not_the_identifier_uri_fails_with_9010010(setup):
    entra, servers = setup
    browser = HeadlessBrowser(entra)
    url = servers["mismatched"].url
    with pytest.raises(BaseExceptionGroup) as caught:  # raised inside the client's task group
        call_whoami(url, oauth_client(url, Storage(), browser))
    assert caught.group_contains(OAuthFlowError, match="No authorization code received", depth=None)
    query = {k: v[0] for k, v in parse_qs(urlparse(browser.authorize_urls[0]).query).items()}
    assert query["scope"].split()[0] == "api://legacy-mcp/tools.invoke" and query["resource"] == servers["mismatched"].url
    # Entra's answer, sent back to the client's redirect URI as at /authorize.
    assert browser.redirects[0]["error"] == "invalid_target"
    assert browser.redirects[0]["error_description"].startswith("AADSTS9010010:")
