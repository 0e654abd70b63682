"""Each service package declares how every operation of its botocore model is authorized (EC2 and STS here; App
Runner's catalogue-backed declaration has its own tests), and the edge needs nothing else of a service."""

from __future__ import annotations

import pytest

from runnerlink.services.base import Authorization
from runnerlink.services.ec2 import PACKAGE as EC2
from runnerlink.services.registry import all_services
from runnerlink.services.sts import PACKAGE as STS
from runnerlink.wire.models import service_model

REGION, ACCOUNT = "us-east-1", "111122223333"


@pytest.mark.parametrize("package", all_services(), ids=lambda p: p.name)
def test_every_model_operation_is_declared(package):
    for operation in service_model(package.name).operation_names:
        authorization = package.authorize(operation, {}, REGION, ACCOUNT)
        if authorization is not None:
            assert isinstance(authorization, Authorization)
            assert authorization.action.lower() == f"{package.spec.signing_name}:{operation}".lower()
            assert authorization.resources
    with pytest.raises(KeyError):
        package.authorize("NotAnOperation", {}, REGION, ACCOUNT)


@pytest.mark.parametrize("package", all_services(), ids=lambda p: p.name)
def test_every_handler_is_an_operation_of_the_model(package):
    assert set(package.handlers) <= set(service_model(package.name).operation_names)
    assert package.read_only <= set(package.handlers)


def test_ec2_acts_on_any_resource_and_words_its_refusals_its_way():
    assert EC2.authorize("DescribeVpcs", {}, REGION, ACCOUNT) == Authorization("ec2:DescribeVpcs", ("*",))
    assert (EC2.denial.code, EC2.denial.status, EC2.denial.names_any_resource) == (
        "UnauthorizedOperation", 403, False)


def test_sts_judges_the_role_and_never_authorizes_get_caller_identity():
    role = f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert STS.authorize("AssumeRole", {"RoleArn": role}, REGION, ACCOUNT).resources == (role,)
    assert STS.authorize("GetCallerIdentity", {}, REGION, ACCOUNT) is None
    assert (STS.denial.code, STS.denial.status) == ("AccessDenied", 403)
