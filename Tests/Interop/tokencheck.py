"""Verifying MockEntra access tokens the way a resource server would: PyJWT against the served JWKS."""

from __future__ import annotations

import time

import jwt
from jwt import PyJWKClient

# acr of the client authentication: "1" secret, "2" certificate (Entra's appidacr / azpacr).
SECRET = "1"
CERTIFICATE = "2"


def jwks_client(server, v2: bool = True) -> PyJWKClient:
    if v2:
        doc = server.session().get(f"{server.url}/v2.0/.well-known/openid-configuration", timeout=10).json()
    else:
        doc = server.session().get(f"{server.url}/.well-known/openid-configuration", timeout=10).json()
    return PyJWKClient(doc["jwks_uri"], cache_keys=False, ssl_context=server.ssl_context(), timeout=10)


def verify_access_token(
    server,
    token: str,
    *,
    version: str,
    audience: str,
    client_id: str,
    acr: str,
    roles: list,
) -> dict:
    """Verify signature, issuer, audience and lifetime, then the app-only claims. Returns the claims."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256", header
    assert header.get("typ") == "JWT", header
    assert header.get("kid"), header

    client = jwks_client(server, v2=(version == "2.0"))
    jwks = client.get_jwk_set()
    kids = [k.key_id for k in jwks.keys]
    assert header["kid"] in kids, f"kid {header['kid']} not in JWKS {kids}"
    if version == "1.0":
        assert header.get("x5t"), f"v1 header needs x5t: {header}"
        served = {k.key_id: k._jwk_data for k in jwks.keys}[header["kid"]]
        assert header["x5t"] == served.get("x5t"), (header, served)

    if version == "2.0":
        issuer = server.session().get(f"{server.url}/v2.0/.well-known/openid-configuration", timeout=10).json()["issuer"]
        assert issuer == f"{server.host}/{server.tenant}/v2.0"
    else:
        issuer = f"https://sts.windows.net/{server.tenant}/"

    signing_key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "nbf", "iss", "aud"]},
    )
    now = time.time()
    assert claims["exp"] > now, claims
    assert claims["nbf"] <= now + 300, claims
    assert claims["ver"] == version, claims
    assert claims["tid"] == server.tenant, claims
    assert claims["idtyp"] == "app", claims
    assert sorted(claims.get("roles", [])) == sorted(roles), claims
    assert claims.get("uti"), claims
    assert claims.get("oid") and claims.get("sub"), claims
    assert "scp" not in claims, claims
    if version == "2.0":
        assert claims["azp"] == client_id, claims
        assert claims["azpacr"] == acr, claims
        assert "appid" not in claims, claims
    else:
        assert claims["appid"] == client_id, claims
        assert claims["appidacr"] == acr, claims
        assert "azp" not in claims, claims
    return claims
