"""--format sarif: SARIF 2.1.0 as GitHub code scanning reads it — one run, the rules with GitHub's
security-severity, results located at the Terraform file and line when the source knows them, and a logical
location (the resource id or address) always."""

from __future__ import annotations

import hashlib
import json
import posixpath
from urllib.parse import quote

from runnerlink import __version__
from runnerlink.audit.engine import Report
from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The project publishes no home page yet (pyproject has no [project.urls]); the lead sets this one.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub reads properties.security-severity as a number in a string: >= 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
# 0.1–3.9 low, 0.0 none.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
FINGERPRINT = "runnerlinkFinding/v1"


def _name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))


def _rule(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "name": _name(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.description, "markdown": f"**{rule.title}**\n\n{rule.description}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[rule.severity],
                       "tags": ["security", "network", "privatelink", "apprunner"]},
    }


def _uri(file: str, base_dir: str | None) -> tuple[str, bool]:
    """The artifact's URI and whether it is relative (to %SRCROOT%)."""
    path = file.replace("\\", "/")
    if path.startswith("/") and base_dir:
        base = base_dir.replace("\\", "/")
        relative = posixpath.relpath(path, base)
        if not relative.startswith("../"):
            path = relative
    if path.startswith("/"):
        return "file://" + quote(path), False
    return quote(posixpath.normpath(path)), True


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.evidence:
        text += "\n\nEvidence:\n" + "\n".join(f"- {item}" for item in finding.evidence)
    if finding.related:
        text += "\n\nRelated: " + ", ".join(finding.related)
    return text + f"\n\nFix: {finding.fix}"


def fingerprint(finding: Finding) -> str:
    """Stable across runs and sources: the rule, the resource and the VPC (not the wording or the evidence)."""
    key = "\0".join((finding.rule, finding.resource, finding.vpc_id or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(finding: Finding, index: int, base_dir: str | None) -> dict:
    location: dict = {}
    loc = finding.location
    if loc is not None and loc.file:
        uri, relative = _uri(loc.file, base_dir)
        artifact = {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}
        physical: dict = {"artifactLocation": artifact}
        if loc.line and loc.line >= 1:
            physical["region"] = {"startLine": loc.line}
        location["physicalLocation"] = physical
    logical = {"name": finding.resource, "kind": "resource",
               "fullyQualifiedName": loc.address if loc is not None and loc.address else finding.resource}
    location["logicalLocations"] = [logical]
    properties: dict = {"severity": finding.severity, "resourceType": finding.resource_type}
    if finding.vpc_id:
        properties["vpc"] = finding.vpc_id
    if finding.related:
        properties["related"] = list(finding.related)
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": properties,
    }


def document(report: Report, base_dir: str | None = None) -> dict:
    """base_dir: where relative artifact URIs start (absolute Terraform file paths under it are made relative)."""
    rules = list(report.rules)
    known = {rule.id for rule in rules}
    for finding in report.findings:  # a finding whose rule didn't run (hand-built reports): describe it from itself
        if finding.rule not in known:
            known.add(finding.rule)
            rules.append(Rule(finding.rule, finding.severity, finding.rule, finding.message, lambda _: ()))
    index = {rule.id: i for i, rule in enumerate(rules)}
    notifications = [{"level": "warning", "descriptor": {"id": "refused-call"},
                      "message": {"text": f"{c.service}:{c.operation} was refused ({c.code})"
                                          + (f": {c.message}" if c.message else "")}}
                     for c in report.model.refused]
    notifications += [{"level": "note", "descriptor": {"id": "source-note"}, "message": {"text": note}}
                      for note in report.model.notes]
    run: dict = {
        "tool": {"driver": {"name": "runnerlink", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(r) for r in rules]}},
        "automationDetails": {"id": f"runnerlink-audit/{report.model.source}/"},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "columnKind": "utf16CodeUnits",
        "results": [_result(f, index[f.rule], base_dir) for f in report.findings],
        "properties": {"source": report.model.source, "account": report.model.topology.account,
                       "region": report.model.topology.region, "disabledRules": list(report.disabled)},
    }
    if any("uriBaseId" in loc.get("physicalLocation", {}).get("artifactLocation", {})
           for result in run["results"] for loc in result["locations"]):
        run["originalUriBaseIds"] = {"%SRCROOT%": {"description": {"text": "The directory the audit was run from "
                                                                             "(the Terraform configuration's root)"}}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, base_dir: str | None = None) -> str:
    return json.dumps(document(report, base_dir), indent=2) + "\n"
