"""The JSON Schema and the scenario loader agree: every shipped scenario passes both, and typical
mistakes fail both."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, SCENARIOS_DIR, default_scenario_document, load_json5

SCHEMA = REPO / "Scenarios" / "scenario.schema.json"
SHIPPED = sorted(p for p in (REPO / "Scenarios").glob("*.json") if not p.name.endswith(".schema.json"))
OURS = sorted(SCENARIOS_DIR.glob("*.json"))


@pytest.fixture(scope="module")
def validator():
    assert SCHEMA.is_file(), f"{SCHEMA.relative_to(REPO)} is missing: the scenario format has no JSON Schema"
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_there_are_shipped_scenarios():
    assert any(p.name == "default.json" for p in SHIPPED), SHIPPED


def test_json5_reader():
    assert load_json5('{"a": "x // not a comment", /* c */ "b": [1, 2,], // c\n "c": "\\"/*",}') == {
        "a": "x // not a comment", "b": [1, 2], "c": '"/*'}


@pytest.mark.parametrize("path", SHIPPED + OURS, ids=lambda p: str(p.relative_to(REPO)))
def test_scenario_matches_schema(validator, path):
    document = load_json5(path.read_text())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", SHIPPED + OURS, ids=lambda p: str(p.relative_to(REPO)))
def test_scenario_loads(mockentra_bin, path):
    proc = subprocess.run([str(mockentra_bin), "validate", str(path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _mutations():
    """(name, change) pairs: each makes the default scenario invalid for the loader and the schema alike."""
    def typo_top_level(d):
        d["aplications"] = d.pop("applications")

    def typo_in_application(d):
        d["applications"][0]["displayname"] = "x"

    def application_without_name(d):
        del d["applications"][0]["displayName"]

    def bad_token_version(d):
        d["applications"][1]["api"]["requestedAccessTokenVersion"] = 3

    def bad_member_type(d):
        d["applications"][1]["appRoles"][0]["allowedMemberTypes"] = ["Robot"]

    def secret_without_text(d):
        del d["applications"][0]["passwordCredentials"][0]["secretText"]

    def tenant_missing(d):
        del d["tenant"]

    def optional_claim_name_not_a_string(d):
        d["applications"][1]["optionalClaims"]["accessToken"][0]["name"] = 7

    def optional_claims_unknown_token_type(d):
        d["applications"][1]["optionalClaims"]["acessToken"] = []

    def optional_claim_unknown_property(d):
        d["applications"][1]["optionalClaims"]["accessToken"][0]["essentail"] = True

    def optional_claim_without_name(d):
        del d["applications"][1]["optionalClaims"]["accessToken"][0]["name"]

    def personal_accounts_with_v1_tokens(d):
        d["applications"][1]["signInAudience"] = "AzureADandPersonalMicrosoftAccount"
        d["applications"][1]["api"]["requestedAccessTokenVersion"] = 1

    def scope_value_with_a_quote(d):
        d["applications"][1]["api"]["oauth2PermissionScopes"][0]["value"] = 'say"hi'

    def app_role_value_starting_with_a_dot(d):
        d["applications"][1]["appRoles"][0]["value"] = ".Read"

    def optional_claim_unknown_source(d):
        d["applications"][1]["optionalClaims"]["accessToken"][0]["source"] = "group"

    def named_location_too_broad(d):
        d["namedLocations"] = [{"displayName": "Everywhere", "ipRanges": [{"cidrAddress": "0.0.0.0/8"}]}]

    def step_with_form_and_clock(d):
        d["steps"] = [{"form": {"grant_type": "password"}, "advanceClock": 60}]

    def step_expectation_typo(d):
        d["steps"] = [{"form": {"grant_type": "password"}, "expect": {"claim": {"scp": "x"}}}]

    def step_form_value_not_a_string(d):
        d["steps"] = [{"form": {"grant_type": 7}}]

    def clock_step_with_an_expectation(d):
        d["steps"] = [{"advanceClock": 60, "expect": {"status": 200}}]

    def step_code_too_large(d):
        d["steps"] = [{"form": {"grant_type": "password"}, "expect": {"code": 10000000}}]

    def step_form_value_null(d):
        d["steps"] = [{"form": {"grant_type": "client_credentials", "client_secret": None}}]

    def control_step_outside_the_control_api(d):
        d["steps"] = [{"control": "POST /common/oauth2/v2.0/token"}]

    def control_step_with_a_form(d):
        d["steps"] = [{"control": "POST /_mockentra/signin", "form": {"a": "b"}}]

    def control_get_with_a_body(d):
        d["steps"] = [{"control": "GET /_mockentra/clock", "body": {}}]

    def control_step_with_a_null_body(d):
        d["steps"] = [{"control": "POST /_mockentra/clock", "body": None}]

    def control_path_with_a_trailing_newline(d):
        d["steps"] = [{"control": "GET /_mockentra/clock\n"}]

    def control_path_with_a_control_character(d):
        d["steps"] = [{"control": "GET /_mockentra/clo\u001fck"}]

    def fault_with_a_success_status(d):
        d["faults"] = [{"status": 200}]

    def fault_with_an_unknown_grant(d):
        d["faults"] = [{"grantType": "device_code"}]

    def _blueprint(d):
        return next(a for a in d["applications"] if "inheritablePermissions" in a)

    def inheritable_scopes_unknown_kind(d):
        _blueprint(d)["inheritablePermissions"][0]["inheritableScopes"] = {"kind": "everything"}

    def inheritable_permission_without_resource(d):
        del _blueprint(d)["inheritablePermissions"][0]["resourceAppId"]

    def inheritable_roles_without_kind(d):
        _blueprint(d)["inheritablePermissions"][0]["inheritableRoles"] = {}

    def inheritable_scopes_listed_without_enumerated(d):
        _blueprint(d)["inheritablePermissions"][0]["inheritableScopes"] = {"kind": "none", "scopes": ["access_as_user"]}

    def inheritable_scopes_kind_contradicting_type(d):
        _blueprint(d)["inheritablePermissions"][0]["inheritableScopes"] = {
            "kind": "allAllowed", "@odata.type": "#microsoft.graph.noScopes"}

    def inheritable_scopes_enumerated_without_list(d):
        _blueprint(d)["inheritablePermissions"][0]["inheritableScopes"] = {"kind": "enumerated"}

    def _agent_policy(d, **conditions):
        d["conditionalAccessPolicies"] = [{
            "displayName": "Agents", "state": "enabled",
            "conditions": {"clientApplications": {"includeAgentIdServicePrincipals": ["All"]},
                           "applications": {"includeApplications": ["All"]}, **conditions},
            "grantControls": {"operator": "OR", "builtInControls": ["block"]}}]
        return d["conditionalAccessPolicies"][0]

    def workload_policy_asking_for_mfa(d):
        _agent_policy(d)["grantControls"]["builtInControls"] = ["mfa"]

    def workload_policy_with_users(d):
        _agent_policy(d, users={"includeUsers": ["All"]})

    def workload_policy_with_sign_in_risk(d):
        _agent_policy(d, signInRiskLevels=["high"])

    def user_policy_with_agent_risk(d):
        policy = _agent_policy(d, agentIdRiskLevels="high")
        del policy["conditions"]["clientApplications"]
        policy["conditions"]["users"] = {"includeUsers": ["All"]}

    def agent_risk_with_a_space(d):
        _agent_policy(d, agentIdRiskLevels="medium, high")

    def agent_user_with_a_password(d):
        next(u for u in d["users"] if "identityParentId" in u)["password"] = "p"

    return [inheritable_scopes_unknown_kind, inheritable_permission_without_resource, inheritable_roles_without_kind,
            inheritable_scopes_listed_without_enumerated, inheritable_scopes_kind_contradicting_type,
            inheritable_scopes_enumerated_without_list, agent_user_with_a_password, workload_policy_asking_for_mfa,
            workload_policy_with_users, workload_policy_with_sign_in_risk, user_policy_with_agent_risk, agent_risk_with_a_space,
            fault_with_a_success_status, fault_with_an_unknown_grant, control_get_with_a_body, control_step_with_a_null_body, control_path_with_a_trailing_newline,
            control_path_with_a_control_character, control_step_outside_the_control_api, control_step_with_a_form, step_with_form_and_clock, step_expectation_typo, step_form_value_not_a_string,
            clock_step_with_an_expectation, step_code_too_large, step_form_value_null,
            personal_accounts_with_v1_tokens, scope_value_with_a_quote, app_role_value_starting_with_a_dot,
            optional_claim_unknown_source, named_location_too_broad, typo_top_level, typo_in_application, application_without_name, bad_token_version, bad_member_type,
            secret_without_text, tenant_missing, optional_claim_name_not_a_string, optional_claims_unknown_token_type,
            optional_claim_unknown_property, optional_claim_without_name]


def test_the_unmutated_copy_passes_both(validator, mockentra_bin, tmp_path):
    """The mutation tests start from this copy: were it refused already (a relative certificate
    path that no longer resolves, say), every mutation would be "refused" and prove nothing."""
    document = default_scenario_document()
    path = tmp_path / "default-copy.json"
    path.write_text(json.dumps(document))
    assert not list(validator.iter_errors(document))
    proc = subprocess.run([str(mockentra_bin), "validate", str(path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_schema_and_loader_reject_the_same_mistakes(validator, mockentra_bin, tmp_path, mutate):
    document = default_scenario_document()
    mutate(document)
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    schema_errors = list(validator.iter_errors(document))
    proc = subprocess.run([str(mockentra_bin), "validate", str(path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert schema_errors, "the schema accepts it"
    assert proc.returncode != 0, f"the loader accepts it: {proc.stdout}{proc.stderr}"
