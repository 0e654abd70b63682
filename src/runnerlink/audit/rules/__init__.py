"""The audit's rules, in the order a report lists them. Each module's RULES; ids are stable (configuration files
and SARIF results name them)."""

from __future__ import annotations

from runnerlink.audit.rules import apprunner, dns, endpoints, policies, routing, security_groups, traffic, unreachable
from runnerlink.audit.rules.base import AuditContext, Rule

_BY_ID = {rule.id: rule for module in (endpoints, dns, traffic, security_groups, policies, routing, apprunner,
                                       unreachable) for rule in module.RULES}
# Reaching App Runner privately first, then the other services, what breaks the endpoints, what they let through,
# App Runner's own settings, and whatever else fails.
_ORDER = ("apprunner-endpoint-missing", "endpoint-dns-name-off", "vpc-dns-off", "expected-endpoint-missing",
          "observed-internet-traffic", "public-vpc", "endpoint-sg-closed", "endpoint-zone-missing",
          "endpoint-sg-open-world", "endpoint-policy-full-access", "endpoint-policy-beyond-read",
          "endpoint-policy-any-principal", "service-egress-default", "private-service-no-ingress",
          "path-unreachable")
RULES: tuple[Rule, ...] = tuple(_BY_ID[rule_id] for rule_id in _ORDER)

__all__ = ["RULES", "AuditContext", "Rule"]
