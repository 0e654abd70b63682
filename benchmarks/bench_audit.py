"""How long `runnerlink audit` takes on a large account: 1,000 VPCs with 5,000 interface endpoints, read from a
running runnerlink and from a Terraform plan's JSON (the issue's target: under 5 s each).

    python benchmarks/bench_audit.py                 # 1,000 VPCs × 5 endpoints, both sources (~3 min with the plan)
    python benchmarks/bench_audit.py --vpcs 200      # smaller
    python benchmarks/bench_audit.py --no-plan       # runnerlink only (no terraform needed)

Every VPC is the same shape (a VPC module instantiated once per VPC): DNS support and hostnames on, two subnets in
two zones, an endpoint security group admitting 443 from the VPC, and five interface endpoints (apprunner with
private DNS and a read-only policy, ecr.api, ecr.dkr, logs, sts) in both subnets. The first subnet of each VPC is a
build/deploy subnet (the audit configuration names them all), so every VPC is traced for every expected service.

- **runnerlink**: the network is created through boto3 in a `runnerlink serve --state memory` process (threads, not
  timed), then `runnerlink audit --format json` runs as a user would run it (a fresh process: start-up, the model
  read over HTTP, every rule, the JSON report). Timed: the whole command, best of --rounds.
- **plan**: the same network as Terraform configuration (a module with for_each over the VPCs), planned with the
  local hashicorp/aws provider mirror against that server, `terraform show -json` once (not timed, cached under
  benchmarks/.cache/), then `runnerlink audit --terraform plan.json --format json` timed the same way.

Both runs must report the same number of findings per rule (the networks are the same), and the figures are printed
next to the target. There is no peer: no other tool audits App Runner's privacy considerations, so the figure is the
absolute time on this machine, with the in-process split (read, rules, render) for context.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apprunner import ACCOUNT, REGION, Server, free_port  # noqa: E402

TARGET_SECONDS = 5.0
SERVICES = ("apprunner", "ecr.api", "ecr.dkr", "logs", "sts")
READ_ONLY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})
MIRROR = Path(os.environ.get("RUNNERLINK_TF_MIRROR", "/opt/tf-plugins"))
CACHE = HERE / ".cache"


def _cidr(index: int) -> str:
    return f"10.{index // 256}.{index % 256}.0/24"


def _subnets(index: int) -> tuple[str, str]:
    base = _cidr(index).rsplit(".", 2)[0]
    octet = index % 256
    return f"{base}.{octet}.0/25", f"{base}.{octet}.128/25"


def build_network(url: str, vpcs: int, threads: int = 8) -> list[str]:
    """The benchmark's network in runnerlink; returns each VPC's build subnet id."""

    def one(index: int) -> str:
        ec2 = boto3.client("ec2", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                           aws_secret_access_key="test")
        vpc = ec2.create_vpc(CidrBlock=_cidr(index))["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        first, second = _subnets(index)
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")["Subnet"]
                   ["SubnetId"] for cidr, zone in ((first, "a"), (second, "b"))]
        group = ec2.create_security_group(GroupName="endpoints", Description="endpoints", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": _cidr(index)}]}])
        for service in SERVICES:
            extra = {"PolicyDocument": READ_ONLY_POLICY} if service == "apprunner" else {}
            ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}."
                                    f"{service}", SubnetIds=subnets, SecurityGroupIds=[group],
                                    PrivateDnsEnabled=True, **extra)
        return subnets[0]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(vpcs)))


MODULE = """
variable "cidr" { type = string }
variable "first" { type = string }
variable "second" { type = string }
variable "policy" { type = string }

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true
}

resource "aws_subnet" "build" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = var.first
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "second" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = var.second
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "endpoints" {
  name   = "endpoints"
  vpc_id = aws_vpc.this.id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = [var.cidr]
  }
}
""" + "".join(f"""
resource "aws_vpc_endpoint" "{service.replace('.', '_')}" {{
  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.us-east-1.{service}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.build.id, aws_subnet.second.id]
  security_group_ids  = [aws_security_group.endpoints.id]
{'  policy              = var.policy' if service == 'apprunner' else ''}
}}
""" for service in SERVICES)


def plan_json(url: str, vpcs: int) -> Path:
    """`terraform show -json` of the plan of the same network (cached by size)."""
    cached = CACHE / f"audit-plan-{vpcs}.json"
    if cached.is_file():
        return cached
    terraform = shutil.which("terraform")
    if terraform is None:
        raise SystemExit("terraform is not on PATH (use --no-plan)")
    work = Path(tempfile.mkdtemp(prefix="bench-audit-tf-"))
    (work / "vpc").mkdir()
    (work / "vpc" / "main.tf").write_text(MODULE)
    entries = ",\n".join(f'    "v{i}" = {{ cidr = "{_cidr(i)}", first = "{_subnets(i)[0]}", second = "{_subnets(i)[1]}" }}'
                         for i in range(vpcs))
    (work / "main.tf").write_text(f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "5.100.0" }}
  }}
}}
provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "{ACCOUNT}"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    ec2       = "{url}"
    apprunner = "{url}"
    sts       = "{url}"
  }}
}}
locals {{
  vpcs = {{
{entries}
  }}
}}
module "vpc" {{
  source   = "./vpc"
  for_each = local.vpcs
  cidr     = each.value.cidr
  first    = each.value.first
  second   = each.value.second
  policy   = {json.dumps(READ_ONLY_POLICY)}
}}
""")
    rc = work / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n')
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
    for command in (["init", "-input=false"], ["plan", "-input=false", "-out=plan.tfplan", "-parallelism=20"]):
        started = time.monotonic()
        subprocess.run([terraform, *command], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"  terraform {command[0]}: {time.monotonic() - started:.0f} s")
    shown = subprocess.run([terraform, "show", "-json", "plan.tfplan"], cwd=work, env=env, check=True,
                           capture_output=True).stdout
    CACHE.mkdir(exist_ok=True)
    cached.write_bytes(shown)
    shutil.rmtree(work, ignore_errors=True)
    return cached


def timed_audit(args: list[str], config: Path, rounds: int) -> tuple[float, dict]:
    """Best wall time of `runnerlink audit … --format json` over rounds, and its report."""
    best, report = float("inf"), {}
    for _ in range(rounds):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "runnerlink", "audit", *args, "--config", str(config),
                               "--format", "json"], capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"runnerlink audit failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
        best, report = min(best, elapsed), json.loads(done.stdout)
    return best, report


def split(source: str, loader, config_path: Path) -> str:
    """The in-process split of one audit: read, rules, render."""
    from runnerlink.audit.config import load as load_config
    from runnerlink.audit.engine import run_audit
    from runnerlink.audit.report import json_report

    started = time.perf_counter()
    model = loader()
    read = time.perf_counter()
    report = run_audit(model, load_config(config_path))
    ruled = time.perf_counter()
    json_report.render(report)
    rendered = time.perf_counter()
    return (f"{source}: read {read - started:.2f} s, rules {ruled - read:.2f} s, render {rendered - ruled:.2f} s "
            f"({len(model.topology.vpcs)} VPCs, {len(model.topology.endpoints)} endpoints, "
            f"{len(report.findings)} findings)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vpcs", type=int, default=1000)
    parser.add_argument("--rounds", "-r", type=int, default=3)
    parser.add_argument("--no-plan", action="store_true", help="skip the Terraform plan source")
    options = parser.parse_args()

    server = Server("runnerlink", [sys.executable, "-m", "runnerlink", "serve", "--state", "memory", "--port",
                                   str(port := free_port()), "--gateway-port", str(free_port()),
                                   "--lifecycle-delay", "0", "--vpc-quota", str(options.vpcs + 1)], port, "/_runnerlink/health", None).start()
    try:
        started = time.monotonic()
        build_subnets = build_network(server.url, options.vpcs)
        print(f"set-up: {options.vpcs} VPCs, {options.vpcs * len(SERVICES)} interface endpoints through boto3 in "
              f"{time.monotonic() - started:.0f} s")
        work = Path(tempfile.mkdtemp(prefix="bench-audit-"))
        live_config = work / "live.toml"
        live_config.write_text(f"expected_services = {json.dumps(list(SERVICES[1:]))}\n"
                               f"build_subnets = {json.dumps(build_subnets)}\n")
        results = {}
        seconds, report = timed_audit(["--endpoint-url", server.url, "--account", ACCOUNT, "--region", REGION],
                                      live_config, options.rounds)
        results["runnerlink"] = (seconds, report)
        from runnerlink.audit.sources import runnerlink as live

        print(split("runnerlink", lambda: live.load(server.url, ACCOUNT, REGION), live_config))
        if not options.no_plan:
            plan = plan_json(server.url, options.vpcs)
            plan_config = work / "plan.toml"
            addresses = [f'module.vpc["v{i}"].aws_subnet.build' for i in range(options.vpcs)]
            plan_config.write_text(f"expected_services = {json.dumps(list(SERVICES[1:]))}\n"
                                   f"build_subnets = {json.dumps(addresses)}\n")
            seconds, report = timed_audit(["--terraform", str(plan)], plan_config, options.rounds)
            results["plan"] = (seconds, report)
            from runnerlink.audit.sources import terraform

            print(split("plan", lambda: terraform.load(plan), plan_config))
    finally:
        server.process.terminate()
        server.process.wait(10)
    print(f"\n`runnerlink audit --format json`, best of {options.rounds} (target: under {TARGET_SECONDS:.0f} s):")
    for source, (seconds, report) in results.items():
        verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
        rules = Counter(f["rule"] for f in report["findings"])
        print(f"  {source:<10} {seconds:6.2f} s  {verdict} the target   findings: {dict(sorted(rules.items())) or 0}")
    if len(results) == 2:
        counts = [Counter(f["rule"] for f in r["findings"]) for _, r in results.values()]
        if counts[0] != counts[1]:
            print(f"the two sources disagree: {counts[0]} vs {counts[1]}")
            return 1
    return 0 if all(s < TARGET_SECONDS for s, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
