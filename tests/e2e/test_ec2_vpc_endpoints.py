"""VPC endpoints through boto3: interface endpoints (ENIs, DNS entries, private DNS, policies, security groups), gateway
endpoints, the time-derived states, Describe filters and pages, per-item delete failures."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import (
    APPRUNNER,
    APPRUNNER_REQUESTS,
    make_endpoint,
    make_group,
    make_network,
    make_subnet,
    make_vpc,
)

DEFAULT_INTERFACE_POLICY = ('{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
                            '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}')
READ_ONLY = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["apprunner:List*",
                                                                                      "apprunner:Describe*"],
                                       "Resource": "*"}]})
ENDPOINT_ID = re.compile(r"vpce-[0-9a-f]{17}")


def error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return response["Error"]["Code"], response["Error"]["Message"]


def describe(ec2, endpoint_id: str) -> dict:
    return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]


def enis(ec2, endpoint: dict) -> list[dict]:
    if not endpoint["NetworkInterfaceIds"]:
        return []
    return ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]


def test_interface_endpoint_with_private_dns(ec2):
    net = make_network(ec2)
    tags = [{"Key": "Name", "Value": "apprunner-api"}]
    endpoint = make_endpoint(ec2, net, PrivateDnsEnabled=True, PolicyDocument=READ_ONLY,
                             TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tags}])
    endpoint_id = endpoint["VpcEndpointId"]
    assert ENDPOINT_ID.fullmatch(endpoint_id)
    assert endpoint["State"] == "pending"
    assert endpoint["VpcEndpointType"] == "Interface" and endpoint["ServiceName"] == APPRUNNER
    assert endpoint["VpcId"] == net.vpc_id and endpoint["SubnetIds"] == net.subnet_ids
    assert endpoint["Groups"] == [{"GroupId": net.group_id, "GroupName": "endpoints"}]
    assert endpoint["PolicyDocument"] == READ_ONLY  # verbatim
    assert endpoint["PrivateDnsEnabled"] is True and endpoint["RequesterManaged"] is False
    assert endpoint["IpAddressType"] == "ipv4"
    assert endpoint["DnsOptions"] == {"DnsRecordIpType": "ipv4", "PrivateDnsOnlyForInboundResolverEndpoint": False}
    assert endpoint["Tags"] == tags and endpoint["OwnerId"] == ec2.describe_vpcs(
        VpcIds=[net.vpc_id])["Vpcs"][0]["OwnerId"]
    assert endpoint["CreationTimestamp"].year >= 2024

    # DNS entries: regional first, then one per zone, then the service's own name (private DNS on).
    names = [e["DnsName"] for e in endpoint["DnsEntries"]]
    label = re.fullmatch(rf"{endpoint_id}-([a-z0-9]{{8}})\.apprunner\.us-east-1\.vpce\.amazonaws\.com", names[0])
    assert label, names[0]
    suffix = "apprunner.us-east-1.vpce.amazonaws.com"
    assert names[1:3] == [f"{endpoint_id}-{label[1]}-us-east-1a.{suffix}",
                          f"{endpoint_id}-{label[1]}-us-east-1b.{suffix}"]
    assert names[3] == "apprunner.us-east-1.amazonaws.com" and len(names) == 4
    assert {e["HostedZoneId"] for e in endpoint["DnsEntries"][:3]} == {"Z7HUB22UULQXV"}
    assert re.fullmatch(r"Z[0-9A-Z]+", endpoint["DnsEntries"][3]["HostedZoneId"])

    # One requester-managed ENI per subnet, with an address from the subnet (not the 4 reserved at the start).
    interfaces = {e["SubnetId"]: e for e in enis(ec2, endpoint)}
    assert set(interfaces) == set(net.subnet_ids) and len(endpoint["NetworkInterfaceIds"]) == 2
    first = interfaces[net.subnet_ids[0]]
    assert first["Description"] == f"VPC Endpoint Interface {endpoint_id}"
    assert first["InterfaceType"] == "vpc_endpoint" and first["RequesterManaged"] is True
    assert first["Status"] == "in-use" and first["Groups"] == endpoint["Groups"]
    assert first["PrivateIpAddress"].startswith("10.0.1.") and int(first["PrivateIpAddress"].split(".")[3]) >= 4
    found = ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["vpc_endpoint"]},
                                                     {"Name": "vpc-id", "Values": [net.vpc_id]}])
    assert len(found["NetworkInterfaces"]) == 2

    # pending → available over time
    assert wait_for(lambda: describe(ec2, endpoint_id)["State"] == "available")
    shown = describe(ec2, endpoint_id)
    assert {k: v for k, v in shown.items() if k != "State"} == {k: v for k, v in endpoint.items() if k != "State"}


def test_defaults(ec2):
    """No SG → the VPC default group; no policy → AWS's full-access text for interface endpoints; private DNS on
    when not given (the service has a private name); DnsOptions and IpAddressType always returned."""
    net = make_network(ec2, zones=1)
    endpoint = ec2.create_vpc_endpoint(VpcId=net.vpc_id, VpcEndpointType="Interface", ServiceName=APPRUNNER,
                                       SubnetIds=net.subnet_ids)["VpcEndpoint"]
    assert endpoint["Groups"] == [{"GroupId": net.default_group_id, "GroupName": "default"}]
    assert endpoint["PolicyDocument"] == DEFAULT_INTERFACE_POLICY
    assert "Version" not in json.loads(endpoint["PolicyDocument"])
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["DnsOptions"]["DnsRecordIpType"] == "ipv4" and endpoint["IpAddressType"] == "ipv4"
    assert enis(ec2, endpoint)[0]["Groups"] == [{"GroupId": net.default_group_id, "GroupName": "default"}]


def test_no_subnets_means_no_dns_entries_and_no_enis(ec2):
    net = make_network(ec2, zones=1)
    endpoint = make_endpoint(ec2, net, SubnetIds=[])
    assert endpoint["DnsEntries"] == [] and endpoint["NetworkInterfaceIds"] == [] and endpoint["SubnetIds"] == []


def test_private_dns_off_gives_regional_and_zonal_entries_only(ec2):
    net = make_network(ec2, zones=2)
    endpoint = make_endpoint(ec2, net, PrivateDnsEnabled=False)
    assert len(endpoint["DnsEntries"]) == 3  # Terraform's acceptance test: dns_entry.# = 3 with 2 subnets
    assert all(e["DnsName"].endswith(".vpce.amazonaws.com") for e in endpoint["DnsEntries"])


def test_dotted_service_names_are_reversed_in_dns_names(ec2):
    net = make_network(ec2, zones=1)
    endpoint = make_endpoint(ec2, net, "com.amazonaws.us-east-1.ecr.api")
    assert endpoint["DnsEntries"][0]["DnsName"].endswith(".api.ecr.us-east-1.vpce.amazonaws.com")
    requests = make_endpoint(ec2, net, APPRUNNER_REQUESTS)
    assert requests["DnsEntries"][0]["DnsName"].endswith(".requests.apprunner.us-east-1.vpce.amazonaws.com")


def test_private_dns_needs_both_vpc_dns_attributes(ec2):
    net = make_network(ec2, zones=1, dns_hostnames=False)
    code, message = error(make_endpoint, ec2=ec2, network=net, PrivateDnsEnabled=True)
    assert code == "InvalidParameter"
    assert message == ("Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set "
                       f"to true for {net.vpc_id}")
    # Omitting PrivateDnsEnabled means true, so it is refused too (AWS's old "Default: true"; Terraform always
    # sends it).
    code, _ = error(ec2.create_vpc_endpoint, VpcId=net.vpc_id, VpcEndpointType="Interface", ServiceName=APPRUNNER)
    assert code == "InvalidParameter"
    assert make_endpoint(ec2, net, PrivateDnsEnabled=False)["PrivateDnsEnabled"] is False
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"][0]["NetworkInterfaceIds"]  # only the last one was created
    assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1

    # DNS support off (hostnames on is impossible without it): refused as well.
    other = make_vpc(ec2, "10.9.0.0/16", dns_hostnames=False)
    ec2.modify_vpc_attribute(VpcId=other, EnableDnsSupport={"Value": False})
    code, _ = error(ec2.create_vpc_endpoint, VpcId=other, VpcEndpointType="Interface", ServiceName=APPRUNNER,
                    PrivateDnsEnabled=True)
    assert code == "InvalidParameter"


def test_private_dns_conflict_in_one_vpc(ec2):
    net = make_network(ec2, zones=1)
    first = make_endpoint(ec2, net, PrivateDnsEnabled=True)
    code, message = error(make_endpoint, ec2=ec2, network=net, PrivateDnsEnabled=True)
    assert code == "InvalidParameter"
    assert message == ("private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
                       f"apprunner.us-east-1.amazonaws.com in the VPC {net.vpc_id}")
    # a second endpoint without private DNS is fine, but it cannot turn private DNS on while the first holds it
    second = make_endpoint(ec2, net, PrivateDnsEnabled=False)
    code, _ = error(ec2.modify_vpc_endpoint, VpcEndpointId=second["VpcEndpointId"], PrivateDnsEnabled=True)
    assert code == "InvalidParameter"
    # another service's private name doesn't conflict; another VPC doesn't either
    make_endpoint(ec2, net, "com.amazonaws.us-east-1.logs", PrivateDnsEnabled=True)
    make_endpoint(ec2, make_network(ec2, zones=1, second_octet=1), PrivateDnsEnabled=True)
    # once the first is deleted, the name is free
    ec2.delete_vpc_endpoints(VpcEndpointIds=[first["VpcEndpointId"]])
    assert ec2.modify_vpc_endpoint(VpcEndpointId=second["VpcEndpointId"], PrivateDnsEnabled=True)["Return"] is True


def test_apprunner_requests_endpoint(ec2):
    """Private App Runner services: no private DNS name, no endpoint policies (App Runner guide, network-pl.html).
    The error wording for both is ours (unsure)."""
    net = make_network(ec2, zones=2)
    endpoint = ec2.create_vpc_endpoint(VpcId=net.vpc_id, VpcEndpointType="Interface", ServiceName=APPRUNNER_REQUESTS,
                                       SubnetIds=net.subnet_ids)["VpcEndpoint"]
    assert endpoint["PrivateDnsEnabled"] is False  # no private name, so the omitted default is off
    assert len(endpoint["DnsEntries"]) == 3
    code, message = error(make_endpoint, ec2=ec2, network=net, service=APPRUNNER_REQUESTS, PrivateDnsEnabled=True)
    assert code == "InvalidParameter" and "does not provide a private DNS name" in message
    code, message = error(make_endpoint, ec2=ec2, network=net, service=APPRUNNER_REQUESTS, PolicyDocument=READ_ONLY)
    assert code == "InvalidParameter" and "policies" in message


def test_create_errors(ec2):
    net = make_network(ec2, zones=2)
    base = {"VpcId": net.vpc_id, "VpcEndpointType": "Interface", "ServiceName": APPRUNNER, "PrivateDnsEnabled": False}
    create = ec2.create_vpc_endpoint
    assert error(create, **{**base, "VpcId": "vpc-0123456789abcdef0"}) == (
        "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
    assert error(create, **{**base, "VpcId": "vpc-nope"})[0] == "InvalidVpcID.Malformed"
    name = "com.amazonaws.us-east-1.route53resolverx"
    assert error(create, **{**base, "ServiceName": name}) == (
        "InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")
    assert error(create, **{**base, "SubnetIds": ["subnet-0123456789abcdef0"]}) == (
        "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist")
    other = make_network(ec2, zones=1, second_octet=1)
    code, message = error(create, **{**base, "SubnetIds": other.subnet_ids})
    assert code == "InvalidParameter" and other.subnet_ids[0] in message
    same_zone = make_subnet(ec2, net.vpc_id, "10.0.9.0/24", "us-east-1a")
    assert error(create, **{**base, "SubnetIds": [net.subnet_ids[0], same_zone]}) == (
        "DuplicateSubnetsInSameZone", f"Found another VPC endpoint subnet in the availability zone of {same_zone}")
    assert error(create, **{**base, "SecurityGroupIds": ["sg-0123456789abcdef0"]})[0] == "InvalidGroup.NotFound"
    code, message = error(create, **{**base, "SecurityGroupIds": [other.group_id]})
    assert code == "InvalidParameter" and other.group_id in message
    assert error(create, **{**base, "VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.us-east-1.s3",
                            "SubnetIds": net.subnet_ids}) == (
        "InvalidParameter", "Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.")
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc_id]}])["RouteTables"][0]
    assert error(create, **{**base, "RouteTableIds": [table["RouteTableId"]]}) == (
        "InvalidParameter", "Route table IDs are only supported for Gateway type VPC Endpoint.")
    # dynamodb offers only a gateway endpoint here
    assert error(create, **{**base, "ServiceName": "com.amazonaws.us-east-1.dynamodb"})[0] == "InvalidParameter"
    code, message = error(create, **{**base, "PolicyDocument": "{not json"})
    assert code == "InvalidPolicyDocument" and message.startswith("The Policy Document is not valid. Syntax error")
    no_principal = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    code, message = error(create, **{**base, "PolicyDocument": no_principal})
    assert code == "InvalidPolicyDocument" and "Principal" in message
    huge = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                                      "Sid": "x" * 20_500}]})
    assert error(create, **{**base, "PolicyDocument": huge})[0] == "InvalidPolicyDocument"
    # nothing was created by the refused calls
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []


def test_policy_at_the_size_limit_is_accepted(ec2):
    net = make_network(ec2, zones=1)
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Sid": ""}]}
    text = json.dumps(policy)
    policy["Statement"][0]["Sid"] = "a" * (20_480 - len(text))
    text = json.dumps(policy)
    assert len(text) == 20_480
    assert make_endpoint(ec2, net, PolicyDocument=text)["PolicyDocument"] == text


# Policies the policy engine can't evaluate: stored, every request through the endpoint would be denied.
UNEVALUABLE = {
    "unknown operator": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*",
                                                   "Resource": "*",
                                                   "Condition": {"StringEqualz": {"aws:SourceVpc": "vpc-1"}}}]}),
    "action without a vendor": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                                          "Action": "not-an-action", "Resource": "*"}]}),
}


@pytest.mark.parametrize("policy", UNEVALUABLE.values(), ids=UNEVALUABLE.keys())
def test_create_refuses_a_policy_the_engine_cannot_evaluate(ec2, policy):
    net = make_network(ec2, zones=1)
    code, message = error(make_endpoint, ec2=ec2, network=net, PolicyDocument=policy)
    assert code == "InvalidPolicyDocument" and message.startswith("The Policy Document is not valid. ")
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []  # nothing stored
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []


@pytest.mark.parametrize("policy", UNEVALUABLE.values(), ids=UNEVALUABLE.keys())
def test_modify_refuses_a_policy_the_engine_cannot_evaluate(ec2, policy):
    net = make_network(ec2, zones=1)
    endpoint_id = make_endpoint(ec2, net, PolicyDocument=READ_ONLY)["VpcEndpointId"]
    code, message = error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id, PolicyDocument=policy)
    assert code == "InvalidPolicyDocument" and message.startswith("The Policy Document is not valid. ")
    assert describe(ec2, endpoint_id)["PolicyDocument"] == READ_ONLY  # the old policy stays


def test_addresses_are_taken_from_and_given_back_to_the_subnet(ec2):
    net = make_network(ec2, zones=1)
    subnet_id = net.subnet_ids[0]

    def free() -> int:
        return ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]

    before = free()
    endpoint = make_endpoint(ec2, net)
    assert free() == before - 1
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    assert free() == before


def test_modify(ec2):
    net = make_network(ec2, zones=3)
    endpoint = make_endpoint(ec2, net, SubnetIds=net.subnet_ids[:2], PrivateDnsEnabled=True)
    endpoint_id = endpoint["VpcEndpointId"]
    old_enis = dict(zip(endpoint["SubnetIds"], endpoint["NetworkInterfaceIds"]))

    # Terraform's update: policy, private DNS off, one subnet removed (one call), then read.
    assert ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=READ_ONLY, PrivateDnsEnabled=False,
                                   RemoveSubnetIds=[net.subnet_ids[1]])["Return"] is True
    shown = describe(ec2, endpoint_id)
    assert shown["PolicyDocument"] == READ_ONLY and shown["PrivateDnsEnabled"] is False
    assert shown["SubnetIds"] == [net.subnet_ids[0]]
    assert shown["NetworkInterfaceIds"] == [old_enis[net.subnet_ids[0]]]
    assert shown["DnsEntries"][-1]["DnsName"].endswith("-us-east-1a.apprunner.us-east-1.vpce.amazonaws.com")
    assert len(shown["DnsEntries"]) == 2
    code, _ = error(ec2.describe_network_interfaces, NetworkInterfaceIds=[old_enis[net.subnet_ids[1]]])
    assert code == "InvalidNetworkInterfaceID.NotFound"  # removed synchronously
    ec2.delete_subnet(SubnetId=net.subnet_ids[1])  # so the subnet is free at once

    # add a subnet: a new ENI; another subnet in a zone already used is refused
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddSubnetIds=[net.subnet_ids[2]])
    shown = describe(ec2, endpoint_id)
    assert shown["SubnetIds"] == [net.subnet_ids[0], net.subnet_ids[2]] and len(shown["NetworkInterfaceIds"]) == 2
    assert {e["SubnetId"] for e in enis(ec2, shown)} == {net.subnet_ids[0], net.subnet_ids[2]}
    same_zone = make_subnet(ec2, net.vpc_id, "10.0.9.0/24", "us-east-1a")
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id,
                 AddSubnetIds=[same_zone])[0] == "DuplicateSubnetsInSameZone"
    # …unless the zone's subnet is removed in the same call
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddSubnetIds=[same_zone], RemoveSubnetIds=[net.subnet_ids[0]])
    assert describe(ec2, endpoint_id)["SubnetIds"] == [net.subnet_ids[2], same_zone]

    # security groups apply to every ENI
    extra = make_group(ec2, net.vpc_id, "extra")
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddSecurityGroupIds=[extra],
                            RemoveSecurityGroupIds=[net.group_id])
    shown = describe(ec2, endpoint_id)
    assert shown["Groups"] == [{"GroupId": extra, "GroupName": "extra"}]
    assert all(e["Groups"] == shown["Groups"] for e in enis(ec2, shown))
    ec2.delete_security_group(GroupId=net.group_id)  # no longer used by the endpoint or its ENIs
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id,
                 RemoveSecurityGroupIds=[extra])[0] == "InvalidParameter"  # at least one group stays

    # ResetPolicy restores the default; private DNS back on; DnsOptions
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, ResetPolicy=True, PrivateDnsEnabled=True,
                            DnsOptions={"DnsRecordIpType": "service-defined"})
    shown = describe(ec2, endpoint_id)
    assert shown["PolicyDocument"] == DEFAULT_INTERFACE_POLICY and shown["PrivateDnsEnabled"] is True
    assert shown["DnsEntries"][-1]["DnsName"] == "apprunner.us-east-1.amazonaws.com"
    assert shown["DnsOptions"]["DnsRecordIpType"] == "service-defined"
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id, IpAddressType="dualstack")[0] == "InvalidParameter"
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id,
                 PolicyDocument='{"Statement": []}')[0] == "InvalidPolicyDocument"
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id,
                 RemoveSubnetIds=[net.subnet_ids[0]])[0] == "InvalidParameter"  # not associated
    assert wait_for(lambda: describe(ec2, endpoint_id)["State"] == "available")


def test_modify_unknown_or_deleted(ec2):
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId="vpce-0123456789abcdef0", ResetPolicy=True) == (
        "InvalidVpcEndpointId.NotFound", "The VPC endpoint ID 'vpce-0123456789abcdef0' does not exist")
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId="vpce-x", ResetPolicy=True)[0] == \
        "InvalidVpcEndpointId.Malformed"
    net = make_network(ec2, zones=1)
    endpoint_id = make_endpoint(ec2, net)["VpcEndpointId"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id, ResetPolicy=True)[0] == "IncorrectState"


def test_delete(ec2):
    net = make_network(ec2, zones=2)
    endpoint = make_endpoint(ec2, net)
    endpoint_id = endpoint["VpcEndpointId"]
    # while the endpoint's ENIs are there, its subnets, its group and its VPC stay
    assert error(ec2.delete_subnet, SubnetId=net.subnet_ids[0])[0] == "DependencyViolation"
    assert error(ec2.delete_security_group, GroupId=net.group_id) == (
        "DependencyViolation", f"resource {net.group_id} has a dependent object")
    assert error(ec2.delete_vpc, VpcId=net.vpc_id)[0] == "DependencyViolation"
    result = ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id, "vpce-0123456789abcdef0"])
    assert result["Unsuccessful"] == [{"ResourceId": "vpce-0123456789abcdef0", "Error": {
        "Code": "InvalidVpcEndpoint.NotFound",
        "Message": "The VPC endpoint ID 'vpce-0123456789abcdef0' does not exist"}}]
    assert describe(ec2, endpoint_id)["State"] == "deleting"
    # ENIs are gone at once: the subnets and the group can be deleted right away (Terraform's destroy order)
    assert ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [net.vpc_id]}])[
        "NetworkInterfaces"] == []
    ec2.delete_security_group(GroupId=net.group_id)
    for subnet_id in net.subnet_ids:
        ec2.delete_subnet(SubnetId=subnet_id)
    # deleting it again is fine while it is going away
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])["Unsuccessful"] == []
    assert wait_for(lambda: describe(ec2, endpoint_id)["State"] == "deleted")
    settle()
    assert error(describe, ec2=ec2, endpoint_id=endpoint_id)[0] == "InvalidVpcEndpointId.NotFound"
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])["Unsuccessful"][0]["Error"]["Code"] == \
        "InvalidVpcEndpoint.NotFound"
    ec2.delete_vpc(VpcId=net.vpc_id)


def test_describe_filters_and_pages(ec2):
    net = make_network(ec2, zones=1)
    other = make_network(ec2, zones=1, second_octet=1)
    tagged = make_endpoint(ec2, net, TagSpecifications=[{"ResourceType": "vpc-endpoint",
                                                         "Tags": [{"Key": "team", "Value": "web"}]}])
    logs = make_endpoint(ec2, net, "com.amazonaws.us-east-1.logs")
    elsewhere = make_endpoint(ec2, other)
    gateway = ec2.create_vpc_endpoint(VpcId=other.vpc_id, ServiceName="com.amazonaws.us-east-1.s3")["VpcEndpoint"]

    def ids(*filters) -> list[str]:
        found = ec2.describe_vpc_endpoints(Filters=[{"Name": n, "Values": v} for n, v in filters])["VpcEndpoints"]
        return [e["VpcEndpointId"] for e in found]

    every = [tagged["VpcEndpointId"], logs["VpcEndpointId"], elsewhere["VpcEndpointId"], gateway["VpcEndpointId"]]
    assert ids() == every
    assert ids(("vpc-id", [net.vpc_id])) == every[:2]
    assert ids(("service-name", [APPRUNNER])) == [every[0], every[2]]
    assert ids(("service-name", ["*.logs"])) == [every[1]]
    assert ids(("vpc-endpoint-id", [every[1], every[3]])) == [every[1], every[3]]
    assert ids(("vpc-endpoint-type", ["Gateway"])) == [every[3]]
    assert ids(("vpc-endpoint-state", ["pending"])) == every
    assert ids(("ip-address-type", ["ipv4"])) == every[:3]
    assert ids(("service-region", ["us-east-1"])) == every
    assert ids(("tag:team", ["web"])) == [every[0]] and ids(("tag-key", ["team"])) == [every[0]]
    assert ids(("vpc-id", [net.vpc_id]), ("service-name", [APPRUNNER])) == [every[0]]
    settle()
    assert ids(("vpc-endpoint-state", ["available"])) == every
    assert error(ec2.describe_vpc_endpoints, Filters=[{"Name": "bogus", "Values": ["x"]}]) == (
        "InvalidParameterValue", "The filter 'bogus' is invalid")

    first = ec2.describe_vpc_endpoints(MaxResults=3)
    assert [e["VpcEndpointId"] for e in first["VpcEndpoints"]] == every[:3] and first["NextToken"]
    last = ec2.describe_vpc_endpoints(MaxResults=3, NextToken=first["NextToken"])
    assert [e["VpcEndpointId"] for e in last["VpcEndpoints"]] == every[3:] and "NextToken" not in last
    assert "NextToken" not in ec2.describe_vpc_endpoints(MaxResults=4)
    paged = [e["VpcEndpointId"] for p in ec2.get_paginator("describe_vpc_endpoints").paginate(
        PaginationConfig={"PageSize": 1}) for e in p["VpcEndpoints"]]
    assert paged == every

    assert error(ec2.describe_vpc_endpoints, VpcEndpointIds=["vpce-0123456789abcdef0"]) == (
        "InvalidVpcEndpointId.NotFound", "The VPC endpoint ID 'vpce-0123456789abcdef0' does not exist")
    assert error(ec2.describe_vpc_endpoints, VpcEndpointIds=[every[0], "vpce-0123456789abcdef0"])[0] == \
        "InvalidVpcEndpointId.NotFound"
    assert error(ec2.describe_vpc_endpoints, VpcEndpointIds=["vpce-bad"])[0] == "InvalidVpcEndpointId.Malformed"


def test_gateway_endpoint(ec2):
    vpc_id = make_vpc(ec2, dns_hostnames=False)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3",
                                       RouteTableIds=[table["RouteTableId"]])["VpcEndpoint"]
    assert endpoint["VpcEndpointType"] == "Gateway"  # the API's default type
    assert endpoint["PolicyDocument"] == (
        '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}')
    assert endpoint["RouteTableIds"] == [table["RouteTableId"]]
    assert endpoint["PrivateDnsEnabled"] is False and endpoint["DnsEntries"] == [] and endpoint["Groups"] == []
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], RemoveRouteTableIds=[table["RouteTableId"]])
    assert describe(ec2, endpoint["VpcEndpointId"])["RouteTableIds"] == []
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint["VpcEndpointId"],
                 AddSubnetIds=["subnet-0123456789abcdef0"])[0] == "InvalidParameter"
    dynamodb = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.dynamodb")["VpcEndpoint"]
    assert dynamodb["State"] == "pending"


def test_client_token_makes_create_idempotent(ec2):
    net = make_network(ec2, zones=1)
    first = make_endpoint(ec2, net, ClientToken="terraform-2024")
    again = make_endpoint(ec2, net, ClientToken="terraform-2024")
    assert again["VpcEndpointId"] == first["VpcEndpointId"]
    assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1
    assert error(make_endpoint, ec2=ec2, network=net, service="com.amazonaws.us-east-1.logs",
                 ClientToken="terraform-2024")[0] == "IdempotentParameterMismatch"


def test_tags_and_dry_run(ec2):
    net = make_network(ec2, zones=1)
    endpoint_id = make_endpoint(ec2, net)["VpcEndpointId"]
    ec2.create_tags(Resources=[endpoint_id], Tags=[{"Key": "Name", "Value": "api"}])
    assert describe(ec2, endpoint_id)["Tags"] == [{"Key": "Name", "Value": "api"}]
    assert error(ec2.create_tags, Resources=["vpce-0123456789abcdef0"],
                 Tags=[{"Key": "a", "Value": "b"}])[0] == "InvalidVpcEndpointId.NotFound"
    with pytest.raises(ClientError) as caught:
        ec2.create_vpc_endpoint(VpcId=net.vpc_id, VpcEndpointType="Interface", ServiceName=APPRUNNER, DryRun=True)
    assert caught.value.response["Error"]["Code"] == "DryRunOperation"
    assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1


def test_network_changes_make_the_endpoint_pending_again(ec2):
    net = make_network(ec2, zones=2)
    endpoint = make_endpoint(ec2, net, SubnetIds=net.subnet_ids[:1])
    endpoint_id = endpoint["VpcEndpointId"]
    assert wait_for(lambda: describe(ec2, endpoint_id)["State"] == "available")
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=READ_ONLY)
    assert describe(ec2, endpoint_id)["State"] == "available"  # a policy change is not a network change
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddSubnetIds=net.subnet_ids[1:])
    assert describe(ec2, endpoint_id)["State"] == "pending"
    assert wait_for(lambda: describe(ec2, endpoint_id)["State"] == "available")


def test_interface_endpoint_quota_per_vpc(ec2):
    """50 interface endpoints per VPC (the default quota); the error code is our best guess (unsure)."""
    vpc_id = make_vpc(ec2)
    for _ in range(50):
        ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Interface", ServiceName=APPRUNNER_REQUESTS)
    assert error(ec2.create_vpc_endpoint, VpcId=vpc_id, VpcEndpointType="Interface",
                 ServiceName=APPRUNNER_REQUESTS)[0] == "VpcEndpointLimitExceeded"
    other = make_vpc(ec2, "10.1.0.0/16")
    assert ec2.create_vpc_endpoint(VpcId=other, VpcEndpointType="Interface",
                                   ServiceName=APPRUNNER_REQUESTS)["VpcEndpoint"]["State"] == "pending"
