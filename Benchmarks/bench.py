#!/usr/bin/env python3
"""MockEntra benchmark driver (Python 3 standard library + wrk). Run it via Benchmarks/run.sh.

Measures, in one run on this machine (see Benchmarks/README.md for what each figure means):
  1. the RSA-2048 signing limit (openssl speed),
  2. ready time: process start -> first HTTP 200 of the discovery document over HTTPS,
  3. token grants/s over HTTPS keep-alive (client credentials at 1, 16, 64 connections;
     refresh token and On-Behalf-Of at 16, the refresh row next to the peer's refresh grant),
  4. server CPU seconds per token, as a multiple of one RSA-2048 signature (On-Behalf-Of:
     of one signature + one verification),
  5. server RSS at idle and after load,
  6. discovery and JWKS requests/s side by side with the peer oidc-provider-mock.
Prints a table, writes bench-results/latest.json. Exit status: 0 ok, 1 the run failed
(non-200 responses, socket errors, a server died, unverifiable tokens), 2 a target was missed.
"""
import argparse
import base64
import functools
import hashlib
import json
import os
import platform
import re
import resource
import selectors
import shlex
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WRK_DIR = BENCH_DIR / "wrk"
RESULTS_DIR = REPO / "bench-results"
LOG_DIR = RESULTS_DIR / "logs"
PID_FILE = RESULTS_DIR / ".pids"  # run.sh's trap kills whatever is still listed here

TENANT = "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f"
DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"  # after /{tenant}
JWKS_PATH = "/discovery/v2.0/keys"
PEER_DISCOVERY_PATH = "/.well-known/openid-configuration"  # oidc_provider_mock/_app.py routes
PEER_JWKS_PATH = "/jwks"

TARGET_READY_MS = 50.0
TARGET_CPU_RATIO = 1.15  # CPU per token / one RSA-2048 signature
TARGET_OBO_RATIO = 1.2  # On-Behalf-Of (issue 4): CPU per token / (one signature + one verification)
TARGET_VS_PEER = 2.0  # "well ahead of the peer": at least twice its requests/s, like for like

CLK_TCK = os.sysconf("SC_CLK_TCK")
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


# Scenarios/default.json: a public client, its user, and the API it calls (which may call
# Microsoft Graph On-Behalf-Of the user).
DESKTOP_CLIENT_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"  # "Contoso Desktop", public client
USERNAME, PASSWORD = "alice@contoso.test", "alice-password"
API_SCOPE = "api://contoso-api/access_as_user"  # "Contoso API" 6a0c3e8f-...


def ropc(server, scope) -> dict:
    """One resource-owner password sign-in of alice at Contoso Desktop: the token response."""
    path = urllib.parse.urlsplit(server.base_url).path + "/oauth2/v2.0/token"
    form = urllib.parse.urlencode({"grant_type": "password", "client_id": DESKTOP_CLIENT_ID,
                                   "username": USERNAME, "password": PASSWORD, "scope": scope}).encode()
    status, body, _ = server.request("POST", path, form, {"Content-Type": "application/x-www-form-urlencoded"})
    try:
        tokens = json.loads(body) if status == 200 else {}
    except ValueError:
        tokens = {}
    if "access_token" not in tokens:
        raise RunFailure(f"{server.name}: ROPC sign-in of {USERNAME} (scope {scope!r}): HTTP {status}: {body[:300]!r}")
    return tokens


def prepare_refresh_token(server) -> dict:
    tokens = ropc(server, f"{API_SCOPE} offline_access")
    if "refresh_token" not in tokens:
        raise RunFailure(f"{server.name}: ROPC with offline_access returned no refresh_token")
    return {"BENCH_REFRESH_TOKEN": tokens["refresh_token"]}


def prepare_on_behalf_of(server) -> dict:
    tokens = ropc(server, API_SCOPE)
    if int(tokens.get("expires_in", 0)) < 600:  # it must outlive the run by far
        raise RunFailure(f"{server.name}: alice's access token expires in {tokens.get('expires_in')} s")
    return {"BENCH_USER_ASSERTION": tokens["access_token"]}


@dataclass
class Grant:
    """One token-grant row set. To add a grant (refresh token, On-Behalf-Of, ...): write
    wrk/grants/<name>.lua and append a Grant here. `prepare(server)` runs once before wrk
    and returns extra environment for the Lua script (e.g. a refresh token fetched with
    server.request(...)); the Lua script reads it with bench.env("NAME").
    `target`: "sig" = CPU per token <= TARGET_CPU_RATIO x one signature; "sig+verify" = CPU
    per token <= TARGET_OBO_RATIO x (one signature + one verification)."""
    name: str
    lua: str
    connections: tuple = (16,)
    prepare: object = None
    target: str = "sig"


GRANTS = [
    Grant("client_credentials", "grants/client_credentials.lua", connections=(1, 16, 64)),
    Grant("refresh_token", "grants/refresh_token.lua", prepare=prepare_refresh_token),
    Grant("on_behalf_of", "grants/on_behalf_of.lua", prepare=prepare_on_behalf_of, target="sig+verify"),
]


# --------------------------------------------------------------------------- utilities

class RunFailure(Exception):
    """The benchmark cannot produce trustworthy numbers (as opposed to a missed target)."""


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rs256_verify(signing_input: bytes, signature: bytes, jwk: dict) -> bool:
    """RSASSA-PKCS1-v1_5 / SHA-256 verification with plain integers (the stdlib has no RSA)."""
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    em = pow(int.from_bytes(signature, "big"), e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    return em == b"\x00\x01" + b"\xff" * (k - 3 - len(t)) + b"\x00" + t


def check_jwt(token: str, jwks: dict) -> str:
    """'' if token is an RS256 JWT whose signature verifies against jwks, else the reason."""
    parts = token.split(".")
    if len(parts) != 3:
        return "access_token is not a compact JWS"
    header = json.loads(b64url_decode(parts[0]))
    if header.get("alg") != "RS256":
        return f"alg is {header.get('alg')!r}, not RS256"
    keys = [k for k in jwks.get("keys", []) if k.get("kty") == "RSA"
            and ("kid" not in header or k.get("kid") == header["kid"])]
    if not keys:
        return f"no RSA key with kid {header.get('kid')!r} in the JWKS"
    sig = b64url_decode(parts[2])
    if not any(rs256_verify(f"{parts[0]}.{parts[1]}".encode(), sig, k) for k in keys):
        return "RS256 signature does not verify against the JWKS"
    return ""


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads, live and exited)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # skip "pid (comm) "; comm may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of proc(5)


def proc_memory_kb(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1])
    return out


def machine_busy_seconds() -> float:
    """CPU-seconds of user + nice + system time on all CPUs since boot, from /proc/stat: the
    same kinds of time as a process's utime + stime (irq/softirq, which our own loopback
    traffic causes, are left out)."""
    v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (v[0] + v[1] + v[2]) / CLK_TCK


def machine_busy_fraction(seconds=1.0) -> float:
    """Share of all CPUs busy (not idle/iowait) over `seconds`, from /proc/stat: tells
    whether other work competes with the benchmark (the load average lags by a minute)."""
    def sample():
        v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(1, t1 - t0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- servers

class Server:
    """A server process we started. Its pid is recorded in PID_FILE until it is stopped."""
    live = []

    def __init__(self, name, argv, log_name):
        self.name = name
        self.argv = argv
        self.log_path = LOG_DIR / log_name
        self.info = {}
        self.base_url = ""
        self.ssl_context = None
        self.jwks = None
        self.start_time = time.perf_counter()
        self.stderr_file = open(self.log_path, "ab")
        # New session: a Ctrl-C aimed at the harness must not hit the server before we
        # have read its final figures; we stop it ourselves (and run.sh's trap as a backstop).
        self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr_file, start_new_session=True)
        Server.live.append(self)
        Server._write_pids()

    @property
    def pid(self):
        return self.proc.pid

    @staticmethod
    def _write_pids():
        PID_FILE.write_text("".join(f"{s.pid}\n" for s in Server.live))

    def read_first_line(self, timeout: float) -> str:
        """The first stdout line, read without ever blocking longer than `timeout`."""
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RunFailure(f"{self.name}: no stdout line within {timeout:.0f} s "
                                     f"(is stdout flushed after the JSON line?) - see {self.log_path}")
                if sel.select(left):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        raise RunFailure(f"{self.name} exited (status {self.proc.wait()}) before "
                                         f"printing its first line - see {self.log_path}")
                    buf += chunk
        line, rest = buf.split(b"\n", 1)
        self._drain_stdout(rest)
        return line.decode(errors="replace")

    def _drain_stdout(self, already: bytes):
        """Keep copying stdout to the log so a chatty server never blocks on a full pipe."""
        def pump(out=self.proc.stdout, first=already):
            with open(self.log_path, "ab") as f:
                f.write(first)
                for chunk in iter(lambda: out.read1(65536), b""):
                    f.write(chunk)
        threading.Thread(target=pump, daemon=True).start()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def memory(self) -> dict:
        m = proc_memory_kb(self.pid)
        return {"rss_kb": m.get("VmRSS"), "hwm_kb": m.get("VmHWM")}

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One request (absolute path) to this server, trusting its CA. Returns (status, bytes)."""
        parsed = urllib.parse.urlsplit(self.base_url)
        url = f"{parsed.scheme}://{parsed.netloc}{path}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        handlers = [urllib.request.HTTPSHandler(context=self.ssl_context)] if self.ssl_context else []
        # No redirect following: callers want to see 302s themselves (authorization codes).
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect, *handlers)
        try:
            with opener.open(req, timeout=timeout) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    def stop(self, timeout=5.0) -> dict:
        """SIGTERM, then SIGKILL if it does not exit within `timeout`. Returns how it went."""
        result = {"exit_status": None, "stop_ms": None, "killed": False}
        if self.alive():
            t0 = time.perf_counter()
            self.proc.send_signal(signal.SIGTERM)
            try:
                result["exit_status"] = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                result["exit_status"] = self.proc.wait(5)
                result["killed"] = True
            result["stop_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        else:
            result["exit_status"] = self.proc.returncode
        if self in Server.live:
            Server.live.remove(self)
            Server._write_pids()
        self.stderr_file.close()
        return result

    @classmethod
    def stop_all(cls):
        for s in list(cls.live):
            s.stop(timeout=3)


def mockentra_argv(args, http=False):
    argv = shlex.split(args.mockentra) + ["serve", "--scenario", args.scenario, "--port", "0"]
    return argv + ["--http"] if http else argv


def start_mockentra(args, http=False, log_name=None) -> Server:
    name = "MockEntra --http" if http else "MockEntra"
    server = Server(name, mockentra_argv(args, http), log_name or ("mockentra-http.log" if http else "mockentra.log"))
    line = server.read_first_line(timeout=30)
    try:
        server.info = json.loads(line)
        port = int(server.info["port"])
    except (ValueError, KeyError, TypeError):
        raise RunFailure(f"{name}: first stdout line is not the expected JSON object: {line[:300]!r}")
    scheme = "http" if http else "https"
    server.base_url = f"{scheme}://localhost:{port}/{server.info.get('tenant', TENANT)}"
    if not http:
        server.ssl_context = mockentra_ssl_context(args, server.info)
    # The first request also proves the server is up before anything is measured.
    wait_until_ok(server, urllib.parse.urlsplit(server.base_url).path + DISCOVERY_PATH, timeout=20)
    return server


def start_floor(args) -> Server:
    server = Server("floor", [args.floor_bin, str(REPO / "Keys")], "floor.log")
    line = server.read_first_line(timeout=10)
    try:
        port = int(json.loads(line)["port"])
    except (ValueError, KeyError, TypeError):
        raise RunFailure(f"floor: first stdout line is not the expected JSON object: {line[:300]!r}")
    server.base_url = f"https://localhost:{port}/{TENANT}"
    server.ssl_context = ssl_context_for(args.ca or str(REPO / "Keys/ca.pem"))
    return server


def mockentra_ssl_context(args, info) -> ssl.SSLContext:
    return ssl_context_for(args.ca or info.get("caFile") or str(REPO / "Keys" / "ca.pem"))


@functools.lru_cache(maxsize=None)
def ssl_context_for(ca_file: str) -> ssl.SSLContext:
    """Cached so that loading the CA never falls inside a measured ready time."""
    return ssl.create_default_context(cafile=ca_file)


def wait_until_ok(server, path, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not server.alive():
            raise RunFailure(f"{server.name} died during start-up - see {server.log_path}")
        try:
            status, body, _ = server.request("GET", path, timeout=2)
            if status == 200:
                return body
            last = f"HTTP {status}: {body[:200]!r}"
        except (OSError, ssl.SSLError) as err:
            last = repr(err)
        time.sleep(0.05)
    raise RunFailure(f"{server.name}: GET {path} never answered 200 within {timeout} s (last: {last})")


def fetch_jwks(server, path) -> dict:
    status, body, _ = server.request("GET", path)
    if status != 200:
        raise RunFailure(f"{server.name}: GET {path} -> {status}")
    return json.loads(body)


# --------------------------------------------------------------------------- 1. RSA limit

def openssl_speed(seconds: int, multi: int = 0) -> dict:
    """openssl speed -mr rsa2048; its '+F2:' line is 'index:bits:sign/s:verify/s'."""
    cmd = ["openssl", "speed", "-mr", "-seconds", str(seconds)]
    if multi:
        cmd += ["-multi", str(multi)]
    cmd.append("rsa2048")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=8 * seconds + 30, check=True).stdout
    f2 = [line for line in out.splitlines() if line.startswith("+F2:")]
    if not f2:
        raise RunFailure("openssl speed printed no +F2: line")
    _, _, bits, sign, verify = f2[-1].split(":")[:5]  # with -multi, the last line is the sum
    return {"command": " ".join(cmd), "sign_per_s": float(sign), "verify_per_s": float(verify),
            "seconds_per_sign": 1.0 / float(sign),
            "seconds_per_sign_plus_verify": 1.0 / float(sign) + 1.0 / float(verify), "processes": multi or 1}


# --------------------------------------------------------------------------- 2. ready time

def probe_status(addrs, tls_ctx, host, path, port) -> int:
    """connect + (TLS) + GET; returns the HTTP status, or 0 if nothing listens yet."""
    for family, addr in addrs:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(2)
        try:
            sock.connect(addr)
        except OSError:
            sock.close()
            continue
        try:
            if tls_ctx:
                sock = tls_ctx.wrap_socket(sock, server_hostname=host)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while b"\r\n" not in head and len(head) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
            m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
            return int(m.group(1)) if m else -1
        except (OSError, ssl.SSLError):
            return 0  # accepted but not serving yet (e.g. listener up before TLS is ready)
        finally:
            sock.close()
    return 0


def measure_ready(name, argv, runs, first_line_port, tls_ctx_for, path_for, port=None,
                  log_name="ready.log", limit_s=10.0) -> dict:
    """Median over `runs` (plus one discarded warm-up) of: just before spawn -> first 200.
    With first_line_port the port comes from the server's first stdout line (--port 0);
    reading that line is part of the measured time, as it would be for any test harness."""
    samples, first_line_ms, stop_ms = [], [], []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        server = Server(name, argv if port is None else argv(port), log_name)
        try:
            if first_line_port:
                info = json.loads(server.read_first_line(timeout=limit_s))
                t_line = time.perf_counter()
                p = int(info["port"])
                host = urllib.parse.urlsplit(info.get("url", "https://localhost")).hostname or "localhost"
            else:
                t_line, p, host = None, port, "127.0.0.1"
                info = {}
            addrs = [(ai[0], ai[4]) for ai in socket.getaddrinfo(host, p, type=socket.SOCK_STREAM)]
            tls_ctx = tls_ctx_for(info)
            path = path_for(info)
            deadline = t0 + limit_s
            attempts = 0
            while True:  # tight poll, bounded in time and count
                attempts += 1
                status = probe_status(addrs, tls_ctx, host, path, p)
                if status == 200:
                    break
                if time.perf_counter() > deadline or attempts > 200000 or not server.alive():
                    raise RunFailure(f"{name}: no 200 for {path} within {limit_s} s (last status "
                                     f"{status or 'none'}, alive={server.alive()}) - see {server.log_path}")
                time.sleep(0.0002)
            t_ready = time.perf_counter()
        finally:
            stopped = server.stop()
        if i == 0:
            continue  # warm-up: page cache, dynamic loader caches
        samples.append((t_ready - t0) * 1000)
        if t_line is not None:
            first_line_ms.append((t_line - t0) * 1000)
        if stopped["stop_ms"] is not None:
            stop_ms.append(stopped["stop_ms"])
    result = {
        "runs": runs,
        "median_ms": round(statistics.median(samples), 2),
        "min_ms": round(min(samples), 2),
        "max_ms": round(max(samples), 2),
        "samples_ms": [round(s, 2) for s in samples],
    }
    if first_line_ms:
        result["first_stdout_line_median_ms"] = round(statistics.median(first_line_ms), 2)
    if stop_ms:
        result["sigterm_to_exit_median_ms"] = round(statistics.median(stop_ms), 1)
    return result


# --------------------------------------------------------------------------- 3-6. wrk

def run_wrk(server, url, lua, connections, duration, env=None, threads=2, label="") -> dict:
    """One wrk run; server CPU is read from /proc right before and right after it."""
    threads = min(threads, connections)  # wrk needs at least one connection per thread
    with tempfile.NamedTemporaryFile(prefix="wrk-", suffix=".json", delete=False) as f:
        out_path = f.name
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
           "--timeout", "5s", "-s", str(WRK_DIR / lua), url]
    full_env = dict(os.environ, BENCH_OUT=out_path, **(env or {}))
    cpu0, busy0, wrk0 = server.cpu_seconds(), machine_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=duration + 60)
    cpu1 = server.cpu_seconds() if server.alive() else None
    busy1, wrk1 = machine_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        if proc.returncode != 0:
            raise RunFailure(f"wrk failed ({label}): {proc.stderr.strip() or proc.stdout.strip()}")
        raw = json.loads(Path(out_path).read_text())
    finally:
        os.unlink(out_path)
    if not server.alive():
        raise RunFailure(f"{server.name} exited (status {server.proc.returncode}) during {label} "
                         f"- see {server.log_path}")
    duration_s = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["non200"]
    socket_errors = raw["err_connect"] + raw["err_read"] + raw["err_write"] + raw["err_timeout"]
    cpu = cpu1 - cpu0
    wrk_cpu = (wrk1.ru_utime - wrk0.ru_utime) + (wrk1.ru_stime - wrk0.ru_stime)
    # Whatever else ran during the measurement (other users' jobs): a noisy-run indicator.
    other = max(0.0, (busy1 - busy0) - cpu - wrk_cpu)
    result = {
        "label": label, "url": url, "lua": lua, "connections": connections, "threads": threads,
        "duration_s": round(duration_s, 3), "responses": raw["requests"], "ok_200": ok,
        "non200": raw["non200"], "socket_errors": socket_errors,
        "ok_per_s": round(ok / duration_s, 1),
        "latency_ms": {k: round(raw[f"latency_{k}_us"] / 1000, 3) for k in ("p50", "p90", "p99", "max")},
        "server_cpu_s": round(cpu, 3),
        "server_cpu_ms_per_ok": round(cpu / ok * 1000, 4) if ok else None,
        "wrk_cpu_s": round(wrk_cpu, 3),
        "other_cpu_share": round(other / (duration_s * os.cpu_count()), 3),
    }
    if raw["non200"]:
        result["first_non200"] = {"status": raw["bad_status"], "body": raw["bad_body"][:500]}
    result["_ok_body"] = raw["ok_body"]
    return result


def sample_check_token(result, jwks) -> None:
    body = result.pop("_ok_body")
    try:
        reason = check_jwt(json.loads(body)["access_token"], jwks)
    except (ValueError, KeyError, TypeError) as err:
        reason = f"200 body is not a token response ({err!r}): {body[:120]!r}"
    result["sample_check"] = reason or "RS256 access token verified against the JWKS"
    result["sample_ok"] = not reason


def sample_check_json(result, required_key) -> None:
    body = result.pop("_ok_body")
    try:
        ok = required_key in json.loads(body)
    except ValueError:
        ok = False
    result["sample_check"] = f"JSON with '{required_key}'" if ok else f"unexpected 200 body: {body[:120]!r}"
    result["sample_ok"] = ok


def sample_check_opaque(result) -> None:
    body = result.pop("_ok_body")
    try:
        token = json.loads(body)["access_token"]
        result["sample_check"] = ("opaque access token (no signature)" if token.count(".") != 2
                                  else "JWT access token")
        result["sample_ok"] = True
    except (ValueError, KeyError, TypeError):
        result["sample_check"] = f"unexpected 200 body: {body[:120]!r}"
        result["sample_ok"] = False


def warm_up(server, url, lua, duration, env=None):
    """Not measured: first connections, TLS setup, allocator and page-cache warm-up."""
    if duration > 0:
        r = run_wrk(server, url, lua, 16, duration, env=env, label="warm-up")
        if r["non200"] or r["socket_errors"]:
            raise RunFailure(f"{server.name}: warm-up on {url} got {r['non200']} non-200 "
                             f"({r.get('first_non200')}) and {r['socket_errors']} socket errors")


# --------------------------------------------------------------------------- peer

def peer_get_refresh_token(peer) -> dict:
    """Authorization-code round trip (its consent form is a plain POST) -> a refresh token."""
    client_id, secret, redirect = "bench-client", "bench-secret", "http://localhost/cb"
    q = urllib.parse.urlencode({"client_id": client_id, "redirect_uri": redirect,
                                "response_type": "code", "scope": "openid"})
    status, body, headers = peer.request("POST", f"/oauth2/authorize?{q}", body=b"sub=bench-user",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    location = headers.get("Location", "")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code", [None])[0]
    if status != 302 or not code:
        raise RunFailure(f"peer authorize: HTTP {status}, Location {location!r}")
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": redirect, "client_id": client_id,
                                   "client_secret": secret}).encode()
    status, body, _ = peer.request("POST", "/oauth2/token", body=form,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200 or "refresh_token" not in json.loads(body):
        raise RunFailure(f"peer code exchange: HTTP {status}: {body[:200]!r}")
    return {"BENCH_REFRESH_TOKEN": json.loads(body)["refresh_token"],
            "BENCH_BASIC_AUTH": base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def peer_version(peer_bin) -> str:
    py = Path(peer_bin).parent / "python"
    try:
        return subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('oidc-provider-mock'))"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "?"


def start_peer(peer_bin, port) -> Server:
    # The peer is plain HTTP only: its CLI has no TLS option and __main__.py calls
    # uvicorn.run(..., interface="wsgi") without ssl_* arguments. It logs every request
    # (uvicorn access log) to stderr, which goes to a file here.
    peer = Server("oidc-provider-mock", [peer_bin, "--host", "127.0.0.1", "--port", str(port)], "peer.log")
    peer.base_url = f"http://127.0.0.1:{port}/"
    wait_until_ok(peer, PEER_DISCOVERY_PATH, timeout=60)
    return peer


# --------------------------------------------------------------------------- report

def fmt(v, spec="{:,.0f}", none="-"):
    return none if v is None else spec.format(v)


def mb(kb):
    return None if kb is None else kb / 1024


def print_table(R):
    P = print
    m = R["meta"]
    P()
    P(f"MockEntra benchmark  {m['date']}  commit {m['commit']}  ({m['cpus']} CPUs, {m['cpu_model']})")
    P(f"server: {m['mockentra']}   peer: oidc-provider-mock {m.get('peer_version', '-')}   "
      f"wrk {m['wrk_duration_s']} s/run, warm-up {m['warmup_s']} s")
    P("=" * 96)
    if m.get("busy_before", 0) > 0.10:
        P(f"WARNING: other work kept {m['busy_before']:.0%} of the {m['cpus']} CPUs busy just before the run "
          f"(load average {m['loadavg_start']:.2f}): the figures below share the CPUs with it.")
    rsa = R["rsa2048"]
    line = (f"RSA-2048 signing limit (openssl speed, 1 core): {rsa['sign_per_s']:,.0f} sign/s "
            f"= {rsa['seconds_per_sign'] * 1000:.3f} ms/signature; {rsa['verify_per_s']:,.0f} verify/s")
    P(line)
    if R.get("rsa2048_multi"):
        mm = R["rsa2048_multi"]
        P(f"  with -multi {mm['processes']}: {mm['sign_per_s']:,.0f} sign/s, {mm['verify_per_s']:,.0f} verify/s")
    rd = R.get("ready")
    if rd:
        P(f"Ready time (spawn -> first 200 of discovery over HTTPS, median of {rd['runs']}): "
          f"{rd['median_ms']:.1f} ms  (min {rd['min_ms']:.1f}, max {rd['max_ms']:.1f})   "
          f"target <= {TARGET_READY_MS:.0f} ms: {R['verdicts']['ready']}")
        if "first_stdout_line_median_ms" in rd:
            P(f"  first stdout line after {rd['first_stdout_line_median_ms']:.1f} ms; "
              f"SIGTERM -> exit {fmt(rd.get('sigterm_to_exit_median_ms'), '{:.1f}')} ms")
    P()
    sv_ms = rsa["seconds_per_sign_plus_verify"] * 1000
    P(f"Token grants over HTTPS keep-alive (wrk; CPU = server utime+stime / 200 responses; "
      f"x sig = CPU per token / {rsa['seconds_per_sign'] * 1000:.3f} ms;")
    P(f"  x(s+v) = CPU per token / (1 signature + 1 verification = {sv_ms:.3f} ms), the On-Behalf-Of yardstick)")
    P(f"  {'grant':<22} {'conns':>5} {'thr':>3} {'tokens/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
      f"{'non-200':>7} {'sockerr':>7} {'CPU ms/tok':>10} {'x sig':>6} {'other':>5}  "
      f"{'x sig<=' + str(TARGET_CPU_RATIO):<11} {'x(s+v)<=' + str(TARGET_OBO_RATIO)}")
    peer_rt = R.get("peer", {}).get("refresh_token")
    for r in R["tokens"]:
        sig_target = r.get("verdict", "") if r.get("target") != "sig+verify" else "-"
        sv_target = (f"{fmt(r.get('cpu_ratio_sign_verify'), '{:.2f}')}  {r.get('verdict', '')}"
                     if r.get("target") == "sig+verify" else "")
        P(f"  {r['grant']:<22} {r['connections']:>5} {r['threads']:>3} {r['ok_per_s']:>9,.0f} "
          f"{r['latency_ms']['p50']:>7.2f} {r['latency_ms']['p99']:>7.2f} {r['non200']:>7} "
          f"{r['socket_errors']:>7} {fmt(r['server_cpu_ms_per_ok'], '{:.3f}'):>10} "
          f"{fmt(r.get('cpu_ratio'), '{:.2f}'):>6} {r['other_cpu_share']:>5.0%}  {sig_target:<11} {sv_target}")
        if r["grant"] == "refresh_token" and peer_rt:
            p = peer_rt  # issue 3: side by side with the peer's refresh grant, same run
            P(f"  {'  peer refresh_token':<22} {p['connections']:>5} {p['threads']:>3} {p['ok_per_s']:>9,.0f} "
              f"{p['latency_ms']['p50']:>7.2f} {p['latency_ms']['p99']:>7.2f} {p['non200']:>7} "
              f"{p['socket_errors']:>7} {fmt(p['server_cpu_ms_per_ok'], '{:.3f}'):>10} "
              f"{'-':>6} {p['other_cpu_share']:>5.0%}  info: plain HTTP, opaque token, no signature")
    floor_rows = {r["connections"]: r for r in R.get("floor", [])}
    if floor_rows:
        P(f"  floor: a C server doing TLS and one signature per request, nothing else (Benchmarks/floor/floor.c)")
        for r in R.get("floor", []):
            own = next((t for t in R["tokens"] if t["grant"] == "client_credentials"
                        and t["connections"] == r["connections"]), None)
            extra = ""
            if own and own.get("server_cpu_ms_per_ok") is not None and r.get("server_cpu_ms_per_ok") is not None:
                extra = f"MockEntra - floor = {(own['server_cpu_ms_per_ok'] - r['server_cpu_ms_per_ok']) * 1000:.0f} us/token"
            P(f"  {'  floor':<22} {r['connections']:>5} {r['threads']:>3} {r['ok_per_s']:>9,.0f} "
              f"{r['latency_ms']['p50']:>7.2f} {r['latency_ms']['p99']:>7.2f} {r['non200']:>7} "
              f"{r['socket_errors']:>7} {fmt(r['server_cpu_ms_per_ok'], '{:.3f}'):>10} "
              f"{fmt(r.get('cpu_ratio'), '{:.2f}'):>6} {r['other_cpu_share']:>5.0%}  {extra}")
    for r in R["tokens"]:
        if not r.get("sample_ok", True):
            P(f"  !! {r['grant']} c={r['connections']}: {r['sample_check']}")
    if R["tokens"]:
        checked = sorted({r["grant"] for r in R["tokens"] if r.get("sample_ok")})
        P(f"  sample token per run: RS256 access token verified against the JWKS ({', '.join(checked) or 'none'})")
        P(f"  other = CPU share used by other processes (not the server, not wrk) during the run")
    P()
    mem = R.get("memory", {})
    if mem:
        P("Server memory, MB (VmRSS / VmHWM):")
        for who, phases in mem.items():
            P(f"  {who:<20} " + "   ".join(f"{phase}: {fmt(mb(v['rss_kb']), '{:.1f}')} / "
                                             f"{fmt(mb(v['hwm_kb']), '{:.1f}')}" for phase, v in phases.items()))
        P()
    cmp_ = R.get("comparison")
    if cmp_:
        P(f"Discovery and JWKS, requests/s (wrk, {cmp_['connections']} connections, 2 threads). "
          f"The peer is plain HTTP only, so MockEntra --http is the like-for-like column.")
        P(f"  {'endpoint':<10} {'MockEntra HTTPS':>16} {'MockEntra HTTP':>15} {'peer HTTP':>10} "
          f"{'HTTP vs peer':>13}   target >= {TARGET_VS_PEER:.0f}x")
        for ep in ("discovery", "jwks"):
            row = cmp_[ep]
            P(f"  {ep:<10} {fmt(row.get('mockentra_https')):>16} {fmt(row.get('mockentra_http')):>15} "
              f"{fmt(row.get('peer_http')):>10} {fmt(row.get('ratio_http'), '{:.1f}x'):>13}   {row.get('verdict', '')}")
        P()
    peer = R.get("peer")
    if peer:
        if peer.get("refresh_token"):
            r = peer["refresh_token"]
            P(f"Peer refresh_token (row above, under MockEntra's refresh_token): over HTTP, "
              f"[{r['sample_check']}] - not like for like: MockEntra signs every token, over TLS.")
        if peer.get("ready"):
            P(f"Peer ready time (spawn -> first 200 discovery over HTTP, median of {peer['ready']['runs']}): "
              f"{peer['ready']['median_ms']:.0f} ms")
        P()
    if m.get("noisy_runs"):
        P(f"WARNING: other processes used > 10% of the CPUs during: {', '.join(m['noisy_runs'])}")
    P("Verdict: " + ", ".join(f"{k} {v}" for k, v in R["verdicts"].items()) + f"  => {R['status']}")
    for e in R.get("errors", []):
        P(f"  ERROR: {e}")


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mockentra", default=os.environ.get("MOCKENTRA_BIN", str(REPO / ".build-bench/release/mockentra")),
                    help="command that starts MockEntra (split like a shell); default the release binary")
    ap.add_argument("--scenario", default="Scenarios/default.json")
    ap.add_argument("--ca", default=os.environ.get("MOCKENTRA_CA"), help="CA file (default: caFile from the first line, then Keys/ca.pem)")
    ap.add_argument("--peer-bin", default=os.environ.get("PEER_BIN"), help="oidc-provider-mock executable (run.sh sets it)")
    ap.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 8)), help="seconds per wrk run")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured wrk before each server's first run")
    ap.add_argument("--ready-runs", type=int, default=11)
    ap.add_argument("--speed-seconds", type=int, default=5)
    ap.add_argument("--no-multi", action="store_true", help="skip openssl speed -multi 2")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--floor-bin", default=str(REPO / ".build-bench/floor"),
                    help="the floor server (Benchmarks/floor/floor.c; run.sh builds it)")
    ap.add_argument("--no-floor", action="store_true", help="skip the floor server's client-credentials runs")
    ap.add_argument("--quick", action="store_true", help="short runs to test the harness (numbers not meaningful)")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.warmup, args.ready_runs, args.speed_seconds = 2, 1, 3, 1

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):
        old.unlink()
    started = time.monotonic()

    def git(*a):
        return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True).stdout.strip()

    cpu_model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                      if l.startswith("model name")), platform.processor())
    R = {
        "meta": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": git("rev-parse", "--short", "HEAD") or "?",
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "cpus": os.cpu_count(), "cpu_model": cpu_model, "kernel": platform.release(),
            "openssl": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
            "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines() or ["?"])[0],
            "mockentra": " ".join(mockentra_argv(args)), "wrk_duration_s": args.duration,
            "warmup_s": args.warmup, "quick": args.quick,
        },
        "tokens": [], "memory": {}, "errors": [], "verdicts": {},
    }
    failures = []
    R["meta"]["busy_before"] = round(machine_busy_fraction(), 3)
    R["meta"]["loadavg_start"] = os.getloadavg()[0]

    def sigterm(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, sigterm)

    try:
        # 1. ------------------------------------------------------------ RSA limit
        log(f"openssl speed rsa2048, {args.speed_seconds} s per operation (1 core)")
        R["rsa2048"] = openssl_speed(args.speed_seconds)
        if not args.no_multi:
            log("openssl speed rsa2048 -multi 2")
            R["rsa2048_multi"] = openssl_speed(args.speed_seconds, multi=2)
        sec_per_sig = R["rsa2048"]["seconds_per_sign"]
        sec_per_sig_verify = R["rsa2048"]["seconds_per_sign_plus_verify"]

        # 2. ------------------------------------------------------------ ready time
        log(f"ready time: {args.ready_runs} runs + 1 warm-up")
        R["ready"] = measure_ready(
            "MockEntra (ready)", mockentra_argv(args), args.ready_runs, first_line_port=True,
            tls_ctx_for=lambda info: mockentra_ssl_context(args, info),
            path_for=lambda info: f"/{info.get('tenant', TENANT)}{DISCOVERY_PATH}",
            log_name="mockentra-ready.log")

        # 3-5. --------------------------------------------------------- MockEntra over HTTPS
        log("MockEntra over HTTPS")
        me = start_mockentra(args)
        tenant_path = urllib.parse.urlsplit(me.base_url).path
        me.jwks = fetch_jwks(me, tenant_path + JWKS_PATH)
        R["memory"]["MockEntra HTTPS"] = {"idle": me.memory()}
        warm_up(me, me.base_url, GRANTS[0].lua, args.warmup)
        for grant in GRANTS:
            env = grant.prepare(me) if grant.prepare else {}
            for c in grant.connections:
                log(f"  {grant.name}: {c} connections, {args.duration} s")
                r = run_wrk(me, me.base_url, grant.lua, c, args.duration, env=env, label=f"{grant.name} c={c}")
                r["grant"], r["target"] = grant.name, grant.target
                sample_check_token(r, me.jwks)
                if r["server_cpu_ms_per_ok"] is not None:
                    r["cpu_ratio"] = round(r["server_cpu_ms_per_ok"] / 1000 / sec_per_sig, 3)
                    if grant.target == "sig+verify":
                        r["cpu_ratio_sign_verify"] = round(r["server_cpu_ms_per_ok"] / 1000 / sec_per_sig_verify, 3)
                R["tokens"].append(r)
        R["memory"]["MockEntra HTTPS"]["after tokens"] = me.memory()

        # The floor: TLS + one signature per request and nothing else, same wrk script and
        # connections. What MockEntra costs beyond it is its own work; what the floor costs beyond
        # `openssl speed` is this machine's (loopback TCP, TLS, wrk sharing the cores).
        if not args.no_floor and not Path(args.floor_bin).exists():
            log(f"floor server not found ({args.floor_bin}): its rows are skipped (Benchmarks/run.sh builds it)")
        elif not args.no_floor:
            log("floor server (Benchmarks/floor/floor.c)")
            floor = start_floor(args)
            warm_up(floor, floor.base_url, GRANTS[0].lua, args.warmup)
            R["floor"] = []
            for c in GRANTS[0].connections:
                log(f"  floor client_credentials: {c} connections, {args.duration} s")
                r = run_wrk(floor, floor.base_url, GRANTS[0].lua, c, args.duration, label=f"floor c={c}")
                if r["server_cpu_ms_per_ok"] is not None:
                    r["cpu_ratio"] = round(r["server_cpu_ms_per_ok"] / 1000 / sec_per_sig, 3)
                R["floor"].append(r)
            floor.stop()

        cmp_ = {"connections": 16, "discovery": {}, "jwks": {}, "runs": []}
        R["comparison"] = cmp_

        def get_row(server, key, path, col):
            log(f"  {key} over {col}: 16 connections, {args.duration} s")
            parsed = urllib.parse.urlsplit(server.base_url)
            r = run_wrk(server, f"{parsed.scheme}://{parsed.netloc}{path}", "get.lua", 16, args.duration,
                        label=f"{key} {col}")
            sample_check_json(r, "issuer" if key == "discovery" else "keys")
            r["endpoint"], r["column"] = key, col
            cmp_[key][col] = r["ok_per_s"]
            cmp_["runs"].append(r)

        get_row(me, "discovery", tenant_path + DISCOVERY_PATH, "mockentra_https")
        get_row(me, "jwks", tenant_path + JWKS_PATH, "mockentra_https")
        R["memory"]["MockEntra HTTPS"]["after all"] = me.memory()
        R["mockentra_https_stop"] = me.stop()

        # 6. ------------------------------------------------------------ like for like vs peer
        log("MockEntra --http (the peer's transport)")
        meh = start_mockentra(args, http=True)
        R["memory"]["MockEntra HTTP"] = {"idle": meh.memory()}
        warm_up(meh, meh.base_url + DISCOVERY_PATH, "get.lua", args.warmup)
        get_row(meh, "discovery", tenant_path + DISCOVERY_PATH, "mockentra_http")
        get_row(meh, "jwks", tenant_path + JWKS_PATH, "mockentra_http")
        R["memory"]["MockEntra HTTP"]["after load"] = meh.memory()
        meh.stop()

        if not args.no_peer:
            if not args.peer_bin or not Path(args.peer_bin).exists():
                raise RunFailure(f"peer executable not found ({args.peer_bin!r}); run via Benchmarks/run.sh or pass --no-peer")
            R["meta"]["peer_version"] = peer_version(args.peer_bin)
            log("peer oidc-provider-mock (HTTP)")
            peer_port = free_port()
            peer = start_peer(args.peer_bin, peer_port)
            R["memory"]["peer"] = {"idle": peer.memory()}
            warm_up(peer, f"http://127.0.0.1:{peer_port}{PEER_DISCOVERY_PATH}", "get.lua", args.warmup)
            get_row(peer, "discovery", PEER_DISCOVERY_PATH, "peer_http")
            get_row(peer, "jwks", PEER_JWKS_PATH, "peer_http")
            env = peer_get_refresh_token(peer)
            log(f"  peer refresh_token: 16 connections, {args.duration} s")
            r = run_wrk(peer, peer.base_url, "peer/refresh_token.lua", 16, args.duration, env=env,
                        label="peer refresh_token")
            sample_check_opaque(r)
            R["peer"] = {"refresh_token": r}
            R["memory"]["peer"]["after load"] = peer.memory()
            peer.stop()
            log(f"peer ready time: 3 runs + 1 warm-up")
            R["peer"]["ready"] = measure_ready(
                "peer (ready)", lambda p: [args.peer_bin, "--host", "127.0.0.1", "--port", str(p)], 3,
                first_line_port=False, tls_ctx_for=lambda info: None,
                path_for=lambda info: PEER_DISCOVERY_PATH, port=free_port(), log_name="peer-ready.log",
                limit_s=30)
        for key in ("discovery", "jwks"):
            row = cmp_[key]
            if row.get("peer_http"):
                row["ratio_http"] = round(row["mockentra_http"] / row["peer_http"], 2)
    except RunFailure as err:
        failures.append(str(err))
    except KeyboardInterrupt:
        failures.append("interrupted")
    finally:
        Server.stop_all()

    # ---------------------------------------------------------------- verdicts
    runs = R["tokens"] + R.get("floor", []) + R.get("comparison", {}).get("runs", []) + \
        ([R["peer"]["refresh_token"]] if R.get("peer", {}).get("refresh_token") else [])
    for r in runs:
        if r["non200"] or r["socket_errors"]:
            failures.append(f"{r['label']}: {r['non200']} non-200 responses "
                            f"(first: {r.get('first_non200')}), {r['socket_errors']} socket errors")
        if not r.get("sample_ok", True):
            failures.append(f"{r['label']}: {r['sample_check']}")
    noisy = [r["label"] for r in runs if r.get("other_cpu_share", 0) > 0.10]
    if noisy:
        R["meta"]["noisy_runs"] = noisy
    V = R["verdicts"]
    if R.get("ready"):
        V["ready"] = "PASS" if R["ready"]["median_ms"] <= TARGET_READY_MS else "MISS"
    for r in R["tokens"]:
        if r.get("target") == "sig+verify":
            if r.get("cpu_ratio_sign_verify") is not None:
                r["verdict"] = "PASS" if r["cpu_ratio_sign_verify"] <= TARGET_OBO_RATIO else "MISS"
        elif r.get("cpu_ratio") is not None:
            r["verdict"] = "PASS" if r["cpu_ratio"] <= TARGET_CPU_RATIO else "MISS"
    sig_rows = [r for r in R["tokens"] if r.get("target") != "sig+verify"]
    obo_rows = [r for r in R["tokens"] if r.get("target") == "sig+verify"]
    if sig_rows:
        V["cpu_per_token"] = "PASS" if all(r.get("verdict") == "PASS" for r in sig_rows) else "MISS"
    if obo_rows:
        V["obo_cpu_per_token"] = "PASS" if all(r.get("verdict") == "PASS" for r in obo_rows) else "MISS"
    for key in ("discovery", "jwks"):
        row = R.get("comparison", {}).get(key, {})
        if row.get("ratio_http") is not None:
            row["verdict"] = "PASS" if row["ratio_http"] >= TARGET_VS_PEER else "MISS"
            V[f"{key}_vs_peer"] = row["verdict"]
    R["errors"] = failures
    R["status"] = "FAILED" if failures else ("TARGETS MISSED" if "MISS" in V.values() else "OK")
    R["meta"]["elapsed_s"] = round(time.monotonic() - started, 1)
    R["meta"]["loadavg_end"] = os.getloadavg()[0]

    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(R, indent=2) + "\n")
    try:
        print_table(R)
    except Exception as err:  # a partial run may lack sections; the JSON is already written
        print(f"(table incomplete: {err!r})")
    print(f"\nresults: {RESULTS_DIR / 'latest.json'}   logs: {LOG_DIR}   elapsed {R['meta']['elapsed_s']} s")
    return 1 if failures else (2 if R["status"] == "TARGETS MISSED" else 0)


if __name__ == "__main__":
    sys.exit(main())
