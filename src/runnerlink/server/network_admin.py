"""POST /_runnerlink/network/resolve and /_runnerlink/network/trace: what a name resolves to from a subnet, and the
path a request would take (and why), without sending it.

Body: {"account", "region", "subnet" | "workload", "securityGroups", "publicIp", "host" | "url"}. Without a workload
id the question is asked for a hypothetical workload placed in the subnet (its groups given, else the VPC's default
group; a public address as publicIp says, else as the subnet's MapPublicIpOnLaunch)."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from runnerlink.config import DEFAULT_ACCOUNT
from runnerlink.errors import AWSError
from runnerlink.network import Workload, find_path, resolve
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import topology
from runnerlink.services.ec2.vpcs import ensure_default_vpc

if TYPE_CHECKING:
    from runnerlink.server.app import EdgeApp

ACTIONS = ("resolve", "trace")


class _BadRequest(ValueError):
    pass


def target(params: dict) -> tuple[str, int, str]:
    """(host, port, scheme) from "url" (https://host[:port]/…, or a bare host[:port]) or "host"."""
    raw = params.get("url") or params.get("host")
    if not isinstance(raw, str) or not raw.strip():
        raise _BadRequest("Name a host (\"host\") or a URL (\"url\").")
    raw = raw.strip()
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _BadRequest(f"Not an http(s) URL: {raw}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise _BadRequest(f"Bad port in {raw}: {error}") from None
    return parts.hostname, port, parts.scheme


def _workload(ctx: HandlerContext, params: dict) -> Workload:
    workload_id = params.get("workload")
    if workload_id:
        try:
            from runnerlink.services.ec2 import workloads
        except ImportError:  # the subnet gateway's workloads are not part of this build
            raise _BadRequest("Workloads are not available; name a subnet instead.") from None
        record = workloads.get_workload(ctx, workload_id)
        if record is None:
            raise _BadRequest(f"No workload {workload_id} in {ctx.account}/{ctx.region}.")
        return workloads.to_model(record)
    subnet_id = params.get("subnet")
    if not isinstance(subnet_id, str) or not subnet_id:
        raise _BadRequest("Name a subnet (\"subnet\") or a workload (\"workload\").")
    groups = params.get("securityGroups") or []
    if isinstance(groups, str):
        groups = [groups]
    public = params.get("publicIp")
    if public is not None and not isinstance(public, (bool, str)):
        raise _BadRequest("publicIp is true, false or an address.")
    return topology.workload_model(ctx, subnet_id, list(groups), public)


def _workload_view(workload: Workload) -> dict:
    return {"id": workload.id, "vpc": workload.vpc_id, "subnet": workload.subnet_id,
            "privateIp": workload.private_ip, "securityGroups": list(workload.group_ids),
            "publicIp": workload.public_ip}


def handle(app: "EdgeApp", action: str, body: bytes) -> tuple[int, dict]:
    try:
        params = json.loads(body or b"{}")
        if not isinstance(params, dict):
            raise _BadRequest("Send a JSON object.")
        account = str(params.get("account") or DEFAULT_ACCOUNT)
        region = str(params.get("region") or app.settings.region)
        host, port, scheme = target(params)
        # A write transaction: the account's default VPC is seeded on first use, as any EC2 call would.
        with app.store.transaction(f"{account}/{region}", write=True) as tx:
            ctx = HandlerContext(account=account, region=region, now=time.time(), tx=tx,
                                 lifecycle_delay=app.settings.lifecycle_delay, request_id=str(uuid.uuid4()),
                                 principal_arn=f"arn:aws:iam::{account}:root")
            ensure_default_vpc(ctx)
            workload = _workload(ctx, params)
            model = topology.build_topology(ctx, workload.vpc_id)
        answer: dict = {"account": account, "region": region, "workload": _workload_view(workload)}
        if action == "resolve":
            found = resolve(model, workload, host)
            answer["resolution"] = {"host": found.host, "addresses": list(found.addresses), "via": found.via,
                                    "endpoint": found.endpoint_id, "reason": found.reason}
        else:
            answer.update(url=params.get("url") or f"{scheme}://{host}:{port}/", port=port,
                          path=find_path(model, workload, host, port).to_dict())
        return 200, answer
    except AWSError as error:
        return error.status, {"error": error.code, "message": error.message}
    except (ValueError, TypeError) as error:
        return 400, {"error": "InvalidRequest", "message": str(error)}
