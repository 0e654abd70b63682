"""The subnet gateway: an HTTP/HTTPS forward proxy through which a workload's programs reach AWS by its real
hostnames. Each request takes the path the network model finds from the workload's subnet; requests that arrive run
through the edge's own pipeline with that path as their network context.

CONNECT host:port is answered only once the path is known: unreachable → 502 with the reason (naming the failing
hop) and the connection closed; otherwise 200, TLS with a certificate for host from runnerlink's local CA, then
HTTP/1.1 requests (keep-alive) inside the tunnel. Absolute-form plain-HTTP requests are served the same way.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import ssl
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

import h11

from runnerlink.errors import AWSError
from runnerlink.server import workload_paths
from runnerlink.server.ca import LocalCA
from runnerlink.server.context import RequestContext
from runnerlink.server.workload_paths import Decision

if TYPE_CHECKING:
    from runnerlink.server.app import EdgeApp

log = logging.getLogger("runnerlink.gateway")

MAX_BODY_BYTES = 5 * 1024 * 1024
IDLE_TIMEOUT = 75.0  # between requests on a kept-alive connection, as the edge
READ_TIMEOUT = 30.0  # for the rest of a request once it has begun
HANDSHAKE_TIMEOUT = 10.0
REALM = 'Basic realm="runnerlink subnet gateway"'
_REASON_TEXT = re.compile(r"[^ -~]")
_REASONS = {status.value: status.phrase.encode() for status in HTTPStatus}


class ClientGone(Exception):
    """The client closed the connection, or sent nothing in time."""


class Gateway:
    def __init__(self, app: "EdgeApp", host: str, port: int):
        self.app = app
        self.host = host
        self.port = port
        settings = app.settings
        self._temp_dir = tempfile.mkdtemp(prefix="runnerlink-ca-") if settings.in_memory else None
        self.ca = LocalCA(self._temp_dir or Path(settings.state) / "ca")
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task] = set()
        self._paths = workload_paths.PathCache(app.store, settings)

    @property
    def ca_bundle(self) -> str:
        return str(self.ca.bundle_path)

    def proxy_url(self, workload: dict) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{workload['WorkloadId']}:{workload['Token']}@{host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, self.host, self.port)

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
        except (ClientGone, ConnectionError, ssl.SSLError, h11.ProtocolError, asyncio.IncompleteReadError):
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
            workload = workload_paths.authenticate(self.app.store, headers.get("proxy-authorization"))
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
            if not decision.reachable or decision.path.service is None:
                await self._refuse(conn, writer, decision)
                return
            target = (url.path or "/") + (f"?{url.query}" if url.query else "")
            await self._answer(conn, writer, request, headers, body, target, decision)
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
        if not decision.reachable or decision.path.service is None:
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
        await self._serve_tunnel(reader, writer, workload, host, int(port_text), decision)

    async def _serve_tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, workload: dict,
                            host: str, port: int, decision: Decision) -> None:
        """HTTP/1.1 requests inside an open tunnel, each along the path as it is when the request arrives."""
        conn = h11.Connection(h11.SERVER)
        first = True
        while True:
            request = await _next_event(conn, reader, IDLE_TIMEOUT)
            if isinstance(request, h11.ConnectionClosed):
                return
            if not isinstance(request, h11.Request):
                raise ClientGone()
            body = await _read_body(conn, reader)
            if not first:  # the network may have changed since the tunnel opened (routes, groups, policies)
                decision = self._decide(workload, host, port)
                if not decision.reachable:
                    self._record_refusal(decision)
                    return  # as a connection whose packets stop arriving: the client reconnects and learns why
            first = False
            await self._answer(conn, writer, request, _headers(request), body, request.target.decode("latin-1"),
                               decision)
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    # --- decisions and answers --------------------------------------------------------------------------------------
    def _decide(self, workload: dict, host: str, port: int) -> Decision:
        return self._paths.decide(workload, host, port)

    async def _refuse(self, conn: h11.Connection, writer: asyncio.StreamWriter, decision: Decision) -> None:
        """502 naming why the host cannot be reached from the workload, then close."""
        path = decision.path
        if path.outcome == "unreachable":
            reason = f"{path.host} is unreachable from {decision.network['workload']}: {path.reason}"
            self._record_refusal(decision)
        else:
            reason = (f"{path.host} is not an AWS service name: runnerlink's subnet gateway only carries requests "
                      f"to AWS (reach other hosts directly through NO_PROXY)")
        text = _REASON_TEXT.sub("?", reason)[:500]
        await _send(conn, writer, 502, text.encode() + b"\n", reason=text.encode(), close=True)

    def _record_refusal(self, decision: Decision) -> None:
        """An unreachable attempt still lands in the traffic log, with the hop that failed."""
        ctx = RequestContext(method="CONNECT", path="", query={}, headers={}, body=b"",
                             network=dict(decision.network))
        ctx.status = 502
        ctx.error = AWSError(decision.path.reason, code="Unreachable", status=502)
        try:
            self.app.pipeline.record(ctx)
        except Exception:  # the log must never break the gateway
            log.exception("subnet gateway: recording an unreachable attempt failed")

    async def _answer(self, conn: h11.Connection, writer: asyncio.StreamWriter, request: h11.Request,
                      headers: dict[str, str], body: bytes, target: str, decision: Decision) -> None:
        path, _, query_string = target.partition("?")
        query = dict(parse_qsl(query_string, keep_blank_values=True)) if query_string else {}
        headers.pop("proxy-authorization", None)
        ctx = RequestContext(method=request.method.decode("latin-1"), path=unquote(path), query=query,
                             headers=headers, body=body, network=dict(decision.network))
        self.app.pipeline.handle(ctx)
        await _send(conn, writer, ctx.status, ctx.response_body, ctx.response_headers)


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
