"""IAM managed policies (versions, AWS's own), inline and attached policies of users, groups and roles, permissions
boundaries: boto3 with its paginators, and the AWS CLI for a policy document round trip."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse

import pytest

from tests.e2e.iam_helpers import document, refused

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ECR_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"
SERVICE_LINKED = "arn:aws:iam::aws:policy/aws-service-role/AppRunnerServiceRolePolicy"


@pytest.fixture
def iam(server, account):
    return server.client("iam", account=account)


def test_create_get_policy_and_its_document(iam, account):
    text = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
                                                               "Action": ["s3:GetObject"], "Resource": "*"}]}, indent=2)
    policy = iam.create_policy(PolicyName="reader", Path="/app/", PolicyDocument=text, Description="reads",
                               Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{account}:policy/app/reader"
    assert policy["PolicyId"].startswith("ANPA") and policy["DefaultVersionId"] == "v1"
    assert (policy["AttachmentCount"], policy["IsAttachable"]) == (0, True)
    got = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert got["Description"] == "reads" and got["Tags"] == [{"Key": "k", "Value": "v"}]
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(text) and version["IsDefaultVersion"] is True  # botocore decoded it
    refused(lambda: iam.create_policy(PolicyName="reader", PolicyDocument=text), "EntityAlreadyExists", 409,
            "A policy called reader already exists. Duplicate names are not allowed.")
    refused(lambda: iam.get_policy(PolicyArn=f"arn:aws:iam::{account}:policy/none"), "NoSuchEntity", 404,
            f"Policy arn:aws:iam::{account}:policy/none does not exist or is not attachable.")
    refused(lambda: iam.get_policy(PolicyArn="arn:aws:s3:::not-a-policy"), "InvalidInput", 400,
            "ARN arn:aws:s3:::not-a-policy is not valid.")


def test_the_document_is_url_encoded_on_the_wire(server, iam, account):
    """IAM returns documents percent-encoded; botocore decodes them, Terraform and other SDKs unescape them."""
    text = document("s3:GetObject", "arn:aws:s3:::bucket/a b+c")
    arn = iam.create_policy(PolicyName="encoded", PolicyDocument=text)["Policy"]["Arn"]
    seen = {}
    iam.meta.events.register("after-call.iam.GetPolicyVersion",
                             lambda http_response, **_: seen.update(body=http_response.text))
    iam.get_policy_version(PolicyArn=arn, VersionId="v1")
    raw = seen["body"].split("<Document>")[1].split("</Document>")[0]
    assert "%7B%22Version%22" in raw and urllib.parse.unquote(raw) == text


def test_malformed_documents_are_refused_with_the_engines_messages(iam):
    refused(lambda: iam.create_policy(PolicyName="p", PolicyDocument="{not json"), "MalformedPolicyDocument", 400,
            "Syntax errors in policy.")
    no_resource = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]})
    refused(lambda: iam.create_policy(PolicyName="p", PolicyDocument=no_resource), "MalformedPolicyDocument", 400,
            "Policy statement must contain resources.")
    with_principal = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    refused(lambda: iam.create_policy(PolicyName="p", PolicyDocument=with_principal), "MalformedPolicyDocument", 400,
            "Policy document should not specify a principal.")
    huge = document("s3:GetObject", "arn:aws:s3:::" + "x" * 6200)
    refused(lambda: iam.create_policy(PolicyName="p", PolicyDocument=huge), "LimitExceeded", 409,
            "Cannot exceed quota for PolicySize: 6144")


def test_policy_versions(iam, account):
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=document("s3:GetObject"))["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("s3:PutObject"), SetAsDefault=True)
    assert v2["PolicyVersion"]["VersionId"] == "v2" and v2["PolicyVersion"]["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    for action in ("s3:A", "s3:B", "s3:C"):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document(action))
    refused(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("s3:D")), "LimitExceeded", 409,
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
            "existing version.")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in versions] == [False, False, False, True, False]
    assert all("Document" not in v for v in versions)
    refused(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v2"), "DeleteConflict", 409,
            "Cannot delete the default version of a policy.")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    v6 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("s3:E"))["PolicyVersion"]
    assert v6["VersionId"] == "v6"  # ids are never reused
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v6")
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v6")["PolicyVersion"]["IsDefaultVersion"] is True
    refused(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v1"), "NoSuchEntity", 404,
            f"Policy {arn} version v1 does not exist or is not attachable.")
    refused(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", 409,
            "This policy has more than one version. Before you delete a policy, you must delete the policy's "
            "versions. The default version is deleted with the policy.")
    for version in ("v2", "v3", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=version)
    iam.delete_policy(PolicyArn=arn)
    refused(lambda: iam.get_policy(PolicyArn=arn), "NoSuchEntity", 404)


def test_aws_managed_policies_are_listed_read_and_attachable(iam):
    aws = [p["Arn"] for page in iam.get_paginator("list_policies").paginate(Scope="AWS") for p in page["Policies"]]
    assert {ADMIN, ECR_ACCESS, "arn:aws:iam::aws:policy/AWSAppRunnerFullAccess"} <= set(aws)
    admin = iam.get_policy(PolicyArn=ADMIN)["Policy"]
    document_ = iam.get_policy_version(PolicyArn=ADMIN, VersionId=admin["DefaultVersionId"])["PolicyVersion"]
    assert document_["Document"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    ecr = iam.get_policy_version(PolicyArn=ECR_ACCESS, VersionId="v1")["PolicyVersion"]["Document"]
    assert "ecr:BatchGetImage" in ecr["Statement"][0]["Action"]
    iam.create_user(UserName="attached")
    iam.attach_user_policy(UserName="attached", PolicyArn=ADMIN)
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1
    attached_only = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in attached_only] == [ADMIN]
    refused(lambda: iam.delete_policy(PolicyArn=ADMIN), "NoSuchEntity", 404)
    refused(lambda: iam.attach_user_policy(UserName="attached", PolicyArn=SERVICE_LINKED), "NoSuchEntity", 404,
            f"Policy {SERVICE_LINKED} does not exist or is not attachable.")
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_inline_policies_of_users_and_groups(iam):
    iam.create_user(UserName="inl")
    iam.create_group(GroupName="inlg")
    iam.put_user_policy(UserName="inl", PolicyName="b", PolicyDocument=document("s3:B"))
    iam.put_user_policy(UserName="inl", PolicyName="a", PolicyDocument=document("s3:A"))
    iam.put_user_policy(UserName="inl", PolicyName="a", PolicyDocument=document("s3:A2"))  # replaces
    assert iam.list_user_policies(UserName="inl")["PolicyNames"] == ["a", "b"]
    got = iam.get_user_policy(UserName="inl", PolicyName="a")
    assert got["UserName"] == "inl" and got["PolicyDocument"]["Statement"][0]["Action"] == "s3:A2"
    refused(lambda: iam.get_user_policy(UserName="inl", PolicyName="zz"), "NoSuchEntity", 404,
            "The user policy with name zz cannot be found.")
    refused(lambda: iam.put_user_policy(UserName="ghost", PolicyName="a", PolicyDocument=document()), "NoSuchEntity",
            404, "The user with name ghost cannot be found.")
    refused(lambda: iam.put_user_policy(UserName="inl", PolicyName="bad", PolicyDocument='{"Version": "2012-10-17"}'),
            "MalformedPolicyDocument", 400)
    big = document("s3:GetObject", "arn:aws:s3:::" + "x" * 2100)
    refused(lambda: iam.put_user_policy(UserName="inl", PolicyName="big", PolicyDocument=big), "LimitExceeded", 409,
            "Maximum policy size of 2048 bytes exceeded for user inl.")
    iam.put_group_policy(GroupName="inlg", PolicyName="big", PolicyDocument=big)  # groups allow 5120
    bigger = document("s3:GetObject", "arn:aws:s3:::" + "x" * 5200)
    refused(lambda: iam.put_group_policy(GroupName="inlg", PolicyName="bigger", PolicyDocument=bigger),
            "LimitExceeded", 409, "Maximum policy size of 5120 bytes exceeded for group inlg.")
    assert iam.get_group_policy(GroupName="inlg", PolicyName="big")["GroupName"] == "inlg"
    iam.delete_group_policy(GroupName="inlg", PolicyName="big")
    refused(lambda: iam.delete_group_policy(GroupName="inlg", PolicyName="big"), "NoSuchEntity", 404,
            "The group policy with name big cannot be found.")


def test_role_policy_operations_need_the_role(iam):
    refused(lambda: iam.put_role_policy(RoleName="norole", PolicyName="p", PolicyDocument=document()),
            "NoSuchEntity", 404, "The role with name norole cannot be found.")
    refused(lambda: iam.attach_role_policy(RoleName="norole", PolicyArn=ADMIN), "NoSuchEntity", 404,
            "The role with name norole cannot be found.")
    refused(lambda: iam.list_attached_role_policies(RoleName="norole"), "NoSuchEntity", 404)


def test_attachments_counts_limits_and_entities(iam, account):
    iam.create_user(UserName="att")
    iam.create_group(GroupName="attg")
    arns = [iam.create_policy(PolicyName=f"p{n}", Path="/team/" if n % 2 else "/",
                              PolicyDocument=document())["Policy"]["Arn"] for n in range(11)]
    for arn in arns[:10]:
        iam.attach_user_policy(UserName="att", PolicyArn=arn)
    iam.attach_user_policy(UserName="att", PolicyArn=arns[0])  # again: no change
    refused(lambda: iam.attach_user_policy(UserName="att", PolicyArn=arns[10]), "LimitExceeded", 409,
            "Cannot exceed quota for PoliciesPerUser: 10")
    assert iam.get_policy(PolicyArn=arns[0])["Policy"]["AttachmentCount"] == 1
    team = iam.list_attached_user_policies(UserName="att", PathPrefix="/team/")["AttachedPolicies"]
    assert [p["PolicyName"] for p in team] == ["p1", "p3", "p5", "p7", "p9"]
    pages = list(iam.get_paginator("list_attached_user_policies").paginate(UserName="att",
                                                                           PaginationConfig={"PageSize": 4}))
    assert [len(p["AttachedPolicies"]) for p in pages] == [4, 4, 2]
    iam.attach_group_policy(GroupName="attg", PolicyArn=arns[0])
    entities = iam.list_entities_for_policy(PolicyArn=arns[0])
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["att"]
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == ["attg"] and entities["PolicyRoles"] == []
    assert iam.list_entities_for_policy(PolicyArn=arns[0], EntityFilter="Group")["PolicyUsers"] == []
    assert iam.get_policy(PolicyArn=arns[0])["Policy"]["AttachmentCount"] == 2
    refused(lambda: iam.delete_policy(PolicyArn=arns[0]), "DeleteConflict", 409,
            "Cannot delete a policy attached to entities.")
    iam.detach_user_policy(UserName="att", PolicyArn=arns[0])
    iam.detach_group_policy(GroupName="attg", PolicyArn=arns[0])
    refused(lambda: iam.detach_group_policy(GroupName="attg", PolicyArn=arns[0]), "NoSuchEntity", 404,
            f"Policy {arns[0]} was not found.")
    assert iam.get_policy(PolicyArn=arns[0])["Policy"]["AttachmentCount"] == 0
    iam.delete_policy(PolicyArn=arns[0])
    refused(lambda: iam.attach_user_policy(UserName="att", PolicyArn=arns[0]), "NoSuchEntity", 404)


def test_permissions_boundaries_of_users(iam, account):
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=document("s3:*"))["Policy"]["Arn"]
    user = iam.create_user(UserName="bounded", PermissionsBoundary=boundary)["User"]
    assert user["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    used = iam.list_entities_for_policy(PolicyArn=boundary, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in used["PolicyUsers"]] == ["bounded"]
    iam.create_user(UserName="later")
    iam.put_user_permissions_boundary(UserName="later", PermissionsBoundary=ADMIN)
    assert iam.get_user(UserName="later")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == ADMIN
    iam.delete_user_permissions_boundary(UserName="later")
    assert "PermissionsBoundary" not in iam.get_user(UserName="later")["User"]
    missing = f"arn:aws:iam::{account}:policy/missing"
    refused(lambda: iam.put_user_permissions_boundary(UserName="later", PermissionsBoundary=missing), "NoSuchEntity",
            404, f"Policy {missing} does not exist or is not attachable.")
    refused(lambda: iam.create_user(UserName="x", PermissionsBoundary=missing), "NoSuchEntity", 404)
    refused(lambda: iam.delete_policy(PolicyArn=boundary), "DeleteConflict", 409)
    iam.delete_user(UserName="bounded")
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_policy(PolicyArn=boundary)


def test_policy_tags(iam):
    arn = iam.create_policy(PolicyName="tagged", PolicyDocument=document())["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []


def test_aws_cli_policy_round_trip(server, account, tmp_path):
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-west-2", "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "HOME": str(tmp_path)}
    (tmp_path / "doc.json").write_text(document("apprunner:List*"))

    def aws(*args: str) -> dict:
        result = subprocess.run(["aws", "iam", *args, "--endpoint-url", server.url, "--output", "json"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    arn = aws("create-policy", "--policy-name", "cli", "--policy-document", f"file://{tmp_path / 'doc.json'}")[
        "Policy"]["Arn"]
    version = aws("get-policy-version", "--policy-arn", arn, "--version-id", "v1")["PolicyVersion"]
    assert version["Document"]["Statement"][0]["Action"] == "apprunner:List*"
    aws("create-user", "--user-name", "cli")
    aws("attach-user-policy", "--user-name", "cli", "--policy-arn", arn)
    assert aws("list-attached-user-policies", "--user-name", "cli")["AttachedPolicies"] == [
        {"PolicyName": "cli", "PolicyArn": arn}]


def test_account_summary_and_authorization_details(iam, account):
    iam.create_user(UserName="sum")
    iam.create_group(GroupName="sumg")
    iam.add_user_to_group(GroupName="sumg", UserName="sum")
    arn = iam.create_policy(PolicyName="sump", PolicyDocument=document("s3:A"))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="sum", PolicyArn=arn)
    iam.attach_group_policy(GroupName="sumg", PolicyArn=ADMIN)
    iam.put_user_policy(UserName="sum", PolicyName="inl", PolicyDocument=document("s3:B"))
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["Users"], summary["Groups"], summary["Policies"], summary["PolicyVersionsInUse"]) == (1, 1, 1, 1)
    assert (summary["AccessKeysPerUserQuota"], summary["UserPolicySizeQuota"]) == (2, 2048)
    details = iam.get_account_authorization_details()
    [user] = details["UserDetailList"]
    assert user["GroupList"] == ["sumg"] and user["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] \
        == "s3:B"
    assert user["AttachedManagedPolicies"] == [{"PolicyName": "sump", "PolicyArn": arn}]
    assert details["GroupDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"] == ADMIN
    assert sorted(p["Arn"] for p in details["Policies"]) == sorted([ADMIN, arn])  # only the AWS policies in use
    only_users = iam.get_account_authorization_details(Filter=["User"])
    assert (len(only_users["UserDetailList"]), only_users["GroupDetailList"], only_users["Policies"]) == (1, [], [])
    pages = list(iam.get_paginator("get_account_authorization_details").paginate(PaginationConfig={"PageSize": 1}))
    assert len(pages) == 4
