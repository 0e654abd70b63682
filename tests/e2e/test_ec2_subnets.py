"""Subnets and network ACLs through boto3: CIDR rules, zones, filters, pages, attributes, dependencies; and the
address allocation other modules use, in process."""

from __future__ import annotations

import pytest

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import subnets, vpcs
from runnerlink.services.ec2.records.subnets import allocate_ip, get_subnet, release_ip
from runnerlink.services.ec2.records.vpcs import dns_attributes
from runnerlink.store.memory import MemoryStore
from tests.e2e.test_ec2_vpcs import error, implemented


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def test_create_subnet_shape(ec2, account, vpc_id):
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b",
                               TagSpecifications=[{"ResourceType": "subnet",
                                                   "Tags": [{"Key": "Name", "Value": "private-b"}]}])["Subnet"]
    subnet_id = subnet["SubnetId"]
    assert subnet_id.startswith("subnet-") and len(subnet_id) == 24
    assert subnet["VpcId"] == vpc_id
    assert subnet["CidrBlock"] == "10.0.1.0/24"
    assert subnet["State"] == "available"
    assert subnet["AvailabilityZone"] == "us-east-1b"
    assert subnet["AvailabilityZoneId"] == "use1-az2"
    assert subnet["AvailableIpAddressCount"] == 251
    assert subnet["MapPublicIpOnLaunch"] is False
    assert subnet["DefaultForAz"] is False
    assert subnet["AssignIpv6AddressOnCreation"] is False
    assert subnet["Ipv6Native"] is False
    assert subnet["EnableDns64"] is False
    assert subnet["PrivateDnsNameOptionsOnLaunch"] == {
        "HostnameType": "ip-name", "EnableResourceNameDnsARecord": False, "EnableResourceNameDnsAAAARecord": False}
    assert subnet["SubnetArn"] == f"arn:aws:ec2:us-east-1:{account}:subnet/{subnet_id}"
    assert subnet["OwnerId"] == account
    assert subnet["Tags"] == [{"Key": "Name", "Value": "private-b"}]
    (described,) = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    assert described == subnet


def test_subnet_zone_by_id_and_by_default(ec2, vpc_id):
    by_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/28", AvailabilityZoneId="use1-az3")["Subnet"]
    assert (by_id["AvailabilityZone"], by_id["AvailableIpAddressCount"]) == ("us-east-1c", 11)
    chosen = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]
    assert chosen["AvailabilityZone"].startswith("us-east-1")
    code, message = error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1z")
    assert code == "InvalidParameterValue" and "us-east-1z" in message
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZoneId="use1-az99")[0] == (
        "InvalidParameterValue")
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1a",
                 AvailabilityZoneId="use1-az1")[0] == "InvalidParameterCombination"


@pytest.mark.parametrize("cidr", ["10.1.0.0/24", "10.0.0.0/15", "10.0.0.0/29", "172.16.0.0/24", "10.0.0.0/8"])
def test_subnet_cidr_must_be_in_the_vpc_and_16_to_28(ec2, vpc_id, cidr):
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock=cidr) == (
        "InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid.")


def test_subnet_cidr_may_be_the_whole_vpc(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/24")["Vpc"]["VpcId"]
    assert ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.9.0.0/24")["Subnet"]["AvailableIpAddressCount"] == 251


@pytest.mark.parametrize("cidr", ["10.0.1.0/24", "10.0.1.128/25", "10.0.0.0/16", "10.0.0.0/23"])
def test_overlapping_subnets_conflict(ec2, vpc_id, cidr):
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock=cidr) == (
        "InvalidSubnet.Conflict", f"The CIDR '{cidr}' conflicts with another subnet")


def test_same_cidr_in_another_vpc_is_fine(ec2, vpc_id):
    other = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    ec2.create_subnet(VpcId=other, CidrBlock="10.0.1.0/24")


def test_create_subnet_errors(ec2, vpc_id):
    assert error(ec2.create_subnet, VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.1.0/24") == (
        "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
    assert error(ec2.create_subnet, VpcId="vpc-xyz", CidrBlock="10.0.1.0/24")[0] == "InvalidVpcID.Malformed"
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.0")[0] == "InvalidParameterValue"
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="nonsense/24")[0] == "InvalidParameterValue"
    assert error(ec2.create_subnet, VpcId=vpc_id)[0] == "MissingParameter"
    assert error(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.0/24", DryRun=True)[0] == "DryRunOperation"


def test_malformed_and_unknown_subnet_ids(ec2):
    assert error(ec2.describe_subnets, SubnetIds=["subnet-xyz"]) == (
        "InvalidSubnetID.Malformed", 'Invalid id: "subnet-xyz" (expecting "subnet-...")')
    assert error(ec2.describe_subnets, SubnetIds=["subnet-0123456789abcdef0"]) == (
        "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist")
    assert error(ec2.delete_subnet, SubnetId="subnet-0123456789abcdef0")[0] == "InvalidSubnetID.NotFound"
    assert error(ec2.modify_subnet_attribute, SubnetId="subnet-0123456789abcdef0",
                 MapPublicIpOnLaunch={"Value": True})[0] == "InvalidSubnetID.NotFound"


def test_describe_subnets_filters(ec2, account, vpc_id):
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a",
                               TagSpecifications=[{"ResourceType": "subnet",
                                                   "Tags": [{"Key": "tier", "Value": "public-a"}]}])["Subnet"]
    private = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b",
                                TagSpecifications=[{"ResourceType": "subnet",
                                                    "Tags": [{"Key": "tier", "Value": "private-b"}]}])["Subnet"]
    ec2.modify_subnet_attribute(SubnetId=public["SubnetId"], MapPublicIpOnLaunch={"Value": True})

    def ids(*filters):
        return sorted(s["SubnetId"] for s in ec2.describe_subnets(Filters=list(filters))["Subnets"])

    both = sorted([public["SubnetId"], private["SubnetId"]])
    assert ids({"Name": "vpc-id", "Values": [vpc_id]}) == both
    assert ids({"Name": "subnet-id", "Values": [private["SubnetId"]]}) == [private["SubnetId"]]
    in_vpc = {"Name": "vpc-id", "Values": [vpc_id]}
    assert ids(in_vpc, {"Name": "availability-zone", "Values": ["us-east-1b"]}) == [private["SubnetId"]]
    assert ids(in_vpc, {"Name": "availability-zone-id", "Values": ["use1-az1"]}) == [public["SubnetId"]]
    for name in ("cidr-block", "cidr", "cidrBlock"):
        assert ids({"Name": name, "Values": ["10.0.1.0/24"]}) == [private["SubnetId"]]
    assert ids({"Name": "cidr-block", "Values": ["10.0.*"]}) == both
    assert ids(in_vpc, {"Name": "state", "Values": ["available"]}) == both
    assert ids(in_vpc, {"Name": "default-for-az", "Values": ["false"]}) == both
    assert ids(in_vpc, {"Name": "default-for-az", "Values": ["true"]}) == []
    assert ids(in_vpc, {"Name": "map-public-ip-on-launch", "Values": ["true"]}) == [public["SubnetId"]]
    assert ids({"Name": "tag:tier", "Values": ["*-b"]}) == [private["SubnetId"]]
    assert ids({"Name": "tag:tier", "Values": ["public-?"]}) == [public["SubnetId"]]
    assert ids(in_vpc, {"Name": "owner-id", "Values": [account]}) == both
    assert error(ec2.describe_subnets, Filters=[{"Name": "flavour", "Values": ["x"]}])[0] == "InvalidParameterValue"


def test_describe_subnets_pages(ec2, vpc_id):
    for index in range(7):
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24")
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    first = ec2.describe_subnets(Filters=in_vpc, MaxResults=5)
    assert len(first["Subnets"]) == 5 and first["NextToken"]
    second = ec2.describe_subnets(Filters=in_vpc, MaxResults=5, NextToken=first["NextToken"])
    assert len(second["Subnets"]) == 2 and "NextToken" not in second
    assert len({s["SubnetId"] for s in first["Subnets"] + second["Subnets"]}) == 7


def test_modify_subnet_attribute_one_at_a_time(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    ec2.modify_subnet_attribute(SubnetId=subnet_id, PrivateDnsHostnameTypeOnLaunch="resource-name")
    ec2.modify_subnet_attribute(SubnetId=subnet_id, EnableResourceNameDnsARecordOnLaunch={"Value": True})
    ec2.modify_subnet_attribute(SubnetId=subnet_id, EnableDns64={"Value": True})
    (subnet,) = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    assert subnet["MapPublicIpOnLaunch"] is True
    assert subnet["EnableDns64"] is True
    assert subnet["PrivateDnsNameOptionsOnLaunch"] == {
        "HostnameType": "resource-name", "EnableResourceNameDnsARecord": True, "EnableResourceNameDnsAAAARecord": False}
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": False},
                 EnableDns64={"Value": False}) == (
        "InvalidParameterCombination", "Fields for multiple attribute types specified: mapPublicIpOnLaunch, "
                                       "enableDns64")
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id)[0] == "MissingParameter"
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id,
                 AssignIpv6AddressOnCreation={"Value": True})[0] == "InvalidParameterValue"
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": False})
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["MapPublicIpOnLaunch"] is False


def test_delete_subnet(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.delete_subnet(SubnetId=subnet_id)
    assert error(ec2.describe_subnets, SubnetIds=[subnet_id])[0] == "InvalidSubnetID.NotFound"
    assert error(ec2.delete_subnet, SubnetId=subnet_id)[0] == "InvalidSubnetID.NotFound"
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")  # the range is free again


def test_delete_subnet_removes_its_route_table_association(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    table_id = implemented(ec2, "create_route_table", VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    assert ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Associations"] == []
    ec2.delete_route_table(RouteTableId=table_id)


def test_delete_subnet_refuses_while_a_network_interface_uses_it(ec2, vpc_id):
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]
    eni = implemented(ec2, "create_network_interface", SubnetId=subnet["SubnetId"])["NetworkInterface"]
    assert eni["PrivateIpAddress"] == "10.0.1.4"
    assert ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"] == 250
    assert error(ec2.delete_subnet, SubnetId=subnet["SubnetId"]) == (
        "DependencyViolation", f"The subnet '{subnet['SubnetId']}' has dependencies and cannot be deleted.")
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"] == 251
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])


def test_delete_subnet_refuses_while_an_endpoint_uses_it(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    implemented(ec2, "create_vpc_endpoint", VpcId=vpc_id, VpcEndpointType="Interface",
                ServiceName="com.amazonaws.us-east-1.apprunner", SubnetIds=[subnet_id], PrivateDnsEnabled=False)
    assert error(ec2.delete_subnet, SubnetId=subnet_id)[0] == "DependencyViolation"


# --- network ACLs -----------------------------------------------------------------------------------------------------

def _default_acl(ec2, vpc_id: str) -> dict:
    (acl,) = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    return acl


def test_subnets_join_the_default_network_acl(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    acl = _default_acl(ec2, vpc_id)
    (association,) = acl["Associations"]
    assert association["SubnetId"] == subnet_id and association["NetworkAclId"] == acl["NetworkAclId"]
    assert association["NetworkAclAssociationId"].startswith("aclassoc-")
    (found,) = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "NetworkAcls"]
    assert found["NetworkAclId"] == acl["NetworkAclId"]
    ec2.delete_subnet(SubnetId=subnet_id)
    assert _default_acl(ec2, vpc_id)["Associations"] == []


def test_network_acl_ids_and_filters(ec2, vpc_id):
    acl_id = _default_acl(ec2, vpc_id)["NetworkAclId"]
    assert ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]["VpcId"] == vpc_id
    assert [a["NetworkAclId"] for a in ec2.describe_network_acls(
        Filters=[{"Name": "network-acl-id", "Values": [acl_id]}])["NetworkAcls"]] == [acl_id]
    assert error(ec2.describe_network_acls, NetworkAclIds=["acl-xyz"])[0] == "InvalidNetworkAclId.Malformed"
    assert error(ec2.describe_network_acls, NetworkAclIds=["acl-0123456789abcdef0"])[0] == (
        "InvalidNetworkAclID.NotFound")
    ec2.create_tags(Resources=[acl_id], Tags=[{"Key": "Name", "Value": "edge"}])
    assert len(ec2.describe_network_acls(Filters=[{"Name": "tag:Name", "Values": ["ed*"]}])["NetworkAcls"]) == 1
    assert len(ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]) == 2
    page = ec2.describe_network_acls(MaxResults=5)
    assert len(page["NetworkAcls"]) == 2 and "NextToken" not in page


def test_custom_network_acl_lifecycle(ec2, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=vpc_id, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "strict"}]}])["NetworkAcl"]
    assert acl["IsDefault"] is False and acl["Associations"] == []
    assert [(e["Egress"], e["RuleNumber"], e["RuleAction"]) for e in acl["Entries"]] == [
        (True, 32767, "deny"), (False, 32767, "deny")]

    ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=110, Protocol="tcp",
                                 RuleAction="allow", Egress=False, CidrBlock="10.0.0.0/16",
                                 PortRange={"From": 443, "To": 443})
    assert error(ec2.create_network_acl_entry, NetworkAclId=acl["NetworkAclId"], RuleNumber=110, Protocol="-1",
                 RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")[0] == "NetworkAclEntryAlreadyExists"
    assert error(ec2.create_network_acl_entry, NetworkAclId=acl["NetworkAclId"], RuleNumber=120, Protocol="tcp",
                 RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0")[0] == "MissingParameter"
    assert error(ec2.create_network_acl_entry, NetworkAclId=acl["NetworkAclId"], RuleNumber=32767,
                 Protocol="-1", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0")[0] == "InvalidParameterValue"
    ec2.replace_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=110, Protocol="-1",
                                  RuleAction="deny", Egress=False, CidrBlock="192.0.2.0/24")
    (entry,) = [e for e in ec2.describe_network_acls(NetworkAclIds=[acl["NetworkAclId"]])["NetworkAcls"][0]["Entries"]
                if e["RuleNumber"] == 110]
    assert (entry["Protocol"], entry["RuleAction"], entry["CidrBlock"]) == ("-1", "deny", "192.0.2.0/24")

    old = _default_acl(ec2, vpc_id)["Associations"][0]["NetworkAclAssociationId"]
    new = ec2.replace_network_acl_association(AssociationId=old, NetworkAclId=acl["NetworkAclId"])["NewAssociationId"]
    assert new.startswith("aclassoc-") and new != old
    assert _default_acl(ec2, vpc_id)["Associations"] == []
    assert error(ec2.replace_network_acl_association, AssociationId=old,
                 NetworkAclId=acl["NetworkAclId"])[0] == "InvalidAssociationID.NotFound"
    assert error(ec2.delete_network_acl, NetworkAclId=acl["NetworkAclId"])[0] == "DependencyViolation"
    default_id = _default_acl(ec2, vpc_id)["NetworkAclId"]
    ec2.replace_network_acl_association(AssociationId=new, NetworkAclId=default_id)
    assert error(ec2.delete_network_acl, NetworkAclId=default_id)[0] == "InvalidParameterValue"

    ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=110, Egress=False)
    assert error(ec2.delete_network_acl_entry, NetworkAclId=acl["NetworkAclId"], RuleNumber=110,
                 Egress=False)[0] == "InvalidNetworkAclEntry.NotFound"
    ec2.delete_network_acl(NetworkAclId=acl["NetworkAclId"])
    assert error(ec2.describe_network_acls, NetworkAclIds=[acl["NetworkAclId"]])[0] == "InvalidNetworkAclID.NotFound"
    assert ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "NetworkAcls"][0]["NetworkAclId"] == default_id


def test_network_acl_association_stays_within_its_vpc(ec2, vpc_id):
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_network_acl(VpcId=other_vpc)["NetworkAcl"]["NetworkAclId"]
    association = _default_acl(ec2, vpc_id)["Associations"][0]["NetworkAclAssociationId"]
    assert error(ec2.replace_network_acl_association, AssociationId=association,
                 NetworkAclId=foreign)[0] == "InvalidParameterValue"


# --- addresses, in process --------------------------------------------------------------------------------------------

def _context(tx) -> HandlerContext:
    return HandlerContext(account="123456789012", region="us-east-1", now=1000.0, tx=tx, lifecycle_delay=0.0,
                          request_id="r", principal_arn="arn:aws:iam::123456789012:root")


def test_allocate_and_release_addresses():
    store = MemoryStore()
    with store.transaction("123456789012/us-east-1", write=True) as tx:
        ctx = _context(tx)
        vpc_id = vpcs.create_vpc(ctx, {"CidrBlock": "10.0.0.0/16"})["Vpc"]["VpcId"]
        subnet_id = subnets.create_subnet(ctx, {"VpcId": vpc_id, "CidrBlock": "10.0.3.0/28"})["Subnet"]["SubnetId"]
        subnet = get_subnet(ctx, subnet_id)
        got = [allocate_ip(ctx, subnet) for _ in range(11)]
        assert got == [f"10.0.3.{n}" for n in range(4, 15)]  # .0-.3 and .15 are reserved
        assert get_subnet(ctx, subnet_id)["AvailableIpAddressCount"] == 0
        with pytest.raises(Exception) as full:
            allocate_ip(ctx, get_subnet(ctx, subnet_id))
        assert full.value.code == "InsufficientFreeAddressesInSubnet"
        release_ip(ctx, subnet_id, "10.0.3.7")
        release_ip(ctx, subnet_id, "10.0.3.7")  # twice is harmless
        assert get_subnet(ctx, subnet_id)["AvailableIpAddressCount"] == 1
        assert allocate_ip(ctx, get_subnet(ctx, subnet_id)) == "10.0.3.7"
        assert dns_attributes(ctx, vpc_id) == (True, False)
