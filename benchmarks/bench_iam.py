"""What `--iam enforce` costs per request: SigV4 verification plus the full identity + endpoint decision, next to the
default mode (`--iam off`), on two servers measured in the same run.

    python benchmarks/bench_iam.py                   # SQLite store, 1 and 16 clients, ~2 min
    python benchmarks/bench_iam.py -d 3 -r 5         # longer and more rounds
    python benchmarks/bench_iam.py --state memory    # runnerlink's memory store

Two `runnerlink serve` processes, one `--iam off`, one `--iam enforce` (with root credentials configured for the
benchmark account), get the same set-up through boto3: a private subnet with an App Runner interface endpoint (private
DNS, the documentation's read-only endpoint policy), 25 services, and an IAM user with an identity policy of three
statements (List/Describe allowed; Create/Update/Pause allowed only through the endpoint; Delete denied elsewhere)
and an access key. DescribeService and ListServices signed with that user's key are sent

- **direct**: plain HTTP to the edge port, as from the internet (enforce: signature + identity policy);
- **gateway**: through the subnet gateway as an HTTPS proxy, so the request takes the endpoint path and meets the
  endpoint policy too (enforce: signature + identity policy + endpoint policy in one decision).

Every request is checked once before timing (200, the expected page; in enforce mode, a wrong signature is refused
and a denied call names the policy type), and the traffic log must show the user as the principal. The figure is
server CPU per request (user + system time of the server process over the measured window, /proc); the target (the
issue's) is enforce at most 1.3x off. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import ssl
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apprunner import (  # noqa: E402  (the shared servers, requests and figures)
    ACCOUNT,
    REGION,
    Result,
    Server,
    best_of,
    build_requests,
    cpu_per_request_us,
    fmt,
    free_port,
    http_stack,
    setup_services,
    signed_request,
    write_report,
)
from bench_gateway import HOST, Tunnel, create_workload, exchange_once, run, setup_network, traffic_tail  # noqa: E402

TARGET = 1.3
ROOT_SECRET = "test-secret-key"  # what the shared set-up functions sign with, as the account's root
USER = "bench-user"
IDENTITY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"},
    {"Sid": "WriteThroughEndpoint", "Effect": "Allow",
     "Action": ["apprunner:Create*", "apprunner:Update*", "apprunner:PauseService"], "Resource": "*",
     "Condition": {"StringLike": {"aws:SourceVpce": "vpce-*"}}},
    {"Sid": "NoDeleteElsewhere", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*",
     "Condition": {"Null": {"aws:SourceVpce": "true"}}},
]}


def setup_user(url: str) -> tuple[str, str]:
    """The IAM user whose key signs the measured requests: (access key id, secret)."""
    import boto3

    iam = boto3.client("iam", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                       aws_secret_access_key=ROOT_SECRET)
    iam.create_user(UserName=USER)
    iam.put_user_policy(UserName=USER, PolicyName="apprunner-operator", PolicyDocument=json.dumps(IDENTITY))
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def start(name: str, mode: str, state: str | None) -> tuple[Server, int]:
    port, gateway_port = free_port(), free_port()
    argv = [sys.executable, "-m", "runnerlink", "serve", "--port", str(port), "--gateway-port", str(gateway_port),
            "--state", state or "memory", "--lifecycle-delay", "0.1", "--iam", mode]
    if mode == "enforce":
        argv += ["--root-credentials", f"{ACCOUNT}={ACCOUNT}:{ROOT_SECRET}"]
    return Server(name, argv, port, "/_runnerlink/health", None).start(), gateway_port


def prepare(server: Server) -> dict:
    network = setup_network(server.url)
    arns = setup_services(server.url, 25)
    key, secret = setup_user(server.url)
    workload = create_workload(server.url, network["subnet"])
    time.sleep(0.2)  # past the lifecycle delay: services RUNNING
    direct = build_requests(server.url, arns, key=key, secret=secret)
    through = build_requests(f"https://{HOST}", arns, key=key, secret=secret)
    return {"network": network, "tunnel": Tunnel(workload), "key": key, "secret": secret,
            "pairs": [((d, g), check) for (d, check), (g, _) in zip(direct, through)]}


def verify(server: Server, mode: str, setup: dict) -> None:
    """Every request answers 200 both ways with the user as principal; in enforce mode a bad signature is refused
    and a write outside the endpoint is denied by the identity policy."""
    tunnel = setup["tunnel"]
    for (direct, gateway), check in setup["pairs"]:
        for request, via in ((direct, None), (gateway, tunnel)):
            status, body = exchange_once(server.port, via, request.raw)
            if status != 200 or not check(json.loads(body)):
                raise RuntimeError(f"{mode}: {request.operation} answered {status}: {body[:500]!r}")
        time.sleep(0.05)
        entry = traffic_tail(server.url, 1)[0]
        if not (entry.get("principal") or "").endswith(f":user/{USER}") or entry["outcome"] != "endpoint":
            raise RuntimeError(f"{mode}: the request was not the user's through the endpoint: {entry}")
    if mode != "enforce":
        return
    forged = signed_request(server.url, "AppRunner.ListServices", {}, key=setup["key"], secret="not-the-secret")
    status, body = exchange_once(server.port, None, forged.raw)
    if status < 400:
        raise RuntimeError(f"enforce: a request signed with the wrong secret answered {status}")
    create = signed_request(server.url, "AppRunner.CreateService", {
        "ServiceName": "not-from-the-internet",
        "SourceConfiguration": {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                                                    "ImageRepositoryType": "ECR_PUBLIC"}}},
        key=setup["key"], secret=setup["secret"])
    status, body = exchange_once(server.port, None, create.raw)
    if status != 400 or b"no identity-based policy allows" not in body:
        raise RuntimeError(f"enforce: CreateService from the internet was not denied by the identity policy: "
                           f"{status} {body[:500]!r}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--duration", type=float, default=2.0, help="seconds per measured round (default 2)")
    parser.add_argument("-r", "--rounds", type=int, default=3,
                        help="rounds per figure, off and enforce alternating; the best is reported (default 3)")
    parser.add_argument("-w", "--warmup", type=float, default=1.0, help="seconds of untimed load per figure")
    parser.add_argument("-c", "--concurrency", default="1,16", help="comma-separated client counts (default 1,16)")
    parser.add_argument("--state", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--json", metavar="FILE", help="also write every round of every figure to FILE as JSON")
    args = parser.parse_args(argv)
    args.concurrency = [int(v) for v in args.concurrency.split(",") if v.strip()]
    if not args.concurrency or min(args.concurrency) < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--concurrency, --rounds and --duration must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"runnerlink IAM enforcement benchmark: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; edge HTTP stack: {http_stack()}; {ssl.OPENSSL_VERSION}")
    print(f"load generator: python, closed loop, keep-alive; each figure best of {args.rounds} rounds of "
          f"{args.duration:g} s (off and enforce alternating) after {args.warmup:g} s warm-up")
    states = [tempfile.mkdtemp(prefix="runnerlink-bench-") if args.state == "sqlite" else None for _ in range(2)]
    servers: dict[str, Server] = {}
    started = time.monotonic()
    report: dict = {"settings": dict(vars(args)), "stack": http_stack(), "results": []}
    status = 0
    try:
        setups = {}
        for mode, state in zip(("off", "enforce"), states):
            servers[mode], _ = start(f"iam-{mode}", mode, state)
            setups[mode] = prepare(servers[mode])
            verify(servers[mode], mode, setups[mode])
        print("checked: 200 both ways with the IAM user as principal, the endpoint path through the gateway; "
              "enforce refuses a wrong signature and denies CreateService by the identity policy")
        results: list[Result] = []
        for concurrency in args.concurrency:
            for index in range(len(setups["off"]["pairs"])):
                for path in ("direct", "gateway"):
                    rounds: dict[str, list[Result]] = {"off": [], "enforce": []}
                    for round_number in range(args.rounds + (1 if args.warmup > 0 else 0)):
                        for mode in ("off", "enforce"):
                            setup = setups[mode]
                            (direct, gateway), _ = setup["pairs"][index]
                            tunnel = setup["tunnel"] if path == "gateway" else None
                            request = gateway if tunnel else direct
                            seconds = args.warmup if round_number == 0 and args.warmup > 0 else args.duration
                            result = run(servers[mode], servers[mode].port, tunnel, request, concurrency, seconds)
                            result.server = f"{mode}/{path}"
                            if not (round_number == 0 and args.warmup > 0):
                                rounds[mode].append(result)
                    best = {mode: best_of(measured) for mode, measured in rounds.items()}
                    ratio = cpu_per_request_us(best["enforce"]) / cpu_per_request_us(best["off"])
                    for mode, result in best.items():
                        status = 1 if result.errors else status
                        results.append(result)
                    op = best["off"].operation
                    verdict = "meets target" if ratio <= TARGET else "OVER target"
                    print(f"  {path:<7} {op:<16} {concurrency:>3} clients: off "
                          f"{fmt(cpu_per_request_us(best['off']), 1)} us CPU/req ({best['off'].rps:.0f} req/s), "
                          f"enforce {fmt(cpu_per_request_us(best['enforce']), 1)} us CPU/req "
                          f"({best['enforce'].rps:.0f} req/s): enforce/off {fmt(ratio)}x ({verdict}); rounds off "
                          f"{', '.join(fmt(cpu_per_request_us(m), 1) for m in rounds['off'])}, enforce "
                          f"{', '.join(fmt(cpu_per_request_us(m), 1) for m in rounds['enforce'])}", flush=True)
        report["results"] = [asdict(r) for r in results]
    finally:
        for server in servers.values():
            server.stop()
        for state in states:
            if state:
                shutil.rmtree(state, ignore_errors=True)
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    write_report(args.json, report)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
