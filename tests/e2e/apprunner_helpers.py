"""What the App Runner end-to-end tests share."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

# A SourceConfiguration for a service from a public image: the cheapest valid CreateService.
IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}, "AutoDeploymentsEnabled": False}


def error_of(call, **kwargs) -> tuple[str, str]:
    """The (code, message) of the App Runner error call(**kwargs) raises; App Runner answers every client error 400."""
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


# --- reading back what Terraform made (test_terraform.py, test_terraform_services.py) ---


def tags_of(apprunner, arn: str) -> dict:
    return {t["Key"]: t["Value"] for t in apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def describe_scaling(apprunner, arn: str) -> dict:
    return apprunner.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)["AutoScalingConfiguration"]


def describe_observability(apprunner, arn: str) -> dict:
    return apprunner.describe_observability_configuration(
        ObservabilityConfigurationArn=arn)["ObservabilityConfiguration"]
