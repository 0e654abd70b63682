"""`runnerlink resolve` and `runnerlink trace`: what a name resolves to from a subnet, and the path a request would
take from there and why — asked of a running server, without sending the request."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request

from runnerlink.config import DEFAULT_ACCOUNT, Settings, edge_url

_ACCOUNT = re.compile(r"\d{12}")


def add_parser(commands) -> None:
    resolve = commands.add_parser("resolve", help="what a name resolves to from inside a subnet (exit 1: nothing)")
    resolve.add_argument("name", help="a hostname (apprunner.us-east-1.amazonaws.com, vpce-… names …)")
    trace = commands.add_parser("trace", help="the path a request from a subnet would take, and why "
                                              "(exit 1: unreachable)")
    trace.add_argument("url", help="https://host[:port]/…, or a bare host")
    for command in (resolve, trace):
        place = command.add_mutually_exclusive_group(required=True)
        place.add_argument("--subnet", help="ask for a workload placed in this subnet")
        place.add_argument("--workload", help="ask for this existing workload (wl-…)")
        command.add_argument("--security-group", action="append", dest="security_groups", default=[],
                             metavar="SG", help="the workload's security group (repeatable; default: the VPC's "
                                                "default group)")
        public = command.add_mutually_exclusive_group()
        public.add_argument("--public-ip", dest="public_ip", action="store_true", default=None,
                            help="the workload has a public address")
        public.add_argument("--no-public-ip", dest="public_ip", action="store_false",
                            help="the workload has no public address (default: the subnet's MapPublicIpOnLaunch)")
        command.add_argument("--account", help="account id (default: AWS_ACCESS_KEY_ID when it is 12 digits, "
                                               f"else {DEFAULT_ACCOUNT})")
        command.add_argument("--region", help="region (default: RUNNERLINK_REGION, else us-east-1)")
        command.add_argument("--json", action="store_true", help="print the server's JSON answer")
        command.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")


def _account(args: argparse.Namespace) -> str:
    if args.account:
        return args.account
    key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    return key if _ACCOUNT.fullmatch(key) else DEFAULT_ACCOUNT


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    base = edge_url(args.endpoint_url)
    payload = {"account": _account(args), "region": args.region or settings.region,
               "securityGroups": args.security_groups, "publicIp": args.public_ip}
    payload.update({"subnet": args.subnet} if args.subnet else {"workload": args.workload})
    payload.update({"host": args.name} if args.command == "resolve" else {"url": args.url})
    request = urllib.request.Request(f"{base}/_runnerlink/network/{args.command}", data=json.dumps(payload).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    try:
        # Not through a proxy the shell may have set (`eval "$(runnerlink env …)"`): the edge is local.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        try:
            problem = json.loads(body)
            print(f"runnerlink {args.command}: {problem['error']}: {problem['message']}", file=sys.stderr)
        except (ValueError, KeyError, TypeError):
            print(body, file=sys.stderr)
        return 2
    except urllib.error.URLError as error:
        print(f"runnerlink is not reachable at {base}: {error.reason}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        print(render_resolution(answer) if args.command == "resolve" else render_trace(answer))
    if args.command == "resolve":
        return 0 if answer["resolution"]["addresses"] else 1
    return 0 if answer["path"]["outcome"] != "unreachable" else 1


def _from(workload: dict) -> str:
    groups = ", ".join(workload["securityGroups"]) or "no security groups"
    public = f"public {workload['publicIp']}" if workload.get("publicIp") else "no public IP"
    who = workload["id"] if not workload["id"].endswith("hypothetical") else "a workload"
    return f"{who} in {workload['subnet']} ({workload['vpc']}): {workload['privateIp']}, {groups}, {public}"


def render_resolution(answer: dict) -> str:
    found = answer["resolution"]
    lines = [f"{found['host']} from {_from(answer['workload'])}"]
    lines += [f"  {address}" for address in found["addresses"]] or ["  (does not resolve)"]
    endpoint = f" {found['endpoint']}" if found.get("endpoint") else ""
    lines.append(f"via {found['via']}{endpoint}: {found['reason']}")
    return "\n".join(lines)


def render_trace(answer: dict) -> str:
    path = answer["path"]
    lines = [f"{answer['url']} from {_from(answer['workload'])}"]
    width = max((len(h["step"]) for h in path["hops"]), default=0)
    for hop in path["hops"]:
        lines.append(f"  {'ok  ' if hop['ok'] else 'FAIL'} {hop['step']:<{width}}  {hop['detail']}")
    lines.append(f"outcome: {path['outcome']} — {path['reason']}")
    if path["outcome"] == "endpoint":
        lines.append(f"  aws:SourceVpce={path['endpoint']} aws:SourceVpc={path['vpc']} "
                     f"aws:VpcSourceIp={path['privateIp']} (no aws:SourceIp)")
    elif path["outcome"] == "internet":
        lines.append(f"  aws:SourceIp={path['sourceIp']}")
    return "\n".join(lines)
