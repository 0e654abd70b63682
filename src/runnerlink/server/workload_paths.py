"""What the subnet gateway asks the store and the network model: which workload these proxy credentials name, and
the path its request to host:port takes (as a network context for the pipeline)."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from dataclasses import asdict, dataclass

from runnerlink.config import Settings
from runnerlink.network import Path, find_path
from runnerlink.services import workload_index
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import topology as ec2_topology
from runnerlink.services.ec2 import workloads
from runnerlink.store import Store, StoreConflict


@dataclass(frozen=True)
class Decision:
    path: Path
    network: dict  # ctx.network for the pipeline (see the issue-5 contract)

    @property
    def reachable(self) -> bool:
        return self.path.outcome != "unreachable"


def credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of a Proxy-Authorization: Basic header."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def authenticate(store: Store, header: str | None) -> dict | None:
    """The workload the Proxy-Authorization header names (its id and token), else None."""
    found = credentials(header)
    if found is None:
        return None
    workload_id, token = found
    with store.transaction(workload_index.INDEX_SCOPE) as tx:
        scope = workload_index.find(tx, workload_id)
    if scope is None:
        return None
    with store.transaction("/".join(scope)) as tx:
        return workloads.find_by_token(_handler_context(tx, *scope), workload_id, token)


def decide(store: Store, settings: Settings, workload: dict, host: str, port: int) -> Decision:
    """The path from the workload to host:port, read from the current state of its account and region."""
    try:
        return _decide(store, settings, workload, host, port, write=False)
    except StoreConflict:  # reading seeded defaults while another process wrote: again, with the write lock
        return _decide(store, settings, workload, host, port, write=True)


def _decide(store: Store, settings: Settings, workload: dict, host: str, port: int, write: bool) -> Decision:
    account, region = workload["Account"], workload["Region"]
    with store.transaction(f"{account}/{region}", write=write) as tx:
        ctx = _handler_context(tx, account, region, settings.lifecycle_delay)
        topology = ec2_topology.build_topology(ctx, workload["VpcId"])
    path = find_path(topology, workloads.to_model(workload), host, port)
    endpoint = topology.endpoints.get(path.endpoint_id) if path.endpoint_id else None
    network = {
        "source": "vpc",
        "workload": workload["WorkloadId"],
        "account": account,
        "region": region,
        "vpc": workload["VpcId"],
        "subnet": workload["SubnetId"],
        "address": workload["PrivateIp"],
        "publicAddress": path.source_ip if path.outcome == "internet" else workload.get("PublicIp"),
        "outcome": path.outcome,
        "hops": [asdict(hop) for hop in path.hops],
        "endpoint": path.endpoint_id,
        "endpointPolicy": endpoint.policy if endpoint is not None else None,
        "host": host,
        "service": path.service,
    }
    if path.outcome == "unreachable":
        network["reason"] = path.reason
    return Decision(path, network)


def _handler_context(tx, account: str, region: str, lifecycle_delay: float = 0.0) -> HandlerContext:
    return HandlerContext(account=account, region=region, now=time.time(), tx=tx, lifecycle_delay=lifecycle_delay,
                          request_id=str(uuid.uuid4()), principal_arn=f"arn:aws:iam::{account}:root")
