"""One audit: every enabled rule over the model, the configuration's severities applied, findings located."""

from __future__ import annotations

from dataclasses import dataclass, replace

from runnerlink.audit.config import AuditConfig
from runnerlink.audit.findings import SEVERITIES, Finding, severity_rank
from runnerlink.audit.model import AuditModel
from runnerlink.audit.rules import RULES
from runnerlink.audit.rules.base import AuditContext, Rule


@dataclass(frozen=True)
class Report:
    model: AuditModel
    findings: tuple[Finding, ...]  # worst first, then by rule and resource
    rules: tuple[Rule, ...]  # the rules that ran (with the configured severities)
    disabled: tuple[str, ...]

    def summary(self) -> dict[str, int]:
        counts = {severity: 0 for severity in reversed(SEVERITIES)}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def fails(self, threshold: str | None) -> bool:
        """Whether any finding is at threshold or worse (never with None)."""
        if threshold is None or threshold == "none":
            return False
        rank = severity_rank(threshold)
        return any(severity_rank(f.severity) >= rank for f in self.findings)


def run_audit(model: AuditModel, config: AuditConfig | None = None) -> Report:
    config = config or AuditConfig()
    unknown = (config.disable | set(config.severity)) - {r.id for r in RULES}
    if unknown:
        raise ValueError(f"unknown rule id(s) in the configuration: {', '.join(sorted(unknown))}")
    context = AuditContext(model, config)
    rules = tuple(replace(r, severity=config.severity.get(r.id, r.severity)) for r in RULES if r.id not in config.disable)
    findings: list[Finding] = []
    for rule in rules:
        for finding in rule.check(context):
            location = finding.location or model.locations.get(finding.resource)
            findings.append(replace(finding, severity=rule.severity, location=location))
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.rule, f.resource))
    return Report(model, tuple(findings), rules, tuple(sorted(config.disable)))
