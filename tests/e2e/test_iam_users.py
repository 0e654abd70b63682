"""IAM users, groups and access keys through boto3 (paginators included) and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from runnerlink.auth.keys import account_of_key

from tests.e2e.iam_helpers import document, refused


@pytest.fixture
def iam(server, account):
    return server.client("iam", account=account)


def test_create_get_list_users_with_paths_and_tags(iam, account):
    created = iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "web"}])["User"]
    assert created["Arn"] == f"arn:aws:iam::{account}:user/eng/alice"
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21
    assert created["Tags"] == [{"Key": "team", "Value": "web"}]
    iam.create_user(UserName="bob")
    got = iam.get_user(UserName="alice")["User"]
    assert (got["Path"], got["UserId"], got["Tags"]) == ("/eng/", created["UserId"], created["Tags"])
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice", "bob"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/eng/")["Users"]] == ["alice"]
    assert "Tags" not in iam.list_users()["Users"][0]


def test_user_errors(iam):
    iam.create_user(UserName="carol")
    refused(lambda: iam.create_user(UserName="carol"), "EntityAlreadyExists", 409, "User with name carol already exists.")
    refused(lambda: iam.create_user(UserName="CAROL"), "EntityAlreadyExists", 409)
    refused(lambda: iam.get_user(UserName="nobody"), "NoSuchEntity", 404, "The user with name nobody cannot be found.")
    refused(lambda: iam.create_user(UserName="x", Path="no-slashes"), "ValidationError", 400)
    refused(lambda: iam.create_user(UserName="bad name!"), "ValidationError", 400)
    refused(lambda: iam.tag_user(UserName="carol", Tags=[{"Key": "aws:x", "Value": "1"}]), "InvalidInput", 400)


def test_get_user_without_name_is_the_caller(server, iam, account):
    root = iam.get_user()["User"]
    assert (root["UserId"], root["Arn"]) == (account, f"arn:aws:iam::{account}:root")


def test_list_users_paginates(iam):
    for n in range(7):
        iam.create_user(UserName=f"user{n}")
    first = iam.list_users(MaxItems=3)
    assert first["IsTruncated"] and len(first["Users"]) == 3 and first["Marker"]
    pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 4
    assert [u["UserName"] for p in pages for u in p["Users"]] == [f"user{n}" for n in range(7)]
    refused(lambda: iam.list_users(Marker="not-ours"), "InvalidInput", 400, "Invalid Marker.")


def test_rename_user_keeps_its_keys_groups_and_policies(iam, account):
    iam.create_user(UserName="dave")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="dave")
    key = iam.create_access_key(UserName="dave")["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName="dave", PolicyName="read", PolicyDocument=document())
    iam.attach_user_policy(UserName="dave", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.update_user(UserName="dave", NewUserName="david", NewPath="/ops/")
    refused(lambda: iam.get_user(UserName="dave"), "NoSuchEntity", 404)
    assert iam.get_user(UserName="david")["User"]["Arn"] == f"arn:aws:iam::{account}:user/ops/david"
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="david")["AccessKeyMetadata"]] == [key]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="david")["Groups"]] == ["ops"]
    assert iam.list_user_policies(UserName="david")["PolicyNames"] == ["read"]
    assert [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="david")["AttachedPolicies"]] == \
        ["ReadOnlyAccess"]
    assert [u["UserName"] for u in iam.get_group(GroupName="ops")["Users"]] == ["david"]
    iam.create_user(UserName="erin")
    refused(lambda: iam.update_user(UserName="erin", NewUserName="david"), "EntityAlreadyExists", 409)


def test_delete_user_conflicts_until_everything_is_gone(iam):
    iam.create_user(UserName="frank")
    iam.create_group(GroupName="devs")
    key = iam.create_access_key(UserName="frank")["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName="frank", PolicyName="inline", PolicyDocument=document())
    iam.attach_user_policy(UserName="frank", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.add_user_to_group(GroupName="devs", UserName="frank")
    steps = [("Cannot delete entity, must delete access keys first.",
              lambda: iam.delete_access_key(UserName="frank", AccessKeyId=key)),
             ("Cannot delete entity, must delete policies first.",
              lambda: iam.delete_user_policy(UserName="frank", PolicyName="inline")),
             ("Cannot delete entity, must detach all policies first.",
              lambda: iam.detach_user_policy(UserName="frank", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")),
             ("Cannot delete entity, must remove user from all groups first.",
              lambda: iam.remove_user_from_group(GroupName="devs", UserName="frank"))]
    for message, fix in steps:
        refused(lambda: iam.delete_user(UserName="frank"), "DeleteConflict", 409, message)
        fix()
    iam.delete_user(UserName="frank")
    refused(lambda: iam.delete_user(UserName="frank"), "NoSuchEntity", 404)


def test_user_tags(iam):
    iam.create_user(UserName="gina", Tags=[{"Key": "a", "Value": "1"}])
    iam.tag_user(UserName="gina", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert iam.list_user_tags(UserName="gina")["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    iam.untag_user(UserName="gina", TagKeys=["a"])
    assert iam.get_user(UserName="gina")["User"]["Tags"] == [{"Key": "b", "Value": "2"}]
    refused(lambda: iam.tag_user(UserName="gina", Tags=[{"Key": f"k{n}", "Value": ""} for n in range(50)]),
            "LimitExceeded", 409)


def test_groups_and_memberships(iam, account):
    group = iam.create_group(GroupName="admins", Path="/corp/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{account}:group/corp/admins" and group["GroupId"].startswith("AGPA")
    refused(lambda: iam.create_group(GroupName="admins"), "EntityAlreadyExists", 409,
            "Group with name admins already exists.")
    refused(lambda: iam.get_group(GroupName="none"), "NoSuchEntity", 404, "The group with name none cannot be found.")
    for name in ("u1", "u2", "u3"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="admins", UserName=name)
    iam.add_user_to_group(GroupName="admins", UserName="u1")  # again: no change
    refused(lambda: iam.add_user_to_group(GroupName="admins", UserName="ghost"), "NoSuchEntity", 404,
            "The user with name ghost cannot be found.")
    assert [u["UserName"] for u in iam.get_group(GroupName="admins")["Users"]] == ["u1", "u2", "u3"]
    pages = list(iam.get_paginator("get_group").paginate(GroupName="admins", PaginationConfig={"PageSize": 2}))
    assert [len(p["Users"]) for p in pages] == [2, 1]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/corp")["Groups"]] == ["admins"]
    refused(lambda: iam.delete_group(GroupName="admins"), "DeleteConflict", 409,
            "Cannot delete entity, must remove users from group first.")
    for name in ("u1", "u2", "u3"):
        iam.remove_user_from_group(GroupName="admins", UserName=name)
    assert iam.list_groups_for_user(UserName="u1")["Groups"] == []
    iam.update_group(GroupName="admins", NewGroupName="root-admins", NewPath="/")
    assert iam.get_group(GroupName="root-admins")["Group"]["Arn"] == f"arn:aws:iam::{account}:group/root-admins"
    iam.put_group_policy(GroupName="root-admins", PolicyName="p", PolicyDocument=document())
    refused(lambda: iam.delete_group(GroupName="root-admins"), "DeleteConflict", 409,
            "Cannot delete entity, must delete policies first.")
    iam.delete_group_policy(GroupName="root-admins", PolicyName="p")
    iam.delete_group(GroupName="root-admins")
    assert iam.list_groups()["Groups"] == []


def test_a_user_is_in_at_most_ten_groups(iam):
    iam.create_user(UserName="joiner")
    for n in range(10):
        iam.create_group(GroupName=f"g{n}")
        iam.add_user_to_group(GroupName=f"g{n}", UserName="joiner")
    iam.create_group(GroupName="g10")
    refused(lambda: iam.add_user_to_group(GroupName="g10", UserName="joiner"), "LimitExceeded", 409,
            "Cannot exceed quota for GroupsPerUser: 10")


def test_access_keys(iam, account):
    iam.create_user(UserName="keyholder")
    first = iam.create_access_key(UserName="keyholder")["AccessKey"]
    assert first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20
    assert len(first["SecretAccessKey"]) == 40 and first["Status"] == "Active"
    assert account_of_key(first["AccessKeyId"]) == account  # AWS-format ids carry their account
    second = iam.create_access_key(UserName="keyholder")["AccessKey"]
    refused(lambda: iam.create_access_key(UserName="keyholder"), "LimitExceeded", 409,
            "Cannot exceed quota for AccessKeysPerUser: 2")
    listed = iam.list_access_keys(UserName="keyholder")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [first["AccessKeyId"], second["AccessKeyId"]]
    assert all("SecretAccessKey" not in k for k in listed)
    iam.update_access_key(UserName="keyholder", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    assert [k["Status"] for k in iam.list_access_keys(UserName="keyholder")["AccessKeyMetadata"]] == \
        ["Active", "Inactive"]
    refused(lambda: iam.update_access_key(UserName="keyholder", AccessKeyId=second["AccessKeyId"], Status="Off"),
            "ValidationError", 400)
    last = iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])
    assert last["UserName"] == "keyholder" and last["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    iam.delete_access_key(UserName="keyholder", AccessKeyId=second["AccessKeyId"])
    refused(lambda: iam.delete_access_key(UserName="keyholder", AccessKeyId=second["AccessKeyId"]), "NoSuchEntity",
            404, f"The Access Key with id {second['AccessKeyId']} cannot be found.")
    refused(lambda: iam.create_access_key(UserName="nobody"), "NoSuchEntity", 404)


def test_access_keys_without_user_name_are_the_root_callers_refusal(iam):
    refused(lambda: iam.create_access_key(), "ValidationError", 400,
            "Must specify userName when calling with non-User credentials")


def test_aws_cli_users_and_groups(server, account, tmp_path):
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "HOME": str(tmp_path)}

    def aws(*args: str) -> dict:
        result = subprocess.run(["aws", "iam", *args, "--endpoint-url", server.url, "--output", "json"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    assert aws("create-user", "--user-name", "cli-user")["User"]["Arn"] == f"arn:aws:iam::{account}:user/cli-user"
    aws("create-group", "--group-name", "cli-group")
    aws("add-user-to-group", "--group-name", "cli-group", "--user-name", "cli-user")
    assert [g["GroupName"] for g in aws("list-groups-for-user", "--user-name", "cli-user")["Groups"]] == ["cli-group"]
    key = aws("create-access-key", "--user-name", "cli-user")["AccessKey"]
    assert key["SecretAccessKey"]
    aws("create-user", "--user-name", "cli-user2")
    # --page-size 1: the CLI follows IsTruncated and Marker across two requests.
    assert [u["UserName"] for u in aws("list-users", "--page-size", "1")["Users"]] == ["cli-user", "cli-user2"]
    failed = subprocess.run(["aws", "iam", "get-user", "--user-name", "ghost", "--endpoint-url", server.url],
                            env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "NoSuchEntity" in failed.stderr and "ghost cannot be found" in failed.stderr
