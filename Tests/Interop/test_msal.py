"""msal (unmodified) ConfidentialClientApplication against MockEntra over TLS."""

from __future__ import annotations

import hashlib
import ssl
from urllib.parse import parse_qs

import jwt
import msal
import pytest
import requests

from conftest import (
    API_ID,
    API_URI,
    DAEMON_ID,
    DAEMON_NAME,
    DAEMON_SECRET,
    GRAPH_URI,
    KEYS,
    LEGACY_URI,
)
import tokencheck


class RecordingSession(requests.Session):
    """A plain requests session that remembers the form bodies msal POSTs (to check what it sent)."""

    def __init__(self, ca_file):
        super().__init__()
        self.verify = ca_file
        self.trust_env = False
        self.posts = []

    def post(self, url, data=None, **kwargs):
        self.posts.append((url, data))
        return super().post(url, data=data, **kwargs)


def make_app(server, credential, client_id=DAEMON_ID, session=None):
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=server.url,
        http_client=session or RecordingSession(server.ca_file),
        instance_discovery=False,
        token_cache=msal.TokenCache(),
    )


def assertion_header(session) -> dict:
    forms = [d for (u, d) in session.posts if u.endswith("/oauth2/v2.0/token")]
    assert forms, session.posts
    form = forms[-1]
    if isinstance(form, (bytes, str)):
        form = {k: v[0] for k, v in parse_qs(form if isinstance(form, str) else form.decode()).items()}
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    return jwt.get_unverified_header(form["client_assertion"])


def read(name: str) -> str:
    return (KEYS / name).read_text()


def sha1_thumbprint_hex(cert_pem: str) -> str:
    der = ssl.PEM_cert_to_DER_cert(cert_pem)
    return hashlib.sha1(der).hexdigest().upper()


def test_secret_v2_resource(server):
    app = make_app(server, DAEMON_SECRET)
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    assert result.get("token_source") == "identity_provider"
    tokencheck.verify_access_token(
        server, result["access_token"], version="2.0", audience=API_ID, client_id=DAEMON_ID,
        acr=tokencheck.SECRET, roles=["Orders.Read.All"],
    )
    # A second call is a cache hit in msal: the response was well-formed enough to be cached.
    again = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert again["access_token"] == result["access_token"]
    assert again.get("token_source") == "cache"


@pytest.mark.parametrize(
    "resource,audience,version,roles",
    [
        (LEGACY_URI, LEGACY_URI, "1.0", ["Legacy.Access"]),
        (GRAPH_URI, GRAPH_URI, "1.0", ["User.Read.All"]),
    ],
)
def test_secret_v1_resources(server, resource, audience, version, roles):
    app = make_app(server, DAEMON_SECRET)
    result = app.acquire_token_for_client([f"{resource}/.default"])
    assert "access_token" in result, result
    tokencheck.verify_access_token(
        server, result["access_token"], version=version, audience=audience, client_id=DAEMON_ID,
        acr=tokencheck.SECRET, roles=roles,
    )


def test_certificate_with_public_certificate_ps256(server):
    """{private_key, public_certificate}: msal signs PS256 with x5t#S256 and sends x5c."""
    session = RecordingSession(server.ca_file)
    app = make_app(
        server,
        {"private_key": read("test-client.key"), "public_certificate": read("test-client.pem")},
        session=session,
    )
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert "access_token" in result, result
    header = assertion_header(session)
    assert header["alg"] == "PS256", header
    assert "x5t#S256" in header, header
    assert "x5c" in header, header
    tokencheck.verify_access_token(
        server, result["access_token"], version="2.0", audience=API_ID, client_id=DAEMON_ID,
        acr=tokencheck.CERTIFICATE, roles=["Orders.Read.All"],
    )


def test_certificate_with_thumbprint_rs256(server):
    """{private_key, thumbprint}: msal signs RS256 with a SHA-1 x5t."""
    session = RecordingSession(server.ca_file)
    app = make_app(
        server,
        {"private_key": read("test-client.key"), "thumbprint": sha1_thumbprint_hex(read("test-client.pem"))},
        session=session,
    )
    result = app.acquire_token_for_client([f"{LEGACY_URI}/.default"])
    assert "access_token" in result, result
    header = assertion_header(session)
    assert header["alg"] == "RS256", header
    assert "x5t" in header and "x5t#S256" not in header, header
    tokencheck.verify_access_token(
        server, result["access_token"], version="1.0", audience=LEGACY_URI, client_id=DAEMON_ID,
        acr=tokencheck.CERTIFICATE, roles=["Legacy.Access"],
    )


def test_tenant_by_domain_authority(server):
    app = msal.ConfidentialClientApplication(
        DAEMON_ID, client_credential=DAEMON_SECRET, authority=f"{server.host}/contoso.test",
        http_client=RecordingSession(server.ca_file), instance_discovery=False,
    )
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["tid"] == server.tenant


def test_wrong_secret(server):
    result = make_app(server, "not-the-secret").acquire_token_for_client([f"{API_URI}/.default"])
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [7000215], result
    assert result["error_description"].startswith("AADSTS7000215:"), result
    assert "Trace ID:" in result["error_description"]
    assert result.get("trace_id") and result.get("correlation_id"), result


def test_unregistered_certificate(server):
    app = make_app(server, {"private_key": read("test-client-rogue.key"), "public_certificate": read("test-client-rogue.pem")})
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [700027], result


def test_unregistered_certificate_thumbprint(server):
    app = make_app(server, {"private_key": read("test-client-rogue.key"),
                            "thumbprint": sha1_thumbprint_hex(read("test-client-rogue.pem"))})
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert result.get("error_codes") == [700027], result


def test_registered_thumbprint_wrong_key(server):
    """The registered certificate's thumbprint, signed with another key: the signature must not verify."""
    app = make_app(server, {"private_key": read("test-client-rogue.key"),
                            "thumbprint": sha1_thumbprint_hex(read("test-client.pem"))})
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [700027], result


def test_tampered_token_fails_verification(server):
    """Sanity check of the verifier itself: one changed byte must fail."""
    result = make_app(server, DAEMON_SECRET).acquire_token_for_client([f"{API_URI}/.default"])
    token = result["access_token"]
    head, payload, sig = token.split(".")
    # One byte of the signature (a different base64url character keeps it decodable).
    i = len(sig) // 2
    bad_sig = sig[:i] + ("A" if sig[i] != "A" else "B") + sig[i + 1:]
    # One byte of the claims: re-encode the payload with one character of `tid` changed.
    raw = jwt.utils.base64url_decode(payload)
    j = raw.index(b'"roles"')
    bad_raw = raw.replace(b'"roles"', b'"rolez"', 1)
    assert bad_raw != raw and j > 0
    bad_payload = jwt.utils.base64url_encode(bad_raw).decode()
    for forged in (f"{head}.{payload}.{bad_sig}", f"{head}.{bad_payload}.{sig}"):
        with pytest.raises(jwt.InvalidSignatureError):
            tokencheck.verify_access_token(
                server, forged, version="2.0", audience=API_ID, client_id=DAEMON_ID,
                acr=tokencheck.SECRET, roles=["Orders.Read.All"],
            )
    # The untouched token still verifies with the same verifier.
    tokencheck.verify_access_token(
        server, token, version="2.0", audience=API_ID, client_id=DAEMON_ID,
        acr=tokencheck.SECRET, roles=["Orders.Read.All"],
    )


def test_exchange_record_matches_token(server):
    app = make_app(server, DAEMON_SECRET)
    result = app.acquire_token_for_client([f"{API_URI}/.default"])
    uti = jwt.decode(result["access_token"], options={"verify_signature": False})["uti"]
    records = [r for r in server.exchanges(client_id=DAEMON_ID)
               if any(t["uti"] == uti for t in r.get("issuedTokens", []))]
    assert len(records) == 1, server.exchanges()
    record = records[0]
    assert record["outcome"] == "issued"
    assert record["grantType"] == "client_credentials"
    assert record["tenantId"] == server.tenant
    assert record["client"]["appId"] == DAEMON_ID
    assert record["client"]["displayName"] == DAEMON_NAME
    assert record["client"]["authenticationMethod"] == "client_secret_post"
    assert record["subject"]["kind"] == "app"
    assert record["resource"]["appId"] == API_ID
    assert record["resource"]["requestedAs"] == API_URI
    assert record["resource"]["tokenVersion"] == "2.0"
    assert record["grantedRoles"] == ["Orders.Read.All"]
    assert record["requestedScopes"] == [f"{API_URI}/.default"]
    assert [t["type"] for t in record["issuedTokens"]] == ["access_token"]
    assert record.get("failure") is None
    assert record["traceId"] and record["correlationId"]


def test_exchange_record_of_failure(server):
    result = make_app(server, "wrong-secret-for-records").acquire_token_for_client([f"{API_URI}/.default"])
    assert result.get("error_codes") == [7000215], result
    # msal's client-request-id comes back as the correlation id, in the response and in the record.
    records = [r for r in server.exchanges(outcome="error") if r["correlationId"] == result["correlation_id"]]
    assert len(records) == 1, server.exchanges()
    record = records[0]
    assert record["traceId"] == result["trace_id"]
    assert record["tenantId"] == server.tenant
    assert record["grantType"] == "client_credentials"
    assert record["failure"]["error"] == "invalid_client"
    assert record["failure"]["code"] == 7000215
    assert record["failure"]["description"].startswith("AADSTS7000215:")
    assert record["issuedTokens"] == []


def test_clearing_exchanges(server):
    make_app(server, DAEMON_SECRET).acquire_token_for_client([f"{API_URI}/.default"])
    assert server.exchanges()
    r = server.session().delete(f"{server.host}/_mockentra/exchanges", timeout=10)
    assert r.status_code in (200, 204)
    assert server.exchanges() == []
