"""The edge's chain of steps: parse → authenticate → locate → authorize → dispatch → serialize → record.

Each step reads and enriches the RequestContext. A step that raises an AWSError ends the chain; the error is
rendered in the protocol of the service the request was for.
"""

from __future__ import annotations

import logging
from collections import deque

from runnerlink.auth.sigv4 import parse_authorization, principal_for
from runnerlink.config import Settings
from runnerlink.errors import AWSError, UnknownOperation
from runnerlink.server.context import RequestContext
from runnerlink.services.base import HandlerContext, ServicePackage
from runnerlink.store import Store
from runnerlink.wire.json_protocol import JsonProtocol
from runnerlink.wire.routing import Router

log = logging.getLogger("runnerlink.edge")
TRAFFIC_LOG_SIZE = 10_000
PROTOCOLS = {"json": JsonProtocol}  # the ec2 and query protocols join here


class Pipeline:
    def __init__(self, settings: Settings, store: Store, packages: list[ServicePackage]):
        self.settings = settings
        self.store = store
        self.packages = {package.spec.model_name: package for package in packages}
        self.router = Router([package.spec for package in packages])
        self.traffic: deque[dict] = deque(maxlen=TRAFFIC_LOG_SIZE)
        self.steps = [self.parse, self.authenticate, self.locate, self.authorize, self.dispatch]

    def handle(self, ctx: RequestContext) -> RequestContext:
        try:
            for step in self.steps:
                step(ctx)
        except AWSError as error:
            ctx.error = error
        except Exception:  # a bug of ours: still an AWS-shaped answer, never a dropped connection
            log.exception("internal error in %s", ctx.operation.name if ctx.operation else ctx.path)
            ctx.error = AWSError("An internal error occurred. See the runnerlink server log.",
                                 code=self._internal_error_code(ctx))
        self.serialize(ctx)
        self.record(ctx)
        return ctx

    # --- steps -------------------------------------------------------------------------------------------------
    def parse(self, ctx: RequestContext) -> None:
        target = ctx.headers.get("x-amz-target")
        if not target:
            raise UnknownOperation(
                "The request names no operation: send an X-Amz-Target header (JSON protocol services)."
            )
        ctx.package, ctx.operation = self._lookup(target)
        ctx.protocol = PROTOCOLS[ctx.package.spec.protocol]
        if ctx.method != "POST":
            raise UnknownOperation(f"{ctx.operation.name} is called with POST, not {ctx.method}.")
        ctx.params = ctx.protocol.parse(ctx.operation, ctx.body, ctx.headers, ctx.package.spec.validation_error)

    def _lookup(self, target: str):
        spec, operation = self.router.by_target(target)
        return self.packages[spec.model_name], operation

    def authenticate(self, ctx: RequestContext) -> None:
        credential = parse_authorization(ctx.headers.get("authorization"), ctx.query)
        ctx.region = credential.region
        ctx.principal = principal_for(credential.access_key)

    def locate(self, ctx: RequestContext) -> None:
        """A request straight to the edge port comes from the internet (the subnet gateway sets its own path)."""
        ctx.network.setdefault("source", "internet")

    def authorize(self, ctx: RequestContext) -> None:
        """No policy applies to a request from the internet yet (endpoint policies come with the subnet gateway)."""

    def dispatch(self, ctx: RequestContext) -> None:
        assert ctx.package and ctx.operation and ctx.principal and ctx.region
        name = ctx.operation.name
        handler = ctx.package.handlers.get(name)
        if handler is None:
            raise UnknownOperation(f"{name} is not implemented by runnerlink yet.")
        write = name not in ctx.package.read_only
        scope = f"{ctx.principal.account}/{ctx.region}"
        with self.store.transaction(scope, write=write) as tx:
            handler_ctx = HandlerContext(
                account=ctx.principal.account,
                region=ctx.region,
                now=ctx.received_at,
                tx=tx,
                lifecycle_delay=self.settings.lifecycle_delay,
                request_id=ctx.request_id,
                principal_arn=ctx.principal.arn,
                extra={"network": ctx.network},
            )
            ctx.output = handler(handler_ctx, ctx.params or {})

    def serialize(self, ctx: RequestContext) -> None:
        protocol = ctx.protocol
        headers = [
            (b"content-type", protocol.content_type.encode()),
            (b"x-amzn-requestid", ctx.request_id.encode()),
        ]
        if ctx.error is not None:
            ctx.status = ctx.error.status
            ctx.response_body = protocol.render_error(ctx.error)
            headers.append((b"x-amzn-errortype", ctx.error.code.encode()))
        else:
            ctx.status = 200
            ctx.response_body = protocol.render_response(ctx.operation, ctx.output or {})
        ctx.response_headers = headers

    def record(self, ctx: RequestContext) -> None:
        self.traffic.append({
            "time": ctx.received_at,
            "requestId": ctx.request_id,
            "account": ctx.principal.account if ctx.principal else None,
            "principal": ctx.principal.arn if ctx.principal else None,
            "service": ctx.package.spec.model_name if ctx.package else None,
            "operation": ctx.operation.name if ctx.operation else None,
            "region": ctx.region,
            "source": ctx.network.get("source"),
            "status": ctx.status,
            "error": ctx.error.code if ctx.error else None,
        })

    @staticmethod
    def _internal_error_code(ctx: RequestContext) -> str:
        if ctx.operation is not None:
            for shape in ctx.operation.error_shapes:
                if shape.metadata.get("fault") or shape.name.startswith("InternalService"):
                    return shape.name
        return "InternalFailure"
