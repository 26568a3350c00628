"""The server process itself: several ports, --record, clean shutdown, credential lifetimes, bad scenarios."""

from __future__ import annotations

import json
import subprocess

import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from conftest import SCENARIOS_DIR, start_server
import tokencheck

FABRIKAM = SCENARIOS_DIR / "credentials.json"
FABRIKAM_TENANT = "5c3a1e7b-9d2f-4a6c-8e1b-2f4d6a8c0e1a"
FABRIKAM_DAEMON = "7e1c3a5b-2d4f-4b6a-9c8e-1a3b5c7d9e0f"
FABRIKAM_API = "3b5d7f9a-1c2e-4d6f-8a0b-4c6e8a0b2d4f"
FABRIKAM_SCOPE = "api://fabrikam-api/.default"


@pytest.fixture(scope="module")
def recorded(mockentra_bin, tmp_path_factory):
    """The credentials scenario on two TLS ports, recording to a JSONL file."""
    record_file = tmp_path_factory.mktemp("record") / "exchanges.jsonl"
    srv = start_server(mockentra_bin, FABRIKAM, extra_args=["--record", str(record_file)], ports=(0, 0))
    srv.record_file = record_file
    yield srv
    srv.stop()


def msal_app(server, secret, port=None):
    return msal.ConfidentialClientApplication(
        FABRIKAM_DAEMON, client_credential=secret, authority=f"{server.base(port)}/{server.tenant}",
        http_client=server.session(), instance_discovery=False, token_cache=msal.TokenCache(),
    )


def test_ready_line(recorded):
    info = recorded.info
    assert info["tenant"] == FABRIKAM_TENANT
    assert info["tls"] is True
    assert len(info["ports"]) == 2 and len(set(info["ports"])) == 2 and 0 not in info["ports"]
    assert info["port"] == info["ports"][0]
    assert info["url"] == f"https://localhost:{info['port']}/{FABRIKAM_TENANT}"
    assert info["issuer"] == f"{info['url']}/v2.0"
    assert info["tokenEndpoint"] == f"{info['url']}/oauth2/v2.0/token"
    assert info["caFile"].endswith("/Keys/ca.pem")
    assert info["scenario"].endswith("/scenarios/credentials.json")


def test_documents_use_the_port_the_request_came_in_on(recorded):
    for port in recorded.ports:
        doc = recorded.session().get(
            f"https://localhost:{port}/fabrikam.test/v2.0/.well-known/openid-configuration", timeout=10
        ).json()
        root = f"https://localhost:{port}/{FABRIKAM_TENANT}"
        assert doc["issuer"] == f"{root}/v2.0"
        assert doc["token_endpoint"] == f"{root}/oauth2/v2.0/token"
        assert doc["jwks_uri"] == f"{root}/discovery/v2.0/keys"


def test_token_issuer_follows_the_port(recorded):
    second = recorded.ports[1]
    result = msal_app(recorded, "fabrikam-current-secret", port=second).acquire_token_for_client([FABRIKAM_SCOPE])
    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["iss"] == f"https://localhost:{second}/{FABRIKAM_TENANT}/v2.0"
    assert claims["aud"] == FABRIKAM_API
    assert claims["roles"] == ["Data.Read"]


def test_current_secret(recorded):
    result = msal_app(recorded, "fabrikam-current-secret").acquire_token_for_client([FABRIKAM_SCOPE])
    assert "access_token" in result, result
    tokencheck.verify_access_token(
        recorded, result["access_token"], version="2.0", audience=FABRIKAM_API, client_id=FABRIKAM_DAEMON,
        acr=tokencheck.SECRET, roles=["Data.Read"],
    )


def test_expired_secret(recorded):
    result = msal_app(recorded, "fabrikam-expired-secret").acquire_token_for_client([FABRIKAM_SCOPE])
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [7000222], result

    credential = ClientSecretCredential(
        recorded.tenant, FABRIKAM_DAEMON, "fabrikam-expired-secret", authority=recorded.host,
        connection_verify=recorded.ca_file, disable_instance_discovery=True,
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
        credential.get_token(FABRIKAM_SCOPE)


def test_not_yet_valid_secret(recorded):
    """A secret whose startDateTime is in the future does not authenticate (yet)."""
    result = msal_app(recorded, "fabrikam-future-secret").acquire_token_for_client([FABRIKAM_SCOPE])
    assert result.get("error") == "invalid_client", result
    assert "access_token" not in result


def test_record_file_has_one_line_per_exchange(recorded):
    """Runs last in this module: stops the recorded server and reads its JSONL file."""
    live = recorded.exchanges()
    assert len(live) >= 5, live
    code = recorded.stop()
    assert code == 0, recorded.errors
    lines = recorded.record_file.read_text().splitlines()
    assert len(lines) == len(live), (lines, live)
    records = [json.loads(line) for line in lines]
    assert [r["sequence"] for r in records] == [r["sequence"] for r in live]
    assert [r["traceId"] for r in records] == [r["traceId"] for r in live]
    outcomes = {r["outcome"] for r in records}
    assert outcomes == {"issued", "error"}
    issued = [r for r in records if r["outcome"] == "issued"]
    assert all(r["client"]["appId"] == FABRIKAM_DAEMON and r["resource"]["appId"] == FABRIKAM_API for r in issued)
    assert all(r["issuedTokens"][0]["uti"] for r in issued)
    codes = {r["failure"]["code"] for r in records if r["outcome"] == "error"}
    assert 7000222 in codes


def test_invalid_scenario_never_starts(mockentra_bin, tmp_path):
    bad = tmp_path / "typo.json"
    bad.write_text(json.dumps({"tenant": {"defaultDomain": "typo.test"}, "aplications": []}))
    proc = subprocess.run(
        [str(mockentra_bin), "serve", "--scenario", str(bad), "--port", "0"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 65, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert "aplications" in proc.stderr and "typo.json" in proc.stderr, proc.stderr
