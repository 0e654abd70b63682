"""`runnerlink services` and `runnerlink logs`: the App Runner services a running server runs, with the URLs this
machine can open, and their deployment and application logs, optionally followed."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from runnerlink.config import edge_url

FOLLOW_INTERVAL = 0.3
COLUMNS = ("NAME", "STATUS", "LOCAL URL", "SERVING")
STREAM_LABELS = {"build": "build", "application": "app"}


def add_parser(commands) -> None:
    services = commands.add_parser("services", help="list App Runner services with their local URLs and state")
    _scope_flags(services)
    services.add_argument("--json", action="store_true", help="the services as one JSON array")
    services.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")

    logs = commands.add_parser("logs", help="show a service's deployment (build) and application output, with "
                                            "timestamps")
    logs.add_argument("service", help="the service's name, id or ARN")
    which = logs.add_mutually_exclusive_group()
    which.add_argument("--build", action="store_true",
                       help="only the deployment log: App Runner's events and the build's output")
    which.add_argument("--application", "--app", action="store_true", help="only the application's output")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines (Ctrl-C stops)")
    logs.add_argument("--since", type=float, metavar="SECONDS", help="only lines of the last SECONDS seconds")
    logs.add_argument("--json", action="store_true", help="one JSON object per line")
    _scope_flags(logs)
    logs.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")


def _scope_flags(command) -> None:
    command.add_argument("--account", help="only services of this account (when a name is in several)")
    command.add_argument("--region", help="only services of this region")


def run(args: argparse.Namespace) -> int:
    base = edge_url(args.endpoint_url)
    try:
        if args.command == "services":
            return _services(base, args)
        return _logs(base, args)
    except KeyboardInterrupt:
        return 0
    except urllib.error.HTTPError as error:
        print(_error_text(error), file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"runnerlink is not reachable at {base}: {error.reason}", file=sys.stderr)
        return 1


def _services(base: str, args: argparse.Namespace) -> int:
    listed = _fetch(base, "services", {"account": args.account, "region": args.region})["services"]
    if args.json:
        print(json.dumps(listed, indent=2))
        return 0
    if not listed:
        print("No App Runner services run here.")
        return 0
    rows = [COLUMNS] + [services_row(service) for service in listed]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    for cells in rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1])
    return 0


def services_row(service: dict) -> tuple[str, str, str, str]:
    """The table cells of one service: its name, status, local URL, and what serves it (or why nothing does)."""
    if service.get("port"):
        serving = f"deployment {(service.get('deployment') or '?')[:8]} on port {service['port']}"
    else:
        serving = service.get("unavailable") or "-"
    if not service.get("public"):
        serving += " (private: reachable only through a VPC ingress connection)"
    if service.get("lastFailure") and service.get("Status") != "RUNNING":
        serving += f"; last failure: {service['lastFailure']}"
    return (service["ServiceName"], service.get("Status") or "?", service.get("localUrl") or "-", serving)


def _logs(base: str, args: argparse.Namespace) -> int:
    streams = "build" if args.build else "application" if args.application else "build,application"
    params = {"service": args.service, "account": args.account, "region": args.region, "streams": streams,
              "since": time.time() - args.since if args.since is not None else None}
    page = _fetch(base, "logs", params)
    _print(page["entries"], args.json)
    # Later polls name the service by ARN: the name may come to mean another service (deleted and made anew).
    params = {"service": page["service"]["ServiceArn"], "streams": streams}
    while args.follow:
        time.sleep(FOLLOW_INTERVAL)
        try:
            page = _fetch(base, "logs", {**params, "after": page["cursor"]})
        except urllib.error.HTTPError as error:
            if error.code == 404:  # the service is gone: nothing more will be written
                print(_error_text(error), file=sys.stderr)
                return 0
            raise
        _print(page["entries"], args.json)
    return 0


def _print(entries: list[dict], as_json: bool) -> None:
    for entry in entries:
        print(json.dumps(entry, separators=(",", ":")) if as_json else log_line(entry))
    sys.stdout.flush()


def log_line(entry: dict) -> str:
    """`2026-12-03T08:40:09.123Z build [1a2b3c4d] text`: UTC time to the millisecond, stream, deployment."""
    moment = datetime.fromtimestamp(float(entry.get("time") or 0), timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    stream = STREAM_LABELS.get(entry.get("stream") or "", entry.get("stream") or "?")
    return f"{stamp} {stream:<5} [{(entry.get('deployment') or '-')[:8]}] {entry.get('text', '')}"


def _fetch(base: str, what: str, params: dict) -> dict:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    # The edge's own address never goes through a proxy the shell may have set (`eval "$(runnerlink env …)"`).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base}/_runnerlink/apprunner/{what}?{query}", timeout=10) as response:
        return json.load(response)


def _error_text(error: urllib.error.HTTPError) -> str:
    body = error.read().decode(errors="replace")
    try:
        return json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        return body or f"HTTP {error.code}"
