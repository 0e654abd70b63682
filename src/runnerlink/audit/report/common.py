"""What every renderer shares: severity order, grouping findings by VPC, how a location reads."""

from __future__ import annotations

from runnerlink.audit.engine import Report
from runnerlink.audit.findings import SEVERITIES, Finding, severity_rank
from runnerlink.audit.model import Location
from runnerlink.audit.rules.base import Rule

WORST_FIRST = tuple(reversed(SEVERITIES))


def ordered(findings) -> list[Finding]:
    """Worst first, then by rule and resource (the engine's order, kept for hand-built reports too)."""
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.rule, f.resource))


def by_vpc(findings) -> list[tuple[str | None, list[Finding]]]:
    """Findings grouped by VPC (VPC ids in order; findings with no VPC last), each group worst first."""
    groups: dict[str | None, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.vpc_id, []).append(finding)
    keys = sorted((k for k in groups if k is not None)) + ([None] if None in groups else [])
    return [(key, ordered(groups[key])) for key in keys]


def worst(findings) -> str | None:
    ranked = [severity_rank(f.severity) for f in findings]
    return SEVERITIES[max(ranked)] if ranked else None


def location_text(location: Location | None) -> str | None:
    """'aws_vpc.main (network.tf:12)', the address alone when no file is known, None without a location."""
    if location is None:
        return None
    if location.file:
        where = location.file + (f":{location.line}" if location.line else "")
        return f"{location.address} ({where})"
    return location.address or None


def rule_index(report: Report) -> dict[str, Rule]:
    return {rule.id: rule for rule in report.rules}


def summary_text(summary: dict[str, int]) -> str:
    """'2 high, 1 medium' — only the severities that occur, worst first."""
    return ", ".join(f"{summary[s]} {s}" for s in WORST_FIRST if summary.get(s))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
