"""`runnerlink audit` on networks built through boto3 in a real server: a clean private network gives no finding,
breaking one thing fires that rule, the CLI's formats and exit codes, and the runnerlink and AWS-API sources agree.
(The Terraform source, and its agreement with these, is tests/e2e/test_terraform_audit.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from runnerlink.audit import codec
from runnerlink.audit.config import AuditConfig
from runnerlink.audit.engine import run_audit
from runnerlink.audit.sources import runnerlink as live
from tests.conftest import settle
from tests.e2e.apprunner_helpers import IMAGE
from tests.e2e.ec2_fixtures import REGION, Network, make_endpoint, make_group, make_network
from tests.e2e.test_gateway import exec_in, make_public

TASKS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "tasks.apprunner.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def read_only_policy(account: str, actions=("apprunner:List*", "apprunner:Describe*"), principal=None) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": principal or {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": list(actions), "Resource": "*"}]})


@dataclass
class Clean:
    """The clean private network: DNS support and hostnames on, no internet or NAT route, subnets in two zones, an
    App Runner interface endpoint with private DNS in both (its group admits 443 from the VPC only, its policy
    allows only List*/Describe* to the account), a VPC connector in both subnets and a service whose egress is VPC."""

    server: object
    account: str
    ec2: object
    apprunner: object
    network: Network
    app_group: str
    endpoint: str | None
    connector: str

    def audit(self, config: AuditConfig | None = None) -> list:
        settle()  # endpoints become available after the lifecycle delay
        return list(run_audit(live.load(self.server.url, self.account, REGION), config).findings)


def build(server, account, ec2, apprunner, *, endpoint: dict | None = None, connector_subnets: int = 2,
          with_endpoint: bool = True) -> Clean:
    network = make_network(ec2)
    app_group = ec2.create_security_group(GroupName="app", Description="app", VpcId=network.vpc_id)["GroupId"]
    endpoint_id = None
    if with_endpoint:
        params = {"PrivateDnsEnabled": True, "PolicyDocument": read_only_policy(account), **(endpoint or {})}
        if params.get("PolicyDocument") is None:
            del params["PolicyDocument"]
        endpoint_id = make_endpoint(ec2, network, **params)["VpcEndpointId"]
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress",
                                               Subnets=network.subnet_ids[:connector_subnets],
                                               SecurityGroups=[app_group])["VpcConnector"]["VpcConnectorArn"]
    apprunner.create_service(ServiceName="website", SourceConfiguration=IMAGE, NetworkConfiguration={
        "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": connector}})
    return Clean(server, account, ec2, apprunner, network, app_group, endpoint_id, connector)


@pytest.fixture
def clean(server, account, ec2, apprunner) -> Clean:
    return build(server, account, ec2, apprunner)


def rules_of(findings) -> set[str]:
    return {f.rule for f in findings}


def test_a_clean_private_network_gives_no_finding(clean):
    assert clean.audit() == []


def test_no_apprunner_endpoint(server, account, ec2, apprunner):
    net = build(server, account, ec2, apprunner, with_endpoint=False)
    [finding] = net.audit()
    assert (finding.rule, finding.resource, finding.severity) == ("apprunner-endpoint-missing", net.network.vpc_id,
                                                                  "high")
    assert any("unreachable" in line for line in finding.evidence)  # a private VPC: the call fails visibly


def test_endpoint_dns_name_off(server, account, ec2, apprunner):
    net = build(server, account, ec2, apprunner, endpoint={"PrivateDnsEnabled": False})
    [finding] = net.audit()
    assert (finding.rule, finding.resource) == ("endpoint-dns-name-off", net.endpoint)


def test_vpc_dns_hostnames_off(clean):
    clean.ec2.modify_vpc_attribute(VpcId=clean.network.vpc_id, EnableDnsHostnames={"Value": False})
    [finding] = clean.audit()
    assert (finding.rule, finding.resource) == ("vpc-dns-off", clean.network.vpc_id)
    assert "enableDnsHostnames" in finding.message


def test_an_expected_service_without_an_endpoint(clean):
    [finding] = clean.audit(AuditConfig(expected_services=("sts",)))
    assert (finding.rule, finding.resource) == ("expected-endpoint-missing", clean.network.vpc_id)
    assert "sts" in finding.message


def test_a_public_vpc(clean):
    make_public(clean.ec2, clean.network)
    [finding] = clean.audit()
    assert (finding.rule, finding.resource, finding.severity) == ("public-vpc", clean.network.vpc_id, "low")
    assert set(finding.related) >= set(clean.network.subnet_ids)


def test_observed_internet_traffic(clean):
    make_public(clean.ec2, clean.network)
    subnet = clean.network.subnet_ids[0]
    sent = exec_in(clean.server, clean.account, subnet, sys.executable, "-c",
                   "import boto3; print(boto3.client('sts', region_name='us-east-1').get_caller_identity()['Account'])",
                   options=("--public-ip",))
    assert sent.returncode == 0, sent.stderr
    findings = clean.audit()
    assert rules_of(findings) == {"public-vpc", "observed-internet-traffic"}
    [observed] = [f for f in findings if f.rule == "observed-internet-traffic"]
    assert observed.resource == subnet and "sts" in observed.message


@pytest.mark.parametrize("rule, endpoint", [
    ("endpoint-policy-full-access", {"PolicyDocument": None}),
    ("endpoint-policy-beyond-read", {"PolicyDocument": "BEYOND"}),
    ("endpoint-policy-any-principal", {"PolicyDocument": "ANYONE"}),
])
def test_endpoint_policies(server, account, ec2, apprunner, rule, endpoint):
    documents = {"BEYOND": read_only_policy(account, ("apprunner:List*", "apprunner:Describe*",
                                                      "apprunner:PauseService")),
                 "ANYONE": read_only_policy(account, principal="*")}
    policy = endpoint["PolicyDocument"]
    net = build(server, account, ec2, apprunner, endpoint={"PolicyDocument": documents.get(policy, policy)})
    [finding] = net.audit()
    assert (finding.rule, finding.resource) == (rule, net.endpoint)


def test_an_endpoint_group_open_to_the_world(server, account, ec2, apprunner):
    network = make_network(ec2)
    world = make_group(ec2, network.vpc_id, name="world", cidr="0.0.0.0/0")
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, SecurityGroupIds=[world],
                             PolicyDocument=read_only_policy(account))["VpcEndpointId"]
    app_group = ec2.create_security_group(GroupName="app", Description="app", VpcId=network.vpc_id)["GroupId"]
    apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=network.subnet_ids, SecurityGroups=[app_group])
    settle()
    [finding] = run_audit(live.load(server.url, account, REGION)).findings
    assert (finding.rule, finding.resource) == ("endpoint-sg-open-world", world)
    assert endpoint in " ".join((finding.message, *finding.evidence, *finding.related))


def test_an_endpoint_group_closed_to_one_subnet(server, account, ec2, apprunner):
    network = make_network(ec2)
    only_a = make_group(ec2, network.vpc_id, name="only-a", cidr="10.0.1.0/24")
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, SecurityGroupIds=[only_a],
                             PolicyDocument=read_only_policy(account))["VpcEndpointId"]
    app_group = ec2.create_security_group(GroupName="app", Description="app", VpcId=network.vpc_id)["GroupId"]
    apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=network.subnet_ids, SecurityGroups=[app_group])
    settle()
    [finding] = run_audit(live.load(server.url, account, REGION)).findings
    assert (finding.rule, finding.resource) == ("endpoint-sg-closed", endpoint)
    assert network.subnet_ids[1] in finding.related and network.subnet_ids[0] not in finding.related


def test_an_endpoint_missing_from_a_zone(server, account, ec2, apprunner):
    net = build(server, account, ec2, apprunner)
    ec2.modify_vpc_endpoint(VpcEndpointId=net.endpoint, RemoveSubnetIds=[net.network.subnet_ids[1]])
    [finding] = net.audit()
    assert (finding.rule, finding.resource) == ("endpoint-zone-missing", net.endpoint)
    assert "us-east-1b" in " ".join((finding.message, *finding.related))


def test_a_service_with_default_egress_that_calls_aws(clean, server, account):
    iam = server.client("iam", account=account)
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=TASKS_TRUST)["Role"]["Arn"]
    arn = clean.apprunner.create_service(ServiceName="caller", SourceConfiguration=IMAGE,
                                         InstanceConfiguration={"InstanceRoleArn": role})["Service"]["ServiceArn"]
    [finding] = clean.audit()
    assert (finding.rule, finding.resource) == ("service-egress-default", arn)


def test_a_private_service_without_an_ingress_connection(clean):
    arn = clean.apprunner.create_service(ServiceName="internal", SourceConfiguration=IMAGE, NetworkConfiguration={
        "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": clean.connector},
        "IngressConfiguration": {"IsPubliclyAccessible": False}})["Service"]["ServiceArn"]
    [finding] = clean.audit()
    assert (finding.rule, finding.resource) == ("private-service-no-ingress", arn)


def test_an_s3_gateway_endpoint_in_no_route_table_leaves_s3_unreachable(clean):
    clean.ec2.create_vpc_endpoint(VpcId=clean.network.vpc_id, VpcEndpointType="Gateway",
                                  ServiceName=f"com.amazonaws.{REGION}.s3")
    findings = clean.audit(AuditConfig(expected_services=("s3",)))
    assert rules_of(findings) == {"path-unreachable"}
    assert {f.resource for f in findings} <= set(clean.network.subnet_ids)


# --- the command ---------------------------------------------------------------------------------------------------

def audit_cli(server, account: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runnerlink", "audit", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_the_command_reports_in_every_format_and_fails_on_a_threshold(server, account, ec2, apprunner, tmp_path):
    net = build(server, account, ec2, apprunner, endpoint={"PrivateDnsEnabled": False, "PolicyDocument": None})
    make_public(ec2, net.network)
    settle()
    where = ("--endpoint-url", server.url, "--account", account)
    as_json = audit_cli(server, account, *where, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr  # no --fail-on: the audit itself succeeded
    report = json.loads(as_json.stdout)
    assert {f["rule"] for f in report["findings"]} == {"endpoint-dns-name-off", "endpoint-policy-full-access",
                                                       "public-vpc"}
    assert report["summary"]["high"] == 1 and report["source"] == "runnerlink"

    assert audit_cli(server, account, *where, "--fail-on", "high").returncode == 1
    assert audit_cli(server, account, *where, "--fail-on", "critical").returncode == 0

    text = audit_cli(server, account, *where, "--color", "never")
    assert "endpoint-dns-name-off" in text.stdout and net.endpoint in text.stdout and "\x1b[" not in text.stdout
    assert "\x1b[" in audit_cli(server, account, *where, "--color", "always").stdout

    sarif = tmp_path / "audit.sarif"
    assert audit_cli(server, account, *where, "--format", "sarif", "-o", str(sarif)).returncode == 0
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == sorted(f["rule"] for f in report["findings"])

    page = tmp_path / "audit.html"
    assert audit_cli(server, account, *where, "--format", "html", "-o", str(page)).returncode == 0
    assert "<svg" in page.read_text() and net.network.vpc_id in page.read_text()

    config = tmp_path / "runnerlink-audit.toml"
    config.write_text('disable = ["public-vpc", "endpoint-policy-full-access"]\n')
    quiet = json.loads(audit_cli(server, account, *where, "--format", "json", "--config", str(config)).stdout)
    assert {f["rule"] for f in quiet["findings"]} == {"endpoint-dns-name-off"}


def test_the_command_says_plainly_what_went_wrong(server, account, tmp_path):
    unreachable = audit_cli(server, account, "--endpoint-url", "http://127.0.0.1:9")
    assert unreachable.returncode == 2 and "not reachable" in unreachable.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('disable = ["no-such-rule"]\n')
    wrong = audit_cli(server, account, "--endpoint-url", server.url, "--account", account, "--config", str(bad))
    assert wrong.returncode == 2 and "no-such-rule" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = audit_cli(server, account, "--terraform", str(tmp_path / "plan.json"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_the_runnerlink_and_aws_api_sources_agree(server, account, ec2, apprunner):
    """The same network read two ways: runnerlink's model endpoint and boto3's Describe*/List* calls."""
    net = build(server, account, ec2, apprunner, endpoint={"PrivateDnsEnabled": False, "PolicyDocument": None})
    make_public(ec2, net.network)
    settle()
    env = {"AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test", "PATH": "/usr/bin:/bin"}
    answers = []
    for source in ((), ("--aws",)):
        done = audit_cli(server, account, *source, "--endpoint-url", server.url, "--account", account, "--region",
                         REGION, "--format", "json", env=env)
        assert done.returncode == 0, done.stderr
        answers.append(json.loads(done.stdout))
    runnerlink_report, aws_report = answers
    assert aws_report["source"] == "aws" and aws_report["refused"] == []
    assert [(f["rule"], f["resource"]) for f in aws_report["findings"]] == \
        [(f["rule"], f["resource"]) for f in runnerlink_report["findings"]]
    assert len(runnerlink_report["findings"]) == 3


def test_an_ecr_registry_endpoint_answers_the_accounts_registry_name(clean):
    """ecr.dkr's private DNS name is a wildcard (*.dkr.ecr.<region>.amazonaws.com): an account's registry name
    resolves to the endpoint, so an expected ecr.dkr with its endpoint gives no finding."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{clean.account}:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": "*"}]})
    make_endpoint(clean.ec2, clean.network, f"com.amazonaws.{REGION}.ecr.dkr", PrivateDnsEnabled=True,
                  PolicyDocument=policy)
    assert clean.audit(AuditConfig(expected_services=("ecr.dkr",))) == []
