"""Fixtures for the real-client interop suite.

The suite starts the real `mockentra` binary (from $MOCKENTRA_BIN, else `swift build --show-bin-path`)
on an ephemeral port, reads its machine-readable first stdout line, and drives it over TLS with
unmodified client libraries (msal, azure-identity, PyJWT, requests). Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
KEYS = REPO / "Keys"
CA_FILE = KEYS / "ca.pem"
DEFAULT_SCENARIO = REPO / "Scenarios" / "default.json"
SCENARIOS_DIR = HERE / "scenarios"

STARTUP_TIMEOUT = 30.0  # seconds: ready line + first discovery answer
STOP_TIMEOUT = 5.0  # seconds: SIGTERM to exit

# The default scenario, as the tests know it.
TENANT_ID = "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f"
TENANT_DOMAIN = "contoso.test"
DAEMON_ID = "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"
DAEMON_SECRET = "contoso-daemon-secret"
DAEMON_NAME = "Contoso Daemon"
API_ID = "6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f"
API_URI = "api://contoso-api"
LEGACY_URI = "https://legacy.contoso.test"
GRAPH_URI = "https://graph.microsoft.com"


def _bin_path() -> Path:
    explicit = os.environ.get("MOCKENTRA_BIN")
    if explicit:
        path = Path(explicit)
    else:
        out = subprocess.run(
            ["swift", "build", "--show-bin-path"], cwd=REPO, check=True, capture_output=True, text=True, timeout=300
        ).stdout.strip()
        path = Path(out) / "mockentra"
    if not path.is_file():
        pytest.exit(f"mockentra binary not found at {path}; build it or set MOCKENTRA_BIN", returncode=3)
    return path


@pytest.fixture(scope="session")
def mockentra_bin() -> Path:
    return _bin_path()


def _clean_env() -> dict:
    """The server's environment: ours, minus CA-bundle variables that could confuse anything it runs."""
    env = dict(os.environ)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        env.pop(name, None)
    return env


@dataclass
class Server:
    """A running `mockentra serve` process and what its ready line said."""

    process: subprocess.Popen
    info: dict
    output: list = field(default_factory=list)  # stdout lines after the ready line
    errors: list = field(default_factory=list)  # stderr lines
    exit_code: int | None = None

    @property
    def url(self) -> str:  # https://localhost:PORT/<tenant>
        return self.info["url"]

    @property
    def tenant(self) -> str:
        return self.info["tenant"]

    @property
    def ca_file(self) -> str:
        return self.info["caFile"]

    @property
    def port(self) -> int:
        return self.info["port"]

    @property
    def ports(self) -> list:
        return self.info["ports"]

    @property
    def issuer(self) -> str:
        return self.info["issuer"]

    @property
    def host(self) -> str:  # https://localhost:PORT
        return f"https://localhost:{self.port}"

    def base(self, port: int | None = None) -> str:
        return f"https://localhost:{port or self.port}"

    def session(self) -> requests.Session:
        """A requests session that trusts only the development CA and ignores the environment."""
        s = requests.Session()
        s.verify = self.ca_file
        s.trust_env = False
        return s

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def exchanges(self, **params) -> list:
        r = self.session().get(f"{self.host}/_mockentra/exchanges", params=params, timeout=10)
        r.raise_for_status()
        return r.json()["exchanges"]

    def stop(self) -> int:
        """SIGTERM, then wait at most STOP_TIMEOUT seconds; returns the exit code (kills on timeout)."""
        if self.exit_code is not None:
            return self.exit_code
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
                self.exit_code = -9
                return self.exit_code
        self.exit_code = self.process.returncode
        return self.exit_code


def _pump(stream, sink: list, first: "queue.Queue | None" = None):
    """Drain a pipe so the server never blocks on a full pipe; hand the first line to `first`."""
    try:
        for line in stream:
            if first is not None:
                first.put(line)
                first = None
            else:
                sink.append(line.rstrip("\n"))
    finally:
        if first is not None:
            first.put(None)


def start_server(binary: Path, scenario: Path = DEFAULT_SCENARIO, extra_args=(), ports=(0,)) -> Server:
    args = [str(binary), "serve", "--scenario", str(scenario)]
    for p in ports:
        args += ["--port", str(p)]
    args += list(extra_args)
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env()
    )
    output, errors, first = [], [], queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, output, first), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, errors), daemon=True).start()
    try:
        line = first.get(timeout=STARTUP_TIMEOUT)
    except queue.Empty:
        process.kill()
        raise RuntimeError(f"mockentra printed no ready line within {STARTUP_TIMEOUT}s: {errors}")
    if line is None:
        process.wait(timeout=STOP_TIMEOUT)
        time.sleep(0.1)
        raise RuntimeError(f"mockentra exited ({process.returncode}) before its ready line: {''.join(errors)}")
    try:
        info = json.loads(line)
    except json.JSONDecodeError:
        process.kill()
        raise RuntimeError(f"first stdout line is not JSON: {line!r}")
    server = Server(process=process, info=info, output=output, errors=errors)

    # Wait (bounded) for discovery to answer over TLS.
    deadline = time.monotonic() + STARTUP_TIMEOUT
    discovery = f"{server.url}/v2.0/.well-known/openid-configuration"
    last_error = None
    with server.session() as s:
        while time.monotonic() < deadline:
            try:
                if s.get(discovery, timeout=5).status_code == 200:
                    return server
            except requests.RequestException as e:  # not listening yet
                last_error = e
            if process.poll() is not None:
                break
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"discovery never answered at {discovery}: {last_error}; stderr: {errors}")


@pytest.fixture(scope="session")
def server(mockentra_bin):
    """The default scenario, served once for the whole session; it must stop cleanly (exit 0 within 5 s)."""
    srv = start_server(mockentra_bin)
    yield srv
    code = srv.stop()
    assert code == 0, f"mockentra did not exit 0 within {STOP_TIMEOUT}s of SIGTERM (got {code}); stderr: {srv.errors}"


@pytest.fixture(autouse=True)
def _no_ambient_ca_bundle(monkeypatch):
    """Tests choose how clients trust the CA; an ambient REQUESTS_CA_BUNDLE must not decide it for them."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def load_json5(text: str):
    """Scenario files are JSON with // and /* */ comments and trailing commas; strip those, then parse."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "]}":
            # drop a trailing comma before a closing bracket
            k = len(out) - 1
            while k >= 0 and out[k].isspace():
                k -= 1
            if k >= 0 and out[k] == ",":
                del out[k]
            out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return json.loads("".join(out))


def default_scenario_document() -> dict:
    """Scenarios/default.json as a dict, ready to be written anywhere: certificate paths made
    absolute (they are relative to Scenarios/), `$schema` dropped."""
    document = load_json5(DEFAULT_SCENARIO.read_text())

    def absolute(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "certificateFile":
                    node[key] = str((DEFAULT_SCENARIO.parent / value).resolve())
                else:
                    absolute(value)
        elif isinstance(node, list):
            for value in node:
                absolute(value)
    absolute(document)
    document.pop("$schema", None)
    return document
