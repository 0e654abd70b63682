"""Terraform (hashicorp/aws 5.100.0 from the local mirror): customer-managed prefix lists used by a route and by
security group rules (tests/e2e/terraform/prefix_lists/).

apply → the plan is empty → update the list in place (an entry replaced, MaxEntries raised; updated.tfvars: the
provider makes two ModifyManagedPrefixList calls, waiting for modify-complete after each) → the plan is empty →
destroy leaves no customer list behind. After each step boto3 checks what runnerlink holds.

Known Terraform behaviour (not runnerlink's): a description-only change of an entry makes hashicorp/aws 5.100.0 send
a stale CurrentVersion on its second call (terraform-provider-aws #43528), which fails with PrefixListVersionMismatch
as it does against AWS; the update here changes no description.
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


@pytest.fixture
def ec2(tf_server, account):
    return tf_server.client("ec2", account=account)


def entries(ec2, prefix_list_id: str) -> dict[str, str | None]:
    found = ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id)["Entries"]
    return {e["Cidr"]: e.get("Description") for e in found}


def own_lists(ec2, account: str) -> list[dict]:
    return ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": [account]}])["PrefixLists"]


def test_prefix_list_in_a_route_and_security_group_rules(workspace, ec2, account):
    tf = workspace("prefix_lists")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()
    prefix_list_id = out["prefix_list_id"]
    [office] = ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"]
    assert (office["PrefixListName"], office["MaxEntries"], office["Version"], office["State"]) == (
        "tf-office", 5, 1, "create-complete")
    assert entries(ec2, prefix_list_id) == {"198.51.100.0/24": "office", "203.0.113.0/28": "vpn"}
    assert entries(ec2, out["partners_id"]) == {"192.0.2.0/24": "partner"}
    routes = ec2.describe_route_tables(RouteTableIds=[out["route_table_id"]])["RouteTables"][0]["Routes"]
    assert any(r.get("DestinationPrefixListId") == prefix_list_id and r["State"] == "active" for r in routes)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [out["security_group_id"]]}])
    referencing = [r for r in rules["SecurityGroupRules"] if r.get("PrefixListId") == prefix_list_id]
    assert sorted(r["IsEgress"] for r in referencing) == [False, True]
    associated = ec2.get_managed_prefix_list_associations(PrefixListId=prefix_list_id)["PrefixListAssociations"]
    assert sorted(a["ResourceId"] for a in associated) == sorted([out["route_table_id"], out["security_group_id"]])

    tf.apply(UPDATED)
    tf.assert_no_changes(UPDATED)
    updated = tf.outputs()
    assert updated["prefix_list_id"] == prefix_list_id  # in place
    [office] = ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"]
    assert office["MaxEntries"] == 8 and office["State"] == "modify-complete"
    assert office["Version"] == updated["prefix_list_version"] > 1
    assert entries(ec2, prefix_list_id) == {"198.51.100.0/24": "office", "192.0.2.128/25": "branch"}

    tf.destroy(UPDATED)
    assert all(p["State"] == "delete-complete" for p in own_lists(ec2, account))
