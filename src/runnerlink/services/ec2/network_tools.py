"""runnerlink's network questions, asked of a subnet: what a name resolves to there, and the path a request would
take (and why), without sending it. POST /_runnerlink/network/resolve and /_runnerlink/network/trace.

Body: {"account", "region", "subnet" | "workload", "securityGroups", "publicIp", "host" | "url"}. Without a workload
id the question is asked for a hypothetical workload placed in the subnet (its groups given, else the VPC's default
group; a public address as publicIp says, else as the subnet's MapPublicIpOnLaunch)."""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from runnerlink.network import Topology, Workload, find_path, resolve
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import topology, workloads
from runnerlink.services.ec2.defaults import ensure_default_vpc


def target(params: dict) -> tuple[str, int, str]:
    """(host, port, scheme) from "url" (https://host[:port]/…, or a bare host[:port]) or "host"."""
    raw = params.get("url") or params.get("host")
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("Name a host (\"host\") or a URL (\"url\").")
    raw = raw.strip()
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not an http(s) URL: {raw}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValueError(f"Bad port in {raw}: {error}") from None
    return parts.hostname, port, parts.scheme


def _workload(ctx: HandlerContext, params: dict) -> Workload:
    workload_id = params.get("workload")
    if workload_id:
        record = workloads.get_workload(ctx, workload_id)
        if record is None:
            raise ValueError(f"No workload {workload_id} in {ctx.account}/{ctx.region}.")
        return workloads.to_model(record)
    subnet_id = params.get("subnet")
    if not isinstance(subnet_id, str) or not subnet_id:
        raise ValueError("Name a subnet (\"subnet\") or a workload (\"workload\").")
    groups = params.get("securityGroups") or []
    if isinstance(groups, str):
        groups = [groups]
    public = params.get("publicIp")
    if public is not None and not isinstance(public, (bool, str)):
        raise ValueError("publicIp is true, false or an address.")
    return topology.workload_model(ctx, subnet_id, list(groups), public)


def _workload_view(workload: Workload) -> dict:
    return {"id": workload.id, "vpc": workload.vpc_id, "subnet": workload.subnet_id,
            "privateIp": workload.private_ip, "securityGroups": list(workload.group_ids),
            "publicIp": workload.public_ip}


# How the network is read: EC2's topology by default; the server composes other services' names into it.
TopologyOf = Callable[[HandlerContext, str], Topology]


def _asked(ctx: HandlerContext, params: dict, topology_of: TopologyOf) -> tuple[dict, Workload, Topology]:
    ensure_default_vpc(ctx)  # the account's default VPC is seeded on first use, as any EC2 call would
    workload = _workload(ctx, params)
    answer = {"account": ctx.account, "region": ctx.region, "workload": _workload_view(workload)}
    return answer, workload, topology_of(ctx, workload.vpc_id)


def resolve_name(ctx: HandlerContext, params: dict, topology_of: TopologyOf = topology.build_topology) -> dict:
    host, _, _ = target(params)
    answer, workload, model = _asked(ctx, params, topology_of)
    found = resolve(model, workload, host)
    answer["resolution"] = {"host": found.host, "addresses": list(found.addresses), "via": found.via,
                            "endpoint": found.endpoint_id, "reason": found.reason}
    return answer


def trace_path(ctx: HandlerContext, params: dict, topology_of: TopologyOf = topology.build_topology) -> dict:
    host, port, scheme = target(params)
    answer, workload, model = _asked(ctx, params, topology_of)
    answer.update(url=params.get("url") or f"{scheme}://{host}:{port}/", port=port,
                  path=find_path(model, workload, host, port).to_dict())
    return answer


ADMIN = {"resolve": resolve_name, "trace": trace_path}
