"""`runnerlink policy explain` against a running server's stored state: a VPC endpoint's policy and the account's root
user (IAM users and roles join once the IAM API is merged), in text and JSON, and its refusals of bad questions."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.test_endpoint_policy import READ_ONLY, private_subnet_with_endpoint


def explain(server, *args):
    return subprocess.run([sys.executable, "-m", "runnerlink", "policy", "explain", *args, "--endpoint-url",
                           server.url], capture_output=True, text=True, timeout=20)


def test_root_through_an_endpoint_with_the_read_only_policy(server, account, ec2):
    _, endpoint = private_subnet_with_endpoint(ec2, READ_ONLY)
    root = f"arn:aws:iam::{account}:root"
    listed = explain(server, "--principal", root, "--action", "apprunner:ListServices", "--endpoint", endpoint,
                     "--json")
    assert listed.returncode == 0, listed.stderr
    answer = json.loads(listed.stdout)
    assert answer["decision"] == "allowed" and answer["policies"]["endpoint"] == endpoint
    assert {"policyType": "endpoint", "policy": endpoint, "sid": "ReadOnly", "index": 0,
            "effect": "Allow"} in answer["matchedStatements"]

    service = f"arn:aws:apprunner:us-east-1:{account}:service/web/*"
    created = explain(server, "--principal", root, "--action", "apprunner:CreateService", "--resource", service,
                      "--endpoint", endpoint, "--json")
    assert created.returncode == 1
    answer = json.loads(created.stdout)
    assert answer["decision"] == "implicitDeny" and answer["blockedBy"] == ["endpoint"]
    assert answer["decidedBy"]["policyType"] == "endpoint" and answer["decidedBy"]["policy"] == endpoint
    assert answer["message"] == (f"User: {root} is not authorized to perform: apprunner:CreateService on resource: "
                                 f"{service} because no VPC endpoint policy allows the apprunner:CreateService action")

    text = explain(server, "--principal", root, "--action", "apprunner:CreateService", "--endpoint", endpoint)
    assert text.returncode == 1
    assert text.stdout.startswith(f"implicitDeny: {root} → apprunner:CreateService on *")
    assert "because no VPC endpoint policy allows" in text.stdout and f"endpoint: {endpoint}" in text.stdout
    assert "blocked by: endpoint" in text.stdout

    direct = explain(server, "--principal", root, "--action", "apprunner:CreateService")
    assert direct.returncode == 0 and direct.stdout.startswith("allowed:")


def test_context_keys_reach_the_conditions(server, account, ec2):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "apprunner:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}}]})
    _, endpoint = private_subnet_with_endpoint(ec2, policy)
    root = f"arn:aws:iam::{account}:root"
    base = ("--principal", root, "--action", "apprunner:CreateService", "--endpoint", endpoint)
    assert explain(server, *base).returncode == 1
    assert explain(server, *base, "--context", "aws:RequestTag/team=blue").returncode == 0
    assert explain(server, *base, "--context", "aws:RequestTag/team=red").returncode == 1


def test_bad_questions_are_refused_with_a_reason(server, account):
    unknown = explain(server, "--principal", f"arn:aws:iam::{account}:user/nobody", "--action", "apprunner:List*")
    assert unknown.returncode == 2 and f"No user nobody in account {account}" in unknown.stderr
    bad = explain(server, "--principal", "arn:aws:s3:::bucket", "--action", "apprunner:ListServices")
    assert bad.returncode == 2 and "not a principal ARN" in bad.stderr
    missing = explain(server, "--principal", f"arn:aws:iam::{account}:root", "--action", "apprunner:ListServices",
                      "--endpoint", "vpce-0123456789abcdef0")
    assert missing.returncode == 2 and "vpce-0123456789abcdef0" in missing.stderr
    pair = explain(server, "--principal", f"arn:aws:iam::{account}:root", "--action", "apprunner:ListServices",
                   "--context", "novalue")
    assert pair.returncode == 2 and "KEY=VALUE" in pair.stderr
