"""`runnerlink log`: the traffic log of a running server, as a table or JSON lines, optionally followed."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from runnerlink.config import Settings

FOLLOW_INTERVAL = 0.2
COLUMNS = ("TIME", "PRINCIPAL", "OPERATION", "SOURCE", "PATH", "DECISION", "STATUS")


def add_parser(commands) -> None:
    log = commands.add_parser("log", help="show the traffic log: who called what, by which path, and the decision")
    log.add_argument("--service", help="only this service (apprunner, ec2, sts, codebuild …)")
    log.add_argument("--operation", help="only this operation (CreateService …)")
    log.add_argument("--outcome", help="only this network outcome: endpoint, internet, unreachable, or local "
                                       "(runnerlink's own actions)")
    log.add_argument("--workload", help="only requests from this workload (wl-…)")
    log.add_argument("--app", metavar="SERVICE", help="only the outbound requests of this App Runner service's "
                                                      "application (its workload apprunner:SERVICE)")
    log.add_argument("--json", action="store_true", help="one JSON object per line")
    log.add_argument("--follow", "-f", action="store_true", help="keep printing new requests (Ctrl-C stops)")
    log.add_argument("--limit", type=int, default=50, help="how many of the latest requests to show (default 50)")
    log.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    base = (args.endpoint_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    filters = {name: getattr(args, name) for name in ("service", "operation", "outcome", "workload")}
    filters["workloadName"] = f"apprunner:{args.app}" if args.app else None
    try:
        page = _fetch(base, {"limit": args.limit, **filters})
        _print(page["requests"], args.json, header=True)
        since = page["requests"][-1]["seq"] if page["requests"] else page.get("last", 0)
        while args.follow:
            time.sleep(FOLLOW_INTERVAL)
            page = _fetch(base, {"since": since, "limit": 1000, **filters})
            if page["requests"]:
                _print(page["requests"], args.json, header=False)
                since = page["requests"][-1]["seq"]
            elif page.get("last", since) < since:  # the server restarted with a fresh log
                since = page["last"]
    except KeyboardInterrupt:
        return 0
    except urllib.error.HTTPError as error:
        print(error.read().decode(), file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"runnerlink is not reachable at {base}: {error.reason}", file=sys.stderr)
        return 1
    return 0


def _fetch(base: str, params: dict) -> dict:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    # The edge's own address never goes through a proxy the shell may have set (`eval "$(runnerlink env …)"`).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base}/_runnerlink/traffic?{query}", timeout=10) as response:
        return json.load(response)


def _print(entries: list[dict], as_json: bool, header: bool) -> None:
    if as_json:
        for entry in entries:
            print(json.dumps(entry, separators=(",", ":")))
    else:
        rows = [row(entry) for entry in entries]
        if header:
            rows.insert(0, COLUMNS)
        widths = [12, 36, 32, 40, 32, 34]
        for cells in rows:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1])
    sys.stdout.flush()


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
