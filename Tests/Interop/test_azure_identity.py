"""azure-identity (unmodified) ClientSecretCredential and CertificateCredential against MockEntra."""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential

from conftest import API_ID, API_URI, DAEMON_ID, DAEMON_SECRET, GRAPH_URI, KEYS, LEGACY_URI
import tokencheck

TARGETS = [
    # scope, expected aud, token version, roles
    (f"{API_URI}/.default", API_ID, "2.0", ["Orders.Read.All"]),
    (f"{LEGACY_URI}/.default", LEGACY_URI, "1.0", ["Legacy.Access"]),
    (f"{GRAPH_URI}/.default", GRAPH_URI, "1.0", ["User.Read.All"]),
]


def options(server):
    return dict(authority=server.host, connection_verify=server.ca_file, disable_instance_discovery=True)


def certificate_pem() -> bytes:
    return (KEYS / "test-client.key").read_bytes() + (KEYS / "test-client.pem").read_bytes()


@pytest.mark.parametrize("scope,audience,version,roles", TARGETS)
def test_client_secret_credential(server, scope, audience, version, roles):
    credential = ClientSecretCredential(server.tenant, DAEMON_ID, DAEMON_SECRET, **options(server))
    token = credential.get_token(scope)
    assert token.expires_on > time.time() + 60
    claims = tokencheck.verify_access_token(
        server, token.token, version=version, audience=audience, client_id=DAEMON_ID,
        acr=tokencheck.SECRET, roles=roles,
    )
    assert abs(claims["exp"] - token.expires_on) <= 5


@pytest.mark.parametrize("scope,audience,version,roles", TARGETS)
def test_certificate_credential(server, scope, audience, version, roles):
    credential = CertificateCredential(server.tenant, DAEMON_ID, certificate_data=certificate_pem(), **options(server))
    token = credential.get_token(scope)
    tokencheck.verify_access_token(
        server, token.token, version=version, audience=audience, client_id=DAEMON_ID,
        acr=tokencheck.CERTIFICATE, roles=roles,
    )


def test_certificate_credential_with_chain(server):
    credential = CertificateCredential(
        server.tenant, DAEMON_ID, certificate_data=certificate_pem(), send_certificate_chain=True, **options(server)
    )
    token = credential.get_token(f"{API_URI}/.default")
    tokencheck.verify_access_token(
        server, token.token, version="2.0", audience=API_ID, client_id=DAEMON_ID,
        acr=tokencheck.CERTIFICATE, roles=["Orders.Read.All"],
    )


def test_wrong_secret(server):
    credential = ClientSecretCredential(server.tenant, DAEMON_ID, "not-the-secret", **options(server))
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(f"{API_URI}/.default")
    assert "AADSTS7000215" in str(caught.value)


def test_unregistered_certificate(server):
    pem = (KEYS / "test-client-rogue.key").read_bytes() + (KEYS / "test-client-rogue.pem").read_bytes()
    credential = CertificateCredential(server.tenant, DAEMON_ID, certificate_data=pem, **options(server))
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(f"{API_URI}/.default")
    assert "AADSTS700027" in str(caught.value)


def test_unknown_client(server):
    credential = ClientSecretCredential(
        server.tenant, "11111111-2222-3333-4444-555555555555", "whatever", **options(server)
    )
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(f"{API_URI}/.default")
    assert "AADSTS700016" in str(caught.value)
