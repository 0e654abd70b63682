"""Workloads and the subnet gateway: real clients under `runnerlink exec` reach AWS by its real hostnames, along the
path the subnet gives them (through an endpoint, over the internet, or nowhere, promptly)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.server import RunningServer

LIST_SERVICES = """
import boto3, botocore.exceptions, sys
client = boto3.client("apprunner", region_name="us-east-1")
try:
    print("services", len(client.list_services()["ServiceSummaryList"]))
except botocore.exceptions.BotoCoreError as error:
    cause = error.kwargs.get("error")
    print("failed", type(error).__name__, error, cause, file=sys.stderr)
    sys.exit(7)
"""


def workload_env(account: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith("AWS_") and not k.startswith("RUNNERLINK_")}
    return {**env, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}  # exec drops it: requests go by their real hostnames


def runnerlink(server, account: str, *args: str, timeout: float = 60, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "runnerlink", *args], env={**workload_env(account), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def exec_in(server, account: str, subnet: str, *command: str, options: tuple[str, ...] = (), env: dict | None = None):
    return runnerlink(server, account, "exec", "--subnet", subnet, "--endpoint-url", server.url, *options, "--",
                      *command, env=env)


def traffic(server, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"limit": 1000, **filters}.items())
    with urllib.request.urlopen(f"{server.url}/_runnerlink/traffic?{query}", timeout=5) as response:
        return json.load(response)["requests"]


def workloads(server, account: str) -> list[dict]:
    with urllib.request.urlopen(f"{server.url}/_runnerlink/workloads?account={account}", timeout=5) as response:
        return json.load(response)["workloads"]


def make_public(ec2, network) -> None:
    """An internet gateway and a default route to it in the VPC's main route table."""
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=network.vpc_id)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]},
                                                {"Name": "association.main", "Values": ["true"]}])
    ec2.create_route(RouteTableId=tables["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=igw)


def wait_available(ec2, endpoint_id: str) -> None:
    deadline = time.monotonic() + 10
    while ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_boto3_in_a_private_subnet_reaches_app_runner_through_its_endpoint(server, account, ec2):
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"]
    wait_available(ec2, endpoint)

    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "services 0"

    [entry] = [e for e in traffic(server, operation="ListServices") if e["account"] == account]
    assert (entry["source"], entry["outcome"], entry["endpoint"]) == ("vpc", "endpoint", endpoint)
    assert entry["subnet"] == network.subnet_ids[0] and entry["host"] == "apprunner.us-east-1.amazonaws.com"
    assert entry["address"].startswith("10.0.1.")
    assert [hop["step"] for hop in entry["hops"]] == ["dns", "route", "security-group", "endpoint"]
    assert workloads(server, account) == []  # removed when the command exited


def test_private_subnet_without_an_endpoint_fails_fast_naming_the_hop(server, account, ec2):
    network = make_network(ec2)
    started = time.monotonic()
    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES,
                     env={"AWS_MAX_ATTEMPTS": "1"})  # botocore retries connection errors, with backoff
    assert result.returncode == 7
    assert time.monotonic() - started < 6  # two Python start-ups and one refused CONNECT: never a hang
    assert "failed ProxyConnectionError" in result.stderr
    assert "502" in result.stderr and "no route from rtb-" in result.stderr
    assert "apprunner.us-east-1.amazonaws.com" in result.stderr

    refused = [e for e in traffic(server, outcome="unreachable") if e["vpc"] == network.vpc_id]
    assert refused and refused[0]["hops"][-1]["ok"] is False
    assert refused[0]["hops"][-1]["step"] == "route"


def test_public_subnet_without_an_endpoint_goes_over_the_internet(server, account, ec2):
    network = make_network(ec2)
    make_public(ec2, network)
    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES,
                     options=("--public-ip",))
    assert result.returncode == 0, result.stderr
    [entry] = [e for e in traffic(server, operation="ListServices") if e["account"] == account]
    assert (entry["source"], entry["outcome"], entry["endpoint"]) == ("vpc", "internet", None)
    assert [hop["step"] for hop in entry["hops"]][-1] == "internet-gateway"


def test_without_a_public_address_the_internet_gateway_does_not_carry_it(server, account, ec2):
    network = make_network(ec2)
    make_public(ec2, network)
    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES,
                     options=("--no-public-ip",), env={"AWS_MAX_ATTEMPTS": "1"})
    assert result.returncode == 7
    assert "502" in result.stderr


def test_aws_cli_and_curl_through_the_gateway(server, account, ec2):
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    result = exec_in(server, account, network.subnet_ids[0], "aws", "apprunner", "list-services",
                     "--output", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ServiceSummaryList": []}

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    curl = ("curl -sS --fail-with-body https://apprunner.us-east-1.amazonaws.com/ -d '{}' "
            "-H 'x-amz-target: AppRunner.ListServices' -H 'content-type: application/x-amz-json-1.0' "
            f"-H 'authorization: AWS4-HMAC-SHA256 Credential={account}/20240101/us-east-1/apprunner/aws4_request, "
            "SignedHeaders=host, Signature=0'")
    result = exec_in(server, account, network.subnet_ids[0], "sh", "-c", curl)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ServiceSummaryList": []}


def test_plain_http_absolute_form_requests(server, account, ec2):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    network = make_network(ec2)
    make_public(ec2, network)
    curl = ("curl -sS http://ec2.us-east-1.amazonaws.com/ -d 'Action=DescribeVpcs&Version=2016-11-15' "
            f"-H 'authorization: AWS4-HMAC-SHA256 Credential={account}/20240101/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0'")
    result = exec_in(server, account, network.subnet_ids[0], "sh", "-c", curl, options=("--public-ip",))
    assert result.returncode == 0, result.stderr
    assert network.vpc_id in result.stdout
    [entry] = [e for e in traffic(server, operation="DescribeVpcs") if e["vpc"] == network.vpc_id]
    assert entry["outcome"] == "internet" and entry["host"] == "ec2.us-east-1.amazonaws.com"


def test_exec_passes_the_exit_status_through_and_removes_the_workload(server, account, ec2):
    network = make_network(ec2)
    script = "import os, sys; print(os.environ['HTTPS_PROXY'].split('@')[1], 'AWS_ENDPOINT_URL' in os.environ); sys.exit(3)"
    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", script)
    assert result.returncode == 3
    assert result.stdout.split() == [f"127.0.0.1:{server.gateway_port}", "False"]
    assert workloads(server, account) == []
    subnet = ec2.describe_subnets(SubnetIds=[network.subnet_ids[0]])["Subnets"][0]
    assert subnet["AvailableIpAddressCount"] == 251  # the workload's address is back


def test_env_prints_the_settings_and_leaves_the_workload(server, account, ec2):
    network = make_network(ec2)
    result = runnerlink(server, account, "env", "--subnet", network.subnet_ids[1], "--security-group",
                        network.group_id, "--endpoint-url", server.url)
    assert result.returncode == 0, result.stderr
    exports = dict(line[len("export "):].split("=", 1) for line in result.stdout.splitlines()
                   if line.startswith("export "))
    assert "unset AWS_ENDPOINT_URL" in result.stdout.splitlines()
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        assert exports[name].startswith("http://wl-") and exports[name].endswith(f"@127.0.0.1:{server.gateway_port}")
    for name in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        assert exports[name] == server.health()["gateway"]["caBundle"]
    assert open(exports["AWS_CA_BUNDLE"]).read().startswith("-----BEGIN CERTIFICATE-----")

    [workload] = workloads(server, account)
    assert exports["HTTPS_PROXY"].startswith(f"http://{workload['WorkloadId']}:")
    assert workload["SubnetId"] == network.subnet_ids[1] and workload["SecurityGroupIds"] == [network.group_id]
    assert workload["PrivateIp"].startswith("10.0.2.") and workload["PublicIp"] is None
    assert "Token" not in workload

    listed = runnerlink(server, account, "workloads", "--endpoint-url", server.url)
    assert workload["WorkloadId"] in listed.stdout
    removed = runnerlink(server, account, "workloads", "--endpoint-url", server.url, "rm", workload["WorkloadId"])
    assert removed.returncode == 0, removed.stderr
    assert workloads(server, account) == []
    again = runnerlink(server, account, "workloads", "--endpoint-url", server.url, "rm", workload["WorkloadId"])
    assert again.returncode == 1 and "NotFound" in again.stderr


def test_exec_rejects_an_unknown_subnet(server, account):
    result = exec_in(server, account, "subnet-0123456789abcdef0", "true")
    assert result.returncode == 1
    assert "InvalidSubnetID.NotFound" in result.stderr


def test_the_gateway_wants_the_workload_credentials(server):
    with socket.create_connection(("127.0.0.1", server.gateway_port), timeout=5) as sock:
        sock.sendall(b"CONNECT apprunner.us-east-1.amazonaws.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 407 ")
    wrong = base64.b64encode(b"wl-0123456789abcdef0:nope")
    with socket.create_connection(("127.0.0.1", server.gateway_port), timeout=5) as sock:
        sock.sendall(b"CONNECT apprunner.us-east-1.amazonaws.com:443 HTTP/1.1\r\nHost: x\r\n"
                     b"Proxy-Authorization: Basic " + wrong + b"\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 407 ")


def test_the_ca_is_kept_in_the_state_directory_across_restarts(tmp_path):
    first = RunningServer(state=tmp_path).start()
    try:
        bundle = first.health()["gateway"]["caBundle"]
        ca = (tmp_path / "ca" / "ca.pem").read_bytes()
        assert bundle == str(tmp_path / "ca" / "bundle.pem")
        assert open(bundle, "rb").read().startswith(ca)
    finally:
        assert first.stop() == 0
    second = RunningServer(state=tmp_path).start()
    try:
        assert (tmp_path / "ca" / "ca.pem").read_bytes() == ca
        assert second.health()["gateway"]["caBundle"] == bundle
    finally:
        assert second.stop() == 0
