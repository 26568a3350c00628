"""Conditional Access step-up with unmodified msal and azure-identity, on the shipped
Scenarios/conditional-access.json (SPA/Assistant → Web API → Azure SQL, MFA required for Azure SQL):

1. the Assistant signs Alice in through the real sign-in page (password only) and gets a Web API token;
2. the Web API's On-Behalf-Of request for Azure SQL gets `interaction_required` AADSTS50076 with the
   `claims` challenge naming the policy (msal returns it; azure-identity raises ClientAuthenticationError
   whose response body holds it);
3. the Assistant re-acquires its token with msal's `claims_challenge`: the browser's remembered sign-in
   has no MFA, so the page asks for a one-time code (a wrong one is refused first);
4. the Web API retries On-Behalf-Of and succeeds; the Azure SQL token (v1) carries amr ["pwd","mfa"].

Every token is verified with PyJWT against the served JWKS, and the exchange record of the round trip
is checked: each policy evaluation, the challenge, and the step-up sign-in."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urljoin, urlparse

import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import OnBehalfOfCredential

from conftest import REPO, start_server
import tokencheck

SCENARIO = REPO / "Scenarios" / "conditional-access.json"
TENANT = "7c1d3e5f-2a4b-4c6d-8e0f-1a3b5c7d9e2f"
ASSISTANT_ID = "a1b2c3d4-3333-4c3c-8c3c-0a1b2c3d4e03"
WEB_API_ID, WEB_API_SECRET = "a1b2c3d4-2222-4b2b-8b2b-0a1b2c3d4e02", "woodgrove-web-api-secret"
WEB_API_SCOPE = "api://woodgrove-web-api/access_as_user"
SQL = "https://database.windows.net/"
SQL_POLICY = "4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"
CHALLENGE = {"access_token": {"capolids": {"essential": True, "values": [SQL_POLICY]}}}
ALICE, ALICE_PASSWORD = "alice@woodgrove.test", "alice-password"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture(scope="module")
def ca_server(mockentra_bin):
    srv = start_server(mockentra_bin, scenario=SCENARIO)
    assert srv.tenant == TENANT, srv.info
    yield srv
    assert srv.stop() == 0, srv.errors


def assistant(server):
    return msal.PublicClientApplication(ASSISTANT_ID, authority=server.url, instance_discovery=False,
                                        http_client=server.session(), token_cache=msal.TokenCache())


def web_api(server):
    return msal.ConfidentialClientApplication(WEB_API_ID, client_credential=WEB_API_SECRET, authority=server.url,
                                              instance_discovery=False, http_client=server.session(),
                                              token_cache=msal.TokenCache())


def field(page, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def form_action(page) -> str:
    return urljoin(page.url, html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)))


def redirect_query(response) -> dict:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}


def enter_code(browser, page, code: str):
    return browser.post(form_action(page), data={"ctx": field(page, "ctx"), "method": field(page, "method"),
                                                 "mfa_step": field(page, "mfa_step"), "otc_code": code, "action": "verify"},
                        allow_redirects=False, timeout=10)


def sign_in_with_password(browser, auth_uri: str):
    page = browser.get(auth_uri, timeout=10)
    assert page.status_code == 200 and 'name="passwd"' in page.text, page.text
    return browser.post(form_action(page), data={"ctx": field(page, "ctx"), "login": ALICE, "passwd": ALICE_PASSWORD,
                                                 "action": "signin"}, allow_redirects=False, timeout=10)


def check_sql_token(server, token: str) -> dict:
    claims = tokencheck.verify_user_token(server, token, audience=SQL, client_id=WEB_API_ID, scp="user_impersonation",
                                          version="1.0")
    assert claims["upn"] == ALICE, claims
    return claims


def test_step_up_round_trip_with_msal(ca_server):
    browser = ca_server.session()
    app = assistant(ca_server)

    # 1. Password only, through the page: the Web API token is issued (no policy targets the Web API).
    flow = app.initiate_auth_code_flow([WEB_API_SCOPE], redirect_uri="http://localhost:4321")
    first = app.acquire_token_by_auth_code_flow(flow, redirect_query(sign_in_with_password(browser, flow["auth_uri"])))
    assert "access_token" in first, first
    tokencheck.verify_user_token(ca_server, first["access_token"], audience=WEB_API_ID, client_id=ASSISTANT_ID,
                                 scp="access_as_user")

    # 2. The OBO hop to Azure SQL is where the policy applies.
    middle = web_api(ca_server)
    refused = middle.acquire_token_on_behalf_of(first["access_token"], [f"{SQL}/.default"])
    assert refused.get("error") == "interaction_required", refused
    assert refused["error_codes"] == [50076], refused
    assert refused["error_description"].startswith("AADSTS50076: "), refused
    assert isinstance(refused["claims"], str) and json.loads(refused["claims"]) == CHALLENGE, refused
    assert "suberror" not in refused, refused

    # 3. The Assistant steps up with the challenge. The remembered sign-in has no MFA: the page asks for a code.
    again = app.initiate_auth_code_flow([WEB_API_SCOPE], redirect_uri="http://localhost:4321",
                                        claims_challenge=refused["claims"])
    assert json.loads(parse_qs(urlparse(again["auth_uri"]).query)["claims"][0]) == CHALLENGE
    page = browser.get(again["auth_uri"], allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "one-time-code" in page.text, page.text
    code = re.search(r'<code id="one-time-code">(\d{6})</code>', page.text).group(1)
    assert browser.get(f"{ca_server.host}/_mockentra/users/{ALICE}/mfa-code", timeout=10).json()["code"] == code
    wrong = enter_code(browser, page, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 200 and "expected verification code" in wrong.text, wrong.text
    stepped = app.acquire_token_by_auth_code_flow(again, redirect_query(enter_code(browser, wrong, code)))
    assert "access_token" in stepped, stepped

    # 4. The retry succeeds and the downstream token carries the MFA evidence.
    retried = middle.acquire_token_on_behalf_of(stepped["access_token"], [f"{SQL}/.default"])
    assert "access_token" in retried, retried
    sql = check_sql_token(ca_server, retried["access_token"])
    assert sql["amr"] == ["pwd", "mfa"], sql

    # The exchange record of the round trip.
    records = ca_server.exchanges()
    obo = [r for r in records if r.get("grantType") == JWT_BEARER]
    assert [r["outcome"] for r in obo] == ["error", "issued"], obo
    assert obo[0]["claimsChallenge"] == refused["claims"]
    assert obo[0]["failure"]["code"] == 50076
    by_policy = {e["policyId"]: e for e in obo[0]["conditionalAccess"]}
    assert by_policy[SQL_POLICY]["result"] == "failure" and by_policy[SQL_POLICY]["unmetControls"] == ["mfa"]
    assert {e["policyId"]: e["result"] for e in obo[1]["conditionalAccess"]}[SQL_POLICY] == "success"
    assert obo[1]["authenticationMethods"] == ["pwd", "mfa"]
    report_only = [e for e in obo[0]["conditionalAccess"] if e["state"] == "enabledForReportingButNotEnforced"]
    assert report_only and report_only[0]["result"] in ("reportOnlySuccess", "reportOnlyFailure", "notApplied")
    sign_ins = [r for r in records if r.get("grantType", "").startswith("authorize:")]
    assert [r["grantType"] for r in sign_ins] == ["authorize:password", "authorize:sso+mfa"], sign_ins
    assert sign_ins[1]["claimsRequest"] is not None and json.loads(sign_ins[1]["claimsRequest"]) == CHALLENGE
    assert sign_ins[1]["authenticationMethods"] == ["pwd", "mfa"]
    # The Web API was never the subject of a policy: every record's subject is Alice.
    assert {r["subject"]["name"] for r in obo + sign_ins} == {ALICE}
    # The chain behind the Azure SQL token runs through the step-up sign-in.
    chain = browser.get(f"{ca_server.host}/_mockentra/chains/{sql['uti']}", timeout=10).json()["chain"]
    assert [hop["grantType"] for hop in chain] == ["authorize:sso+mfa", "authorization_code", JWT_BEARER], chain


def test_azure_identity_surfaces_the_challenge(ca_server):
    browser = ca_server.session()
    app = assistant(ca_server)
    flow = app.initiate_auth_code_flow([WEB_API_SCOPE], redirect_uri="http://localhost:4321")
    incoming = app.acquire_token_by_auth_code_flow(flow, redirect_query(sign_in_with_password(browser, flow["auth_uri"])))
    credential = OnBehalfOfCredential(TENANT, WEB_API_ID, client_secret=WEB_API_SECRET,
                                      user_assertion=incoming["access_token"], authority=ca_server.host,
                                      disable_instance_discovery=True, connection_verify=ca_server.ca_file)
    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token(f"{SQL}/.default")
    assert "AADSTS50076" in str(raised.value)
    assert raised.value.response.status_code == 400
    body = raised.value.response.json()
    assert body["error"] == "interaction_required" and body["error_codes"] == [50076], body
    assert json.loads(body["claims"]) == CHALLENGE, body


def test_user_without_mfa_cannot_step_up(ca_server):
    """Bob has no MFA method: the page shows the enrolment requirement and the app gets interaction_required."""
    browser = ca_server.session()
    app = assistant(ca_server)
    flow = app.initiate_auth_code_flow([WEB_API_SCOPE], redirect_uri="http://localhost:4321",
                                       claims_challenge=json.dumps(CHALLENGE))
    page = browser.get(flow["auth_uri"], timeout=10)
    done = browser.post(form_action(page), data={"ctx": field(page, "ctx"), "login": "bob@woodgrove.test",
                                                 "passwd": "bob-password", "action": "signin"}, timeout=10)
    assert "AADSTS50079" in done.text and "one-time-code" not in done.text, done.text
    back = browser.post(form_action(done), data={"ctx": field(done, "ctx"), "action": "abandon"},
                        allow_redirects=False, timeout=10)
    result = app.acquire_token_by_auth_code_flow(flow, redirect_query(back))
    assert result.get("error") == "interaction_required", result
    assert "AADSTS50079" in result["error_description"], result
