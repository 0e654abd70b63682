"""Regions, zones, the default subnets of every zone, EC2 instances as an operation runnerlink declines, and the VPC
quotas, through boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.ec2_fixtures import make_endpoint, make_group, make_network, make_subnet, make_vpc
from tests.e2e.test_ec2_vpcs import error

ENABLED = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2",
           "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2"}
OPT_IN = {"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
          "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
          "me-central-1", "me-south-1", "mx-central-1"}
US_EAST_1 = [(f"us-east-1{letter}", f"use1-az{n}") for n, letter in enumerate("abcdef", start=1)]


def _names(regions: list[dict]) -> set[str]:
    return {r["RegionName"] for r in regions}


# --- DescribeRegions ---------------------------------------------------------------------------------------------

def test_describe_regions_lists_the_enabled_regions(ec2):
    regions = ec2.describe_regions()["Regions"]
    assert _names(regions) == ENABLED
    for region in regions:
        assert region["Endpoint"] == f"ec2.{region['RegionName']}.amazonaws.com"
        assert region["OptInStatus"] == "opt-in-not-required"


def test_all_regions_adds_the_opt_in_regions_not_opted_in(ec2):
    regions = ec2.describe_regions(AllRegions=True)["Regions"]
    assert _names(regions) == ENABLED | OPT_IN
    assert {r["RegionName"] for r in regions if r["OptInStatus"] == "not-opted-in"} == OPT_IN


def test_region_names_describe_any_region(ec2):
    regions = ec2.describe_regions(RegionNames=["eu-west-1", "af-south-1"])["Regions"]
    assert {(r["RegionName"], r["OptInStatus"]) for r in regions} == {
        ("eu-west-1", "opt-in-not-required"), ("af-south-1", "not-opted-in")}
    assert error(ec2.describe_regions, RegionNames=["us-east-1", "us-nowhere-9"]) == (
        "InvalidParameterValue", "Invalid region: [us-nowhere-9]")


def test_region_filters(ec2):
    def names(*filters: dict, **params) -> set[str]:
        return _names(ec2.describe_regions(Filters=list(filters), **params)["Regions"])

    assert names({"Name": "region-name", "Values": ["eu-*"]}) == {r for r in ENABLED if r.startswith("eu-")}
    assert names({"Name": "endpoint", "Values": ["ec2.us-west-2.amazonaws.com"]}) == {"us-west-2"}
    assert names({"Name": "opt-in-status", "Values": ["not-opted-in"]}) == set()  # not listed without AllRegions
    assert names({"Name": "opt-in-status", "Values": ["not-opted-in"]}, AllRegions=True) == OPT_IN
    assert names({"Name": "opt-in-status", "Values": ["opted-in"]}, AllRegions=True) == set()
    assert error(ec2.describe_regions, Filters=[{"Name": "colour", "Values": ["x"]}])[0] == "InvalidParameterValue"


# --- DescribeAvailabilityZones -----------------------------------------------------------------------------------

def test_us_east_1_has_six_zones(ec2):
    found = ec2.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in found] == US_EAST_1
    for zone in found:
        assert zone["State"] == "available" and zone["RegionName"] == "us-east-1"
        assert zone["ZoneType"] == "availability-zone" and zone["OptInStatus"] == "opt-in-not-required"
        assert zone["GroupName"] == "us-east-1-zg-1" and zone["NetworkBorderGroup"] == "us-east-1"
        assert zone["GroupLongName"] == "US East (N. Virginia) 1"
        assert zone["Messages"] == []


@pytest.mark.parametrize("region, expected", [
    ("ap-northeast-1", [("ap-northeast-1a", "apne1-az4"), ("ap-northeast-1c", "apne1-az1"),
                        ("ap-northeast-1d", "apne1-az2")]),
    ("us-west-1", [("us-west-1a", "usw1-az3"), ("us-west-1b", "usw1-az1")]),
    ("ca-central-1", [("ca-central-1a", "cac1-az1"), ("ca-central-1b", "cac1-az2"), ("ca-central-1d", "cac1-az4")]),
    ("eu-central-1", [("eu-central-1a", "euc1-az2"), ("eu-central-1b", "euc1-az3"), ("eu-central-1c", "euc1-az1")]),
    ("ap-northeast-2", [(f"ap-northeast-2{x}", f"apne2-az{n}") for n, x in enumerate("abcd", start=1)]),
    ("af-south-1", [(f"af-south-1{x}", f"afs1-az{n}") for n, x in enumerate("abc", start=1)]),
])
def test_zones_of_other_regions(server, account, region, expected):
    client = server.client("ec2", account=account, region=region)
    found = client.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in found] == expected
    assert {z["RegionName"] for z in found} == {region}


def test_every_region_has_zones_and_default_subnets_in_each(server, account):
    regions = _names(server.client("ec2", account=account).describe_regions(AllRegions=True)["Regions"])
    for region in sorted(regions):
        client = server.client("ec2", account=account, region=region)
        found = client.describe_availability_zones()["AvailabilityZones"]
        assert len(found) >= 2, region
        defaults = client.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        assert sorted((s["AvailabilityZone"], s["AvailabilityZoneId"]) for s in defaults) == sorted(
            (z["ZoneName"], z["ZoneId"]) for z in found), region


def test_zone_names_and_ids(ec2):
    by_name = ec2.describe_availability_zones(ZoneNames=["us-east-1f", "us-east-1b"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in by_name] == ["us-east-1b", "us-east-1f"]
    by_id = ec2.describe_availability_zones(ZoneIds=["use1-az3"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in by_id] == ["us-east-1c"]
    both = ec2.describe_availability_zones(ZoneNames=["us-east-1a"], ZoneIds=["use1-az2"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in both] == ["us-east-1a", "us-east-1b"]


def test_unknown_zone_names_and_ids_fail_the_call(ec2):
    assert error(ec2.describe_availability_zones, ZoneNames=["us-east-1a", "us-east-1z"]) == (
        "InvalidParameterValue", "Invalid availability zone: [us-east-1z]")
    assert error(ec2.describe_availability_zones, ZoneNames=["eu-west-1a"]) == (
        "InvalidParameterValue", "Invalid availability zone: [eu-west-1a]")  # another region's zone
    assert error(ec2.describe_availability_zones, ZoneIds=["use1-az9"]) == (
        "InvalidParameterValue", "Invalid availability zone-id: [use1-az9]")


def test_zone_filters(ec2):
    def names(*filters: dict, **params) -> list[str]:
        return [z["ZoneName"] for z in ec2.describe_availability_zones(Filters=list(filters), **params)[
            "AvailabilityZones"]]

    assert names({"Name": "zone-name", "Values": ["us-east-1a", "us-east-1e"]}) == ["us-east-1a", "us-east-1e"]
    assert names({"Name": "zone-id", "Values": ["use1-az6"]}) == ["us-east-1f"]
    assert names({"Name": "region-name", "Values": ["us-east-1"]}) == [n for n, _ in US_EAST_1]
    assert names({"Name": "region-name", "Values": ["eu-west-1"]}) == []
    assert names({"Name": "state", "Values": ["available"]}) == [n for n, _ in US_EAST_1]
    assert names({"Name": "zone-type", "Values": ["availability-zone"]}) == [n for n, _ in US_EAST_1]
    assert names({"Name": "group-name", "Values": ["us-east-1-zg-1"]}) == [n for n, _ in US_EAST_1]
    assert names({"Name": "opt-in-status", "Values": ["opt-in-not-required"]}) == [n for n, _ in US_EAST_1]
    assert names({"Name": "zone-name", "Values": ["us-east-1[ab]", "us-east-1?"]}) == [n for n, _ in US_EAST_1]
    assert error(ec2.describe_availability_zones, Filters=[{"Name": "colour", "Values": ["x"]}]) == (
        "InvalidParameterValue", "The filter 'colour' is invalid")


def test_all_availability_zones_adds_local_zones_not_opted_in(ec2):
    every = ec2.describe_availability_zones(AllAvailabilityZones=True)["AvailabilityZones"]
    local = [z for z in every if z["ZoneType"] == "local-zone"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in every if z["ZoneType"] == "availability-zone"] == US_EAST_1
    assert local and all(z["OptInStatus"] == "not-opted-in" for z in local)
    boston = next(z for z in local if z["ZoneName"] == "us-east-1-bos-1a")
    assert (boston["ZoneId"], boston["GroupName"], boston["NetworkBorderGroup"]) == (
        "use1-bos1-az1", "us-east-1-bos-1", "us-east-1-bos-1")
    assert boston["ParentZoneName"].startswith("us-east-1") and boston["ParentZoneId"].startswith("use1-az")
    assert [z["ZoneName"] for z in ec2.describe_availability_zones(AllAvailabilityZones=True, Filters=[
        {"Name": "opt-in-status", "Values": ["not-opted-in"]}])["AvailabilityZones"]] == [z["ZoneName"] for z in local]
    assert [z["ZoneName"] for z in ec2.describe_availability_zones(ZoneNames=["us-east-1-bos-1a"])[
        "AvailabilityZones"]] == ["us-east-1-bos-1a"]  # a named zone is described whatever its opt-in status


def test_opt_in_region_zones_for_a_caller_there(server, account):
    """A caller in an opt-in region is taken to have opted in: its zones are described as usual."""
    milan = server.client("ec2", account=account, region="eu-south-1")
    found = milan.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"], z["OptInStatus"]) for z in found] == [
        (f"eu-south-1{x}", f"eus1-az{n}", "opt-in-not-required") for n, x in enumerate("abc", start=1)]


# --- subnets in any zone; the default subnets ----------------------------------------------------------------------

def test_subnets_in_every_zone_by_name_or_id(ec2):
    vpc_id = make_vpc(ec2)
    for index, (name, zone_id) in enumerate(US_EAST_1):
        params = {"AvailabilityZone": name} if index % 2 else {"AvailabilityZoneId": zone_id}
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", **params)["Subnet"]
        assert (subnet["AvailabilityZone"], subnet["AvailabilityZoneId"]) == (name, zone_id)


def test_subnet_zone_errors(server, account, ec2):
    vpc_id = make_vpc(ec2)
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a",
                 AvailabilityZoneId="use1-az1")[0] == "InvalidParameterCombination"
    code, message = error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone="eu-west-1a")
    assert code == "InvalidParameterValue" and "(eu-west-1a)" in message and "us-east-1f" in message
    code, message = error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZoneId="euw1-az1")
    assert code == "InvalidParameterValue" and "availabilityZoneId" in message
    code, _ = error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1-bos-1a")
    assert code == "InvalidParameterValue"  # a Local Zone the account has not opted in to
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"] == []
    tokyo = server.client("ec2", account=account, region="ap-northeast-1")
    tokyo_vpc = make_vpc(tokyo)
    subnet = tokyo.create_subnet(VpcId=tokyo_vpc, CidrBlock="10.0.0.0/24", AvailabilityZoneId="apne1-az4")["Subnet"]
    assert subnet["AvailabilityZone"] == "ap-northeast-1a"
    assert error(tokyo.create_subnet, VpcId=tokyo_vpc, CidrBlock="10.0.1.0/24",
                 AvailabilityZone="ap-northeast-1b")[0] == "InvalidParameterValue"


def test_default_vpc_has_a_default_subnet_per_zone_in_zone_order(ec2):
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    by_zone = sorted((s["AvailabilityZone"], s["AvailabilityZoneId"], s["CidrBlock"]) for s in subnets)
    assert by_zone == [(name, zone_id, f"172.31.{16 * n}.0/20") for n, (name, zone_id) in enumerate(US_EAST_1)]


def test_recreated_default_vpc_gets_every_zone_again(ec2):
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for gateway in ec2.describe_internet_gateways()["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc["VpcId"])
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc["VpcId"])
    new_id = ec2.create_default_vpc()["Vpc"]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [new_id]}])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == [n for n, _ in US_EAST_1]


# --- instances: out of scope ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("operation, params", [
    ("run_instances", {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1}),
    ("start_instances", {"InstanceIds": ["i-0123456789abcdef0"]}),
    ("stop_instances", {"InstanceIds": ["i-0123456789abcdef0"]}),
    ("terminate_instances", {"InstanceIds": ["i-0123456789abcdef0"]}),
])
def test_instance_changes_are_not_emulated(ec2, operation, params):
    name = "".join(part.title() for part in operation.split("_"))
    for dry_run in (False, True):  # a DryRun must not claim the call would succeed
        with pytest.raises(ClientError) as caught:
            getattr(ec2, operation)(DryRun=dry_run, **params)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert caught.value.response["Error"]["Code"] == "UnsupportedOperation"
        message = caught.value.response["Error"]["Message"]
        assert "runnerlink" in message and name in message


def test_describe_instances_is_an_empty_account(ec2):
    assert ec2.describe_instances()["Reservations"] == []
    assert ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]},
                                           {"Name": "tag:Name", "Values": ["web"]}])["Reservations"] == []
    assert [r for page in ec2.get_paginator("describe_instances").paginate() for r in page["Reservations"]] == []
    assert ec2.describe_instance_status()["InstanceStatuses"] == []
    assert ec2.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"] == []
    assert error(ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"]) == (
        "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist")
    assert error(ec2.describe_instance_status, InstanceIds=["i-0123456789abcdef0"])[0] == (
        "InvalidInstanceID.NotFound")


# --- quotas ----------------------------------------------------------------------------------------------------------

def test_at_most_two_hundred_subnets_per_vpc(ec2):
    vpc_id = make_vpc(ec2, "10.0.0.0/16")
    for index in range(200):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone="us-east-1a")
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.250.0/24") == (
        "SubnetLimitExceeded", "The maximum number of subnets has been reached.")
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]) == 200
    other = make_vpc(ec2, "10.1.0.0/16")  # the quota is per VPC
    make_subnet(ec2, other, "10.1.0.0/24", "us-east-1a")


def test_at_most_five_security_groups_per_interface(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.0.0/24", "us-east-1a")
    groups = [make_group(ec2, vpc_id, name=f"g{n}") for n in range(6)]
    assert error(ec2.create_network_interface, SubnetId=subnet_id, Groups=groups) == (
        "SecurityGroupsPerInterfaceLimitExceeded",
        "The maximum number of security groups per interface has been reached.")
    assert ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])[
        "NetworkInterfaces"] == []
    eni = ec2.create_network_interface(SubnetId=subnet_id, Groups=groups[:5] + groups[:1])["NetworkInterface"]
    assert len(eni["Groups"]) == 5  # a repeated group counts once
    assert error(ec2.modify_network_interface_attribute, NetworkInterfaceId=eni["NetworkInterfaceId"],
                 Groups=groups)[0] == "SecurityGroupsPerInterfaceLimitExceeded"
    (described,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"]
    assert sorted(g["GroupId"] for g in described["Groups"]) == sorted(groups[:5])


def test_interface_endpoint_groups_count_against_its_interfaces(ec2):
    """An interface endpoint's groups are its ENIs' groups, so the per-interface quota applies (AWS's answer here is
    assumed to be the interface's code); nothing of the endpoint is left behind."""
    network = make_network(ec2)
    groups = [network.group_id] + [make_group(ec2, network.vpc_id, name=f"g{n}") for n in range(5)]
    assert error(make_endpoint, ec2=ec2, network=network, SecurityGroupIds=groups)[0] == (
        "SecurityGroupsPerInterfaceLimitExceeded")
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])[
        "NetworkInterfaces"] == []
    endpoint = make_endpoint(ec2, network, SecurityGroupIds=groups[:5])
    assert len(endpoint["Groups"]) == 5


def test_at_most_sixty_outbound_rules(ec2):
    vpc_id = make_vpc(ec2)
    group_id = ec2.create_security_group(GroupName="out", Description="out", VpcId=vpc_id)["GroupId"]
    rules = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
             for port in range(1, 60)]
    ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=rules)  # 59 beside the default all-out rule
    assert error(ec2.authorize_security_group_egress, GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 61, "ToPort": 61, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]) == (
        "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=rules)  # inbound counts on its own
