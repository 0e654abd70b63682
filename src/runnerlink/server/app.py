"""The ASGI edge application: reads one HTTP request, runs it through the pipeline, writes the answer."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qsl

from runnerlink import __version__
from runnerlink.config import Settings
from runnerlink.services.ec2.records import quotas
from runnerlink.errors import AWSError, RequestTooLarge
from runnerlink.runtime.logs import ServiceLog
from runnerlink.runtime.sources import SourceMap
from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server import admin, app_egress, traffic_stream
from runnerlink.server.app_credentials import InstanceCredentials, edge_url
from runnerlink.server.app_proxy import AppProxy, host_of
from runnerlink.server.context import RequestContext
from runnerlink.server.gateway import Gateway
from runnerlink.server.pipeline import Pipeline
from runnerlink.services.apprunner.ids import parse_arn
from runnerlink.services.registry import all_services
from runnerlink.store import Store, open_store
from runnerlink.wire import json_protocol

MAX_BODY_BYTES = 5 * 1024 * 1024
STATE_BODY_BYTES = 256 * 1024 * 1024  # an imported state document: a large region's network is many megabytes
DRAIN_BYTES = 64 * 1024 * 1024
ADMIN_PREFIX = "/_runnerlink/"
DASHBOARD_VIEWS = ADMIN_PREFIX + "ui/api/"
# Reset, export and import read or replace the whole store and wait for the supervisor: beside the event loop too.
STATE_PATHS = frozenset({ADMIN_PREFIX + "reset", ADMIN_PREFIX + "state"})
# aws-sdk-go-v2 (Terraform's provider) sometimes closes its own keep-alive connection while reading an answer that
# arrived within a fraction of a millisecond ("use of closed network connection", aws/aws-sdk-go-v2#1825, #2737), then
# retries the call: harmless for reads, but a retried create fails as a duplicate. Answering that client a couple of
# milliseconds later took the retries in our Terraform runs from several per apply to none; other clients get no delay.
GO_SDK_MARK = "aws-sdk-go-v2"
GO_SDK_RESPONSE_DELAY = 0.002


class EdgeApp:
    def __init__(self, settings: Settings, store: Store | None = None, gateway: bool = False):
        self.settings = settings
        quotas.configure(settings.vpc_quota)
        self.store = store if store is not None else open_store(settings.state)
        self.pipeline = Pipeline(settings, self.store, all_services())
        # `runnerlink serve` runs the subnet gateway in the edge's event loop, and the supervisor of applications.
        self._with_gateway = gateway
        self.gateway: Gateway | None = None
        self.supervisor: Supervisor | None = None
        self.app_proxy: AppProxy | None = None
        self.credentials: InstanceCredentials | None = None  # the applications' container credentials endpoint
        self._apps_temp: str | None = None
        self.streams = traffic_stream.Streams(self.pipeline)  # the dashboard's event streams

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if self.app_proxy is not None:
            host = host_of(scope["headers"])
            if host and await self.app_proxy.serve_asgi(scope, receive, send, host):
                return
        try:
            body = await _read_body(receive, STATE_BODY_BYTES if scope["path"] in STATE_PATHS else MAX_BODY_BYTES)
        except AWSError as error:
            await _send(send, error.status, json_protocol.render_error(error),
                        [(b"content-type", b"application/json")])
            return
        headers = _headers(scope["headers"])
        query_string = scope.get("query_string", b"")
        query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)) if query_string else {}
        path = scope["path"]
        raw_path = scope.get("raw_path")
        ctx = RequestContext(method=scope["method"], path=path, query=query, headers=headers, body=body,
                             raw_path=raw_path.decode("latin-1") if raw_path else None,
                             raw_query=query_string.decode("latin-1"))
        if path in traffic_stream.PATHS:
            await self.streams.serve(scope, receive, send, query)
            return
        if path.startswith(DASHBOARD_VIEWS) or path in STATE_PATHS:
            # The audit of a large region takes a second (a reset or an import may too): computed beside the event
            # loop, which goes on serving.
            status, answer, answer_headers = await asyncio.to_thread(
                admin.handle, self.pipeline, self.gateway, self.health, ctx, path[len(ADMIN_PREFIX):],
                self.supervisor, self.credentials)
            await _send(send, status, answer, answer_headers)
            return
        if path.startswith(ADMIN_PREFIX):
            status, answer, answer_headers = admin.handle(self.pipeline, self.gateway, self.health, ctx,
                                                          path[len(ADMIN_PREFIX):], self.supervisor,
                                                          self.credentials)
            await _send(send, status, answer, answer_headers)
            return
        self.pipeline.handle(ctx)
        if GO_SDK_MARK in headers.get("user-agent", ""):
            await asyncio.sleep(GO_SDK_RESPONSE_DELAY)
        await _send(send, ctx.status, ctx.response_body, ctx.response_headers)

    def health(self) -> dict:
        return {
            "status": "running",
            "version": __version__,
            "services": sorted(self.pipeline.packages),
            "region": self.settings.region,
            "state": "memory" if self.settings.in_memory else self.settings.state,
            "gateway": None if self.gateway is None else {
                "host": self.gateway.host, "port": self.gateway.port, "caBundle": self.gateway.ca_bundle},
        }

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._start_gateway()
                except OSError as error:
                    await send({"type": "lifespan.startup.failed", "message":
                                f"the subnet gateway cannot listen on {self.settings.host}:"
                                f"{self.settings.gateway_port}: {error.strerror or error}"})
                    return
                self.streams.watch_signals()
                if self.pipeline.traffic.path is not None:  # index the log's files now, not on the first page read
                    threading.Thread(target=self.pipeline.traffic.index.sync, name="traffic-index",
                                     daemon=True).start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.streams.stop()
                if self.supervisor is not None:
                    await asyncio.to_thread(self.supervisor.stop)
                    if self._apps_temp:
                        shutil.rmtree(self._apps_temp, ignore_errors=True)
                if self.gateway is not None:
                    await self.gateway.stop()
                self.pipeline.traffic.close()
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start_gateway(self) -> None:
        if self._with_gateway and self.gateway is None:
            gateway = Gateway(self.pipeline, self.settings.host, self.settings.gateway_port)
            await gateway.start()
            self.gateway = gateway
            self._start_supervisor(gateway)

    def _start_supervisor(self, gateway: Gateway) -> None:
        settings = self.settings
        sources = SourceMap.parse(list(settings.sources), list(settings.images), os.environ)
        if settings.in_memory:
            self._apps_temp = tempfile.mkdtemp(prefix="runnerlink-apps-")
            apps_dir = Path(self._apps_temp)
        else:
            apps_dir = Path(settings.state) / "apps"
        self.credentials = InstanceCredentials(self.store, edge_url(settings.host, settings.port),
                                               on_refused=lambda arn, why: self._say_refused(arn, why))
        supervisor = Supervisor(self.store, settings.lifecycle_delay, sources, apps_dir, settings.container_engine,
                                egress=app_egress.Egress(self.pipeline, gateway, self.credentials))
        self.pipeline.run_check = supervisor.run_check
        self.pipeline.after_write.append(supervisor.poke)
        gateway.app_proxy = self.app_proxy = AppProxy(supervisor)
        self.app_proxy.record = self.pipeline.traffic.append
        self.supervisor = supervisor
        supervisor.start()

    def _say_refused(self, service_arn: str, reason: str) -> None:
        """A refused instance-role fetch, in the service's log (`runnerlink logs`) beside the application's own."""
        if self.supervisor is not None:
            service_id = parse_arn(service_arn).parts[-1]
            ServiceLog(self.supervisor.apps_dir / service_id).event(f"Instance role credentials refused: {reason}")


_HEADER_NAMES: dict[bytes, str] = {}  # a header name as received → its lower-case text (clients send the same few)
_HEADER_NAMES_MAX = 1024


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's headers by lower-case name (the last of a repeated one), as text."""
    names = _HEADER_NAMES
    out = {}
    for name, value in raw:
        text = names.get(name)
        if text is None:
            text = name.decode("latin-1").lower()
            if len(names) < _HEADER_NAMES_MAX:
                names[name] = text
        out[text] = value.decode("latin-1")
    return out


async def _read_body(receive, limit: int) -> bytes:
    """The whole body, or RequestTooLarge once it passes limit. An oversized body is still read (and dropped) up to
    DRAIN_BYTES, so the client finishes sending and reads the 413 instead of a connection reset."""
    chunks = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        more = message.get("more_body", False)
        if size > limit:
            if not more or size > DRAIN_BYTES:
                raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
            continue
        chunks.append(chunk)
    return b"".join(chunks)


async def _send(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = headers + [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
