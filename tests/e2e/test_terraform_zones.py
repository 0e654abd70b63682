"""Terraform (hashicorp/aws 5.100.0 from the local mirror): the region and zone data sources (aws_regions,
aws_availability_zones, aws_availability_zone) and a subnet in every zone they list, by zone id."""

from __future__ import annotations

import pytest

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

US_EAST_1 = [f"us-east-1{letter}" for letter in "abcdef"]


def test_zone_data_sources_and_a_subnet_per_zone(workspace, tf_server, account):
    tf = workspace("zones")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()
    assert "us-east-1" in out["regions"] and "af-south-1" in out["regions"] and len(out["regions"]) >= 30
    assert "af-south-1" in out["opt_in_regions"] and "us-east-1" not in out["opt_in_regions"]
    assert out["zone_names"] == US_EAST_1
    assert set(US_EAST_1) < set(out["all_zone_names"]) and "us-east-1-bos-1a" in out["all_zone_names"]  # sorted
    assert out["by_id"] == {"name": "us-east-1d", "region": "us-east-1"}
    assert out["subnet_zones"] == US_EAST_1
    tf.destroy()
    ec2 = tf_server.client("ec2", account=account)
    assert ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.30.0.0/16"]}])["Vpcs"] == []
