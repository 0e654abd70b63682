"""The subnet gateway: an HTTP/HTTPS forward proxy through which a workload's programs reach AWS by its real
hostnames. Each request takes the path the network model finds from the workload's subnet; requests that arrive run
through the edge's own pipeline with that path as their network context.

CONNECT host:port is answered only once the path is known: unreachable → 502 with the reason (naming the failing
hop) and the connection closed; otherwise 200, TLS with a certificate for host from runnerlink's local CA, then
HTTP/1.1 requests (keep-alive) inside the tunnel. Absolute-form plain-HTTP requests are served the same way.
Requests for an application's hostname (an App Runner service's) go to App Runner's front end (gateway_apps.py), not
the AWS pipeline.

Requests to the proxy itself (CONNECT, absolute-form) are read with h11: one or a few per connection. Requests inside
a tunnel, the per-request cost, are read with httptools (llhttp, C; uvicorn's parser for the edge) and each answer
is written as one pre-joined byte string, with h11's rules kept (see _TunnelRequests and _response).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
import re
import shutil
import ssl
import tempfile
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import h11
import httptools

from runnerlink.errors import AWSError
from runnerlink.server import gateway_apps, workload_paths
from runnerlink.server.ca import LocalCA
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline
from runnerlink.server.workload_paths import Decision

log = logging.getLogger("runnerlink.gateway")

MAX_BODY_BYTES = 5 * 1024 * 1024
IDLE_TIMEOUT = 75.0  # between requests on a kept-alive connection, as the edge
READ_TIMEOUT = 30.0  # for the rest of a request once it has begun
HANDSHAKE_TIMEOUT = 10.0
REALM = 'Basic realm="runnerlink subnet gateway"'
_REASON_TEXT = re.compile(r"[^ -~]")
_REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}
_STATUS_LINES = {status: b"HTTP/1.1 %d %s\r\n" % (status, reason) for status, reason in _REASONS.items()}
MAX_HEAD_BYTES = 16 * 1024  # h11's default max_incomplete_event_size: a longer request head closes the connection


class ClientGone(Exception):
    """The client closed the connection, or sent nothing in time."""


class Gateway:
    def __init__(self, pipeline: Pipeline, host: str, port: int):
        self.pipeline = pipeline
        self.host = host
        self.port = port
        settings = pipeline.settings
        self._temp_dir = tempfile.mkdtemp(prefix="runnerlink-ca-") if settings.in_memory else None
        self.ca = LocalCA(self._temp_dir or Path(settings.state) / "ca")
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task] = set()
        self._paths = workload_paths.PathCache(pipeline.store, settings)
        self.app_proxy = None  # set by a server that runs applications: requests for services' own hostnames

    @property
    def ca_bundle(self) -> str:
        return str(self.ca.bundle_path)

    def proxy_url(self, workload: dict) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{workload['WorkloadId']}:{workload['Token']}@{host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        if self.port == 0:  # a free port the system chose (in-process test servers): proxy URLs name the real one
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=2)
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # --- one client connection ------------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve_proxy(reader, writer)
        except (ClientGone, ConnectionError, ssl.SSLError, h11.ProtocolError, httptools.HttpParserError,
                asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("subnet gateway: connection failed")
        finally:
            self._connections.discard(task)
            writer.close()

    async def _serve_proxy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Requests to the proxy itself: CONNECT (then the tunnel), or absolute-form plain HTTP."""
        conn = h11.Connection(h11.SERVER)
        while True:
            request = await _next_event(conn, reader, IDLE_TIMEOUT)
            if isinstance(request, h11.ConnectionClosed):
                return
            if not isinstance(request, h11.Request):
                raise ClientGone()
            headers = _headers(request)
            workload = workload_paths.authenticate(self.pipeline.store, self.pipeline.settings,
                                                   headers.get("proxy-authorization"))
            if request.method == b"CONNECT":
                await _read_body(conn, reader)
                await self._connect(conn, reader, writer, request, workload)
                return
            body = await _read_body(conn, reader)
            if workload is None:
                await _send(conn, writer, 407, b"Proxy authentication required: use the proxy URL `runnerlink env` "
                            b"or `runnerlink exec` gives.", [(b"proxy-authenticate", REALM.encode())], close=True)
                return
            url = urlsplit(request.target.decode("latin-1"))
            if url.scheme != "http" or not url.hostname:
                await _send(conn, writer, 400, b"The subnet gateway takes absolute-form http:// requests and "
                            b"CONNECT.", close=True)
                return
            decision = self._decide(workload, url.hostname, url.port or 80)
            application = self._application(decision)
            if not decision.reachable or not (application or self._aws(decision)):
                await self._refuse(conn, writer, decision)
                return
            target = (url.path or "/") + (f"?{url.query}" if url.query else "")
            if application:
                found = await self._answer_app(request.method.decode("latin-1"), headers, body, target, decision,
                                               "http")
                await _send(conn, writer, found.status, found.body, found.headers)
            else:
                ctx = self._answer(request.method.decode("latin-1"), headers, body, target, decision)
                await _send(conn, writer, ctx.status, ctx.response_body, ctx.response_headers)
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    async def _connect(self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       request: h11.Request, workload: dict | None) -> None:
        if workload is None:
            await _send(conn, writer, 407, b"Proxy authentication required: use the proxy URL `runnerlink env` or "
                        b"`runnerlink exec` gives.", [(b"proxy-authenticate", REALM.encode())], close=True)
            return
        host, _, port_text = request.target.decode("latin-1").rpartition(":")
        host = host.strip("[]").lower()
        if not host or not port_text.isdigit():
            await _send(conn, writer, 400, b"CONNECT takes host:port.", close=True)
            return
        decision = self._decide(workload, host, int(port_text))
        application = self._application(decision)
        if not decision.reachable or not (application or self._aws(decision)):
            await self._refuse(conn, writer, decision)
            return
        leftover, _ = conn.trailing_data
        if leftover:  # the client spoke before the tunnel was open: not TLS as we know it
            raise ClientGone()
        context = self.ca.server_context(host)
        # No await between the 200 and start_tls: a yield there lets the stream read the ClientHello the 200 prompts
        # into its plain-text buffer, where the TLS layer never sees it (start_tls pauses reading synchronously).
        writer.write(conn.send(h11.Response(status_code=200, headers=[], reason=b"Connection established")))
        await writer.start_tls(context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        await self._serve_tunnel(reader, writer, workload, host, int(port_text), decision, application)

    async def _serve_tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, workload: dict,
                            host: str, port: int, decision: Decision, application: bool = False) -> None:
        """HTTP/1.1 requests inside an open tunnel, each along the path as it is when the request arrives."""
        requests = _TunnelRequests(reader)
        first = True
        while True:
            request = await requests.next()
            if request is None:
                return
            method, target, headers, body, keep_alive = request
            if not first:  # the network may have changed since the tunnel opened (routes, groups, policies)
                decision = self._decide(workload, host, port)
                if not decision.reachable:
                    self._record_refusal(decision)
                    return  # as a connection whose packets stop arriving: the client reconnects and learns why
            first = False
            if application:
                found = await self._answer_app(method, headers, body, target, decision, "https")
                status, answer_body, answer_headers = found.status, found.body, found.headers
            else:
                ctx = self._answer(method, headers, body, target, decision)
                status, answer_body, answer_headers = ctx.status, ctx.response_body, ctx.response_headers
            if method == "CONNECT" and 200 <= status < 300:  # h11 would switch protocols: nothing more to read
                keep_alive = False
            await _write(writer, _response(status, answer_body, answer_headers, not keep_alive, method == "HEAD"))
            if not keep_alive:
                return

    # --- decisions and answers --------------------------------------------------------------------------------------
    def _decide(self, workload: dict, host: str, port: int) -> Decision:
        return self._paths.decide(workload, host, port)

    def _application(self, decision: Decision) -> bool:
        return gateway_apps.is_application(self.app_proxy, decision)

    @staticmethod
    def _aws(decision: Decision) -> bool:
        """An AWS API's name (the pipeline answers it)."""
        return decision.path.service is not None and not decision.path.application

    async def _answer_app(self, method: str, headers: dict[str, str], body: bytes, target: str, decision: Decision,
                          scheme: str) -> gateway_apps.Answer:
        found, entry = await gateway_apps.answer(self.app_proxy, decision, method, target, headers, body, scheme)
        try:
            self.pipeline.traffic.append(entry)
        except Exception:  # the log must never break the gateway
            log.exception("subnet gateway: recording an application request failed")
        return found

    async def _refuse(self, conn: h11.Connection, writer: asyncio.StreamWriter, decision: Decision) -> None:
        """502 naming why the host cannot be reached from the workload, then close."""
        path = decision.path
        if path.outcome == "unreachable":
            reason = f"{path.host} is unreachable from {decision.network.workload}: {path.reason}"
            self._record_refusal(decision)
        elif path.application:
            reason = f"{path.host} is an App Runner application's name, but this server runs no applications"
        else:
            reason = (f"{path.host} is not an AWS service name: runnerlink's subnet gateway only carries requests "
                      f"to AWS and to App Runner services (reach other hosts directly through NO_PROXY)")
        text = _REASON_TEXT.sub("?", reason)[:500]
        await _send(conn, writer, 502, text.encode() + b"\n", reason=text.encode(), close=True)

    def _record_refusal(self, decision: Decision) -> None:
        """An unreachable attempt still lands in the traffic log, with the hop that failed."""
        ctx = RequestContext(method="CONNECT", path="", query={}, headers={}, body=b"", network=decision.network)
        ctx.status = 502
        ctx.error = AWSError(decision.path.reason, code="Unreachable", status=502)
        try:
            self.pipeline.record(ctx)
        except Exception:  # the log must never break the gateway
            log.exception("subnet gateway: recording an unreachable attempt failed")

    def _answer(self, method: str, headers: dict[str, str], body: bytes, target: str,
                decision: Decision) -> RequestContext:
        path, _, query_string = target.partition("?")
        query = dict(parse_qsl(query_string, keep_blank_values=True)) if query_string else {}
        headers.pop("proxy-authorization", None)
        ctx = RequestContext(method=method, path=unquote(path), query=query, headers=headers, body=body,
                             network=decision.network, raw_path=path or "/", raw_query=query_string)
        self.pipeline.handle(ctx)
        return ctx


# --- h11 over asyncio streams ---------------------------------------------------------------------------------------

async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader, timeout: float):
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            if event is h11.PAUSED:
                raise ClientGone()
            return event
        try:
            async with asyncio.timeout(timeout):  # no task per read, unlike wait_for
                data = await reader.read(65536)
        except TimeoutError:
            raise ClientGone() from None
        conn.receive_data(data)


async def _read_body(conn: h11.Connection, reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await _next_event(conn, reader, READ_TIMEOUT)
        if isinstance(event, h11.Data):
            size += len(event.data)
            if size > MAX_BODY_BYTES:
                raise ClientGone()
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return b"".join(chunks)
        else:
            raise ClientGone()


def _headers(request: h11.Request) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in request.headers}


async def _send(conn: h11.Connection, writer: asyncio.StreamWriter, status: int, body: bytes,
                headers: list[tuple[bytes, bytes]] | None = None, reason: bytes = b"", close: bool = False) -> None:
    headers = list(headers or [])
    if not any(name.lower() == b"content-type" for name, _ in headers):
        headers.append((b"content-type", b"text/plain; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    if close:
        headers.append((b"connection", b"close"))
    reason = reason or _REASONS.get(status, b"")
    data = conn.send(h11.Response(status_code=status, headers=headers, reason=reason))
    data += conn.send(h11.Data(data=body)) if body else b""
    data += conn.send(h11.EndOfMessage())
    await _write(writer, data)


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    if writer.transport.get_write_buffer_size():  # usually all sent at once: nothing to wait for
        await asyncio.wait_for(writer.drain(), READ_TIMEOUT)


# --- requests inside a tunnel: httptools, with h11's rules -----------------------------------------------------------

class _TunnelRequests:
    """Complete requests read from a tunnel, in order: (method, target, headers, body, keep_alive).

    As h11 served them: keep-alive unless HTTP/1.0 or Connection: close; Content-Length or chunked bodies (trailers
    ignored); a missing or repeated Host on HTTP/1.1, a head over 16 KiB, a body over MAX_BODY_BYTES, a malformed
    request or the connection closing mid-request end the connection without an answer, after the requests before it
    (pipelined) are answered; an Upgrade request is answered as any other and the connection goes on. Reading the
    head of a request waits up to IDLE_TIMEOUT per read, its body READ_TIMEOUT per read."""

    __slots__ = ("_reader", "_parser", "_ready", "_failed", "_in_head", "_in_body", "_head_bytes", "_head_raw", "_url",
                 "_headers", "_hosts", "_close", "_chunks", "_size")

    def __init__(self, reader: asyncio.StreamReader):
        self._reader = reader
        self._parser = httptools.HttpRequestParser(self)
        self._ready: deque[tuple[str, str, dict[str, str], bytes, bool]] = deque()
        self._failed = False
        self._in_head = False  # a request has begun, its head is not complete
        self._in_body = False  # its head is complete, its body is not
        self._head_bytes = 0  # of the head's parts read so far (request line, complete headers)
        self._head_raw = 0  # of the reads wholly inside the head (a header still being read)
        self._url = b""
        self._headers: dict[str, str] = {}
        self._hosts = 0
        self._close = False
        self._chunks: list[bytes] = []
        self._size = 0

    async def next(self) -> tuple[str, str, dict[str, str], bytes, bool] | None:
        """The next request; None when the client closed the connection between requests."""
        ready = self._ready
        while not ready:
            if self._failed:
                raise ClientGone()
            try:
                async with asyncio.timeout(READ_TIMEOUT if self._in_body else IDLE_TIMEOUT):
                    data = await self._reader.read(65536)
            except TimeoutError:
                raise ClientGone() from None
            if not data:
                if self._in_head or self._in_body:
                    raise ClientGone()
                return None
            self._feed(data)
        return ready.popleft()

    def _feed(self, data: bytes) -> None:
        was_in_head = self._in_head
        while True:
            try:
                self._parser.feed_data(data)
            except httptools.HttpParserUpgrade as upgrade:  # Upgrade or CONNECT: answered, then HTTP goes on
                rest = data[upgrade.args[0]:] if upgrade.args else b""
                self._parser = httptools.HttpRequestParser(self)
                if rest and not self._failed:
                    data, was_in_head = rest, False
                    continue
            except httptools.HttpParserError:
                self._failed = True
            break
        if self._in_head:
            if was_in_head:
                self._head_raw += len(data)
            if max(self._head_bytes, self._head_raw) > MAX_HEAD_BYTES:
                self._failed = True
        if self._failed:
            self._in_head = self._in_body = False

    # httptools callbacks
    def on_message_begin(self) -> None:
        if self._failed:
            raise ClientGone()  # stops the parser: nothing after a failed request is read
        self._in_head = True
        self._head_bytes = self._head_raw = 0
        self._url = b""
        self._headers = {}
        self._hosts = 0
        self._close = False
        self._chunks = []
        self._size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_bytes += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:
            return  # a trailer of a chunked body: ignored, as h11's EndOfMessage headers were
        self._head_bytes += len(name) + len(value) + 4
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1").strip()
        self._headers[key] = text
        if key == "host":
            self._hosts += 1
        elif key == "connection" and "close" in (token.strip().lower() for token in text.split(",")):
            self._close = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._in_body = True
        if self._head_bytes > MAX_HEAD_BYTES:
            self._failed = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY_BYTES:
            self._failed = True
            raise ClientGone()
        self._chunks.append(bytes(body))

    def on_message_complete(self) -> None:
        self._in_body = False
        if self._failed:
            return
        parser = self._parser
        version = parser.get_http_version()
        if self._hosts > 1 or (self._hosts == 0 and version == "1.1"):  # h11 refuses both
            self._failed = True
            raise ClientGone()
        chunks = self._chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        keep_alive = version == "1.1" and not self._close
        self._ready.append((parser.get_method().decode("latin-1"), self._url.decode("latin-1"), self._headers,
                            body, keep_alive))


def _response(status: int, body: bytes, headers: list[tuple[bytes, bytes]], close: bool, head: bool) -> bytes:
    """The bytes h11 wrote for this answer (status line, the headers in order, content-type if none, content-length,
    connection: close when the connection ends), joined once; a HEAD answer without its body."""
    parts = [_STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
    typed = False
    for name, value in headers:
        if not typed and name.lower() == b"content-type":
            typed = True
        parts.append(b"%s: %s\r\n" % (name, value))
    if not typed:
        parts.append(b"content-type: text/plain; charset=utf-8\r\n")
    parts.append(b"content-length: %d\r\n" % len(body))
    if close:
        parts.append(b"Connection: close\r\n")  # as h11 spells it
    parts.append(b"\r\n")
    if not head:
        parts.append(body)
    return b"".join(parts)
