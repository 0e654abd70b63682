"""--format html: one self-contained page (inline CSS and SVG, no script, nothing fetched): the summary, then per
VPC its topology diagram with its findings beside it, then the App Runner services outside any VPC and the findings
that name no VPC, then what the source could not read."""

from __future__ import annotations

from html import escape

from runnerlink import __version__
from runnerlink.audit.engine import Report
from runnerlink.audit.findings import Finding
from runnerlink.audit.report.common import WORST_FIRST, by_vpc, location_text, plural, rule_index, summary_text
from runnerlink.audit.report.diagram import SEVERITY_FILL, services_svg, vpc_svg

MAX_DIAGRAMS = 50  # past this many VPCs the page lists the rest without pictures, so it stays quick to open

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:16px 24px}
header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#d1d5db}
main{padding:16px 24px}
.summary span{display:inline-block;margin-right:8px;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
section.vpc{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:16px 0;padding:12px 16px}
section.vpc h2{margin:0 0 8px;font-size:16px}
.pair{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.diagram{flex:0 1 auto;overflow:auto;max-width:100%}
.findings{flex:1 1 360px;min-width:320px}
.finding{border-left:4px solid #6b7280;padding:6px 10px;margin:0 0 10px;background:#f9fafb}
.finding h3{margin:0;font-size:14px} .finding p{margin:4px 0}
.badge{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;
margin-right:6px}
.finding code,.resource{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.finding ul{margin:4px 0 4px 18px;padding:0} .fix{color:#065f46}
.clean{color:#065f46;font-weight:600}
"""


def _badge(severity: str) -> str:
    return f'<span class="badge" style="background:{SEVERITY_FILL[severity]}">{escape(severity)}</span>'


def _finding(finding: Finding, titles: dict[str, str]) -> str:
    where = location_text(finding.location)
    parts = [f'<div class="finding" id="{escape(finding.rule)}:{escape(finding.resource, quote=True)}" '
             f'style="border-color:{SEVERITY_FILL[finding.severity]}">',
             f'<h3>{_badge(finding.severity)}{escape(titles.get(finding.rule, finding.rule))} '
             f'<code>{escape(finding.rule)}</code></h3>',
             f'<p class="resource">{escape(finding.resource_type)} {escape(finding.resource)}'
             + (f" — {escape(where)}" if where else "") + "</p>",
             f"<p>{escape(finding.message)}</p>"]
    if finding.evidence:
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in finding.evidence) + "</ul>")
    if finding.related:
        parts.append(f'<p class="resource">related: {escape(", ".join(finding.related))}</p>')
    parts.append(f'<p class="fix"><strong>Fix:</strong> {escape(finding.fix)}</p></div>')
    return "".join(parts)


def _findings_block(findings: list[Finding], titles: dict[str, str]) -> str:
    if not findings:
        return '<p class="clean">No findings.</p>'
    return "".join(_finding(f, titles) for f in findings)


def render(report: Report) -> str:
    model = report.model
    topology = model.topology
    titles = {rule_id: rule.title for rule_id, rule in rule_index(report).items()}
    grouped = dict(by_vpc(report.findings))
    summary = report.summary()
    head = (f"{escape(model.source)} · account {escape(topology.account or '—')} · {escape(topology.region)} · "
            f"{plural(len(topology.vpcs), 'VPC')}, {plural(len(topology.endpoints), 'endpoint')}, "
            f"{plural(len(report.rules), 'rule')} run")
    body = [f"<header><h1>runnerlink audit</h1><p>{head}</p></header><main>"]
    if report.findings:
        chips = "".join(f'<span style="background:{SEVERITY_FILL[s]}">{summary[s]} {s}</span>'
                        for s in WORST_FIRST if summary.get(s))
        body.append(f'<p class="summary">{chips} — {escape(summary_text(summary))}</p>')
    else:
        body.append(f'<p class="clean">No findings: {plural(len(report.rules), "rule")} passed on '
                    f'{plural(len(topology.vpcs), "VPC")}.</p>')
    for index, vpc_id in enumerate(sorted(topology.vpcs)):
        vpc = topology.vpcs[vpc_id]
        findings = grouped.get(vpc_id, [])
        where = location_text(model.locations.get(vpc_id))
        title = f"{escape(vpc_id)} <small>{escape(', '.join(vpc.cidrs))}{' — ' + escape(where) if where else ''}" \
                f"</small>"
        picture = (f'<div class="diagram">{vpc_svg(model, vpc_id, findings)}</div>' if index < MAX_DIAGRAMS else
                   '<div class="diagram"><p>(diagram left out: only the first '
                   f'{MAX_DIAGRAMS} VPCs are drawn)</p></div>')
        body.append(f'<section class="vpc" id="{escape(vpc_id, quote=True)}"><h2>{title}</h2><div class="pair">'
                    f'{picture}<div class="findings">{_findings_block(findings, titles)}</div></div></section>')
    outside = [s for s in model.services.values() if s.egress_type != "VPC"]
    others = grouped.get(None, [])
    if outside or others:
        picture = f'<div class="diagram">{services_svg(model, outside, others)}</div>' if outside else ""
        body.append('<section class="vpc" id="outside"><h2>App Runner outside any VPC</h2><div class="pair">'
                    f'{picture}<div class="findings">{_findings_block(others, titles)}</div></div></section>')
    if model.refused or model.notes:
        items = [f"<li>refused: {escape(c.service)}:{escape(c.operation)} ({escape(c.code)}) "
                 f"{escape(c.message)}</li>" for c in model.refused]
        items += [f"<li>{escape(note)}</li>" for note in model.notes]
        body.append(f'<section class="vpc"><h2>What the source could not read or assumed</h2><ul>{"".join(items)}'
                    f"</ul></section>")
    body.append(f"<p><small>runnerlink {escape(__version__)}</small></p></main>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>runnerlink audit — {escape(topology.region)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")
