"""`runnerlink reset`, `runnerlink state export|import` and `runnerlink wait`: a running server's state, emptied,
saved or replaced, and waiting for a server to answer (CI starts one in the background, then waits)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from runnerlink.config import edge_url

WAIT_TIMEOUT = 30.0
WAIT_INTERVAL = 0.2
REQUEST_TIMEOUT = 120  # an import of a large network is one request
ENDPOINT_HELP = "runnerlink's URL (default from RUNNERLINK_HOST and RUNNERLINK_PORT)"
COMMANDS = ("reset", "state", "wait")


class Failed(Exception):
    """What to print on stderr before exiting 1."""


def add_parser(commands) -> None:
    reset = commands.add_parser("reset", help="remove every resource (or an account's, a region's) from a running "
                                              "server, as if it had just started")
    reset.add_argument("--account", help="only this 12-digit account (all its regions and its IAM)")
    reset.add_argument("--region", help="only this region (of every account, or of --account); 'global' for IAM")
    reset.add_argument("--endpoint-url", default=None, help=ENDPOINT_HELP)

    state = commands.add_parser("state", help="export a running server's state to a file, or import one")
    actions = state.add_subparsers(dest="state_command", required=True)
    export = actions.add_parser("export", help="write every resource of the server to FILE (- for stdout)")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--endpoint-url", default=None, help=ENDPOINT_HELP)
    imported = actions.add_parser("import", help="replace the server's whole state with FILE's (- for stdin); a "
                                                 "bad file changes nothing")
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--endpoint-url", default=None, help=ENDPOINT_HELP)

    wait = commands.add_parser("wait", help="wait until the server answers its health check (exit 1 on timeout)")
    wait.add_argument("--timeout", type=float, default=WAIT_TIMEOUT, metavar="SECONDS",
                      help=f"give up after this long (default {WAIT_TIMEOUT:g})")
    wait.add_argument("--interval", type=float, default=WAIT_INTERVAL, metavar="SECONDS",
                      help=f"between attempts (default {WAIT_INTERVAL:g})")
    wait.add_argument("--endpoint-url", default=None, help=ENDPOINT_HELP)


def run(args: argparse.Namespace) -> int:
    base = edge_url(args.endpoint_url)
    try:
        if args.command == "wait":
            return _wait(base, args.timeout, args.interval)
        if args.command == "reset":
            body = {name: value for name in ("account", "region") if (value := getattr(args, name)) is not None}
            answer = json.loads(_request(base, "reset", json.dumps(body).encode()))
            print(_reset_summary(answer))
            return 0
        if args.state_command == "export":
            return _export(base, args.file)
        return _import(base, args.file)
    except Failed as failure:
        print(f"runnerlink {args.command}{' ' + args.state_command if args.command == 'state' else ''}: {failure}",
              file=sys.stderr)
        return 1


def _request(base: str, path: str, data: bytes | None = None, timeout: float = REQUEST_TIMEOUT) -> bytes:
    """The body of GET (or POST data to) /_runnerlink/<path>; Failed with the server's message otherwise."""
    request = urllib.request.Request(f"{base}/_runnerlink/{path}", data=data, method="GET" if data is None else "POST",
                                     headers={"content-type": "application/json"})
    try:
        # Not through a proxy the shell may have set (`eval "$(runnerlink env …)"`): the edge is local.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise Failed(_message(error.read(), error.code)) from None
    except urllib.error.URLError as error:
        raise Failed(f"runnerlink is not reachable at {base}: {error.reason}") from None
    except OSError as error:  # a reset connection, a timeout
        raise Failed(f"runnerlink at {base} did not answer: {error}") from None


def _message(body: bytes, status: int) -> str:
    try:
        answer = json.loads(body)
        return f"{answer['message']} ({answer.get('error') or answer.get('__type')}, HTTP {status})"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}: {body.decode(errors='replace')[:500]}"


def _reset_summary(answer: dict) -> str:
    removed = answer["removed"]
    chosen = answer["reset"]
    what = " ".join(f"{name} {value}" for name, value in chosen.items() if value) or "everything"
    parts = [f"{removed['records']} records in {len(removed['scopes'])} scopes", f"{removed['workloads']} workloads"]
    if removed["applications"]:
        parts.append(f"{len(removed['applications'])} applications stopped")
    if removed["traffic"]:
        parts.append("the traffic log")
    return f"reset {what}: removed {', '.join(parts)}"


def _export(base: str, file: str) -> int:
    document = _request(base, "state")
    count = len(json.loads(document)["records"])
    if file == "-":
        sys.stdout.buffer.write(document + b"\n")
        sys.stdout.flush()
    else:
        target = Path(file)
        # Written beside the target and renamed: an interrupted export never leaves half a file under its name.
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else ".")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(document + b"\n")
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    print(f"exported {count} records{'' if file == '-' else ' to ' + file}", file=sys.stderr)
    return 0


def _import(base: str, file: str) -> int:
    try:
        document = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise Failed(f"cannot read {file}: {error.strerror or error}") from None
    answer = json.loads(_request(base, "state", document))
    imported = answer["imported"]
    print(f"imported {imported['records']} records in {imported['scopes']} scopes"
          f"{' from ' + file if file != '-' else ''}")
    return 0


def _wait(base: str, timeout: float, interval: float) -> int:
    """Poll the health check until it answers 200 (exit 0) or `timeout` seconds have passed (exit 1)."""
    deadline = time.monotonic() + max(0.0, timeout)
    last = "no answer yet"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        left = deadline - time.monotonic()
        try:
            with opener.open(f"{base}/_runnerlink/health", timeout=max(0.1, min(2.0, left))) as response:
                health = json.load(response)
                if response.status == 200 and health.get("status") == "running":
                    print(f"runnerlink {health.get('version')} is up at {base}")
                    return 0
                last = f"health check answered {health.get('status')!r}"
        except urllib.error.HTTPError as error:
            last = f"health check answered HTTP {error.code}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            last = str(getattr(error, "reason", error))
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"runnerlink wait: runnerlink did not answer at {base} within {timeout:g} s ({last})",
                  file=sys.stderr)
            return 1
        time.sleep(min(max(interval, 0.01), left))
