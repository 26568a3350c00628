"""Injected faults (`/_mockentra/faults`) drive the real clients' retry paths: msal's Retry-After
throttling cache, and azure-core's retry policy under azure-identity."""

from __future__ import annotations

import time

import msal
import pytest
from azure.identity import ClientSecretCredential

from conftest import API_URI, DAEMON_ID, DAEMON_SECRET


@pytest.fixture
def faults(server):
    """Adds fault rules for the test; every rule is removed afterwards (the server is shared)."""
    session = server.session()

    def add(**rule):
        response = session.post(f"{server.host}/_mockentra/faults", json=rule, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    yield add
    session.delete(f"{server.host}/_mockentra/faults", timeout=10).raise_for_status()


def _daemon_records(server, after: int) -> list:
    return [r for r in server.exchanges(client_id=DAEMON_ID) if r["sequence"] > after]


def _last_sequence(server) -> int:
    records = server.exchanges()
    return records[-1]["sequence"] if records else 0


def test_msal_honours_retry_after_without_calling_again(server, faults):
    faults(clientId=DAEMON_ID, status=429, retryAfter=2)
    start = _last_sequence(server)
    session = server.session()
    app = msal.ConfidentialClientApplication(DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url,
                                             http_client=session, instance_discovery=False)
    scopes = [f"{API_URI}/.default"]

    first = app.acquire_token_for_client(scopes)
    assert first.get("error") == "temporarily_unavailable", first
    assert first.get("error_codes") == [90006]
    # msal keeps the 429 for Retry-After seconds: the second call never reaches the server.
    second = app.acquire_token_for_client(scopes)
    assert second.get("error") == "temporarily_unavailable", second
    records = _daemon_records(server, start)
    assert [(r["outcome"], (r.get("failure") or {}).get("injected")) for r in records] == [("error", True)]

    time.sleep(2.2)
    third = app.acquire_token_for_client(scopes)
    assert "access_token" in third, third
    assert [r["outcome"] for r in _daemon_records(server, start)] == ["error", "issued"]


def test_azure_identity_retries_a_transient_failure(server, faults):
    faults(clientId=DAEMON_ID, status=503, retryAfter=1)
    start = _last_sequence(server)
    credential = ClientSecretCredential(server.tenant, DAEMON_ID, DAEMON_SECRET, authority=server.host,
                                        connection_verify=server.ca_file, disable_instance_discovery=True)
    began = time.monotonic()
    token = credential.get_token(f"{API_URI}/.default")
    assert token.token
    # azure-core waited for Retry-After, then sent the request again, which was handled.
    assert time.monotonic() - began >= 0.9
    assert [r["outcome"] for r in _daemon_records(server, start)] == ["error", "issued"]


def test_msal_raises_on_a_server_error(server, faults):
    # msal turns a 5xx from the token endpoint into an exception rather than an error dict.
    faults(clientId=DAEMON_ID, status=503, retryAfter=0)
    app = msal.ConfidentialClientApplication(DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url,
                                             http_client=server.session(), instance_discovery=False)
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        app.acquire_token_for_client([f"{API_URI}/.default"])
    assert "access_token" in app.acquire_token_for_client([f"{API_URI}/.default"])
