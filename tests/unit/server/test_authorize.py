"""Endpoint policy enforcement in the pipeline: requests built with the gateway's network context, real policies."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from runnerlink.config import Settings
from runnerlink.network import Hop
from runnerlink.network.context import NetworkContext
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline
from runnerlink.services.registry import all_services
from runnerlink.store import open_store

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
SOURCE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                              "ImageRepositoryType": "ECR_PUBLIC"}}
READ_ONLY = json.dumps({"Statement": [{"Sid": "ReadOnly", "Effect": "Allow", "Principal": "*",
                                       "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})
FULL = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})


def deny_principal(arn: str) -> str:
    return json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoRoot", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
         "Condition": {"ArnEquals": {"aws:PrincipalArn": arn}}}]})


def through_endpoint(policy: str | None, service: str = "apprunner") -> NetworkContext:
    return NetworkContext(source="vpc", workload="wl-0123456789abcdef0", vpc="vpc-0123456789abcdef0",
                          subnet="subnet-0123456789abcdef0", address="10.0.1.9", outcome="endpoint",
                          hops=(Hop("dns", True, "private DNS of vpce-…"),), endpoint="vpce-0123456789abcdef0",
                          endpoint_policy=policy, host=f"{service}.us-east-1.amazonaws.com", service=service)


@pytest.fixture
def pipeline():
    store = open_store("memory")
    yield Pipeline(Settings(state="memory"), store, all_services())
    store.close()


def auth(service: str, account: str = ACCOUNT) -> str:
    return (f"AWS4-HMAC-SHA256 Credential={account}/20240101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64)


def apprunner(pipeline: Pipeline, operation: str, payload: dict, network: NetworkContext | None = None) -> RequestContext:
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"AppRunner.{operation}",
               "authorization": auth("apprunner")}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=json.dumps(payload).encode())
    if network is not None:
        ctx.network = network
    return pipeline.handle(ctx)


def query(pipeline: Pipeline, service: str, action: str, params: dict, network: NetworkContext) -> RequestContext:
    version = {"ec2": "2016-11-15", "sts": "2011-06-15"}[service]
    body = urlencode({"Action": action, "Version": version, **params}).encode()
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "authorization": auth(service)}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=body)
    ctx.network = network
    return pipeline.handle(ctx)


def error_of(ctx: RequestContext) -> tuple[str, str]:
    assert ctx.error is not None
    return ctx.error.code, ctx.error.message


def test_the_documentations_read_only_policy(pipeline):
    network = through_endpoint(READ_ONLY)
    listed = apprunner(pipeline, "ListServices", {}, network)
    assert listed.status == 200 and listed.decision["result"] == "allowed"
    assert listed.decision["statement"] == {"sid": "ReadOnly", "index": 0, "effect": "Allow"}

    created = apprunner(pipeline, "CreateService", {"ServiceName": "website", "SourceConfiguration": SOURCE}, network)
    assert created.status == 400
    assert error_of(created) == ("AccessDeniedException", (
        f"User: {ROOT} is not authorized to perform: apprunner:CreateService on resource: "
        f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/website/* because no VPC endpoint policy allows the "
        "apprunner:CreateService action"))
    assert json.loads(created.response_body)["__type"].endswith("AccessDeniedException")
    assert created.decision["result"] == "implicitDeny" and created.decision["statement"] is None
    assert "no statement" in created.decision["missing"]


def test_describe_is_allowed_once_the_service_exists(pipeline):
    made = apprunner(pipeline, "CreateService", {"ServiceName": "website", "SourceConfiguration": SOURCE})
    arn = json.loads(made.response_body)["Service"]["ServiceArn"]
    described = apprunner(pipeline, "DescribeService", {"ServiceArn": arn}, through_endpoint(READ_ONLY))
    assert described.status == 200
    assert described.decision["resource"] == arn


def test_explicit_deny_by_principal_arn(pipeline):
    denied = apprunner(pipeline, "ListServices", {}, through_endpoint(deny_principal(ROOT)))
    assert error_of(denied) == ("AccessDeniedException", (
        f"User: {ROOT} is not authorized to perform: apprunner:ListServices on resource: * with an explicit deny "
        "in a VPC endpoint policy"))
    assert denied.decision["result"] == "explicitDeny"
    assert denied.decision["statement"] == {"sid": "NoRoot", "index": 1, "effect": "Deny"}

    other = apprunner(pipeline, "ListServices", {}, through_endpoint(deny_principal("arn:aws:iam::999999999999:root")))
    assert other.status == 200


def test_endpoint_keys_are_in_the_context_and_source_ip_is_not(pipeline):
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                                        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0",
                                                                       "aws:SourceVpc": "vpc-0123456789abcdef0"},
                                                      "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}}]})
    assert apprunner(pipeline, "ListServices", {}, through_endpoint(policy)).status == 200
    by_source_ip = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                                              "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}]})
    refused = apprunner(pipeline, "ListServices", {}, through_endpoint(by_source_ip))
    assert refused.error is not None and refused.error.code == "AccessDeniedException"
    assert "aws:SourceIp" not in refused.condition_keys
    assert refused.condition_keys["aws:SourceVpce"] == "vpce-0123456789abcdef0"


def test_default_policy_and_none_allow_everything(pipeline):
    for policy in (FULL, None):
        ctx = apprunner(pipeline, "CreateService", {"ServiceName": f"svc-{bool(policy)}", "SourceConfiguration": SOURCE},
                        through_endpoint(policy))
        assert ctx.status == 200, ctx.response_body
        assert ctx.decision["result"] == "allowed"


def test_a_changed_policy_applies_to_the_next_request(pipeline):
    network = through_endpoint(FULL)
    assert apprunner(pipeline, "ListServices", {}, network).status == 200
    assert apprunner(pipeline, "ListServices", {}, through_endpoint(deny_principal(ROOT))).status == 400
    assert apprunner(pipeline, "ListServices", {}, through_endpoint(FULL)).status == 200


def test_the_read_cache_never_answers_a_refused_request(pipeline):
    assert apprunner(pipeline, "ListServices", {}).status == 200
    assert apprunner(pipeline, "ListServices", {}).from_cache
    refused = apprunner(pipeline, "ListServices", {}, through_endpoint(deny_principal(ROOT)))
    assert refused.status == 400 and not refused.from_cache


def test_ec2_and_sts_answer_in_their_own_codes(pipeline):
    ec2_only = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ec2:DescribeVpcs",
                                          "Resource": "*"}]})
    assert query(pipeline, "ec2", "DescribeVpcs", {}, through_endpoint(ec2_only, "ec2")).status == 200
    refused = query(pipeline, "ec2", "DescribeSubnets", {}, through_endpoint(ec2_only, "ec2"))
    assert refused.status == 403
    assert error_of(refused) == ("UnauthorizedOperation", (
        f"You are not authorized to perform this operation. User: {ROOT} is not authorized to perform: "
        "ec2:DescribeSubnets because no VPC endpoint policy allows the ec2:DescribeSubnets action"))
    assert b"<Code>UnauthorizedOperation</Code>" in refused.response_body

    role = f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assumed = query(pipeline, "sts", "AssumeRole", {"RoleArn": role, "RoleSessionName": "session"},
                    through_endpoint(deny_principal(ROOT), "sts"))
    assert assumed.status == 403
    assert error_of(assumed) == ("AccessDenied", (
        f"User: {ROOT} is not authorized to perform: sts:AssumeRole on resource: {role} with an explicit deny in a "
        "VPC endpoint policy"))
    # GetCallerIdentity needs no permission: not even an explicit deny stops it
    assert query(pipeline, "sts", "GetCallerIdentity", {}, through_endpoint(deny_principal(ROOT), "sts")).status == 200


def test_internet_requests_carry_source_ip_and_no_decision(pipeline):
    direct = apprunner(pipeline, "ListServices", {})
    assert direct.decision is None and direct.condition_keys["aws:SourceIp"] == "127.0.0.1"
    network = replace(through_endpoint(None), outcome="internet", endpoint=None, public_address="192.0.2.200")
    nat = apprunner(pipeline, "ListServices", {}, network)
    assert nat.status == 200 and nat.condition_keys["aws:SourceIp"] == "192.0.2.200"
    assert "aws:SourceVpce" not in nat.condition_keys


def test_resource_tags_are_read_when_the_policy_tests_them(pipeline):
    made = apprunner(pipeline, "CreateService", {"ServiceName": "tagged", "SourceConfiguration": SOURCE,
                                                 "Tags": [{"Key": "team", "Value": "blue"}]})
    arn = json.loads(made.response_body)["Service"]["ServiceArn"]
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                                        "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]})
    assert apprunner(pipeline, "DescribeService", {"ServiceArn": arn}, through_endpoint(policy)).status == 200
    red = policy.replace("blue", "red")
    assert apprunner(pipeline, "DescribeService", {"ServiceArn": arn}, through_endpoint(red)).status == 400


def test_unemulated_services_are_refused_after_the_path_is_recorded(pipeline):
    network = replace(through_endpoint(None, "codebuild"), outcome="internet", endpoint=None,
                      public_address="192.0.2.200")
    headers = {"content-type": "application/x-amz-json-1.1", "x-amz-target": "CodeBuild_20161006.ListProjects",
               "authorization": auth("codebuild")}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=b"{}")
    ctx.network = network
    pipeline.handle(ctx)
    assert ctx.status == 501 and ctx.error.code == "NotImplemented"
    assert "does not emulate codebuild" in ctx.error.message and "over the internet" in ctx.error.message
    entry = pipeline.traffic[-1]
    assert (entry["service"], entry["operation"], entry["outcome"], entry["principal"]) == (
        "codebuild", "ListProjects", "internet", ROOT)
    assert entry["hops"] == [{"step": "dns", "ok": True, "detail": "private DNS of vpce-…"}]
    assert entry["workload"] == network.workload
    assert entry["keys"]["aws:SourceIp"] == "192.0.2.200"


def test_the_traffic_log_records_the_decision(pipeline):
    ctx = apprunner(pipeline, "CreateService", {"ServiceName": "website", "SourceConfiguration": SOURCE},
                    through_endpoint(READ_ONLY))
    entry = pipeline.traffic[-1]
    assert entry["requestId"] == ctx.request_id
    assert (entry["source"], entry["outcome"], entry["endpoint"]) == ("vpc", "endpoint", "vpce-0123456789abcdef0")
    assert entry["decision"]["result"] == "implicitDeny" and entry["error"] == "AccessDeniedException"
    assert entry["keys"]["aws:SourceVpce"] == "vpce-0123456789abcdef0"
    assert entry["status"] == 400
