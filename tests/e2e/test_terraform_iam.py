"""Terraform (hashicorp/aws 5.100.0 from the local mirror): IAM users, groups and both membership resources, a
managed policy updated into a new default version, an inline user policy, user and group attachments (one of an AWS
managed policy) and an access key. Applies with no drift, updates, then destroys to nothing.

The roles (aws_iam_role, aws_iam_instance_profile, aws_iam_service_linked_role) are test_terraform_iam_roles.py: a
file of their own, so that `--dist loadfile` runs the two on different workers."""

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


def test_iam_users_groups_policies_and_keys(workspace, tf_server, account):
    tf = workspace("iam")
    tf.services = ("IAM", "STS")
    tf.apply()
    tf.assert_no_changes()
    iam = tf_server.client("iam", account=account)
    out = tf.outputs()
    assert out["user_arn"] == f"arn:aws:iam::{account}:user/ci/deployer"
    assert out["policy_arn"] == f"arn:aws:iam::{account}:policy/ci/deploy"
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="deployer")["AccessKeyMetadata"]] == \
        [out["access_key_id"]]
    tags = {t["Key"]: t["Value"] for t in iam.get_user(UserName="deployer")["User"]["Tags"]}
    assert tags == {"ManagedBy": "terraform", "Team": "platform"}  # default_tags too
    assert [u["UserName"] for u in iam.get_group(GroupName="operators")["Users"]] == ["deployer"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="viewer")["Groups"]] == ["readers"]
    assert iam.get_policy(PolicyArn=out["policy_arn"])["Policy"]["AttachmentCount"] == 2

    tf.apply(UPDATED)
    tf.assert_no_changes(UPDATED)
    versions = iam.list_policy_versions(PolicyArn=out["policy_arn"])["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]
    document = iam.get_policy_version(PolicyArn=out["policy_arn"], VersionId="v2")["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Action"] == ["apprunner:ListServices", "apprunner:DescribeService"]

    tf.destroy(UPDATED)
    assert iam.list_users()["Users"] == [] and iam.list_groups()["Groups"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AWSAppRunnerReadOnlyAccess")["Policy"][
        "AttachmentCount"] == 0
    assert tf.retried_requests() == []
