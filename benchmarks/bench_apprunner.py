"""Throughput and latency of runnerlink's DescribeService, ListServices and DescribeVpcEndpoints, next to the bare
HTTP stack.

    python benchmarks/bench_apprunner.py                       # SQLite store (the default), 1 and 16 clients
    python benchmarks/bench_apprunner.py --state both -d 5     # SQLite and memory stores, 5 s per measurement
    python benchmarks/bench_apprunner.py --client python       # the pure-Python load generator instead of wrk
    python benchmarks/bench_apprunner.py --vary -o DescribeVpcEndpoints   # one operation, every request new

Two servers run side by side, each a real process on the same HTTP stack (uvicorn with the options `runnerlink
serve` uses): `runnerlink serve`, and benchmarks/bare_app.py, a trivial ASGI app answering a fixed small JSON body.
Both receive byte-for-byte the same pre-built, SigV4-signed requests from the same load generator, a closed loop of
N keep-alive connections (one request in flight per connection): wrk when it is installed, else a pure-Python client
in separate processes. With two or more CPUs, servers are pinned to the first CPU and the load generator to the
others, so the generator never takes the server's CPU. Before measuring, each request is sent once and its answer
checked (status 200, the expected page), so a benchmark can never time fast errors.

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ACCOUNT = "111122223333"
REGION = "us-east-1"
TARGET_RATIO = 0.5  # the target: at least half the bare stack's throughput
OPERATIONS = ("DescribeService", "ListServices", "DescribeVpcEndpoints")
IMAGE = {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC"}


# --- servers -------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server child process, optionally pinned to a set of CPUs."""

    def __init__(self, name: str, argv: list[str], port: int, health_path: str, cpus: set[int] | None,
                 env: dict[str, str] | None = None):
        self.name, self.argv, self.port, self.health_path, self.cpus = name, argv, port, health_path, cpus
        self.env = env
        self.state_dir: str | None = None
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> "Server":
        cpus = self.cpus
        self.process = subprocess.Popen(
            self.argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def check_uvicorn_options() -> str | None:
    """A warning when bare_app.py no longer runs uvicorn with the options `runnerlink serve` passes to uvicorn.run
    (server/serving.py's UVICORN_OPTIONS, with the log level from settings, default "warning")."""
    sys.path.insert(0, str(HERE))
    from bare_app import UVICORN_OPTIONS

    from runnerlink.server.serving import UVICORN_OPTIONS as SERVE_OPTIONS

    options = {"log_level": UVICORN_OPTIONS["log_level"], **SERVE_OPTIONS}
    if options != UVICORN_OPTIONS:
        return f"uvicorn options differ: runnerlink serve {options} vs bare_app.py {UVICORN_OPTIONS}"
    return None


def http_stack() -> str:
    import uvicorn

    parts = [f"uvicorn {uvicorn.__version__}"]
    for module in ("uvloop", "httptools"):
        try:
            parts.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            parts.append(f"no {module} (uvicorn falls back to asyncio/h11)")
    return ", ".join(parts)


# --- requests ------------------------------------------------------------------------------------------------------

VARY_BITS = 48  # --vary: a request counter spelled in JSON whitespace, unique for 2**48 requests
WHITESPACE = b" \t"  # a JSON body's two spellings of a bit
LIST_INDEX_DIGITS = b"12"  # an ec2 query list index's (VpcEndpointId.1<48 of these>=…: any index is one list item)
_runs = iter(range(1, 1 << 16))  # --vary: each load-generator run counts from (its number << 32), so runs never repeat


def vary_start(request: "Request") -> int | None:
    return next(_runs) << 32 if request.vary else None


def whitespace(counter: int, alphabet: bytes = WHITESPACE) -> bytes:
    """VARY_BITS characters of alphabet (two bytes: JSON whitespace by default) that differ for every counter."""
    return format(counter % (1 << VARY_BITS), f"0{VARY_BITS}b").encode().translate(bytes.maketrans(b"01", alphabet))


@dataclass
class Request:
    """One pre-built, SigV4-signed request, and the check its answer must pass."""

    operation: str
    headers: list[tuple[str, str]]  # in order, Host first, Content-Length last
    body: bytes
    vary: bool = False  # body ends in VARY_BITS bytes + a fixed suffix, which the load generators vary per request
    vary_alphabet: bytes = WHITESPACE  # the two bytes the varying run is spelled in
    vary_suffix: bytes = b"}"  # what follows the varying run (a JSON body's closing brace)

    @property
    def raw(self) -> bytes:
        head = "".join(f"{name}: {value}\r\n" for name, value in self.headers)
        return f"POST / HTTP/1.1\r\n{head}\r\n".encode() + self.body

    def varying(self) -> "Request":
        """The same request with room for the varying run before vary_suffix: whitespace before a JSON body's closing
        brace, or digits of a form's last list index (the signature no longer matches the body: runnerlink doesn't
        verify signatures, and the bare app doesn't look)."""
        suffix = self.vary_suffix
        assert suffix and self.body.endswith(suffix)
        body = self.body[:-len(suffix)] + whitespace(0, self.vary_alphabet) + suffix
        headers = [(name, str(len(body)) if name.lower() == "content-length" else value) for name, value in self.headers]
        return Request(self.operation, headers, body, True, self.vary_alphabet, suffix)


def variant(raw: bytes, counter: int, alphabet: bytes = WHITESPACE, suffix: int = 1) -> bytes:
    """A varying request's raw bytes with the run for counter (same length: Content-Length holds); suffix is how many
    fixed bytes follow the run."""
    return raw[:-VARY_BITS - suffix] + whitespace(counter, alphabet) + raw[-suffix:]


def signed_request(url: str, target: str, payload: dict, key: str = ACCOUNT, secret: str = "test-secret-key",
                   token: str | None = None) -> Request:
    """Sign once, properly (runnerlink verifies signatures only with --iam enforce; these pass there and on AWS)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps(payload).encode()
    host = url.split("://", 1)[1]
    request = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Host": host,
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": target,
        "User-Agent": "runnerlink-bench/1",
    })
    SigV4Auth(Credentials(key, secret, token), "apprunner", REGION).add_auth(request)
    headers = [(name, value) for name, value in request.headers.items() if name.lower() != "content-length"]
    headers.sort(key=lambda item: item[0].lower() != "host")
    headers.append(("Content-Length", str(len(body))))
    return Request(target.rsplit(".", 1)[1], headers, body)


def signed_ec2_form(url: str, params: dict[str, str]) -> tuple[list[tuple[str, str]], bytes]:
    """The headers (Host first, Content-Length last) and body of an ec2 query request as botocore sends it
    (form-encoded POST, in the order of params), signed once with SigV4."""
    from urllib.parse import urlencode

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urlencode(params).encode()
    request = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Host": url.split("://", 1)[1],
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "User-Agent": "runnerlink-bench/1",
    })
    SigV4Auth(Credentials(ACCOUNT, "test-secret-key"), "ec2", REGION).add_auth(request)
    headers = [(name, value) for name, value in request.headers.items() if name.lower() != "content-length"]
    headers.sort(key=lambda item: item[0].lower() != "host")
    headers.append(("Content-Length", str(len(body))))
    return headers, body


def signed_describe_vpc_endpoints(url: str, endpoint_id: str) -> Request:
    """DescribeVpcEndpoints VpcEndpointId.1=endpoint_id as botocore sends it (ec2 query protocol, form-encoded POST),
    signed once. The list item comes last, so --vary can spell its index (VpcEndpointId.1<digits>): one id, always."""
    headers, body = signed_ec2_form(url, {"Action": "DescribeVpcEndpoints", "Version": "2016-11-15",
                                          "VpcEndpointId.1": endpoint_id})
    return Request("DescribeVpcEndpoints", headers, body, vary_alphabet=LIST_INDEX_DIGITS,
                   vary_suffix=f"={endpoint_id}".encode())


def exchange(port: int, raw: bytes) -> tuple[int, bytes]:
    """Send one request on a fresh connection; (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        reader = _ResponseReader()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection before answering")
            done = reader.feed(chunk)
            if done is not None:
                return done


class _ResponseReader:
    """Minimal HTTP/1.1 response framing for Content-Length responses (what both servers send)."""

    __slots__ = ("buffer", "body_at", "need", "close")

    def __init__(self) -> None:
        self.buffer = b""
        self.body_at = -1
        self.need = -1
        self.close = False  # the last response said "Connection: close": the next request needs a new connection

    def feed(self, chunk: bytes) -> tuple[int, bytes] | None:
        """Add received bytes; (status, body) once a whole response is in, else None."""
        self.buffer += chunk
        if self.need < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return None
            head = self.buffer[:end].lower() + b"\r\n"
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                raise RuntimeError(f"response without content-length: {head[:200]!r}")
            self.body_at = end + 4
            self.need = self.body_at + int(head[at + 17:head.find(b"\r\n", at + 2)])
            self.close = b"\r\nconnection: close\r\n" in head
        if len(self.buffer) < self.need:
            return None
        answer = int(self.buffer[9:12]), self.buffer[self.body_at:self.need]
        self.buffer, self.body_at, self.need = b"", -1, -1
        return answer


def setup_services(url: str, count: int) -> list[str]:
    """Create `count` services through boto3, as a user would; their ARNs."""
    import boto3
    from botocore.config import Config

    client = boto3.client("apprunner", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCOUNT,
                          aws_secret_access_key="test-secret-key", config=Config(retries={"max_attempts": 1}))
    arns = []
    for index in range(count):
        answer = client.create_service(
            ServiceName=f"bench-service-{index:03d}",
            SourceConfiguration={"ImageRepository": IMAGE, "AutoDeploymentsEnabled": False},
        )
        arns.append(answer["Service"]["ServiceArn"])
    listed = []
    token = None
    for _ in range(count // 20 + 2):  # bounded: at most every page of `count` services, plus one
        page = client.list_services(MaxResults=20, **({"NextToken": token} if token else {}))
        listed += page["ServiceSummaryList"]
        token = page.get("NextToken")
        if not token:
            break
    if len(listed) != count:
        raise RuntimeError(f"ListServices lists {len(listed)} services after creating {count}")
    return arns


def build_requests(url: str, arns: list[str], **credentials: str) -> list[tuple[Request, callable]]:
    middle = arns[len(arns) // 2]
    page = min(20, len(arns))

    def check_describe(body: dict) -> bool:
        return body.get("Service", {}).get("ServiceArn") == middle

    def check_list(body: dict) -> bool:
        return len(body.get("ServiceSummaryList", [])) == page and (len(arns) <= 20 or "NextToken" in body)

    return [
        (signed_request(url, "AppRunner.DescribeService", {"ServiceArn": middle}, **credentials), check_describe),
        (signed_request(url, "AppRunner.ListServices", {"MaxResults": 20}, **credentials), check_list),
    ]


def build_ec2_request(url: str, target: dict) -> tuple[Request, callable]:
    """DescribeVpcEndpoints of one of the measured VPC's five endpoints (bench_ec2.py's setup_target), and its check."""
    endpoint = target["endpoints"][2]  # not the first created: no luck of order

    def check_endpoints(text: str) -> bool:
        return re.findall(r"<vpcEndpointId>([^<]+)</vpcEndpointId>", text) == [endpoint]

    return signed_describe_vpc_endpoints(url, endpoint), check_endpoints


def verify(request: Request, port: int, check) -> int:
    """Send the request once to runnerlink; it must succeed with the expected content (a JSON answer decoded, an XML
    one as text). The response size."""
    status, body = exchange(port, request.raw)
    if status != 200:
        raise RuntimeError(f"{request.operation} answered {status}: {body[:500]!r}")
    if not check(body.decode() if body.startswith(b"<") else json.loads(body)):
        raise RuntimeError(f"{request.operation} answered unexpected content: {body[:500]!r}")
    return len(body)


# --- load generators -----------------------------------------------------------------------------------------------

@dataclass
class Result:
    server: str
    operation: str
    concurrency: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    server_cpu: float = math.nan  # fraction of one CPU during the measurement
    client_cpu: float = math.nan  # CPUs' worth the load generator used (1.0 = one full CPU)
    notes: list[str] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.path = "/"
wrk.body = {body}
{headers}
{vary}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.3f %.3f %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
"""


# --vary: each wrk thread counts its own requests from a start of its own, and spells the count in whitespace.
_WRK_VARY = """
local threads = 0
setup = function(thread)
  thread:set("first", {start} + threads * 2^28)
  threads = threads + 1
end
local counter = nil
local prefix = string.sub(wrk.body, 1, -{cut})
local suffix = string.sub(wrk.body, -{suffix})
request = function()
  counter = (counter or first) + 1
  local n, spaces = counter, {{}}
  for i = {bits}, 1, -1 do
    spaces[i] = (n % 2 == 1) and {one} or {zero}
    n = math.floor(n / 2)
  end
  return wrk.format(nil, nil, nil, prefix .. table.concat(spaces) .. suffix)
end
"""


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def run_wrk(port: int, request: Request, concurrency: int, seconds: float, cpus: set[int] | None) -> dict:
    headers = "\n".join(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}"
                        for name, value in request.headers if name.lower() != "content-length")
    start = vary_start(request)
    vary = ""
    if start is not None:
        zero, one = (_lua_string(chr(byte)) for byte in request.vary_alphabet)
        suffix = len(request.vary_suffix)
        vary = _WRK_VARY.format(cut=VARY_BITS + suffix + 1, suffix=suffix, bits=VARY_BITS, start=start, zero=zero,
                                one=one)
    script = _WRK_SCRIPT.format(body=_lua_string(request.body.decode()), headers=headers, vary=vary)
    threads = max(1, min(concurrency, len(cpus) if cpus else 1))
    return run_wrk_script(script, port, concurrency, seconds, threads, cpus)


def run_wrk_script(script: str, port: int, concurrency: int, seconds: float, threads: int = 1,
                   cpus: set[int] | None = None) -> dict:
    """wrk with a Lua script whose done() prints the BENCH line: its figures, and wrk's own CPU share."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    argv = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--timeout",
            "5s", "-s", handle.name, f"http://127.0.0.1:{port}/"]
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30,
                              preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(handle.name)
    line = next((row for row in done.stdout.splitlines() if row.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    requests, micros, p50, p99, *errors = (float(value) for value in line.split()[1:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"requests": int(requests), "seconds": micros / 1e6, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "errors": int(sum(errors)), "client_cpu": cpu / wall}


def _python_worker(port: int, raw: bytes, vary_from: tuple[int, bytes, int] | None, connections: int,
                   measure_at: float, end_at: float, cpus: set[int] | None, results) -> None:
    """A closed loop over `connections` keep-alive connections from measure_at until end_at (both time.time()).
    With vary_from (start, alphabet, suffix length), every request's varying run spells the next count from start
    (see Request.varying).
    Puts (latencies, errors, CPU seconds, wall seconds) on `results`, or an error message."""
    try:
        _python_loop(port, raw, vary_from, connections, measure_at, end_at, cpus, results)
    except Exception as exc:  # reported by the parent, which would otherwise wait in vain
        results.put(f"load generator process failed: {exc!r}")


def _python_loop(port: int, raw: bytes, vary_from: tuple[int, bytes, int] | None, connections: int,
                 measure_at: float, end_at: float, cpus: set[int] | None, results) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)
    clock = time.perf_counter
    # time.time() is shared between processes; convert the window into this process's perf_counter.
    offset = clock() - time.time()
    measure_at += offset
    end_at += offset
    selector = selectors.DefaultSelector()
    readers = {}
    sent_at = {}

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        readers[sock] = _ResponseReader()
        return sock

    def resend(closed: socket.socket) -> None:
        """A server that closes after every answer (moto's werkzeug sends "Connection: close"), handled as wrk
        handles it: the next request goes on a new connection (its latency counts from the new send, after the
        connect, as wrk counts it); one cut off before its answer is sent again."""
        selector.unregister(closed)
        closed.close()
        del readers[closed]
        sock = connect()
        sent_at[sock] = clock()
        sock.sendall(next_request())

    for _ in range(connections):
        connect()
    latencies: list[float] = []
    errors = 0
    counter, alphabet, suffix = vary_from or (None, WHITESPACE, 1)

    def next_request() -> bytes:
        nonlocal counter
        if counter is None:
            return raw
        counter += 1
        return variant(raw, counter, alphabet, suffix)

    time.sleep(max(0.0, measure_at - clock()))  # start every connection of every worker together
    cpu_start = time.process_time()
    for sock in readers:
        sent_at[sock] = clock()
        sock.sendall(next_request())  # a request is far smaller than a socket buffer: never blocks
    open_count = connections
    while open_count:
        for key, _ in selector.select(timeout=1.0):
            sock = key.fileobj
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if readers[sock].buffer:
                    raise RuntimeError("the server closed a connection in the middle of a response")
                resend(sock)
                continue
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
            if readers[sock].close:
                resend(sock)
                continue
            sent_at[sock] = now
            try:
                sock.sendall(next_request())
            except (BrokenPipeError, ConnectionResetError):
                resend(sock)
    cpu = time.process_time() - cpu_start
    results.put((latencies, errors, cpu, clock() - measure_at))


def run_python(port: int, request: Request, concurrency: int, seconds: float, cpus: set[int] | None) -> dict:
    """The fallback load generator: processes on the client CPUs, each with a share of the connections."""
    processes = max(1, min(concurrency, len(cpus) if cpus else (os.cpu_count() or 1)))
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    results = context.Queue()
    measure_at = time.time() + 0.5  # time for every worker to start and connect
    start = vary_start(request)
    workers = [context.Process(target=_python_worker,
                               args=(port, request.raw, None if start is None else
                                     (start + (index << 28), request.vary_alphabet, len(request.vary_suffix)), share,
                                     measure_at, measure_at + seconds, cpus, results))
               for index, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors, cpu, wall = 0, 0.0, 0.0
    for _ in workers:
        answer = results.get(timeout=seconds + 30)
        if isinstance(answer, str):
            raise RuntimeError(answer)
        part, part_errors, part_cpu, part_wall = answer
        latencies += part
        errors += part_errors
        cpu += part_cpu
        wall = max(wall, part_wall)
    for worker in workers:
        worker.join(timeout=10)
    latencies.sort()

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else math.nan

    return {"requests": len(latencies), "seconds": wall, "p50_ms": percentile(0.50), "p99_ms": percentile(0.99),
            "errors": errors, "client_cpu": cpu / wall if wall else math.nan}


def measure(server: Server, request: Request, concurrency: int, seconds: float, client_cpus, generator) -> Result:
    cpu_before, started = server.cpu_seconds(), time.perf_counter()
    figures = generator(server.port, request, concurrency, seconds, client_cpus)
    server_cpu = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - started)
    result = Result(server.name, request.operation, concurrency, server_cpu=server_cpu, **figures)
    result.rps = result.requests / result.seconds if result.seconds else 0.0
    return result


def best_of(rounds: list[Result]) -> Result:
    """The round least disturbed by anything else on the machine (the highest throughput), with the spread of all
    rounds and the lowest server CPU cost per request."""
    best = max(rounds, key=lambda r: r.rps)
    summary = Result(**{**asdict(best), "notes": list(best.notes)})
    summary.errors = sum(r.errors for r in rounds)
    if len(rounds) > 1:
        summary.notes.append(f"req/s {min(r.rps for r in rounds):.0f}-{max(r.rps for r in rounds):.0f} "
                             f"over {len(rounds)} rounds")
    if summary.errors:
        summary.notes.append(f"{summary.errors} ERRORS (non-200 or socket errors)")
    summary.rounds = [asdict(r) for r in rounds]
    return summary


def cpu_per_request_us(result: Result) -> float:
    """Server CPU time per request: the throughput-independent cost (1e6 / this = req/s of one fully busy core)."""
    return result.server_cpu * 1e6 / result.rps if result.rps else math.nan


# --- the run -------------------------------------------------------------------------------------------------------

def split_cpus(pin: str) -> tuple[set[int] | None, set[int] | None, str]:
    try:
        available = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None, None, "not pinned (no sched_setaffinity here)"
    if pin == "none":
        return None, None, f"not pinned: the OS schedules servers and load generator on {len(available)} CPUs"
    if len(available) < 2:
        return None, None, "not pinned: only one CPU, servers and load generator share it (figures are pessimistic)"
    server, clients = {available[0]}, set(available[1:])
    return server, clients, f"servers pinned to CPU {available[0]}, load generator to CPU(s) {sorted(clients)}"


def fmt(value: float, digits: int = 2) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def print_rows(results: list[Result], server_title: str = "server", server_width: int = 11,
               stored: bool = False) -> None:
    """The per-figure table every benchmark here prints (stored: a population column, as bench_ec2.py has)."""
    stored_head = f"{'stored':<6} " if stored else ""
    header = (f"{'operation':<20} {stored_head}{'clients':>7} {server_title:<{server_width}} {'req/s':>8} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'srv CPU':>7} {'CPU us/req':>10}  notes")
    print(header)
    print("-" * len(header))
    for r in results:
        stored_cell = f"{r.population:<6} " if stored else ""
        print(f"{r.operation:<20} {stored_cell}{r.concurrency:>7} {r.server:<{server_width}} {r.rps:>8.0f} "
              f"{fmt(r.p50_ms, 3):>7} {fmt(r.p99_ms, 3):>7} {fmt(r.server_cpu * 100, 0) + '%':>7} "
              f"{fmt(cpu_per_request_us(r), 1):>10}  {'; '.join(r.notes)}")


def write_report(path: str | None, report: dict) -> None:
    """Every round of every figure as JSON, when --json asks for it."""
    if path:
        Path(path).write_text(json.dumps(report, indent=2))
        print(f"wrote {path}")


def print_table(results: list[Result], state: str) -> None:
    print(f"\n== runnerlink store: {state} ==")
    print_rows(results)
    print(f"\nrunnerlink / bare (target: throughput ratio >= {TARGET_RATIO:.2f}; the CPU-cost ratio, bare's server CPU"
          f" per request over runnerlink's, is the same ratio for fully busy servers and is steadier under noise):")
    by_key = {(r.server, r.operation, r.concurrency): r for r in results}
    for r in results:
        if r.server not in ("runnerlink", "baseline"):
            continue
        bare = by_key.get(("bare", r.operation, r.concurrency))
        ratio = r.rps / bare.rps if bare and bare.rps else math.nan
        cost = cpu_per_request_us(bare) / cpu_per_request_us(r) if bare else math.nan
        verdict = "meets target" if ratio >= TARGET_RATIO else "BELOW target"
        label = "" if r.server == "runnerlink" else " (baseline)"
        print(f"  {r.operation:<20} {r.concurrency:>3} clients{label}: throughput {fmt(ratio)} ({verdict}), "
              f"CPU cost {fmt(cost)}")
    if any(r.server == "baseline" for r in results):
        print("\nrunnerlink / baseline (the same rounds): CPU per request, baseline's over runnerlink's (above 1: "
              "runnerlink is cheaper), and throughput")
        for r in results:
            base = by_key.get(("baseline", r.operation, r.concurrency)) if r.server == "runnerlink" else None
            if base is not None:
                print(f"  {r.operation:<20} {r.concurrency:>3} clients: CPU {fmt(cpu_per_request_us(base), 1)} -> "
                      f"{fmt(cpu_per_request_us(r), 1)} us/req ({fmt(cpu_per_request_us(base) / cpu_per_request_us(r))}x"
                      f"), req/s {base.rps:.0f} -> {r.rps:.0f}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--duration", type=float, default=2.0,
                        help="seconds of each measured round (default 2; wrk takes whole seconds)")
    parser.add_argument("-r", "--rounds", type=int, default=3,
                        help="rounds per figure, bare and runnerlink alternating; the best is reported (default 3)")
    parser.add_argument("-w", "--warmup", type=float, default=1.0,
                        help="seconds of untimed load per server and operation before measuring (default 1)")
    parser.add_argument("-c", "--concurrency", default="1,16",
                        help="comma-separated numbers of concurrent clients (default 1,16)")
    parser.add_argument("--state", choices=("sqlite", "memory", "both"), default="sqlite",
                        help="runnerlink's store: sqlite (the default configuration), memory, or both")
    parser.add_argument("--services", type=int, default=25,
                        help="services created before measuring (default 25: ListServices pages of 20 are full)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if installed (auto), or the pure-Python one")
    parser.add_argument("--pin", choices=("none", "split"), default="none",
                        help="none (default): the OS places processes; split: servers on the first CPU, the load "
                             "generator on the others (see README: on VMs cross-CPU wake-ups then dominate)")
    parser.add_argument("--vary", action="store_true",
                        help="give every request a body of its own (a counter spelled in JSON whitespace), so no "
                             "answer comes from runnerlink's read cache: the uncached cost")
    parser.add_argument("-o", "--operations", default=",".join(OPERATIONS),
                        help=f"comma-separated operations to measure (default {','.join(OPERATIONS)})")
    parser.add_argument("--baseline", metavar="SRC",
                        help="also measure the runnerlink package in SRC (another checkout's src/, e.g. the main "
                             "branch's) as server 'baseline', in the same alternating rounds: before/after figures "
                             "under the same conditions")
    parser.add_argument("--json", metavar="FILE", help="also write every figure, every round, to FILE as JSON")
    args = parser.parse_args(argv)
    args.concurrency = [int(value) for value in args.concurrency.split(",") if value.strip()]
    if not args.concurrency or min(args.concurrency) < 1:
        parser.error("--concurrency needs positive numbers")
    if args.baseline and not (Path(args.baseline) / "runnerlink" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no runnerlink package there (give a checkout's src/)")
    args.operations = [value.strip() for value in args.operations.split(",") if value.strip()]
    unknown = sorted(set(args.operations) - set(OPERATIONS))
    if unknown or not args.operations:
        parser.error(f"--operations: choose from {', '.join(OPERATIONS)}" + (f" (not {unknown[0]})" if unknown else ""))
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds and --duration must be positive")
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("--client wrk: wrk is not installed (apt-get install wrk), or use --client python")
    return args


def runnerlink_server(name: str, state: str, cpus: set[int] | None, source: str | None = None) -> "Server":
    """A `runnerlink serve` child (a fresh state directory for sqlite); source: run the runnerlink package found in
    that directory (a checkout's src/) instead of the installed one (--baseline)."""
    state_dir = tempfile.mkdtemp(prefix="runnerlink-bench-") if state == "sqlite" else None
    port = free_port()
    env = None
    if source is not None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])}
    server = Server(name, [sys.executable, "-m", "runnerlink", "serve", "--port", str(port), "--state",
                           state_dir or "memory", "--lifecycle-delay", "0.1", "--gateway-port", str(free_port())],
                    port, "/_runnerlink/health", cpus, env=env)
    server.state_dir = state_dir
    return server


def prepare(server: "Server", args: argparse.Namespace) -> list[tuple[Request, callable]]:
    """The server's services (and, for DescribeVpcEndpoints, bench_ec2.py's measured VPC), and its requests."""
    arns = setup_services(server.url, args.services)
    requests = [item for item in build_requests(server.url, arns) if item[0].operation in args.operations]
    if "DescribeVpcEndpoints" in args.operations:
        from bench_ec2 import setup_target  # the measured VPC of bench_ec2.py's small population

        requests.append(build_ec2_request(server.url, setup_target(server.url)))
    if args.vary:
        requests = [(request.varying(), check) for request, check in requests]
    return requests


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    generator = run_wrk if use_wrk else run_python
    server_cpus, client_cpus, pinning = split_cpus(args.pin)
    states = ["sqlite", "memory"] if args.state == "both" else [args.state]

    generator_name = "python (closed loop, raw keep-alive sockets, in separate processes)"
    if use_wrk:
        first = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
        generator_name = first[0].split(" [")[0] if first else "wrk"
    print(f"runnerlink benchmark: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; HTTP stack: {http_stack()}")
    print(f"load generator: {generator_name}; {pinning}")
    print(f"each figure: best of {args.rounds} rounds of {args.duration:g} s (bare and runnerlink alternating), after "
          f"{args.warmup:g} s warm-up; {args.services} services; keep-alive, one request in flight per client")
    if "DescribeVpcEndpoints" in args.operations:
        print("DescribeVpcEndpoints: VpcEndpointId.1, one of five interface endpoints of a VPC with two subnets "
              "(bench_ec2.py's small population)")
    if args.vary:
        print("--vary: every request's body differs (JSON whitespace), so runnerlink answers none from its read cache")
    warning = check_uvicorn_options()
    if warning:
        print(f"WARNING: {warning}")

    bare_port = free_port()
    bare = Server("bare", [sys.executable, str(HERE / "bare_app.py"), "--port", str(bare_port)], bare_port, "/",
                  server_cpus)
    report = {"settings": dict(vars(args)), "stack": http_stack(), "generator": generator_name,
              "pinning": pinning, "runs": {}}
    status = 0
    started = time.monotonic()
    try:
        bare.start()
        for state in states:
            runnerlinks = [runnerlink_server("runnerlink", state, server_cpus)]
            if args.baseline:
                runnerlinks.append(runnerlink_server("baseline", state, server_cpus, args.baseline))
            try:
                requests: dict[str, list] = {}  # server name → [(request, check)], each signed for its own server
                for server in runnerlinks:
                    server.start()
                    requests[server.name] = prepare(server, args)
                time.sleep(0.3)  # past the lifecycle delay: every service RUNNING, every endpoint available
                requests["bare"] = requests["runnerlink"]
                for server in runnerlinks:
                    sizes = {request.operation: verify(request, server.port, check)
                             for request, check in requests[server.name]}
                    print(f"\n[{state}] {server.name} response bodies: "
                          + ", ".join(f"{op} {size} B" for op, size in sizes.items())
                          + f"; bare {len(exchange(bare.port, requests['bare'][0][0].raw)[1])} B", flush=True)
                servers = [bare, *runnerlinks]
                if args.warmup > 0:
                    for index in range(len(requests["bare"])):
                        for server in servers:
                            generator(server.port, requests[server.name][index][0], max(args.concurrency),
                                      args.warmup, client_cpus)
                results = []
                for concurrency in args.concurrency:
                    for index in range(len(requests["bare"])):
                        rounds: dict[str, list[Result]] = {server.name: [] for server in servers}
                        for _ in range(args.rounds):
                            for server in servers:
                                rounds[server.name].append(measure(server, requests[server.name][index][0],
                                                                   concurrency, args.duration, client_cpus,
                                                                   generator))
                        for name, measured in rounds.items():
                            result = best_of(measured)
                            results.append(result)
                            status = 1 if result.errors else status
                            print(f"  {name:<10} {result.operation:<20} {concurrency:>3} clients: "
                                  f"{result.rps:8.0f} req/s (rounds: "
                                  f"{', '.join(f'{r.rps:.0f}' for r in measured)}), p50 {fmt(result.p50_ms, 3)} ms, "
                                  f"p99 {fmt(result.p99_ms, 3)} ms, {fmt(cpu_per_request_us(result), 1)} us CPU/req",
                                  flush=True)
                print_table(results, state)
                report["runs"][state] = [asdict(result) for result in results]
            finally:
                for server in runnerlinks:
                    server.stop()
                    if server.state_dir:
                        shutil.rmtree(server.state_dir, ignore_errors=True)
    finally:
        bare.stop()
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    write_report(args.json, report)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
