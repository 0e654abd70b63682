"""/_runnerlink/workloads: place a workload in a subnet (with the proxy and CA settings its programs need), list
workloads, remove one."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING

from runnerlink.errors import AWSError
from runnerlink.services import workload_index
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import workloads
from runnerlink.services.ec2.vpcs import ensure_default_vpc

if TYPE_CHECKING:
    from runnerlink.server.app import EdgeApp

CA_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def handle(app: "EdgeApp", method: str, rest: str, query: dict, body: bytes) -> tuple[int, dict]:
    """rest: what follows "workloads" in the path ("" or "/<id>")."""
    workload_id = rest.lstrip("/")
    try:
        if method == "POST" and not workload_id:
            return _create(app, body)
        if method == "GET" and not workload_id:
            return 200, {"workloads": _list(app, query.get("account"), query.get("region"))}
        if method == "DELETE" and workload_id:
            return _delete(app, workload_id)
    except AWSError as error:
        return error.status, {"error": error.code, "message": error.message}
    except (ValueError, TypeError) as error:
        return 400, {"error": "InvalidRequest", "message": str(error)}
    return 404, {"error": "NotFound", "message": f"No runnerlink endpoint {method} /_runnerlink/workloads{rest}."}


def settings_for(app: "EdgeApp", record: dict) -> dict:
    """The environment a program in the workload runs with."""
    assert app.gateway is not None
    proxy = app.gateway.proxy_url(record)
    bundle = app.gateway.ca_bundle
    return {**{name: proxy for name in PROXY_VARIABLES}, **{name: bundle for name in CA_VARIABLES}}


def _create(app: "EdgeApp", body: bytes) -> tuple[int, dict]:
    if app.gateway is None:
        return 503, {"error": "GatewayNotRunning", "message": "The subnet gateway is not running in this server."}
    params = json.loads(body or b"{}")
    if not isinstance(params, dict) or not isinstance(params.get("subnet"), str):
        return 400, {"error": "InvalidRequest", "message": 'Send {"subnet": "subnet-…", "account": …, "region": …, '
                                                          '"securityGroups": […], "publicIp": true|false|null}.'}
    account = str(params.get("account") or "000000000000")
    region = str(params.get("region") or app.settings.region)
    groups = params.get("securityGroups") or []
    public_ip = params.get("publicIp")
    if not account.isdigit() or len(account) != 12:
        raise ValueError("account is a 12-digit AWS account id.")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValueError("securityGroups is a list of security group ids.")
    if public_ip is not None and not isinstance(public_ip, bool):
        raise ValueError("publicIp is true, false or null.")
    with app.store.transaction(f"{account}/{region}", write=True) as tx:
        ctx = _context(app, tx, account, region)
        ensure_default_vpc(ctx)
        record = workloads.create_workload(ctx, params["subnet"], groups, public_ip)
    with app.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
        workload_index.put(tx, record)
    return 200, {"workload": workloads.public_view(record), "proxy": app.gateway.proxy_url(record),
                 "caBundle": app.gateway.ca_bundle, "environment": settings_for(app, record)}


def _list(app: "EdgeApp", account: str | None, region: str | None) -> list[dict]:
    with app.store.transaction(workload_index.INDEX_SCOPE) as tx:
        scopes = workload_index.scopes(tx)
    found = []
    for scope_account, scope_region in scopes:
        if account and scope_account != account or region and scope_region != region:
            continue
        with app.store.transaction(f"{scope_account}/{scope_region}") as tx:
            ctx = _context(app, tx, scope_account, scope_region)
            found.extend(workloads.public_view(r) for r in workloads.list_workloads(ctx))
    return sorted(found, key=lambda r: r["CreatedAt"])


def _delete(app: "EdgeApp", workload_id: str) -> tuple[int, dict]:
    with app.store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
        scope = workload_index.find(tx, workload_id)
        workload_index.delete(tx, workload_id)
    removed = None
    if scope is not None:
        with app.store.transaction("/".join(scope), write=True) as tx:
            removed = workloads.delete_workload(_context(app, tx, *scope), workload_id)
    if removed is None:
        return 404, {"error": "NotFound", "message": f"There is no workload {workload_id}."}
    return 200, {"workload": workloads.public_view(removed)}


def _context(app: "EdgeApp", tx, account: str, region: str) -> HandlerContext:
    return HandlerContext(account=account, region=region, now=time.time(), tx=tx,
                          lifecycle_delay=app.settings.lifecycle_delay, request_id=str(uuid.uuid4()),
                          principal_arn=f"arn:aws:iam::{account}:root")
