"""Terraform (hashicorp/aws 5.100.0 from the local filesystem mirror) against a real `runnerlink serve` process:
aws_apprunner_service and aws_apprunner_custom_domain_association (tests/e2e/terraform/services/).

As test_terraform.py (the configurations) does: apply, a second plan is empty (no drift), apply the update
(services/updated.tfvars), the plan is empty again, destroy, and boto3 checks the results after each step. A file of
its own so that `--dist loadfile` runs it beside test_terraform.py rather than after it.
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.e2e.apprunner_helpers import describe_observability, describe_scaling, tags_of
from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    UPDATED,
    account,
    skip_without_terraform,
    sts_available,
    tf_home,
    tf_server,
    workspace,
)

skip_without_terraform()

pytestmark = pytest.mark.terraform


@pytest.fixture
def apprunner(tf_server, account):
    return tf_server.client("apprunner", account=account)


def assert_service_gone(apprunner, arn: str) -> None:
    """A deleted service reads as DELETED (AWS keeps it describable for a while) or is not found at all."""
    try:
        status = apprunner.describe_service(ServiceArn=arn)["Service"]["Status"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        assert status == "DELETED"
    listed = apprunner.list_services()["ServiceSummaryList"]
    assert [s for s in listed if s["ServiceArn"] == arn and s["Status"] != "DELETED"] == []


def test_services(workspace, apprunner):
    """aws_apprunner_service (web: every block set; site: defaults) and aws_apprunner_custom_domain_association
    (services/*.tf)."""
    tf = workspace("services")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()

    # web: what Terraform sent comes back (sizes normalised to the API's numeric form).
    assert out["web_status"] == "RUNNING"
    assert re.fullmatch(r"[a-z0-9]{10}\.us-east-1\.awsapprunner\.com", out["web_url"])
    web = apprunner.describe_service(ServiceArn=out["web_arn"])["Service"]
    assert web["Status"] == "RUNNING"
    assert web["ServiceUrl"] == out["web_url"]
    assert web["SourceConfiguration"] == {
        "AutoDeploymentsEnabled": False,
        "ImageRepository": {
            "ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
            "ImageRepositoryType": "ECR_PUBLIC",
            "ImageConfiguration": {"Port": "80", "RuntimeEnvironmentVariables": {"GREETING": "hello"}},
        },
    }
    assert (web["InstanceConfiguration"]["Cpu"], web["InstanceConfiguration"]["Memory"]) == ("1024", "2048")
    assert web["HealthCheckConfiguration"] == {"Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2,
                                               "HealthyThreshold": 1, "UnhealthyThreshold": 5}
    assert web["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"] == out["web_scaling_arns"][0]
    assert web["ObservabilityConfiguration"] == {"ObservabilityEnabled": True,
                                                 "ObservabilityConfigurationArn": out["web_observability_arn"]}
    assert tags_of(apprunner, out["web_arn"]) == {"App": "web", "ManagedBy": "terraform"}
    assert apprunner.list_services_for_auto_scaling_configuration(
        AutoScalingConfigurationArn=out["web_scaling_arns"][0])["ServiceArnList"] == [out["web_arn"]]
    assert [describe_scaling(apprunner, arn)["HasAssociatedService"] for arn in out["web_scaling_arns"]] == [
        True, False]

    # site: the defaults App Runner applies, and Terraform saw no drift in them.
    site = apprunner.describe_service(ServiceArn=out["site_arn"])["Service"]
    assert (site["InstanceConfiguration"]["Cpu"], site["InstanceConfiguration"]["Memory"]) == ("1024", "2048")
    assert site["NetworkConfiguration"]["EgressConfiguration"]["EgressType"] == "DEFAULT"
    assert site["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"] is True
    assert "ObservabilityConfiguration" not in site
    assert "EncryptionConfiguration" not in site
    assert site["AutoScalingConfigurationSummary"]["AutoScalingConfigurationName"] == "DefaultConfiguration"
    # site's custom domain, waiting for DNS validation.
    assert out["site_dns_target"] == out["site_url"]
    assert out["site_domain_status"] in ("pending_certificate_dns_validation", "binding_certificate")
    assert out["site_certificate_validation_records"], "the association should ask for DNS validation records"
    domains = apprunner.describe_custom_domains(ServiceArn=out["site_arn"])
    assert domains["DNSTarget"] == out["site_url"]
    assert [(d["DomainName"], d["EnableWWWSubdomain"]) for d in domains["CustomDomains"]] == [
        ("app.example.com", True)]

    tf.apply(UPDATED)
    tf.assert_no_changes(UPDATED)
    updated = tf.outputs()
    assert (updated["web_arn"], updated["site_arn"]) == (out["web_arn"], out["site_arn"]), "updated in place"
    web = apprunner.describe_service(ServiceArn=out["web_arn"])["Service"]
    assert web["Status"] == "RUNNING"
    assert web["ServiceUrl"] == out["web_url"]
    assert (web["InstanceConfiguration"]["Cpu"], web["InstanceConfiguration"]["Memory"]) == ("2048", "4096")
    assert web["HealthCheckConfiguration"] == {"Protocol": "HTTP", "Path": "/healthz", "Interval": 10,
                                               "Timeout": 5, "HealthyThreshold": 2, "UnhealthyThreshold": 3}
    assert web["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"] == out["web_scaling_arns"][1]
    assert [describe_scaling(apprunner, arn)["HasAssociatedService"] for arn in out["web_scaling_arns"]] == [
        False, True]
    assert web["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"] == {
        "Port": "80", "RuntimeEnvironmentVariables": {"GREETING": "hello", "LOG_LEVEL": "debug"}}
    assert web["ObservabilityConfiguration"]["ObservabilityEnabled"] is True
    assert tags_of(apprunner, out["web_arn"]) == {"App": "web", "Stage": "prod", "ManagedBy": "terraform"}
    operations = apprunner.list_operations(ServiceArn=out["web_arn"])["OperationSummaryList"]
    assert {"CREATE_SERVICE", "UPDATE_SERVICE"} <= {o["Type"] for o in operations}, operations
    assert all(o["Status"] == "SUCCEEDED" for o in operations), operations
    domains = apprunner.describe_custom_domains(ServiceArn=out["site_arn"])["CustomDomains"]
    assert [(d["DomainName"], d["EnableWWWSubdomain"]) for d in domains] == [("shop.example.com", False)]
    assert tags_of(apprunner, out["site_arn"]) == {"App": "site", "Stage": "prod", "ManagedBy": "terraform"}

    tf.destroy(UPDATED)
    for arn in (out["web_arn"], out["site_arn"]):
        assert_service_gone(apprunner, arn)
    try:
        remaining = apprunner.describe_custom_domains(ServiceArn=out["site_arn"])["CustomDomains"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    else:
        assert remaining == []
    for arn in out["web_scaling_arns"]:
        assert describe_scaling(apprunner, arn)["Status"] == "inactive"
    assert describe_observability(apprunner, out["web_observability_arn"])["Status"] == "INACTIVE"
    assert tf.state_list() == []
