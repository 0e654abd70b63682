"""Shared by the IAM e2e tests: policy documents and the error assertion."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def document(action: str = "s3:GetObject", resource: str = "*", effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action,
                                                               "Resource": resource}]})


def refused(call, code: str, status: int, message: str | None = None) -> ClientError:
    """call() fails with AWS's code, status and (when given) exact message."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), error
    if message is not None:
        assert error["Message"] == message
    return caught.value
