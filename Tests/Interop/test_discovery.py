"""Discovery documents and keys, as clients fetch them; and the ways Python clients trust the CA."""

from __future__ import annotations

import certifi
import msal
import pytest
import requests
from azure.identity import ClientSecretCredential

from conftest import API_URI, DAEMON_ID, DAEMON_SECRET, TENANT_DOMAIN


def get(server, path, port=None):
    return server.session().get(f"{server.base(port)}{path}", timeout=10)


@pytest.mark.parametrize("segment", ["TENANT", TENANT_DOMAIN])
def test_v2_document(server, segment):
    segment = server.tenant if segment == "TENANT" else segment
    r = get(server, f"/{segment}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    root = f"{server.host}/{server.tenant}"
    assert doc["issuer"] == f"{root}/v2.0" == server.issuer
    assert doc["token_endpoint"] == f"{root}/oauth2/v2.0/token" == server.info["tokenEndpoint"]
    assert doc["authorization_endpoint"] == f"{root}/oauth2/v2.0/authorize"
    assert doc["device_authorization_endpoint"] == f"{root}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"{root}/discovery/v2.0/keys"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


def test_v1_document(server):
    doc = get(server, f"/{server.tenant}/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"https://sts.windows.net/{server.tenant}/"
    assert doc["token_endpoint"] == f"{server.host}/{server.tenant}/oauth2/token"
    keys = server.session().get(doc["jwks_uri"], timeout=10).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and k["x5t"] and k["x5c"] for k in keys)


@pytest.mark.parametrize("alias", ["common", "organizations"])
def test_tenantless_document_has_placeholder_issuer(server, alias):
    doc = get(server, f"/{alias}/v2.0/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{server.host}/{{tenantid}}/v2.0"
    assert doc["token_endpoint"] == f"{server.host}/{alias}/oauth2/v2.0/token"


def test_unknown_tenant(server):
    r = get(server, "/no-such-tenant.example/v2.0/.well-known/openid-configuration")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_tenant", body
    assert body["error_description"].startswith("AADSTS90002:"), body
    assert body["error_codes"] == [90002], body


def test_msal_refuses_unknown_tenant(server):
    # msal reads the discovery document when the application is built; a 4xx there is a ValueError.
    with pytest.raises(ValueError, match="no-such-tenant.example"):
        msal.ConfidentialClientApplication(
            DAEMON_ID, client_credential=DAEMON_SECRET, authority=f"{server.host}/no-such-tenant.example",
            http_client=server.session(), instance_discovery=False,
        )


def test_jwks_documents_agree(server):
    v2 = get(server, f"/{server.tenant}/discovery/v2.0/keys").json()["keys"]
    v1 = get(server, f"/{server.tenant}/discovery/keys").json()["keys"]
    common = get(server, "/common/discovery/keys").json()["keys"]
    assert {k["kid"] for k in v2} == {k["kid"] for k in v1} == {k["kid"] for k in common}
    assert all(k["issuer"] == server.issuer for k in v2)
    for k in v2 + v1:
        assert k["kty"] == "RSA" and k.get("use") == "sig" and k["n"] and k["e"], k
        assert "d" not in k and "p" not in k, "private key material published"


def test_instance_discovery(server):
    r = get(server, f"/common/discovery/instance?api-version=1.1&authorization_endpoint="
                    f"{server.host}/common/oauth2/v2.0/authorize")
    assert r.status_code == 200
    body = r.json()
    assert body["tenant_discovery_endpoint"].startswith(server.host)
    assert body["metadata"]


def test_msal_refuses_http_authority(server):
    """msal refuses an http:// authority before sending anything: why MockEntra serves TLS."""
    with pytest.raises(ValueError):
        msal.ConfidentialClientApplication(
            DAEMON_ID, client_credential=DAEMON_SECRET, authority=f"http://localhost:{server.port}/{server.tenant}",
            http_client=server.session(), instance_discovery=False,
        )


# --- Trusting the development CA from Python (reference/clients.md) --------------------------------

def test_requests_ca_bundle_overrides_msal_verify(server, monkeypatch):
    """The trap: with REQUESTS_CA_BUNDLE set to another bundle, msal's `verify=ca.pem` loses
    (requests prefers the environment), while a session with trust_env=False and
    azure-identity's connection_verify keep working."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())

    with pytest.raises(requests.exceptions.SSLError):  # msal fetches discovery in its constructor
        msal.ConfidentialClientApplication(
            DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url, verify=server.ca_file,
            instance_discovery=False,
        ).acquire_token_for_client([f"{API_URI}/.default"])

    working = msal.ConfidentialClientApplication(
        DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url, http_client=server.session(),
        instance_discovery=False,
    )
    assert "access_token" in working.acquire_token_for_client([f"{API_URI}/.default"])

    credential = ClientSecretCredential(
        server.tenant, DAEMON_ID, DAEMON_SECRET, authority=server.host, connection_verify=server.ca_file,
        disable_instance_discovery=True,
    )
    assert credential.get_token(f"{API_URI}/.default").token


def test_requests_ca_bundle_alone_is_enough(server, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
    app = msal.ConfidentialClientApplication(
        DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url, instance_discovery=False,
    )
    assert "access_token" in app.acquire_token_for_client([f"{API_URI}/.default"])


def test_msal_verify_works_without_environment(server):
    app = msal.ConfidentialClientApplication(
        DAEMON_ID, client_credential=DAEMON_SECRET, authority=server.url, verify=server.ca_file,
        instance_discovery=False,
    )
    assert "access_token" in app.acquire_token_for_client([f"{API_URI}/.default"])


def test_untrusted_without_ca(server):
    """Without the development CA, TLS verification fails: the server is not silently trusted."""
    s = requests.Session()
    s.trust_env = False
    s.verify = certifi.where()
    with pytest.raises(requests.exceptions.SSLError):
        s.get(f"{server.url}/v2.0/.well-known/openid-configuration", timeout=10)
