"""The edge's chain of steps: parse → authenticate → locate → authorize → dispatch → serialize → record.

Each step reads and enriches the RequestContext. A step that raises an AWSError ends the chain; the error is
rendered in the protocol of the service the request was for.
"""

from __future__ import annotations

import logging
from pathlib import Path

from runnerlink.auth.sigv4 import parse_authorization, principal_for
from runnerlink.config import Settings
from runnerlink.errors import AWSError, UnknownOperation
from runnerlink.server.context import RequestContext
from runnerlink.server.authorize import EndpointAuthorizer, NotEmulated, condition_keys, denial
from runnerlink.server.read_cache import ReadCache
from runnerlink.server.traffic import TrafficLog
from runnerlink.services.base import HandlerContext, ServicePackage
from runnerlink.store import Store, StoreConflict
from runnerlink.wire.json_protocol import JsonProtocol
from runnerlink.wire.query_protocol import FORM_CONTENT_TYPE, QueryProtocol, read_form
from runnerlink.wire.routing import Router

log = logging.getLogger("runnerlink.edge")
PROTOCOLS = {"json": JsonProtocol, "query": QueryProtocol("query"), "ec2": QueryProtocol("ec2")}
# Protocols whose response body doesn't carry the request id (it travels in a header), so a body can be reused.
CACHEABLE_PROTOCOLS = frozenset({"json"})


class Pipeline:
    def __init__(self, settings: Settings, store: Store, packages: list[ServicePackage]):
        self.settings = settings
        self.store = store
        self.packages = {package.spec.model_name: package for package in packages}
        self.router = Router([package.spec for package in packages])
        self.traffic = TrafficLog(None if settings.in_memory else Path(settings.state) / "traffic.jsonl")
        self.authorizer = EndpointAuthorizer()
        self.read_cache = ReadCache(store)
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
        """Which service and operation: X-Amz-Target (JSON), else the SigV4 scope's service and Action= (query)."""
        self._refuse_unemulated(ctx)
        target = ctx.headers.get("x-amz-target")
        if target:
            spec, ctx.operation = self.router.by_target(target)
            if ctx.method != "POST":
                raise UnknownOperation(f"{ctx.operation.name} is called with POST, not {ctx.method}.")
        else:
            spec, ctx.operation = self._route_query(ctx)
        ctx.package = self.packages[spec.model_name]
        ctx.protocol = PROTOCOLS[spec.protocol]
        ctx.params = ctx.protocol.parse(ctx.operation, ctx.body, ctx.headers, spec.validation_error, ctx.query)

    def _refuse_unemulated(self, ctx: RequestContext) -> None:
        """A request the subnet gateway carried to a host of a service runnerlink doesn't emulate: its path is
        decided (and gets recorded); the answer says plainly that nothing is there."""
        service = ctx.network.get("service")
        if not service or ctx.network.get("source") != "vpc" or self.router.by_signing_name(service) is not None:
            return
        if ctx.headers.get("content-type", "").startswith(FORM_CONTENT_TYPE):
            ctx.protocol = PROTOCOLS["query"]
        try:
            self.authenticate(ctx)  # the log names who sent it
        except AWSError:
            pass
        ctx.condition_keys = condition_keys(ctx.network, ctx.region, ctx.received_at)
        host = ctx.network.get("host") or service
        route = {"endpoint": f"through {ctx.network.get('endpoint')}", "internet": "over the internet"}.get(
            ctx.network.get("outcome"), "on its path")
        raise NotEmulated(f"runnerlink does not emulate {service}: the request to {host} went {route} and is "
                          f"recorded in the traffic log (runnerlink log), but no emulated service answers it.")

    def _route_query(self, ctx: RequestContext):
        content_type = ctx.headers.get("content-type", "")
        if content_type.startswith("application/x-amz-json"):
            raise UnknownOperation("The request names no operation: a JSON request needs an X-Amz-Target header.")
        if content_type.startswith(FORM_CONTENT_TYPE) or "Action" in ctx.query:
            ctx.protocol = PROTOCOLS["query"]  # answer even early errors in XML
        form = read_form(ctx.body, ctx.query, content_type)
        action = form.get("Action")
        if not action:
            raise UnknownOperation("The request names no operation: send X-Amz-Target (JSON) or Action= (query).")
        service = parse_authorization(ctx.headers.get("authorization"), ctx.query).service
        spec = self.router.by_signing_name(service)
        if spec is None:
            raise UnknownOperation(f"runnerlink does not emulate the {service} service.")
        ctx.protocol = PROTOCOLS[spec.protocol]
        return spec, self.router.operation(spec, action)

    def authenticate(self, ctx: RequestContext) -> None:
        credential = parse_authorization(ctx.headers.get("authorization"), ctx.query)
        ctx.region = credential.region
        ctx.principal = principal_for(credential.access_key)

    def locate(self, ctx: RequestContext) -> None:
        """A request straight to the edge port comes from the internet; the subnet gateway sets its own path (source
        "vpc", outcome "endpoint" or "internet"), which is kept."""
        ctx.network.setdefault("source", "internet")
        ctx.network.setdefault("outcome", "internet")

    def authorize(self, ctx: RequestContext) -> None:
        """Through a VPC endpoint, the endpoint's policy decides (identity policies aren't enforced yet). Runs before
        dispatch, so the read cache never answers a request its policy refuses."""
        assert ctx.package and ctx.operation and ctx.principal and ctx.region
        network = ctx.network
        ctx.condition_keys = keys = condition_keys(network, ctx.region, ctx.received_at)
        if network.get("outcome") != "endpoint":
            return
        service = ctx.package.spec.signing_name
        decision = self.authorizer.authorize(
            service, ctx.operation.name, ctx.params or {}, ctx.region, ctx.principal.arn, ctx.principal.account,
            network, keys, resource_tags=lambda arn: self._resource_tags(ctx, arn))
        ctx.decision = decision
        if decision is not None and decision["result"] != "allowed":
            raise denial(service, ctx.principal.arn, decision)

    def _resource_tags(self, ctx: RequestContext, arn: str) -> dict[str, str]:
        """An App Runner resource's stored tags, for aws:ResourceTag (read only when the policy tests it)."""
        assert ctx.principal and ctx.region
        kind = arn.split(":", 5)[-1].split("/", 1)[0]
        with self.store.transaction(f"{ctx.principal.account}/{ctx.region}", write=False) as tx:
            record = tx.get(kind, arn)
        return {t["Key"]: t["Value"] for t in (record or {}).get("_tags", [])}

    def dispatch(self, ctx: RequestContext) -> None:
        assert ctx.package and ctx.operation and ctx.principal and ctx.region
        name = ctx.operation.name
        handler = ctx.package.handlers.get(name)
        if handler is None:
            raise UnknownOperation(f"{name} is not implemented by runnerlink yet.")
        write = name not in ctx.package.read_only
        scope = f"{ctx.principal.account}/{ctx.region}"
        cacheable = not write and ctx.protocol.name in CACHEABLE_PROTOCOLS
        if cacheable:
            key = (scope, name, ctx.body, tuple(ctx.query.items()))
            cached, generation = self.read_cache.lookup(key, ctx.received_at)
            if cached is not None:
                ctx.response_body, ctx.from_cache = cached, True
                return
        try:
            handler_ctx = self._run(ctx, handler, scope, write)
        except StoreConflict:  # a read that seeded defaults raced another process: again, holding the write lock
            handler_ctx = self._run(ctx, handler, scope, True)
        if cacheable:
            ctx.cache_fill = (key, generation, handler_ctx.changes_at)

    def _run(self, ctx: RequestContext, handler, scope: str, write: bool) -> HandlerContext:
        with self.store.transaction(scope, write=write) as tx:
            handler_ctx = HandlerContext(
                account=ctx.principal.account,
                region=ctx.region,
                now=ctx.received_at,
                tx=tx,
                lifecycle_delay=self.settings.lifecycle_delay,
                request_id=ctx.request_id,
                principal_arn=ctx.principal.arn,
            )
            ctx.output = handler(handler_ctx, ctx.params or {})
        return handler_ctx

    def serialize(self, ctx: RequestContext) -> None:
        protocol = ctx.protocol
        headers = [
            (b"content-type", protocol.content_type.encode()),
            (b"x-amzn-requestid", ctx.request_id.encode()),
        ]
        if ctx.error is not None:
            ctx.status = ctx.error.status
            ctx.response_body = protocol.render_error(ctx.error, ctx.request_id, ctx.operation)
            headers.append((b"x-amzn-errortype", ctx.error.code.encode()))
        else:
            ctx.status = 200
            if not ctx.from_cache:
                ctx.response_body = protocol.render_response(ctx.operation, ctx.output or {}, ctx.request_id)
                if ctx.cache_fill is not None:
                    key, generation, valid_until = ctx.cache_fill
                    self.read_cache.fill(key, generation, ctx.received_at, valid_until, ctx.response_body)
        ctx.response_headers = headers

    def record(self, ctx: RequestContext) -> None:
        self.traffic.append(traffic_entry(ctx))

    @staticmethod
    def _internal_error_code(ctx: RequestContext) -> str:
        if ctx.operation is not None:
            for shape in ctx.operation.error_shapes:
                if shape.metadata.get("fault") or shape.name.startswith("InternalService"):
                    return shape.name
        return "InternalFailure"


def traffic_entry(ctx: RequestContext) -> dict:
    """What the traffic log keeps of one request: who, what, the path it took, the policy decision, the answer."""
    network = ctx.network
    service = ctx.package.spec.model_name if ctx.package else network.get("service") or _scope_service(ctx)
    return {
        "time": ctx.received_at,
        "requestId": ctx.request_id,
        "account": ctx.principal.account if ctx.principal else network.get("account"),
        "principal": ctx.principal.arn if ctx.principal else None,
        "service": service,
        "operation": ctx.operation.name if ctx.operation else _named_operation(ctx),
        "region": ctx.region or network.get("region"),
        "source": network.get("source"),
        "workload": network.get("workload"),
        "vpc": network.get("vpc"),
        "subnet": network.get("subnet"),
        "address": network.get("address"),
        "host": network.get("host"),
        "outcome": network.get("outcome", "internet"),
        "hops": network.get("hops"),
        "endpoint": network.get("endpoint"),
        "keys": ctx.condition_keys,
        "decision": ctx.decision,
        "status": ctx.status,
        "error": ctx.error.code if ctx.error else None,
        "message": ctx.error.message if ctx.error else None,
    }


def _scope_service(ctx: RequestContext) -> str | None:
    try:
        return parse_authorization(ctx.headers.get("authorization"), ctx.query).service
    except AWSError:
        return None


def _named_operation(ctx: RequestContext) -> str | None:
    """The operation a request that didn't parse names, as far as it can be read."""
    target = ctx.headers.get("x-amz-target")
    if target:
        return target.rpartition(".")[2] or None
    try:
        return read_form(ctx.body, ctx.query, ctx.headers.get("content-type", "")).get("Action") or None
    except Exception:  # a log entry must never fail the request
        return None
