"""Terraform (hashicorp/aws 5.100.0 from the local mirror): issue 9's VPC in us-west-2, end to end.

One configuration (tests/e2e/terraform/vpc_features/): a VPC with an Amazon-provided IPv6 /56 and a secondary IPv4
CIDR, DHCP options associated with it, dual-stack subnets in three zones and one in the secondary CIDR, a
customer-managed prefix list used by a route (to a peering connection) and a security group rule, a peering to a
second VPC, an s3 gateway endpoint on the route table and an apprunner interface endpoint in the three zones.

apply → the plan is empty → update the DHCP options (a new set replaces the old, the association follows) → the
plan is empty → destroy leaves nothing behind. boto3 checks what runnerlink holds after apply and destroy.
"""

from __future__ import annotations

import pytest

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

REGION = "us-west-2"


def test_vpc_features_apply_update_destroy(workspace, tf_server, account):
    ec2 = tf_server.client("ec2", account=account, region=REGION)
    tf = workspace("vpc_features")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()
    assert out["zones"] == ["us-west-2a", "us-west-2b", "us-west-2c"]

    vpc = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"][0]
    assert sorted(a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]) == ["10.30.0.0/16", "10.31.0.0/16"]
    assert vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"]["State"] == "associated"
    options = ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"][0]
    assert {"Key": "domain-name", "Values": [{"Value": "corp.internal"}]} in options["DhcpConfigurations"]

    peering = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[out["peering_id"]])
    assert peering["VpcPeeringConnections"][0]["Status"]["Code"] == "active"
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["RouteTables"]
    routes = [r for t in tables for r in t["Routes"]]
    assert any(r.get("DestinationPrefixListId") == out["prefix_list_id"]
               and r.get("VpcPeeringConnectionId") == out["peering_id"] for r in routes)
    assert any(r.get("GatewayId", "").startswith("vpce-") for r in routes)  # the s3 gateway endpoint's route
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["VpcEndpoints"]
    assert sorted(e["VpcEndpointType"] for e in endpoints) == ["Gateway", "Interface"]
    interface = next(e for e in endpoints if e["VpcEndpointType"] == "Interface")
    assert len(interface["SubnetIds"]) == 3 and interface["PrivateDnsEnabled"]

    tf.apply(UPDATED)
    tf.assert_no_changes(UPDATED)
    vpc = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"][0]
    options = ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"][0]
    assert {"Key": "domain-name", "Values": [{"Value": "corp.example"}]} in options["DhcpConfigurations"]

    tf.destroy(UPDATED)
    assert ec2.describe_vpcs(VpcIds=[], Filters=[{"Name": "cidr", "Values": ["10.30.0.0/16", "10.40.0.0/16"]}])[
        "Vpcs"] == []
    lists = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["office"]}])
    assert lists["PrefixLists"] == []
