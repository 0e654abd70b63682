"""The identity source (services/iam/identity.py) and the STS handlers' own checks, against a memory store:
access keys and sessions to principals, principals to their policies, role sessions minted in the role's account,
and AssumeRole's trust policy, durations and role chaining judged in the handler."""

from __future__ import annotations

import json

import pytest

from runnerlink.auth import identity as principals
from runnerlink.auth.keys import account_of_key
from runnerlink.errors import ClientError
from runnerlink.services.base import GLOBAL_REGION, open_context
from runnerlink.services.iam import identity
from runnerlink.services.iam.records import roles
from runnerlink.services.sts import assume_role, session_token
from runnerlink.store.memory import MemoryStore

ACCOUNT = "111122223333"
OTHER = "444455556666"
NOW = 1_800_000_000.0
ALLOW_S3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
BOUNDARY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}'


def trust(principal: str, *actions: str, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions) or "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def store():
    return MemoryStore()


def context(store, account=ACCOUNT, caller=None):
    return open_context(store, account, GLOBAL_REGION, write=True, lifecycle_delay=0, now=NOW,
                        principal_arn=caller)


def make_role(store, name="app", account=ACCOUNT, trust_policy=None, **fields):
    with context(store, account) as ctx:
        role = roles.new(ctx, name, trust_policy or trust(f"arn:aws:iam::{ACCOUNT}:root"), **fields)
    return role


def put_user(store, name="alice", tags=None, boundary_arn=None):
    user = {"UserName": name, "UserId": "AIDAEXAMPLEEXAMPLE01", "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "Path": "/", "CreateDate": NOW, "Tags": tags or []}
    if boundary_arn:
        user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn}
    with context(store) as ctx:
        ctx.tx.put("iam_user", name, user)
        ctx.tx.put("iam_access_key", "AKIAEXAMPLEKEY000001", {"AccessKeyId": "AKIAEXAMPLEKEY000001",
                   "UserName": name, "Status": "Active", "CreateDate": NOW, "_secret": "s3cr3t"}, parent=name)
    return user


def put_managed(store, name, document):
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    with context(store) as ctx:
        ctx.tx.put("iam_policy", arn, {"PolicyName": name, "Arn": arn, "DefaultVersionId": "v1", "_versions": [
            {"VersionId": "v1", "Document": document, "IsDefaultVersion": True, "CreateDate": NOW}]})
    return arn


def test_an_access_key_resolves_to_its_user_with_the_users_tags(store):
    put_user(store, tags=[{"Key": "team", "Value": "blue"}])
    with context(store) as ctx:
        principal = identity.resolve(ctx.tx, "AKIAEXAMPLEKEY000001")
        assert identity.resolve(ctx.tx, "AKIANOSUCHKEY0000000") is None
    assert principal.kind == principals.USER and principal.arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert principal.user_id == "AIDAEXAMPLEEXAMPLE01" and principal.secret == "s3cr3t" and principal.active
    assert dict(principal.tags) == {"team": "blue"} and not principal.temporary


def test_an_inactive_key_still_resolves_marked_inactive(store):
    put_user(store)
    with context(store) as ctx:
        key = ctx.tx.get("iam_access_key", "AKIAEXAMPLEKEY000001")
        ctx.tx.put("iam_access_key", key["AccessKeyId"], {**key, "Status": "Inactive"}, parent="alice")
        assert identity.resolve(ctx.tx, "AKIAEXAMPLEKEY000001").active is False


def test_a_user_has_its_and_its_groups_policies_and_its_boundary(store):
    boundary = put_managed(store, "bound", BOUNDARY)
    put_user(store, boundary_arn=boundary)
    managed = put_managed(store, "s3all", ALLOW_S3)
    with context(store) as ctx:
        ctx.tx.put("iam_inline_policy", "user/alice/own", {"PolicyName": "own", "PolicyDocument": ALLOW_S3},
                   parent="user/alice")
        ctx.tx.put("iam_group_member", "devs/alice", {"GroupName": "devs", "UserName": "alice"}, parent="alice")
        ctx.tx.put("iam_attachment", f"group/devs/{managed}", {"PolicyArn": managed, "PolicyName": "s3all"},
                   parent="group/devs")
        got = identity.policies(ctx.tx, identity.resolve(ctx.tx, "AKIAEXAMPLEKEY000001"))
    assert got.identity == (("own", ALLOW_S3), (managed, ALLOW_S3))  # a managed policy is named by its ARN
    assert got.boundary == (boundary, BOUNDARY) and got.session == ()


def test_root_has_no_policies(store):
    with context(store) as ctx:
        got = identity.policies(ctx.tx, principals.root_principal(ACCOUNT, ACCOUNT))
    assert got.identity == () and got.boundary is None


def test_a_role_session_is_minted_in_the_roles_account_and_resolves_with_session_tags_over_role_tags(store):
    role = make_role(store, tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}])
    with context(store) as ctx:
        creds = identity.mint_role_session(ctx.tx, role, "job-1", 900, NOW, tags={"team": "red"},
                                           transitive=["team"], source_identity="alice")
    assert creds["AccessKeyId"].startswith("ASIA") and account_of_key(creds["AccessKeyId"]) == ACCOUNT
    assert creds["Expiration"] == NOW + 900 and len(creds["SecretAccessKey"]) == 40
    with context(store) as ctx:
        principal = identity.resolve(ctx.tx, creds["AccessKeyId"])
        stored = identity.session(ctx.tx, creds["AccessKeyId"])
    assert principal.kind == principals.ASSUMED_ROLE
    assert principal.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/job-1"
    assert principal.user_id == f"{role['RoleId']}:job-1" and principal.session_name == "job-1"
    assert principal.session_token == creds["SessionToken"] and principal.expires_at == NOW + 900
    assert dict(principal.tags) == {"team": "red", "env": "prod"}
    assert stored["_transitive"] == ["team"] and stored["SourceIdentity"] == "alice"


def test_a_role_session_has_the_roles_policies_boundary_and_its_session_policies(store):
    boundary = put_managed(store, "bound", BOUNDARY)
    managed = put_managed(store, "s3all", ALLOW_S3)
    role = make_role(store, boundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary})
    with context(store) as ctx:
        ctx.tx.put("iam_inline_policy", "role/app/inline", {"PolicyName": "inline", "PolicyDocument": ALLOW_S3},
                   parent="role/app")
        creds = identity.mint_role_session(ctx.tx, role, "s", 900, NOW, policies=[BOUNDARY], policy_arns=[managed])
        got = identity.policies(ctx.tx, identity.resolve(ctx.tx, creds["AccessKeyId"]))
    assert got.identity == (("inline", ALLOW_S3),)
    assert got.boundary == (boundary, BOUNDARY)
    assert got.session == (("session policy 1", BOUNDARY), (managed, ALLOW_S3))


def test_a_deleted_roles_sessions_have_no_policies(store):
    role = make_role(store)
    with context(store) as ctx:
        creds = identity.mint_role_session(ctx.tx, role, "s", 900, NOW)
        ctx.tx.put("iam_inline_policy", "role/app/p", {"PolicyName": "p", "PolicyDocument": ALLOW_S3},
                   parent="role/app")
        ctx.tx.delete("iam_role", "app")
        principal = identity.resolve(ctx.tx, creds["AccessKeyId"])
        assert identity.policies(ctx.tx, principal).identity == ()


def test_session_token_credentials_act_as_the_user(store):
    user = put_user(store)
    with context(store) as ctx:
        creds = identity.mint_user_session(ctx.tx, ACCOUNT, user, 3600, NOW)
        principal = identity.resolve(ctx.tx, creds["AccessKeyId"])
    assert principal.kind == principals.USER and principal.arn == user["Arn"] and principal.temporary
    assert principal.user_id == user["UserId"] and principal.name == "alice"


# --- AssumeRole and GetSessionToken, judged in the handler ------------------------------------------------------

def call(store, handler, params, caller, account=ACCOUNT):
    with context(store, account, caller) as ctx:
        return handler(ctx, params)


def test_the_handler_leaves_the_trust_policy_to_the_edge_but_refuses_a_missing_role(store):
    # The trust policy is judged by the edge in every mode (tests/e2e/test_sts_assume_role.py); the handler mints.
    role = make_role(store, trust_policy=trust(f"arn:aws:iam::{ACCOUNT}:user/bob"))
    got = call(store, assume_role.assume_role, {"RoleArn": role["Arn"], "RoleSessionName": "s"},
               f"arn:aws:iam::{ACCOUNT}:user/bob")
    assert got["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s"
    missing = f"arn:aws:iam::{ACCOUNT}:role/nobody"
    with pytest.raises(ClientError) as denied:
        call(store, assume_role.assume_role, {"RoleArn": missing, "RoleSessionName": "s"},
             f"arn:aws:iam::{ACCOUNT}:user/bob")
    assert denied.value.code == "AccessDenied"
    assert denied.value.message == (f"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: "
                                    f"sts:AssumeRole on resource: {missing} because no resource-based policy allows the "
                                    "sts:AssumeRole action")


def test_a_cross_account_session_belongs_to_the_roles_account(store):
    role = make_role(store, trust_policy=trust(f"arn:aws:iam::{OTHER}:root",
                                               condition={"StringEquals": {"sts:ExternalId": "xyz"}}))
    caller = f"arn:aws:iam::{OTHER}:root"
    got = call(store, assume_role.assume_role, {"RoleArn": role["Arn"], "RoleSessionName": "s", "ExternalId": "xyz"},
               caller, OTHER)
    key = got["Credentials"]["AccessKeyId"]
    assert account_of_key(key) == ACCOUNT
    with context(store, ACCOUNT) as ctx:
        assert identity.resolve(ctx.tx, key).arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s"
        assert ctx.tx.get("iam_role", "app")["_last_used"]["LastUsedDate"] == NOW
    with context(store, OTHER) as ctx:
        assert identity.resolve(ctx.tx, key) is None


def test_role_chaining_is_limited_to_one_hour(store):
    role = make_role(store, trust_policy=trust(f"arn:aws:iam::{ACCOUNT}:role/first"), max_session=43200)
    chained = f"arn:aws:sts::{ACCOUNT}:assumed-role/first/s"
    params = {"RoleArn": role["Arn"], "RoleSessionName": "s", "DurationSeconds": 3601}
    with pytest.raises(ClientError) as error:
        call(store, assume_role.assume_role, params, chained)
    assert error.value.code == "ValidationError"
    assert error.value.message == ("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
                                   "by role chaining.")
    got = call(store, assume_role.assume_role, {**params, "DurationSeconds": 3600}, chained)
    assert got["Credentials"]["Expiration"] == NOW + 3600


def test_get_session_token_refuses_session_credentials_and_caps_root_at_an_hour(store):
    with pytest.raises(ClientError) as error:
        call(store, session_token.get_session_token, {}, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s")
    assert error.value.code == "AccessDenied"
    got = call(store, session_token.get_session_token, {"DurationSeconds": 7200}, f"arn:aws:iam::{ACCOUNT}:root")
    assert got["Credentials"]["Expiration"] == NOW + 3600


def test_a_federated_user_is_limited_by_its_session_policies_and_has_none_without(store):
    from runnerlink.services.sts import federation

    user = put_user(store)
    managed = put_managed(store, "s3all", ALLOW_S3)
    with context(store) as ctx:
        ctx.tx.put("iam_attachment", f"user/alice/{managed}", {"PolicyArn": managed, "PolicyName": "s3all"},
                   parent="user/alice")
    got = call(store, federation.get_federation_token, {"Name": "bob", "Policy": BOUNDARY}, user["Arn"])
    assert got["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT}:bob",
                                    "Arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob"}
    bare = call(store, federation.get_federation_token, {"Name": "carol"}, user["Arn"])
    with context(store) as ctx:
        principal = identity.resolve(ctx.tx, got["Credentials"]["AccessKeyId"])
        assert principal.kind == principals.FEDERATED_USER and principal.user_id == f"{ACCOUNT}:bob"
        limited = identity.policies(ctx.tx, principal)
        assert limited.identity == ((managed, ALLOW_S3),) and limited.session == (("session policy 1", BOUNDARY),)
        assert identity.policies(ctx.tx, identity.resolve(ctx.tx, bare["Credentials"]["AccessKeyId"])).identity == ()
    with pytest.raises(ClientError) as error:
        call(store, federation.get_federation_token, {"Name": "dave"}, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s")
    assert error.value.code == "AccessDenied"


def test_the_resource_policy_hook_gives_the_trust_policy_the_engine_takes(store):
    from runnerlink.policy import compile_policy

    role = make_role(store, account=OTHER, trust_policy=trust(f"arn:aws:iam::{ACCOUNT}:root"))
    with context(store, ACCOUNT) as ctx:  # the caller's scope: the role is read in its own account's
        text = assume_role.trust_policy(ctx, "AssumeRole", {"RoleArn": role["Arn"], "RoleSessionName": "s1"})
        missing = assume_role.trust_policy(ctx, "AssumeRole", {"RoleArn": f"arn:aws:iam::{OTHER}:role/none"})
        other_op = assume_role.trust_policy(ctx, "GetSessionToken", {})
    assert text == role["AssumeRolePolicyDocument"]
    assert compile_policy(text, "trust").statements
    assert missing is None and other_op is None


def test_assume_role_authorization_carries_sts_condition_keys():
    from runnerlink.services.sts import authorization

    params = {"RoleArn": f"arn:aws:iam::{OTHER}:role/app", "RoleSessionName": "s1", "ExternalId": "x1",
              "SourceIdentity": "alice", "Tags": [{"Key": "team", "Value": "blue"}], "TransitiveTagKeys": ["team"]}
    grant = authorization.authorize("AssumeRole", params, "us-east-1", ACCOUNT)
    assert grant.action == "sts:AssumeRole" and grant.resources == (params["RoleArn"],)
    assert grant.also == ("sts:TagSession", "sts:SetSourceIdentity")
    assert grant.context == {"sts:RoleSessionName": "s1", "sts:ExternalId": "x1", "sts:SourceIdentity": "alice",
                             "aws:RequestTag/team": "blue", "aws:TagKeys": ["team"],
                             "sts:TransitiveTagKeys": ["team"]}
    plain = authorization.authorize("AssumeRole", {"RoleArn": params["RoleArn"], "RoleSessionName": "s1"},
                                    "us-east-1", ACCOUNT)
    assert plain.also == () and plain.context == {"sts:RoleSessionName": "s1"}
    assert authorization.authorize("GetCallerIdentity", {}, "us-east-1", ACCOUNT) is None


def test_get_caller_identity_user_ids_for_every_kind_of_principal(store):
    from runnerlink.services.sts import caller

    user = put_user(store)
    role = make_role(store)
    ids = {arn: call(store, caller.get_caller_identity, {}, arn)["UserId"] for arn in (
        f"arn:aws:iam::{ACCOUNT}:root", user["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/app/job",
        f"arn:aws:sts::{ACCOUNT}:federated-user/bob")}
    assert list(ids.values()) == [ACCOUNT, user["UserId"], f"{role['RoleId']}:job", f"{ACCOUNT}:bob"]
