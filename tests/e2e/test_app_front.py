"""The edge's front protocol (server/app_front.py): connections for a service's hostname are relayed below ASGI.
Spoken over raw sockets, to see the bytes: pipelining, chunked request bodies, a large streamed answer, HEAD,
keep-alive, a non-application connection on the same port, 421 for another name on an application connection, a
client going away mid-answer, and SIGINT with application connections open."""

from __future__ import annotations

import json
import signal
import socket
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.e2e.app_helpers import FAST_HEALTH, code_source, wait_settled
from tests.e2e.test_gateway import traffic
from tests.server import RunningServer

# An ASGI app (run by uvicorn, which decodes chunked request bodies and streams answers): GET /big?n=N streams N bytes
# without a length, GET /slow streams until the client goes away, GET /open says how many /slow answers are running,
# POST echoes its body with how it was framed, anything else answers JSON naming the request.
APP = textwrap.dedent('''\
    import asyncio, json

    OPEN = [0]


    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        headers = dict(scope["headers"])
        path, method = scope["path"], scope["method"]
        if method == "POST":
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            framing = b"chunked" if b"transfer-encoding" in headers else b"length"
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", str(len(body)).encode()), (b"x-framing", framing)]})
            await send({"type": "http.response.body", "body": body})
            return
        if path == "/big":
            left = int(scope["query_string"].decode().partition("=")[2])
            await send({"type": "http.response.start", "status": 200, "headers": []})
            while left > 0:
                piece = min(left, 65536)
                await send({"type": "http.response.body", "body": bytes([65 + left % 26]) * piece, "more_body": True})
                left -= piece
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/slow":
            OPEN[0] += 1
            gone = asyncio.ensure_future(receive())  # http.disconnect, once the client goes away
            try:
                await send({"type": "http.response.start", "status": 200, "headers": []})
                for _ in range(500):
                    if gone.done():
                        return
                    await send({"type": "http.response.body", "body": b"tick\\n", "more_body": True})
                    await asyncio.sleep(0.02)
                await send({"type": "http.response.body", "body": b""})
            finally:
                OPEN[0] -= 1
            return
        body = json.dumps({"path": path, "query": scope["query_string"].decode(), "method": method, "open": OPEN[0],
                           "forwardedFor": headers.get(b"x-forwarded-for", b"").decode()}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
''')

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: python3
    build:
      commands:
        build:
          - python3 -c "import uvicorn"
    run:
      command: python3 -m uvicorn app:app --host 127.0.0.1 --port $PORT --log-level warning --no-access-log
      network:
        port: 8080
''')


def _service(apprunner, directory: Path, name: str = "front") -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(APP)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML)
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=code_source(f"file://{directory}"),
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    return service


class Conn:
    """A raw HTTP/1.1 connection to the edge, reading answers by their framing."""

    def __init__(self, server) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise AssertionError(f"closed with {len(self.buffer)} of {size} bytes")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise AssertionError("closed before a line ended")
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def answer(self, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        status = int(self._line().split()[1])
        headers: dict[str, str] = {}
        while line := self._line():
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if head or status in (204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self._take(int(headers["content-length"]))
        assert headers.get("transfer-encoding") == "chunked", headers
        body = b""
        while size := int(self._line(), 16):
            body += self._take(size)
            assert self._take(2) == b"\r\n"
        assert self._line() == b""
        return status, headers, body

    def closed(self) -> bool:
        """The server closed the connection (after what was read)."""
        try:
            return not self._fill() and not self.buffer
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def _get(host: str, path: str, method: str = "GET", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def test_pipelined_requests_are_answered_in_order_and_the_connection_is_reused(server, apprunner, tmp_path):
    host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
    conn = Conn(server)
    conn.send(_get(host, "/one?a=1") + _get(host, "/two") + _get(f"{host}.localhost:{server.port}", "/three"))
    seen = [json.loads(conn.answer()[2])["path"] for _ in range(3)]
    assert seen == ["/one", "/two", "/three"]
    for i in range(5):  # kept alive: the same socket, one request after another
        conn.send(_get(host, f"/again{i}"))
        status, headers, body = conn.answer()
        assert status == 200 and json.loads(body)["path"] == f"/again{i}" and "connection" not in headers
    assert json.loads(body)["forwardedFor"] == "127.0.0.1"
    conn.close()
    logged = [e for e in traffic(server, service="apprunner") if e["host"] == host]
    assert {"GET /one", "GET /two", "GET /again4"} <= {e["operation"] for e in logged}
    assert all(e["status"] == 200 and e["application"]["via"] == "service" for e in logged)


def test_a_chunked_request_body_streams_to_the_app(server, apprunner, tmp_path):
    host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
    conn = Conn(server)
    conn.send(f"POST /echo HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    pieces = [b"a" * 10, b"b" * 70_000, b"c"]
    for piece in pieces:
        conn.send(b"%x\r\n%b\r\n" % (len(piece), piece))
        time.sleep(0.05)
    conn.send(b"0\r\n\r\n")
    status, headers, body = conn.answer()
    assert status == 200 and body == b"".join(pieces) and headers["x-framing"] == "chunked"
    data = b"z" * 1_000_000  # a length-framed body larger than the edge's read buffer, and a request after it
    conn.send(f"POST /echo HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data
              + _get(host, "/after"))
    status, headers, body = conn.answer()
    assert status == 200 and body == data and headers["x-framing"] == "length"
    assert json.loads(conn.answer()[2])["path"] == "/after"
    conn.close()


def test_a_large_answer_streams_and_head_has_no_body(server, apprunner, tmp_path):
    host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
    conn = Conn(server)
    size = 2_000_000
    conn.send(_get(host, f"/big?n={size}"))
    status, headers, body = conn.answer()
    assert status == 200 and headers["transfer-encoding"] == "chunked" and len(body) == size
    big = 16_000_000  # a client that reads late: the edge stops reading from the instance meanwhile, then resumes
    conn.send(_get(host, f"/big?n={big}"))
    time.sleep(0.5)
    status, headers, body = conn.answer()
    assert status == 200 and len(body) == big and body[:1] == bytes([65 + big % 26])
    conn.send(_get(host, "/x", method="HEAD"))
    status, headers, body = conn.answer(head=True)
    assert status == 200 and headers["content-length"] != "0"
    conn.send(_get(host, "/after-head"))  # nothing of a body followed the HEAD answer
    assert json.loads(conn.answer()[2])["path"] == "/after-head"
    conn.close()


def test_other_requests_on_the_edge_port_reach_the_aws_apis_and_421_ends_an_app_connection(server, apprunner,
                                                                                        tmp_path):
    host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
    conn = Conn(server)  # an AWS-API connection first: uvicorn's, also for an application request after it
    conn.send(_get(f"127.0.0.1:{server.port}", "/_runnerlink/health"))
    status, _, body = conn.answer()
    assert status == 200 and json.loads(body)["status"] == "running"
    conn.send(_get(host, "/via-asgi"))
    assert json.loads(conn.answer()[2])["path"] == "/via-asgi"
    conn.close()

    conn = Conn(server)  # an application connection, then another name on it
    conn.send(_get(host, "/first") + _get(f"127.0.0.1:{server.port}", "/_runnerlink/health"))
    assert json.loads(conn.answer()[2])["path"] == "/first"
    status, headers, body = conn.answer()
    assert status == 421 and headers["connection"] == "close"
    assert b"send requests for 127.0.0.1 on a new connection" in body
    assert conn.closed()
    conn.close()

    conn = Conn(server)  # refusals are answered as before, and the connection stays usable
    conn.send(_get("nothing.us-east-1.awsapprunner.com", "/"))
    status, _, body = conn.answer()
    assert status == 404 and body == b"No App Runner service has the domain nothing.us-east-1.awsapprunner.com.\n"
    conn.send(_get(host, "/still"))
    assert json.loads(conn.answer()[2])["path"] == "/still"
    conn.close()


def test_a_client_going_away_mid_answer_ends_the_apps_answer(server, apprunner, tmp_path):
    host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
    conn = Conn(server)
    conn.send(_get(host, "/slow"))
    while b"tick" not in conn.buffer:
        conn._fill()
    probe = Conn(server)
    probe.send(_get(host, "/"))
    assert json.loads(probe.answer()[2])["open"] == 1
    conn.close()

    def closed_upstream() -> bool:
        probe.send(_get(host, "/"))
        return json.loads(probe.answer()[2])["open"] == 0

    assert wait_for(closed_upstream, timeout=5)  # the connection to the instance was closed, not left streaming
    probe.close()


@pytest.mark.parametrize("mid_answer", [False, True])
def test_sigint_stops_serve_promptly_with_application_connections_open(tmp_path, mid_answer):
    running = RunningServer(lifecycle_delay=0).start()
    try:
        apprunner = running.client("apprunner")
        host = _service(apprunner, tmp_path / "app")["ServiceUrl"]
        idle = Conn(running)
        idle.send(_get(host, "/"))
        assert idle.answer()[0] == 200
        busy = Conn(running)
        if mid_answer:
            busy.send(_get(host, "/slow"))
            while b"tick" not in busy.buffer:
                busy._fill()
        started = time.monotonic()
        code = running.stop(signal.SIGINT, timeout=15)
        assert time.monotonic() - started < 8 and code == 0, running.output()
        assert idle.closed()
    finally:
        running.stop(signal.SIGKILL)
