"""Terraform's Go provider, unmodified (no endpoint overrides), under `runnerlink exec` in a private subnet: through
the apprunner endpoint it applies; without one it fails at once with the gateway's reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.terraform_harness import CLI_CONFIG, skip_without_terraform
from tests.e2e.test_gateway import traffic, wait_available, workload_env

skip_without_terraform()
pytestmark = pytest.mark.terraform

CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}
resource "aws_apprunner_auto_scaling_configuration_version" "asc" {
  auto_scaling_configuration_name = "through-the-gateway"
  max_size                        = 4
}
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tf-gateway")
    (directory / "main.tf").write_text(CONFIG)
    (directory / "cli.tfrc").write_text(CLI_CONFIG)
    env = {**workload_env("000000000000"), "TF_CLI_CONFIG_FILE": str(directory / "cli.tfrc")}
    subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=directory, env=env, check=True,
                   capture_output=True, timeout=120)
    return directory


def apply(server, account: str, subnet: str, workdir) -> subprocess.CompletedProcess:
    env = {**workload_env(account), "TF_CLI_CONFIG_FILE": str(workdir / "cli.tfrc")}
    return subprocess.run([sys.executable, "-m", "runnerlink", "exec", "--subnet", subnet, "--endpoint-url",
                           server.url, "--", "terraform", "apply", "-auto-approve", "-input=false", "-no-color",
                           f"-state={workdir / account}.tfstate"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=200)


def test_terraform_applies_through_the_endpoint(server, account, ec2, apprunner, workdir):
    network = make_network(ec2)
    wait_available(ec2, make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"])
    result = apply(server, account, network.subnet_ids[0], workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    names = [c["AutoScalingConfigurationName"]
             for c in apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]]
    assert "through-the-gateway" in names
    created = [e for e in traffic(server, operation="CreateAutoScalingConfiguration") if e["account"] == account]
    assert [e["outcome"] for e in created] == ["endpoint"]


def test_terraform_without_an_endpoint_fails_naming_the_hop(server, account, ec2, workdir):
    network = make_network(ec2)
    result = apply(server, account, network.subnet_ids[0], workdir)
    assert result.returncode == 1
    assert "no route from rtb-" in result.stderr and "apprunner.us-east-1.amazonaws.com" in result.stderr
