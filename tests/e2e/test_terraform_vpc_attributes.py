"""Terraform (hashicorp/aws 5.100.0 from the local mirror) over the VPC calls of issue 9 this branch adds: a VPC with
every attribute set and an Amazon-provided IPv6 /56, a secondary IPv4 block, custom DHCP options associated with it,
a dual-stack subnet in the secondary block with every subnet attribute Terraform sets, and a subnet CIDR reservation.

apply → boto3 sees it → the plan is empty → destroy leaves nothing behind (the VPC is back to no custom options)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    account,
    skip_without_terraform,
    sts_available,
    tf_home,
    tf_server,
    workspace,
)

skip_without_terraform()

pytestmark = pytest.mark.terraform


@pytest.fixture
def ec2(tf_server, account):
    return tf_server.client("ec2", account=account)


def test_apply_plan_clean_destroy(ec2, workspace):
    tf = workspace("vpc_attributes")
    tf.apply()
    out = tf.outputs()

    [vpc] = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"]
    assert vpc["DhcpOptionsId"] == out["dhcp_options_id"]
    assert {a["CidrBlock"]: a["CidrBlockState"]["State"] for a in vpc["CidrBlockAssociationSet"]} == {
        "10.30.0.0/16": "associated", "10.31.0.0/16": "associated"}
    [ipv6] = vpc["Ipv6CidrBlockAssociationSet"]
    assert ipv6["Ipv6CidrBlock"] == out["ipv6_block"] and ipv6["Ipv6CidrBlockState"]["State"] == "associated"
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames"),
                           ("enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics")):
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key] == {"Value": True}

    [subnet] = ec2.describe_subnets(SubnetIds=[out["subnet_id"]])["Subnets"]
    assert subnet["CidrBlock"] == "10.31.1.0/24"
    assert subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == out["subnet_ipv6_block"]
    assert subnet["AssignIpv6AddressOnCreation"] and subnet["MapPublicIpOnLaunch"] and subnet["EnableDns64"]
    assert subnet["PrivateDnsNameOptionsOnLaunch"] == {"HostnameType": "resource-name",
                                                       "EnableResourceNameDnsARecord": True,
                                                       "EnableResourceNameDnsAAAARecord": True}
    [reservation] = ec2.get_subnet_cidr_reservations(SubnetId=subnet["SubnetId"])["SubnetIpv4CidrReservations"]
    assert reservation["SubnetCidrReservationId"] == out["reservation_id"]
    assert (reservation["Cidr"], reservation["ReservationType"]) == ("10.31.1.16/28", "explicit")

    tf.assert_no_changes()
    tf.destroy()
    assert tf.state_list() == []
    for call, key in ((ec2.describe_vpcs, "VpcIds"), (ec2.describe_dhcp_options, "DhcpOptionsIds")):
        resource_id = out["vpc_id"] if key == "VpcIds" else out["dhcp_options_id"]
        with pytest.raises(ClientError):
            call(**{key: [resource_id]})
