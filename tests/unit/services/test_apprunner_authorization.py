"""The App Runner package declares authorization and a handler for every operation of its botocore model: a request
the edge can route is never left unjudged by IAM, and never routed to nothing."""

from __future__ import annotations

import pytest

from runnerlink.services.apprunner import PACKAGE
from runnerlink.services.base import Authorization
from runnerlink.wire.models import service_model

REGION = "us-east-1"
ACCOUNT = "111122223333"
ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:"
SERVICE_ARN = f"{ARN}service/web/0123456789abcdef0123456789abcdef"
ASC_ARN = f"{ARN}autoscalingconfiguration/scale/1/0123456789abcdef0123456789abcdef"
OBSERVABILITY_ARN = f"{ARN}observabilityconfiguration/trace/1/0123456789abcdef0123456789abcdef"
CONNECTION_ARN = f"{ARN}connection/github/0123456789abcdef0123456789abcdef"
CONNECTOR_ARN = f"{ARN}vpcconnector/egress/1/0123456789abcdef0123456789abcdef"
INGRESS_ARN = f"{ARN}vpcingressconnection/private/0123456789abcdef0123456789abcdef"
OPERATIONS = service_model("apprunner").operation_names


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_is_authorized_as_its_action(operation):
    authorization = PACKAGE.authorize(operation, {}, REGION, ACCOUNT)
    assert isinstance(authorization, Authorization)
    assert authorization.action == f"apprunner:{operation}"


def test_every_operation_has_a_handler():
    assert sorted(set(OPERATIONS) - set(PACKAGE.handlers)) == []


def test_an_unknown_operation_is_a_key_error():
    with pytest.raises(KeyError):
        PACKAGE.authorize("DescribeNothing", {}, REGION, ACCOUNT)


# One realistic request per resource-bearing family: an existing resource is named by its ARN, a Create* by the
# ARN pattern of what it is about to make.
@pytest.mark.parametrize(("operation", "params", "resources"), [
    ("DescribeService", {"ServiceArn": SERVICE_ARN}, (SERVICE_ARN,)),
    ("CreateService", {"ServiceName": "web", "SourceConfiguration": {}}, (f"{ARN}service/web/*",)),
    ("ListOperations", {"ServiceArn": SERVICE_ARN}, (SERVICE_ARN,)),
    ("AssociateCustomDomain", {"ServiceArn": SERVICE_ARN, "DomainName": "www.example.com"}, (SERVICE_ARN,)),
    ("CreateAutoScalingConfiguration", {"AutoScalingConfigurationName": "scale"},
     (f"{ARN}autoscalingconfiguration/scale/*",)),
    ("DeleteAutoScalingConfiguration", {"AutoScalingConfigurationArn": ASC_ARN}, (ASC_ARN,)),
    ("CreateObservabilityConfiguration", {"ObservabilityConfigurationName": "trace"},
     (f"{ARN}observabilityconfiguration/trace/*",)),
    ("DescribeObservabilityConfiguration", {"ObservabilityConfigurationArn": OBSERVABILITY_ARN},
     (OBSERVABILITY_ARN,)),
    ("CreateConnection", {"ConnectionName": "github", "ProviderType": "GITHUB"}, (f"{ARN}connection/github/*",)),
    ("DeleteConnection", {"ConnectionArn": CONNECTION_ARN}, (CONNECTION_ARN,)),
    ("CreateVpcConnector", {"VpcConnectorName": "egress", "Subnets": ["subnet-0123456789abcdef0"]},
     (f"{ARN}vpcconnector/egress/*",)),
    ("DescribeVpcConnector", {"VpcConnectorArn": CONNECTOR_ARN}, (CONNECTOR_ARN,)),
    ("DescribeVpcIngressConnection", {"VpcIngressConnectionArn": INGRESS_ARN}, (INGRESS_ARN,)),
    ("TagResource", {"ResourceArn": CONNECTOR_ARN, "Tags": [{"Key": "team", "Value": "web"}]}, (CONNECTOR_ARN,)),
    ("ListTagsForResource", {"ResourceArn": SERVICE_ARN}, (SERVICE_ARN,)),
    ("ListServices", {}, ("*",)),
])
def test_a_request_is_authorized_against_the_resources_it_names(operation, params, resources):
    authorization = PACKAGE.authorize(operation, params, REGION, ACCOUNT)
    assert authorization.action == f"apprunner:{operation}"
    assert authorization.resources == resources


def test_resources_a_create_refers_to_are_authorized_with_their_condition_keys():
    params = {"ServiceName": "web", "SourceConfiguration": {},
              "NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": CONNECTOR_ARN}}}
    authorization = PACKAGE.authorize("CreateService", params, REGION, ACCOUNT)
    assert authorization.resources == (f"{ARN}service/web/*", CONNECTOR_ARN)
    assert authorization.context["apprunner:VpcConnectorArn"] == CONNECTOR_ARN


def test_an_ingress_connection_carries_its_service_and_vpc_keys():
    params = {"VpcIngressConnectionName": "private", "ServiceArn": SERVICE_ARN,
              "IngressVpcConfiguration": {"VpcId": "vpc-0123456789abcdef0", "VpcEndpointId": "vpce-0123456789abcdef0"}}
    authorization = PACKAGE.authorize("CreateVpcIngressConnection", params, REGION, ACCOUNT)
    assert authorization.resources == (f"{ARN}vpcingressconnection/private/*",)
    assert authorization.context == {"apprunner:ServiceArn": SERVICE_ARN, "apprunner:VpcId": "vpc-0123456789abcdef0",
                                     "apprunner:VpcEndpointId": "vpce-0123456789abcdef0"}
