"""`runnerlink log`: the traffic log of a running server, as a table or JSON lines, optionally followed."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from runnerlink.config import edge_url
from runnerlink.traffic_text import table

FOLLOW_INTERVAL = 0.2


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
    base = edge_url(args.endpoint_url)
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
        for line in table(entries, header):
            print(line)
    sys.stdout.flush()
