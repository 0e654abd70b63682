"""runnerlink exec / env / workloads: place a workload in a subnet and run programs whose AWS requests take the
subnet's path through runnerlink's subnet gateway."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys

from runnerlink.config import Settings, edge_url
from runnerlink.workload_client import (AdminCallError, admin_call, is_endpoint_variable, place_workload,
                                        remove_workload, workload_environment)


class CommandError(Exception):
    """A failure to report on stderr, exit status 1."""


def add_parser(commands) -> None:
    for name, help_text in (
        ("exec", "run a command as a workload in a subnet (its AWS requests go through the subnet gateway)"),
        ("env", "place a workload in a subnet and print its proxy and CA settings as shell exports"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--subnet", required=True, help="the subnet to place the workload in")
        command.add_argument("--security-group", action="append", dest="security_groups", metavar="SG",
                             help="a security group of the workload (repeatable; default: the VPC's default group)")
        command.add_argument("--public-ip", action=argparse.BooleanOptionalAction, default=None,
                             help="give the workload a public address (default: the subnet's MapPublicIpOnLaunch)")
        _common(command)
        if name == "exec":
            command.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")

    workloads = commands.add_parser("workloads", help="list workloads; `workloads rm ID` removes one")
    _common(workloads)
    actions = workloads.add_subparsers(dest="workloads_command")
    remove = actions.add_parser("rm", help="remove workloads")
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.add_argument("--endpoint-url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--account", help="the account (default: the account of AWS_ACCESS_KEY_ID, as the server resolves it)")
    command.add_argument("--region", help="the region (default: AWS_REGION, AWS_DEFAULT_REGION, runnerlink's)")
    command.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "exec":
            return _exec(args)
        if args.command == "env":
            return _env(args)
        if getattr(args, "workloads_command", None) == "rm":
            return _remove(args)
        return _list(args)
    except (CommandError, AdminCallError) as error:
        print(f"runnerlink {args.command}: {error}", file=sys.stderr)
        return 1


# --- commands ---------------------------------------------------------------------------------------------------------

def _exec(args: argparse.Namespace) -> int:
    argv = args.argv[1:] if args.argv and args.argv[0] == "--" else args.argv
    if not argv:
        raise CommandError("name the command to run after --")
    base = _base(args)
    placed = _place(base, args)
    workload_id = placed["workload"]["WorkloadId"]
    try:
        try:
            child = subprocess.Popen(argv, env=workload_environment(os.environ, placed["environment"]))
        except OSError as error:
            raise CommandError(f"cannot run {argv[0]}: {error.strerror or error}") from None
        return _wait(child)
    finally:
        remove_workload(base, workload_id, quiet=True)


def _env(args: argparse.Namespace) -> int:
    placed = _place(_base(args), args)
    workload = placed["workload"]
    environment = workload_environment(os.environ, placed["environment"])
    public = f", public {workload['PublicIp']}" if workload.get("PublicIp") else ""
    print(f"# runnerlink workload {workload['WorkloadId']} in {workload['SubnetId']} ({workload['VpcId']}), "
          f"address {workload['PrivateIp']}{public}")
    print(f"# remove it with: runnerlink workloads rm {workload['WorkloadId']}")
    for name in sorted(set(os.environ) - set(environment)):
        if is_endpoint_variable(name) or name.upper() == "NO_PROXY":
            print(f"unset {name}")
    for name, value in placed["environment"].items():
        print(f"export {name}={shlex.quote(value)}")
    for name in ("NO_PROXY", "no_proxy"):
        if name in environment:
            print(f"export {name}={shlex.quote(environment[name])}")
    return 0


def _list(args: argparse.Namespace) -> int:
    query = "&".join(f"{k}={v}" for k, v in (("account", args.account), ("region", args.region)) if v)
    listed = admin_call(_base(args), "GET", "workloads" + (f"?{query}" if query else ""))["workloads"]
    if not listed:
        print("no workloads")
        return 0
    rows = [("WORKLOAD", "ACCOUNT", "REGION", "SUBNET", "ADDRESS", "PUBLIC", "SECURITY GROUPS")]
    rows += [(w["WorkloadId"], w["Account"], w["Region"], w["SubnetId"], w["PrivateIp"], w.get("PublicIp") or "-",
              ",".join(w["SecurityGroupIds"])) for w in listed]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _remove(args: argparse.Namespace) -> int:
    base = _base(args)
    failed = 0
    for workload_id in args.ids:
        try:
            remove_workload(base, workload_id)
            print(f"removed {workload_id}")
        except AdminCallError as error:
            print(f"runnerlink workloads rm: {error}", file=sys.stderr)
            failed = 1
    return failed


# --- talking to the server --------------------------------------------------------------------------------------------

def _place(base: str, args: argparse.Namespace) -> dict:
    return place_workload(base, args.subnet, args.region or _default_region(), account=args.account,
                          access_key=os.environ.get("AWS_ACCESS_KEY_ID"), security_groups=args.security_groups or [],
                          public_ip=args.public_ip)


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or Settings.from_env().region


def _base(args: argparse.Namespace) -> str:
    return edge_url(getattr(args, "endpoint_url", None))


def _wait(child: subprocess.Popen) -> int:
    """Wait for the child as a shell does: Ctrl-C reaches it (same process group) and we outlive it, SIGTERM is passed
    on; then its exit status (128 + signal when a signal ended it)."""
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, lambda *_: None),
                signal.SIGTERM: signal.signal(signal.SIGTERM, lambda signum, _: child.send_signal(signum))}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code
