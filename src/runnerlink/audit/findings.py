"""A finding: one rule's verdict on one resource, with why, the evidence, and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field

from runnerlink.audit.model import Location

SEVERITIES = ("info", "low", "medium", "high", "critical")


def severity_rank(severity: str) -> int:
    """0 for info … 4 for critical; ValueError for a name that isn't one."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}: one of {', '.join(SEVERITIES)}") from None


@dataclass(frozen=True)
class Finding:
    rule: str  # the rule id ("apprunner-endpoint-missing")
    severity: str  # one of SEVERITIES
    resource: str  # the resource's id or ARN (a Terraform address when a plan has no id yet)
    resource_type: str  # "vpc" | "subnet" | "vpc-endpoint" | "security-group" | "apprunner-service" | …
    message: str  # why, in one sentence
    fix: str
    vpc_id: str | None = None
    evidence: tuple[str, ...] = ()
    location: Location | None = None
    related: tuple[str, ...] = field(default=())  # other resources involved (subnets that go over the internet …)

    def key(self) -> tuple[str, str]:
        return self.rule, self.resource

    def to_dict(self) -> dict:
        answer = {"rule": self.rule, "severity": self.severity, "resource": self.resource,
                  "resourceType": self.resource_type, "vpc": self.vpc_id, "message": self.message,
                  "evidence": list(self.evidence), "fix": self.fix, "related": list(self.related)}
        if self.location is not None:
            answer["location"] = {"address": self.location.address, "file": self.location.file,
                                  "line": self.location.line}
        return answer
