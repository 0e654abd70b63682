"""The scenarios of issue 5 ("How it is shown"), each run by real clients under `runnerlink exec` through the subnet
gateway. Scenarios already covered by another module are only mapped here; this module adds those that were shown
only by `trace` (which sends nothing), and a few neighbours.

Scenario → test (tests/e2e/…):
- private VPC, no endpoint: boto3 fails visibly and fast
    test_gateway.py::test_private_subnet_without_an_endpoint_fails_fast_naming_the_hop
    here: test_private_vpc_without_an_endpoint_fails_within_seconds (the refusal itself takes < 1 s)
- apprunner endpoint with DNS name on: calls succeed, the log shows the endpoint and aws:SourceVpce
    test_gateway.py::test_boto3_in_a_private_subnet_reaches_app_runner_through_its_endpoint
    test_endpoint_policy.py::test_the_documentations_read_only_endpoint_policy (aws:SourceVpce, no aws:SourceIp)
- DNS name off: the default name goes over the internet from a public subnet and fails from a private one; the
  endpoint-specific URL (endpoint_url=https://vpce-….apprunner.us-east-1.vpce.amazonaws.com) works from both
    here: test_dns_name_off_default_name_and_the_endpoint_specific_url
- a NAT path (private subnet → NAT gateway in a public subnet; aws:SourceIp is the NAT's Elastic IP)
    here: test_nat_path_appears_as_the_elastic_ip
- a security group without 443 (fails naming the group; opening 443 lets the next request through)
    here: test_security_group_without_443_fails_naming_the_group
- the documentation's read-only endpoint policy (List/Describe allowed, CreateService denied in AWS's words)
    test_endpoint_policy.py::test_the_documentations_read_only_endpoint_policy
- a policy that denies by aws:PrincipalArn (and a changed policy applying to the next request)
    test_endpoint_policy.py::test_a_deny_by_principal_arn_and_a_policy_change_on_the_next_request
- an AWS CLI call
    test_gateway.py::test_aws_cli_and_curl_through_the_gateway
    here: test_aws_cli_is_refused_by_the_read_only_policy
- Terraform applying App Runner resources from inside a private subnet through the endpoint (marked terraform)
    test_gateway_terraform.py::test_terraform_applies_through_the_endpoint (and …_fails_naming_the_hop)
- codebuild from a public subnet with no codebuild endpoint, recorded as going over the internet
    test_endpoint_policy.py::test_a_service_runnerlink_does_not_emulate_is_recorded_then_refused
- neighbours: an endpoint still pending does not serve, VPC DNS support off
    here: test_pending_endpoint_and_dns_support_off_through_the_gateway
- neighbours: EC2 and STS requests through their own endpoints
    here: test_ec2_and_sts_through_their_endpoints
- runnerlink's own commands in a shell set up by `eval "$(runnerlink env …)"` (README's "Inside a VPC")
    here: test_runnerlink_commands_work_in_a_shell_set_up_by_env
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import settle
from tests.e2e.ec2_fixtures import make_endpoint, make_network, make_vpc
from tests.e2e.test_gateway import exec_in, traffic, wait_available, workload_env
from tests.e2e.test_network_trace import public_subnet
from tests.server import RunningServer

HOST = "apprunner.us-east-1.amazonaws.com"

# Runs inside the workload: ListServices (against argv[1] when given) → "ok N", or "error CLASS MESSAGE CAUSE" and
# exit 7; the call's own duration (without Python's start-up) goes to stderr as "took SECONDS".
LIST = """
import boto3, botocore.exceptions, sys, time
url = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
client = boto3.client("apprunner", region_name="us-east-1", endpoint_url=url)
started = time.monotonic()
try:
    print("ok", len(client.list_services()["ServiceSummaryList"]))
except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
    print("error", type(error).__name__, error, getattr(error, "kwargs", {}).get("error", ""))
    sys.exit(7)
finally:
    print("took", time.monotonic() - started, file=sys.stderr)
"""

ONE_TRY = {"AWS_MAX_ATTEMPTS": "1"}


def list_services(server, account: str, subnet: str, url: str = "", options: tuple[str, ...] = (),
                  env: dict | None = None):
    return exec_in(server, account, subnet, sys.executable, "-c", LIST, url, options=options, env=env)


def mine(server, account: str, **filters) -> list[dict]:
    return [e for e in traffic(server, **filters) if e["account"] == account]


def took(result) -> float:
    return float(result.stderr.rsplit("took ", 1)[1])


def test_private_vpc_without_an_endpoint_fails_within_seconds(server, account, ec2):
    """The refusal itself is immediate: one attempt's CONNECT is answered 502 in well under a second. With boto3's
    default retries the failure still comes within seconds, but those are the client's own backoff (legacy mode: up
    to 5 attempts, random waits of at most 1+2+4+8 s), so this test asks for one attempt (AWS_MAX_ATTEMPTS=1)."""
    network = make_network(ec2)
    started = time.monotonic()
    result = list_services(server, account, network.subnet_ids[0], env=ONE_TRY)
    assert result.returncode == 7, result.stdout + result.stderr
    assert time.monotonic() - started < 5
    assert took(result) < 1
    assert result.stdout.startswith("error ProxyConnectionError")
    assert "no route from rtb-" in result.stdout and HOST in result.stdout
    [refused] = mine(server, account, outcome="unreachable")
    assert (refused["host"], refused["status"], refused["subnet"]) == (HOST, 502, network.subnet_ids[0])
    assert refused["hops"][-1] == {**refused["hops"][-1], "step": "route", "ok": False}


def test_dns_name_off_default_name_and_the_endpoint_specific_url(server, account, ec2):
    network = make_network(ec2)
    public_subnet(ec2, network, 0)  # subnet 0: IGW route and public IPs on launch; subnet 1 stays private
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=False)
    wait_available(ec2, endpoint["VpcEndpointId"])
    public, private = network.subnet_ids

    # The default name: over the internet from the public subnet, nowhere from the private one.
    result = list_services(server, account, public)
    assert result.stdout.strip() == "ok 0", result.stdout + result.stderr
    [entry] = mine(server, account, operation="ListServices")
    assert (entry["outcome"], entry["endpoint"], entry["subnet"]) == ("internet", None, public)
    assert entry["keys"]["aws:SourceIp"].startswith("192.0.2.") and "aws:SourceVpce" not in entry["keys"]
    assert entry["hops"][-1]["step"] == "internet-gateway"

    result = list_services(server, account, private, env=ONE_TRY)
    assert result.returncode == 7 and "ProxyConnectionError" in result.stdout
    assert "no route from rtb-" in result.stdout

    # The endpoint-specific name reaches the endpoint from both subnets.
    name = endpoint["DnsEntries"][0]["DnsName"]
    assert name.startswith(endpoint["VpcEndpointId"] + "-") and name.endswith(".apprunner.us-east-1.vpce.amazonaws.com")
    for subnet in (public, private):
        result = list_services(server, account, subnet, f"https://{name}")
        assert result.stdout.strip() == "ok 0", result.stdout + result.stderr
    through = [e for e in mine(server, account, operation="ListServices") if e["outcome"] == "endpoint"]
    assert [e["subnet"] for e in through] == [public, private]
    for e in through:
        assert e["host"] == name and e["endpoint"] == endpoint["VpcEndpointId"]
        assert e["keys"]["aws:SourceVpce"] == endpoint["VpcEndpointId"] and "aws:SourceIp" not in e["keys"]


def test_nat_path_appears_as_the_elastic_ip(server, account, ec2):
    network = make_network(ec2)
    public_subnet(ec2, network, 0)
    address = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=network.subnet_ids[0], AllocationId=address["AllocationId"])
    nat_id = nat["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet_ids[1])
    settle()  # the NAT gateway becomes available

    result = list_services(server, account, network.subnet_ids[1], options=("--no-public-ip",))
    assert result.stdout.strip() == "ok 0", result.stdout + result.stderr
    [entry] = mine(server, account, operation="ListServices")
    assert (entry["outcome"], entry["subnet"]) == ("internet", network.subnet_ids[1])
    assert entry["address"].startswith("10.0.2.")
    assert entry["keys"]["aws:SourceIp"] == address["PublicIp"]
    assert [h["step"] for h in entry["hops"]] == ["dns", "route", "security-group", "nat", "internet-gateway"]
    assert nat_id in " ".join(h["detail"] for h in entry["hops"])


def test_security_group_without_443_fails_naming_the_group(server, account, ec2):
    network = make_network(ec2)
    closed = ec2.create_security_group(GroupName="closed", Description="closed", VpcId=network.vpc_id)["GroupId"]
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, SecurityGroupIds=[closed])["VpcEndpointId"]
    wait_available(ec2, endpoint)

    started = time.monotonic()
    result = list_services(server, account, network.subnet_ids[0], env=ONE_TRY)
    assert time.monotonic() - started < 8
    assert result.returncode == 7 and "ProxyConnectionError" in result.stdout
    assert f"security group {closed} of {endpoint} does not admit TCP 443 from 10.0.1." in result.stdout
    [refused] = mine(server, account, outcome="unreachable")
    assert refused["hops"][-1]["step"] == "security-group" and not refused["hops"][-1]["ok"]

    # Opening 443 to the VPC lets the next request through.
    ec2.authorize_security_group_ingress(GroupId=closed, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    result = list_services(server, account, network.subnet_ids[0])
    assert result.stdout.strip() == "ok 0", result.stdout + result.stderr


def test_aws_cli_is_refused_by_the_read_only_policy(server, account, ec2):
    read_only = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, PolicyDocument=read_only)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    listed = exec_in(server, account, network.subnet_ids[0], "aws", "apprunner", "list-services", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    created = exec_in(server, account, network.subnet_ids[0], "aws", "apprunner",
                      "create-auto-scaling-configuration", "--auto-scaling-configuration-name", "denied")
    assert created.returncode in (254, 255), created.stdout + created.stderr  # a service error: v2 254, v1 255
    assert "AccessDeniedException" in created.stderr
    assert ("is not authorized to perform: apprunner:CreateAutoScalingConfiguration on resource: "
            f"arn:aws:apprunner:us-east-1:{account}:autoscalingconfiguration/denied/* because") in created.stderr
    assert "because no VPC endpoint policy allows the apprunner:CreateAutoScalingConfiguration action" \
        in created.stderr
    entries = mine(server, account, outcome="endpoint")
    assert {e["operation"]: e["decision"]["result"] for e in entries} == {
        "ListServices": "allowed", "CreateAutoScalingConfiguration": "implicitDeny"}


@pytest.fixture(scope="module")
def slow_server():
    """A server whose endpoints stay pending for a minute (the shared one's 0.3 s pass before a client starts)."""
    running = RunningServer(state="memory", lifecycle_delay=60).start()
    yield running
    running.stop()


def test_pending_endpoint_and_dns_support_off_through_the_gateway(slow_server, account):
    ec2 = slow_server.client("ec2", account=account)
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"]
    result = list_services(slow_server, account, network.subnet_ids[0], env=ONE_TRY)
    assert result.returncode == 7, result.stdout + result.stderr
    assert f"endpoint {endpoint} is pending" in result.stdout

    vpc_id = make_vpc(ec2, "10.1.0.0/16", dns_hostnames=False)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    result = list_services(slow_server, account, subnet["SubnetId"], env=ONE_TRY)
    assert result.returncode == 7
    assert f"VPC {vpc_id} has DNS support disabled: {HOST} does not resolve" in result.stdout


EC2_AND_STS = """
import boto3, botocore.exceptions
for service, call in (("ec2", "describe_vpcs"), ("sts", "get_caller_identity")):
    try:
        getattr(boto3.client(service, region_name="us-east-1"), call)()
        print(service, "ok")
    except botocore.exceptions.ClientError as error:
        print(service, error.response["Error"]["Code"], error.response["Error"]["Message"])
"""


def test_ec2_and_sts_through_their_endpoints(server, account, ec2):
    """EC2 requests through an ec2 endpoint are judged by its policy; sts:GetCallerIdentity is answered even under an
    explicit deny, as AWS documents ("no permissions are required")."""
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoReads", "Effect": "Deny", "Principal": "*",
         "Action": ["ec2:Describe*", "sts:GetCallerIdentity"], "Resource": "*"}]})
    network = make_network(ec2)
    endpoints = [make_endpoint(ec2, network, f"com.amazonaws.us-east-1.{name}", PrivateDnsEnabled=True,
                               PolicyDocument=deny)["VpcEndpointId"] for name in ("ec2", "sts")]
    for endpoint in endpoints:
        wait_available(ec2, endpoint)
    result = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", EC2_AND_STS)
    assert result.returncode == 0, result.stderr
    ec2_line, sts_line = result.stdout.splitlines()
    assert ec2_line.startswith("ec2 UnauthorizedOperation You are not authorized to perform this operation.")
    assert "ec2:DescribeVpcs" in ec2_line and "explicit deny in a VPC endpoint policy" in ec2_line
    assert sts_line == "sts ok"
    entries = {e["service"]: e for e in mine(server, account, outcome="endpoint")}
    assert (entries["ec2"]["endpoint"], entries["ec2"]["status"]) == (endpoints[0], 403)
    assert entries["ec2"]["decision"]["statement"]["sid"] == "NoReads"
    assert (entries["sts"]["endpoint"], entries["sts"]["status"]) == (endpoints[1], 200)


def test_runnerlink_commands_work_in_a_shell_set_up_by_env(server, account, ec2):
    """After `eval "$(runnerlink env --subnet …)"` the shell's HTTP(S)_PROXY point at the gateway; runnerlink's own
    commands still reach the edge directly (through the gateway, 127.0.0.1 has no route from the subnet)."""
    subnet = make_network(ec2).subnet_ids[0]
    rl = f"{sys.executable} -m runnerlink"
    url = f"--endpoint-url {server.url}"
    shell = f"""set -e
eval "$({rl} env --subnet {subnet} {url})"
test -n "$HTTP_PROXY" && test -n "$HTTPS_PROXY"
{rl} resolve --subnet {subnet} {url} --account {account} {HOST}
{rl} trace --subnet {subnet} {url} --account {account} https://{HOST}/ || test $? = 1
{rl} log {url} --limit 1
{rl} workloads {url}
{rl} validate-domain {url} arn:aws:apprunner:us-east-1:{account}:service/x/0 example.com || true
workload=${{HTTPS_PROXY#http://}}
{rl} workloads {url} rm ${{workload%%:*}}
"""
    done = subprocess.run(["sh", "-c", shell], env=workload_env(account), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "via public" in done.stdout and "outcome: unreachable" in done.stdout
    assert "TIME" in done.stdout and "WORKLOAD" in done.stdout
    assert "unreachable from wl-" not in done.stdout + done.stderr
    assert "removed wl-" in done.stdout
