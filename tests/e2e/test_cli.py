"""The AWS CLI (v1, `aws` on PATH) against the shared server: --endpoint-url, AWS_ENDPOINT_URL, errors.

The CLI runs isolated from ~/.aws (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at empty files) with a
12-digit access key id, which runnerlink takes as the account.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

AWS = shutil.which("aws")
if AWS is None:
    pytest.skip("the AWS CLI (aws) is not on PATH", allow_module_level=True)


def cli_botocore_version() -> tuple[int, ...]:
    """The botocore the CLI itself runs on (`aws --version` prints e.g. "aws-cli/1.45.11 ... botocore/1.43.11")."""
    result = subprocess.run([AWS, "--version"], capture_output=True, text=True, timeout=60)
    match = re.search(r"botocore/(\d+)\.(\d+)\.(\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    return tuple(int(part) for part in match.groups())


@pytest.fixture
def aws(server, account, tmp_path):
    """aws(*args, endpoint="flag"|"env"|"service-env", ok=True) → CompletedProcess (stdout parsed into .json)."""
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    base_env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    base_env.update({
        "AWS_ACCESS_KEY_ID": account,
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
    })

    def run(*args: str, endpoint: str = "flag", ok: bool = True) -> subprocess.CompletedProcess:
        env = dict(base_env)
        command = [AWS, "--output", "json", *args]
        if endpoint == "flag":
            command += ["--endpoint-url", server.url]
        elif endpoint == "env":
            env["AWS_ENDPOINT_URL"] = server.url
        elif endpoint == "service-env":
            env["AWS_ENDPOINT_URL_APPRUNNER"] = server.url
        else:
            raise ValueError(endpoint)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        if ok:
            assert result.returncode == 0, f"{' '.join(args)} → {result.returncode}\n{result.stderr}"
            result.json = json.loads(result.stdout) if result.stdout.strip() else None
        else:
            assert result.returncode != 0, f"{' '.join(args)} unexpectedly succeeded:\n{result.stdout}"
        return result

    return run


def test_list_services_with_endpoint_flag(aws):
    assert aws("apprunner", "list-services").json == {"ServiceSummaryList": []}


def test_aws_endpoint_url_environment_variable(aws):
    """AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) need botocore >= 1.31; the installed CLI's is checked."""
    assert cli_botocore_version() >= (1, 31, 0), "this AWS CLI ignores AWS_ENDPOINT_URL; use --endpoint-url"
    created = aws("apprunner", "create-connection", "--connection-name", "via-flag", "--provider-type", "GITHUB").json
    arn = created["Connection"]["ConnectionArn"]
    # The same account's connection is visible through the environment variables: they reached runnerlink
    # (the sandbox has no route to AWS anyway, so a request that went elsewhere would fail).
    for endpoint in ("env", "service-env"):
        listed = aws("apprunner", "list-connections", endpoint=endpoint).json["ConnectionSummaryList"]
        assert [c["ConnectionArn"] for c in listed] == [arn]
    assert aws("apprunner", "list-services", endpoint="env").json == {"ServiceSummaryList": []}


def test_create_auto_scaling_configuration(aws):
    created = aws("apprunner", "create-auto-scaling-configuration", "--auto-scaling-configuration-name", "cli-scaling",
                  "--max-concurrency", "60", "--min-size", "2", "--max-size", "5",
                  "--tags", "Key=team,Value=cli").json["AutoScalingConfiguration"]
    assert (created["AutoScalingConfigurationName"], created["AutoScalingConfigurationRevision"]) == ("cli-scaling", 1)
    assert (created["MaxConcurrency"], created["MinSize"], created["MaxSize"]) == (60, 2, 5)
    assert created["Status"] == "active"
    assert created["Latest"] is True
    arn = created["AutoScalingConfigurationArn"]
    assert re.fullmatch(r"arn:aws:apprunner:us-east-1:\d{12}:autoscalingconfiguration/cli-scaling/1/[0-9a-f]{32}", arn)

    again = aws("apprunner", "create-auto-scaling-configuration", "--auto-scaling-configuration-name",
                "cli-scaling").json["AutoScalingConfiguration"]
    assert again["AutoScalingConfigurationRevision"] == 2
    described = aws("apprunner", "describe-auto-scaling-configuration", "--auto-scaling-configuration-arn",
                    arn, endpoint="env").json["AutoScalingConfiguration"]
    assert described["Latest"] is False
    listed = aws("apprunner", "list-auto-scaling-configurations", "--auto-scaling-configuration-name",
                 "cli-scaling").json["AutoScalingConfigurationSummaryList"]
    assert [s["AutoScalingConfigurationRevision"] for s in listed] == [2]  # LatestOnly defaults to true
    tags = aws("apprunner", "list-tags-for-resource", "--resource-arn", arn).json["Tags"]
    assert tags == [{"Key": "team", "Value": "cli"}]

    deleted = aws("apprunner", "delete-auto-scaling-configuration", "--auto-scaling-configuration-arn",
                  arn).json["AutoScalingConfiguration"]
    assert deleted["Status"] == "inactive"


def test_create_connection(aws):
    created = aws("apprunner", "create-connection", "--connection-name", "cli-github", "--provider-type", "GITHUB",
                  "--tags", "Key=owner,Value=me").json["Connection"]
    assert created["Status"] == "PENDING_HANDSHAKE"
    assert created["ProviderType"] == "GITHUB"
    listed = aws("apprunner", "list-connections", "--connection-name", "cli-github").json["ConnectionSummaryList"]
    assert [c["ConnectionArn"] for c in listed] == [created["ConnectionArn"]]
    deleted = aws("apprunner", "delete-connection", "--connection-arn", created["ConnectionArn"]).json["Connection"]
    assert deleted["Status"] == "DELETED"
    assert aws("apprunner", "list-connections").json == {"ConnectionSummaryList": []}


def test_describe_missing_resources_fail_with_the_error_code(aws, account):
    missing_service = f"arn:aws:apprunner:us-east-1:{account}:service/ghost/0123456789abcdef0123456789abcdef"
    result = aws("apprunner", "describe-service", "--service-arn", missing_service, ok=False)
    assert "(ResourceNotFoundException)" in result.stderr
    assert "DescribeService" in result.stderr

    missing_config = (f"arn:aws:apprunner:us-east-1:{account}:autoscalingconfiguration/ghost/1/"
                      "0123456789abcdef0123456789abcdef")
    result = aws("apprunner", "describe-auto-scaling-configuration", "--auto-scaling-configuration-arn",
                 missing_config, endpoint="env", ok=False)
    assert "(ResourceNotFoundException)" in result.stderr


def test_server_side_validation_error(aws):
    """A pattern violation is not checked by the CLI (botocore checks only required/min/type): the server answers."""
    result = aws("apprunner", "create-connection", "--connection-name", "bad name!", "--provider-type", "GITHUB",
                 ok=False)
    assert "(InvalidRequestException)" in result.stderr
    assert "CreateConnection" in result.stderr
