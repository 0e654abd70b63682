"""What the subnet gateway asks the store and the network model: which workload these proxy credentials name, and
the path its request to host:port takes (as the network context of the requests along it)."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import Hashable

from runnerlink.config import Settings
from runnerlink.network import Path, find_path
from runnerlink.network.path import is_requests_endpoint
from runnerlink.network.context import NetworkContext, UNREACHABLE
from runnerlink.services import workload_index
from runnerlink.services.base import HandlerContext, run_handler
from runnerlink.server.network_view import topology_of as network_of
from runnerlink.services.ec2 import workloads
from runnerlink.store import Store


@dataclass(frozen=True)
class Decision:
    path: Path
    network: NetworkContext

    @property
    def reachable(self) -> bool:
        return self.path.outcome != UNREACHABLE


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


def authenticate(store: Store, settings: Settings, header: str | None) -> dict | None:
    """The workload the Proxy-Authorization header names (its id and token), else None."""
    found = credentials(header)
    if found is None:
        return None
    workload_id, token = found
    with store.transaction(workload_index.INDEX_SCOPE) as tx:
        scope = workload_index.find(tx, workload_id)
    if scope is None:
        return None
    return run_handler(store, lambda ctx: workloads.find_by_token(ctx, workload_id, token), *scope, write=False,
                       lifecycle_delay=settings.lifecycle_delay)[0]


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
        decision, valid_until = _decide(self._store, self._settings, workload, host, port)
        # Kept only when nothing was committed meanwhile (the decision might match neither generation otherwise).
        if self._store.generation() == generation:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, valid_until, decision)
        return decision


def _decide(store: Store, settings: Settings, workload: dict, host: str, port: int) -> tuple[Decision, float]:
    """(the decision, the earliest instant at which a state it derived from the clock flips: math.inf for none)."""
    account, region = workload["Account"], workload["Region"]

    def topology_of(ctx: HandlerContext):
        return network_of(ctx, workload["VpcId"])

    topology, ctx = run_handler(store, topology_of, account, region, write=False,
                                lifecycle_delay=settings.lifecycle_delay)
    path = find_path(topology, workloads.to_model(workload), host, port)
    endpoint = topology.endpoints.get(path.endpoint_id) if path.endpoint_id else None
    # AWS supports no endpoint policy on apprunner.requests endpoints: a stored one is not applied.
    policy = endpoint.policy if endpoint is not None and not is_requests_endpoint(endpoint) else None
    network = NetworkContext.from_path(path, workload["WorkloadId"], account, region, workload.get("PublicIp"),
                                       policy, workload_name=workload.get("Name"), owner=workload.get("Owner"))
    return Decision(path, network), ctx.changes_at
