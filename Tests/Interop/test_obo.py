"""On-Behalf-Of with unmodified msal and azure-identity, on the shipped Scenarios/obo-chains.json:
SPA → Web API → Azure SQL (msal, azure-identity with a secret and with a certificate), the three-hop
Assistant → Agent → MCP server → Microsoft Graph chain with msal at each hop and the chain query, and
Entra's rejections (app-only assertion 7000114, wrong audience 500131, missing consent 65001). Every
token is verified with PyJWT against the served JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import OnBehalfOfCredential

from conftest import KEYS, REPO, start_server
import tokencheck

SCENARIO = REPO / "Scenarios" / "obo-chains.json"
TENANT = "5b7e2c4a-8d1f-4e3b-9a6c-2f0d4e8b1a7c"
SPA_ID = "1c4e7a2b-5d8f-4b3e-a6c9-0e2f4a6b8d1c"
SPA_REDIRECT = "http://localhost:3000"
WEB_API_ID, WEB_API_SECRET = "2d5f8b3c-6e9a-4c4f-b7d0-1f3a5b7c9e2d", "fabrikam-web-api-secret"
ASSISTANT_ID = "3e6a9c4d-7f0b-4d5a-8c1e-2a4b6c8d0f3e"
AGENT_ID, AGENT_SECRET = "4f7b0d5e-8a1c-4e6b-9d2f-3b5c7d9e1a4f", "fabrikam-agent-secret"
MCP_ID, MCP_SECRET = "5a8c1e6f-9b2d-4f7c-a0e3-4c6d8e0f2b5a", "fabrikam-mcp-secret"
SQL = "https://database.windows.net/"
GRAPH = "https://graph.microsoft.com"
ALICE, ALICE_PASSWORD = "alice@fabrikam.test", "alice-password"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture(scope="module")
def obo_server(mockentra_bin):
    srv = start_server(mockentra_bin, scenario=SCENARIO)
    assert srv.tenant == TENANT, srv.info
    yield srv
    assert srv.stop() == 0, srv.errors


def middle_tier(server, client_id, secret):
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority=server.url, instance_discovery=False,
        http_client=server.session(), token_cache=msal.TokenCache(),
    )


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def headless_sign_in(server, authorize_url: str) -> dict:
    r = server.session().post(f"{server.host}/_mockentra/signin",
                              json={"authorizeUrl": authorize_url, "username": ALICE, "password": ALICE_PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return query_of(r.json()["redirectUrl"])


def spa_token(server) -> str:
    """The Web API token a browser SPA gets (as msal.js does it: auth code + PKCE, redeemed cross-origin)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    scope = "api://fabrikam-web-api/access_as_user openid profile offline_access"
    authorize = f"{server.url}/oauth2/v2.0/authorize?" + urlencode({
        "client_id": SPA_ID, "response_type": "code", "redirect_uri": SPA_REDIRECT, "scope": scope, "state": "s",
        "code_challenge": challenge, "code_challenge_method": "S256", "response_mode": "fragment"})
    r = server.session().post(f"{server.host}/_mockentra/signin",
                              json={"authorizeUrl": authorize, "username": ALICE, "password": ALICE_PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    code = r.json()["code"]
    redeemed = server.session().post(f"{server.url}/oauth2/v2.0/token", headers={"Origin": SPA_REDIRECT}, data={
        "grant_type": "authorization_code", "client_id": SPA_ID, "code": code, "redirect_uri": SPA_REDIRECT,
        "code_verifier": verifier, "scope": scope, "client_info": "1"}, timeout=10)
    assert redeemed.status_code == 200, redeemed.text
    token = redeemed.json()["access_token"]
    tokencheck.verify_user_token(server, token, audience=WEB_API_ID, client_id=SPA_ID, scp="access_as_user")
    return token


def assistant_token(server) -> str:
    """The Assistant (a public client) signs Alice in with msal's auth-code flow, completed headlessly."""
    app = msal.PublicClientApplication(ASSISTANT_ID, authority=server.url, instance_discovery=False,
                                       http_client=server.session(), token_cache=msal.TokenCache())
    flow = app.initiate_auth_code_flow(["api://fabrikam-agent/access_as_user"], redirect_uri="http://localhost:4321",
                                       login_hint=ALICE)
    result = app.acquire_token_by_auth_code_flow(flow, headless_sign_in(server, flow["auth_uri"]))
    assert "access_token" in result, result
    tokencheck.verify_user_token(server, result["access_token"], audience=AGENT_ID, client_id=ASSISTANT_ID, scp="access_as_user")
    return result["access_token"]


def unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def check_sql_token(server, token: str, *, incoming: str, client_id: str = WEB_API_ID, acr: str = tokencheck.SECRET) -> dict:
    claims = tokencheck.verify_user_token(server, token, audience=SQL, client_id=client_id, scp="user_impersonation",
                                          version="1.0")
    before = unverified(incoming)
    assert claims["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert claims["oid"] == before["oid"] and claims["upn"] == ALICE, claims
    assert claims["sub"] != before["sub"], "sub is pairwise for the new audience"
    assert claims["amr"] == ["pwd"], claims
    assert claims["sid"] == before["sid"], "same sign-in session"
    assert claims["appidacr"] == acr, claims
    assert claims["uti"] != before["uti"]
    return claims


# ---- Chain 1: SPA → Web API → Azure SQL ----

@pytest.mark.parametrize("scope", [f"{SQL}/.default", f"{SQL}user_impersonation"])
def test_msal_web_api_to_azure_sql(obo_server, scope):
    incoming = spa_token(obo_server)
    app = middle_tier(obo_server, WEB_API_ID, WEB_API_SECRET)
    result = app.acquire_token_on_behalf_of(incoming, [scope])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    aud = SQL if scope.endswith("/.default") else SQL.rstrip("/")  # v1 aud: the resource as the scope named it
    claims = tokencheck.verify_user_token(obo_server, result["access_token"], audience=aud, client_id=WEB_API_ID,
                                          scp="user_impersonation", version="1.0")
    assert claims["oid"] == unverified(incoming)["oid"]
    if scope.endswith("/.default"):
        check_sql_token(obo_server, result["access_token"], incoming=incoming)
    # msal asks for offline_access openid profile and client_info: RT, ID token (for the middle tier), account.
    assert result.get("refresh_token"), result.keys()
    id_claims = tokencheck.verify_id_token(obo_server, result["id_token"], client_id=WEB_API_ID)
    assert id_claims["preferred_username"] == ALICE
    assert [a["username"] for a in app.get_accounts()] == [ALICE]

    # The exchange names the incoming token, so the chain walks back to the SPA's sign-in.
    record = obo_server.exchanges(client_id=WEB_API_ID)[-1]
    assert record["grantType"] == JWT_BEARER and record["outcome"] == "issued", record
    assert record["assertionTokenId"] == unverified(incoming)["uti"]
    chain = obo_server.session().get(f"{obo_server.host}/_mockentra/chains/{claims['uti']}", timeout=10).json()["chain"]
    assert [h["grantType"] for h in chain] == ["authorize:headless", "authorization_code", JWT_BEARER], chain


def test_azure_identity_on_behalf_of_secret(obo_server):
    incoming = spa_token(obo_server)
    credential = OnBehalfOfCredential(TENANT, WEB_API_ID, client_secret=WEB_API_SECRET, user_assertion=incoming,
                                      authority=obo_server.host, disable_instance_discovery=True,
                                      connection_verify=obo_server.ca_file)
    token = credential.get_token(f"{SQL}/.default")
    check_sql_token(obo_server, token.token, incoming=incoming)


def test_azure_identity_on_behalf_of_certificate(obo_server):
    incoming = spa_token(obo_server)
    pem = (KEYS / "test-client.key").read_bytes() + (KEYS / "test-client.pem").read_bytes()
    credential = OnBehalfOfCredential(TENANT, WEB_API_ID, client_certificate=pem, user_assertion=incoming,
                                      authority=obo_server.host, disable_instance_discovery=True,
                                      connection_verify=obo_server.ca_file)
    token = credential.get_token(f"{SQL}/.default")
    check_sql_token(obo_server, token.token, incoming=incoming, acr=tokencheck.CERTIFICATE)
    assert obo_server.exchanges(client_id=WEB_API_ID)[-1]["client"]["authenticationMethod"] == "private_key_jwt"


def test_azure_identity_missing_consent_raises(obo_server):
    incoming = spa_token(obo_server)
    credential = OnBehalfOfCredential(TENANT, WEB_API_ID, client_secret=WEB_API_SECRET, user_assertion=incoming,
                                      authority=obo_server.host, disable_instance_discovery=True,
                                      connection_verify=obo_server.ca_file)
    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token(f"{GRAPH}/Mail.Send")
    assert "AADSTS65001" in str(raised.value)


# ---- Chain 2: Assistant → Agent → MCP server → Microsoft Graph ----

def test_three_hop_agent_chain(obo_server):
    t1 = assistant_token(obo_server)

    agent = middle_tier(obo_server, AGENT_ID, AGENT_SECRET)
    hop2 = agent.acquire_token_on_behalf_of(t1, ["api://fabrikam-mcp/tools.read", "api://fabrikam-mcp/tools.invoke"])
    assert "access_token" in hop2, hop2
    t2 = hop2["access_token"]
    # msal sends scopes as a set, in no fixed order; the token lists them in the order asked.
    scp = " ".join(s.rsplit("/", 1)[1] for s in hop2["scope"].split() if s.startswith("api://"))
    assert sorted(scp.split()) == ["tools.invoke", "tools.read"], hop2["scope"]
    c2 = tokencheck.verify_user_token(obo_server, t2, audience=MCP_ID, client_id=AGENT_ID, scp=scp)
    assert c2["preferred_username"] == ALICE and c2["oid"] == unverified(t1)["oid"]

    mcp = middle_tier(obo_server, MCP_ID, MCP_SECRET)
    hop3 = mcp.acquire_token_on_behalf_of(t2, [f"{GRAPH}/.default"])
    assert "access_token" in hop3, hop3
    t3 = hop3["access_token"]
    c3 = tokencheck.verify_user_token(obo_server, t3, audience=GRAPH, client_id=MCP_ID, scp="User.Read Mail.Read",
                                      version="1.0")
    assert c3["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert c3["upn"] == ALICE and c3["amr"] == ["pwd"]
    assert c3["sid"] == unverified(t1)["sid"] == c2["sid"]

    r = obo_server.session().get(f"{obo_server.host}/_mockentra/chains/{c3['uti']}", timeout=10)
    assert r.status_code == 200, r.text
    chain = r.json()["chain"]
    assert [h["grantType"] for h in chain] == ["authorize:headless", "authorization_code", JWT_BEARER, JWT_BEARER], chain
    assert [h["client"]["appId"] for h in chain] == [ASSISTANT_ID, ASSISTANT_ID, AGENT_ID, MCP_ID]
    assert [h["outcome"] for h in chain] == ["issued"] * 4
    utis = [unverified(t)["uti"] for t in (t1, t2, t3)]
    for hop, token_id in zip(chain[1:], utis):
        assert token_id in [t["uti"] for t in hop["issuedTokens"]], (hop, token_id)
    assert [h.get("assertionTokenId") for h in chain[2:]] == utis[:2]
    assert [h["resource"]["appId"] for h in chain[1:]] == [AGENT_ID, MCP_ID, "00000003-0000-0000-c000-000000000000"]
    assert chain[3]["grantedScopes"] == ["User.Read", "Mail.Read"]
    # Walked from the first token, the same chain.
    first = obo_server.session().get(f"{obo_server.host}/_mockentra/chains/{utis[0]}", timeout=10).json()["chain"]
    assert [h["sequence"] for h in first] == [h["sequence"] for h in chain]
    unknown = obo_server.session().get(f"{obo_server.host}/_mockentra/chains/not-a-token", timeout=10)
    assert unknown.status_code == 404


# ---- Rejections, as msal reports them ----

def error_of(result: dict, error: str, code: int) -> dict:
    assert "access_token" not in result, result
    assert result.get("error") == error and code in result.get("error_codes", []), result
    assert result["error_description"].startswith(f"AADSTS{code}: "), result
    return result


def test_app_only_assertion_is_7000114(obo_server):
    # The Agent's own client-credentials token for the Web API: right audience and tenant, but no user.
    app_only = middle_tier(obo_server, AGENT_ID, AGENT_SECRET).acquire_token_for_client(["api://fabrikam-web-api/.default"])
    assert "access_token" in app_only, app_only
    claims = unverified(app_only["access_token"])
    assert "idtyp" not in claims and "scp" not in claims and claims["oid"] == claims["sub"], claims  # no optional claim asked
    result = middle_tier(obo_server, WEB_API_ID, WEB_API_SECRET).acquire_token_on_behalf_of(
        app_only["access_token"], [f"{SQL}/.default"])
    error_of(result, "unauthorized_client", 7000114)


def test_token_for_another_audience_is_500131(obo_server):
    for_agent = assistant_token(obo_server)
    result = middle_tier(obo_server, WEB_API_ID, WEB_API_SECRET).acquire_token_on_behalf_of(for_agent, [f"{SQL}/.default"])
    error_of(result, "invalid_grant", 500131)
    assert f"'{AGENT_ID}'" in result["error_description"]


def test_missing_consent_is_65001_consent_required(obo_server):
    t1 = assistant_token(obo_server)
    # The Agent was never granted anything on Microsoft Graph (it must go through the MCP server).
    result = middle_tier(obo_server, AGENT_ID, AGENT_SECRET).acquire_token_on_behalf_of(t1, [f"{GRAPH}/Mail.Send"])
    error_of(result, "invalid_grant", 65001)
    assert result.get("suberror") == "consent_required", result


def test_resource_without_delegated_scopes(obo_server):
    incoming = spa_token(obo_server)
    app = middle_tier(obo_server, WEB_API_ID, WEB_API_SECRET)
    error_of(app.acquire_token_on_behalf_of(incoming, ["https://communication.azure.com/.default"]), "invalid_grant", 65001)
    error_of(app.acquire_token_on_behalf_of(incoming, ["https://communication.azure.com/user_impersonation"]),
             "invalid_scope", 650053)


def test_forged_assertions_over_the_wire(obo_server):
    incoming = spa_token(obo_server)
    header, payload, signature = incoming.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scp"] = "access_as_user admin"
    tampered = header + "." + base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode() + "." + signature
    app = middle_tier(obo_server, WEB_API_ID, WEB_API_SECRET)
    error_of(app.acquire_token_on_behalf_of(tampered, [f"{SQL}/.default"]), "invalid_grant", 50013)
    none = jwt.encode(claims, key=None, algorithm="none")
    error_of(app.acquire_token_on_behalf_of(none, [f"{SQL}/.default"]), "invalid_request", 50027)
    rogue = (KEYS / "test-client-rogue.key").read_text()
    signed_by_rogue = jwt.encode(claims, rogue, algorithm="RS256", headers={"kid": "not-a-served-key"})
    error_of(app.acquire_token_on_behalf_of(signed_by_rogue, [f"{SQL}/.default"]), "invalid_grant", 50013)
