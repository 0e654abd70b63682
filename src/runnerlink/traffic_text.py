"""The traffic log's entries as text: the table of `runnerlink log`, also under a failed test's report by the pytest
plugin. Pure formatting of the entries /_runnerlink/traffic returns."""

from __future__ import annotations

import time
from collections.abc import Iterable

COLUMNS = ("TIME", "PRINCIPAL", "OPERATION", "SOURCE", "PATH", "DECISION", "STATUS")
_WIDTHS = (12, 36, 32, 40, 32, 34)


def table(entries: Iterable[dict], header: bool = True) -> list[str]:
    """One line per entry (and the column names first), columns padded to fixed widths."""
    rows = [row(entry) for entry in entries]
    if header:
        rows.insert(0, COLUMNS)
    return ["  ".join(c.ljust(w) for c, w in zip(cells, _WIDTHS)) + "  " + cells[-1] for cells in rows]


def row(entry: dict) -> tuple[str, ...]:
    """The table cells of one entry."""
    moment = time.strftime("%H:%M:%S", time.localtime(entry.get("time") or 0))
    moment += f".{int(((entry.get('time') or 0) % 1) * 1000):03d}"
    operation = f"{entry.get('service') or '?'}.{entry.get('operation') or '?'}"
    if entry.get("source") == "vpc":
        # A workload that is part of something (an App Runner service's egress) goes by its name.
        who = "workloadName" if entry.get("workloadName") else "workload"
        source = "/".join(str(entry.get(k)) for k in (who, "subnet", "address") if entry.get(k))
    else:
        source = entry.get("source") or "internet"
    outcome = entry.get("outcome") or "internet"
    path = f"{outcome} {entry['endpoint']}" if entry.get("endpoint") else outcome
    status = str(entry.get("status"))
    if entry.get("error"):
        status += f" {entry['error']}"
    return (moment, entry.get("principal") or "-", operation, source, path, decision_text(entry.get("decision")),
            status)


# How the text output names a policy type (the traffic log's decision "policy").
_POLICY_NAMES = {"identity": "identity-based policy", "boundary": "permissions boundary", "session": "session policy",
                 "endpoint": "VPC endpoint policy", "resource": "resource-based policy", "trust": "trust policy",
                 "scp": "service control policy", "rcp": "resource control policy",
                 "root": "the account's root user"}


def decision_text(decision: dict | None) -> str:
    """The deciding policy and statement: "allowed by identity-based policy ListOnly (Lists)", "explicitDeny by
    VPC endpoint policy vpce-… (#1)", "implicitDeny: no permissions boundary allows"."""
    if not decision:
        return "-"
    result = decision.get("result", "?")
    kind = decision.get("policy")
    words = _POLICY_NAMES.get(kind or "", kind or "policy")
    name = decision.get("policyName") or (decision.get("endpoint") if kind == "endpoint" else None)
    if kind == "trust" and name:
        words = name  # "trust policy of arn:aws:iam::…:role/…"
    elif name:
        words = f"{words} {name}"
    statement = decision.get("statement")
    if statement:
        sid = statement.get("sid") or f"#{statement.get('index')}"
        return f"{result} by {words} ({sid})" if kind else f"{result} ({sid})"
    if decision.get("default") and result == "allowed":
        return "allowed (default policy)"
    if result == "implicitDeny":
        return f"implicitDeny: no {words} allows" if kind else "implicitDeny (no statement allows)"
    return f"{result} by {words}" if kind else result
