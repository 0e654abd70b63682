"""The network rules: the clean private network gives no finding; each change breaks exactly one rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runnerlink.audit.config import AuditConfig
from runnerlink.audit.engine import run_audit
from runnerlink.audit.findings import Finding
from runnerlink.network.model import Rule

from tests.unit.audit.builders import (APPRUNNER, CIDR, MAIN, REQUESTS, SG_APP, SG_ENDPOINT, SUBNET_A, SUBNET_B, VPC,
                                       Net, clean, observed)


def findings(net: Net, config: AuditConfig | None = None) -> list[Finding]:
    return list(run_audit(net.model(), config).findings)


def only(net: Net, rule: str, config: AuditConfig | None = None) -> list[Finding]:
    """The findings, after checking they are all of one rule (and there is one at least)."""
    found = findings(net, config)
    assert {f.rule for f in found} == {rule}, [(f.rule, f.resource, f.message) for f in found]
    for finding in found:
        assert finding.message.endswith(".") and finding.fix and finding.evidence
    return found


def test_the_clean_private_network_gives_no_finding():
    assert findings(clean()) == []


def test_the_clean_network_with_expected_services_and_their_endpoints_gives_no_finding():
    net = clean().endpoint("vpce-0c3", "ecr.api").gateway_endpoint("vpce-s3", "s3")
    net.change("endpoints", "vpce-0c3", policy='{"Statement": [{"Effect": "Allow", "Principal": '
               '{"AWS": "arn:aws:iam::111122223333:role/deployer"}, "Action": "ecr:BatchGetImage", "Resource": "*"}]}')
    assert findings(net, AuditConfig(expected_services=("ecr.api", "s3"))) == []


def test_no_apprunner_endpoint_in_a_private_vpc_fires_once_with_the_failing_paths():
    net = clean()
    del net.endpoints[APPRUNNER]
    [finding] = only(net, "apprunner-endpoint-missing")
    assert (finding.resource, finding.resource_type, finding.vpc_id, finding.severity) == (VPC, "vpc", VPC, "high")
    assert finding.related == (SUBNET_A, SUBNET_B)
    assert all("is unreachable: no route from rtb-main" in line for line in finding.evidence)
    assert "com.amazonaws.us-east-1.apprunner" in finding.fix and "private_dns_enabled = true" in finding.fix


def test_no_apprunner_endpoint_in_a_public_vpc_says_the_calls_succeed_with_no_indication():
    net = clean().internet()
    net.change("subnets", SUBNET_A, map_public_ip=True).change("subnets", SUBNET_B, map_public_ip=True)
    del net.endpoints[APPRUNNER]
    found = {f.rule: f for f in findings(net)}
    assert set(found) == {"apprunner-endpoint-missing", "public-vpc"}
    finding = found["apprunner-endpoint-missing"]
    assert "succeed with no indication" in finding.message
    assert all("over the internet" in line and "no indication" in line for line in finding.evidence)
    assert "the others fail" not in finding.message


def test_an_expected_service_without_an_endpoint_fires_per_vpc_and_service():
    found = only(clean(), "expected-endpoint-missing", AuditConfig(expected_services=("ecr.api", "logs")))
    assert [(f.resource, f.severity) for f in found] == [(VPC, "medium"), (VPC, "medium")]
    assert "ecr.api" in found[0].message and "logs" in found[1].message
    assert "com.amazonaws.us-east-1.ecr.api" in found[0].fix


def test_a_gateway_endpoint_satisfies_an_expected_s3_but_not_an_interface_only_service():
    net = clean().gateway_endpoint("vpce-s3", "s3")
    assert findings(net, AuditConfig(expected_services=("s3",))) == []
    net = clean().gateway_endpoint("vpce-ddb", "dynamodb")
    net.change("endpoints", "vpce-ddb", service_name="com.amazonaws.us-east-1.sts")
    [finding] = only(net, "expected-endpoint-missing", AuditConfig(expected_services=("sts",)))
    assert "sts" in finding.message


def test_expected_s3_without_any_endpoint_suggests_a_gateway():
    [finding] = only(clean(), "expected-endpoint-missing", AuditConfig(expected_services=("s3",)))
    assert "Gateway" in finding.fix


def test_private_dns_off_in_a_private_vpc_fires_on_the_endpoint():
    net = clean().change("endpoints", APPRUNNER, private_dns=False, private_dns_name=None)
    [finding] = only(net, "endpoint-dns-name-off")
    assert (finding.resource, finding.resource_type, finding.severity) == (APPRUNNER, "vpc-endpoint", "high")
    assert finding.related == ()  # nothing leaks: the calls fail
    assert all("is unreachable" in line for line in finding.evidence)
    assert "--private-dns-enabled" in finding.fix


def test_private_dns_off_in_a_public_vpc_names_the_subnets_that_go_over_the_internet():
    net = clean().internet().change("endpoints", APPRUNNER, private_dns=False, private_dns_name=None)
    net.change("subnets", SUBNET_B, map_public_ip=True)
    found = {f.rule: f for f in findings(net)}
    assert set(found) == {"endpoint-dns-name-off", "public-vpc"}
    assert found["endpoint-dns-name-off"].related == (SUBNET_B,)
    assert SUBNET_B in found["endpoint-dns-name-off"].message


def test_private_dns_off_on_a_second_endpoint_of_a_service_already_answered_is_fine():
    net = clean().endpoint("vpce-0e5", "apprunner", private_dns=False)
    assert findings(net) == []


@pytest.mark.parametrize("attribute, name", [("dns_hostnames", "enableDnsHostnames"),
                                             ("dns_support", "enableDnsSupport")])
def test_vpc_dns_off_fires_once_on_the_vpc_naming_the_attribute(attribute, name):
    net = clean().change("vpcs", VPC, **{attribute: False})
    [finding] = only(net, "vpc-dns-off")
    assert (finding.resource, finding.resource_type, finding.severity) == (VPC, "vpc", "high")
    assert name in finding.message and f"{name} is false" in finding.evidence[0]
    assert APPRUNNER in finding.related
    assert ("enable_dns_hostnames" if attribute == "dns_hostnames" else "enable_dns_support") in finding.fix


def test_a_vpc_with_dns_off_but_nothing_in_it_is_not_judged():
    net = clean().vpc("vpc-2", "10.9.0.0/16", dns_support=False)
    assert findings(net) == []


def test_observed_internet_traffic_fires_per_subnet_and_service_with_the_count():
    net = clean()
    net.observed += [observed(SUBNET_A, "codebuild", "internet", 3), observed(SUBNET_A, "codebuild", "internet", 2,
                                                                              ("wl-c",)),
                     observed(SUBNET_B, "apprunner", "endpoint", 40)]
    [finding] = only(net, "observed-internet-traffic")
    assert (finding.resource, finding.resource_type, finding.severity) == (SUBNET_A, "subnet", "high")
    assert "5 request(s)" in finding.message and "codebuild" in finding.message
    assert finding.related == ("wl-a", "wl-c")
    assert "com.amazonaws.us-east-1.codebuild" in finding.fix


def test_calls_to_a_public_app_runner_application_are_not_aws_api_traffic():
    net = clean()
    net.observed.append(replace(observed(SUBNET_A, "apprunner", "internet", 9), host="abc123.us-east-1.awsapprunner.com"))
    assert findings(net) == []


def test_trace_count_grows_linearly_with_the_account(monkeypatch):
    from runnerlink.audit.rules import base
    calls = []
    real = base.find_path
    monkeypatch.setattr(base, "find_path", lambda *args: calls.append(args[2]) or real(*args))

    def traces(count: int) -> int:
        net = clean()
        for i in range(2, count + 1):
            vpc = f"vpc-{i}"
            net.vpc(vpc, f"10.{i}.0.0/16").subnet(f"subnet-{i}", f"10.{i}.1.0/24", "us-east-1a", vpc)
            net.group(f"sg-{i}", ingress=(Rule("tcp", 443, 443, cidr=f"10.{i}.0.0/16"),), vpc_id=vpc)
            net.endpoint(f"vpce-{i:03x}", "apprunner", subnets=(f"subnet-{i}",), groups=(f"sg-{i}",), vpc_id=vpc)
            net.workload(f"wl-{i}", f"subnet-{i}", groups=(f"sg-default-{vpc}",))
        calls.clear()
        run_audit(net.model(), AuditConfig(expected_services=("ecr.api", "logs")))
        return len(calls)

    small, large = traces(10), traces(40)
    assert large - small == 30 * (traces(11) - small)  # each VPC adds the same number of traces: no re-tracing

    net = clean().internet()
    [finding] = only(net, "public-vpc")
    assert (finding.resource, finding.severity) == (VPC, "low")
    assert finding.related == (SUBNET_A, SUBNET_B)
    assert "0.0.0.0/0 → igw-1" in finding.evidence[0]
    assert "aws ec2 delete-route --route-table-id rtb-main --destination-cidr-block 0.0.0.0/0" in finding.fix


def test_a_nat_route_in_one_subnet_makes_a_public_vpc_naming_that_subnet():
    net = clean()
    net.tables["rtb-b"] = type(net.tables[MAIN])("rtb-b", VPC, net.tables[MAIN].routes)
    net.change("subnets", SUBNET_B, route_table_id="rtb-b").route("rtb-b", "0.0.0.0/0", "nat-1")
    [finding] = only(net, "public-vpc")
    assert finding.related == (SUBNET_B,) and "nat-1" in finding.evidence[0]
    assert "--route-table-id rtb-b " in finding.fix and "rtb-main" not in finding.fix


def test_an_endpoint_group_open_to_the_world_fires_on_the_group():
    net = clean().group(SG_ENDPOINT, ingress=(Rule("tcp", 443, 443, cidr="0.0.0.0/0"),))
    [finding] = only(net, "endpoint-sg-open-world")
    assert (finding.resource, finding.resource_type, finding.severity) == (SG_ENDPOINT, "security-group", "medium")
    assert finding.related == (APPRUNNER,)
    assert "TCP 443 0.0.0.0/0" in finding.evidence[0] and CIDR in finding.fix


def test_all_traffic_from_ipv6_anywhere_is_open_too_but_another_port_is_not():
    net = clean().group(SG_ENDPOINT, ingress=(HTTPS := Rule("tcp", 443, 443, cidr=CIDR), Rule("-1", cidr="::/0")))
    [finding] = only(net, "endpoint-sg-open-world")
    assert "all traffic ::/0" in finding.evidence[0]
    assert findings(clean().group(SG_ENDPOINT, ingress=(HTTPS, Rule("tcp", 22, 22, cidr="0.0.0.0/0")))) == []


def test_an_endpoint_group_closed_to_one_subnet_fires_naming_it():
    net = clean().group(SG_ENDPOINT, ingress=(Rule("tcp", 443, 443, cidr="10.0.1.0/24"),))
    [finding] = only(net, "endpoint-sg-closed")
    assert (finding.resource, finding.severity) == (APPRUNNER, "high")
    assert finding.related == (SUBNET_B,)
    assert "do" in finding.evidence[0] and "not admit TCP 443" in finding.evidence[0]
    assert "10.0.2.0/24" in finding.fix


def test_placements_whose_own_groups_do_not_let_443_out_make_the_endpoint_closed():
    net = clean().group(SG_APP, egress=(Rule("tcp", 80, 80, cidr="0.0.0.0/0"),))
    found = only(net, "endpoint-sg-closed")
    # Both endpoints: the apprunner one by its private DNS name, the apprunner.requests one by its vpce-… name.
    assert [f.resource for f in found] == [APPRUNNER, REQUESTS]
    assert all(f.related == (SUBNET_A, SUBNET_B) for f in found)
    assert "do not allow TCP 443 out" in found[0].evidence[0]
    assert "vpce.amazonaws.com" in found[1].evidence[0]


def test_an_endpoint_missing_from_a_placement_zone_fires_with_the_zone_and_subnets():
    net = clean().endpoint(APPRUNNER, "apprunner", subnets=(SUBNET_A,))
    [finding] = only(net, "endpoint-zone-missing")
    assert (finding.resource, finding.severity) == (APPRUNNER, "medium")
    assert finding.related == ("us-east-1b", SUBNET_B)
    assert "--add-subnet-ids subnet-b" in finding.fix


def test_an_endpoint_pending_ends_unreachable_and_fires_path_unreachable():
    net = clean().change("endpoints", APPRUNNER, state="pending")
    found = only(net, "path-unreachable")
    assert [(f.resource, f.resource_type, f.severity) for f in found] == [(SUBNET_A, "subnet", "high"),
                                                                          (SUBNET_B, "subnet", "high")]
    assert "pending" in found[0].evidence[0] and found[0].evidence[1].startswith("failing hop: route")
    assert "wl-a" in found[0].related


def test_a_gateway_endpoint_missing_from_a_route_table_is_unreachable():
    net = clean()
    net.tables["rtb-b"] = type(net.tables[MAIN])("rtb-b", VPC, net.tables[MAIN].routes)
    net.change("subnets", SUBNET_B, route_table_id="rtb-b").gateway_endpoint("vpce-s3", "s3", tables=(MAIN,))
    [finding] = only(net, "path-unreachable", AuditConfig(expected_services=("s3",)))
    assert finding.resource == SUBNET_B and "s3" in finding.message
    assert "route_table_ids" in finding.fix


def test_a_disabled_rule_does_not_run():
    net = clean().internet()
    assert findings(net, AuditConfig(disable=frozenset({"public-vpc"}))) == []
    report = run_audit(net.model(), AuditConfig(disable=frozenset({"public-vpc"})))
    assert "public-vpc" not in {r.id for r in report.rules} and report.disabled == ("public-vpc",)


def test_a_configured_severity_replaces_the_default():
    [finding] = findings(clean().internet(), AuditConfig(severity={"public-vpc": "critical"}))
    assert finding.severity == "critical"


def test_build_subnets_from_the_configuration_are_placements():
    net = Net().vpc().subnet(SUBNET_A, "10.0.1.0/24", "us-east-1a")
    assert findings(net) == []  # no placement, nothing calls App Runner
    [finding] = only(net, "apprunner-endpoint-missing", AuditConfig(build_subnets=(SUBNET_A,)))
    assert "build/deploy subnet" in finding.evidence[0]


def test_dotted_services_are_called_by_their_real_default_name():
    from runnerlink.audit.rules.base import AuditContext
    context = AuditContext(clean().model(), AuditConfig())
    assert context.host_of("ecr.api") == "api.ecr.us-east-1.amazonaws.com"
    assert context.host_of("apprunner") == "apprunner.us-east-1.amazonaws.com"


def test_an_endpoint_with_no_network_interface_misses_every_zone():
    net = clean().endpoint(APPRUNNER, "apprunner", subnets=())
    [finding] = only(net, "endpoint-zone-missing")
    assert "no network interface at all" in finding.evidence[0]
    assert finding.related == ("us-east-1a", "us-east-1b", SUBNET_A, SUBNET_B)
