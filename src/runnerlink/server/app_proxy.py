"""Requests for a service's own hostnames, passed to the instance that serves it, as App Runner's front end does:
streaming both ways, with X-Forwarded-For and X-Forwarded-Proto added, over kept-alive connections to the instance.

The edge (requests straight to its port come from the internet) asks `serve_asgi`; the subnet gateway, whose paths
the network model has already judged, asks `exchange`. Who may reach a private service is decided by the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from typing import AsyncIterator, Awaitable, Callable

import httptools

from runnerlink.network.context import NetworkContext
from runnerlink.runtime.supervisor import Route, Supervisor
from runnerlink.server import app_traffic
from runnerlink.server.context import new_request_id

log = logging.getLogger("runnerlink.apps")

APP_DOMAIN = ".awsapprunner.com"
# Browsers, curl and the system resolver send every *.localhost name to the loopback address (RFC 6761), so
# http://<ServiceUrl>.localhost:<edge port>/ reaches the edge from this machine with no DNS setup.
LOCAL_SUFFIX = ".localhost"
CONNECT_TIMEOUT = 5.0
RESPONSE_TIMEOUT = 300.0  # for the first byte of an answer: an application may think long
MAX_IDLE = 64  # kept-alive connections per instance port
REPLAY_LIMIT = 1024 * 1024  # a request body up to this size is kept, to replay it on a fresh connection
READ_BUFFER = 256 * 1024  # answer bytes held before reading from the instance pauses (until the client takes them)
# Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself.
_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"proxy-authenticate",
                  b"te", b"trailer", b"transfer-encoding", b"upgrade", b"content-length"})

Headers = list[tuple[bytes, bytes]]


class Unreachable(Exception):
    """The instance did not answer (refused, closed, timed out)."""


class _Upstream(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection to an instance: requests written as bytes, answers parsed by httptools
    (llhttp, C; h11 cost more than the rest of the proxy together), body chunks handed over as they arrive, with the
    socket's reading paused while too much is buffered."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle = False  # in the pool, between requests
        self._error: str | None = None
        self._can_write: asyncio.Future | None = None
        self._waiter: asyncio.Future | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        # Told after every batch of bytes and at the end (`answer_progress(upstream)`), instead of a waiter waking:
        # the edge's front protocol relays an answer from callbacks (server/app_front.py).
        self.sink = None
        self._cycle(False)

    def _cycle(self, head: bool) -> None:
        """Ready for the next answer (head: it answers a HEAD request, so it has no body whatever it says)."""
        self.parser = httptools.HttpResponseParser(self)
        self.head_only = head
        self.status: int | None = None
        self.headers: Headers = []
        self.complete = False
        self.framed = False  # Content-Length or chunked: a close ends the body early, not normally
        self.received = False  # any byte of this answer
        self.keep_alive = False  # as the answer said (llhttp forgets it once the message is complete)
        self.surplus = False  # bytes of another message followed the answer

    # --- protocol callbacks ------------------------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.idle:  # bytes nobody asked for: the connection can't be trusted with the next request
            self.close()
            return
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(f"the instance's answer is not valid HTTP ({error})")
            self.transport.close()
        if self._buffered > READ_BUFFER and not self._paused and not self.closed:
            self._paused = True
            self.transport.pause_reading()
        if self.sink is not None:
            self.sink.answer_progress(self)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.status is not None and not self.framed and not self.complete:
            self.complete = True  # a body delimited by the close of the connection has ended
        elif not self.complete:
            self._error = self._error or (str(exc) if exc else "the connection closed")
        self._wake()
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        if self.sink is not None:
            self.sink.answer_progress(self)

    def pause_writing(self) -> None:
        self._can_write = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        self._can_write = None

    # --- parser callbacks --------------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.complete:  # more after the answer, before any request asked for it: ignored, and no reuse
            self.surplus = True

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.surplus:
            return
        name = name.lower()
        if name == b"content-length" or (name == b"transfer-encoding" and b"chunked" in value.lower()):
            self.framed = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.surplus:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # an interim answer (100 Continue …): the real one follows
            self.headers, self.framed = [], False
            return
        self.status = status
        if self.head_only:
            self.complete = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        if not self.head_only and not self.surplus:
            self._chunks.append(body)
            self._buffered += len(body)
            self._wake()

    def on_message_complete(self) -> None:
        if self.status is not None and not self.surplus:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()
            self._wake()

    # --- the proxy's side --------------------------------------------------------------------------------------
    def _fail(self, why: str) -> None:
        self._error = why
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self, timeout: float) -> None:
        """Until the connection has news (bytes, its end, an error); Unreachable after timeout seconds without."""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        # A timer on the future costs less than asyncio.timeout's cancellation machinery, once per wait.
        timer = loop.call_later(timeout, _expire, waiter, timeout)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def write(self, data: bytes) -> None:
        if self.closed:
            raise Unreachable(self._error or "the connection closed")
        self.transport.write(data)

    async def drain(self) -> None:
        if self._can_write is not None:
            await self._can_write
        if self.closed:
            raise Unreachable(self._error or "the connection closed")

    async def answer(self, timeout: float) -> tuple[int, Headers]:
        """The answer's status and headers, once they are in."""
        while self.status is None:
            if self._error is not None or self.closed:
                raise Unreachable(self._error or "the connection closed before an answer")
            await self._wait(timeout)
        return self.status, self.headers

    async def next_chunk(self, timeout: float) -> bytes | None:
        """The next piece of the body as it arrives; None at its end. Unreachable when it breaks off."""
        while not self._chunks:
            if self.complete:
                return None
            if self._error is not None or self.closed:
                raise Unreachable(self._error or "the connection closed before the end of the answer")
            await self._wait(timeout)
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= READ_BUFFER // 2 and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def failure(self) -> str | None:
        """Why the connection broke, once it has (closed, not valid HTTP)."""
        return self._error or ("the connection closed" if self.closed else None)

    def take_nowait(self) -> bytes | None:
        """A piece of the body already in, or None (none yet, or the end)."""
        if not self._chunks:
            return None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= READ_BUFFER // 2 and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def ended(self) -> bool:
        """The whole answer is in and taken."""
        return self.complete and not self._chunks

    @property
    def reusable(self) -> bool:
        """Whole answer read, and both sides keep the connection (a HEAD's parser state is not trusted further)."""
        return (self.complete and not self.closed and self._error is None and not self._chunks and not self.head_only
                and self.keep_alive and not self.surplus)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future, timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(Unreachable(f"no answer within {timeout:g} s"))


class AppProxy:
    def __init__(self, supervisor: Supervisor):
        self.supervisor = supervisor
        self._idle: dict[int, list[_Upstream]] = defaultdict(list)
        self.record: Callable[[dict], object] | None = None  # where edge requests' traffic log entries go
        self._entries: dict[tuple, dict] = {}

    def route(self, host: str | None) -> Route | None:
        return self.supervisor.route(host) if host else None

    # --- the edge ----------------------------------------------------------------------------------------------
    def edge_route(self, host: str) -> tuple[Route | None, tuple[int, str] | None] | None:
        """For a request to the edge naming host (without a .localhost suffix): None when the name is not an
        application's (the AWS APIs answer it), else the route (None for an unknown *.awsapprunner.com name) and the
        refusal (status, text) when the request may not reach an instance."""
        route = self.route(host)
        if route is None and not host.endswith(APP_DOMAIN):
            return None
        refusal = (404, f"No App Runner service has the domain {host}.") if route is None else \
            refusal_from_internet(route, host)
        if refusal is None and route is not None and route.port is None:
            refusal = (503, f"{host}: {route.unavailable}.")
        return route, refusal

    async def serve_asgi(self, scope: dict, receive: Callable[[], Awaitable[dict]],
                         send: Callable[[dict], Awaitable[None]], host: str) -> bool:
        """Answer a request to the edge whose Host is a service's: True when answered (proxied or refused).
        <name>.localhost stands for <name> (the local URL `runnerlink services` shows). `runnerlink serve` answers
        most such requests below ASGI (server/app_front.py); this serves the others and in-process users."""
        host = without_local_suffix(host)
        decision = self.edge_route(host)
        if decision is None:
            return False
        route, refusal = decision
        received_at = time.time()
        client = (scope.get("client") or ("127.0.0.1", 0))[0]
        method, target_text = scope["method"], scope.get("path") or "/"

        def note(status: int, refusal: str | None = None) -> None:
            self.note_edge(host, client, method, target_text, status, route, refusal, received_at)

        if refusal is not None:
            await _send_text(send, *refusal)
            note(refusal[0], refusal[1])
            return True
        assert route is not None and route.port is not None
        headers = forwarded_headers(scope["headers"], client, scope.get("scheme", "http"))
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]

        async def body() -> AsyncIterator[bytes]:
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False)
                if message.get("body"):
                    yield message["body"]

        try:
            length = _content_length(scope["headers"])
            status, answer_headers, chunks = await self.request(route.port, scope["method"].encode(), target,
                                                                headers, body(), _chunked(scope["headers"]), length)
        except Unreachable as error:
            text = unreachable_text(host, route, error)
            await _send_text(send, 502, text)
            note(502, text)
            return True
        note(status)
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return True

    def note_edge(self, host: str, client: str, method: str, target: str, status: int, route: Route | None,
                  refusal: str | None, received_at: float) -> None:
        """A request straight to the edge (from the internet) in the traffic log."""
        if self.record is None:
            return
        code = REFUSAL_CODES.get(status, "Error") if refusal else None
        try:
            if refusal is None and route is not None:
                self.record(self._relayed_entry(host, client, method, target, status, route, received_at))
                return
            network = NetworkContext(host=host, public_address=client)
            self.record(app_traffic.entry(network, method, target, status, route, code, refusal, received_at))
        except Exception:  # the log must never break a request
            log.exception("recording an application request failed")

    def _relayed_entry(self, host: str, client: str, method: str, target: str, status: int, route: Route,
                       received_at: float) -> dict:
        """app_traffic.entry for a relayed request, from the entry made for the first of its client, name and
        route (the fields that vary per request set anew): made anew, it was a fifth of a relayed request's cost."""
        key = (host, client, route.service_arn, route.service_name, *route.via.items())
        template = self._entries.get(key)
        if template is None:
            if len(self._entries) >= 4096:
                self._entries.clear()
            network = NetworkContext(host=host, public_address=client)
            template = self._entries[key] = app_traffic.entry(network, "GET", "/", 200, route)
        entry = template.copy()
        entry["time"] = received_at
        entry["requestId"] = new_request_id()
        entry["operation"] = app_traffic.operation(method, target)
        entry["status"] = status
        return entry

    # --- the subnet gateway ------------------------------------------------------------------------------------
    async def exchange(self, port: int, method: str, target: str, headers: dict[str, str], body: bytes,
                       client: str, scheme: str) -> tuple[int, Headers, bytes]:
        """One whole request and answer (the gateway reads and writes whole messages)."""
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        forwarded = forwarded_headers(raw, client, scheme)

        async def once() -> AsyncIterator[bytes]:
            if body:
                yield body

        status, answer_headers, chunks = await self.request(port, method.encode(), target.encode("latin-1"),
                                                            forwarded, once(), False, len(body))
        return status, answer_headers, b"".join([chunk async for chunk in chunks])

    # --- one request to an instance ----------------------------------------------------------------------------
    async def request(self, port: int, method: bytes, target: bytes, headers: Headers,
                      body: AsyncIterator[bytes] | None, chunked: bool,
                      length: int | None = None) -> tuple[int, Headers, AsyncIterator[bytes]]:
        """Send the request; (status, headers, the body's chunks as they arrive)."""
        status, kept, upstream = await self.send(port, method, target, headers, body, chunked, length)
        return status, kept, self._body(port, upstream)

    async def send(self, port: int, method: bytes, target: bytes, headers: Headers,
                   body: AsyncIterator[bytes] | None, chunked: bool,
                   length: int | None = None) -> tuple[int, Headers, _Upstream]:
        """Send the request; (status, end-to-end headers, the connection whose answer body follows: read it with
        next_chunk, then give it back with `release`). A kept-alive connection that turns out closed before any
        byte of an answer is replaced once, replaying what was sent."""
        head = _request_head(method, target, headers, length, chunked)
        framing = "length" if length is not None else ("chunked" if chunked else None)
        sent: list[bytes] = [head]
        size = 0
        replayable = True
        upstream, reused = self._connection(port)
        if upstream is None:
            upstream = await self._open(port)
        upstream._cycle(method == b"HEAD")
        try:
            upstream.write(head)
            if body is not None:
                async for chunk in body:
                    if not chunk:
                        continue
                    if framing is None:
                        raise Unreachable("a request body without Content-Length or chunked framing")
                    data = b"%x\r\n%b\r\n" % (len(chunk), chunk) if framing == "chunked" else chunk
                    if replayable:
                        sent.append(data)
                        size += len(data)
                        replayable = size <= REPLAY_LIMIT
                    upstream.write(data)
                    await upstream.drain()
            if framing == "chunked":
                upstream.write(b"0\r\n\r\n")
                sent.append(b"0\r\n\r\n")
            status, answer_headers = await upstream.answer(RESPONSE_TIMEOUT)
        except Unreachable as error:
            stale = reused and replayable and not upstream.received
            upstream.close()
            if not stale:
                raise Unreachable(str(error)) from None
            upstream = await self._open(port)
            upstream._cycle(method == b"HEAD")
            try:
                upstream.write(b"".join(sent))
                status, answer_headers = await upstream.answer(RESPONSE_TIMEOUT)
            except BaseException:
                upstream.close()
                raise
        except BaseException:  # cancelled (the client went away): the connection is mid-request
            upstream.close()
            raise
        kept = [(k, v) for k, v in answer_headers if k not in _HOP or k == b"content-length"]
        return status, kept, upstream

    async def _body(self, port: int, upstream: _Upstream) -> AsyncIterator[bytes]:
        try:
            while True:
                chunk = await upstream.next_chunk(RESPONSE_TIMEOUT)
                if chunk is None:
                    return
                yield chunk
        except Unreachable:
            return  # the answer breaks off: the client sees it end short, as the instance's own would
        finally:
            self.release(port, upstream)

    def release(self, port: int, upstream: _Upstream) -> None:
        """Back to the pool when the whole answer was read and both sides keep the connection, else closed."""
        upstream.sink = None
        if upstream.reusable:
            idle = self._idle[port]
            if len(idle) < MAX_IDLE:
                upstream.idle = True
                idle.append(upstream)
                return
        upstream.close()

    def _connection(self, port: int) -> tuple[_Upstream | None, bool]:
        idle = self._idle[port]
        while idle:
            upstream = idle.pop()
            upstream.idle = False
            if not upstream.closed:
                return upstream, True
        return None, False

    async def _open(self, port: int) -> _Upstream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                _, upstream = await loop.create_connection(_Upstream, "127.0.0.1", port)
        except (OSError, TimeoutError) as error:
            raise Unreachable(getattr(error, "strerror", None) or str(error) or "connection timed out") from None
        return upstream


def _request_head(method: bytes, target: bytes, headers: Headers, length: int | None, chunked: bool) -> bytes:
    """The request line and headers as bytes, refusing what would split the message (a line break in a field)."""
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    if length is not None:
        parts.append(b"content-length: %d\r\n" % length)
    elif chunked:
        parts.append(b"transfer-encoding: chunked\r\n")
    parts.append(b"\r\n")
    head = b"".join(parts)
    if head.count(b"\n") != len(headers) + 2 + (length is not None or chunked) or b"\r" in head.replace(
            b"\r\n", b""):
        raise Unreachable("a request line or header field holds a line break")
    if b" " in target or b" " in method:
        raise Unreachable("a request target or method holds a space")
    return head


def unreachable_text(host: str, route: Route, error: Exception) -> str:
    return f"{host}: the instance of service {route.service_name} did not answer ({error})."


def without_local_suffix(host: str) -> str:
    """The hostname a local name stands for: <name>.localhost → <name>; any other name as it is."""
    host = host.rstrip(".")
    return host[:-len(LOCAL_SUFFIX)] if host.endswith(LOCAL_SUFFIX) and len(host) > len(LOCAL_SUFFIX) else host


REFUSAL_CODES = {403: "Forbidden", 404: "NotFound", 502: "BadGateway", 503: "ServiceUnavailable"}


def refusal_from_internet(route: Route, host: str) -> tuple[int, str] | None:
    """Why a request from the internet may not reach the route's service (private, or a private name)."""
    if route.via.get("via") == "ingress":
        return 403, (f"{host} is the VPC ingress connection of service {route.service_name}: it answers only inside "
                     f"{route.via.get('vpc')}, through endpoint {route.via.get('endpoint')}.")
    if not route.public:
        return 403, (f"Service {route.service_name} is private (IsPubliclyAccessible false): it is reachable only "
                     f"through a VPC ingress connection, from inside its VPC.")
    return None


def forwarded_headers(headers: Headers, client: str, scheme: str) -> Headers:
    """The request's end-to-end headers with X-Forwarded-For (the client appended) and X-Forwarded-Proto."""
    kept: Headers = []
    prior = b""
    for name, value in headers:
        name = name.lower()
        if name == b"x-forwarded-for":
            prior = value
        elif name not in _HOP and name != b"x-forwarded-proto":
            kept.append((name, value))
    chain = (prior + b", " if prior else b"") + client.encode()
    return kept + [(b"x-forwarded-for", chain), (b"x-forwarded-proto", scheme.encode())]


def _chunked(headers: Headers) -> bool:
    return any(name.lower() == b"transfer-encoding" for name, _ in headers)


def _content_length(headers: Headers) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


async def _send_text(send: Callable[[dict], Awaitable[None]], status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
