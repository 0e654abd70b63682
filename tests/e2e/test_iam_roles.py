"""IAM roles, instance profiles and service-linked roles through boto3 and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from botocore.exceptions import ClientError

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "tasks.apprunner.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture
def iam(server, account):
    return server.client("iam", account=account)


def error_of(call, *args, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_a_role(iam, account):
    created = iam.create_role(RoleName="instance", Path="/apps/", AssumeRolePolicyDocument=json.dumps(TRUST),
                              Description="the app's role", MaxSessionDuration=7200,
                              Tags=[{"Key": "team", "Value": "blue"}])["Role"]
    assert created["Arn"] == f"arn:aws:iam::{account}:role/apps/instance"
    assert created["RoleId"].startswith("AROA") and len(created["RoleId"]) == 21
    assert created["AssumeRolePolicyDocument"] == TRUST  # boto3 decodes the URL-encoded document
    got = iam.get_role(RoleName="instance")["Role"]
    assert got["Description"] == "the app's role" and got["MaxSessionDuration"] == 7200
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}] and got["RoleLastUsed"] == {}
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["instance", "other"]
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/apps/")["Roles"]] == ["instance"]
    first = iam.list_roles(MaxItems=1)
    assert first["IsTruncated"] and [r["RoleName"] for r in iam.list_roles(Marker=first["Marker"])["Roles"]] == [
        "other"]


def test_the_trust_policy_travels_url_encoded(server, account):
    import urllib.parse

    import botocore.session

    iam = server.client("iam", account=account)
    iam.create_role(RoleName="raw", AssumeRolePolicyDocument=json.dumps(TRUST))
    session = botocore.session.get_session()
    client = session.create_client("iam", endpoint_url=server.url, region_name="us-east-1",
                                   aws_access_key_id=account, aws_secret_access_key="x")
    raw = []
    client.meta.events.register("after-call.iam.GetRole", lambda http_response, **_: raw.append(http_response.text))
    client.get_role(RoleName="raw")
    body = raw[0]
    start = body.index("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
    encoded = body[start:body.index("</AssumeRolePolicyDocument>")]
    assert encoded.startswith("%7B%22Version%22")
    assert json.loads(urllib.parse.unquote(encoded)) == TRUST


def test_role_errors(iam):
    iam.create_role(RoleName="dup", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert error_of(iam.create_role, RoleName="DUP", AssumeRolePolicyDocument=json.dumps(TRUST)) == (
        "EntityAlreadyExists", "Role with name DUP already exists.", 409)
    assert error_of(iam.get_role, RoleName="nope") == (
        "NoSuchEntity", "The role with name nope cannot be found.", 404)
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    code, message, _ = error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(no_principal))
    assert (code, message) == ("MalformedPolicyDocument", "Missing required field Principal.")
    wrong_action = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}]}
    assert error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(wrong_action))[:2] == (
        "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.")
    assert error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument="{not json")[:2] == (
        "MalformedPolicyDocument", "Syntax errors in policy.")
    code, _, _ = error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(TRUST),
                          MaxSessionDuration=50000)  # botocore checks min only
    assert code == "ValidationError"
    assert error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])[:2] == (
        "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    boundary = "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"
    assert error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(TRUST),
                    PermissionsBoundary=boundary)[:2] == (
        "NoSuchEntity", f"Scope ARN: {boundary} does not exist or is not attachable.")


def test_update_a_role_and_its_trust_policy_and_tags(iam):
    iam.create_role(RoleName="upd", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.update_role(RoleName="upd", Description="one", MaxSessionDuration=43200)
    assert iam.update_role_description(RoleName="upd", Description="two")["Role"]["Description"] == "two"
    other = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
    iam.update_assume_role_policy(RoleName="upd", PolicyDocument=json.dumps(other))
    role = iam.get_role(RoleName="upd")["Role"]
    assert role["MaxSessionDuration"] == 43200 and role["AssumeRolePolicyDocument"] == other
    iam.tag_role(RoleName="upd", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_role(RoleName="upd", Tags=[{"Key": "A", "Value": "3"}])
    iam.untag_role(RoleName="upd", TagKeys=["b"])
    assert iam.list_role_tags(RoleName="upd")["Tags"] == [{"Key": "A", "Value": "3"}]
    assert error_of(iam.update_assume_role_policy, RoleName="upd", PolicyDocument="[]")[0] == (
        "MalformedPolicyDocument")


def test_delete_a_role_in_an_instance_profile_conflicts(iam):
    iam.create_role(RoleName="prof-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_role(RoleName="second", AssumeRolePolicyDocument=json.dumps(TRUST))
    profile = iam.create_instance_profile(InstanceProfileName="prof", Path="/x/",
                                          Tags=[{"Key": "k", "Value": "v"}])["InstanceProfile"]
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="prof-role")
    assert error_of(iam.add_role_to_instance_profile, InstanceProfileName="prof", RoleName="second") == (
        "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)
    got = iam.get_instance_profile(InstanceProfileName="prof")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["prof-role"] and got["Roles"][0]["AssumeRolePolicyDocument"] == TRUST
    assert [p["InstanceProfileName"] for p in
            iam.list_instance_profiles_for_role(RoleName="prof-role")["InstanceProfiles"]] == ["prof"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles(PathPrefix="/x/")["InstanceProfiles"]] == [
        "prof"]
    assert error_of(iam.delete_role, RoleName="prof-role") == (
        "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    assert error_of(iam.delete_instance_profile, InstanceProfileName="prof")[0] == "DeleteConflict"
    iam.remove_role_from_instance_profile(InstanceProfileName="prof", RoleName="prof-role")
    assert error_of(iam.remove_role_from_instance_profile, InstanceProfileName="prof", RoleName="prof-role")[0] == (
        "NoSuchEntity")
    iam.tag_instance_profile(InstanceProfileName="prof", Tags=[{"Key": "k2", "Value": "v2"}])
    iam.untag_instance_profile(InstanceProfileName="prof", TagKeys=["k"])
    assert iam.list_instance_profile_tags(InstanceProfileName="prof")["Tags"] == [{"Key": "k2", "Value": "v2"}]
    iam.delete_role(RoleName="prof-role")
    iam.delete_instance_profile(InstanceProfileName="prof")
    assert error_of(iam.get_instance_profile, InstanceProfileName="prof") == (
        "NoSuchEntity", "Instance Profile prof cannot be found.", 404)
    assert error_of(iam.create_instance_profile, InstanceProfileName="p2", Path="no-slashes")[0] == "ValidationError"


def test_permissions_boundary_put_and_delete(iam, server, account):
    iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=json.dumps(TRUST))
    missing = f"arn:aws:iam::{account}:policy/none"
    assert error_of(iam.put_role_permissions_boundary, RoleName="bounded", PermissionsBoundary=missing)[0] == (
        "NoSuchEntity")
    iam.delete_role_permissions_boundary(RoleName="bounded")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded")["Role"]


def test_app_runner_service_linked_roles(iam, account):
    role = iam.create_service_linked_role(AWSServiceName="apprunner.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAppRunner"
    assert role["Path"] == "/aws-service-role/apprunner.amazonaws.com/"
    assert role["Arn"] == (f"arn:aws:iam::{account}:role/aws-service-role/apprunner.amazonaws.com/"
                           "AWSServiceRoleForAppRunner")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["apprunner.amazonaws.com"]}
    networking = iam.create_service_linked_role(AWSServiceName="networking.apprunner.amazonaws.com",
                                                Description="VPC access")["Role"]
    assert networking["RoleName"] == "AWSServiceRoleForAppRunnerNetworking"
    assert networking["Description"] == "VPC access"
    assert error_of(iam.create_service_linked_role, AWSServiceName="apprunner.amazonaws.com") == (
        "InvalidInput", "Service role name AWSServiceRoleForAppRunner has been taken in this account, please try a "
                        "different suffix.", 400)
    assert error_of(iam.create_service_linked_role, AWSServiceName="nothing.example.com")[0] == "InvalidInput"
    protected = ("UnmodifiableEntity", "Cannot perform the operation on the protected role "
                 "'AWSServiceRoleForAppRunner' - this role is only modifiable by AWS", 400)
    assert error_of(iam.delete_role, RoleName="AWSServiceRoleForAppRunner") == protected
    assert error_of(iam.update_assume_role_policy, RoleName="AWSServiceRoleForAppRunner",
                    PolicyDocument=json.dumps(TRUST)) == protected
    assert error_of(iam.update_role, RoleName="AWSServiceRoleForAppRunner", MaxSessionDuration=7200) == protected
    assert error_of(iam.put_role_policy, RoleName="AWSServiceRoleForAppRunner", PolicyName="more",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})) == protected
    slr_policy = "arn:aws:iam::aws:policy/aws-service-role/AppRunnerServiceRolePolicy"
    assert error_of(iam.detach_role_policy, RoleName="AWSServiceRoleForAppRunner", PolicyArn=slr_policy) == protected
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(
        RoleName="AWSServiceRoleForAppRunner")["AttachedPolicies"]] == [slr_policy]
    assert iam.get_policy(PolicyArn=slr_policy)["Policy"]["AttachmentCount"] == 1
    iam.update_role_description(RoleName="AWSServiceRoleForAppRunner", Description="edited")  # allowed on AWS too
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAppRunner")["DeletionTaskId"]
    assert task.startswith("task/aws-service-role/apprunner.amazonaws.com/AWSServiceRoleForAppRunner/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert error_of(iam.get_role, RoleName="AWSServiceRoleForAppRunner")[0] == "NoSuchEntity"
    assert iam.get_policy(PolicyArn=slr_policy)["Policy"]["AttachmentCount"] == 0
    iam.create_service_linked_role(AWSServiceName="apprunner.amazonaws.com")  # the name is free again


def test_roles_are_global_one_store_per_account(server, account):
    east = server.client("iam", account=account, region="us-east-1")
    west = server.client("iam", account=account, region="eu-west-1")
    east.create_role(RoleName="everywhere", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert west.get_role(RoleName="everywhere")["Role"]["RoleName"] == "everywhere"


def test_aws_cli_create_and_get_role(server, account, tmp_path):
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "HOME": str(tmp_path)}
    (tmp_path / "trust.json").write_text(json.dumps(TRUST))

    def aws(*args):
        result = subprocess.run(["aws", "iam", *args, "--endpoint-url", server.url, "--output", "json"], env=env,
                                capture_output=True, text=True, timeout=60)
        return result

    created = aws("create-role", "--role-name", "cli-role", "--assume-role-policy-document",
                  f"file://{tmp_path / 'trust.json'}")
    assert created.returncode == 0, created.stderr
    got = aws("get-role", "--role-name", "cli-role")
    assert got.returncode == 0, got.stderr
    role = json.loads(got.stdout)["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST and role["Arn"] == f"arn:aws:iam::{account}:role/cli-role"
    missing = aws("get-role", "--role-name", "nope")
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr
