"""`runnerlink serve --iam enforce` with real IAM entities, through boto3 and `runnerlink exec`: identity policies
decide, an endpoint policy limits what passes through it, a role's session gets the intersection, and the traffic
log names the policy and statement that decided."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from runnerlink.auth.keys import new_access_key_id
from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.test_endpoint_policy import CALLS, log_entries, workload_env
from tests.server import InProcessServer

ACCOUNT = "246813579024"
ROOT_KEY = new_access_key_id(ACCOUNT)
ROOT_SECRET = "root-secret-of-the-enforce-tests"
IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}}
NO_RETRIES = Config(retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def enforcing():
    running = InProcessServer(iam="enforce", root_credentials=(f"{ACCOUNT}={ROOT_KEY}:{ROOT_SECRET}",)).start()
    yield running
    running.stop()


def client(server, service: str, key: str, secret: str, token: str | None = None):
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRIES)


def root(server, service: str):
    return client(server, service, ROOT_KEY, ROOT_SECRET)


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*actions: str, sid: str | None = None) -> dict:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    return {"Sid": sid, **statement} if sid else statement


def user_with_policy(server, name: str, document: str) -> tuple[str, str]:
    iam = root(server, "iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def denied(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def service_arn_pattern(name: str) -> str:
    return f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/{name}/*"


def run_in_subnet(server, subnet: str, key: str, secret: str, calls: list, token: str | None = None) -> dict:
    env = {**workload_env(ACCOUNT), "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "runnerlink", "exec", "--subnet", subnet, "--endpoint-url",
                           server.url, "--", sys.executable, "-c", CALLS, json.dumps(calls)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {name: (code, message) for name, code, message in map(json.loads, done.stdout.splitlines())}


def endpoint_subnet(server, document: str | None) -> tuple[str, str]:
    ec2 = root(server, "ec2")
    network = make_network(ec2)
    params = {"PrivateDnsEnabled": True, **({"PolicyDocument": document} if document else {})}
    endpoint = make_endpoint(ec2, network, **params)["VpcEndpointId"]
    return network.subnet_ids[0], endpoint


def test_a_user_allowed_only_list_is_denied_create_service_with_aws_message(enforcing):
    key, secret = user_with_policy(enforcing, "lister", policy(allow("apprunner:List*", sid="ListOnly")))
    apprunner = client(enforcing, "apprunner", key, secret)

    assert apprunner.list_services()["ServiceSummaryList"] == []
    assert denied(apprunner.create_service, ServiceName="nope", SourceConfiguration=IMAGE) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/lister is not authorized to perform: apprunner:CreateService on "
        f"resource: {service_arn_pattern('nope')} because no identity-based policy allows the "
        "apprunner:CreateService action")
    assert root(enforcing, "apprunner").list_services()["ServiceSummaryList"] == []


def test_through_an_allow_all_endpoint_the_identity_policy_still_decides(enforcing):
    key, secret = user_with_policy(enforcing, "lister-in-vpc", policy(allow("apprunner:List*")))
    subnet, endpoint = endpoint_subnet(enforcing, None)  # AWS's default policy: full access

    results = run_in_subnet(enforcing, subnet, key, secret, [
        ["list_services", {}],
        ["create_service", {"ServiceName": "from-the-vpc", "SourceConfiguration": IMAGE}],
    ])
    assert results["list_services"] == ("ok", None)
    assert results["create_service"] == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/lister-in-vpc is not authorized to perform: apprunner:CreateService on "
        f"resource: {service_arn_pattern('from-the-vpc')} because no identity-based policy allows the "
        "apprunner:CreateService action")

    entries = [e for e in log_entries(enforcing, ACCOUNT) if e["endpoint"] == endpoint]
    create = next(e for e in entries if e["operation"] == "CreateService")
    assert create["principal"] == f"arn:aws:iam::{ACCOUNT}:user/lister-in-vpc"
    assert create["decision"]["result"] == "implicitDeny"


def test_a_role_session_gets_the_intersection_of_its_policies_and_the_endpoint_policy(enforcing):
    iam = root(enforcing, "iam")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="half-and-half", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="half-and-half", PolicyName="list-and-create",
                        PolicyDocument=policy(allow("apprunner:List*", "apprunner:CreateService", sid="RoleHalf")))
    endpoint_policy = policy({"Sid": "EndpointHalf", "Effect": "Allow", "Principal": "*",
                              "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"})
    subnet, endpoint = endpoint_subnet(enforcing, endpoint_policy)
    existing = root(enforcing, "apprunner").create_service(ServiceName="existing", SourceConfiguration=IMAGE)
    existing_arn = existing["Service"]["ServiceArn"]

    # AssumeRole, then call with the session's credentials.
    credentials = root(enforcing, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["Credentials"]
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/half-and-half/ops"
    sts = client(enforcing, "sts", credentials["AccessKeyId"], credentials["SecretAccessKey"],
                 credentials["SessionToken"])
    assert sts.get_caller_identity()["Arn"] == session_arn

    results = run_in_subnet(enforcing, subnet, credentials["AccessKeyId"], credentials["SecretAccessKey"], [
        ["list_services", {}],
        ["describe_service", {"ServiceArn": existing_arn}],
        ["create_service", {"ServiceName": "through-vpce", "SourceConfiguration": IMAGE}],
    ], token=credentials["SessionToken"])
    assert results["list_services"] == ("ok", None)
    assert results["describe_service"] == (
        "AccessDeniedException",
        f"User: {session_arn} is not authorized to perform: apprunner:DescribeService on resource: {existing_arn} "
        "because no identity-based policy allows the apprunner:DescribeService action")
    assert results["create_service"] == (
        "AccessDeniedException",
        f"User: {session_arn} is not authorized to perform: apprunner:CreateService on resource: "
        f"{service_arn_pattern('through-vpce')} because no VPC endpoint policy allows the apprunner:CreateService "
        "action")

    # Outside the VPC the endpoint policy doesn't apply: the role's own half is allowed.
    direct = client(enforcing, "apprunner", credentials["AccessKeyId"], credentials["SecretAccessKey"],
                    credentials["SessionToken"])
    assert direct.create_service(ServiceName="direct", SourceConfiguration=IMAGE)["Service"]["ServiceName"] == "direct"

    entries = {e["operation"]: e for e in log_entries(enforcing, ACCOUNT) if e["endpoint"] == endpoint}
    assert entries["ListServices"]["principal"] == session_arn
    assert entries["ListServices"]["decision"]["result"] == "allowed"


def test_an_explicit_deny_in_a_permissions_boundary_is_named(enforcing):
    iam = root(enforcing, "iam")
    boundary = iam.create_policy(PolicyName="no-deletes", PolicyDocument=policy(
        allow("apprunner:*"), {"Sid": "NoDeletes", "Effect": "Deny", "Action": "apprunner:Delete*",
                               "Resource": "*"}))["Policy"]["Arn"]
    key, secret = user_with_policy(enforcing, "bounded", policy(allow("apprunner:*")))
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    apprunner = client(enforcing, "apprunner", key, secret)
    arn = apprunner.create_service(ServiceName="kept", SourceConfiguration=IMAGE)["Service"]["ServiceArn"]

    assert denied(apprunner.delete_service, ServiceArn=arn) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/bounded is not authorized to perform: apprunner:DeleteService on "
        f"resource: {arn} with an explicit deny in a permissions boundary")


def test_a_user_without_iam_permissions_cannot_create_users(enforcing):
    key, secret = user_with_policy(enforcing, "no-iam", policy(allow("apprunner:List*")))
    iam = client(enforcing, "iam", key, secret)
    code, message = denied(iam.create_user, UserName="intruder")
    assert code == "AccessDenied"
    assert message.startswith(f"User: arn:aws:iam::{ACCOUNT}:user/no-iam is not authorized to perform: "
                              "iam:CreateUser on resource: ")
    assert "because no identity-based policy allows the iam:CreateUser action" in message


def test_role_chaining_passes_transitive_session_tags_that_identity_policies_test(enforcing):
    iam = root(enforcing, "iam")
    first = iam.create_role(RoleName="first-hop", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["sts:AssumeRole", "sts:TagSession"]}))["Role"]
    second = iam.create_role(RoleName="second-hop", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": first["Arn"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]}))
    iam.put_role_policy(RoleName="first-hop", PolicyName="chain", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": second["Role"]["Arn"]},
        {"Effect": "Allow", "Action": "sts:TagSession", "Resource": "*"}))
    iam.put_role_policy(RoleName="second-hop", PolicyName="blue-team-lists", PolicyDocument=policy(
        {"Sid": "BlueOnly", "Effect": "Allow", "Action": "apprunner:ListServices", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))

    def second_hop(tags: list[dict], transitive: list[str]):
        hop = root(enforcing, "sts").assume_role(RoleArn=first["Arn"], RoleSessionName="hop1", Tags=tags,
                                                 TransitiveTagKeys=transitive)["Credentials"]
        sts = client(enforcing, "sts", hop["AccessKeyId"], hop["SecretAccessKey"], hop["SessionToken"])
        return sts, sts.assume_role(RoleArn=second["Role"]["Arn"], RoleSessionName="hop2")["Credentials"]

    sts, chained = second_hop([{"Key": "team", "Value": "blue"}], ["team"])
    apprunner = client(enforcing, "apprunner", chained["AccessKeyId"], chained["SecretAccessKey"],
                       chained["SessionToken"])
    assert apprunner.list_services()["ServiceSummaryList"] is not None
    # A transitive tag can't be set anew down the chain; a chained session lasts at most an hour.
    assert denied(sts.assume_role, RoleArn=second["Role"]["Arn"], RoleSessionName="hop3",
                  Tags=[{"Key": "team", "Value": "red"}])[0] == "ValidationError"
    assert denied(sts.assume_role, RoleArn=second["Role"]["Arn"], RoleSessionName="hop3",
                  DurationSeconds=3601)[0] == "ValidationError"

    _, untransitive = second_hop([{"Key": "team", "Value": "blue"}], [])  # the tag stays with the first session
    apprunner = client(enforcing, "apprunner", untransitive["AccessKeyId"], untransitive["SecretAccessKey"],
                       untransitive["SessionToken"])
    assert denied(apprunner.list_services)[0] == "AccessDeniedException"


def test_an_inactive_or_deleted_access_key_no_longer_signs(enforcing):
    key, secret = user_with_policy(enforcing, "rotated", policy(allow("apprunner:List*")))
    apprunner = client(enforcing, "apprunner", key, secret)
    assert apprunner.list_services()["ServiceSummaryList"] is not None
    iam = root(enforcing, "iam")
    iam.update_access_key(UserName="rotated", AccessKeyId=key, Status="Inactive")
    assert denied(apprunner.list_services)[0] == "UnrecognizedClientException"
    iam.update_access_key(UserName="rotated", AccessKeyId=key, Status="Active")
    assert apprunner.list_services()["ServiceSummaryList"] is not None
    iam.delete_access_key(UserName="rotated", AccessKeyId=key)
    assert denied(client(enforcing, "sts", key, secret).get_caller_identity)[0] == "InvalidClientTokenId"


def test_policy_explain_answers_for_a_stored_user(enforcing):
    user_with_policy(enforcing, "explained", policy(allow("apprunner:List*", sid="ListOnly")))
    arn = f"arn:aws:iam::{ACCOUNT}:user/explained"

    def explain(action: str) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "runnerlink", "policy", "explain", "--principal", arn,
                               "--action", action, "--json", "--endpoint-url", enforcing.url],
                              capture_output=True, text=True, timeout=30)
        return done.returncode, json.loads(done.stdout)

    code, allowed = explain("apprunner:ListServices")
    assert code == 0 and allowed["decision"] == "allowed", allowed
    code, refused = explain("apprunner:CreateService")
    assert code == 1 and refused["decision"] == "implicitDeny", refused
    assert "identity" in json.dumps(refused["blockedBy"])
