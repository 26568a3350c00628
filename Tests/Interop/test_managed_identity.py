"""azure-identity (unmodified) ManagedIdentityCredential against MockEntra's managed-identity endpoints:
App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER) and IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST), with the
default scenario's system-assigned and user-assigned identities; every token verified against the JWKS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError, ManagedIdentityCredential

from conftest import API_ID, API_URI, LEGACY_URI
import tokencheck

WORKER_ID = "7f3e9a1c-4b2d-4e8f-a6c0-5d1b3e7f9a24"   # system-assigned
BATCH_ID = "8a4f0b2d-5c3e-4f9a-b7d1-6e2c4f8a0b35"    # user-assigned
IDENTITY_HEADER = "mockentra-identity-header"


@pytest.fixture
def app_service(server, monkeypatch):
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{server.host}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
    return server


@pytest.fixture
def imds(server, monkeypatch):
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", server.host)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
    return server


def test_app_service_system_assigned(app_service):
    token = ManagedIdentityCredential().get_token(f"{API_URI}/.default")
    claims = tokencheck.verify_access_token(
        app_service, token.token, version="2.0", audience=API_ID, client_id=WORKER_ID,
        acr=tokencheck.CERTIFICATE, roles=["Orders.Write.All"],
    )
    assert claims["xms_mirid"].endswith("/providers/Microsoft.Web/sites/contoso-orders-worker"), claims
    assert claims["oid"] == claims["sub"]
    record = app_service.exchanges(client_id=WORKER_ID)[-1]
    assert record["grantType"] == "managed_identity:app_service" and record["outcome"] == "issued", record


def test_app_service_user_assigned_v1_resource(app_service):
    token = ManagedIdentityCredential(client_id=BATCH_ID).get_token(f"{LEGACY_URI}/.default")
    claims = tokencheck.verify_access_token(
        app_service, token.token, version="1.0", audience=LEGACY_URI, client_id=BATCH_ID,
        acr=tokencheck.CERTIFICATE, roles=["Legacy.Access"],
    )
    assert claims["xms_mirid"].endswith("/userAssignedIdentities/contoso-batch-identity"), claims


def test_imds_system_and_user_assigned(imds):
    token = ManagedIdentityCredential().get_token(f"{API_URI}/.default")
    tokencheck.verify_access_token(
        imds, token.token, version="2.0", audience=API_ID, client_id=WORKER_ID,
        acr=tokencheck.CERTIFICATE, roles=["Orders.Write.All"],
    )
    token = ManagedIdentityCredential(client_id=BATCH_ID).get_token(f"{API_URI}/.default")
    tokencheck.verify_access_token(
        imds, token.token, version="2.0", audience=API_ID, client_id=BATCH_ID, acr=tokencheck.CERTIFICATE, roles=[],
    )
    assert imds.exchanges(client_id=BATCH_ID)[-1]["grantType"] == "managed_identity:imds"


def test_imds_unknown_identity_is_unavailable(imds):
    with pytest.raises((CredentialUnavailableError, ClientAuthenticationError)) as raised:
        ManagedIdentityCredential(client_id="00000000-1111-4222-8333-444444444444").get_token(f"{API_URI}/.default")
    assert "Identity not found" in str(raised.value) or "identity" in str(raised.value).lower()


# ---- Workload identity federation: tokens of other issuers as the Deployer's credential ----

DEPLOYER_ID = "3c5e7a9b-1d2f-4a6c-8e0b-2f4a6c8e0b1d"


def github_token(subject="repo:contoso/app:ref:refs/heads/main") -> str:
    """What GitHub Actions would hand the workflow, signed with the stand-in issuer's test key."""
    import time
    import jwt
    from conftest import KEYS
    now = int(time.time())
    claims = {"iss": "https://token.actions.githubusercontent.com", "sub": subject, "aud": "api://AzureADTokenExchange",
              "iat": now, "nbf": now, "exp": now + 300, "repository": "contoso/app"}
    return jwt.encode(claims, (KEYS / "test-federated-issuer.key").read_bytes(), algorithm="RS256", headers={"kid": "github-1"})


def test_workload_identity_credential_with_a_token_file(server, tmp_path):
    from azure.identity import WorkloadIdentityCredential
    token_file = tmp_path / "token"
    token_file.write_text(github_token())
    credential = WorkloadIdentityCredential(tenant_id=server.tenant, client_id=DEPLOYER_ID, token_file_path=str(token_file),
                                            authority=server.host, connection_verify=server.ca_file,
                                            disable_instance_discovery=True)
    token = credential.get_token(f"{API_URI}/.default")
    tokencheck.verify_access_token(server, token.token, version="2.0", audience=API_ID, client_id=DEPLOYER_ID,
                                   acr=tokencheck.CERTIFICATE, roles=["Orders.Write.All"])
    assert server.exchanges(client_id=DEPLOYER_ID)[-1]["client"]["authenticationMethod"] == "federated_credential"


def test_a_wrong_subject_is_refused(server, tmp_path):
    from azure.identity import WorkloadIdentityCredential
    token_file = tmp_path / "token"
    token_file.write_text(github_token(subject="repo:contoso/app:ref:refs/heads/feature"))
    credential = WorkloadIdentityCredential(tenant_id=server.tenant, client_id=DEPLOYER_ID, token_file_path=str(token_file),
                                            authority=server.host, connection_verify=server.ca_file,
                                            disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token(f"{API_URI}/.default")
    assert "AADSTS700213" in str(raised.value)


def test_managed_identity_token_as_the_apps_credential(imds):
    """An app trusting the host's managed identity: the MI's token for api://AzureADTokenExchange is its assertion."""
    from azure.identity import ClientAssertionCredential
    mi = ManagedIdentityCredential()
    credential = ClientAssertionCredential(imds.tenant, DEPLOYER_ID,
                                           lambda: mi.get_token("api://AzureADTokenExchange/.default").token,
                                           authority=imds.host, connection_verify=imds.ca_file,
                                           disable_instance_discovery=True)
    token = credential.get_token(f"{API_URI}/.default")
    tokencheck.verify_access_token(imds, token.token, version="2.0", audience=API_ID, client_id=DEPLOYER_ID,
                                   acr=tokencheck.CERTIFICATE, roles=["Orders.Write.All"])


def test_the_startup_guide_says_how_to_point_azure_identity_here(server):
    """The human part of the startup output names the identities and the two environment settings."""
    import time
    deadline = time.time() + 5
    while time.time() < deadline and not any("AZURE_POD_IDENTITY_AUTHORITY_HOST" in line for line in server.output):
        time.sleep(0.05)
    text = "\n".join(server.output)
    assert f"IDENTITY_ENDPOINT={server.host}/msi/token IDENTITY_HEADER={IDENTITY_HEADER}" in text, text
    assert f"AZURE_POD_IDENTITY_AUTHORITY_HOST={server.host}" in text, text
    assert "Contoso Orders Worker: 7f3e9a1c-4b2d-4e8f-a6c0-5d1b3e7f9a24, managed identity (system-assigned)" in text, text
    assert "Contoso Orders Agent: 6e8a0c2d-4f6b-4d8f-8b2c-4d6f8a0c2e3f, agent identity of Contoso Agent Blueprint" in text, text
