"""Where a request came from, as every layer above the network model reads it: from the internet (straight to the
edge), or from a workload in a subnet along the path the model found, through an endpoint or over the internet."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from runnerlink.network.path import Hop, Path

INTERNET = "internet"  # source and outcome of a request sent straight to the edge
VPC = "vpc"  # source of a request from a workload, carried by the subnet gateway
LOCAL = "local"  # source and outcome of runnerlink's own actions (/_runnerlink/…): no AWS path at all
ENDPOINT = "endpoint"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class NetworkContext:
    source: str = INTERNET  # INTERNET | VPC | LOCAL
    outcome: str = INTERNET  # ENDPOINT | INTERNET | UNREACHABLE | LOCAL
    workload: str | None = None
    workload_name: str | None = None  # whose workload it is, for the log ("apprunner:<service>" for an app's egress)
    owner: str | None = None  # the ARN of the resource the workload is part of (an App Runner service)
    account: str | None = None  # the workload's account and region (the request names its own in SigV4)
    region: str | None = None
    vpc: str | None = None
    subnet: str | None = None
    address: str | None = None  # the workload's private address (aws:VpcSourceIp through an endpoint)
    public_address: str | None = None  # aws:SourceIp over the internet: the workload's or its NAT gateway's
    host: str | None = None
    service: str | None = None  # the AWS service the host names ("apprunner", "codebuild" …)
    endpoint: str | None = None
    endpoint_vpc: str | None = None  # aws:SourceVpc: the endpoint's VPC (the peer's, across a VPC peering connection)
    endpoint_policy: str | None = None  # the endpoint's policy document, None for AWS's default
    hops: tuple[Hop, ...] = field(default=())
    reason: str | None = None  # why an unreachable path fails

    @classmethod
    def from_path(cls, path: Path, workload: str, account: str, region: str, public_ip: str | None,
                  endpoint_policy: str | None, workload_name: str | None = None,
                  owner: str | None = None) -> "NetworkContext":
        """A workload's request along `path`."""
        return cls(source=VPC, outcome=path.outcome, workload=workload, workload_name=workload_name, owner=owner,
                   account=account, region=region,
                   vpc=path.vpc_id, subnet=path.subnet_id, address=path.private_ip,
                   public_address=path.source_ip if path.outcome == INTERNET else public_ip, host=path.host,
                   service=path.service, endpoint=path.endpoint_id, endpoint_vpc=path.endpoint_vpc_id,
                   endpoint_policy=endpoint_policy,
                   hops=path.hops, reason=path.reason if path.outcome == UNREACHABLE else None)

    @property
    def through_endpoint(self) -> bool:
        return self.outcome == ENDPOINT

    def condition_keys(self, region: str | None, received_at: float) -> dict[str, Any]:
        """The global condition keys the path sets: the endpoint keys through an endpoint, aws:SourceIp otherwise."""
        keys: dict[str, Any] = {}
        if self.outcome == ENDPOINT:
            keys["aws:SourceVpce"] = self.endpoint
            keys["aws:SourceVpc"] = self.endpoint_vpc or self.vpc
            keys["aws:VpcSourceIp"] = self.address
        else:
            keys["aws:SourceIp"] = self.public_address or "127.0.0.1"
        if region:
            keys["aws:RequestedRegion"] = region
        keys["aws:EpochTime"], keys["aws:CurrentTime"] = _times(received_at)
        return {k: v for k, v in keys.items() if v is not None}

    @cached_property
    def log_fields(self) -> dict[str, Any]:
        """The traffic log's view of the path (made once per path: the gateway reuses a path's context for every
        request along it; read it, don't change it)."""
        return {"source": self.source, "workload": self.workload, "workloadName": self.workload_name,
                "owner": self.owner, "vpc": self.vpc, "subnet": self.subnet,
                "address": self.address, "host": self.host, "outcome": self.outcome,
                "hops": [{"step": h.step, "ok": h.ok, "detail": h.detail} for h in self.hops] if self.hops else None,
                "endpoint": self.endpoint}


DIRECT = NetworkContext()
RUNNERLINK_ACTION = NetworkContext(source=LOCAL, outcome=LOCAL)

_last_times: tuple[int, tuple[str, str]] = (-1, ("", ""))


def _times(received_at: float) -> tuple[str, str]:
    """(aws:EpochTime, aws:CurrentTime) of an instant; the same second's strings are formatted once."""
    global _last_times
    second = int(received_at)
    if received_at < 0:  # before 1970 int() and gmtime() round differently: not worth a cache
        return str(second), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(received_at))
    if _last_times[0] != second:
        _last_times = (second, (str(second), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(received_at))))
    return _last_times[1]
