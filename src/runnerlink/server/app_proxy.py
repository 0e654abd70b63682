"""Requests for a service's own hostnames, passed to the instance that serves it, as App Runner's front end does:
streaming both ways, with X-Forwarded-For and X-Forwarded-Proto added, over kept-alive connections to the instance.

The edge (requests straight to its port come from the internet) asks `serve_asgi`; the subnet gateway, whose paths
the network model has already judged, asks `exchange`. Who may reach a private service is decided by the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import AsyncIterator, Awaitable, Callable

import h11

from runnerlink.network.context import NetworkContext
from runnerlink.runtime.supervisor import Route, Supervisor
from runnerlink.server import app_traffic

log = logging.getLogger("runnerlink.apps")

APP_DOMAIN = ".awsapprunner.com"
# Browsers, curl and the system resolver send every *.localhost name to the loopback address (RFC 6761), so
# http://<ServiceUrl>.localhost:<edge port>/ reaches the edge from this machine with no DNS setup.
LOCAL_SUFFIX = ".localhost"
CONNECT_TIMEOUT = 5.0
RESPONSE_TIMEOUT = 300.0  # for the first byte of an answer: an application may think long
MAX_IDLE = 64  # kept-alive connections per instance port
REPLAY_LIMIT = 1024 * 1024  # a request body up to this size is kept, to replay it on a fresh connection
# Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself.
_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"proxy-authenticate",
                  b"te", b"trailer", b"transfer-encoding", b"upgrade", b"content-length"})

Headers = list[tuple[bytes, bytes]]


class Unreachable(Exception):
    """The instance did not answer (refused, closed, timed out)."""


class _Upstream:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.conn = h11.Connection(h11.CLIENT)

    async def next_event(self, timeout: float):
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(65536)
            except TimeoutError:
                raise Unreachable(f"no answer within {timeout:g} s") from None
            self.conn.receive_data(data)

    def close(self) -> None:
        self.writer.close()


class AppProxy:
    def __init__(self, supervisor: Supervisor):
        self.supervisor = supervisor
        self._idle: dict[int, list[_Upstream]] = defaultdict(list)
        self.record: Callable[[dict], object] | None = None  # where edge requests' traffic log entries go

    def route(self, host: str | None) -> Route | None:
        return self.supervisor.route(host) if host else None

    # --- the edge ----------------------------------------------------------------------------------------------
    async def serve_asgi(self, scope: dict, receive: Callable[[], Awaitable[dict]],
                         send: Callable[[dict], Awaitable[None]], host: str) -> bool:
        """Answer a request to the edge whose Host is a service's: True when answered (proxied or refused).
        <name>.localhost stands for <name> (the local URL `runnerlink services` shows)."""
        host = without_local_suffix(host)
        route = self.route(host)
        if route is None and not host.endswith(APP_DOMAIN):
            return False
        received_at = time.time()
        client = (scope.get("client") or ("127.0.0.1", 0))[0]
        method, target_text = scope["method"], scope.get("path") or "/"

        def note(status: int, refusal: str | None = None) -> None:
            self._note(NetworkContext(host=host, public_address=client), method, target_text, status, route,
                       refusal, received_at)

        refusal = (404, f"No App Runner service has the domain {host}.") if route is None else \
            refusal_from_internet(route, host)
        if refusal is None and route is not None and route.port is None:
            refusal = (503, f"{host}: {route.unavailable}.")
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
            text = f"{host}: the instance of service {route.service_name} did not answer ({error})."
            await _send_text(send, 502, text)
            note(502, text)
            return True
        note(status)
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return True

    def _note(self, network: NetworkContext, method: str, target: str, status: int, route: Route | None,
              refusal: str | None, received_at: float) -> None:
        """A request straight to the edge (from the internet) in the traffic log."""
        if self.record is None:
            return
        code = REFUSAL_CODES.get(status, "Error") if refusal else None
        try:
            self.record(app_traffic.entry(network, method, target, status, route, code, refusal, received_at))
        except Exception:  # the log must never break a request
            log.exception("recording an application request failed")

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
                      body: AsyncIterator[bytes], chunked: bool,
                      length: int | None = None) -> tuple[int, Headers, AsyncIterator[bytes]]:
        """Send the request; (status, headers, the body's chunks as they arrive). A kept-alive connection that
        turns out closed is replaced once, replaying what was sent."""
        framing = [(b"content-length", str(length).encode())] if length is not None else (
            [(b"transfer-encoding", b"chunked")] if chunked else [])
        sent: list[bytes] = []
        replayable = True
        upstream, reused = await self._connection(port)
        try:
            upstream.writer.write(upstream.conn.send(h11.Request(method=method, target=target,
                                                                 headers=headers + framing)))
            async for chunk in body:
                if replayable:
                    sent.append(chunk)
                    replayable = sum(map(len, sent)) <= REPLAY_LIMIT
                upstream.writer.write(upstream.conn.send(h11.Data(data=chunk)))
                await upstream.writer.drain()
            upstream.writer.write(upstream.conn.send(h11.EndOfMessage()))
            await upstream.writer.drain()
            response = await upstream.next_event(RESPONSE_TIMEOUT)
        except (OSError, h11.ProtocolError, Unreachable) as error:
            upstream.close()
            if not (reused and replayable):
                raise Unreachable(str(error) or type(error).__name__) from None
            upstream = await self._open(port)
            try:
                upstream.writer.write(upstream.conn.send(h11.Request(method=method, target=target,
                                                                     headers=headers + framing)))
                for chunk in sent:
                    upstream.writer.write(upstream.conn.send(h11.Data(data=chunk)))
                upstream.writer.write(upstream.conn.send(h11.EndOfMessage()))
                await upstream.writer.drain()
                response = await upstream.next_event(RESPONSE_TIMEOUT)
            except (OSError, h11.ProtocolError) as error:
                upstream.close()
                raise Unreachable(str(error) or type(error).__name__) from None
        if isinstance(response, h11.ConnectionClosed) or not isinstance(response, h11.Response):
            upstream.close()
            raise Unreachable("the connection closed before an answer")
        answer_headers = [(k, v) for k, v in response.headers if k not in _HOP or k == b"content-length"]
        return response.status_code, answer_headers, self._body(port, upstream)

    async def _body(self, port: int, upstream: _Upstream) -> AsyncIterator[bytes]:
        done = False
        try:
            while True:
                event = await upstream.next_event(RESPONSE_TIMEOUT)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    done = isinstance(event, h11.EndOfMessage)
                    return
        finally:
            conn = upstream.conn
            if done and conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
                idle = self._idle[port]
                if len(idle) < MAX_IDLE:
                    idle.append(upstream)
                else:
                    upstream.close()
            else:
                upstream.close()

    async def _connection(self, port: int) -> tuple[_Upstream, bool]:
        idle = self._idle[port]
        while idle:
            upstream = idle.pop()
            if not upstream.reader.at_eof() and not upstream.writer.is_closing():
                return upstream, True
            upstream.close()
        return await self._open(port), False

    async def _open(self, port: int) -> _Upstream:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except (OSError, TimeoutError) as error:
            raise Unreachable(getattr(error, "strerror", None) or str(error) or "connection timed out") from None
        return _Upstream(reader, writer)


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
