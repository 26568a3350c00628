"""The sign-in pages in a real browser: headless Chromium (Debian package `chromium`) renders the sign-in page,
then completes a sign-in by submitting the page's own form to a local redirect URI that captures the code.
Skips cleanly when chromium is not installed."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

DESKTOP_ID = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"


def chromium(url: str) -> str:
    """The DOM after load. The development CA is not in Chromium's store, hence --ignore-certificate-errors
    (test material only); --virtual-time-budget lets form submissions and redirects finish."""
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
                 f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url],
                capture_output=True, text=True, timeout=60,
            )
        assert out.returncode == 0, out.stderr[-2000:]
        # On a loaded machine headless Chromium now and then exits 0 having dumped nothing: no page is
        # empty, so that is the browser's hiccup, not an answer; try again.
        if out.stdout.strip():
            return out.stdout
    raise AssertionError(f"Chromium dumped no DOM three times: {out.stderr[-2000:]}")


def authorize_url(server, redirect_uri: str, **extra) -> str:
    query = {"client_id": DESKTOP_ID, "response_type": "code", "redirect_uri": redirect_uri,
             "scope": "api://contoso-api/access_as_user openid", "state": "chromium-state", **extra}
    return f"{server.url}/oauth2/v2.0/authorize?{urlencode(query)}"


def sign_in_in_chromium(server, page: str, username: str, password: str) -> str:
    """The server's real sign-in form from `page`, with the user name and password typed in and its Cancel button
    disarmed, submitted by Chromium itself; returns the DOM the browser lands on."""
    form = re.search(r'<form method="post" action="([^"]+)" id="signin">(.*?)</form>', page, re.S)
    assert form, page
    action = server.host + html.unescape(form.group(1))
    filled = form.group(2).replace('name="passwd" autocomplete="current-password"',
                                   f'name="passwd" autocomplete="current-password" value="{html.escape(password)}"')
    filled = filled.replace('name="login" autocomplete="username" value=""',
                            f'name="login" autocomplete="username" value="{html.escape(username)}"')
    filled = filled.replace('<button type="submit" name="action" value="cancel"', '<button type="button" name="x"')
    assert username in filled and password in filled, f"the form's fields changed: {filled}"
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / "signin.html"
        local.write_text(f'<html><body onload="document.forms[0].requestSubmit(document.getElementById(\'submit\'))">'
                         f'<form method="post" action="{action}">{filled}</form></body></html>')
        return chromium(local.as_uri())


def test_sign_in_page_renders(server):
    dom = chromium(authorize_url(server, "http://localhost:12345", login_hint="alice@contoso.test"))
    assert '<form method="post"' in dom, dom
    assert 'name="passwd"' in dom and 'type="password"' in dom
    assert 'value="alice@contoso.test"' in dom
    assert "Contoso Desktop" in dom


class _Capture(BaseHTTPRequestHandler):
    captured: list = []

    def do_GET(self):
        _Capture.captured.append(self.path)
        body = b"<html><body><p id='captured'>code received</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_sign_in_completes_in_chromium(server):
    app_server = HTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=app_server.serve_forever, daemon=True).start()
    try:
        redirect = f"http://localhost:{app_server.server_port}"
        page = server.session().get(authorize_url(server, redirect), timeout=10).text
        dom = sign_in_in_chromium(server, page, "alice@contoso.test", "alice-password")
        assert "code received" in dom, dom
        arrivals = [p for p in _Capture.captured if "code=" in p]  # (the browser also asks for /favicon.ico)
        assert arrivals, f"the browser followed the 302 to the redirect URI: {_Capture.captured}"
        query = parse_qs(urlparse(arrivals[-1]).query)
        assert query["state"] == ["chromium-state"] and query["code"][0], query
    finally:
        app_server.shutdown()


def test_mfa_step_renders_in_chromium(mockentra_bin):
    """The password form, submitted by Chromium with a step-up `claims` challenge in its context, lands on
    the one-time-code page (Scenarios/conditional-access.json: the Azure SQL policy named in `capolids`)."""
    from conftest import REPO, start_server
    ca = start_server(mockentra_bin, scenario=REPO / "Scenarios" / "conditional-access.json")
    try:
        claims = '{"access_token":{"capolids":{"essential":true,"values":["4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"]}}}'
        query = {"client_id": "a1b2c3d4-3333-4c3c-8c3c-0a1b2c3d4e03", "response_type": "code",
                 "redirect_uri": "http://localhost", "scope": "api://woodgrove-web-api/access_as_user", "claims": claims}
        page = ca.session().get(f"{ca.url}/oauth2/v2.0/authorize?{urlencode(query)}", timeout=10).text
        dom = sign_in_in_chromium(ca, page, "alice@woodgrove.test", "alice-password")
        assert "Enter code" in dom and 'id="otc_code"' in dom, dom
        code = re.search(r'<code id="one-time-code">(\d{6})</code>', dom).group(1)
        assert ca.session().get(f"{ca.host}/_mockentra/users/alice@woodgrove.test/mfa-code", timeout=10).json()["code"] == code
    finally:
        ca.stop()


def test_cross_origin_refresh_with_msal_browsers_headers(server):
    """msal-browser sends every silent refresh with `X-AnchorMailbox` (and `client-request-id`), headers that make
    the browser ask first (CORS preflight). Unless that answer allows POST and those headers, the browser never sends
    the refresh: the page sees only 'Failed to fetch'. A made-up refresh token gets Entra's error, readable
    cross-origin, which proves the call itself went through."""
    script = f"""
      fetch({server.url + '/oauth2/v2.0/token'!r}, {{method: "POST",
        headers: {{"Content-Type": "application/x-www-form-urlencoded", "X-AnchorMailbox": "Oid:x@y",
                   "client-request-id": "6a1b2c3d-0000-4000-8000-000000000000"}},
        body: "grant_type=refresh_token&client_id={DESKTOP_ID}&refresh_token=made-up&scope=openid"}})
      .then(r => r.json().then(j => {{ document.getElementById("result").textContent =
          "status:" + r.status + " codes:" + (j.error_codes || []).join(","); }}))
      .catch(e => {{ document.getElementById("result").textContent = "failed:" + e; }});
    """
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "spa.html"
        page.write_text(f'<html><body><p id="result">pending</p><script>{script}</script></body></html>')
        dom = chromium(page.as_uri())
    result = re.search(r'<p id="result">([^<]*)</p>', dom)
    assert result and result.group(1).startswith("status:400 codes:"), dom
