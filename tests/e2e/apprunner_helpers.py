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
