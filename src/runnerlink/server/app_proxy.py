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

from runnerlink.network.context import NetworkContext
from runnerlink.runtime.supervisor import Route, Supervisor
from runnerlink.server import app_traffic
from runnerlink.server.app_upstream import HOP, Headers, Unreachable, Upstream, request_head
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


class AppProxy:
    def __init__(self, supervisor: Supervisor):
        self.supervisor = supervisor
        self._idle: dict[int, list[Upstream]] = defaultdict(list)
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
        host is host_of's (<name>.localhost, the local URL `runnerlink services` shows, already stands for <name>).
        `runnerlink serve` answers most such requests below ASGI (server/app_front.py); this serves the others and
        in-process users."""
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
                   length: int | None = None) -> tuple[int, Headers, Upstream]:
        """Send the request; (status, end-to-end headers, the connection whose answer body follows: read it with
        next_chunk, then give it back with `release`). A kept-alive connection that turns out closed before any
        byte of an answer is replaced once, replaying what was sent."""
        head = request_head(method, target, headers, length, chunked)
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
        kept = [(k, v) for k, v in answer_headers if k not in HOP or k == b"content-length"]
        return status, kept, upstream

    async def _body(self, port: int, upstream: Upstream) -> AsyncIterator[bytes]:
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

    def release(self, port: int, upstream: Upstream) -> None:
        """Back to the pool when the whole answer was read and both sides keep the connection, else closed."""
        upstream.sink = None
        if upstream.reusable:
            idle = self._idle[port]
            if len(idle) < MAX_IDLE:
                upstream.idle = True
                idle.append(upstream)
                return
        upstream.close()

    def _connection(self, port: int) -> tuple[Upstream | None, bool]:
        idle = self._idle[port]
        while idle:
            upstream = idle.pop()
            upstream.idle = False
            if not upstream.closed:
                return upstream, True
        return None, False

    async def _open(self, port: int) -> Upstream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                _, upstream = await loop.create_connection(Upstream, "127.0.0.1", port)
        except (OSError, TimeoutError) as error:
            raise Unreachable(getattr(error, "strerror", None) or str(error) or "connection timed out") from None
        return upstream


def unreachable_text(host: str, route: Route, error: Exception) -> str:
    return f"{host}: the instance of service {route.service_name} did not answer ({error})."


def host_of(headers: Headers) -> str | None:
    """The Host header's name, lower case, without a port and without a .localhost suffix."""
    for name, value in headers:
        if name == b"host":
            text = value.decode("latin-1").strip().lower()
            if text.startswith("["):
                return text[1:text.find("]")] if "]" in text else None
            return without_local_suffix(text.rpartition(":")[0] if ":" in text else text)
    return None


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
        elif name not in HOP and name != b"x-forwarded-proto":
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
