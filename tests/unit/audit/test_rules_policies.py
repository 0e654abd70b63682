"""Endpoint policy rules, App Runner service rules, and the rule registry."""

from __future__ import annotations

import pytest

from runnerlink.audit import rules as registry
from runnerlink.audit.engine import run_audit
from runnerlink.audit.model import AppService
from runnerlink.audit.rules import apprunner, dns, endpoints, policies, routing, security_groups, traffic, unreachable

from tests.unit.audit.builders import (ACCOUNT, APPRUNNER, INGRESS_ARN, PRIVATE_ARN, REQUESTS, ROLE, SERVICE_ARN,
                                       allow, clean, policy)
from tests.unit.audit.test_rules_network import findings, only

FULL = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})


def with_policy(text: str | None):
    return clean().change("endpoints", APPRUNNER, policy=text)


@pytest.mark.parametrize("text, quoted", [
    (None, "no policy"),
    (FULL, '"Action": "*"'),
    (policy(allow("apprunner:*", principal={"AWS": "*"})), '"Action": "apprunner:*"'),
])
def test_full_access_fires_alone(text, quoted):
    [finding] = only(with_policy(text), "endpoint-policy-full-access")
    assert (finding.resource, finding.resource_type, finding.severity) == (APPRUNNER, "vpc-endpoint", "medium")
    assert quoted in finding.evidence[0]
    assert "apprunner:List*" in finding.fix and "modify-vpc-endpoint" in finding.fix


def test_every_action_with_a_condition_or_on_one_resource_is_not_full_access():
    conditioned = policy(allow("*", principal="*", condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}))
    found = findings(with_policy(conditioned))
    assert "endpoint-policy-full-access" not in {f.rule for f in found}
    assert {f.rule for f in found} == {"endpoint-policy-beyond-read"}  # a condition narrows who, not what
    one = policy(allow("apprunner:*", resource=SERVICE_ARN))
    assert {f.rule for f in findings(with_policy(one))} == {"endpoint-policy-beyond-read"}


def test_a_narrow_pattern_is_not_every_action():
    narrow = policy(allow("apprunner:?"), allow(["apprunner:List*", "apprunner:Describe*"]))
    assert findings(with_policy(narrow)) == []


def test_beyond_read_names_the_statement_and_the_actions():
    text = policy(allow(["apprunner:List*", "apprunner:Describe*"]),
                  {**allow(["apprunner:UpdateService", "apprunner:StartDeployment"]), "Sid": "Deployer"})
    [finding] = only(with_policy(text), "endpoint-policy-beyond-read")
    assert finding.severity == "medium"
    assert finding.evidence == ("statement 2 (Deployer) allows apprunner:StartDeployment (Write), "
                                "apprunner:UpdateService (Write)",)
    assert "2 App Runner action(s)" in finding.message


def test_an_unconditional_deny_takes_actions_away():
    text = policy(allow(["apprunner:List*", "apprunner:Describe*", "apprunner:UpdateService"]),
                  {"Effect": "Deny", "Principal": "*", "Action": "apprunner:UpdateService", "Resource": "*"})
    assert findings(with_policy(text)) == []


def test_not_action_allows_everything_else():
    text = policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "NotAction": "apprunner:DeleteService",
                   "Resource": "*"})
    [finding] = only(with_policy(text), "endpoint-policy-beyond-read")
    assert "apprunner:CreateService (Write)" in finding.evidence[0]
    assert "DeleteService" not in finding.evidence[0]


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}])
def test_any_principal_without_a_condition_fires(principal):
    text = policy(allow(["apprunner:List*", "apprunner:Describe*"], principal=principal))
    [finding] = only(with_policy(text), "endpoint-policy-any-principal")
    assert (finding.resource, finding.severity) == (APPRUNNER, "low")
    assert "statement 1 allows Principal" in finding.evidence[0] and "apprunner:List*" in finding.evidence[0]
    assert "aws:PrincipalAccount" in finding.fix


def test_any_principal_with_a_condition_is_fine():
    text = policy(allow(["apprunner:List*", "apprunner:Describe*"], principal="*",
                        condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}))
    assert findings(with_policy(text)) == []


def test_requests_endpoints_are_not_judged_by_policy_rules():
    net = clean().change("endpoints", REQUESTS, policy=FULL)
    assert findings(net) == []  # and in clean() its policy is None: AWS's default, not judged either


def test_other_services_endpoints_with_the_default_policy_are_full_access():
    net = clean().endpoint("vpce-0d4", "logs", policy=None)
    [finding] = only(net, "endpoint-policy-full-access")
    assert finding.resource == "vpce-0d4" and "logs action" in finding.message


def test_a_policy_that_cannot_be_read_is_left_alone():
    assert findings(with_policy("{not json")) == []


def test_a_service_with_default_egress_and_an_instance_role_fires():
    net = clean()
    net.change("services", SERVICE_ARN, egress_type="DEFAULT", connector_arn=None)
    [finding] = only(net, "service-egress-default")
    assert (finding.resource, finding.resource_type, finding.severity) == (SERVICE_ARN, "apprunner-service", "medium")
    assert finding.related == (ROLE,) and "EgressType=VPC" in finding.fix


def test_a_service_with_default_egress_and_no_role_does_not_call_aws():
    net = clean()
    net.change("services", SERVICE_ARN, egress_type="DEFAULT", connector_arn=None, instance_role_arn=None)
    assert findings(net) == []


@pytest.mark.parametrize("status", [None, "DELETED"])
def test_a_private_service_without_a_live_ingress_connection_fires(status):
    net = clean()
    if status is None:
        del net.ingress[INGRESS_ARN]
    else:
        net.change("ingress", INGRESS_ARN, status=status)
    [finding] = only(net, "private-service-no-ingress")
    assert (finding.resource, finding.severity) == (PRIVATE_ARN, "medium")
    assert "create-vpc-ingress-connection" in finding.fix
    assert (status or "no VPC ingress connection") in " ".join(finding.evidence)


def test_a_deleted_service_is_not_judged():
    net = clean()
    net.services["arn:gone"] = AppService("arn:gone", "gone", "DELETED", public=False, instance_role_arn=ROLE)
    assert findings(net) == []


def test_the_registry_holds_every_rule_once_with_the_brief_severities():
    modules = (endpoints, dns, traffic, security_groups, policies, routing, apprunner, unreachable)
    assert sorted(r.id for r in registry.RULES) == sorted(r.id for m in modules for r in m.RULES)
    assert {r.id: r.severity for r in registry.RULES} == {
        "apprunner-endpoint-missing": "high", "expected-endpoint-missing": "medium", "endpoint-dns-name-off": "high",
        "vpc-dns-off": "high", "observed-internet-traffic": "high", "public-vpc": "low",
        "endpoint-policy-full-access": "medium", "endpoint-policy-beyond-read": "medium",
        "endpoint-policy-any-principal": "low", "endpoint-sg-open-world": "medium", "endpoint-sg-closed": "high",
        "endpoint-zone-missing": "medium", "service-egress-default": "medium", "private-service-no-ingress": "medium",
        "path-unreachable": "high"}
    assert all(r.title and r.description for r in registry.RULES)


def test_every_finding_a_rule_makes_carries_its_own_rule_id_and_default_severity():
    net = with_policy(None).internet()
    del net.ingress[INGRESS_ARN]
    by_id = {r.id: r for r in registry.RULES}
    report = run_audit(net.model())
    assert {f.rule for f in report.findings} == {"endpoint-policy-full-access", "public-vpc",
                                                 "private-service-no-ingress"}
    assert all(f.severity == by_id[f.rule].severity for f in report.findings)
