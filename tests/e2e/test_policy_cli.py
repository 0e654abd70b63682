"""`runnerlink policy validate` and `runnerlink policy simulate` through a real process (python -m runnerlink)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

ALICE = "arn:aws:iam::111122223333:user/alice"
SESSION = "arn:aws:sts::111122223333:assumed-role/deployer/ci-run"
SERVICE_ARN = "arn:aws:apprunner:us-east-1:111122223333:service/web/8fe1e10304f84fd2b0df550fe98a71fa"
IDENTITY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"},
    {"Sid": "WriteThroughEndpoint", "Effect": "Allow", "Action": ["apprunner:Create*", "apprunner:Pause*"],
     "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f7a8b9"}}},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*"},
]}
ENDPOINT = {"Statement": [{"Sid": "ApprunnerOnly", "Effect": "Allow", "Principal": "*", "Action": "apprunner:*",
                           "Resource": "*"}]}


def runnerlink(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runnerlink", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def case(case_id, action, *, resource="*", context=None, principal=ALICE, **policies):
    request = {"principal": principal, "action": action, "resource": resource}
    if context:
        request["context"] = context
    return {"id": case_id, "request": request, **policies}


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- validate ----------------------------------------------------------------------------------------------------

def test_validate_a_valid_policy(tmp_path):
    path = tmp_path / "identity.json"
    path.write_text(json.dumps(IDENTITY, indent=2))
    result = runnerlink("policy", "validate", str(path), "--type", "identity")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "valid identity policy" in result.stderr


def test_validate_prints_aws_messages(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "apprunner:ListServices", "Resource": "*", "Principal": "*"},
        {"Sid": "A", "Effect": "Allow", "Action": "ListServices", "Resource": "*"}]}))
    result = runnerlink("policy", "validate", str(path), "--type", "identity")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Policy document should not specify a principal.",
        "Statement IDs (SID) in a single policy must be unique.",
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ]


def test_validate_per_type_and_from_stdin():
    endpoint = json.dumps(ENDPOINT)
    assert runnerlink("policy", "validate", "-", "--type", "endpoint", stdin=endpoint).returncode == 0
    result = runnerlink("policy", "validate", "-", "--type", "identity", stdin=endpoint)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "Policy document must be version 2012-10-17 or greater."
    oversized = json.dumps({"Statement": [{**ENDPOINT["Statement"][0], "Action": ["apprunner:" + "x" * 30000]}]})
    result = runnerlink("policy", "validate", "-", "--type", "endpoint", stdin=oversized)
    assert result.returncode == 1 and "20480" in result.stdout


def test_validate_warns_about_privatelink_considerations():
    document = {"Statement": [{**ENDPOINT["Statement"][0],
                               "Condition": {"StringLike": {"aws:PrincipalAccount": "1111*"}}}]}
    result = runnerlink("policy", "validate", "-", "--type", "endpoint", stdin=json.dumps(document))
    assert result.returncode == 0 and result.stdout == ""
    assert "warning: Wildcards are not supported with aws:PrincipalAccount in a VPC endpoint policy: 1111*" in (
        result.stderr)


def test_validate_inline_entity_limit():
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["apprunner:" + "x" * 3000], "Resource": "*"}]})
    assert runnerlink("policy", "validate", "-", "--type", "identity", stdin=document).returncode == 0
    result = runnerlink("policy", "validate", "-", "--type", "identity", "--entity", "user", stdin=document)
    assert result.returncode == 1
    assert result.stdout.strip() == "Maximum policy size of 2048 bytes exceeded for user."


def test_validate_usage_errors(tmp_path):
    assert runnerlink("policy", "validate", str(tmp_path / "missing.json"), "--type", "identity").returncode == 2
    assert runnerlink("policy", "validate", "-", "--type", "bucket", stdin="{}").returncode == 2  # argparse


# --- simulate ----------------------------------------------------------------------------------------------------

def test_simulate_one_case_from_a_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case("list", "apprunner:ListServices", identityPolicies=[IDENTITY]), indent=2))
    result = runnerlink("policy", "simulate", str(path))
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"id": "list", "decision": "allowed", "matchedStatements": [
        {"policyType": "identity", "policy": "identityPolicies[0]", "sid": "Read", "index": 0, "effect": "Allow"}],
        "blockedBy": []}]


def test_simulate_the_three_decisions_as_an_array_on_stdin():
    cases = [
        case("through-endpoint", "apprunner:CreateService", context={"aws:SourceVpce": "vpce-1a2b3c4d5e6f7a8b9"},
             identityPolicies=[{"name": "app-runner-ops", "policy": IDENTITY}],
             vpcEndpointPolicies=[{"name": "vpce-policy", "policy": ENDPOINT}]),
        case("delete", "apprunner:DeleteService", resource=SERVICE_ARN, identityPolicies=[IDENTITY]),
        case("from-internet", "apprunner:CreateService", identityPolicies=[IDENTITY]),
    ]
    result = runnerlink("policy", "simulate", "-", stdin=json.dumps(cases))
    assert result.returncode == 0, result.stderr
    allowed, denied, implicit = lines(result)
    assert allowed["id"] == "through-endpoint" and allowed["decision"] == "allowed"
    assert {(m["policyType"], m["policy"], m["sid"]) for m in allowed["matchedStatements"]} == {
        ("identity", "app-runner-ops", "WriteThroughEndpoint"), ("endpoint", "vpce-policy", "ApprunnerOnly")}
    assert denied["decision"] == "explicitDeny"
    assert [(m["sid"], m["effect"], m["index"]) for m in denied["matchedStatements"]] == [("NoDeletes", "Deny", 2)]
    assert implicit == {"id": "from-internet", "decision": "implicitDeny", "matchedStatements": [],
                        "blockedBy": ["identity"]}


def test_simulate_endpoint_policy_blocks():
    narrow = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "apprunner:List*", "Resource": "*"}]}
    result = runnerlink("policy", "simulate", "-", stdin=json.dumps(case(
        "blocked", "apprunner:PauseService", resource=SERVICE_ARN, context={"aws:SourceVpce": "vpce-1a2b3c4d5e6f7a8b9"},
        identityPolicies=[IDENTITY], vpcEndpointPolicies=[narrow])))
    (out,) = lines(result)
    assert out["decision"] == "implicitDeny" and "endpoint" in out["blockedBy"]


def test_simulate_cases_object_and_scp_levels():
    deny_region = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyEu", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
    full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    scps = [{"orgIdentifier": "r-root", "policies": [{"name": "FullAWSAccess", "policy": full}]},
            {"orgIdentifier": "ou-prod", "policies": [full, deny_region]}]
    document = {"cases": [
        case("eu", "apprunner:ListServices", context={"aws:RequestedRegion": "eu-west-1"},
             identityPolicies=[IDENTITY], serviceControlPolicies=scps),
        case("us", "apprunner:ListServices", context={"aws:RequestedRegion": "us-east-1"},
             identityPolicies=[IDENTITY], serviceControlPolicies=scps),
        case("no-allow-at-ou", "apprunner:ListServices", context={"aws:RequestedRegion": "eu-west-1"},
             identityPolicies=[IDENTITY],
             serviceControlPolicies=[scps[0], {"orgIdentifier": "ou-prod", "policies": [deny_region]}]),
    ]}
    result = runnerlink("policy", "simulate", "-", stdin=json.dumps(document))
    eu, us, missing = lines(result)
    assert eu["decision"] == "allowed"
    assert us["decision"] == "explicitDeny"
    assert [(m["policyType"], m["policy"], m["sid"]) for m in us["matchedStatements"]] == [
        ("scp", "ou-prod[1]", "OnlyEu")]
    assert missing["decision"] == "implicitDeny" and missing["blockedBy"] == ["scp"]


def test_simulate_json_lines_with_a_bad_line_and_a_bad_policy():
    good = case("ok", "apprunner:ListServices", identityPolicies=[IDENTITY])
    bad_policy = case("bad", "apprunner:ListServices",
                      identityPolicies=[{"name": "broken", "policy": {"Version": "2012-10-17", "Statement": {
                          "Effect": "allow", "Action": "apprunner:ListServices", "Resource": "*"}}}])
    text = "\n".join([json.dumps(good), "", "{not json", json.dumps(bad_policy), json.dumps(good)]) + "\n"
    result = runnerlink("policy", "simulate", "-", stdin=text)
    assert result.returncode == 1
    first, line_error, policy_error, last = lines(result)
    assert first["decision"] == "allowed" and last["decision"] == "allowed"
    assert line_error["id"] == 2 and line_error["error"].startswith("line 3 is not JSON")
    assert policy_error == {"id": "bad", "error": "broken (identity policy): The policy failed legacy parsing"}


@pytest.mark.parametrize(("bad_case", "error"), [
    ({"id": "x"}, '"request" must be an object with "principal" and "action"'),
    ({"id": "x", "request": {"principal": ALICE}}, "request.action must be a non-empty string"),
    ({"id": "x", "request": {"principal": ALICE, "action": "apprunner:ListServices", "context": []}},
     "request.context must be an object of condition keys"),
    ({"id": "x", "request": {"principal": ALICE, "action": "a:b"}, "identityPolicy": {}},
     "unknown case key(s): identityPolicy (expected description, id, identityPolicies, permissionBoundaries, "
     "request, resourceControlPolicies, resourcePolicy, serviceControlPolicies, sessionPolicy, trustPolicy, "
     "vpcEndpointPolicies)"),
    ({"id": "x", "request": {"principal": ALICE, "action": "a:b"}, "identityPolicies": {}},
     "identityPolicies must be a list of policies"),
    ({"id": "x", "request": {"principal": ALICE, "action": "a:b"}, "identityPolicies": [7]},
     "identityPolicies[0]: a policy must be a JSON object (or a JSON string holding one)"),
    ({"id": "x", "request": {"principal": ALICE, "action": "a:b"}, "vpcEndpointPolicies": [
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]},
     "vpcEndpointPolicies[0] (endpoint policy): Missing required field Principal."),
])
def test_simulate_invalid_cases_give_an_error_line(bad_case, error):
    good = case("ok", "apprunner:ListServices", identityPolicies=[IDENTITY])
    result = runnerlink("policy", "simulate", "-", stdin=json.dumps([bad_case, good]))
    assert result.returncode == 1, result.stderr
    out, ok = lines(result)
    assert out == {"id": "x", "error": error}
    assert ok["decision"] == "allowed"


def test_simulate_assumed_role_session_and_principal_keys():
    by_role = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DeployerOnly", "Effect": "Allow", "Action": "apprunner:StartDeployment", "Resource": "*",
         "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deployer"}}}]}
    result = runnerlink("policy", "simulate", "-", stdin=json.dumps(case(
        "session", "apprunner:StartDeployment", principal=SESSION, resource=SERVICE_ARN,
        identityPolicies=[by_role])))
    (out,) = lines(result)
    assert out["decision"] == "allowed", out


def test_simulate_unreadable_input():
    result = runnerlink("policy", "simulate", "-", stdin='{"cases": [\n  {"id": 1,\n')
    assert result.returncode == 2
    assert "cannot read the cases: not JSON" in result.stderr


def test_simulate_a_trust_policy_must_allow_too():
    role = "arn:aws:iam::111122223333:role/target"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "111122223333"}}]}
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    cases = [case("trusted", "sts:AssumeRole", resource=role, trustPolicy=trust, identityPolicies=[everything]),
             case("no-identity", "sts:AssumeRole", resource=role, trustPolicy=trust),
             case("untrusting", "sts:AssumeRole", resource=role, identityPolicies=[everything],
                  trustPolicy={**trust, "Statement": [{**trust["Statement"][0],
                                                       "Principal": {"Service": "apprunner.amazonaws.com"}}]}),
             case("both", "sts:AssumeRole", resource=role, trustPolicy=trust, resourcePolicy=trust)]
    trusted, no_identity, untrusting, both = lines(runnerlink("policy", "simulate", "-", stdin=json.dumps(cases)))
    assert trusted["decision"] == "allowed"
    assert no_identity["decision"] == "implicitDeny" and no_identity["blockedBy"] == ["identity"]
    assert untrusting["decision"] == "implicitDeny" and untrusting["blockedBy"] == ["resource"]
    assert "not both" in both["error"]
