"""resolve and trace through a real server: networks built with boto3 EC2, asked about over
/_runnerlink/network/{resolve,trace} and through `runnerlink resolve|trace`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.conftest import settle
from tests.e2e.ec2_fixtures import APPRUNNER, make_endpoint, make_network, make_vpc

HOST = "apprunner.us-east-1.amazonaws.com"
URL = f"https://{HOST}/"
CODEBUILD = "https://codebuild.us-east-1.amazonaws.com/"


def ask(server, action: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.url}/_runnerlink/network/{action}", data=json.dumps(payload).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def trace(server, account):
    def run(subnet: str, url: str = URL, **extra) -> dict:
        status, answer = ask(server, "trace", {"account": account, "region": "us-east-1", "subnet": subnet,
                                               "url": url, **extra})
        assert status == 200, answer
        return answer["path"]
    return run


@pytest.fixture
def resolve(server, account):
    def run(subnet: str, host: str = HOST, **extra) -> dict:
        status, answer = ask(server, "resolve", {"account": account, "subnet": subnet, "host": host, **extra})
        assert status == 200, answer
        return answer["resolution"]
    return run


def cli(server, account, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runnerlink", *args, "--endpoint-url", server.url,
                           "--account", account], capture_output=True, text=True, timeout=30)


def public_subnet(ec2, network, index: int = 0) -> tuple[str, str]:
    """Make the network's subnet[index] public: an internet gateway, a table routing 0.0.0.0/0 to it, public IPs on
    launch. Returns (gateway id, route table id)."""
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=network.vpc_id)
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet_ids[index])
    ec2.modify_subnet_attribute(SubnetId=network.subnet_ids[index], MapPublicIpOnLaunch={"Value": True})
    return gateway, table


def eni_addresses(ec2, endpoint: dict) -> set[str]:
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])
    return {eni["PrivateIpAddress"] for eni in found["NetworkInterfaces"]}


def test_private_subnet_without_endpoint_is_unreachable(ec2, trace, resolve):
    network = make_network(ec2)
    path = trace(network.subnet_ids[0])
    assert path["outcome"] == "unreachable"
    assert [(h["step"], h["ok"]) for h in path["hops"]] == [("dns", True), ("route", False)]
    assert path["reason"].startswith("no route from rtb-")
    assert f"no endpoint for {APPRUNNER} with private DNS in {network.vpc_id}" in path["reason"]
    found = resolve(network.subnet_ids[0])
    assert found["via"] == "public" and found["addresses"][0].startswith("192.0.2.")


def test_endpoint_with_private_dns(ec2, trace, resolve):
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)
    pending = trace(network.subnet_ids[1])
    assert pending["outcome"] == "unreachable"
    assert f"endpoint {endpoint['VpcEndpointId']} is pending" in pending["reason"]
    settle()
    path = trace(network.subnet_ids[1])
    assert path["outcome"] == "endpoint", path["reason"]
    assert path["endpoint"] == endpoint["VpcEndpointId"] and path["vpc"] == network.vpc_id
    assert path["service"] == "apprunner" and path["sourceIp"] is None
    assert path["privateIp"].startswith("10.0.2.") and path["destinationIp"].startswith("10.0.2.")
    assert [h["step"] for h in path["hops"]] == ["dns", "route", "security-group", "endpoint"]
    found = resolve(network.subnet_ids[0])
    assert found["via"] == "private-dns" and set(found["addresses"]) == eni_addresses(ec2, endpoint)


def test_dns_name_off(ec2, trace, resolve):
    network = make_network(ec2)
    public_subnet(ec2, network, 0)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=False)
    settle()
    # The default name goes to the internet from the public subnet, nowhere from the private one …
    path = trace(network.subnet_ids[0])
    assert path["outcome"] == "internet" and path["sourceIp"].startswith("192.0.2.")
    assert "private DNS off" in path["hops"][0]["detail"]
    assert trace(network.subnet_ids[1])["outcome"] == "unreachable"
    # … while the endpoint-specific name still reaches the endpoint from both.
    name = endpoint["DnsEntries"][0]["DnsName"]
    for subnet in network.subnet_ids:
        path = trace(subnet, f"https://{name}/")
        assert path["outcome"] == "endpoint" and path["endpoint"] == endpoint["VpcEndpointId"]
    assert resolve(network.subnet_ids[1], name)["via"] == "endpoint-name"
    # A workload in the public subnet without a public address cannot use the internet gateway.
    path = trace(network.subnet_ids[0], publicIp=False)
    assert path["outcome"] == "unreachable" and "has no public IP" in path["reason"]


def test_nat_gateway_path_and_blackhole(ec2, trace):
    network = make_network(ec2)
    public_subnet(ec2, network, 0)
    address = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=network.subnet_ids[0], AllocationId=address["AllocationId"])
    nat_id = nat["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet_ids[1])
    settle()
    path = trace(network.subnet_ids[1], CODEBUILD)
    assert path["outcome"] == "internet", path["reason"]
    assert path["sourceIp"] == address["PublicIp"] and path["service"] == "codebuild"
    assert [h["step"] for h in path["hops"]] == ["dns", "route", "security-group", "nat", "internet-gateway"]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    path = trace(network.subnet_ids[1], CODEBUILD)
    assert path["outcome"] == "unreachable"
    assert "blackhole" in path["reason"] or nat_id in path["reason"]


def test_security_group_without_443(ec2, trace):
    network = make_network(ec2)
    closed = ec2.create_security_group(GroupName="closed", Description="closed", VpcId=network.vpc_id)["GroupId"]
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, SecurityGroupIds=[closed])
    settle()
    path = trace(network.subnet_ids[0])
    assert path["outcome"] == "unreachable"
    assert path["reason"] == (f"security group {closed} of {endpoint['VpcEndpointId']} does not admit TCP 443 "
                              f"from {path['privateIp']}")
    # Admitting the workload's group (a group reference) opens the path.
    ec2.authorize_security_group_ingress(GroupId=closed, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": network.group_id}]}])
    assert trace(network.subnet_ids[0], securityGroups=[network.group_id])["outcome"] == "endpoint"
    assert trace(network.subnet_ids[0])["outcome"] == "unreachable"  # the default group is not admitted


def test_dns_support_off(ec2, trace, resolve):
    vpc_id = make_vpc(ec2, dns_hostnames=False)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    path = trace(subnet["SubnetId"])
    assert path["outcome"] == "unreachable"
    assert path["reason"] == f"VPC {vpc_id} has DNS support disabled: {HOST} does not resolve"
    assert resolve(subnet["SubnetId"])["addresses"] == []


def test_default_vpc_subnets_reach_the_internet(ec2, trace):
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    path = trace(subnet["SubnetId"], "https://sts.amazonaws.com/")
    assert path["outcome"] == "internet" and path["service"] == "sts"


def test_errors(server, account, ec2):
    network = make_network(ec2)
    status, answer = ask(server, "trace", {"account": account, "subnet": "subnet-0123456789abcdef0", "url": URL})
    assert (status, answer["error"]) == (400, "InvalidSubnetID.NotFound")
    status, answer = ask(server, "trace", {"account": account, "subnet": network.subnet_ids[0]})
    assert status == 400 and "host" in answer["message"]
    status, answer = ask(server, "trace", {"account": account, "subnet": network.subnet_ids[0], "url": "ftp://x/"})
    assert status == 400
    status, answer = ask(server, "resolve", {"account": account, "host": HOST})
    assert status == 400 and "subnet" in answer["message"]
    status, answer = ask(server, "trace", {"account": account, "subnet": network.subnet_ids[0], "url": URL,
                                           "securityGroups": ["sg-0123456789abcdef0"]})
    assert (status, answer["error"]) == (400, "InvalidGroup.NotFound")


def test_cli_trace_and_resolve(server, account, ec2):
    network = make_network(ec2)
    result = cli(server, account, "trace", "--subnet", network.subnet_ids[0], URL)
    assert result.returncode == 1, result.stderr
    assert "FAIL route" in result.stdout and "outcome: unreachable — no route from rtb-" in result.stdout
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)
    settle()
    result = cli(server, account, "trace", "--subnet", network.subnet_ids[0], "--security-group", network.group_id,
                 URL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"outcome: endpoint — through endpoint {endpoint['VpcEndpointId']}" in result.stdout
    assert f"aws:SourceVpce={endpoint['VpcEndpointId']}" in result.stdout
    assert network.group_id in result.stdout
    result = cli(server, account, "trace", "--subnet", network.subnet_ids[0], "--json", HOST)
    assert json.loads(result.stdout)["path"]["outcome"] == "endpoint"
    result = cli(server, account, "resolve", "--subnet", network.subnet_ids[0], HOST)
    assert result.returncode == 0
    assert f"via private-dns {endpoint['VpcEndpointId']}" in result.stdout
    for address in eni_addresses(ec2, endpoint):
        assert f"  {address}\n" in result.stdout
    result = cli(server, account, "resolve", "--subnet", "subnet-0123456789abcdef0", HOST)
    assert result.returncode == 2 and "InvalidSubnetID.NotFound" in result.stderr


def test_endpoint_names_resolve_from_another_vpc_but_do_not_route(ec2, trace, resolve):
    network = make_network(ec2)
    other = make_network(ec2, second_octet=1)
    endpoint = make_endpoint(ec2, network)
    settle()
    name = endpoint["DnsEntries"][0]["DnsName"]
    found = resolve(other.subnet_ids[0], name)
    assert found["via"] == "endpoint-name" and set(found["addresses"]) == eni_addresses(ec2, endpoint)
    path = trace(other.subnet_ids[0], f"https://{name}/")
    assert path["outcome"] == "unreachable" and path["reason"].startswith("no route from rtb-")
