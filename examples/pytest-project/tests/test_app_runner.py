"""App Runner through its API, from the internet: every test starts on an empty server."""

import time

import pytest

IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC", "ImageConfiguration": {"Port": "80"}}}


def create_web(apprunner) -> dict:
    return apprunner.create_service(ServiceName="web-app", SourceConfiguration={
        "AutoDeploymentsEnabled": False, **IMAGE})["Service"]


def test_a_service_becomes_running(runnerlink):
    apprunner = runnerlink.client("apprunner")
    created = create_web(apprunner)
    assert created["Status"] == "OPERATION_IN_PROGRESS"
    deadline = time.monotonic() + 10
    while apprunner.describe_service(ServiceArn=created["ServiceArn"])["Service"]["Status"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert created["ServiceArn"].startswith(f"arn:aws:apprunner:us-east-1:{runnerlink.account}:service/web-app/")


def test_the_next_test_starts_without_it(runnerlink):
    apprunner = runnerlink.client("apprunner")
    assert apprunner.list_services()["ServiceSummaryList"] == []
    create_web(apprunner)  # no ServiceAlreadyExists: the name is free again


def test_a_duplicate_name_is_refused_as_aws_refuses_it(runnerlink):
    apprunner = runnerlink.client("apprunner")
    create_web(apprunner)
    with pytest.raises(apprunner.exceptions.InvalidRequestException):
        create_web(apprunner)
