"""The authorize step in enforce mode: a real pipeline and packages, principals set as the authenticate step would,
and an identity source that answers PrincipalPolicies the way the IAM package's does."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from runnerlink.auth.identity import ASSUMED_ROLE, USER, Principal, root_principal
from runnerlink.config import Settings
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline, credential_of
from runnerlink.services import sts
from runnerlink.services.base import Authorization, PrincipalPolicies
from runnerlink.services.registry import all_services
from runnerlink.store import open_store

from tests.unit.server.test_authorize import FULL, SOURCE, through_endpoint

A = "111122223333"
B = "444455556666"
ALICE = Principal(account=A, arn=f"arn:aws:iam::{A}:user/alice", access_key="AKIAALICE", kind=USER,
                  user_id="AIDAALICE", name="alice")
SESSION = Principal(account=A, arn=f"arn:aws:sts::{A}:assumed-role/app/s1", access_key="ASIASESSION",
                    kind=ASSUMED_ROLE, user_id="AROAAPP:s1", name="app", session_name="s1",
                    session_token="token", tags=(("team", "blue"),))
ROLE_B = f"arn:aws:iam::{B}:role/target"
ROLE_A = f"arn:aws:iam::{A}:role/target"
CREATE = f"arn:aws:apprunner:us-east-1:{A}:service/website/*"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


class FakeIdentity:
    """PrincipalPolicies by principal ARN; counts the reads."""

    def __init__(self):
        self.by_arn: dict[str, PrincipalPolicies] = {}
        self.reads = 0

    def resolve(self, tx, access_key):
        return None

    def policies(self, tx, principal):
        self.reads += 1
        assert tx._scope == f"{principal.account}/global"
        return self.by_arn.get(principal.arn, PrincipalPolicies())


TRUST = {"text": None}


def sts_package():
    def authorize(operation, params, region, account):
        if operation == "GetCallerIdentity":
            return None
        role = params.get("RoleArn", "*")
        also = ("sts:TagSession",) if params.get("Tags") else ()
        return Authorization(f"sts:{operation}", (role,), also=also)

    return replace(sts.PACKAGE, authorize=authorize, resource_policy=lambda h, op, params: TRUST["text"])


@pytest.fixture
def make():
    stores = []

    def build(mode="enforce", principal=ALICE):
        store = open_store("memory")
        stores.append(store)
        packages = [p if p.name != "sts" else sts_package() for p in all_services()]
        pipeline = Pipeline(Settings(state="memory", iam=mode), store, packages)
        pipeline.identity_source = FakeIdentity()
        as_principal(pipeline, principal)
        return pipeline

    yield build
    for store in stores:
        store.close()


def as_principal(pipeline: Pipeline, principal: Principal | None) -> None:
    """The authenticate step as it ends for a principal the IAM package resolved and whose signature verified
    (None: the 12-digit key's root). The signatures here are placeholders: authorization is what is tested."""
    original = pipeline.authenticate

    def authenticate(ctx):  # in place of the original
        credential = credential_of(ctx)
        ctx.region = credential.region
        ctx.principal = pipeline.current or root_principal(credential.access_key, credential.access_key)
        ctx.account = ctx.principal.account

    pipeline.current = principal
    pipeline.steps[pipeline.steps.index(original)] = authenticate


def auth(service):
    return (f"AWS4-HMAC-SHA256 Credential={A}/20240101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64)


def apprunner(pipeline, operation, payload=None, network=None) -> RequestContext:
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"AppRunner.{operation}",
               "authorization": auth("apprunner")}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=json.dumps(payload or {}).encode())
    if network is not None:
        ctx.network = network
    return pipeline.handle(ctx)


def sts_call(pipeline, action, **params) -> RequestContext:
    body = urlencode({"Action": action, "Version": "2011-06-15", **params}).encode()
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "authorization": auth("sts")}
    return pipeline.handle(RequestContext(method="POST", path="/", query={}, headers=headers, body=body))


def bump(pipeline) -> None:
    """A committed write: a new store generation, as an IAM change would make."""
    with pipeline.store.transaction(f"{A}/global", write=True) as tx:
        tx.put("note", str(pipeline.store.generation()), {})


def message(ctx) -> str:
    assert ctx.error is not None, ctx.response_body
    return ctx.error.message


def give(pipeline, principal, **policies):
    pipeline.identity_source.by_arn[principal.arn] = PrincipalPolicies(**policies)


def create(pipeline, network=None):
    return apprunner(pipeline, "CreateService", {"ServiceName": "website", "SourceConfiguration": SOURCE}, network)


# --- identity policies --------------------------------------------------------------------------------------------

def test_a_user_with_only_list_is_denied_create_service_with_aws_wording(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("ListOnly", doc(allow("apprunner:List*", Sid="Lists"))),))
    listed = apprunner(pipeline, "ListServices")
    assert listed.status == 200
    assert listed.decision["result"] == "allowed" and listed.decision["policy"] == "identity"
    assert listed.decision["policyName"] == "ListOnly"
    assert listed.decision["statement"] == {"sid": "Lists", "index": 0, "effect": "Allow"}
    refused = create(pipeline)
    assert refused.status == 400 and refused.error.code == "AccessDeniedException"
    assert message(refused) == (f"User: {ALICE.arn} is not authorized to perform: apprunner:CreateService on "
                                f"resource: {CREATE} because no identity-based policy allows the "
                                "apprunner:CreateService action")
    assert refused.decision["policy"] == "identity" and refused.decision["result"] == "implicitDeny"


def test_through_an_endpoint_allowing_everything_the_identity_still_decides(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("ListOnly", doc(allow("apprunner:List*"))),))
    refused = create(pipeline, through_endpoint(FULL))
    assert message(refused).endswith("because no identity-based policy allows the apprunner:CreateService action")
    assert apprunner(pipeline, "ListServices", network=through_endpoint(FULL)).status == 200


def test_endpoint_and_identity_each_allowing_half_give_the_intersection(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("Half", doc(allow(["apprunner:List*", "apprunner:CreateService"]))),))
    endpoint = through_endpoint(doc({"Effect": "Allow", "Principal": "*", "Resource": "*",
                                     "Action": ["apprunner:List*", "apprunner:DescribeService"]}))
    assert apprunner(pipeline, "ListServices", network=endpoint).status == 200
    assert message(create(pipeline, endpoint)).endswith(
        "because no VPC endpoint policy allows the apprunner:CreateService action")
    described = apprunner(pipeline, "DescribeService",
                          {"ServiceArn": f"arn:aws:apprunner:us-east-1:{A}:service/x/0123456789abcdef"}, endpoint)
    assert message(described).endswith("because no identity-based policy allows the apprunner:DescribeService action")


def test_explicit_deny_in_an_identity_policy(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("All", doc(allow("*"))), ("NoCreate", doc(deny("apprunner:Create*", Sid="No")))))
    refused = create(pipeline)
    assert message(refused).endswith("with an explicit deny in an identity-based policy")
    assert refused.decision["policyName"] == "NoCreate" and refused.decision["statement"]["sid"] == "No"
    assert refused.decision["result"] == "explicitDeny"


def test_permissions_boundary_implicit_and_explicit_denies(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("All", doc(allow("*"))),),
         boundary=("arn:aws:iam::111122223333:policy/Bound", doc(allow("apprunner:List*"), deny("apprunner:Delete*"))))
    assert apprunner(pipeline, "ListServices").status == 200
    assert message(create(pipeline)).endswith(
        "because no permissions boundary allows the apprunner:CreateService action")
    deleted = apprunner(pipeline, "DeleteService",
                        {"ServiceArn": f"arn:aws:apprunner:us-east-1:{A}:service/x/0123456789abcdef"})
    assert message(deleted).endswith("with an explicit deny in a permissions boundary")
    assert deleted.decision["policy"] == "boundary"
    assert deleted.decision["policyName"] == "arn:aws:iam::111122223333:policy/Bound"


def test_session_policies_allow_together_and_limit_the_role(make):
    pipeline = make(principal=SESSION)
    give(pipeline, SESSION, identity=(("RolePolicy", doc(allow("apprunner:*"))),),
         session=(("inline", doc(allow("apprunner:ListServices"))),
                  ("arn:aws:iam::aws:policy/Describe", doc(allow("apprunner:DescribeService")))))
    assert apprunner(pipeline, "ListServices").status == 200
    described = apprunner(pipeline, "DescribeService",
                          {"ServiceArn": f"arn:aws:apprunner:us-east-1:{A}:service/x/0123456789abcdef"})
    assert described.error is None or described.error.code != "AccessDeniedException"
    assert message(create(pipeline)).endswith("because no session policy allows the apprunner:CreateService action")


def test_principal_tags_and_keys_are_in_the_context(make):
    pipeline = make(principal=SESSION)
    give(pipeline, SESSION, identity=(("ByTag", doc(allow("apprunner:List*", Condition={
        "StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod",
                         "aws:userid": "AROAAPP:s1", "aws:PrincipalType": "AssumedRole",
                         "aws:PrincipalArn": f"arn:aws:iam::{A}:role/app"}}))),), tags={"env": "prod"})
    assert apprunner(pipeline, "ListServices").status == 200
    give(pipeline, SESSION, identity=(("ByTag", doc(allow("apprunner:List*", Condition={
        "StringEquals": {"aws:PrincipalTag/env": "dev"}}))),), tags={"env": "prod"})
    bump(pipeline)
    assert apprunner(pipeline, "ListServices").status == 400


def test_policies_are_read_once_per_store_generation(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("All", doc(allow("*"))),))
    for _ in range(5):
        assert apprunner(pipeline, "ListServices").status == 200
    assert pipeline.identity_source.reads == 1
    assert create(pipeline).status == 200  # a write: the next request reads the policies again
    give(pipeline, ALICE, identity=(("ListOnly", doc(allow("apprunner:List*"))),))
    assert apprunner(pipeline, "ListServices").status == 200
    assert pipeline.identity_source.reads == 2
    assert apprunner(pipeline, "DeleteService", {"ServiceArn": "arn:aws:apprunner:us-east-1:111122223333:service/"
                                                               "website/0123456789abcdef"}).status == 400


def test_a_policy_that_does_not_compile_allows_nothing(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("Broken", "{not json"), ("Lists", doc(allow("apprunner:List*")))))
    assert apprunner(pipeline, "ListServices").status == 200
    assert create(pipeline).error.code == "AccessDeniedException"


# --- root, unauthorized operations -------------------------------------------------------------------------------

def test_root_is_allowed_but_endpoint_policies_still_apply(make):
    pipeline = make(principal=None)
    created = create(pipeline)
    assert created.status == 200 and created.decision["policy"] == "root"
    assert created.decision["result"] == "allowed" and created.decision["mode"] == "enforce"
    assert pipeline.identity_source.reads == 0  # root has no identity policies to read
    endpoint = through_endpoint(doc({"Effect": "Allow", "Principal": "*", "Action": "apprunner:List*",
                                     "Resource": "*"}))
    assert message(create(pipeline, endpoint)).endswith(
        "because no VPC endpoint policy allows the apprunner:CreateService action")


def test_unauthorized_operations_stay_unauthorized(make):
    pipeline = make()  # alice has no policies at all
    answered = sts_call(pipeline, "GetCallerIdentity")
    assert answered.status == 200 and answered.decision is None


# --- trust policies ----------------------------------------------------------------------------------------------

def trust(principal):
    return doc({"Effect": "Allow", "Principal": principal, "Action": ["sts:AssumeRole", "sts:TagSession"]})


def refused_code(ctx):
    return ctx.error.code if ctx.error is not None else None


def test_off_mode_trust_policy_gates_assume_role(make):
    pipeline = make(mode="off", principal=None)
    TRUST["text"] = trust({"Service": "tasks.apprunner.amazonaws.com"})
    refused = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1")
    assert refused.error.code == "AccessDenied" and refused.status == 403
    assert message(refused) == (f"User: arn:aws:iam::{A}:root is not authorized to perform: sts:AssumeRole on "
                                f"resource: {ROLE_A} because no resource-based policy allows the sts:AssumeRole "
                                "action")
    assert refused.decision["policy"] == "trust" and refused.decision["policyName"] == f"trust policy of {ROLE_A}"
    TRUST["text"] = trust({"AWS": f"arn:aws:iam::{A}:root"})
    passed = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1")
    # allowed by the trust policy; the handler then finds no such role (the fake hook's role isn't stored)
    assert passed.decision["result"] == "allowed"
    assert passed.decision["policy"] == "trust"
    # off mode, no endpoint, no resource policy for the call: nothing judges it
    TRUST["text"] = None
    assert sts_call(pipeline, "GetSessionToken").decision is None


def test_enforce_trust_naming_the_user_needs_no_identity_permission(make):
    pipeline = make()
    TRUST["text"] = trust({"AWS": ALICE.arn})
    assert sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1").decision["result"] == "allowed"
    TRUST["text"] = trust({"AWS": A})
    refused = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1")
    assert message(refused).endswith("because no identity-based policy allows the sts:AssumeRole action")
    give(pipeline, ALICE, identity=(("Assume", doc(allow("sts:AssumeRole"))),))
    bump(pipeline)
    assert sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1").decision["result"] == "allowed"


def test_enforce_cross_account_assume_role_needs_both_sides(make):
    pipeline = make()
    TRUST["text"] = trust({"AWS": ALICE.arn})
    refused = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_B, RoleSessionName="s1")
    assert message(refused).endswith("because no identity-based policy allows the sts:AssumeRole action")
    give(pipeline, ALICE, identity=(("Assume", doc(allow("sts:AssumeRole", ROLE_B))),))
    bump(pipeline)
    assert sts_call(pipeline, "AssumeRole", RoleArn=ROLE_B, RoleSessionName="s1").decision["result"] == "allowed"
    TRUST["text"] = trust({"AWS": f"arn:aws:iam::{B}:root"})
    refused = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_B, RoleSessionName="s1")
    assert message(refused).endswith("because no resource-based policy allows the sts:AssumeRole action")


def test_also_actions_are_each_authorized(make):
    pipeline = make()
    give(pipeline, ALICE, identity=(("Assume", doc(allow("sts:AssumeRole"))),))
    TRUST["text"] = doc({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"})
    tagged = {"Tags.member.1.Key": "team", "Tags.member.1.Value": "blue"}
    refused = sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1", **tagged)
    assert refused.error.code == "AccessDenied"
    assert "sts:TagSession" in message(refused) and refused.decision["action"] == "sts:TagSession"
    TRUST["text"] = trust({"AWS": A})
    give(pipeline, ALICE, identity=(("Assume", doc(allow(["sts:AssumeRole", "sts:TagSession"]))),))
    bump(pipeline)
    assert sts_call(pipeline, "AssumeRole", RoleArn=ROLE_A, RoleSessionName="s1",
                    **tagged).decision["result"] == "allowed"
