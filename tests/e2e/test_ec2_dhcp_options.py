"""DHCP options sets through boto3: create (each option checked as AWS does), describe (ids, filters, tags), delete
(not while a VPC uses the set), associate (a set, or "default" for none)."""

from __future__ import annotations

import pytest
from tests.e2e.ec2_fixtures import error


def options(ec2, **configurations) -> dict:
    return ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": key.replace("_", "-"), "Values": values} for key, values in configurations.items()])["DhcpOptions"]


def test_create_and_describe_every_option(ec2, account):
    created = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["10.0.0.2", "10.0.0.3"]},
        {"Key": "ntp-servers", "Values": ["169.254.169.123", "fd00:ec2::123"]},
        {"Key": "netbios-name-servers", "Values": ["10.0.0.4"]},
        {"Key": "netbios-node-type", "Values": ["2"]},
    ], TagSpecifications=[{"ResourceType": "dhcp-options", "Tags": [{"Key": "Name", "Value": "corp"}]}])["DhcpOptions"]
    assert created["DhcpOptionsId"].startswith("dopt-")
    assert created["OwnerId"] == account
    assert created["Tags"] == [{"Key": "Name", "Value": "corp"}]
    (described,) = ec2.describe_dhcp_options(DhcpOptionsIds=[created["DhcpOptionsId"]])["DhcpOptions"]
    by_key = {c["Key"]: [v["Value"] for v in c["Values"]] for c in described["DhcpConfigurations"]}
    assert by_key == {"domain-name": ["corp.example"], "domain-name-servers": ["10.0.0.2", "10.0.0.3"],
                      "ntp-servers": ["169.254.169.123", "fd00:ec2::123"], "netbios-name-servers": ["10.0.0.4"],
                      "netbios-node-type": ["2"]}


def test_domain_name_may_hold_several_domains(ec2):
    created = options(ec2, domain_name=["corp.example lab.example"])
    assert created["DhcpConfigurations"][0]["Values"] == [{"Value": "corp.example lab.example"}]


def test_comma_separated_servers_are_split(ec2):
    created = options(ec2, domain_name_servers=["10.0.0.2, 10.0.0.3"])
    assert [v["Value"] for v in created["DhcpConfigurations"][0]["Values"]] == ["10.0.0.2", "10.0.0.3"]


def test_describe_filters(ec2, account):
    corp = options(ec2, domain_name=["corp.example"])
    ec2.create_tags(Resources=[corp["DhcpOptionsId"]], Tags=[{"Key": "team", "Value": "net"}])
    lab = options(ec2, domain_name_servers=["AmazonProvidedDNS"])

    def ids(*filters):
        found = ec2.describe_dhcp_options(Filters=[{"Name": n, "Values": v} for n, v in filters])["DhcpOptions"]
        return {o["DhcpOptionsId"] for o in found} & {corp["DhcpOptionsId"], lab["DhcpOptionsId"]}

    assert ids(("dhcp-options-id", [corp["DhcpOptionsId"]])) == {corp["DhcpOptionsId"]}
    assert ids(("key", ["domain-name"])) == {corp["DhcpOptionsId"]}
    assert ids(("value", ["corp.*"])) == {corp["DhcpOptionsId"]}
    assert ids(("value", ["AmazonProvidedDNS"])) == {lab["DhcpOptionsId"]}
    assert ids(("owner-id", [account])) == {corp["DhcpOptionsId"], lab["DhcpOptionsId"]}
    assert ids(("tag:team", ["net"])) == {corp["DhcpOptionsId"]}
    assert ids(("tag-key", ["team"])) == {corp["DhcpOptionsId"]}


@pytest.mark.parametrize("configuration", [
    {"Key": "domain-name-servers", "Values": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]},
    {"Key": "domain-name-servers", "Values": ["dns.example"]},
    {"Key": "ntp-servers", "Values": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]},
    {"Key": "netbios-name-servers", "Values": ["not-an-ip"]},
    {"Key": "netbios-node-type", "Values": ["3"]},
    {"Key": "netbios-node-type", "Values": ["1", "2"]},
    {"Key": "ipv6-address-preferred-lease-time", "Values": ["10"]},
    {"Key": "colour", "Values": ["blue"]},
    {"Key": "domain-name", "Values": []},
    {"Key": "domain-name", "Values": ["corp\texample"]},
])
def test_invalid_options(ec2, configuration):
    """AWS answers InvalidParameterValue for a bad option; the exact sentences are runnerlink's (unverified)."""
    assert error(ec2.create_dhcp_options, DhcpConfigurations=[configuration])[0] == "InvalidParameterValue"


def test_option_given_twice_and_no_option(ec2):
    assert error(ec2.create_dhcp_options, DhcpConfigurations=[{"Key": "domain-name", "Values": ["a.example"]},
                                                              {"Key": "domain-name", "Values": ["b.example"]}]
                 )[0] == "InvalidParameterValue"
    # An empty list is not sent on the query wire: the request lacks a required member (its wording is the wire's).
    assert error(ec2.create_dhcp_options, DhcpConfigurations=[])[0] in ("MissingParameter", "InvalidParameterValue")


def test_wrong_tag_resource_type(ec2):
    assert error(ec2.create_dhcp_options, DhcpConfigurations=[{"Key": "domain-name", "Values": ["a.example"]}],
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]
                 )[0] == "InvalidParameterValue"


def test_associate_changes_the_vpcs_options_and_default_means_none(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    original = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"]
    corp = options(ec2, domain_name=["corp.example"])["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=corp, VpcId=vpc_id)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] == corp
    found = ec2.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [corp]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc_id]
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc_id)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] == "default"
    ec2.associate_dhcp_options(DhcpOptionsId=original, VpcId=vpc_id)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["DhcpOptionsId"] == original


def test_associate_errors(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert error(ec2.associate_dhcp_options, DhcpOptionsId="dopt-0123456789abcdef0", VpcId=vpc_id) == (
        "InvalidDhcpOptionID.NotFound", "The DHCP options ID 'dopt-0123456789abcdef0' does not exist")
    # the casing of EC2's error reference
    assert error(ec2.associate_dhcp_options, DhcpOptionsId="dopt-xyz", VpcId=vpc_id)[0] == (
        "InvalidDhcpOptionsId.Malformed")
    corp = options(ec2, domain_name=["corp.example"])["DhcpOptionsId"]
    assert error(ec2.associate_dhcp_options, DhcpOptionsId=corp, VpcId="vpc-0123456789abcdef0")[0] == (
        "InvalidVpcID.NotFound")


def test_delete_refuses_while_associated(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    corp = options(ec2, domain_name=["corp.example"])["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=corp, VpcId=vpc_id)
    assert error(ec2.delete_dhcp_options, DhcpOptionsId=corp) == (
        "DependencyViolation", f"The dhcpOptions '{corp}' has dependencies and cannot be deleted.")
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc_id)
    ec2.delete_dhcp_options(DhcpOptionsId=corp)
    assert error(ec2.describe_dhcp_options, DhcpOptionsIds=[corp])[0] == "InvalidDhcpOptionID.NotFound"
    assert error(ec2.delete_dhcp_options, DhcpOptionsId=corp)[0] == "InvalidDhcpOptionID.NotFound"


def test_a_deleted_vpc_no_longer_holds_its_options(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    corp = options(ec2, domain_name=["corp.example"])["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=corp, VpcId=vpc_id)
    ec2.delete_vpc(VpcId=vpc_id)
    ec2.delete_dhcp_options(DhcpOptionsId=corp)


def test_new_vpcs_get_no_options_once_the_default_set_is_deleted(ec2):
    """Unverified on AWS: after the default set is gone, a new VPC is assumed to get "default" (no options)."""
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    default_set = default_vpc["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=default_vpc["VpcId"])
    ec2.delete_dhcp_options(DhcpOptionsId=default_set)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert vpc["DhcpOptionsId"] == "default"
