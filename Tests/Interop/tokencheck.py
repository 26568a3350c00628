"""Verifying MockEntra access tokens the way a resource server would: PyJWT against the served JWKS."""

from __future__ import annotations

import time

import jwt
from jwt import PyJWKClient

# acr of the client authentication: "1" secret, "2" certificate (Entra's appidacr / azpacr).
SECRET = "1"
CERTIFICATE = "2"

# `idtyp` is an optional claim: the default scenario's APIs ask for it and Microsoft's own get it,
# except the Legacy API, which does not ask.
NO_IDTYP_AUDIENCES = {"https://legacy.contoso.test"}


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
    if audience in NO_IDTYP_AUDIENCES:
        assert "idtyp" not in claims, claims
    else:
        assert claims.get("idtyp") == "app", claims
    assert claims["oid"] == claims["sub"], claims  # what identifies an app token without idtyp
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


def verify_user_token(server, token: str, *, audience: str, client_id: str, scp: str, version: str = "2.0",
                      idtyp: str | None = None) -> dict:
    """Verify a delegated (user) access token: signature against the JWKS, issuer, audience, lifetime,
    then the user claims (`oid`, `scp`, `tid`, `sub`) and the client (`azp` in v2, `appid` in v1)."""
    client = jwks_client(server, v2=(version == "2.0"))
    issuer = f"{server.host}/{server.tenant}/v2.0" if version == "2.0" else f"https://sts.windows.net/{server.tenant}/"
    claims = jwt.decode(
        token,
        client.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
    )
    assert claims["ver"] == version, claims
    assert claims["tid"] == server.tenant, claims
    assert claims.get("oid") and claims.get("sub"), claims
    assert claims["sub"] != claims["oid"], "sub is pairwise, not the object id"
    assert claims["scp"] == scp, claims
    assert claims.get("idtyp") == idtyp, claims  # only Agent ID tokens say "user"
    if version == "2.0":
        assert claims["azp"] == client_id, claims
    else:
        assert claims["appid"] == client_id, claims
    return claims


def verify_id_token(server, token: str, *, client_id: str, nonce: str | None = None) -> dict:
    """An ID token: signed by a JWKS key, for the client, from the tenant's v2 issuer."""
    client = jwks_client(server, v2=True)
    claims = jwt.decode(
        token,
        client.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=f"{server.host}/{server.tenant}/v2.0",
    )
    assert claims["tid"] == server.tenant and claims["ver"] == "2.0", claims
    if nonce is not None:
        assert claims["nonce"] == nonce, claims
    return claims
