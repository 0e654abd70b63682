"""/_runnerlink/workloads: place a workload in a subnet (with the proxy and CA settings its programs need), list
workloads, remove one. Each runs through the pipeline as a runnerlink action and is recorded."""

from __future__ import annotations

from runnerlink.config import DEFAULT_ACCOUNT
from runnerlink.server.context import RequestContext
from runnerlink.server.gateway import Gateway
from runnerlink.server.pipeline import AdminError, Pipeline
from runnerlink.services import workload_index
from runnerlink.services.ec2 import workloads
from runnerlink.services.ec2.defaults import ensure_default_vpc

CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def handle(pipeline: Pipeline, gateway: Gateway | None, ctx: RequestContext, rest: str) -> RequestContext | None:
    """rest: what follows "workloads" in the path ("" or "/<id>"); None when no action answers to it."""
    workload_id = rest.lstrip("/")
    if ctx.method == "POST" and not workload_id:
        return pipeline.handle_admin(ctx, "ec2", "CreateWorkload", lambda c, p: _create(pipeline, gateway, c, p))
    if ctx.method == "GET" and not workload_id:
        return pipeline.handle_admin(ctx, "ec2", "ListWorkloads", lambda c, p: _list(pipeline, c))
    if ctx.method == "DELETE" and workload_id and "/" not in workload_id:
        return pipeline.handle_admin(ctx, "ec2", "DeleteWorkload", lambda c, p: _delete(pipeline, c, workload_id))
    return None


def settings_for(gateway: Gateway, record: dict) -> dict:
    """The environment a program in the workload runs with."""
    proxy = gateway.proxy_url(record)
    bundle = gateway.ca_bundle
    return {**{name: proxy for name in PROXY_VARIABLES}, **{name: bundle for name in CA_VARIABLES}}


def _create(pipeline: Pipeline, gateway: Gateway | None, ctx: RequestContext, params: dict) -> dict:
    if gateway is None:
        raise AdminError("The subnet gateway is not running in this server.", code="GatewayNotRunning", status=503)
    if not isinstance(params.get("subnet"), str):
        raise AdminError('Send {"subnet": "subnet-…", "account": …, "region": …, "securityGroups": […], '
                         '"publicIp": true|false|null}.')
    ctx.account = account = str(params.get("account") or _account_of(pipeline, params.get("accessKey")))
    ctx.region = region = str(params.get("region") or pipeline.settings.region)
    groups = params.get("securityGroups") or []
    public_ip = params.get("publicIp")
    if not account.isdigit() or len(account) != 12:
        raise ValueError("account is a 12-digit AWS account id.")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValueError("securityGroups is a list of security group ids.")
    if public_ip is not None and not isinstance(public_ip, bool):
        raise ValueError("publicIp is true, false or null.")

    def place(handler_ctx) -> dict:
        ensure_default_vpc(handler_ctx)
        return workloads.create_workload(handler_ctx, params["subnet"], groups, public_ip)

    record = pipeline.invoke(ctx, place, account, region, write=True)[0]
    with pipeline.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
        workload_index.put(tx, record)
    return {"workload": workloads.public_view(record), "proxy": gateway.proxy_url(record),
            "caBundle": gateway.ca_bundle, "environment": settings_for(gateway, record)}


def _account_of(pipeline: Pipeline, access_key: object) -> str:
    """The account an access key acts in, as the edge resolves it (an account isn't a secret: GetAccessKeyInfo tells
    it too); the default account without one."""
    if not isinstance(access_key, str) or not access_key:
        return DEFAULT_ACCOUNT
    principal = pipeline.credentials.principal(access_key)
    return principal.account if principal is not None else DEFAULT_ACCOUNT


def _list(pipeline: Pipeline, ctx: RequestContext) -> dict:
    account, region = ctx.query.get("account"), ctx.query.get("region")
    with pipeline.store.transaction(workload_index.INDEX_SCOPE) as tx:
        scopes = workload_index.scopes(tx)
    found = []
    for scope_account, scope_region in scopes:
        if account and scope_account != account or region and scope_region != region:
            continue
        listed = pipeline.invoke(ctx, workloads.list_workloads, scope_account, scope_region, write=False)[0]
        found.extend(workloads.public_view(r) for r in listed)
    return {"workloads": sorted(found, key=lambda r: r["CreatedAt"])}


def _delete(pipeline: Pipeline, ctx: RequestContext, workload_id: str) -> dict:
    with pipeline.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
        scope = workload_index.find(tx, workload_id)
        workload_index.delete(tx, workload_id)
    removed = None
    if scope is not None:
        ctx.account, ctx.region = scope
        removed = pipeline.invoke(ctx, lambda h: workloads.delete_workload(h, workload_id), *scope, write=True)[0]
    if removed is None:
        raise AdminError(f"There is no workload {workload_id}.", code="NotFound", status=404)
    return {"workload": workloads.public_view(removed)}
