"""The policies of a principal as the identity source reads them (services/iam/records/policies.py), role inline and
attached policies through the handlers (a role record as the roles module stores it), and IAM's authorization."""

from __future__ import annotations

import json

import pytest

from runnerlink.services.base import open_context
from runnerlink.services.iam import PACKAGE
from runnerlink.services.iam.authorization import authorize
from runnerlink.services.iam.errors import IAMError
from runnerlink.services.iam.records.policies import managed_document, role_policies, user_policies
from runnerlink.store.memory import MemoryStore

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


@pytest.fixture
def call():
    store = MemoryStore()

    def run(operation: str, **params):
        with open_context(store, ACCOUNT, "global", write=True, lifecycle_delay=0, now=1_700_000_000) as ctx:
            if operation == "_tx":
                return params["read"](ctx.tx)
            if operation == "_put":
                ctx.tx.put(params["kind"], params["key"], params["record"])
                return None
            return PACKAGE.handlers[operation](ctx, params)

    return run


def test_user_policies_are_its_own_and_its_groups_inline_and_attached(call):
    call("CreateUser", UserName="u")
    call("CreateGroup", GroupName="g")
    call("AddUserToGroup", GroupName="g", UserName="u")
    arn = call("CreatePolicy", PolicyName="mine", PolicyDocument=doc("s3:One"))["Policy"]["Arn"]
    call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:Two"), SetAsDefault=True)
    call("PutUserPolicy", UserName="u", PolicyName="inline", PolicyDocument=doc("s3:Inline"))
    call("AttachUserPolicy", UserName="u", PolicyArn=arn)
    call("PutGroupPolicy", GroupName="g", PolicyName="group-inline", PolicyDocument=doc("s3:Group"))
    call("AttachGroupPolicy", GroupName="g", PolicyArn=ADMIN)
    found = call("_tx", read=lambda tx: user_policies(tx, "u"))
    assert [name for name, _ in found] == ["inline", arn, "group-inline", ADMIN]
    assert json.loads(dict(found)[arn])["Statement"][0]["Action"] == "s3:Two"  # the default version
    assert json.loads(dict(found)[ADMIN])["Statement"][0]["Action"] == "*"
    call("RemoveUserFromGroup", GroupName="g", UserName="u")
    assert [n for n, _ in call("_tx", read=lambda tx: user_policies(tx, "u"))] == ["inline", arn]


def test_role_inline_and_attached_policies(call):
    role = {"RoleName": "r", "RoleId": "AROAEXAMPLEEXAMPLE12", "Arn": f"arn:aws:iam::{ACCOUNT}:role/r", "Path": "/",
            "CreateDate": 0, "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": 3600, "Tags": []}
    call("_put", kind="iam_role", key="r", record=role)
    call("PutRolePolicy", RoleName="r", PolicyName="inline", PolicyDocument=doc("ec2:Describe*"))
    call("AttachRolePolicy", RoleName="r", PolicyArn=ADMIN)
    assert call("ListRolePolicies", RoleName="r")["PolicyNames"] == ["inline"]
    assert call("GetRolePolicy", RoleName="r", PolicyName="inline")["PolicyDocument"].startswith("%7B%22Version")
    assert [p["PolicyArn"] for p in call("ListAttachedRolePolicies", RoleName="r")["AttachedPolicies"]] == [ADMIN]
    assert [n for n, _ in call("_tx", read=lambda tx: role_policies(tx, "r"))] == ["inline", ADMIN]
    big = doc("s3:GetObject").replace('"*"}', '"arn:aws:s3:::' + "x" * 10300 + '"}')
    with pytest.raises(IAMError) as caught:
        call("PutRolePolicy", RoleName="r", PolicyName="big", PolicyDocument=big)
    assert (caught.value.code, str(caught.value)) == ("LimitExceeded",
                                                       "Maximum policy size of 10240 bytes exceeded for role r.")
    for n in range(9):
        arn = call("CreatePolicy", PolicyName=f"p{n}", PolicyDocument=doc("s3:A"))["Policy"]["Arn"]
        call("AttachRolePolicy", RoleName="r", PolicyArn=arn)
    arn = call("CreatePolicy", PolicyName="eleventh", PolicyDocument=doc("s3:A"))["Policy"]["Arn"]
    with pytest.raises(IAMError, match="Cannot exceed quota for PoliciesPerRole: 10"):
        call("AttachRolePolicy", RoleName="r", PolicyArn=arn)


def test_managed_document_is_the_default_version_or_none(call):
    arn = call("CreatePolicy", PolicyName="p", PolicyDocument=doc("s3:One"))["Policy"]["Arn"]
    call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:Two"))  # not the default
    assert "s3:One" in call("_tx", read=lambda tx: managed_document(tx, arn))
    assert call("_tx", read=lambda tx: managed_document(tx, f"arn:aws:iam::{ACCOUNT}:policy/none")) is None
    ecr = "arn:aws:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"
    assert "ecr:GetAuthorizationToken" in call("_tx", read=lambda tx: managed_document(tx, ecr))


@pytest.mark.parametrize(("operation", "params", "resource"), [
    ("GetUser", {"UserName": "bob"}, f"arn:aws:iam::{ACCOUNT}:user/bob"),
    ("GetUser", {}, "*"),
    ("ListUsers", {}, "*"),
    ("PutGroupPolicy", {"GroupName": "g", "PolicyName": "p", "PolicyDocument": "{}"}, f"arn:aws:iam::{ACCOUNT}:group/g"),
    ("AddUserToGroup", {"GroupName": "g", "UserName": "bob"}, f"arn:aws:iam::{ACCOUNT}:group/g"),
    ("AttachRolePolicy", {"RoleName": "r", "PolicyArn": ADMIN}, f"arn:aws:iam::{ACCOUNT}:role/r"),
    ("PutRolePolicy", {"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{}"}, f"arn:aws:iam::{ACCOUNT}:role/r"),
    ("CreatePolicy", {"PolicyName": "p", "Path": "/a/", "PolicyDocument": "{}"}, f"arn:aws:iam::{ACCOUNT}:policy/a/p"),
    ("GetPolicyVersion", {"PolicyArn": ADMIN, "VersionId": "v1"}, ADMIN),
])
def test_authorization_names_the_entity(operation, params, resource):
    decided = authorize(operation, params, "us-east-1", ACCOUNT)
    assert (decided.action, decided.resources) == (f"iam:{operation}", (resource,))


def test_attachments_and_boundaries_carry_the_policy_as_a_condition_key():
    attach = authorize("AttachUserPolicy", {"UserName": "bob", "PolicyArn": ADMIN}, "us-east-1", ACCOUNT)
    assert attach.context == {"iam:PolicyARN": ADMIN}
    boundary = authorize("PutUserPermissionsBoundary", {"UserName": "bob", "PermissionsBoundary": ADMIN}, "us-east-1",
                         ACCOUNT)
    assert boundary.context == {"iam:PermissionsBoundary": ADMIN}
    assert authorize("GetPolicy", {"PolicyArn": ADMIN}, "us-east-1", ACCOUNT).context == {}


def test_unknown_operation_is_a_key_error():
    with pytest.raises(KeyError):
        authorize("StealCredentials", {}, "us-east-1", ACCOUNT)
