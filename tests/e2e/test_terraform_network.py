"""Terraform (hashicorp/aws 5.100.0 from the local mirror): the private App Runner network of issue 3, end to end.

One configuration (tests/e2e/terraform/network/): a VPC with DNS support and hostnames, public and private subnets in
two zones, an internet gateway, an Elastic IP and a NAT gateway, public and private route tables (0.0.0.0/0 to the
gateways) with their associations, a security group allowing 443 from the VPC, an `apprunner` interface endpoint
(private DNS, a read-only endpoint policy), an `apprunner.requests` interface endpoint, a VPC connector, a private
App Runner service egressing through it, and a VPC ingress connection on the apprunner.requests endpoint.

apply → the plan is empty → update the apprunner endpoint in place (policy, private DNS off, one subnet removed, tags;
updated.tfvars) → the plan is empty → destroy leaves nothing behind. After each step boto3 checks what runnerlink holds.

Known Terraform behaviour (not runnerlink's): after the in-place update the provider keeps the old
`network_interface_ids` in state although its read after ModifyVpcEndpoint got the new single ENI from
DescribeVpcEndpoints (the next refresh picks it up); `dns_entry` is updated. The configuration therefore exports
no computed endpoint attributes that an update changes, and the test checks them through boto3.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from botocore.exceptions import ClientError

from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    UPDATED,
    account,
    skip_without_terraform,
    sts_available,
    tf_home,
    tf_server,
    workspace,
)

skip_without_terraform()

pytestmark = pytest.mark.terraform

REGION = "us-east-1"
VPC_CIDR = "10.20.0.0/16"
APPRUNNER = f"com.amazonaws.{REGION}.apprunner"
APPRUNNER_REQUESTS = f"com.amazonaws.{REGION}.apprunner.requests"


def policy(actions: list[str]) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOnly", "Effect": "Allow", "Principal": "*", "Action": actions, "Resource": "*"}]}


READ_ONLY = policy(["apprunner:List*", "apprunner:Describe*"])
NARROWED = policy(["apprunner:DescribeService", "apprunner:ListServices"])


@pytest.fixture
def ec2(tf_server, account):
    return tf_server.client("ec2", account=account)


@pytest.fixture
def apprunner(tf_server, account):
    return tf_server.client("apprunner", account=account)


def error_code(call, **kwargs) -> str | None:
    try:
        call(**kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def tags(resource: dict) -> dict:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def endpoint(ec2, endpoint_id: str) -> dict:
    [found] = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
    return found


def enis(ec2, ids: list[str]) -> dict[str, dict]:
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=ids)["NetworkInterfaces"]
    return {eni["NetworkInterfaceId"]: eni for eni in found}


def in_subnet(address: str, cidr: str) -> bool:
    network = ipaddress.ip_network(cidr)
    hosts = list(network.hosts())
    return ipaddress.ip_address(address) in network and address not in {
        str(hosts[0]), str(hosts[1]), str(hosts[2]), str(hosts[-1])}  # AWS reserves the first four and the last


def check_network(ec2, out: dict) -> dict[str, str]:
    """The VPC plumbing as the configuration describes it; returns {subnet id: CIDR}."""
    [vpc] = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"]
    assert (vpc["CidrBlock"], vpc["State"], vpc["IsDefault"]) == (VPC_CIDR, "available", False)
    assert tags(vpc) == {"Name": "tf-network", "ManagedBy": "terraform"}
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key] == {"Value": True}

    public, private = out["public_subnet_ids"], out["private_subnet_ids"]
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]}
    assert set(subnets) == {*public, *private}
    for index, subnet_id in enumerate(public):
        subnet = subnets[subnet_id]
        assert (subnet["CidrBlock"], subnet["AvailabilityZone"], subnet["MapPublicIpOnLaunch"]) == (
            f"10.20.{index}.0/24", f"{REGION}{'ab'[index]}", True)
    for index, subnet_id in enumerate(private):
        subnet = subnets[subnet_id]
        assert (subnet["CidrBlock"], subnet["AvailabilityZone"], subnet["MapPublicIpOnLaunch"]) == (
            f"10.20.{10 + index}.0/24", f"{REGION}{'ab'[index]}", False)

    [igw] = ec2.describe_internet_gateways(InternetGatewayIds=[out["igw_id"]])["InternetGateways"]
    assert igw["Attachments"] == [{"State": "available", "VpcId": vpc["VpcId"]}]

    [address] = ec2.describe_addresses(AllocationIds=[out["eip_allocation_id"]])["Addresses"]
    assert (address["Domain"], address["PublicIp"]) == ("vpc", out["eip_public_ip"])
    assert ipaddress.ip_address(address["PublicIp"]) in ipaddress.ip_network("203.0.113.0/24")  # RFC 5737
    [nat] = ec2.describe_nat_gateways(NatGatewayIds=[out["nat_id"]])["NatGateways"]
    assert (nat["State"], nat["SubnetId"], nat["VpcId"], nat["ConnectivityType"]) == (
        "available", public[0], vpc["VpcId"], "public")
    [nat_address] = nat["NatGatewayAddresses"]
    assert (nat_address["AllocationId"], nat_address["PublicIp"]) == (out["eip_allocation_id"], out["eip_public_ip"])
    assert in_subnet(nat_address["PrivateIp"], subnets[public[0]]["CidrBlock"])
    assert address.get("NetworkInterfaceId") == nat_address["NetworkInterfaceId"]  # the EIP sits on the NAT's ENI

    tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]}
    main = [t for t in tables.values() if any(a.get("Main") for a in t["Associations"])]
    assert len(main) == 1 and set(tables) == {main[0]["RouteTableId"], out["public_route_table_id"],
                                              out["private_route_table_id"]}
    for table_id, subnet_ids, target in ((out["public_route_table_id"], public, ("GatewayId", out["igw_id"])),
                                         (out["private_route_table_id"], private, ("NatGatewayId", out["nat_id"]))):
        table = tables[table_id]
        routes = {r["DestinationCidrBlock"]: r for r in table["Routes"]}
        assert set(routes) == {VPC_CIDR, "0.0.0.0/0"}
        assert (routes[VPC_CIDR]["GatewayId"], routes[VPC_CIDR]["State"]) == ("local", "active")
        assert (routes["0.0.0.0/0"][target[0]], routes["0.0.0.0/0"]["State"]) == (target[1], "active")
        assert sorted(a["SubnetId"] for a in table["Associations"]) == sorted(subnet_ids)

    [group] = ec2.describe_security_groups(GroupIds=[out["security_group_id"]])["SecurityGroups"]
    assert (group["GroupName"], group["VpcId"]) == ("tf-https", vpc["VpcId"])
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), [r["CidrIp"] for r in p["IpRanges"]])
            for p in group["IpPermissions"]] == [("tcp", 443, 443, [VPC_CIDR])]
    assert [(p["IpProtocol"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissionsEgress"]] == [
        ("-1", ["0.0.0.0/0"])]
    return {subnet_id: subnets[subnet_id]["CidrBlock"] for subnet_id in subnets}


def check_endpoint_enis(ec2, found: dict, subnet_cidrs: dict[str, str], group_id: str) -> dict[str, str]:
    """Every ENI of an interface endpoint is readable, requester-managed, in one of its subnets (one each), with an
    address from that subnet and the endpoint's groups; returns {subnet id: ENI id}."""
    interfaces = enis(ec2, found["NetworkInterfaceIds"])
    assert set(interfaces) == set(found["NetworkInterfaceIds"])
    by_subnet = {}
    for eni_id, eni in interfaces.items():
        assert eni["InterfaceType"] == "vpc_endpoint" and eni["RequesterManaged"] is True, eni
        assert eni["Status"] == "in-use" and eni["VpcId"] == found["VpcId"], eni
        assert found["VpcEndpointId"] in eni["Description"], eni
        assert [g["GroupId"] for g in eni["Groups"]] == [group_id]
        assert in_subnet(eni["PrivateIpAddress"], subnet_cidrs[eni["SubnetId"]]), eni
        by_subnet[eni["SubnetId"]] = eni_id
    assert sorted(by_subnet) == sorted(found["SubnetIds"])
    return by_subnet


def dns_names(found: dict) -> list[str]:
    return [entry["DnsName"] for entry in found["DnsEntries"]]


def test_private_apprunner_network(workspace, ec2, apprunner, account):
    tf = workspace("network")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()
    subnet_cidrs = check_network(ec2, out)
    private = out["private_subnet_ids"]
    group_id = out["security_group_id"]

    # The apprunner endpoint: private DNS, the read-only policy, an ENI per private subnet.
    api = endpoint(ec2, out["api_endpoint_id"])
    assert (api["VpcEndpointType"], api["ServiceName"], api["VpcId"], api["State"]) == (
        "Interface", APPRUNNER, out["vpc_id"], "available")
    assert api["PrivateDnsEnabled"] is True
    assert json.loads(api["PolicyDocument"]) == READ_ONLY
    assert sorted(api["SubnetIds"]) == sorted(private)
    assert [g["GroupId"] for g in api["Groups"]] == [group_id]
    assert tags(api) == {"Name": "tf-apprunner-api", "Access": "read-only", "ManagedBy": "terraform"}
    api_enis = check_endpoint_enis(ec2, api, subnet_cidrs, group_id)
    names = dns_names(api)
    assert names[0].startswith(f"{out['api_endpoint_id']}-") and names[0].endswith(
        f".apprunner.{REGION}.vpce.amazonaws.com"), names  # regional first, then one per zone
    assert sorted(name.split(".")[0].rsplit("-", 1)[1] for name in names[1:3]) == ["1a", "1b"], names
    assert names[3:] == [f"apprunner.{REGION}.amazonaws.com"], names  # the private DNS name

    # The apprunner.requests endpoint: no private DNS, the full-access default policy.
    requests = endpoint(ec2, out["requests_endpoint_id"])
    assert (requests["ServiceName"], requests["State"], requests["PrivateDnsEnabled"]) == (
        APPRUNNER_REQUESTS, "available", False)
    assert json.loads(requests["PolicyDocument"])["Statement"][0]["Action"] == "*"
    check_endpoint_enis(ec2, requests, subnet_cidrs, group_id)
    assert not set(requests["NetworkInterfaceIds"]) & set(api["NetworkInterfaceIds"])

    # App Runner: the connector in the private subnets, the private service egressing through it, the ingress
    # connection on the apprunner.requests endpoint.
    connector = apprunner.describe_vpc_connector(VpcConnectorArn=out["connector_arn"])["VpcConnector"]
    assert (connector["Status"], sorted(connector["Subnets"]), connector["SecurityGroups"]) == (
        "ACTIVE", sorted(private), [group_id])
    service = apprunner.describe_service(ServiceArn=out["service_arn"])["Service"]
    assert service["Status"] == "RUNNING" == out["service_status"]
    assert service["NetworkConfiguration"]["EgressConfiguration"] == {
        "EgressType": "VPC", "VpcConnectorArn": out["connector_arn"]}
    assert service["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": False}
    ingress = apprunner.describe_vpc_ingress_connection(
        VpcIngressConnectionArn=out["ingress_arn"])["VpcIngressConnection"]
    assert (ingress["Status"], ingress["ServiceArn"], ingress["AccountId"]) == (
        "AVAILABLE", out["service_arn"], account)
    assert ingress["IngressVpcConfiguration"] == {"VpcId": out["vpc_id"],
                                                  "VpcEndpointId": out["requests_endpoint_id"]}
    assert ingress["DomainName"] == out["ingress_domain_name"]

    # Update the apprunner endpoint in place: narrower policy, private DNS off, the second subnet removed, tags.
    tf.apply(UPDATED)
    tf.assert_no_changes(UPDATED)
    updated = tf.outputs()
    for key in ("vpc_id", "api_endpoint_id", "requests_endpoint_id", "nat_id", "service_arn", "ingress_arn"):
        assert updated[key] == out[key], f"{key}: the update must be in place"
    api = endpoint(ec2, out["api_endpoint_id"])
    assert api["State"] == "available"
    assert json.loads(api["PolicyDocument"]) == NARROWED
    assert api["PrivateDnsEnabled"] is False
    assert api["SubnetIds"] == [private[0]]
    assert api["NetworkInterfaceIds"] == [api_enis[private[0]]], "the remaining subnet keeps its ENI"
    assert check_endpoint_enis(ec2, api, subnet_cidrs, group_id) == {private[0]: api_enis[private[0]]}
    assert error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[api_enis[private[1]]]) == \
        "InvalidNetworkInterfaceID.NotFound", "the removed subnet's ENI is deleted with it"
    names = dns_names(api)
    assert len(names) == 2 and names[1].split(".")[0].endswith("-us-east-1a"), names  # regional + zone a only
    assert f"apprunner.{REGION}.amazonaws.com" not in names
    assert tags(api) == {"Name": "tf-apprunner-api", "Stage": "prod", "ManagedBy": "terraform"}
    assert endpoint(ec2, out["requests_endpoint_id"])["NetworkInterfaceIds"] == requests["NetworkInterfaceIds"]

    # Destroy: nothing is left but the default VPC and what AWS keeps describable for a while.
    tf.destroy(UPDATED)
    assert tf.state_list() == []
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert [v["IsDefault"] for v in vpcs] == [True], vpcs
    default_vpc = vpcs[0]["VpcId"]
    assert error_code(ec2.describe_vpcs, VpcIds=[out["vpc_id"]]) == "InvalidVpcID.NotFound"
    assert {e["VpcEndpointId"]: e["State"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["State"] != "deleted"} == {}
    assert ec2.describe_addresses()["Addresses"] == []
    assert [n["State"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"] == []
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    assert all(s["VpcId"] == default_vpc for s in ec2.describe_subnets()["Subnets"])
    assert all(t["VpcId"] == default_vpc for t in ec2.describe_route_tables()["RouteTables"])
    assert all(g["VpcId"] == default_vpc for g in ec2.describe_security_groups()["SecurityGroups"])
    assert all(a["VpcId"] == default_vpc for g in ec2.describe_internet_gateways()["InternetGateways"]
               for a in g["Attachments"])
    try:
        status = apprunner.describe_service(ServiceArn=out["service_arn"])["Service"]["Status"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        assert status == "DELETED"
    assert [s for s in apprunner.list_services()["ServiceSummaryList"] if s["Status"] != "DELETED"] == []
    connector = apprunner.describe_vpc_connector(VpcConnectorArn=out["connector_arn"])["VpcConnector"]
    assert connector["Status"] == "INACTIVE"
    try:
        ingress = apprunner.describe_vpc_ingress_connection(
            VpcIngressConnectionArn=out["ingress_arn"])["VpcIngressConnection"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        assert ingress["Status"] == "DELETED"

    # SDK retries mean a response was lost in transit. A retried read is harmless; a retried create that the server
    # had already carried out fails its step (e.g. InvalidPermission.Duplicate), and the harness's failure message
    # then shows the retry ("!!") next to the error. Printed here for the record (pytest -rP shows them).
    print("SDK retries:", tf.retried_requests() or "none")
