#!/usr/bin/env python3
"""A stand-in for `mockentra serve`, used only to test the benchmark harness itself.

It honours the same command-line contract as the real server (see Benchmarks/README.md):
    fake_mockentra.py serve --scenario FILE --port 0 [--http]
prints one JSON line ({"url","tenant","caFile","port"}) on stdout, serves the discovery
document, the JWKS and the token endpoint for the grants the harness runs (client credentials;
password -> refresh token; refresh token; On-Behalf-Of, whose assertion's signature it checks),
and stops on SIGTERM.
Tokens are genuinely RS256-signed (pure Python RSA with a key made by the openssl CLI),
so the harness's signature check is exercised too. Its speed means nothing.

    MOCKENTRA_BIN="python3 Benchmarks/testing/fake_mockentra.py" Benchmarks/run.sh --quick
"""
import argparse
import base64
import hashlib
import json
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

TENANT = "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f"
CLIENT_ID = "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"
CLIENT_SECRET = "contoso-daemon-secret"
DESKTOP_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
API_ID, API_SECRET = "6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f", "contoso-api-secret"
USERNAME, PASSWORD = "alice@contoso.test", "alice-password"
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class RSAKey:
    """An RSA key read from `openssl rsa -text` (the stdlib has no ASN.1 parser)."""

    def __init__(self, key_file: Path):
        text = subprocess.run(["openssl", "rsa", "-in", str(key_file), "-noout", "-text"],
                              check=True, capture_output=True, text=True).stdout
        def field(name):
            m = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
            return int(re.sub(r"[^0-9a-f]", "", m.group(1)), 16)
        self.n, self.d = field("modulus"), field("privateExponent")
        self.p, self.q = field("prime1"), field("prime2")
        self.dp, self.dq, self.qinv = field("exponent1"), field("exponent2"), field("coefficient")
        self.e = int(re.search(r"publicExponent: (\d+)", text).group(1))
        self.size = (self.n.bit_length() + 7) // 8
        self.kid = b64url(hashlib.sha256(int_bytes(self.n)).digest())[:27]

    def sign_rs256(self, message: bytes) -> bytes:
        t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        em = b"\x00\x01" + b"\xff" * (self.size - 3 - len(t)) + b"\x00" + t
        m = int.from_bytes(em, "big")
        # CRT: about 3x faster than pow(m, d, n).
        s1, s2 = pow(m, self.dp, self.p), pow(m, self.dq, self.q)
        s = s2 + self.q * ((self.qinv * (s1 - s2)) % self.p)
        return s.to_bytes(self.size, "big")

    def verify_rs256(self, message: bytes, signature: bytes) -> bool:
        t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        em = pow(int.from_bytes(signature, "big"), self.e, self.n).to_bytes(self.size, "big")
        return em == b"\x00\x01" + b"\xff" * (self.size - 3 - len(t)) + b"\x00" + t

    def jwk(self):
        return {"kty": "RSA", "use": "sig", "kid": self.kid,
                "n": b64url(int_bytes(self.n)), "e": b64url(int_bytes(self.e))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--scenario")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fake-mockentra-"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(work / "tls.key"), "-out", str(work / "ca.pem")],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "genrsa", "-out", str(work / "sign.key"), "2048"],
                   check=True, capture_output=True)
    key = RSAKey(work / "sign.key")
    scheme = "http" if args.http else "https"
    refresh_token = "1.A" + b64url(uuid.uuid4().bytes)

    def mint(aud, client, sub):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": key.kid}
        claims = {"aud": aud, "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                  "iat": now, "nbf": now, "exp": now + 3600, "azp": client,
                  "tid": TENANT, "sub": sub, "uti": str(uuid.uuid4()), "ver": "2.0"}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        return signing_input.decode() + "." + b64url(key.sign_rs256(signing_input))

    def verify(token):
        parts = token.split(".")
        if len(parts) != 3:
            return False
        sig = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        return len(sig) == key.size and key.verify_rs256(f"{parts[0]}.{parts[1]}".encode(), sig)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects

        def log_message(self, *a):
            pass

        def send_json(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            base = f"{scheme}://localhost:{port}/{TENANT}"
            if self.path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
                self.send_json(200, {"issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                                     "token_endpoint": f"{base}/oauth2/v2.0/token",
                                     "jwks_uri": f"{base}/discovery/v2.0/keys"})
            elif self.path == f"/{TENANT}/discovery/v2.0/keys":
                self.send_json(200, {"keys": [key.jwk()]})
            else:
                self.send_json(404, {"error": "not_found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path != f"/{TENANT}/oauth2/v2.0/token":
                return self.send_json(404, {"error": "not_found"})
            grant, client = form.get("grant_type"), form.get("client_id")
            extra = {}
            if grant == "client_credentials" and client == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET:
                aud, sub = "api://contoso-api", CLIENT_ID
            elif (grant == "password" and client == DESKTOP_ID and form.get("username") == USERNAME
                  and form.get("password") == PASSWORD):
                aud, sub = "api://contoso-api", USERNAME
                if "offline_access" in form.get("scope", "").split():
                    extra["refresh_token"] = refresh_token
            elif grant == "refresh_token" and client == DESKTOP_ID and form.get("refresh_token") == refresh_token:
                aud, sub = "api://contoso-api", USERNAME
                extra["refresh_token"] = refresh_token  # not rotated, like MockEntra's
            elif (grant == OBO_GRANT and form.get("requested_token_use") == "on_behalf_of" and client == API_ID
                  and form.get("client_secret") == API_SECRET and verify(form.get("assertion", ""))):
                aud, sub = "https://graph.microsoft.com", USERNAME
            else:
                return self.send_json(400, {"error": "invalid_grant"})
            self.send_json(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                 "access_token": mint(aud, client, sub), **extra})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if not args.http:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(work / "ca.pem", work / "tls.key")
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    print(json.dumps({"url": f"{scheme}://localhost:{port}/{TENANT}", "tenant": TENANT,
                      "caFile": str(work / "ca.pem"), "port": port, "fake": True}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
