"""--format json: the findings and what the audit ran, as one document (stable keys; findings in report order)."""

from __future__ import annotations

import json

from runnerlink.audit.engine import Report


def document(report: Report) -> dict:
    model = report.model
    return {
        "source": model.source,
        "account": model.topology.account,
        "region": model.topology.region,
        "summary": report.summary(),
        "findings": [finding.to_dict() for finding in report.findings],
        "rules": [{"id": r.id, "severity": r.severity, "title": r.title, "description": r.description}
                  for r in report.rules],
        "disabled": list(report.disabled),
        "refused": [{"service": c.service, "operation": c.operation, "code": c.code, "message": c.message}
                    for c in model.refused],
        "notes": list(model.notes),
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2) + "\n"
