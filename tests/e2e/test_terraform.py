"""Terraform (hashicorp/aws 5.100.0 from the local filesystem mirror) against a real `runnerlink serve` process.

test_configurations applies one configuration (tests/e2e/terraform/configurations/, plus provider.tf from there),
checks that a second plan is empty (no drift), applies an update (configurations/updated.tfvars), checks the plan
again, destroys, and verifies the results through boto3 after each step. The services configuration is
test_terraform_services.py: a file of its own, so that `--dist loadfile` runs the two side by side. Each test works
in an account of its own. One configuration per file (rather than one per resource) keeps the runtime down: every
terraform command starts the provider a few times.

The harness (server, CLI configuration with the filesystem mirror, one `terraform init`, workspaces, debug-log
excerpts on failure) is tests/e2e/terraform_harness.py, shared by the Terraform test modules.
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


def error_code(call, **kwargs) -> str | None:
    try:
        call(**kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


# --- tests --------------------------------------------------------------------------------------------------------


def current_default(apprunner) -> str:
    """The account's default auto scaling configuration, found as the provider finds it."""
    summaries = apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]
    defaults = [s["AutoScalingConfigurationArn"] for s in summaries if s.get("IsDefault") and s["Status"] == "active"]
    assert len(defaults) == 1, summaries
    return defaults[0]


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
