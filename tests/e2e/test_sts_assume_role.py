"""STS AssumeRole, GetSessionToken and GetAccessKeyInfo through boto3 and the AWS CLI: the credentials' shape and
expiry, the trust policy gating AssumeRole, AWS's errors."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import timezone

import pytest
from botocore.exceptions import ClientError

OTHER_ACCOUNT = "999988887777"


def trust(principal: str, actions=("sts:AssumeRole",), condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def iam(server, account):
    return server.client("iam", account=account)


@pytest.fixture
def sts(server, account):
    return server.client("sts", account=account)


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def make_role(iam, account, name="target", **kwargs):
    document = kwargs.pop("trust_policy", None) or trust(f"arn:aws:iam::{account}:root",
                                                         ("sts:AssumeRole", "sts:TagSession",
                                                          "sts:SetSourceIdentity"))
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=document, **kwargs)["Role"]


def test_assume_role_returns_a_session_of_the_role(iam, sts, account):
    role = make_role(iam, account, MaxSessionDuration=7200)
    before = time.time()
    got = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="deploy@ci", DurationSeconds=7200)
    creds, user = got["Credentials"], got["AssumedRoleUser"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]
    expires = creds["Expiration"].astimezone(timezone.utc).timestamp()
    assert before + 7200 - 2 <= expires <= time.time() + 7200 + 1
    assert user == {"AssumedRoleId": f"{role['RoleId']}:deploy@ci",
                    "Arn": f"arn:aws:sts::{account}:assumed-role/target/deploy@ci"}
    assert "PackedPolicySize" not in got
    assert sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == account
    last_used = iam.get_role(RoleName="target")["Role"]["RoleLastUsed"]
    assert last_used["LastUsedDate"].timestamp() >= before - 1


def test_session_policy_tags_and_source_identity(iam, sts, account):
    role = make_role(iam, account)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    got = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="tagged", Policy=policy,
                          PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                          Tags=[{"Key": "project", "Value": "x"}, {"Key": "team", "Value": "y"}],
                          TransitiveTagKeys=["project"], SourceIdentity="alice")
    assert 0 < got["PackedPolicySize"] <= 100 and got["SourceIdentity"] == "alice"


def test_session_inputs_are_checked(iam, sts, account):
    role = make_role(iam, account)
    arn = role["Arn"]
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", Policy="{nope") == (
        "MalformedPolicyDocument", "Syntax errors in policy.")
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1",
                    Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])[0] == "ValidationError"
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", Tags=[{"Key": "a", "Value": "1"}],
                    TransitiveTagKeys=["b"]) == (
        "ValidationError", "The specified transitive tag key must be included in the requested tags.")
    eleven = [{"arn": f"arn:aws:iam::aws:policy/P{i}"} for i in range(11)]
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", PolicyArns=eleven)[0] == "ValidationError"
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="bad name!")[0] == "ValidationError"
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", DurationSeconds=50000)[0] == "ValidationError"
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", DurationSeconds=7200) == (
        "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    huge = [{"Key": f"key{i:02d}-{os.urandom(20).hex()}", "Value": os.urandom(100).hex()} for i in range(50)]
    assert error_of(sts.assume_role, RoleArn=arn, RoleSessionName="s1", Tags=huge)[0] == "PackedPolicyTooLarge"


def test_the_trust_policy_decides(iam, sts, account):
    only_bob = make_role(iam, account, name="bobs", trust_policy=trust(f"arn:aws:iam::{account}:user/bob"))
    assert error_of(sts.assume_role, RoleArn=only_bob["Arn"], RoleSessionName="s1") == (
        "AccessDenied", f"User: arn:aws:iam::{account}:root is not authorized to perform: sts:AssumeRole on "
                        f"resource: {only_bob['Arn']} because no resource-based policy allows the sts:AssumeRole action")
    no_tags = make_role(iam, account, name="plain", trust_policy=trust(f"arn:aws:iam::{account}:root"))
    sts.assume_role(RoleArn=no_tags["Arn"], RoleSessionName="s1")
    # Session tags need sts:TagSession in the trust policy too.
    assert error_of(sts.assume_role, RoleArn=no_tags["Arn"], RoleSessionName="s1",
                    Tags=[{"Key": "a", "Value": "b"}])[0] == "AccessDenied"
    missing = f"arn:aws:iam::{account}:role/nothing-here"
    assert error_of(sts.assume_role, RoleArn=missing, RoleSessionName="s1") == (
        "AccessDenied", f"User: arn:aws:iam::{account}:root is not authorized to perform: sts:AssumeRole on "
                        f"resource: {missing} because no resource-based policy allows the sts:AssumeRole action")


def test_a_role_of_another_account_is_assumed_there(server, account):
    owner = server.client("iam", account=OTHER_ACCOUNT)
    name = f"cross-{account}"
    role = owner.create_role(RoleName=name, AssumeRolePolicyDocument=trust(
        f"arn:aws:iam::{account}:root", condition={"StringEquals": {"sts:ExternalId": "secret-1"}}))["Role"]
    sts = server.client("sts", account=account)
    assert error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="x1")[0] == "AccessDenied"
    got = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="x1", ExternalId="secret-1")
    assert got["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/{name}/x1"
    assert sts.get_access_key_info(AccessKeyId=got["Credentials"]["AccessKeyId"])["Account"] == OTHER_ACCOUNT
    assert owner.get_role(RoleName=name)["Role"]["RoleLastUsed"]["LastUsedDate"]


def test_get_session_token_for_root_lasts_at_most_an_hour(sts):
    before = time.time()
    creds = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    expires = creds["Expiration"].astimezone(timezone.utc).timestamp()
    assert before + 3600 - 2 <= expires <= time.time() + 3600 + 1
    assert error_of(sts.get_session_token, DurationSeconds=200000)[0] == "ValidationError"


def test_get_access_key_info(sts, account):
    assert sts.get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")["Account"] == "581039954779"
    assert error_of(sts.get_access_key_info, AccessKeyId="NOTAKEYATALL0000")[0] == "ValidationError"


def test_aws_cli_assume_role(server, iam, account, tmp_path):
    role = make_role(iam, account, name="cli-target")
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "HOME": str(tmp_path)}
    result = subprocess.run(["aws", "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli",
                             "--endpoint-url", server.url, "--output", "json"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/cli-target/cli"
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_get_federation_token_as_root(sts, account):
    before = time.time()
    got = sts.get_federation_token(Name="visitor", DurationSeconds=7200, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"}]}))
    assert got["FederatedUser"] == {"FederatedUserId": f"{account}:visitor",
                                    "Arn": f"arn:aws:sts::{account}:federated-user/visitor"}
    expires = got["Credentials"]["Expiration"].astimezone(timezone.utc).timestamp()
    assert before + 3600 - 2 <= expires <= time.time() + 3600 + 1  # root's federated sessions: an hour at most
    assert got["Credentials"]["AccessKeyId"].startswith("ASIA") and got["PackedPolicySize"] > 0
