"""Agent ID (preview) with unmodified msal: a blueprint's exchange token for its agent identity
(`fmi_path`), the agent's own token with that as its client assertion, the agent acting for a
user On-Behalf-Of, and the agent acting as its own user account (`user_fic`). The default
scenario's Contoso Agent Blueprint, Contoso Orders Agent and its agent user."""

from __future__ import annotations

import json

import jwt
import msal

from conftest import API_ID, API_URI, DAEMON_ID, DAEMON_SECRET, default_scenario_document, start_server
import tokencheck

BLUEPRINT_ID = "5d7f9b1c-3e5a-4c7e-9a1b-3c5e7f9b1d2e"
BLUEPRINT_SECRET = "contoso-blueprint-secret"
AGENT_ID = "6e8a0c2d-4f6b-4d8f-8b2c-4d6f8a0c2e3f"
DESKTOP_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
EXCHANGE_APP_ID = "fb60f99c-7a34-4190-8149-302f77469936"


def confidential(server, client_id, credential):
    return msal.ConfidentialClientApplication(client_id, client_credential=credential, authority=server.url,
                                              instance_discovery=False, http_client=server.session(),
                                              token_cache=msal.TokenCache())


def exchange_token(server) -> str:
    blueprint = confidential(server, BLUEPRINT_ID, BLUEPRINT_SECRET)
    result = blueprint.acquire_token_for_client(["api://AzureADTokenExchange/.default"], fmi_path=AGENT_ID)
    assert "access_token" in result, result
    return result["access_token"]


def test_exchange_token_names_the_agent(server):
    claims = jwt.decode(exchange_token(server), options={"verify_signature": False})
    assert claims["aud"] == EXCHANGE_APP_ID and claims["azp"] == BLUEPRINT_ID, claims
    assert claims["sub"].startswith("/eid1/c/pub/t/") and claims["sub"].endswith("/" + AGENT_ID), claims


def test_agent_acts_on_its_own(server):
    agent = confidential(server, AGENT_ID, {"client_assertion": exchange_token(server)})
    result = agent.acquire_token_for_client([f"{API_URI}/.default"])
    assert "access_token" in result, result
    claims = tokencheck.verify_access_token(server, result["access_token"], version="2.0", audience=API_ID,
                                            client_id=AGENT_ID, acr=tokencheck.CERTIFICATE, roles=["Orders.Read.All"])
    assert claims["xms_par_app_azp"] == BLUEPRINT_ID and claims["xms_act_fct"] == "11", claims


def test_agent_acts_for_a_user(server):
    # Alice's token for the blueprint's API (a plain ROPC request: msal's ROPC also wants port 443).
    user = server.session().post(f"{server.url}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": DESKTOP_ID, "username": "alice@contoso.test",
        "password": "alice-password", "scope": "api://contoso-agent/access_as_user"}, timeout=10).json()
    assert "access_token" in user, user
    agent = confidential(server, AGENT_ID, {"client_assertion": exchange_token(server)})
    result = agent.acquire_token_on_behalf_of(user["access_token"], [f"{API_URI}/access_as_user"])
    assert "access_token" in result, result
    claims = tokencheck.verify_user_token(server, result["access_token"], audience=API_ID, client_id=AGENT_ID,
                                          scp="access_as_user", idtyp="user")
    assert claims["xms_par_app_azp"] == BLUEPRINT_ID and claims["xms_act_fct"] == "11", claims


AGENT_USER = "orders-agent@contoso.test"


def test_agent_acts_as_its_own_user_account(server):
    # Leg 2: the agent's own exchange token; leg 3: msal's user_fic request naming the agent user.
    agent = confidential(server, AGENT_ID, {"client_assertion": exchange_token(server)})
    t2 = agent.acquire_token_for_client(["api://AzureADTokenExchange/.default"])
    assert "access_token" in t2, t2
    result = agent.acquire_token_by_user_federated_identity_credential(
        [f"{API_URI}/access_as_user"], t2["access_token"], username=AGENT_USER)
    assert "access_token" in result, result
    claims = tokencheck.verify_user_token(server, result["access_token"], audience=API_ID, client_id=AGENT_ID,
                                          scp="access_as_user", idtyp="user")
    assert claims["xms_sub_fct"] == "13" and claims["preferred_username"] == AGENT_USER, claims
    # msal caches it as the agent user's token: the account is there, and a silent call finds it.
    accounts = agent.get_accounts(username=AGENT_USER)
    assert accounts, agent.get_accounts()
    silent = agent.acquire_token_silent([f"{API_URI}/access_as_user"], account=accounts[0])
    assert silent and silent["access_token"] == result["access_token"], silent

    # No other client gets it through a password-less test sign-in either.
    desktop = msal.PublicClientApplication(DESKTOP_ID, authority=server.url, instance_discovery=False,
                                           http_client=server.session(), token_cache=msal.TokenCache())
    flow = desktop.initiate_auth_code_flow([f"{API_URI}/access_as_user"], redirect_uri="http://localhost:4321")
    headless = server.session().post(f"{server.host}/_mockentra/signin", json={
        "authorizeUrl": flow["auth_uri"], "username": AGENT_USER}, timeout=10)
    assert headless.status_code == 400 and headless.json()["error_codes"] == [50126], headless.text

    # Another user (a person) is not the agent's to act as.
    refused = agent.acquire_token_by_user_federated_identity_credential(
        [f"{API_URI}/access_as_user"], t2["access_token"], username="alice@contoso.test")
    assert refused.get("error") == "invalid_grant" and refused.get("error_codes") == [50013], refused


def scenario_with_policies(tmp_path, policies: list):
    """The default scenario plus Conditional Access policies, written where the test can serve it."""
    document = default_scenario_document()
    document["conditionalAccessPolicies"] = policies
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    return path


def test_conditional_access_blocks_the_autonomous_agent_only(mockentra_bin, tmp_path):
    # Conditional Access for Agent ID: a policy on agent identities (block is their only control).
    server = start_server(mockentra_bin, scenario=scenario_with_policies(tmp_path, [{
        "displayName": "Block agents from Contoso API", "state": "enabled",
        "conditions": {"users": {"includeUsers": ["None"]},
                       "clientApplications": {"includeAgentIdServicePrincipals": ["All"]},
                       "applications": {"includeApplications": ["Contoso API"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]}}]))
    try:
        agent = confidential(server, AGENT_ID, {"client_assertion": exchange_token(server)})
        blocked = agent.acquire_token_for_client([f"{API_URI}/.default"])
        assert blocked.get("error_codes") == [53003], blocked
        record = server.exchanges(client_id=AGENT_ID)[-1]
        assert [(p["displayName"], p["result"]) for p in record["conditionalAccess"]] == [
            ("Block agents from Contoso API", "failure")], record
        # A service principal that is not an agent, and the agent acting for a user, are not its subject.
        daemon = confidential(server, DAEMON_ID, DAEMON_SECRET).acquire_token_for_client([f"{API_URI}/.default"])
        assert "access_token" in daemon, daemon
        user = server.session().post(f"{server.url}/oauth2/v2.0/token", data={
            "grant_type": "password", "client_id": DESKTOP_ID, "username": "alice@contoso.test",
            "password": "alice-password", "scope": "api://contoso-agent/access_as_user"}, timeout=10).json()
        obo = agent.acquire_token_on_behalf_of(user["access_token"], [f"{API_URI}/access_as_user"])
        assert "access_token" in obo, obo
    finally:
        assert server.stop() == 0, server.errors
