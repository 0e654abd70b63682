"""Endpoint policies enforced on real clients in a private subnet under `runnerlink exec`: the documentation's read-only
policy, a deny by aws:PrincipalArn, a changed policy on the next request, and the traffic log's account of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.e2e.ec2_fixtures import make_endpoint, make_network

# "Using App Runner with VPC endpoints": an endpoint policy allowing only read-only App Runner calls.
READ_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadOnly", "Effect": "Allow", "Principal": "*",
    "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})
IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}}

# Runs inside the workload: each call's outcome as one JSON line.
CALLS = """
import boto3, botocore.exceptions, json, sys
client = boto3.client("apprunner", region_name="us-east-1")
calls = json.loads(sys.argv[1])
for name, params in calls:
    try:
        getattr(client, name)(**params)
        print(json.dumps([name, "ok", None]))
    except botocore.exceptions.ClientError as error:
        print(json.dumps([name, error.response["Error"]["Code"], error.response["Error"]["Message"]]))
"""


def workload_env(account: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith(("AWS_", "RUNNERLINK_"))}
    return {**env, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def run_calls(server, account: str, subnet: str, calls: list) -> dict[str, tuple[str, str | None]]:
    done = subprocess.run([sys.executable, "-m", "runnerlink", "exec", "--subnet", subnet, "--endpoint-url",
                           server.url, "--", sys.executable, "-c", CALLS, json.dumps(calls)],
                          env=workload_env(account), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {name: (code, message) for name, code, message in map(json.loads, done.stdout.splitlines())}


def log_entries(server, account: str) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--json", "--outcome", "endpoint", "--limit",
                           "1000", "--endpoint-url", server.url], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return [e for e in map(json.loads, done.stdout.splitlines()) if e["account"] == account]


def private_subnet_with_endpoint(ec2, policy: str) -> tuple[str, str]:
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, PolicyDocument=policy)["VpcEndpointId"]
    deadline = time.monotonic() + 10
    while ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return network.subnet_ids[0], endpoint


def test_the_documentations_read_only_endpoint_policy(server, account, ec2, apprunner):
    arn = apprunner.create_service(ServiceName="existing", SourceConfiguration=IMAGE)["Service"]["ServiceArn"]
    subnet, endpoint = private_subnet_with_endpoint(ec2, READ_ONLY)

    results = run_calls(server, account, subnet, [
        ["list_services", {}],
        ["describe_service", {"ServiceArn": arn}],
        ["create_service", {"ServiceName": "from-the-vpc", "SourceConfiguration": IMAGE}],
    ])
    assert results["list_services"] == ("ok", None)
    assert results["describe_service"] == ("ok", None)
    assert results["create_service"] == ("AccessDeniedException", (
        f"User: arn:aws:iam::{account}:root is not authorized to perform: apprunner:CreateService on resource: "
        f"arn:aws:apprunner:us-east-1:{account}:service/from-the-vpc/* because no VPC endpoint policy allows the "
        "apprunner:CreateService action"))
    assert [s["ServiceName"] for s in apprunner.list_services()["ServiceSummaryList"]] == ["existing"]

    entries = {e["operation"]: e for e in log_entries(server, account)}
    for name in ("ListServices", "DescribeService", "CreateService"):
        entry = entries[name]
        assert (entry["source"], entry["outcome"], entry["endpoint"]) == ("vpc", "endpoint", endpoint)
        assert entry["keys"]["aws:SourceVpce"] == endpoint and "aws:SourceIp" not in entry["keys"]
        assert entry["keys"]["aws:VpcSourceIp"].startswith("10.0.1.")
    assert entries["ListServices"]["decision"]["result"] == "allowed"
    assert entries["ListServices"]["decision"]["statement"]["sid"] == "ReadOnly"
    assert entries["CreateService"]["decision"]["result"] == "implicitDeny"
    assert (entries["CreateService"]["status"], entries["CreateService"]["error"]) == (400, "AccessDeniedException")

    table = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--operation", "CreateService", "--limit",
                            "1000", "--endpoint-url", server.url], capture_output=True, text=True, timeout=20)
    [row] = [line for line in table.stdout.splitlines() if account in line and "vpce-" in line]
    assert f"endpoint {endpoint}" in row and "implicitDeny" in row and "AccessDeniedException" in row


def test_a_deny_by_principal_arn_and_a_policy_change_on_the_next_request(server, account, ec2):
    root = f"arn:aws:iam::{account}:root"
    deny_root = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NotTheRoot", "Effect": "Deny", "Principal": "*", "Action": "apprunner:*", "Resource": "*",
         "Condition": {"ArnEquals": {"aws:PrincipalArn": root}}}]})
    subnet, endpoint = private_subnet_with_endpoint(ec2, deny_root)

    results = run_calls(server, account, subnet, [["list_services", {}]])
    assert results["list_services"] == ("AccessDeniedException", (
        f"User: {root} is not authorized to perform: apprunner:ListServices on resource: * with an explicit deny in "
        "a VPC endpoint policy"))
    [entry] = [e for e in log_entries(server, account) if e["operation"] == "ListServices"]
    assert entry["decision"]["result"] == "explicitDeny"
    assert entry["decision"]["statement"]["sid"] == "NotTheRoot"

    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, ResetPolicy=True)
    assert run_calls(server, account, subnet, [["list_services", {}]])["list_services"] == ("ok", None)


CODEBUILD = """
import boto3, botocore.exceptions
try:
    boto3.client("codebuild", region_name="us-east-1").list_projects()
except botocore.exceptions.ClientError as error:
    print(error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
    print(error.response["Error"]["Message"])
"""


def test_a_service_runnerlink_does_not_emulate_is_recorded_then_refused(server, account, ec2):
    network = make_network(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=network.vpc_id)
    [table] = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])["RouteTables"]
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    done = subprocess.run([sys.executable, "-m", "runnerlink", "exec", "--subnet", network.subnet_ids[0],
                           "--public-ip", "--endpoint-url", server.url, "--", sys.executable, "-c", CODEBUILD],
                          env=workload_env(account), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    status, message = done.stdout.strip().split("\n", 1)
    assert status == "NotImplemented 501"
    assert message.startswith("runnerlink does not emulate codebuild: the request to codebuild.us-east-1.amazonaws.com "
                              "went over the internet")

    log = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--json", "--service", "codebuild", "--limit",
                          "1000", "--endpoint-url", server.url], capture_output=True, text=True, timeout=20)
    [entry] = [e for e in map(json.loads, log.stdout.splitlines()) if e["vpc"] == network.vpc_id]
    assert (entry["operation"], entry["outcome"], entry["endpoint"]) == ("ListProjects", "internet", None)
    assert entry["principal"] == f"arn:aws:iam::{account}:root"
    assert entry["hops"][-1]["step"] == "internet-gateway"
    assert entry["keys"]["aws:SourceIp"].startswith("192.0.2.")
