"""A running App Runner service: requests per second to its URL through the edge next to direct requests to the
application, in the same run, and the time from CreateService to RUNNING for a trivial app.

    python benchmarks/bench_apps.py                    # 1 and 16 clients, 3 rounds of 2 s; 5 timed creations
    python benchmarks/bench_apps.py -d 5 -r 5 -n 10    # longer, more rounds, more creations
    python benchmarks/bench_apps.py --client python    # without wrk
    python benchmarks/bench_apps.py --json apps.json   # every round as JSON

One `runnerlink serve` process (memory store, lifecycle delay 0). Through boto3, a service from a file:// directory
holding a tiny ASGI app (a fixed JSON body naming its own PORT and pid) run by uvicorn (apprunner.yaml, python3
runtime). Then GET / with the same load generator, the same connections and concurrency:

- **edge**: to runnerlink's port with `Host: <ServiceUrl>`: the edge's front protocol (server/app_front.py, below
  ASGI) finds the route and relays the request to the instance over a kept-alive connection (server/app_proxy.py),
  adding X-Forwarded-For/Proto;
- **direct**: to the instance's own port (read from its answer), as if runnerlink were not there.

The figure compared with the issue's target (edge at least half of direct) is the throughput ratio. Then N trivial
services are created one after another, each timed from CreateService to the first DescribeService saying RUNNING,
with the breakdown read from each service's deployment log. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apprunner import (  # noqa: E402  (the shared servers, load generators and figures)
    ACCOUNT,
    REGION,
    Result,
    Server,
    best_of,
    cpu_per_request_us,
    exchange,
    fmt,
    free_port,
    print_rows,
    run_python,
    run_wrk_script,
    write_report,
)

TARGET = 0.5  # the target: through the edge at least half the direct throughput
HEALTH = {"Protocol": "HTTP", "Path": "/", "Interval": 1, "Timeout": 1, "HealthyThreshold": 1,
          "UnhealthyThreshold": 3}

APP = textwrap.dedent('''\
    import os

    BODY = ('{"ok":true,"port":%s,"pid":%d}' % (os.environ["PORT"], os.getpid())).encode()
    START = {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}
    RESPONSE = {"type": "http.response.body", "body": BODY}


    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send(START)
        await send(RESPONSE)
''')

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: python3
    build:
      commands:
        build:
          - python3 -c "import uvicorn"
    run:
      command: python3 -m uvicorn app:app --host 127.0.0.1 --port $PORT --log-level warning --no-access-log --no-server-header --no-date-header
      network:
        port: 8080
''')


@dataclass
class Get:
    """A pre-built GET request (what run_python sends; `vary` keeps it off bench_apprunner's body variation)."""

    operation: str
    host: str
    vary: bool = False

    @property
    def raw(self) -> bytes:
        return f"GET / HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: runnerlink-bench/1\r\n\r\n".encode()


class Process:
    """An already running process measured as a server (the app's instance, which runnerlink started)."""

    def __init__(self, name: str, port: int, pids: list[int], others: list[int] | None = None):
        self.name, self.port, self.pids, self.others = name, port, pids, others or []

    def cpu_seconds(self, pids: list[int] | None = None) -> float:
        total = 0.0
        for pid in self.pids if pids is None else pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


_WRK_GET = """
wrk.method = "GET"
wrk.path = "/"
wrk.headers["Host"] = "{host}"
wrk.headers["User-Agent"] = "runnerlink-bench/1"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.3f %.3f %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def run_wrk_get(port: int, request: Get, concurrency: int, seconds: float, cpus: set[int] | None) -> dict:
    """wrk, one thread, `concurrency` keep-alive connections, GET / with the request's Host."""
    return run_wrk_script(_WRK_GET.format(host=request.host), port, concurrency, seconds)


def measure(target: Process, request: Get, concurrency: int, seconds: float, generator) -> Result:
    cpu_before, others_before = target.cpu_seconds(), target.cpu_seconds(target.others)
    started = time.perf_counter()
    figures = generator(target.port, request, concurrency, seconds, None)
    wall = time.perf_counter() - started
    server_cpu = (target.cpu_seconds() - cpu_before) / wall
    result = Result(target.name, request.operation, concurrency, server_cpu=server_cpu, **figures)
    result.rps = result.requests / result.seconds if result.seconds else 0.0
    if target.others:
        others = (target.cpu_seconds(target.others) - others_before) / wall
        result.notes.append(f"app {others * 1e6 / result.rps if result.rps else math.nan:.1f} us/req")
    return result


# --- the service ---------------------------------------------------------------------------------------------------

def client(url: str):
    import boto3
    from botocore.config import Config

    return boto3.client("apprunner", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                        aws_secret_access_key="test-secret-key", config=Config(retries={"max_attempts": 1}))


def create_and_wait(apprunner, name: str, app_dir: Path, timeout: float = 120) -> tuple[dict, float, float]:
    """Create a service from app_dir and poll until it is RUNNING: (service, time.time() at the call, seconds)."""
    source = {"CodeRepository": {"RepositoryUrl": f"file://{app_dir}",
                                 "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                                 "CodeConfiguration": {"ConfigurationSource": "REPOSITORY"}},
              "AutoDeploymentsEnabled": False}
    called, started = time.time(), time.perf_counter()
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=source,
                                       HealthCheckConfiguration=HEALTH)["Service"]
    while True:
        status = apprunner.describe_service(ServiceArn=service["ServiceArn"])["Service"]["Status"]
        if status == "RUNNING":
            return service, called, time.perf_counter() - started
        if status != "OPERATION_IN_PROGRESS":
            raise RuntimeError(f"service {name} ended {status}, not RUNNING")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"service {name} not RUNNING after {timeout} s")
        time.sleep(0.005)


# The deployment log's events that mark the steps (runtime/deploy.py and runtime/supervisor.py say them).
STEPS = (("picked up", "started (operation"), ("checked out", ": build: "), ("built", "build succeeded"),
         ("started", "Health check: "), ("healthy", "Health check passed"), ("recorded", "succeeded: deployment"))


def breakdown(apps_dir: Path, service: dict, called: float) -> dict[str, float]:
    """Seconds from the CreateService call to each step, from the service's deployment log."""
    path = apps_dir / service["ServiceId"] / "build.log"
    entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    found: dict[str, float] = {}
    for label, marker in STEPS:
        entry = next((e for e in entries if marker in e["text"]), None)
        if entry is not None:
            found[label] = entry["time"] - called
    return found


def instance_of(url: str, host: str) -> tuple[int, int]:
    """(port, pid) of the instance serving host, from its own answer through the edge."""
    status, body = exchange(int(url.rsplit(":", 1)[1]), Get("probe", host).raw)
    if status != 200:
        raise RuntimeError(f"GET through the edge answered {status}: {body[:300]!r}")
    answer = json.loads(body)
    return int(answer["port"]), int(answer["pid"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--duration", type=float, default=2.0, help="seconds per measured round (default 2)")
    parser.add_argument("-r", "--rounds", type=int, default=3, help="rounds per figure, edge and direct alternating")
    parser.add_argument("-w", "--warmup", type=float, default=1.0, help="seconds of untimed load per path first")
    parser.add_argument("-c", "--concurrency", default="1,16", help="comma-separated client counts (default 1,16)")
    parser.add_argument("-n", "--creations", type=int, default=5,
                        help="trivial services created and timed to RUNNING, one after another (default 5)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if installed (auto), or bench_apprunner.py's Python one")
    parser.add_argument("--json", metavar="FILE", help="also write every round to FILE as JSON")
    args = parser.parse_args(argv)
    args.concurrency = [int(value) for value in args.concurrency.split(",") if value.strip()]
    if not args.concurrency or min(args.concurrency) < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--concurrency, --rounds and --duration must be positive")
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("--client wrk: wrk is not installed (apt-get install wrk), or use --client python")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    generator = run_wrk_get if use_wrk else run_python
    generator_name = "python (closed loop, raw keep-alive sockets, in separate processes)"
    if use_wrk:
        first = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
        generator_name = (first[0].split(" [")[0] if first else "wrk") + " (1 thread)"
    print(f"runnerlink apps benchmark: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; load generator: {generator_name}")
    print(f"each figure: best of {args.rounds} rounds of {args.duration:g} s (edge and direct alternating), after "
          f"{args.warmup:g} s warm-up per path; keep-alive, one request in flight per client")

    work = Path(tempfile.mkdtemp(prefix="runnerlink-bench-apps-"))
    app_dir = work / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(APP)
    (app_dir / "apprunner.yaml").write_text(APPRUNNER_YAML)
    # The server's TMPDIR is ours, so the memory store's applications directory (runnerlink-apps-*) is found here.
    server_tmp = work / "tmp"
    server_tmp.mkdir()
    port = free_port()
    # `env` execs the server, so the process measured is runnerlink's own.
    runnerlink = Server("runnerlink", ["env", f"TMPDIR={server_tmp}", "RUNNERLINK_CONTAINER_ENGINE=none",
                                       sys.executable, "-m", "runnerlink", "serve", "--port", str(port),
                                       "--state", "memory", "--lifecycle-delay", "0",
                                       "--gateway-port", str(free_port())], port, "/_runnerlink/health", None)
    report: dict = {"settings": dict(vars(args)), "generator": generator_name}
    status = 0
    try:
        runnerlink.start()
        apps_dir = next(server_tmp.glob("runnerlink-apps-*"))
        apprunner = client(runnerlink.url)

        service, called, seconds = create_and_wait(apprunner, "bench-app", app_dir)
        host = service["ServiceUrl"]
        app_port, app_pid = instance_of(runnerlink.url, host)
        direct_status, direct_body = exchange(app_port, Get("probe", "127.0.0.1").raw)
        if direct_status != 200 or json.loads(direct_body)["pid"] != app_pid:
            raise RuntimeError(f"the instance on port {app_port} answered {direct_status}: {direct_body[:300]!r}")
        print(f"\nservice {host}: instance pid {app_pid} on port {app_port} (RUNNING {seconds:.2f} s after "
              f"CreateService)", flush=True)

        edge = Process("edge", port, [runnerlink.process.pid], others=[app_pid])
        direct = Process("direct", app_port, [app_pid])
        request_edge, request_direct = Get("GET /", host), Get("GET /", f"127.0.0.1:{app_port}")
        requests = {"edge": request_edge, "direct": request_direct}
        if args.warmup > 0:
            for target in (direct, edge):
                generator(target.port, requests[target.name], max(args.concurrency), args.warmup, None)
        results: list[Result] = []
        for concurrency in args.concurrency:
            rounds: dict[str, list[Result]] = {"direct": [], "edge": []}
            for _ in range(args.rounds):
                for target in (direct, edge):
                    rounds[target.name].append(measure(target, requests[target.name], concurrency, args.duration,
                                                       generator))
            for name, measured in rounds.items():
                result = best_of(measured)
                results.append(result)
                status = 1 if result.errors else status
                print(f"  {name:<7} {concurrency:>3} clients: {result.rps:8.0f} req/s (rounds: "
                      f"{', '.join(f'{r.rps:.0f}' for r in measured)}), p50 {fmt(result.p50_ms, 3)} ms", flush=True)

        print()
        print_rows(results, server_title="path", server_width=7)
        print("\n(srv CPU and CPU us/req: edge = runnerlink's process, direct = the app's; the notes give the app's CPU "
              "per request during the edge's best round)")
        print(f"\nedge / direct (target: throughput ratio >= {TARGET:.2f}):")
        by_key = {(r.server, r.concurrency): r for r in results}
        ratios = {}
        for concurrency in args.concurrency:
            edge_r, direct_r = by_key[("edge", concurrency)], by_key[("direct", concurrency)]
            ratio = edge_r.rps / direct_r.rps if direct_r.rps else math.nan
            ratios[concurrency] = ratio
            print(f"  {concurrency:>3} clients: throughput {fmt(ratio)} "
                  f"({'meets target' if ratio >= TARGET else 'BELOW target'}), p50 {fmt(edge_r.p50_ms / direct_r.p50_ms)}x;"
                  f" runnerlink spends {fmt(cpu_per_request_us(edge_r), 1)} us of CPU per proxied request, the app "
                  f"{fmt(cpu_per_request_us(direct_r), 1)} us per request")

        timings = []
        print(f"\nCreateService -> RUNNING, {args.creations} trivial services one after another "
              f"(lifecycle delay 0; health check HTTP /, interval 1 s, healthy threshold 1):")
        for index in range(args.creations):
            created, called, seconds = create_and_wait(apprunner, f"trivial-{index}", app_dir)
            steps = breakdown(apps_dir, created, called)
            timings.append({"seconds": seconds, "steps": steps})
            print(f"  trivial-{index}: {seconds:.3f} s  (" + ", ".join(f"{k} {v:.3f}" for k, v in steps.items())
                  + ")", flush=True)
        if timings:
            median = statistics.median(t["seconds"] for t in timings)
            labels = [label for label, _ in STEPS]
            medians = {label: statistics.median(t["steps"][label] for t in timings if label in t["steps"])
                       for label in labels if any(label in t["steps"] for t in timings)}
            print(f"  median {median:.3f} s; median seconds after CreateService: "
                  + ", ".join(f"{k} {v:.3f}" for k, v in medians.items()))
        report.update({"throughput": [asdict(r) for r in results], "ratios": ratios, "creations": timings})
    finally:
        runnerlink.stop()
        shutil.rmtree(work, ignore_errors=True)
    write_report(args.json, report)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
