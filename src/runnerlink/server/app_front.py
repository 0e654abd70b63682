"""The edge port's connections, below ASGI: a connection whose first request names an application (a service's
hostname, or any *.awsapprunner.com name) is served here, each request relayed to the instance as bytes; any other
connection is handed, with the bytes already read, to uvicorn's own HTTP protocol, so AWS API traffic meets the ASGI
app exactly as before.

Serving application requests through ASGI (the scope, receive/send messages, uvicorn's request cycle) cost about
three times the proxying itself. Here a request head is parsed once (httptools), checked against the supervisor's
routes, refused or answered as `AppProxy.serve_asgi` would (same statuses, texts and traffic log entries), and
relayed over the proxy's pooled upstream connections, bodies streaming both ways with flow control. A later request
on such a connection naming something else is answered 421 Misdirected Request, and the connection closed (clients
retry on a new one). `runnerlink serve` uses this protocol (`front_protocol`); EdgeApp's ASGI path still serves
application hostnames for in-process users and for connections uvicorn was handed.
"""

from __future__ import annotations

import asyncio
import http
import logging
import time
from collections import deque
from typing import Any, AsyncIterator
from urllib.parse import unquote

import httptools

from runnerlink.server.app_proxy import (
    RESPONSE_TIMEOUT,
    AppProxy,
    Route,
    forwarded_headers,
    host_of,
    unreachable_text,
)
from runnerlink.server.app_upstream import Headers, Unreachable, Upstream, request_head
from runnerlink.server.joined_writes import JoinedWrites

log = logging.getLogger("runnerlink.apps")

READ_LIMIT = 256 * 1024  # request bytes held (bodies, pipelined requests) before reading from the client pauses
SHUTDOWN_GRACE = 2.0  # seconds an answer being written may go on once the server is stopping
MAX_QUEUED = 32  # pipelined requests waiting before reading pauses
_REASONS = {status.value: status.phrase.encode() for status in http.HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
MISDIRECTED = ("This connection serves App Runner applications; send requests for {host} on a new "
               "connection.")


def front_protocol(edge: Any) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http=` setting, bound to the EdgeApp whose app proxy it uses."""
    return type("EdgeFrontProtocol", (EdgeFront,), {"edge": edge})


class _Request:
    __slots__ = ("method", "target", "headers", "host", "keep_alive", "version", "body", "done", "discard",
                 "waiter", "expect")

    def __init__(self, method: bytes, target: bytes, headers: Headers, host: str | None, keep_alive: bool,
                 version: str) -> None:
        self.method, self.target, self.headers, self.host = method, target, headers, host
        self.keep_alive, self.version = keep_alive, version
        self.body: deque[bytes] = deque()
        self.done = False  # the whole request (its body) has been read
        self.discard = False  # answered: the rest of its body is read and dropped
        self.waiter: asyncio.Future | None = None
        self.expect = any(n == b"expect" and v.lower() == b"100-continue" for n, v in headers)

    def wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class _Exchange:
    """One request being relayed: where to, and how its answer is framed for the client."""

    __slots__ = ("front", "request", "host", "route", "port", "keep", "target", "path", "headers", "length",
                 "chunked", "received_at", "upstream", "timer", "started", "paused", "out", "no_body", "framed",
                 "chunked_answer")

    def __init__(self, front: "EdgeFront", request: _Request, host: str, route: Route | None, keep: bool) -> None:
        self.front, self.request, self.host, self.route, self.keep = front, request, host, route, keep
        self.port = route.port if route is not None else None
        self.received_at = time.time()
        target = request.target
        if target[:1] != b"/" and target != b"*":  # absolute form: the path and query, as uvicorn's scope has them
            try:
                url = httptools.parse_url(target)
                target = (url.path or b"/") + (b"?" + url.query if url.query else b"")
            except httptools.HttpParserInvalidURLError:
                pass
        self.target = target
        self.path = unquote(target.partition(b"?")[0].decode("latin-1")) or "/"
        self.length: int | None = None
        self.chunked = False
        for name, value in request.headers:
            if name == b"content-length" and value.strip().isdigit():
                self.length = int(value)
            elif name == b"transfer-encoding":
                self.chunked = True
        self.headers = forwarded_headers(request.headers, front.client, front.scheme)
        self.upstream: Upstream | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.started = self.paused = False
        self.out: list[bytes] = []
        self.no_body = self.framed = self.chunked_answer = False

    def note(self, status: int, refusal: str | None = None) -> None:
        self.front.proxy.note_edge(self.host, self.front.client, self.request.method.decode("latin-1"), self.path,
                                   status, self.route, refusal, self.received_at)

    def head(self, out: list[bytes], status: int, headers: Headers, defaults: Headers) -> None:
        """The answer's head for the client, and how its body is framed."""
        self.no_body = self.request.method == b"HEAD" or status in (204, 304) or status < 200
        self.framed = any(name == b"content-length" for name, _ in headers)
        self.chunked_answer = not self.no_body and not self.framed and self.request.version == "1.1"
        if not self.no_body and not self.framed and not self.chunked_answer:
            self.keep = False  # HTTP/1.0 without a length: the close ends the body
        out.append(b"HTTP/1.1 %d %b\r\n" % (status, _REASONS.get(status, b"")))
        for name, value in defaults:
            out += (name, b": ", value, b"\r\n")
        for name, value in headers:
            out += (name, b": ", value, b"\r\n")
        if self.chunked_answer:
            out.append(b"transfer-encoding: chunked\r\n")
        if not self.keep:
            out.append(b"connection: close\r\n")
        out.append(b"\r\n")


class EdgeFront(asyncio.Protocol):
    edge: Any = None  # the EdgeApp (set by front_protocol)

    def __init__(self, **kwargs: Any) -> None:
        # uvicorn passes config, server_state, app_state (and _loop): kept as given for the protocol handed over to.
        self._kwargs = kwargs
        self.config = kwargs["config"]
        self.server_state = kwargs["server_state"]
        self.proxy: AppProxy | None = getattr(self.edge, "app_proxy", None)
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self._raw: list[bytes] | None = []  # bytes read while undecided (for the handover); None once decided
        self._apps = False  # this connection serves applications
        self._hand_over = False
        self._url = b""
        self._headers: Headers = []
        self._reading: _Request | None = None  # the request whose body the parser is reading
        self._queue: deque[_Request] = deque()
        self._pending = 0  # request body bytes held
        self._read_paused = False
        self._current: _Request | None = None  # the request being answered
        self._exchange: _Exchange | None = None  # … when relayed from callbacks
        self._task: asyncio.Task | None = None  # … when relayed by a task
        self._pumping = False
        self._closing = False  # nothing more is read: answer what was asked, then close
        self._shutdown = False  # close once the current answer is written
        self._lost = False
        self._can_write: asyncio.Future | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self._idle_since = 0.0
        self._loop = asyncio.get_event_loop()
        self.client = "127.0.0.1"
        self.scheme = "http"

    # --- asyncio protocol ----------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, (tuple, list)) and peer:
            self.client = str(peer[0])
        self.scheme = "https" if transport.get_extra_info("sslcontext") else "http"
        if self.proxy is None:  # no applications here: all of it is uvicorn's
            self._give_to_uvicorn()
            return
        self.server_state.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self._idle_timer is not None:
            self._idle_since = self._loop.time()
        if self._raw is not None:
            self._raw.append(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if not self._apps:
                self._hand_over = True
            else:  # App Runner relays no upgrades: the request was answered as a plain one; nothing can follow it
                self._stop_reading()
        except httptools.HttpParserError:
            if not self._apps:
                self._hand_over = True  # uvicorn answers 400 as it always has
            else:
                self._stop_reading()
                self._queue.append(_Request(b"", b"", [], None, False, "1.1"))  # a 400 after what came before
                self._queue[-1].done = True
        if self._hand_over:
            self._give_to_uvicorn()
            return
        if self._current is None and self._queue:
            self._pump()
        if not self._read_paused and (self._pending > READ_LIMIT or len(self._queue) > MAX_QUEUED):
            self._read_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool | None:
        if self._apps and (self._current is not None or self._queue):
            self._stop_reading()
            return True  # keep the transport open to answer what was asked (half-close)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self.server_state.connections.discard(self)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._exchange is not None:  # the instance's connection is mid-answer: it can't be reused
            exchange = self._exchange
            if exchange.upstream is not None:
                exchange.upstream.close()
            self._end_fast(exchange)
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)

    def pause_writing(self) -> None:
        self._can_write = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        self._can_write = None
        exchange = self._exchange
        if exchange is not None and exchange.paused and exchange.upstream is not None:
            exchange.paused = False
            if not exchange.upstream.closed:
                exchange.upstream.transport.resume_reading()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close now when idle, else once the current answer is written (within
        SHUTDOWN_GRACE seconds)."""
        self._shutdown = True
        if self._current is None:
            self.transport.close()
        else:  # an answer may stream for ever (server-sent events): it gets a moment, not a veto on stopping
            self._loop.call_later(SHUTDOWN_GRACE, self.transport.close)

    # --- parser callbacks ----------------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        if self._hand_over:
            return
        host = host_of(self._headers)
        if not self._apps:
            if host is None or self.proxy.edge_route(host) is None:
                self._hand_over = True
                return
            self._apps = True
            self._raw = None
        parser = self.parser
        request = _Request(parser.get_method(), self._url, self._headers, host, parser.should_keep_alive(),
                           parser.get_http_version())
        self._reading = request
        self._queue.append(request)

    def on_body(self, body: bytes) -> None:
        request = self._reading
        if request is None or request.discard:
            return
        request.body.append(body)
        self._pending += len(body)
        request.wake()

    def on_message_complete(self) -> None:
        request = self._reading
        if request is not None:
            request.done = True
            request.wake()
            self._reading = None

    # --- answering -----------------------------------------------------------------------------------------------
    # A request without a body, with a kept-alive connection to the instance in the pool, is relayed from callbacks
    # (`_fast`, then `answer_progress` as the instance's answer comes in): no task, no future, no timer but one.
    # Any other (a body to stream, no pooled connection, a pooled one found closed) goes through a task (`_slow`).
    def _pump(self) -> None:
        """Start answering the next request when none is being answered."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while self._current is None and self._queue and not self._lost and not self._shutdown:
                request = self._queue.popleft()
                self._current = request
                self._begin(request)
        finally:
            self._pumping = False

    def _begin(self, request: _Request) -> None:
        if not request.method:  # what the parser could not read
            self._write_text(400, "Invalid HTTP request received.", False)
            self._finish(request, False)
            return
        exchange = self._prepare(request)
        if exchange is None:
            return
        if exchange.length is None and not exchange.chunked:
            upstream, _ = self.proxy._connection(exchange.port)
            if upstream is not None:
                self._fast(exchange, upstream)
                return
        self._task = asyncio.get_running_loop().create_task(self._slow(exchange))

    def _prepare(self, request: _Request) -> "_Exchange | None":
        """The refusals (answered here, None), else what relaying the request needs."""
        keep = request.keep_alive and not self._closing
        host = request.host
        decision = self.proxy.edge_route(host) if host is not None else None
        if decision is None:
            self._write_text(421, MISDIRECTED.format(host=host or "a host that is not an application"), False)
            self._finish(request, False)
            return None
        route, refusal = decision
        exchange = _Exchange(self, request, host, route, keep)
        if refusal is not None:
            self._write_text(refusal[0], refusal[1], keep)
            exchange.note(refusal[0], refusal[1])
            self._finish(request, keep)
            return None
        return exchange

    def _fast(self, exchange: "_Exchange", upstream: Upstream) -> None:
        request = exchange.request
        try:
            head = request_head(request.method, exchange.target, exchange.headers, None, False)
        except Unreachable as error:
            self.proxy.release(exchange.port, upstream)
            self._unreachable(exchange, error)
            return
        exchange.upstream = upstream
        upstream._cycle(request.method == b"HEAD")
        upstream.sink = self
        self._exchange = exchange
        if upstream.closed:  # found closed in the pool: a fresh connection, from a task
            self._retry(exchange)
            return
        upstream.transport.write(head)
        exchange.timer = asyncio.get_running_loop().call_later(RESPONSE_TIMEOUT, self._expired, exchange)

    def answer_progress(self, upstream: Upstream) -> None:
        """The instance's connection has news for the request relayed from callbacks (bytes, its end)."""
        exchange = self._exchange
        if exchange is None or exchange.upstream is not upstream:
            return
        if upstream.status is None:
            failure = upstream.failure
            if failure is None:
                return  # not the whole head yet
            if not upstream.received:  # a kept-alive connection closed before answering: once more, afresh
                self._retry(exchange)
            else:
                self._end_fast(exchange)
                self._unreachable(exchange, Unreachable(failure))
            return
        out = exchange.out
        if not exchange.started:
            exchange.started = True
            exchange.timer.cancel()
            exchange.note(upstream.status)
            exchange.head(out, upstream.status, upstream.headers, self.server_state.default_headers)
        if not exchange.no_body:
            chunk = upstream.take_nowait()
            while chunk is not None:
                out.append(b"%x\r\n%b\r\n" % (len(chunk), chunk) if exchange.chunked_answer else chunk)
                chunk = upstream.take_nowait()
        if upstream.complete or upstream.failure is not None:
            whole = upstream.complete
            if whole and exchange.chunked_answer:
                out.append(b"0\r\n\r\n")
            if out:
                self.transport.write(b"".join(out))
            self._end_fast(exchange)
            keep = exchange.keep and whole and (exchange.no_body or exchange.framed or exchange.chunked_answer)
            self._finish(exchange.request, keep)
            return
        if out:
            self.transport.write(b"".join(out))
            out.clear()
            if self._can_write is not None and not exchange.paused:  # the client is slow: so is the instance
                exchange.paused = True
                upstream.transport.pause_reading()

    def _end_fast(self, exchange: "_Exchange") -> None:
        self._exchange = None
        if exchange.timer is not None:
            exchange.timer.cancel()
        if exchange.upstream is not None:
            upstream, exchange.upstream = exchange.upstream, None
            if exchange.paused and not upstream.closed:
                upstream.transport.resume_reading()
            self.proxy.release(exchange.port, upstream)

    def _retry(self, exchange: "_Exchange") -> None:
        self._end_fast(exchange)
        self._task = asyncio.get_running_loop().create_task(self._slow(exchange))

    def _expired(self, exchange: "_Exchange") -> None:
        if self._exchange is exchange and not exchange.started:
            exchange.upstream.close()
            self._end_fast(exchange)
            self._unreachable(exchange, Unreachable(f"no answer within {RESPONSE_TIMEOUT:g} s"))

    def _unreachable(self, exchange: "_Exchange", error: Exception) -> None:
        text = unreachable_text(exchange.host, exchange.route, error)
        self._write_text(502, text, exchange.keep)
        exchange.note(502, text)
        self._finish(exchange.request, exchange.keep)

    async def _slow(self, exchange: "_Exchange") -> None:
        request = exchange.request
        try:
            body = self._body(request) if (exchange.length or exchange.chunked) else None
            try:
                status, headers, upstream = await self.proxy.send(exchange.port, request.method, exchange.target,
                                                                  exchange.headers, body, exchange.chunked,
                                                                  exchange.length)
            except Unreachable as error:
                self._task = None
                self._unreachable(exchange, error)
                return
            exchange.note(status)
            try:
                keep = await self._relay(exchange, status, headers, upstream)
            finally:
                self.proxy.release(exchange.port, upstream)
            self._task = None
            self._finish(request, keep)
        except asyncio.CancelledError:
            pass  # the client went away
        except Exception:  # never leave a client hanging on an error of ours
            log.exception("serving an application request failed")
            self.transport.close()

    def _finish(self, request: _Request, keep: bool) -> None:
        """The answer to request is written: the next one, or the connection's end."""
        self._current = None
        self._drop_body(request)
        if not keep or self._lost or self._shutdown or (self._closing and not self._queue):
            self._shutdown = True
            self.transport.close()
            return
        if self._queue:
            self._pump()
        else:
            self._idle_since = self._loop.time()
            if self._idle_timer is None:
                self._idle_timer = self._loop.call_later(self.config.timeout_keep_alive, self._idle_check)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if self._lost:
            return
        if self._current is not None or self._queue:
            return  # _finish arms it again
        left = self._idle_since + self.config.timeout_keep_alive - self._loop.time()
        if left <= 0:
            self._shutdown = True
            self.transport.close()
        else:
            self._idle_timer = self._loop.call_later(left, self._idle_check)

    def _drop_body(self, request: _Request) -> None:
        request.discard = True
        self._pending -= sum(len(chunk) for chunk in request.body)
        request.body.clear()
        if self._read_paused and not self._closing and self._pending <= READ_LIMIT // 2 \
                and len(self._queue) <= MAX_QUEUED // 2:
            self._read_paused = False
            self.transport.resume_reading()

    async def _body(self, request: _Request) -> AsyncIterator[bytes]:
        if request.expect and not request.done and not request.body:
            self.transport.write(_CONTINUE)
        loop = asyncio.get_running_loop()
        while True:
            while request.body:
                chunk = request.body.popleft()
                self._pending -= len(chunk)
                if self._read_paused and not self._closing and self._pending <= READ_LIMIT // 2:
                    self._read_paused = False
                    self.transport.resume_reading()
                yield chunk
            if request.done or self._lost:
                return
            if self._closing and self._read_paused:  # nothing more will be read: the body ends short
                raise Unreachable("the client's request body ended early")
            request.waiter = loop.create_future()
            await request.waiter
            request.waiter = None

    async def _relay(self, exchange: _Exchange, status: int, headers: Headers, upstream: Upstream) -> bool:
        """Write the answer as it comes from the instance; whether the connection may carry another request."""
        parts: list[bytes] = []
        exchange.head(parts, status, headers, self.server_state.default_headers)
        if exchange.no_body:
            self.transport.write(b"".join(parts))
            return exchange.keep
        chunked = exchange.chunked_answer
        # The head goes out with what of the body is already in (one write for a small answer), not after it.
        first = upstream.take_nowait()
        if first:
            parts.append(b"%x\r\n%b\r\n" % (len(first), first) if chunked else first)
        self.transport.write(b"".join(parts))
        while not upstream.ended:
            if self._can_write is not None:
                await self._can_write
            if self._lost:
                return False
            try:
                chunk = await upstream.next_chunk(RESPONSE_TIMEOUT)
            except Unreachable:
                return False  # the answer breaks off: so does the connection, for the client to see it short
            if chunk is None:
                break
            self.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked:
            self.transport.write(b"0\r\n\r\n")
        return exchange.keep and (exchange.framed or chunked)

    def _write_text(self, status: int, text: str, keep: bool) -> None:
        body = (text + "\n").encode()
        parts = [b"HTTP/1.1 %d %b\r\n" % (status, _REASONS.get(status, b""))]
        for name, value in self.server_state.default_headers:
            parts += (name, b": ", value, b"\r\n")
        parts.append(b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n" % len(body))
        if not keep:
            parts.append(b"connection: close\r\n")
        parts += (b"\r\n", body)
        self.transport.write(b"".join(parts))

    # --- not an application's connection -------------------------------------------------------------------------
    def _give_to_uvicorn(self) -> None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        self.server_state.connections.discard(self)
        raw, self._raw = b"".join(self._raw or []), None
        self.parser = None  # type: ignore[assignment]
        protocol = AutoHTTPProtocol(**self._kwargs)
        # An answer's head and body leave in one send (server/joined_writes.py).
        protocol.connection_made(JoinedWrites(self.transport, self._loop))  # type: ignore[arg-type]
        self.transport.set_protocol(protocol)
        if raw:
            protocol.data_received(raw)
