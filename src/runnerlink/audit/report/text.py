"""The terminal report: findings grouped by VPC, worst first, coloured by severity when asked; what the source was
refused and had to assume; a summary line."""

from __future__ import annotations

import textwrap

from runnerlink.audit.engine import Report
from runnerlink.audit.findings import Finding
from runnerlink.audit.report.common import WORST_FIRST, by_vpc, location_text, plural, summary_text

WIDTH = 100
COLOURS = {"critical": "\x1b[1;97;41m", "high": "\x1b[1;31m", "medium": "\x1b[33m", "low": "\x1b[36m",
           "info": "\x1b[2m"}
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


class _Paint:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def severity(self, severity: str, text: str | None = None) -> str:
        return self(COLOURS.get(severity, ""), text if text is not None else severity)


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [indent]


def _finding(finding: Finding, paint: _Paint) -> list[str]:
    tag = paint.severity(finding.severity, f"{finding.severity.upper():<8}")
    head = f"  {tag} {paint(BOLD, finding.rule)}  {finding.resource_type} {finding.resource}"
    lines = [head]
    where = location_text(finding.location)
    if where:
        lines.append(f"           at {where}")
    lines += _wrap(finding.message, " " * 11)
    if finding.evidence:
        lines.append(paint(DIM, "           evidence:"))
        for item in finding.evidence:
            lines += _wrap(item, " " * 15, " " * 13 + "- ")
    if finding.related:
        lines += _wrap("related: " + ", ".join(finding.related), " " * 11)
    lines += _wrap("fix: " + finding.fix, " " * 16, " " * 11)
    return lines


def _vpc_heading(report: Report, vpc_id: str | None, findings: list[Finding], paint: _Paint) -> str:
    count = plural(len(findings), "finding")
    if vpc_id is None:
        return paint(BOLD, f"Not in a VPC — {count}")
    vpc = report.model.topology.vpcs.get(vpc_id)
    detail = f" ({', '.join(vpc.cidrs)})" if vpc and vpc.cidrs else ""
    where = location_text(report.model.locations.get(vpc_id))
    detail += f" {where}" if where else ""
    return paint(BOLD, f"VPC {vpc_id}") + f"{detail} — {count}"


def render(report: Report, color: bool = False) -> str:
    paint = _Paint(color)
    model, topology = report.model, report.model.topology
    lines = [paint(BOLD, "runnerlink audit") + f" — source {model.source}, account {topology.account}, "
             f"region {topology.region}: {plural(len(topology.vpcs), 'VPC')}, "
             f"{plural(len(model.services), 'App Runner service')}, {plural(len(report.rules), 'rule')}"
             + (f" ({len(report.disabled)} disabled: {', '.join(report.disabled)})" if report.disabled else "")]
    for vpc_id, findings in by_vpc(report.findings):
        lines += ["", _vpc_heading(report, vpc_id, findings, paint)]
        for finding in findings:
            lines += _finding(finding, paint)
    if model.refused:
        lines += ["", paint(BOLD, "Refused calls") + " (the audit went on without what they would have read):"]
        for call in model.refused:
            lines += _wrap(f"{call.service}:{call.operation} — {call.code}" + (f": {call.message}" if call.message
                                                                             else ""), "      ", "    - ")
    if model.notes:
        lines += ["", paint(BOLD, "Notes:")]
        for note in model.notes:
            lines += _wrap(note, "      ", "    - ")
    lines.append("")
    summary = report.summary()
    if not report.findings:
        lines.append(paint(BOLD, "No findings:") + f" {plural(len(report.rules), 'rule')} passed on "
                     f"{plural(len(topology.vpcs), 'VPC')}.")
    else:
        counts = ", ".join(paint.severity(s, f"{summary[s]} {s}") for s in WORST_FIRST if summary.get(s))
        lines.append(paint(BOLD, f"Summary: {plural(len(report.findings), 'finding')}") + f" — {counts}")
    if model.refused:
        lines.append(f"Incomplete: {plural(len(model.refused), 'call')} refused.")
    return "\n".join(lines) + "\n"


__all__ = ["render", "summary_text"]
