"""User sign-in with unmodified msal and azure-identity: ROPC, auth code + PKCE (headless call and the real
sign-in page over HTTP), silent refresh, and the device flow (API and page). Every token is verified with
the JWKS."""

from __future__ import annotations

import hashlib
import html
import re
import threading
from urllib.parse import parse_qs, urljoin, urlparse

import msal
import pytest
import requests
from azure.identity import DeviceCodeCredential

from conftest import API_ID, API_URI, start_server
import tokencheck

DESKTOP_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
SCOPES = [f"{API_URI}/access_as_user"]
ALICE, ALICE_PASSWORD = "alice@contoso.test", "alice-password"


def make_app(server, url=None):
    return msal.PublicClientApplication(
        DESKTOP_ID, authority=url or server.url, instance_discovery=False, http_client=server.session(),
        token_cache=msal.TokenCache(),
    )


def check_result(server, result, nonce=None):
    assert "access_token" in result, result
    tokencheck.verify_user_token(server, result["access_token"], audience=API_ID, client_id=DESKTOP_ID, scp="access_as_user")
    assert result.get("refresh_token"), "msal asks for offline_access"
    claims = tokencheck.verify_id_token(server, result["id_token"], client_id=DESKTOP_ID, nonce=nonce)
    assert claims["preferred_username"] == ALICE
    return claims


def sent_nonce(flow) -> str:
    """msal sends the SHA-256 hex of the flow's nonce to /authorize, and expects it back in the ID token."""
    return hashlib.sha256(flow["nonce"].encode()).hexdigest()


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


@pytest.fixture(scope="module")
def realm_server(mockentra_bin):
    """A server that also listens on 443: msal asks https://localhost/common/userrealm/… (no port) before ROPC."""
    try:
        srv = start_server(mockentra_bin, ports=(0, 443))
    except RuntimeError as e:
        pytest.skip(f"cannot listen on port 443 (needs root and a free port): {e}")
    yield srv
    srv.stop()


def test_ropc(realm_server):
    app = make_app(realm_server)
    result = app.acquire_token_by_username_password(ALICE, ALICE_PASSWORD, SCOPES)
    check_result(realm_server, result)
    wrong = app.acquire_token_by_username_password(ALICE, "wrong", SCOPES)
    assert wrong.get("error") == "invalid_grant" and 50126 in wrong["error_codes"], wrong


def test_auth_code_headless_then_silent_refresh(server):
    app = make_app(server)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="http://localhost:12345", login_hint=ALICE)
    r = server.session().post(f"{server.host}/_mockentra/signin",
                              json={"authorizeUrl": flow["auth_uri"], "username": ALICE}, timeout=10)
    assert r.status_code == 200, r.text
    params = query_of(r.json()["redirectUrl"])
    assert params["state"] == flow["state"]
    result = app.acquire_token_by_auth_code_flow(flow, params)
    check_result(server, result, nonce=sent_nonce(flow))

    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == [ALICE]
    before = len(server.exchanges(grant_type="refresh_token"))
    refreshed = app.acquire_token_silent(SCOPES, account=accounts[0], force_refresh=True)
    check_result(server, refreshed)
    assert refreshed["access_token"] != result["access_token"]
    assert len(server.exchanges(grant_type="refresh_token")) == before + 1
    assert any(e["grantType"] == "authorize:headless" for e in server.exchanges(client_id=DESKTOP_ID))


def test_auth_code_through_the_sign_in_page(server):
    app = make_app(server)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="http://localhost:12345")
    browser = server.session()
    page = browser.get(flow["auth_uri"], timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    ctx = html.unescape(re.search(r'name="ctx" value="([^"]*)"', page.text).group(1))

    wrong = browser.post(urljoin(page.url, action), data={"ctx": ctx, "login": ALICE, "passwd": "nope", "action": "signin"},
                         allow_redirects=False, timeout=10)
    assert wrong.status_code == 200 and "AADSTS50126" in wrong.text

    done = browser.post(urljoin(page.url, action), data={"ctx": ctx, "login": ALICE, "passwd": ALICE_PASSWORD,
                                                         "action": "signin"}, allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text
    assert "ESTSAUTH" in browser.cookies.get_dict()
    result = app.acquire_token_by_auth_code_flow(flow, query_of(done.headers["Location"]))
    check_result(server, result, nonce=sent_nonce(flow))

    # The session cookie signs the next request in without a page.
    again = app.initiate_auth_code_flow(SCOPES, redirect_uri="http://localhost:23456")
    sso = browser.get(again["auth_uri"], allow_redirects=False, timeout=10)
    assert sso.status_code == 302
    check_result(server, app.acquire_token_by_auth_code_flow(again, query_of(sso.headers["Location"])), nonce=sent_nonce(again))


def approve(server, user_code, username=ALICE):
    r = server.session().post(f"{server.host}/_mockentra/devicecodes/{user_code}/approve",
                              json={"username": username}, timeout=10)
    assert r.status_code == 204, r.text


def test_msal_device_flow_approved_through_the_api(server):
    app = make_app(server)
    flow = app.initiate_device_flow(SCOPES)
    assert flow["verification_uri"] == f"{server.host}/devicelogin", flow
    approve(server, flow["user_code"])
    check_result(server, app.acquire_token_by_device_flow(flow))


def test_msal_device_flow_approved_through_the_page(server):
    app = make_app(server)
    flow = app.initiate_device_flow(SCOPES)
    browser = server.session()
    page = browser.get(flow["verification_uri"], timeout=10)
    assert page.status_code == 200 and 'name="otc"' in page.text
    step = browser.post(flow["verification_uri"], data={"otc": flow["user_code"]}, timeout=10)
    assert "Contoso Desktop" in step.text and 'name="passwd"' in step.text
    bad = browser.post(flow["verification_uri"], data={"otc": flow["user_code"], "login": ALICE, "passwd": "x",
                                                       "action": "approve"}, timeout=10)
    assert "AADSTS50126" in bad.text
    ok = browser.post(flow["verification_uri"], data={"otc": flow["user_code"], "login": ALICE,
                                                      "passwd": ALICE_PASSWORD, "action": "approve"}, timeout=10)
    assert 'id="approved"' in ok.text, ok.text
    check_result(server, app.acquire_token_by_device_flow(flow))


def test_device_flow_declined(server):
    app = make_app(server)
    flow = app.initiate_device_flow(SCOPES)
    r = server.session().post(f"{server.host}/_mockentra/devicecodes/{flow['user_code']}/decline", json={}, timeout=10)
    assert r.status_code == 204
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error") == "authorization_declined", result


def test_azure_identity_device_code_credential(server):
    def prompt(verification_uri, user_code, expires_on):
        assert verification_uri == f"{server.host}/devicelogin"
        # Approve from another thread, as a person would while the credential polls.
        threading.Thread(target=approve, args=(server, user_code), daemon=True).start()

    credential = DeviceCodeCredential(
        client_id=DESKTOP_ID, tenant_id=server.tenant, authority=server.host, connection_verify=server.ca_file,
        disable_instance_discovery=True, prompt_callback=prompt, timeout=60,
    )
    token = credential.get_token(*SCOPES)
    tokencheck.verify_user_token(server, token.token, audience=API_ID, client_id=DESKTOP_ID, scp="access_as_user")
