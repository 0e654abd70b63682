"""Terraform (hashicorp/aws 5.100.0 from the local mirror): IAM users, groups and both membership resources, a
managed policy updated into a new default version, an inline user policy, user and group attachments (one of an AWS
managed policy) and an access key; and aws_iam_role (the instance and ECR access roles an App Runner service uses),
aws_iam_instance_profile and aws_iam_service_linked_role for apprunner.amazonaws.com. Each applies with no drift,
then destroys to nothing. (One module: one server and one `terraform init` for both.)"""

from __future__ import annotations

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


def test_roles_profile_and_service_linked_role_apply_without_drift(workspace, tf_server, account):
    iam = tf_server.client("iam", account=account)
    tf = workspace("iam_roles")
    tf.apply()
    out = tf.outputs()
    assert out["instance_role_arn"] == f"arn:aws:iam::{account}:role/apps/app-instance"
    role = iam.get_role(RoleName="app-instance")["Role"]
    assert role["RoleId"] == out["instance_role_id"] and role["MaxSessionDuration"] == 7200
    assert {t["Key"]: t["Value"] for t in role["Tags"]} == {"Team": "blue", "ManagedBy": "terraform"}
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "tasks.apprunner.amazonaws.com"}
    assert out["access_role_name"].startswith("ecr-access-")
    profile = iam.get_instance_profile(InstanceProfileName="app-profile")["InstanceProfile"]
    assert profile["Arn"] == out["profile_arn"] and [r["RoleName"] for r in profile["Roles"]] == ["app-instance"]
    assert out["service_linked_role_arn"] == (
        f"arn:aws:iam::{account}:role/aws-service-role/apprunner.amazonaws.com/AWSServiceRoleForAppRunner")
    tf.assert_no_changes()
    tf.destroy()
    for name in ("app-instance", out["access_role_name"], "AWSServiceRoleForAppRunner"):
        with pytest.raises(ClientError) as gone:
            iam.get_role(RoleName=name)
        assert gone.value.response["Error"]["Code"] == "NoSuchEntity"
    assert iam.list_instance_profiles()["InstanceProfiles"] == []
