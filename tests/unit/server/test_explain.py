"""`policy explain`'s gathering of a principal's policies from the identity records (the issue-11 records contract, in
a memory store), and its decision."""

from __future__ import annotations

import json

import pytest

from runnerlink.server.authorize import Authorizer, PolicyCache
from runnerlink.server.explain import ExplainError, decide, gather, parse_principal, trust_policy
from runnerlink.store import open_store

A = "111122223333"
SCOPE = f"{A}/global"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def managed(tx, name, *statements, versions=None):
    arn = f"arn:aws:iam::{A}:policy/{name}"
    text = doc(*statements)
    tx.put("iam_policy", arn, {"PolicyName": name, "Arn": arn, "DefaultVersionId": "v2", "_versions": versions or [
        {"VersionId": "v1", "Document": doc(allow("nothing:Here")), "IsDefaultVersion": False},
        {"VersionId": "v2", "Document": text, "IsDefaultVersion": True}]})
    return arn


@pytest.fixture
def store():
    store = open_store("memory")
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("iam_user", "alice", {"UserName": "alice", "UserId": "AIDAALICE", "Path": "/",
                                     "Arn": f"arn:aws:iam::{A}:user/alice",
                                     "Tags": [{"Key": "team", "Value": "blue"}],
                                     "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                                             "PermissionsBoundaryArn": managed(
                                                                 tx, "Bound", allow("apprunner:*"))}})
        tx.put("iam_inline_policy", "user/alice/Own", {"PolicyName": "Own",
                                                       "PolicyDocument": doc(allow("apprunner:List*", Sid="Lists"))},
               parent="user/alice")
        tx.put("iam_group_member", "devs/alice", {"GroupName": "devs", "UserName": "alice"}, parent="alice")
        arn = managed(tx, "Create", allow("apprunner:CreateService", Sid="Create"))
        tx.put("iam_attachment", f"group/devs/{arn}", {"PolicyArn": arn, "PolicyName": "Create"}, parent="group/devs")
        missing = "arn:aws:iam::aws:policy/AWSAppRunnerReadOnlyAccess"
        tx.put("iam_attachment", f"user/alice/{missing}", {"PolicyArn": missing, "PolicyName": "ReadOnly"},
               parent="user/alice")
        tx.put("iam_role", "app", {"RoleName": "app", "RoleId": "AROAAPP", "Arn": f"arn:aws:iam::{A}:role/team/app",
                                   "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                    "Principal": {"AWS": A}}),
                                   "Tags": [{"Key": "env", "Value": "prod"}]})
        tx.put("iam_inline_policy", "role/app/All", {"PolicyName": "All", "PolicyDocument": doc(allow("apprunner:*"))},
               parent="role/app")
        tx.put("sts_session", "ASIASESSION", {"AccessKeyId": "ASIASESSION", "Kind": "assumed-role",
                                              "Arn": f"arn:aws:sts::{A}:assumed-role/app/s1", "Expiration": 2e9,
                                              "_policies": [doc(allow("apprunner:Describe*"))], "_policy_arns": [],
                                              "_tags": {"team": "red"}})
    yield store
    store.close()


def gathered(store, arn, aws_managed=None):
    with store.transaction(SCOPE) as tx:
        return gather(tx, arn, 1e9, aws_managed)


def test_a_users_policies_are_its_own_its_groups_and_its_boundary(store):
    found = gathered(store, f"arn:aws:iam::{A}:user/alice")
    assert found.principal.kind == "user" and found.principal.user_id == "AIDAALICE"
    names = [name for name, _ in found.policies.identity]
    assert names == ["Own", f"arn:aws:iam::{A}:policy/Create"]
    assert json.loads(found.policies.identity[1][1])["Statement"][0]["Sid"] == "Create"  # the default version
    assert found.policies.boundary[0] == f"arn:aws:iam::{A}:policy/Bound"
    assert found.policies.tags == {"team": "blue"}
    assert found.unresolved == ["arn:aws:iam::aws:policy/AWSAppRunnerReadOnlyAccess"]
    resolved = gathered(store, f"arn:aws:iam::{A}:user/alice", lambda arn: doc(allow("apprunner:Describe*")))
    assert resolved.unresolved == [] and len(resolved.policies.identity) == 3


def test_a_session_arn_stands_for_its_role_with_the_live_sessions_policies(store):
    role = gathered(store, f"arn:aws:iam::{A}:role/team/app")
    assert [n for n, _ in role.policies.identity] == ["All"] and role.policies.session == ()
    session = gathered(store, f"arn:aws:sts::{A}:assumed-role/app/s1")
    assert [n for n, _ in session.policies.identity] == ["All"]
    assert [n for n, _ in session.policies.session] == ["session policy"]
    assert session.policies.tags == {"env": "prod", "team": "red"}
    assert session.principal.user_id == "AROAAPP:s1"
    other = gathered(store, f"arn:aws:sts::{A}:assumed-role/app/other")  # no stored session: the role alone
    assert other.policies.session == ()


def test_unknown_principals_and_bad_arns(store):
    with pytest.raises(ExplainError, match="No user bob"):
        gathered(store, f"arn:aws:iam::{A}:user/bob")
    with pytest.raises(ExplainError, match="not a principal ARN"):
        parse_principal("arn:aws:s3:::bucket")
    with store.transaction(SCOPE) as tx:
        assert trust_policy(tx, f"arn:aws:iam::{A}:role/team/app") is not None
        assert trust_policy(tx, f"arn:aws:iam::{A}:role/app") is None  # the path is part of the ARN


def explained(store, arn, action, resource="*", **kw):
    found = gathered(store, arn)
    compiled = Authorizer("enforce").identities.compile(found.principal, found.policies)
    return decide(found, compiled, action, resource, {}, kw.get("endpoint"), kw.get("resource_policy"))


def test_the_decision_names_what_decided_and_what_blocked(store):
    alice = f"arn:aws:iam::{A}:user/alice"
    listed = explained(store, alice, "apprunner:ListServices")
    assert listed["decision"] == "allowed" and listed["decidedBy"]["policy"] == "Own"
    assert listed["decidedBy"]["sid"] == "Lists" and listed["message"] is None
    deleted = explained(store, alice, "apprunner:DeleteService")
    assert deleted["decision"] == "implicitDeny" and deleted["blockedBy"] == ["identity"]
    assert deleted["message"].endswith("because no identity-based policy allows the apprunner:DeleteService action")
    outside = explained(store, alice, "ec2:DescribeVpcs")
    assert outside["message"].endswith("because no identity-based policy allows the ec2:DescribeVpcs action")
    assert "boundary" in outside["blockedBy"]


def test_endpoint_and_trust_policies_join_the_decision(store):
    policies = PolicyCache()
    endpoint = ("vpce-1", policies.get(doc({"Effect": "Allow", "Principal": "*", "Action": "apprunner:List*",
                                            "Resource": "*"}), "vpce-1"))
    session = f"arn:aws:sts::{A}:assumed-role/app/s1"
    out = explained(store, session, "apprunner:DescribeService", endpoint=endpoint)
    assert out["decidedBy"] == {"policyType": "endpoint", "policy": "vpce-1", "sid": None, "index": None,
                                "effect": None}
    assert out["message"].endswith("because no VPC endpoint policy allows the apprunner:DescribeService action")
    role = f"arn:aws:iam::{A}:role/team/app"
    with store.transaction(SCOPE) as tx:
        text = trust_policy(tx, role)
    trust = ("trust policy of " + role, policies.get(text, "trust policy of " + role, "trust"))
    root = explained(store, f"arn:aws:iam::{A}:root", "sts:AssumeRole", role, resource_policy=trust)
    assert root["decision"] == "allowed" and root["decidedBy"]["policyType"] == "trust"
    denied = explained(store, f"arn:aws:iam::{A}:user/alice", "sts:AssumeRole", role, resource_policy=trust)
    assert denied["blockedBy"] == ["boundary", "identity"]  # her boundary allows only apprunner:*
    assert denied["decidedBy"]["policyType"] == "identity"
