"""The GitLab CI example's own script, run as written (examples/ci/gitlab-ci.yml's `script` lines, in one bash):
runnerlink serve --init with a seeded network in the background, runnerlink wait, terraform init/apply of a
configuration that finds the seeded VPC and adds a subnet to it, then pytest checking the result with boto3. Only the
install steps (before_script) are left out, and the ports are free ones instead of 4566/4567."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import yaml

from tests.e2e.terraform_harness import CLI_CONFIG, skip_without_terraform
from tests.server import RunningServer, free_port

skip_without_terraform()

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ci" / "gitlab-ci.yml"
ACCOUNT = "123456789012"  # the example's AWS_ACCESS_KEY_ID

MAIN_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "seeded" {
  tags = { Name = "ci-network" }
}

resource "aws_subnet" "added" {
  vpc_id            = data.aws_vpc.seeded.id
  cidr_block        = "10.20.9.0/24"
  availability_zone = "us-east-1a"
}
"""

TEST_PY = """
import boto3

def test_terraform_added_a_subnet_to_the_seeded_vpc():
    ec2 = boto3.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["ci-network"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.20.1.0/24", "10.20.9.0/24"]
"""


def seed(path: Path) -> None:
    """ci/network.json as the example says to make it: a network built against runnerlink, then exported."""
    running = RunningServer(state="memory").start()
    try:
        ec2 = running.client("ec2", account=ACCOUNT)
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "ci-network"}])
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1b")
        done = subprocess.run(["runnerlink", "state", "export", str(path), "--endpoint-url", running.url],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    finally:
        running.stop()


def test_the_gitlab_example_script_seeds_waits_applies_and_tests(tmp_path):
    job = yaml.safe_load(EXAMPLE.read_text())["integration"]
    (tmp_path / "ci").mkdir()
    seed(tmp_path / "ci" / "network.json")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_network.py").write_text(TEST_PY)
    (tmp_path / "cli.tfrc").write_text(CLI_CONFIG)

    port, gateway = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_", "RUNNERLINK_"))}
    env.update({key: str(value) for key, value in job["variables"].items()})
    env.update({
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "RUNNERLINK_PORT": str(port),
        "RUNNERLINK_GATEWAY_PORT": str(gateway), "RUNNERLINK_CONTAINER_ENGINE": "none",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "CHECKPOINT_DISABLE": "1", "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:xdist",
    })
    script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + "\n".join(job["script"])
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    log = (tmp_path / "runnerlink.log").read_text() if (tmp_path / "runnerlink.log").exists() else ""
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n--- runnerlink.log\n{log}"
    assert "initialised the state from ci/network.json" in log
    assert "1 passed" in done.stdout
    assert json.loads((tmp_path / "ci" / "network.json").read_text())["format"] == "runnerlink-state"
