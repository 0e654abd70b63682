"""runnerlink's own endpoints under /_runnerlink/: health, and the local stand-ins for steps AWS does out of band
(completing a connection's OAuth handshake, validating a custom domain's certificate)."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import TYPE_CHECKING

from runnerlink.errors import AWSError
from runnerlink.server import admin_workloads
from runnerlink.server import network_admin
from runnerlink.server.traffic import FILTERS
from runnerlink.services.base import HandlerContext

if TYPE_CHECKING:
    from runnerlink.server.app import EdgeApp

_ARN_SCOPE = re.compile(r"arn:aws[\w-]*:[a-z0-9-]+:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):")


def handle(app: "EdgeApp", method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
    if path in ("health", "status"):
        return 200, app.health()
    if path == "workloads" or path.startswith("workloads/"):
        return admin_workloads.handle(app, method, path[len("workloads"):], query, body)
    if path == "traffic" and method == "GET":
        return _traffic(app, query)
    service, _, action = path.partition("/")
    if service == "network" and method == "POST" and action in network_admin.ACTIONS:
        return network_admin.handle(app, action, body)
    package = app.pipeline.packages.get(service)
    actions = getattr(package, "admin", None) or {}
    if method != "POST" or action not in actions:
        return 404, {"error": "NotFound", "message": f"No runnerlink endpoint {method} /_runnerlink/{path}."}
    try:
        params = json.loads(body or b"{}")
        arn = next((v for v in params.values() if isinstance(v, str) and v.startswith("arn:")), "")
        match = _ARN_SCOPE.match(arn)
        if not isinstance(params, dict) or not match:
            return 400, {"error": "InvalidRequest", "message": "Send a JSON object naming the resource ARN."}
        with app.store.transaction(f"{match['account']}/{match['region']}", write=True) as tx:
            ctx = HandlerContext(account=match["account"], region=match["region"], now=time.time(), tx=tx,
                                 lifecycle_delay=app.settings.lifecycle_delay, request_id=str(uuid.uuid4()),
                                 principal_arn=f"arn:aws:iam::{match['account']}:root")
            return 200, actions[action](ctx, params)
    except AWSError as error:
        return error.status, {"error": error.code, "message": error.message}
    except ValueError as error:
        return 400, {"error": "InvalidRequest", "message": str(error)}


def _traffic(app: "EdgeApp", query: dict) -> tuple[int, dict]:
    """GET /_runnerlink/traffic?since=SEQ&limit=N&service=&operation=&outcome=&workload= (oldest first)."""
    try:
        since = int(query["since"]) if query.get("since") else None
        limit = max(1, min(int(query.get("limit") or 100), 10_000))
    except ValueError:
        return 400, {"error": "InvalidRequest", "message": "since and limit are integers."}
    log = app.pipeline.traffic
    filters = {name: query.get(name) for name in FILTERS}
    entries = log.query(since=since, limit=limit, **filters)
    return 200, {"requests": entries, "last": log.seq}
