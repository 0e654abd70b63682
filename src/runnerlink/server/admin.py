"""runnerlink's own endpoints under /_runnerlink/: health, the traffic log, the App Runner services this server runs
and their logs (reads, not recorded); the services' admin actions (POST <service>/<action>: the local stand-ins for steps AWS does out of band, the network questions)
and workloads, and the audit's model of an account and region (GET audit/model), which run through the pipeline and
are recorded like any request."""

from __future__ import annotations

import json
from typing import Callable

from runnerlink.audit import codec
from runnerlink.config import DEFAULT_ACCOUNT
from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server import (admin_apps, admin_workloads, app_credentials, audit_view, dashboard, explain,
                               network_view, reset)
from runnerlink.server.app_credentials import InstanceCredentials
from runnerlink.server.context import RequestContext
from runnerlink.server.gateway import Gateway
from runnerlink.server.pipeline import Pipeline, admin_scope
from runnerlink.services.ec2 import network_tools
from runnerlink.server.traffic import FILTERS
from runnerlink.server.traffic_index import MAX_LIMIT, FilterError, integer, parse_filters

# Paths kept for the CLI: /_runnerlink/network/<action> are EC2's admin actions.
_SERVICE_ALIASES = {"network": "ec2"}
JSON = [(b"content-type", b"application/json")]


def handle(pipeline: Pipeline, gateway: Gateway | None, health: Callable[[], dict], ctx: RequestContext,
           path: str, supervisor: Supervisor | None = None, credentials: InstanceCredentials | None = None,
           ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """(status, body, headers) of a request to /_runnerlink/<path>."""
    method = ctx.method
    if path in ("health", "status"):
        return _json(200, health())
    if path == app_credentials.PATH and method == "GET" and credentials is not None:
        return _json(*credentials.answer(ctx.headers.get("authorization")))
    if dashboard.handles(path):
        return dashboard.handle(pipeline, supervisor, ctx, path)
    if path == "traffic" and method == "GET":
        return _json(*_traffic(pipeline, ctx.query))
    if path in _TRAFFIC_READS and method == "GET":
        try:
            return _TRAFFIC_READS[path](pipeline, ctx.query)
        except FilterError as error:
            return _json(400, {"error": "InvalidRequest", "message": str(error)})
    if path == "reset" and method == "POST":
        answered = reset.handle_reset(pipeline, supervisor, ctx)
        return answered.status, answered.response_body, answered.response_headers
    if path == "state" and method == "GET":
        return 200, reset.export_state(pipeline), JSON + [(b"cache-control", b"no-store")]
    if path == "state" and method == "POST":
        answered = reset.import_state(pipeline, supervisor, ctx)
        return answered.status, answered.response_body, answered.response_headers
    if path == "apprunner/services" and method == "GET":
        return _json(*admin_apps.services(supervisor, pipeline.settings.port, ctx.query))
    if path == "apprunner/logs" and method == "GET":
        return _json(*admin_apps.service_logs(supervisor, ctx.query))
    if path == "iam/explain" and method == "POST":  # the server's own action, whatever the IAM package declares
        answered = pipeline.handle_admin(ctx, "iam", "explain", lambda c, p: explain.run(pipeline, c, p))
        return answered.status, answered.response_body, answered.response_headers
    if path == "audit/model" and method == "GET":
        answered = pipeline.handle_admin(ctx, "audit", "GetAuditModel", lambda c, p: _audit_model(pipeline, c))
        return answered.status, answered.response_body, answered.response_headers
    if path == "workloads" or path.startswith("workloads/"):
        answered = admin_workloads.handle(pipeline, gateway, ctx, path[len("workloads"):])
        if answered is not None:
            return answered.status, answered.response_body, answered.response_headers
    else:
        service, _, action = path.partition("/")
        if method == "POST" and _SERVICE_ALIASES.get(service, service) == "ec2" and action in network_tools.ADMIN:
            answered = pipeline.handle_admin(ctx, "ec2", action, lambda c, p: _network_question(pipeline, c, p,
                                                                                                 action))
            return answered.status, answered.response_body, answered.response_headers
        if method == "POST" and service and action and "/" not in action:
            answered = pipeline.handle_admin(ctx, _SERVICE_ALIASES.get(service, service), action)
            return answered.status, answered.response_body, answered.response_headers
    return _json(404, {"error": "NotFound", "message": f"No runnerlink endpoint {method} /_runnerlink/{path}."})


def _network_question(pipeline: Pipeline, ctx: RequestContext, params: dict, action: str) -> dict:
    """resolve / trace over the composed network (EC2's topology with App Runner's ingress connection names)."""
    ctx.account, ctx.region = account, region = admin_scope(params, pipeline.settings.region)
    question = network_tools.ADMIN[action]
    return pipeline.invoke(ctx, lambda h: question(h, params, network_view.topology_of), account, region, True)[0]


def _audit_model(pipeline: Pipeline, ctx: RequestContext) -> dict:
    """GET audit/model?account=&region=: the audit's model of that account and region (codec.to_dict), read in one
    read transaction as of this request."""
    scope = {"account": ctx.query.get("account") or DEFAULT_ACCOUNT, "region": ctx.query.get("region") or None}
    ctx.account, ctx.region = account, region = admin_scope(scope, pipeline.settings.region)
    traffic = pipeline.traffic
    model = pipeline.invoke(ctx, lambda h: audit_view.build(h, traffic), account, region, False)[0]
    return codec.to_dict(model)


def _json(status: int, payload: dict) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    return status, json.dumps(payload).encode(), JSON


def _traffic(pipeline: Pipeline, query: dict) -> tuple[int, dict]:
    """GET /_runnerlink/traffic?since=SEQ&limit=N&service=&operation=&outcome=&workload= (oldest first)."""
    try:
        since = int(query["since"]) if query.get("since") else None
        limit = max(1, min(int(query.get("limit") or 100), 10_000))
    except ValueError:
        return 400, {"error": "InvalidRequest", "message": "since and limit are integers."}
    log = pipeline.traffic
    filters = {name: query.get(name) for name in FILTERS}
    entries = log.query(since=since, limit=limit, **filters)
    return 200, {"requests": entries, "last": log.seq}


# --- the dashboard's reads of the traffic log (server/traffic_index.py); not recorded -------------------------------
def _raw(status: int, body: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    return status, body, JSON + [(b"cache-control", b"no-store")]


def _traffic_page(pipeline: Pipeline, query: dict) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """GET traffic/page?offset&limit&anchor&<filters>: newest first, entries with seq ≤ anchor (default: the newest)."""
    filters = parse_filters(query, ("offset", "limit", "anchor"))
    offset = integer(query, "offset", 0, 0, 10 ** 12)
    limit = integer(query, "limit", 100, 1, MAX_LIMIT)
    anchor = integer(query, "anchor", None, 0, 2 ** 62)
    total, anchor, last, lines = pipeline.traffic.index.page(filters, offset or 0, limit or 100, anchor)
    head = b'{"total":%d,"anchor":%d,"last":%d,"entries":[' % (total, anchor, last)
    return _raw(200, head + b",".join(lines) + b"]}")


def _traffic_entry(pipeline: Pipeline, query: dict) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """GET traffic/entry?seq=N: the whole entry, 404 once the log no longer holds it."""
    parse_filters({k: v for k, v in query.items() if k != "seq"}, ())
    seq = integer(query, "seq", None, 0, 2 ** 62)
    if seq is None:
        raise FilterError("seq is required: the entry's sequence number.")
    line = pipeline.traffic.index.entry(seq)
    if line is None:
        return _json(404, {"error": "NotFound", "message": f"The traffic log no longer holds entry {seq} (or never "
                                                           f"did: the newest is {pipeline.traffic.seq})."})
    return _raw(200, line)


def _traffic_facets(pipeline: Pipeline, query: dict) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """GET traffic/facets: the values seen per filter, for the filter menus."""
    facets = pipeline.traffic.index.facets()
    facets["last"] = pipeline.traffic.index.last
    return _raw(200, json.dumps(facets).encode())


_TRAFFIC_READS = {"traffic/page": _traffic_page, "traffic/entry": _traffic_entry, "traffic/facets": _traffic_facets}
