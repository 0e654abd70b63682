"""Terraform (hashicorp/aws 5.100.0 from the local filesystem mirror) against a real `runnerlink serve` process.

Each test applies one configuration (a directory of tests/e2e/terraform/, plus provider.tf from there), checks that a
second plan is empty (no drift), applies an update (<config>/updated.tfvars), checks the plan again, destroys, and
verifies the results through boto3 after each step. Each test works in an account of its own, so the tests are
independent of each other. Two configurations (rather than one per resource) keep the runtime down: every terraform
command starts the 700 MB provider a few times.

The harness (server, CLI configuration with the filesystem mirror, one `terraform init`, workspaces, debug-log
excerpts on failure) is tests/e2e/terraform_harness.py, shared with test_terraform_network.py.
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

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


def tags_of(apprunner, arn: str) -> dict:
    return {t["Key"]: t["Value"] for t in apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def error_code(call, **kwargs) -> str | None:
    try:
        call(**kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


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


# --- tests --------------------------------------------------------------------------------------------------------


def current_default(apprunner) -> str:
    """The account's default auto scaling configuration, found as the provider finds it."""
    summaries = apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]
    defaults = [s["AutoScalingConfigurationArn"] for s in summaries if s.get("IsDefault") and s["Status"] == "active"]
    assert len(defaults) == 1, summaries
    return defaults[0]


def describe_scaling(apprunner, arn: str) -> dict:
    return apprunner.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)["AutoScalingConfiguration"]


def describe_observability(apprunner, arn: str) -> dict:
    return apprunner.describe_observability_configuration(
        ObservabilityConfigurationArn=arn)["ObservabilityConfiguration"]


def test_configurations(workspace, apprunner, sts_available):
    """aws_apprunner_auto_scaling_configuration_version, aws_apprunner_default_auto_scaling_configuration_version,
    aws_apprunner_observability_configuration and aws_apprunner_connection (configurations/*.tf)."""
    prior_default = current_default(apprunner)
    assert re.fullmatch(r"arn:aws:apprunner:us-east-1:\d{12}:autoscalingconfiguration/DefaultConfiguration/1/"
                        r"0{31}1", prior_default)

    tf = workspace("configurations")
    tf.apply()
    tf.assert_no_changes()
    out = tf.outputs()

    # Auto scaling: two revisions of one name.
    assert (out["scaling_second_revision"], out["scaling_second_status"]) == (2, "active")
    first, second = describe_scaling(apprunner, out["scaling_first_arn"]), describe_scaling(
        apprunner, out["scaling_second_arn"])
    assert (first["AutoScalingConfigurationRevision"], first["Latest"]) == (1, False)
    assert (second["AutoScalingConfigurationRevision"], second["Latest"]) == (2, True)
    assert (first["MaxConcurrency"], first["MinSize"], first["MaxSize"]) == (50, 2, 10)
    assert (second["MaxConcurrency"], second["MinSize"], second["MaxSize"]) == (80, 1, 4)
    assert tags_of(apprunner, out["scaling_first_arn"]) == {"Team": "platform", "ManagedBy": "terraform"}
    # Default: the first candidate.
    candidates = out["candidate_arns"]
    assert current_default(apprunner) == candidates[0] == out["default_arn"]
    # Observability: X-Ray tracing, and a configuration without any trace configuration.
    assert out["xray_status"] == "ACTIVE"
    xray = describe_observability(apprunner, out["xray_arn"])
    assert xray["TraceConfiguration"] == {"Vendor": "AWSXRAY"}
    assert (xray["ObservabilityConfigurationRevision"], xray["Latest"], xray["Status"]) == (1, True, "ACTIVE")
    assert "TraceConfiguration" not in describe_observability(apprunner, out["plain_arn"])
    # Connections: created, waiting for the handshake.
    assert out["github_status"] == "PENDING_HANDSHAKE"
    listed = apprunner.list_connections(ConnectionName="tf-github")["ConnectionSummaryList"]
    assert [(c["ConnectionArn"], c["ProviderType"]) for c in listed] == [(out["github_arn"], "GITHUB")]
    assert tags_of(apprunner, out["github_arn"]) == {"Team": "web", "ManagedBy": "terraform"}

    # Without STS the provider runs with skip_requesting_account_id, and the default resource's id (the account id)
    # is null after create; an in-place update then leaves it unknown and Terraform rejects the provider's result
    # ("Provider returned invalid result object after apply ... unknown value for ...this.id"). That is the provider,
    # not runnerlink; until STS is emulated, the test replaces the resource instead: its delete is a no-op and its
    # create makes the same UpdateDefaultAutoScalingConfiguration call an update would.
    default_resource = "aws_apprunner_default_auto_scaling_configuration_version.this"
    tf.apply(UPDATED, *([] if sts_available else [f"-replace={default_resource}"]))
    tf.assert_no_changes(UPDATED)
    updated = tf.outputs()
    for key in ("scaling_first_arn", "scaling_second_arn", "xray_arn", "plain_arn", "github_arn", "candidate_arns"):
        assert updated[key] == out[key], f"{key}: a tags-only change must update in place"
    for arn in (out["scaling_first_arn"], out["scaling_second_arn"]):
        assert tags_of(apprunner, arn) == {"Team": "platform", "Stage": "prod", "ManagedBy": "terraform"}
    assert current_default(apprunner) == candidates[1] == updated["default_arn"]
    assert describe_scaling(apprunner, candidates[1])["IsDefault"] is True
    assert describe_scaling(apprunner, candidates[0])["IsDefault"] is False
    assert tags_of(apprunner, out["xray_arn"]) == {"Team": "observability", "CostCenter": "42",
                                                  "ManagedBy": "terraform"}
    assert tags_of(apprunner, out["github_arn"]) == {"Team": "web", "Owner": "alice", "ManagedBy": "terraform"}

    # Destroying the default resource is a no-op, and AWS refuses to delete the configuration that is the default
    # ("You can't delete a reserved auto scaling configuration", per the provider's acceptance test), so the prior
    # default is restored first, as the provider's acceptance test does before its destroy.
    assert error_code(apprunner.delete_auto_scaling_configuration,
                      AutoScalingConfigurationArn=candidates[1]) == "InvalidRequestException"
    apprunner.update_default_auto_scaling_configuration(AutoScalingConfigurationArn=prior_default)
    tf.destroy(UPDATED)

    assert current_default(apprunner) == prior_default
    for arn in (out["scaling_first_arn"], out["scaling_second_arn"], *candidates):
        assert describe_scaling(apprunner, arn)["Status"] == "inactive"
    names = {s["AutoScalingConfigurationName"]
             for s in apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]}
    assert names == {"DefaultConfiguration"}
    for arn in (out["xray_arn"], out["plain_arn"]):
        assert describe_observability(apprunner, arn)["Status"] == "INACTIVE"
    assert apprunner.list_observability_configurations()["ObservabilityConfigurationSummaryList"] == []
    assert apprunner.list_connections()["ConnectionSummaryList"] == []
    assert tf.state_list() == []


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
