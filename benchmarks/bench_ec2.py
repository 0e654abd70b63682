"""Throughput and latency of runnerlink's DescribeVpcEndpoints and DescribeSubnets, next to a moto server, with a
small and with a large population of unrelated VPCs and endpoints in the same account and region.

    python benchmarks/bench_ec2.py                      # SQLite store (the default), 1 and 16 clients
    python benchmarks/bench_ec2.py --vpcs 100 --endpoints 500 -c 1 -r 2   # a quick look
    python benchmarks/bench_ec2.py --state memory --client python

Four servers run side by side on this machine: `runnerlink serve` and `python -m moto.server` (moto is a benchmark
peer only: it is not a runnerlink dependency), each once with a small and once with a large population. Each gets
the same measured VPC (two subnets in two zones, five interface endpoints); the large ones then get --vpcs more VPCs,
each with a subnet, and --endpoints interface endpoints spread over them, all in the same account and region,
created through the EC2 API (concurrent boto3 calls). All four get the same four requests, pre-built and SigV4-signed
once (ec2 query protocol, form-encoded POST): DescribeVpcEndpoints with VpcEndpointId.1 and with a vpc-id filter,
DescribeSubnets with SubnetId.1 and with a vpc-id filter, measured with the load generator, rounds and figures of
bench_apprunner.py (imported from it), the four servers alternating round by round. Every answer is checked first
(status 200, exactly the expected ids), so a benchmark can never time fast errors.

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_apprunner as common  # noqa: E402  (the servers, requests, load generators and figures of that benchmark)
from bench_apprunner import ACCOUNT, REGION, Request, Result, Server, fmt  # noqa: E402

TARGET_RATIO = 3.0  # the target: runnerlink at least 3x moto's throughput
EC2_VERSION = "2016-11-15"
SERVICES = ["apprunner", "apprunner.requests", "logs", "ecr.api", "ecr.dkr"]  # five interface endpoints per VPC
ZONES = ["us-east-1a", "us-east-1b"]


# --- requests ------------------------------------------------------------------------------------------------------

def signed_ec2_request(url: str, label: str, params: dict[str, str]) -> Request:
    """An ec2 query request as botocore sends it (form-encoded POST), signed once with SigV4."""
    headers, body = common.signed_ec2_form(url, {**params, "Version": EC2_VERSION})
    return Request(label, headers, body)


def build_requests(url: str, target: dict) -> list[tuple[Request, str, list[str]]]:
    """(request, XML element, the ids its answer must hold, in order) for the four measured calls."""
    vpc_filter = {"Filter.1.Name": "vpc-id", "Filter.1.Value.1": target["vpc"]}
    endpoint, subnet = target["endpoints"][2], target["subnets"][1]  # not the first created: no luck of order
    return [
        (signed_ec2_request(url, "VpcEndpoints id", {"Action": "DescribeVpcEndpoints", "VpcEndpointId.1": endpoint}),
         "vpcEndpointId", [endpoint]),
        (signed_ec2_request(url, "VpcEndpoints vpc", {"Action": "DescribeVpcEndpoints", **vpc_filter}),
         "vpcEndpointId", target["endpoints"]),
        (signed_ec2_request(url, "Subnets id", {"Action": "DescribeSubnets", "SubnetId.1": subnet}),
         "subnetId", [subnet]),
        (signed_ec2_request(url, "Subnets vpc", {"Action": "DescribeSubnets", **vpc_filter}),
         "subnetId", target["subnets"]),
    ]


def verify(request: Request, port: int, element: str, expected: list[str]) -> int:
    """Send the request once; the answer must be 200 and name exactly the expected resources. The body size."""
    status, body = common.exchange(port, request.raw)
    text = body.decode(errors="replace")
    if status != 200:
        raise RuntimeError(f"{request.operation} answered {status}: {text[:500]}")
    # Top-level items only: an endpoint's subnetIdSet etc. hold other ids, but under other element names.
    found = re.findall(rf"<{element}>([^<]+)</{element}>", text)
    if sorted(found) != sorted(expected):
        raise RuntimeError(f"{request.operation}: expected {expected}, got {found}: {text[:500]}")
    return len(body)


# --- population ----------------------------------------------------------------------------------------------------

def ec2_client(url: str):
    import boto3
    from botocore.config import Config

    return boto3.client("ec2", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                        aws_secret_access_key="test-secret-key",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=64))


def create_vpc(client, index: int, subnets: int) -> tuple[str, list[str]]:
    """A VPC (10.x.y.0/24 blocks never overlap: AWS allows overlaps anyway) with subnets in the first zones."""
    second, third = divmod(index, 256)
    vpc_id = client.create_vpc(CidrBlock=f"10.{second}.{third}.0/24")["Vpc"]["VpcId"]
    subnet_ids = []
    for n in range(subnets):
        cidr = f"10.{second}.{third}.{n * 256 // subnets}/{24 + max(1, (subnets - 1).bit_length())}"  # /25s
        subnet_ids.append(client.create_subnet(VpcId=vpc_id, CidrBlock=cidr,
                                               AvailabilityZone=ZONES[n % len(ZONES)])["Subnet"]["SubnetId"])
    return vpc_id, subnet_ids


def create_endpoints(client, vpc_id: str, subnet_ids: list[str], count: int) -> list[str]:
    ids = []
    for n in range(count):
        service = SERVICES[n % len(SERVICES)]
        ids.append(client.create_vpc_endpoint(
            VpcId=vpc_id, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}.{service}",
            SubnetIds=subnet_ids, PrivateDnsEnabled=False,
        )["VpcEndpoint"]["VpcEndpointId"])
    return ids


def setup_target(url: str) -> dict:
    """The measured VPC: two subnets in two zones, five interface endpoints in both."""
    client = ec2_client(url)
    vpc_id, subnet_ids = create_vpc(client, 0, 2)
    return {"vpc": vpc_id, "subnets": subnet_ids, "endpoints": create_endpoints(client, vpc_id, subnet_ids, 5)}


def populate(url: str, vpcs: int, endpoints: int, workers: int) -> tuple[float, int, int]:
    """vpcs more VPCs (1..vpcs: the target is 0) with one subnet each, and endpoints interface endpoints spread over
    them, by concurrent API calls. (seconds, VPCs, endpoints) created."""
    client = ec2_client(url)  # botocore clients are thread-safe
    per_vpc = [endpoints // vpcs + (1 if i < endpoints % vpcs else 0) for i in range(vpcs)] if vpcs else []
    started = time.monotonic()

    def one(index: int) -> int:
        vpc_id, subnet_ids = create_vpc(client, index + 1, 1)
        return len(create_endpoints(client, vpc_id, subnet_ids, per_vpc[index]))

    with ThreadPoolExecutor(workers) as pool:
        created = sum(pool.map(one, range(vpcs)))
    return time.monotonic() - started, vpcs, created


# --- the run -------------------------------------------------------------------------------------------------------

def print_table(results: list[Result], title: str) -> None:
    print(f"\n== {title} ==")
    common.print_rows(results, stored=True)
    by_key = {(r.server, r.operation, r.concurrency, r.population): r for r in results}
    print(f"\nrunnerlink / moto (target: throughput ratio >= {TARGET_RATIO:.1f}; CPU cost = moto's server CPU per "
          f"request over runnerlink's):")
    for r in results:
        if r.server != "runnerlink":
            continue
        moto = by_key.get(("moto", r.operation, r.concurrency, r.population))
        ratio = r.rps / moto.rps if moto and moto.rps else math.nan
        cost = common.cpu_per_request_us(moto) / common.cpu_per_request_us(r) if moto else math.nan
        verdict = "meets target" if ratio >= TARGET_RATIO else "BELOW target"
        print(f"  {r.operation:<16} {r.population:<6} {r.concurrency:>3} clients: throughput {fmt(ratio)} "
              f"({verdict}), CPU cost {fmt(cost)}")
    print("\nlarge / small population, per server (target for runnerlink: ~1.0; CPU us/req is the steadier figure):")
    for r in results:
        if r.population != "large":
            continue
        small = by_key.get((r.server, r.operation, r.concurrency, "small"))
        if small is None:
            continue
        cost = common.cpu_per_request_us(r) / common.cpu_per_request_us(small)
        print(f"  {r.server:<10} {r.operation:<16} {r.concurrency:>3} clients: CPU us/req {fmt(cost)} "
              f"({fmt(common.cpu_per_request_us(small), 1)} -> {fmt(common.cpu_per_request_us(r), 1)}), "
              f"p50 {fmt(r.p50_ms / small.p50_ms)}, req/s {fmt(r.rps / small.rps if small.rps else math.nan)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--duration", type=float, default=2.0, help="seconds of each measured round (default 2)")
    parser.add_argument("-r", "--rounds", type=int, default=3,
                        help="rounds per figure, the servers alternating; the best is reported (default 3)")
    parser.add_argument("-w", "--warmup", type=float, default=1.0,
                        help="seconds of untimed load per server and request before measuring (default 1)")
    parser.add_argument("-c", "--concurrency", default="1,16", help="comma-separated client counts (default 1,16)")
    parser.add_argument("--state", choices=("sqlite", "memory"), default="sqlite",
                        help="runnerlink's store (default sqlite, runnerlink's default configuration)")
    parser.add_argument("--vpcs", type=int, default=999,
                        help="VPCs added for the large population (default 999: 1,000 with the measured one)")
    parser.add_argument("--endpoints", type=int, default=4995,
                        help="interface endpoints added over them (default 4995: 5,000 with the measured five)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent API calls while populating (default 16)")
    parser.add_argument("--skip-moto-large", action="store_true",
                        help="populate and measure only runnerlink for the large population")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if installed (auto), or bench_apprunner.py's Python one")
    parser.add_argument("--json", metavar="FILE", help="also write every figure, every round, to FILE as JSON")
    args = parser.parse_args(argv)
    args.concurrency = [int(value) for value in args.concurrency.split(",") if value.strip()]
    if not args.concurrency or min(args.concurrency) < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--concurrency, --rounds and --duration must be positive")
    if args.vpcs < 0 or args.endpoints < 0 or (args.endpoints and not args.vpcs):
        parser.error("--endpoints need --vpcs to go in")
    if args.endpoints > 50 * args.vpcs:
        parser.error("at most 50 interface endpoints per VPC (the AWS quota runnerlink enforces)")
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("--client wrk: wrk is not installed (apt-get install wrk), or use --client python")
    return args


def moto_version() -> str:
    try:
        import moto
    except ImportError:
        raise SystemExit("moto is not installed: pip install 'moto[server]' (a benchmark peer, not a dependency)")
    return moto.__version__


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    generator = common.run_wrk if use_wrk else common.run_python
    generator_name = "python (bench_apprunner.py's closed loop, raw sockets, separate processes)"
    if use_wrk:
        first = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
        generator_name = first[0].split(" [")[0] if first else "wrk"
    print(f"EC2 benchmark: {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; runnerlink on {common.http_stack()}; moto {moto_version()} (werkzeug, threaded)")
    print(f"load generator: {generator_name}; not pinned; each figure: best of {args.rounds} rounds of "
          f"{args.duration:g} s (the servers alternating) after {args.warmup:g} s warm-up")
    print(f"runnerlink store: {args.state}; large population: +{args.vpcs} VPCs, +{args.endpoints} interface endpoints "
          f"(each VPC one subnet), same account and region as the measured VPC")

    # Four servers: moto and runnerlink, each once with the small and once with the large population, measured in
    # alternating rounds, so that whatever else the machine does weighs on small and large alike.
    populations = ["small", "large"] if args.vpcs else ["small"]
    state_dirs = []
    servers: list[Server] = []
    for population in populations:
        for name in ("moto", "runnerlink"):
            if name == "moto" and population == "large" and args.skip_moto_large:
                continue
            port = common.free_port()
            if name == "moto":
                argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
                server = Server(name, argv, port, "/moto-api/data.json", None)
            else:
                state_dir = tempfile.mkdtemp(prefix="runnerlink-bench-ec2-") if args.state == "sqlite" else None
                state_dirs += [state_dir] if state_dir else []
                argv = [sys.executable, "-m", "runnerlink", "serve", "--port", str(port), "--state",
                        state_dir or "memory", "--lifecycle-delay", "0.1", "--gateway-port", str(common.free_port())]
                server = Server(name, argv, port, "/_runnerlink/health", None)
            server.population = population
            servers.append(server)
    report = {"settings": dict(vars(args)), "generator": generator_name, "runs": []}
    results: list[Result] = []
    status = 0
    started = time.monotonic()
    try:
        requests = {}
        for server in servers:
            server.start()
            target = setup_target(server.url)
            requests[server] = build_requests(server.url, target)
            if server.population == "large":
                try:
                    seconds, vpcs, endpoints = populate(server.url, args.vpcs, args.endpoints, args.workers)
                except Exception:
                    print(f"populating {server.name} failed; its output:\n{server.output()}", flush=True)
                    raise
                print(f"populated {server.name} (large): +{vpcs} VPCs, +{endpoints} interface endpoints in "
                      f"{seconds:.0f} s ({(vpcs * 2 + endpoints) / seconds:.0f} create calls/s, {args.workers} "
                      f"concurrent)", flush=True)
        time.sleep(0.3)  # past runnerlink's lifecycle delay: every endpoint available, the steady state
        for server in servers:
            sizes = [verify(request, server.port, element, ids) for request, element, ids in requests[server]]
            print(f"{server.name} ({server.population}) response bodies: "
                  + ", ".join(f"{r.operation} {size} B" for (r, _, _), size in zip(requests[server], sizes)),
                  flush=True)
            if args.warmup > 0:
                for request, _, _ in requests[server]:
                    generator(server.port, request, max(args.concurrency), args.warmup, None)
        for concurrency in args.concurrency:
            for index in range(len(requests[servers[0]])):
                rounds: dict[Server, list[Result]] = {server: [] for server in servers}
                for _ in range(args.rounds):
                    for server in servers:
                        rounds[server].append(common.measure(server, requests[server][index][0], concurrency,
                                                             args.duration, None, generator))
                for server, measured in rounds.items():
                    result = common.best_of(measured)
                    result.population = server.population
                    results.append(result)
                    status = 1 if result.errors else status
                    print(f"  {server.name:<10} {server.population:<5} {result.operation:<16} {concurrency:>3} "
                          f"clients: {result.rps:8.0f} req/s (rounds: {', '.join(f'{r.rps:.0f}' for r in measured)}),"
                          f" p50 {fmt(result.p50_ms, 3)} ms, p99 {fmt(result.p99_ms, 3)} ms, "
                          f"{fmt(common.cpu_per_request_us(result), 1)} us CPU/req", flush=True)
        print_table(results, f"runnerlink store: {args.state}")
        report["runs"] = [{**asdict(r), "population": r.population} for r in results]
    finally:
        for server in servers:
            server.stop()
        for state_dir in state_dirs:
            shutil.rmtree(state_dir, ignore_errors=True)
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    common.write_report(args.json, report)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
