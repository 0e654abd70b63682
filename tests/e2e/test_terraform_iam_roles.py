"""Terraform (hashicorp/aws 5.100.0 from the local mirror): aws_iam_role (the instance and ECR access roles an App
Runner service uses), aws_iam_instance_profile and aws_iam_service_linked_role for apprunner.amazonaws.com. Applies
with no drift, then destroys to nothing. (Users, groups and policies: test_terraform_iam.py.)"""

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
