"""`mockentra check FILE...`: the scenario steps run, each on its line; the first unmet expectation
stops the run with exit 1 and says what was expected and what came back."""

from __future__ import annotations

import json
import subprocess

from conftest import REPO

TENANT = {"defaultDomain": "check.test"}
APPS = [{"displayName": "Check Daemon", "appId": "11111111-2222-4333-8444-555555555555",
         "passwordCredentials": [{"secretText": "check-secret"}]}]


def _check(mockentra_bin, *paths):
    return subprocess.run([str(mockentra_bin), "check", *map(str, paths)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def _daemon_step(**expect):
    return {"name": "daemon token for Graph",
            "form": {"grant_type": "client_credentials", "client_id": APPS[0]["appId"],
                     "client_secret": "check-secret", "scope": "https://graph.microsoft.com/.default"},
            "expect": expect}


def test_shipped_scenarios_pass_their_steps(mockentra_bin):
    proc = _check(mockentra_bin, REPO / "Scenarios" / "obo-chains.json", REPO / "Scenarios" / "conditional-access.json",
                  REPO / "Scenarios" / "default.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("every step passed") == 2, proc.stdout
    assert "default.json: no steps" in proc.stdout
    assert "ok   The Web API's On-Behalf-Of hop to Azure SQL meets the MFA policy" in proc.stdout
    assert "FAIL" not in proc.stdout


def test_an_unmet_expectation_exits_1_and_says_why(mockentra_bin, tmp_path):
    path = tmp_path / "failing.json"
    path.write_text(json.dumps({"tenant": TENANT, "applications": APPS, "steps": [
        _daemon_step(claims={"aud": "https://graph.microsoft.com"}),
        _daemon_step(error="invalid_client"),
        {"name": "never reached", "advanceClock": 5},
    ]}))
    proc = _check(mockentra_bin, path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("  ok   daemon token for Graph: 200: access token for https://graph.microsoft.com")
               for line in lines), proc.stdout
    assert "  FAIL daemon token for Graph: 200: access token for https://graph.microsoft.com" in proc.stdout
    assert "       at steps[" in proc.stdout, proc.stdout
    assert "error: expected invalid_client, got none" in proc.stdout
    assert "HTTP status: expected" not in proc.stdout
    assert "never reached" not in proc.stdout
    assert lines[-1].endswith("failed")


def test_a_bad_step_is_a_scenario_problem(mockentra_bin, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"tenant": TENANT, "applications": APPS,
                                "steps": [{"form": {"assertion": "{{nobody.access_token}}"}}]}))
    proc = _check(mockentra_bin, path)
    assert proc.returncode == 65, proc.stdout + proc.stderr
    assert "steps[0].form.assertion" in proc.stderr and "no earlier request step with id 'nobody'" in proc.stderr
