"""Enforce mode (RUNNERLINK_IAM=enforce) on a real server, as far as it goes before IAM users and roles exist: the
account's root user is allowed, an endpoint policy still refuses it with AWS's wording, GetCallerIdentity stays
unauthorized, and the traffic log (JSON and the `runnerlink log` table) names what decided."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.test_endpoint_policy import IMAGE, READ_ONLY, log_entries, private_subnet_with_endpoint, run_calls
from tests.server import InProcessServer

ACCOUNT = "210987654321"


@pytest.fixture(scope="module")
def enforcing():
    running = InProcessServer(lifecycle_delay=0.3, iam="enforce").start()
    yield running
    running.stop()


def test_root_is_allowed_and_the_log_says_why(enforcing):
    apprunner = enforcing.client("apprunner", account=ACCOUNT)
    apprunner.create_service(ServiceName="root-made", SourceConfiguration=IMAGE)
    assert [s["ServiceName"] for s in apprunner.list_services()["ServiceSummaryList"]] == ["root-made"]
    identity = enforcing.client("sts", account=ACCOUNT).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"

    done = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--json", "--limit", "1000", "--endpoint-url",
                           enforcing.url], capture_output=True, text=True, timeout=20)
    entries = {e["operation"]: e for e in map(json.loads, done.stdout.splitlines()) if e["account"] == ACCOUNT}
    created = entries["CreateService"]["decision"]
    assert (created["mode"], created["result"], created["policy"]) == ("enforce", "allowed", "root")
    assert entries["GetCallerIdentity"]["decision"] is None  # answered without authorization, as on AWS

    table = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--operation", "CreateService", "--limit",
                            "1000", "--endpoint-url", enforcing.url], capture_output=True, text=True, timeout=20)
    [row] = [line for line in table.stdout.splitlines() if "root-made" in line or ACCOUNT in line]
    assert "allowed by the account's root user" in row


def test_an_endpoint_policy_still_refuses_root_in_enforce_mode(enforcing):
    account = "210987654322"
    ec2 = enforcing.client("ec2", account=account)
    subnet, endpoint = private_subnet_with_endpoint(ec2, READ_ONLY)
    results = run_calls(enforcing, account, subnet, [
        ["list_services", {}],
        ["create_service", {"ServiceName": "from-the-vpc", "SourceConfiguration": IMAGE}],
    ])
    assert results["list_services"] == ("ok", None)
    assert results["create_service"] == ("AccessDeniedException", (
        f"User: arn:aws:iam::{account}:root is not authorized to perform: apprunner:CreateService on resource: "
        f"arn:aws:apprunner:us-east-1:{account}:service/from-the-vpc/* because no VPC endpoint policy allows the "
        "apprunner:CreateService action"))
    entries = {e["operation"]: e for e in log_entries(enforcing, account)}
    refused = entries["CreateService"]["decision"]
    assert (refused["result"], refused["policy"], refused["policyName"]) == ("implicitDeny", "endpoint", endpoint)

    table = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--operation", "CreateService", "--outcome",
                            "endpoint", "--limit", "1000", "--endpoint-url", enforcing.url],
                           capture_output=True, text=True, timeout=20)
    [row] = [line for line in table.stdout.splitlines() if endpoint in line and "AccessDenied" in line]
    assert f"implicitDeny: no VPC endpoint policy {endpoint} allows" in row
