"""Per-request cost through the subnet gateway (HTTPS, endpoint path, endpoint policy) next to direct requests to
the edge, in the same server process, in the same run.

    python benchmarks/bench_gateway.py                   # SQLite store, 1 and 16 clients, ~1 min
    python benchmarks/bench_gateway.py -d 5 -r 5         # longer and more rounds
    python benchmarks/bench_gateway.py --state memory    # runnerlink's memory store
    python benchmarks/bench_gateway.py --vary            # every request a body of its own (no read cache)

One `runnerlink serve` process. Through boto3: a VPC with a private subnet (no internet gateway, no NAT), a security
group admitting TCP 443 from the VPC, an interface endpoint for com.amazonaws.us-east-1.apprunner with private DNS on
and the App Runner documentation's read-only endpoint policy, and 25 App Runner services. Then a workload in the
subnet (POST /_runnerlink/workloads, as `runnerlink exec` does). DescribeService and ListServices are sent

- **direct**: plain HTTP to the edge port, as from the internet;
- **gateway**: to the subnet gateway as an HTTPS proxy: CONNECT apprunner.us-east-1.amazonaws.com:443 with the
  workload's proxy credentials, TLS verified against runnerlink's CA bundle, then the requests inside the tunnel.
  Every request there has its path decided (DNS → private DNS of the endpoint, route, security groups) and is judged
  by the endpoint policy.

Both use the same load generator (this file's, in separate processes): a closed loop over N keep-alive connections,
one request in flight on each, the same pre-built SigV4-signed request bytes (Host differs). Connections, and so the
CONNECT and the TLS handshake, are opened before the measured window: the figures are the per-request cost on a
reused connection, which is what SDK clients (boto3, the AWS CLI, the Go SDK) get from their connection pools.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing
import os
import platform
import selectors
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apprunner import (  # noqa: E402  (the shared servers, requests, readers and figures)
    ACCOUNT,
    REGION,
    Request,
    Result,
    Server,
    _ResponseReader,
    best_of,
    build_requests,
    cpu_per_request_us,
    fmt,
    free_port,
    http_stack,
    print_rows,
    setup_services,
    variant,
    vary_start,
    write_report,
)

HOST = f"apprunner.{REGION}.amazonaws.com"
TARGET = 2.0  # the target: the gateway costs at most twice a direct request
# "Using App Runner with VPC endpoints": an endpoint policy allowing only read-only App Runner calls.
READ_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadOnly", "Effect": "Allow", "Principal": "*",
    "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})


# --- the network and the workload ----------------------------------------------------------------------------------

def setup_network(url: str) -> dict:
    """A private subnet with an apprunner interface endpoint (private DNS, read-only policy), through boto3."""
    import boto3

    ec2 = boto3.client("ec2", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                       aws_secret_access_key="test-secret-key")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="endpoints", Description="443 from the VPC", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                                       ServiceName=f"com.amazonaws.{REGION}.apprunner", SubnetIds=[subnet],
                                       SecurityGroupIds=[group], PrivateDnsEnabled=True,
                                       PolicyDocument=READ_ONLY)["VpcEndpoint"]["VpcEndpointId"]
    deadline = time.monotonic() + 10
    while ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"] != "available":
        if time.monotonic() > deadline:
            raise RuntimeError(f"{endpoint} did not become available")
        time.sleep(0.05)
    return {"vpc": vpc, "subnet": subnet, "group": group, "endpoint": endpoint}


def create_workload(url: str, subnet: str) -> dict:
    body = json.dumps({"account": ACCOUNT, "region": REGION, "subnet": subnet}).encode()
    request = urllib.request.Request(f"{url}/_runnerlink/workloads", data=body, method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Tunnel:
    """How to reach the gateway: its port, the Proxy-Authorization value, the CA bundle."""

    def __init__(self, workload: dict):
        proxy = urlsplit(workload["proxy"])
        self.port = proxy.port
        self.authorization = "Basic " + base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        self.ca_bundle = workload["caBundle"]

    def open(self, host: str = HOST) -> ssl.SSLSocket:
        """CONNECT host:443, then TLS verified against runnerlink's CA: a blocking socket, ready for requests."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n"
                     f"Proxy-Authorization: {self.authorization}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise RuntimeError(f"the gateway closed the CONNECT: {head!r}")
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"CONNECT refused: {head.decode(errors='replace')}")
        context = ssl.create_default_context(cafile=self.ca_bundle)
        return context.wrap_socket(sock, server_hostname=host)


# --- the load generator: plain or TLS-in-CONNECT, keep-alive, closed loop ------------------------------------------

def _worker(port: int, tunnel: Tunnel | None, raw: bytes, vary_from: int | None, connections: int,
            measure_at: float, end_at: float, results) -> None:
    try:
        _loop(port, tunnel, raw, vary_from, connections, measure_at, end_at, results)
    except Exception as exc:  # reported by the parent, which would otherwise wait in vain
        results.put(f"load generator process failed: {exc!r}")


def _loop(port: int, tunnel: Tunnel | None, raw: bytes, vary_from: int | None, connections: int,
          measure_at: float, end_at: float, results) -> None:
    clock = time.perf_counter
    offset = clock() - time.time()  # the window is in time.time(), shared by processes
    measure_at += offset
    end_at += offset
    selector = selectors.DefaultSelector()
    readers: dict[socket.socket, _ResponseReader] = {}
    sent_at: dict[socket.socket, float] = {}
    for _ in range(connections):
        if tunnel is None:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            sock = tunnel.open()
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        readers[sock] = _ResponseReader()
    counter = vary_from

    def next_request() -> bytes:
        nonlocal counter
        if counter is None:
            return raw
        counter += 1
        return variant(raw, counter)

    def send(sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)  # far smaller than a socket buffer
        except ssl.SSLWantWriteError:
            sock.setblocking(True)
            sock.sendall(data)
            sock.setblocking(False)

    latencies: list[float] = []
    errors = 0
    if clock() > measure_at:
        raise RuntimeError("opening the connections took longer than the time allowed before measuring")
    time.sleep(measure_at - clock())
    cpu_start = time.process_time()
    for sock in readers:
        sent_at[sock] = clock()
        send(sock, next_request())
    open_count = connections
    while open_count:
        events = selector.select(timeout=5.0)
        if not events:
            raise RuntimeError("no answer within 5 s")
        for key, _ in events:
            sock = key.fileobj
            done = None
            while done is None:  # TLS may hold decrypted bytes the selector knows nothing of: read until it wants more
                try:
                    chunk = sock.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    break
                if not chunk:
                    raise RuntimeError("the server closed a keep-alive connection")
                done = readers[sock].feed(chunk)
            if done is None:
                continue
            now = clock()
            if done[0] != 200:
                errors += 1
            latencies.append(now - sent_at[sock])
            if now >= end_at:
                selector.unregister(sock)
                sock.close()
                open_count -= 1
                continue
            sent_at[sock] = now
            send(sock, next_request())
    cpu = time.process_time() - cpu_start
    results.put((latencies, errors, cpu, clock() - measure_at))


def run(server: Server, port: int, tunnel: Tunnel | None, request: Request, concurrency: int,
        seconds: float) -> Result:
    """One measured round; server CPU is read at the window's start and end, so connection set-up (CONNECT, TLS
    handshakes) is outside it."""
    processes = max(1, min(concurrency, os.cpu_count() or 1))
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    measure_at = time.time() + 0.5 + 0.03 * concurrency  # every worker connected (and shaken hands) by then
    end_at = measure_at + seconds
    start = vary_start(request)
    workers = [context.Process(target=_worker, args=(port, tunnel, request.raw,
                                                     None if start is None else start + (index << 28), share,
                                                     measure_at, end_at, results))
               for index, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    samples: list[tuple[float, float]] = []

    def sample_cpu() -> None:
        for at in (measure_at, end_at):
            time.sleep(max(0.0, at - time.time()))
            samples.append((time.perf_counter(), server.cpu_seconds()))

    sampler = threading.Thread(target=sample_cpu)
    sampler.start()
    latencies: list[float] = []
    errors, client_cpu, wall = 0, 0.0, 0.0
    failure = None
    for _ in workers:
        answer = results.get(timeout=seconds + 60)
        if isinstance(answer, str):
            failure = failure or answer
            continue
        part, part_errors, part_cpu, part_wall = answer
        latencies += part
        errors += part_errors
        client_cpu += part_cpu
        wall = max(wall, part_wall)
    for worker in workers:
        worker.join(timeout=10)
    sampler.join(timeout=seconds + 10)
    if failure:
        raise RuntimeError(failure)
    latencies.sort()

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else math.nan

    (t0, cpu0), (t1, cpu1) = samples
    name = "gateway" if tunnel else "direct"
    result = Result(name, request.operation, concurrency, requests=len(latencies), errors=errors, seconds=wall,
                    p50_ms=percentile(0.5), p99_ms=percentile(0.99), server_cpu=(cpu1 - cpu0) / (t1 - t0),
                    client_cpu=client_cpu / wall if wall else math.nan)
    result.rps = result.requests / wall if wall else 0.0
    return result


# --- checks --------------------------------------------------------------------------------------------------------

def exchange_once(port: int, tunnel: Tunnel | None, raw: bytes) -> tuple[int, bytes]:
    sock = tunnel.open() if tunnel else socket.create_connection(("127.0.0.1", port), timeout=10)
    with sock:
        sock.settimeout(10)
        sock.sendall(raw)
        reader = _ResponseReader()
        for _ in range(10_000):  # bounded: a response is a few reads
            chunk = sock.recv(65536)
            if not chunk:
                break
            done = reader.feed(chunk)
            if done is not None:
                return done
    raise RuntimeError("the server closed the connection before answering")


def traffic_tail(url: str, count: int) -> list[dict]:
    with urllib.request.urlopen(f"{url}/_runnerlink/traffic?limit=100000", timeout=10) as response:
        return json.load(response)["requests"][-count:]


def verify(server: Server, tunnel: Tunnel, network: dict, pairs, denied: Request) -> dict[str, int]:
    """Each request answers 200 with the expected content both ways; through the gateway the log shows the endpoint
    path and the read-only statement that allowed it; CreateService through the gateway is refused by the policy."""
    sizes = {}
    for (direct, gateway), check in pairs:
        for request, tunnel_or_none in ((direct, None), (gateway, tunnel)):
            status, body = exchange_once(server.port, tunnel_or_none, request.raw)
            if status != 200 or not check(json.loads(body)):
                raise RuntimeError(f"{request.operation} answered {status}: {body[:500]!r}")
            sizes[request.operation] = len(body)
        time.sleep(0.05)  # the traffic log is appended once per loop tick
        entry = traffic_tail(server.url, 1)[0]
        decision = entry.get("decision") or {}
        if (entry["operation"], entry["outcome"], entry["endpoint"]) != (gateway.operation, "endpoint",
                                                                         network["endpoint"]) \
                or decision.get("result") != "allowed" or (decision.get("statement") or {}).get("sid") != "ReadOnly":
            raise RuntimeError(f"the gateway request did not go through the endpoint's policy: {entry}")
    status, body = exchange_once(server.port, tunnel, denied.raw)
    if status != 400 or b"AccessDeniedException" not in body or b"VPC endpoint policy" not in body:
        raise RuntimeError(f"CreateService through the endpoint was not refused by its policy: {status} {body!r}")
    return sizes


# --- the run -------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--duration", type=float, default=2.0, help="seconds per measured round (default 2)")
    parser.add_argument("-r", "--rounds", type=int, default=3,
                        help="rounds per figure, direct and gateway alternating; the best is reported (default 3)")
    parser.add_argument("-w", "--warmup", type=float, default=1.0,
                        help="seconds of untimed load per path and operation before measuring (default 1)")
    parser.add_argument("-c", "--concurrency", default="1,16", help="comma-separated client counts (default 1,16)")
    parser.add_argument("--state", choices=("sqlite", "memory"), default="sqlite",
                        help="runnerlink's store (default sqlite, the default configuration)")
    parser.add_argument("--services", type=int, default=25, help="App Runner services created (default 25)")
    parser.add_argument("--vary", action="store_true",
                        help="every request a body of its own, so none is answered from the read cache")
    parser.add_argument("--json", metavar="FILE", help="also write every round of every figure to FILE as JSON")
    args = parser.parse_args(argv)
    args.concurrency = [int(v) for v in args.concurrency.split(",") if v.strip()]
    if not args.concurrency or min(args.concurrency) < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--concurrency, --rounds and --duration must be positive")
    return args


def print_table(results: list[Result]) -> None:
    print_rows(results, server_title="path", server_width=8)
    print(f"\ngateway / direct (target: CPU cost ratio <= {TARGET:g}; server CPU per request is the cost, the "
          f"throughput ratio shows it as clients see it):")
    by_key = {(r.server, r.operation, r.concurrency): r for r in results}
    for r in results:
        if r.server != "gateway":
            continue
        direct = by_key[("direct", r.operation, r.concurrency)]
        cost = cpu_per_request_us(r) / cpu_per_request_us(direct)
        slower = direct.rps / r.rps if r.rps else math.nan
        verdict = "meets target" if cost <= TARGET else "OVER target"
        print(f"  {r.operation:<16} {r.concurrency:>3} clients: CPU cost {fmt(cost)}x ({verdict}), "
              f"throughput direct/gateway {fmt(slower)}x, p50 {fmt(r.p50_ms / direct.p50_ms)}x")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"runnerlink gateway benchmark: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; edge HTTP stack: {http_stack()}; {ssl.OPENSSL_VERSION}")
    print(f"load generator: python, closed loop, keep-alive, in up to {os.cpu_count()} processes; each figure best "
          f"of {args.rounds} rounds of {args.duration:g} s (direct and gateway alternating), after {args.warmup:g} s "
          f"warm-up; connections (CONNECT + TLS handshake) opened before each measured window")
    state_dir = tempfile.mkdtemp(prefix="runnerlink-bench-") if args.state == "sqlite" else None
    port, gateway_port = free_port(), free_port()
    server = Server("runnerlink", [sys.executable, "-m", "runnerlink", "serve", "--port", str(port), "--gateway-port",
                                   str(gateway_port), "--state", state_dir or "memory", "--lifecycle-delay", "0.1"],
                    port, "/_runnerlink/health", None)
    status = 0
    started = time.monotonic()
    report = {"settings": dict(vars(args)), "stack": http_stack(), "results": []}
    try:
        server.start()
        network = setup_network(server.url)
        arns = setup_services(server.url, args.services)
        workload = create_workload(server.url, network["subnet"])
        tunnel = Tunnel(workload)
        time.sleep(0.2)  # past the lifecycle delay: services RUNNING
        direct = build_requests(server.url, arns)
        through = build_requests(f"https://{HOST}", arns)
        pairs = [((d, g), check) for (d, check), (g, _) in zip(direct, through)]
        from bench_apprunner import signed_request

        denied = signed_request(f"https://{HOST}", "AppRunner.CreateService", {
            "ServiceName": "denied-by-policy",
            "SourceConfiguration": {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                                                        "ImageRepositoryType": "ECR_PUBLIC"}}})
        sizes = verify(server, tunnel, network, pairs, denied)
        print(f"network: {network['vpc']}, private {network['subnet']}, {network['endpoint']} (private DNS, "
              f"read-only policy); workload {workload['workload']['WorkloadId']} at "
              f"{workload['workload']['PrivateIp']}; answers " + ", ".join(f"{op} {n} B" for op, n in sizes.items())
              + "; checked: 200 both ways, log shows outcome endpoint + statement ReadOnly, CreateService denied")
        if args.vary:
            pairs = [((d.varying(), g.varying()), check) for (d, g), check in pairs]
            print("--vary: every request's body differs (JSON whitespace): no answer from the read cache")
        if args.warmup > 0:
            for (d, g), _ in pairs:
                run(server, server.port, None, d, max(args.concurrency), args.warmup)
                run(server, server.port, tunnel, g, max(args.concurrency), args.warmup)
        results = []
        for concurrency in args.concurrency:
            for (d, g), _ in pairs:
                rounds: dict[str, list[Result]] = {"direct": [], "gateway": []}
                for _ in range(args.rounds):
                    rounds["direct"].append(run(server, server.port, None, d, concurrency, args.duration))
                    rounds["gateway"].append(run(server, server.port, tunnel, g, concurrency, args.duration))
                for name, measured in rounds.items():
                    result = best_of(measured)
                    results.append(result)
                    status = 1 if result.errors else status
                    print(f"  {name:<8} {result.operation:<16} {concurrency:>3} clients: {result.rps:7.0f} req/s "
                          f"(rounds {', '.join(f'{m.rps:.0f}' for m in measured)}), p50 {fmt(result.p50_ms, 3)} ms, "
                          f"p99 {fmt(result.p99_ms, 3)} ms, {fmt(cpu_per_request_us(result), 1)} us CPU/req "
                          f"(rounds {', '.join(fmt(cpu_per_request_us(m), 1) for m in measured)})", flush=True)
        print(f"\n== runnerlink store: {args.state} ==")
        print_table(results)
        report["results"] = [asdict(r) for r in results]
    finally:
        server.stop()
        if state_dir:
            shutil.rmtree(state_dir, ignore_errors=True)
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    write_report(args.json, report)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
