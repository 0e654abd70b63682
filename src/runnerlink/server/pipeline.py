"""The edge's chain of steps: parse → authenticate → locate → authorize → dispatch → serialize → record.

Each step reads and enriches the RequestContext. A step that raises an AWSError ends the chain; the error is
rendered in the protocol of the service the request was for. runnerlink's own actions (POST /_runnerlink/…) take
the same chain's dispatch, serialize (as JSON) and record steps, so they reach the traffic log like any request.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import quote, urlencode
from typing import Any, Callable

from runnerlink.auth.credentials import Credentials
from runnerlink.auth.refusals import Refused, error_for
from runnerlink.auth.sigv4 import Credential, parse_authorization
from runnerlink.config import Settings
from runnerlink.errors import AWSError, ClientError, UnknownOperation
from runnerlink.network.context import RUNNERLINK_ACTION
from runnerlink.server.authorize import IAM_ENFORCE, Authorizer, CompiledIdentity, NotEmulated, denial
from runnerlink.server.context import RequestContext
from runnerlink.server.read_cache import ReadCache
from runnerlink.server.traffic import TrafficLog
from runnerlink.services.base import (GLOBAL_REGION, HandlerContext, IdentitySource, PrincipalPolicies, RunCheck,
                                      ServicePackage, root_arn, run_handler)
from runnerlink.store import Store
from runnerlink.store.cached import CachedStore
from runnerlink.wire.json_protocol import JsonProtocol
from runnerlink.wire.query_protocol import FORM_CONTENT_TYPE, QueryProtocol, read_form
from runnerlink.wire.routing import Router

log = logging.getLogger("runnerlink.edge")
PROTOCOLS = {"json": JsonProtocol, "query": QueryProtocol("query"), "ec2": QueryProtocol("ec2")}
# Protocols whose response body doesn't carry the request id (it travels in a header), so a body can be reused.
CACHEABLE_PROTOCOLS = frozenset({"json"})
ADMIN_CONTENT_TYPE = b"application/json"


class AdminError(ClientError):
    """A runnerlink action asked for wrongly (its JSON answer is {"error": code, "message": …})."""

    code = "InvalidRequest"


class Pipeline:
    def __init__(self, settings: Settings, store: Store, packages: list[ServicePackage]):
        self.settings = settings
        self.store = store
        # Handlers read through decoded records kept while the store's generation holds (store/cached.py).
        self.records = CachedStore(store)
        self.packages = {package.name: package for package in packages}
        self.router = Router([package.spec for package in packages])
        self.traffic = TrafficLog(None if settings.in_memory else Path(settings.state) / "traffic.jsonl")
        self.authorizer = Authorizer(settings.iam)
        # The package that owns identities (IAM) tells principals' policies; without it a non-root principal has none.
        self.identity_source: IdentitySource | None = next(
            (package.identity for package in packages if package.identity is not None), None)
        self.read_cache = ReadCache(store)
        identity = next((package.identity for package in packages if package.identity is not None), None)
        self.credentials = Credentials(settings.iam, settings.root_credentials, store, identity)
        self.steps = [self.parse, self.authenticate, self.locate, self.authorize, self.dispatch]
        # Set by a server that runs applications (runnerlink serve): handlers learn whether a service's application
        # can run here, and the runtime hears of every committed write.
        self.run_check: RunCheck | None = None
        self.after_write: list[Callable[[], None]] = []

    def handle(self, ctx: RequestContext) -> RequestContext:
        try:
            for step in self.steps:
                step(ctx)
        except AWSError as error:
            ctx.error = error
        except Exception:  # a bug of ours: still an AWS-shaped answer, never a dropped connection
            log.exception("internal error in %s", ctx.operation_name or ctx.path)
            ctx.error = AWSError("An internal error occurred. See the runnerlink server log.",
                                 code=self._internal_error_code(ctx))
        self.serialize(ctx)
        self.record(ctx)
        return ctx

    def invoke(self, ctx: RequestContext, handler: Callable[[HandlerContext], Any], account: str, region: str,
               write: bool) -> tuple[Any, HandlerContext]:
        """handler(handler context) in one store transaction of account/region, as this request: its id, clock,
        principal and network path. The one way anything in the server runs a handler or reads records."""
        answer = run_handler(self.records, handler, account, region, write=write,
                             lifecycle_delay=self.settings.lifecycle_delay, request_id=ctx.request_id,
                             principal_arn=ctx.principal.arn if ctx.principal else root_arn(account),
                             now=ctx.received_at, network=ctx.network, run_check=self.run_check,
                             principal=ctx.principal)
        if write:
            for hook in self.after_write:
                hook()
        return answer

    # --- steps -------------------------------------------------------------------------------------------------
    def parse(self, ctx: RequestContext) -> None:
        """Which service and operation: X-Amz-Target (JSON), else the SigV4 scope's service and Action= (query).
        A request the subnet gateway carried to a service runnerlink doesn't emulate is only marked: its path is
        still located, then authorize refuses it."""
        service = ctx.network.service
        if ctx.network.source == "vpc" and service and self.router.by_signing_name(service) is None:
            ctx.unemulated = service
            if ctx.headers.get("content-type", "").startswith(FORM_CONTENT_TYPE):
                ctx.protocol = PROTOCOLS["query"]
            return
        target = ctx.headers.get("x-amz-target")
        if target:
            spec, ctx.operation = self.router.by_target(target)
            if ctx.method != "POST":
                raise UnknownOperation(f"{ctx.operation.name} is called with POST, not {ctx.method}.")
        else:
            spec, ctx.operation = self._route_query(ctx)
        ctx.package = self.packages[spec.model_name]
        ctx.protocol = PROTOCOLS[spec.protocol]
        ctx.params = ctx.protocol.parse(ctx.operation, ctx.body, ctx.headers, spec.bad_input, ctx.query)

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
        service = credential_of(ctx).service
        spec = self.router.by_signing_name(service)
        if spec is None:
            raise UnknownOperation(f"runnerlink does not emulate the {service} service.")
        ctx.protocol = PROTOCOLS[spec.protocol]
        return spec, self.router.operation(spec, action)

    def authenticate(self, ctx: RequestContext) -> None:
        """The access key's principal (auth/credentials.py); in enforce mode the signature is verified too, and a
        refusal answered as the service words it (auth/refusals.py)."""
        try:
            credential = credential_of(ctx)
            ctx.region = credential.region
            raw_path, raw_query = signed_target(ctx)
            found = self.credentials.authenticate(credential, ctx.method, raw_path, raw_query, ctx.headers,
                                                  ctx.query, ctx.body, ctx.received_at)
        except (AWSError, Refused) as error:
            if ctx.unemulated:  # refused anyway (authorize says why); the log names the sender when it can
                return
            raise error_for(ctx.protocol.name, error) if isinstance(error, Refused) else error from None
        ctx.principal = found.principal
        ctx.account = found.principal.account
        if found.body is not ctx.body and ctx.operation is not None and ctx.package is not None:
            # An aws-chunked body: the input is the payload it carried.
            ctx.body = found.body
            ctx.params = ctx.protocol.parse(ctx.operation, ctx.body, ctx.headers, ctx.package.spec.bad_input,
                                            ctx.query)

    def locate(self, ctx: RequestContext) -> None:
        """The path is the network context: the internet for a request straight to the edge port, the one the subnet
        gateway found for a workload's. It sets the global condition keys."""
        ctx.condition_keys = ctx.network.condition_keys(ctx.region, ctx.received_at)

    def authorize(self, ctx: RequestContext) -> None:
        """The Authorizer's decision (server/authorize.py): in the default mode only an endpoint policy on the path
        and a package's resource policy (a role's trust policy) judge; in enforce mode every authorized operation is
        judged with the principal's policies too. Runs before dispatch, so the read cache never answers a request its
        policy refuses."""
        if ctx.unemulated:
            network = ctx.network
            route = {"endpoint": f"through {network.endpoint}", "internet": "over the internet"}.get(
                network.outcome, "on its path")
            raise NotEmulated(f"runnerlink does not emulate {ctx.unemulated}: the request to "
                              f"{network.host or ctx.unemulated} went {route} and is recorded in the traffic log "
                              f"(runnerlink log), but no emulated service answers it.")
        assert ctx.package and ctx.operation and ctx.principal and ctx.region
        package, principal, region = ctx.package, ctx.principal, ctx.region
        enforce = self.authorizer.mode == IAM_ENFORCE
        if not enforce and not ctx.network.through_endpoint and package.resource_policy is None:
            return  # nothing judges it: the fast path of the default mode
        tags: Callable[[str], dict[str, str]] | None = None
        if package.resource_tags is not None:
            resource_tags = package.resource_tags

            def stored_tags(arn: str) -> dict[str, str]:
                return self.invoke(ctx, lambda h: resource_tags(h, arn), principal.account, region, False)[0]

            tags = stored_tags
        name, params = ctx.operation.name, ctx.params or {}
        policy_text: Callable[[str], str | None] | None = None
        if package.resource_policy is not None:
            hook, scope_region = package.resource_policy, package.scope_region or region

            def policy_text(account: str) -> str | None:
                return self.invoke(ctx, lambda h: hook(h, name, params), account, scope_region, False)[0]

        decision = self.authorizer.authorize(package, name, params, region, principal, ctx.network,
                                             ctx.condition_keys or {}, tags, policy_text,
                                             lambda: self.principal_policies(ctx, principal),
                                             (ctx.body, tuple(ctx.query.items())) if len(ctx.body) < 4096 else None)
        ctx.decision = decision
        if decision is not None and decision["result"] != "allowed":
            raise denial(package, principal.arn, decision)

    def principal_policies(self, ctx: RequestContext | None, principal) -> CompiledIdentity:
        """A principal's compiled policies: read (one read transaction of "<account>/global") only when the store
        changed since they were last read."""
        generation = self.store.generation()
        return self.authorizer.identities.get(principal, generation, lambda p: self.read_policies(ctx, p))

    def read_policies(self, ctx: RequestContext | None, principal) -> PrincipalPolicies:
        source = self.identity_source
        if source is None:
            return PrincipalPolicies()
        if ctx is None:
            return run_handler(self.records, lambda h: source.policies(h.tx, principal), principal.account,
                               GLOBAL_REGION, write=False, lifecycle_delay=self.settings.lifecycle_delay)[0]
        return self.invoke(ctx, lambda h: source.policies(h.tx, principal), principal.account, GLOBAL_REGION,
                           False)[0]

    def dispatch(self, ctx: RequestContext) -> None:
        assert ctx.package and ctx.operation and ctx.principal and ctx.region
        name = ctx.operation.name
        handler = ctx.package.handlers.get(name)
        if handler is None:
            raise UnknownOperation(f"{name} is not implemented by runnerlink yet.")
        write = name not in ctx.package.read_only
        region = ctx.package.scope_region or ctx.region  # a global service's records: one scope per account
        scope = f"{ctx.principal.account}/{region}"
        cacheable = not write and ctx.protocol.name in CACHEABLE_PROTOCOLS
        if cacheable:
            # By principal too: an answer may be the caller's own (IAM GetUser, STS GetCallerIdentity).
            key = (scope, ctx.principal.arn, name, ctx.body, tuple(ctx.query.items()))
            cached, generation = self.read_cache.lookup(key, ctx.received_at)
            if cached is not None:
                ctx.response_body, ctx.from_cache = cached, True
                return
        params = ctx.params or {}
        ctx.output, handler_ctx = self.invoke(ctx, lambda h: handler(h, params), ctx.principal.account, region,
                                              write)
        if cacheable:
            ctx.cache_fill = (key, generation, handler_ctx.changes_at)

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

    # --- runnerlink's own actions --------------------------------------------------------------------------------
    def handle_admin(self, ctx: RequestContext, service: str, action: str,
                     run: Callable[[RequestContext, dict], dict] | None = None, *, parse_body: bool = True,
                     record: Callable[[RequestContext], bool] | None = None) -> RequestContext:
        """POST /_runnerlink/<service>/<action> with a JSON object: the package's admin handler in the scope the
        body names ("account" and "region", else those of the first ARN in it), or `run(ctx, params)` for the
        server's own actions (which invoke what they need through self.invoke). Answered in JSON, recorded (unless
        `record(ctx)`, asked once answered, says not to). parse_body=False: `run` reads ctx.body itself (params are {})."""
        try:
            ctx.admin_action = action
            ctx.network = RUNNERLINK_ACTION
            ctx.package = self.packages.get(service)
            ctx.params = params = _json_object(ctx.body) if parse_body else {}
            if run is None:
                handler = ctx.package.admin.get(action) if ctx.package else None
                if handler is None:
                    raise AdminError(f"No runnerlink endpoint {ctx.method} {ctx.path}.", code="NotFound",
                                     status=404)
                ctx.account, ctx.region = account, region = admin_scope(params, self.settings.region)
                ctx.output = self.invoke(ctx, lambda h: handler(h, params), account, region, True)[0]
            else:
                ctx.output = run(ctx, params)
        except AWSError as error:
            ctx.error = error
        except (ValueError, TypeError) as error:  # the body asked for something that can't be
            ctx.error = AdminError(str(error))
        except Exception:
            log.exception("internal error in runnerlink action %s", ctx.path)
            ctx.error = AWSError("An internal error occurred. See the runnerlink server log.")
        ctx.status = ctx.error.status if ctx.error else 200
        payload = {"error": ctx.error.code, "message": ctx.error.message} if ctx.error else ctx.output
        ctx.response_body = json.dumps(payload).encode()
        ctx.response_headers = [(b"content-type", ADMIN_CONTENT_TYPE), (b"x-amzn-requestid", ctx.request_id.encode())]
        if record is None or record(ctx):
            self.record(ctx)
        return ctx

    @staticmethod
    def _internal_error_code(ctx: RequestContext) -> str:
        if ctx.operation is not None:
            for shape in ctx.operation.error_shapes:
                if shape.metadata.get("fault") or shape.name.startswith("InternalService"):
                    return shape.name
        return "InternalFailure"


def credential_of(ctx: RequestContext) -> Credential:
    """The request's SigV4 credential scope, parsed on first use and kept on the context (or the error it gave)."""
    if ctx.credential is None:
        try:
            ctx.credential = parse_authorization(ctx.headers.get("authorization"), ctx.query)
        except AWSError as error:
            ctx.credential = error
    if isinstance(ctx.credential, AWSError):
        raise ctx.credential
    return ctx.credential


def signed_target(ctx: RequestContext) -> tuple[str, str]:
    """The path and query string as received (what the client signed); rebuilt for a context made without them."""
    raw_path = ctx.raw_path if ctx.raw_path is not None else quote(ctx.path)
    raw_query = ctx.raw_query if ctx.raw_query is not None else urlencode(ctx.query, quote_via=quote)
    return raw_path, raw_query


def admin_scope(params: dict, default_region: str) -> tuple[str, str]:
    """(account, region) a runnerlink action acts in: "account"/"region" in its body, else the first ARN's."""
    account, region = params.get("account"), params.get("region")
    if account is None:
        arn = next((v for v in params.values() if isinstance(v, str) and v.startswith("arn:")), "")
        parts = arn.split(":", 5)
        if len(parts) < 6 or not parts[3] or not (parts[4].isdigit() and len(parts[4]) == 12):
            raise AdminError("Send a JSON object naming the resource ARN.")
        account, region = parts[4], region or parts[3]
    account, region = str(account), str(region or default_region)
    if not (account.isdigit() and len(account) == 12):
        raise AdminError("account is a 12-digit AWS account id.")
    return account, region


def _json_object(body: bytes) -> dict:
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise AdminError("The body is not JSON: send a JSON object.") from None
    if not isinstance(params, dict):
        raise AdminError("Send a JSON object.")
    return params


def traffic_entry(ctx: RequestContext) -> dict:
    """What the traffic log keeps of one request: who, what, the path it took, the policy decision, the answer."""
    network = ctx.network
    service = ctx.package.name if ctx.package else ctx.unemulated or network.service or _scope_service(ctx)
    return {
        "time": ctx.received_at,
        "requestId": ctx.request_id,
        "account": ctx.account or network.account,
        "principal": ctx.principal.arn if ctx.principal else None,
        "principalKind": ctx.principal.kind if ctx.principal else None,
        "accessKey": ctx.principal.access_key if ctx.principal else None,
        "service": service,
        "operation": ctx.operation_name or _named_operation(ctx),
        "admin": ctx.admin_action is not None,
        "region": ctx.region or network.region,
        **network.log_fields,
        "keys": ctx.condition_keys,
        "decision": ctx.decision,
        "status": ctx.status,
        "error": ctx.error.code if ctx.error else None,
        "message": ctx.error.message if ctx.error else None,
    }


def _scope_service(ctx: RequestContext) -> str | None:
    if ctx.admin_action is not None:
        return None
    try:
        return credential_of(ctx).service
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
