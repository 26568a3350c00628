"""Continuous access evaluation with unmodified clients: azure-identity's `enable_cae=True` gets day-long
tokens (with `xms_cc` for a resource that asks for it), and an msal app declaring the CP1 capability
goes through the whole revocation story: token → sessions revoked → the resource's CAE check answers an
`insufficient_claims` challenge → msal's silent retry with that challenge fails (50173) → the user signs
in again."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import parse_qs, urlparse

import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from conftest import API_ID, API_URI, DAEMON_ID, DAEMON_SECRET, GRAPH_URI, LEGACY_URI, start_server
import tokencheck

DESKTOP_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
SCOPES = [f"{API_URI}/access_as_user"]
ALICE = "alice@contoso.test"
USUAL_APP_LIFETIME = 3599
CAE_APP_LIFETIME = 86399  # what Entra answered to a real client-credentials call with CP1
CAE_USER_LIFETIMES = range(72_000, 100_800)  # 20 h to 28 h

TARGETS = [
    # scope, aud, token version, roles, CAE-capable resource (long-lived + xms_cc)
    (f"{API_URI}/.default", API_ID, "2.0", ["Orders.Read.All"], True),   # asks for xms_cc (optionalClaims)
    (f"{GRAPH_URI}/.default", GRAPH_URI, "1.0", ["User.Read.All"], True),  # Microsoft Graph enforces CAE
    (f"{LEGACY_URI}/.default", LEGACY_URI, "1.0", ["Legacy.Access"], False),
]


def lifetime(expires_on: int) -> float:
    return expires_on - time.time()


@pytest.mark.parametrize("scope,audience,version,roles,capable", TARGETS)
def test_azure_identity_enable_cae(server, scope, audience, version, roles, capable):
    credential = ClientSecretCredential(server.tenant, DAEMON_ID, DAEMON_SECRET, authority=server.host,
                                        connection_verify=server.ca_file, disable_instance_discovery=True)
    plain = credential.get_token(scope)
    cae = credential.get_token(scope, enable_cae=True)

    assert USUAL_APP_LIFETIME - 60 < lifetime(plain.expires_on) <= USUAL_APP_LIFETIME
    plain_claims = tokencheck.verify_access_token(server, plain.token, version=version, audience=audience,
                                                  client_id=DAEMON_ID, acr=tokencheck.SECRET, roles=roles)
    assert "xms_cc" not in plain_claims

    cae_claims = tokencheck.verify_access_token(server, cae.token, version=version, audience=audience,
                                                client_id=DAEMON_ID, acr=tokencheck.SECRET, roles=roles)
    assert abs(cae_claims["exp"] - cae.expires_on) <= 5
    if capable:
        assert CAE_APP_LIFETIME - 60 < lifetime(cae.expires_on) <= CAE_APP_LIFETIME, "about 24 h"
        assert cae_claims["xms_cc"] == ["CP1"], cae_claims
    else:
        assert USUAL_APP_LIFETIME - 60 < lifetime(cae.expires_on) <= USUAL_APP_LIFETIME
        assert "xms_cc" not in cae_claims
    # azure-identity sent its capability in `claims` on a client-credentials request, and the record shows it.
    record = server.exchanges(client_id=DAEMON_ID, grant_type="client_credentials")[-1]
    assert record["clientCapabilities"] == ["CP1"], record


@pytest.fixture(scope="module")
def cae_server(mockentra_bin):
    """Its own server: this story revokes alice's sessions, which the shared server's other tests must not see."""
    srv = start_server(mockentra_bin)
    yield srv
    srv.stop()


def sign_in(server, app):
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="http://localhost:12345", login_hint=ALICE)
    r = server.session().post(f"{server.host}/_mockentra/signin",
                              json={"authorizeUrl": flow["auth_uri"], "username": ALICE}, timeout=10)
    assert r.status_code == 200, r.text
    params = {k: v[0] for k, v in parse_qs(urlparse(r.json()["redirectUrl"]).query).items()}
    result = app.acquire_token_by_auth_code_flow(flow, params)
    assert "access_token" in result, result
    return result


def cae_check(server, token: str) -> dict:
    r = server.session().post(f"{server.host}/_mockentra/cae/evaluate", json={"accessToken": token}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_msal_cp1_revocation_round_trip(cae_server):
    server = cae_server
    app = msal.PublicClientApplication(DESKTOP_ID, authority=server.url, instance_discovery=False,
                                       http_client=server.session(), token_cache=msal.TokenCache(),
                                       client_capabilities=["CP1"])
    result = sign_in(server, app)
    token = result["access_token"]
    claims = tokencheck.verify_user_token(server, token, audience=API_ID, client_id=DESKTOP_ID, scp="access_as_user")
    assert claims["xms_cc"] == ["CP1"], claims
    assert result["expires_in"] in CAE_USER_LIFETIMES, result["expires_in"]
    assert claims["exp"] - claims["iat"] == result["expires_in"] + 300
    assert cae_check(server, token)["valid"] is True

    # An administrator revokes alice's sessions; the resource's next CAE check rejects the token.
    r = server.session().post(f"{server.host}/_mockentra/users/{ALICE}/revoke-sessions", json={}, timeout=10)
    assert r.status_code == 200, r.text
    verdict = cae_check(server, token)
    assert verdict["valid"] is False and verdict["reason"] == "sessionsRevoked", verdict
    assert verdict["clientIsCAECapable"] is True
    header = verdict["wwwAuthenticate"]
    assert header.startswith(f'Bearer realm="", authorization_uri="{server.host}/common/oauth2/authorize", '
                             'error="insufficient_claims", claims="'), header
    # What an app does with the 401: base64-decode `claims` and hand it to msal.
    challenge = base64.b64decode(re.search(r'claims="([^"]+)"', header).group(1)).decode()
    assert challenge == verdict["claims"]
    assert '"nbf"' in challenge

    account = app.get_accounts(username=ALICE)[0]
    # Without the challenge msal would happily serve its cached (still unexpired) token...
    cached = app.acquire_token_silent_with_error(SCOPES, account=account)
    assert cached and cached.get("access_token") == token
    # ...with it, msal skips the cache and redeems its refresh token, which the revocation killed.
    retry = app.acquire_token_silent_with_error(SCOPES, account=account, claims_challenge=challenge)
    assert retry and retry.get("error") == "invalid_grant", retry
    assert 50173 in retry["error_codes"], retry
    refused = server.exchanges(grant_type="refresh_token", outcome="error")[-1]
    assert refused["failure"]["code"] == 50173

    # So the app signs the user in again, and the new token passes the check.
    again = sign_in(server, app)
    assert again["access_token"] != token
    assert cae_check(server, again["access_token"])["valid"] is True


def test_cae_check_refuses_forged_tokens(cae_server):
    server = cae_server
    token = jwt.encode({"iss": f"https://sts.windows.net/{server.tenant}/", "tid": server.tenant, "oid": "x",
                        "scp": "access_as_user", "exp": int(time.time()) + 600}, "secret", algorithm="HS256")
    r = server.session().post(f"{server.host}/_mockentra/cae/evaluate", json={"accessToken": token}, timeout=10)
    assert r.status_code == 400 and "valid" not in r.json(), r.text
