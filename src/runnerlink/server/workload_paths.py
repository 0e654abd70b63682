"""What the subnet gateway asks the store and the network model: which workload these proxy credentials name, and
the path its request to host:port takes (as a network context for the pipeline)."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Hashable

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
    return _decide_now(store, settings, workload, host, port)[0]


def _decide_now(store: Store, settings: Settings, workload: dict, host: str, port: int) -> tuple[Decision, float]:
    """(the decision, the earliest instant at which a state it derived from the clock flips: math.inf for none)."""
    try:
        return _decide(store, settings, workload, host, port, write=False)
    except StoreConflict:  # reading seeded defaults while another process wrote: again, with the write lock
        return _decide(store, settings, workload, host, port, write=True)


class PathCache:
    """Decisions per (workload, host, port), kept while provably current, as the edge's read cache keeps answers: no
    commit to the store since (store.generation(): any EC2 write, by this process or another sharing the state, moves
    it) and no time-derived state (a pending endpoint, a NAT gateway being deleted …) due to flip. So a request inside
    a tunnel doesn't rebuild the topology, yet a changed route, group or endpoint policy applies to the next one."""

    MAX_ENTRIES = 10_000

    def __init__(self, store: Store, settings: Settings):
        self._store = store
        self._settings = settings
        # (workload id, host, port) → (computed_at, valid_until, decision), all at store generation self._generation
        self._entries: dict[tuple[str, str, int], tuple[float, float, Decision]] = {}
        self._generation: Hashable = None

    def decide(self, workload: dict, host: str, port: int) -> Decision:
        generation = self._store.generation()
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation
        key = (workload["WorkloadId"], host, port)
        entry = self._entries.get(key)
        now = time.time()
        if entry is not None and entry[0] <= now < entry[1]:
            return entry[2]
        decision, valid_until = _decide_now(self._store, self._settings, workload, host, port)
        # Kept only when nothing was committed meanwhile (the decision might match neither generation otherwise).
        if self._store.generation() == generation:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, valid_until, decision)
        return decision


def _decide(store: Store, settings: Settings, workload: dict, host: str, port: int,
            write: bool) -> tuple[Decision, float]:
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
    return Decision(path, network), ctx.changes_at


def _handler_context(tx, account: str, region: str, lifecycle_delay: float = 0.0) -> HandlerContext:
    return HandlerContext(account=account, region=region, now=time.time(), tx=tx, lifecycle_delay=lifecycle_delay,
                          request_id=str(uuid.uuid4()), principal_arn=f"arn:aws:iam::{account}:root")
