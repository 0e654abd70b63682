"""What every rule is given: the model, the configuration, and the questions rules share (who calls AWS from
where, where such a call ends up), answered once per audit."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Iterable

from runnerlink.audit.config import AuditConfig
from runnerlink.audit.findings import Finding
from runnerlink.audit.model import AuditModel, Placement
from runnerlink.network import Endpoint, Path, Subnet, Topology, Workload, find_path
from runnerlink.network.dns import default_private_dns_name
from runnerlink.network.path import is_requests_endpoint

MODEL_PUBLIC_IP = "192.0.2.254"  # RFC 5737: a placement with a public address, as the path finder needs one
# Endpoint states in which an endpoint no longer exists, or never will: it counts for nothing.
GONE_STATES = frozenset({"deleted", "deleting", "failed", "rejected", "expired"})
# Services a Gateway endpoint serves as well as an Interface endpoint does.
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # the default; the configuration may change it
    title: str  # a short name ("No App Runner interface endpoint")
    description: str  # what it checks and why it matters (SARIF's rule help, the HTML legend)
    check: Callable[["AuditContext"], Iterable[Finding]]


class AuditContext:
    def __init__(self, model: AuditModel, config: AuditConfig):
        self.model, self.config = model, config
        self.topology = model.topology
        self._traces: dict[tuple[str, str, str], Path] = {}

    @property
    def region(self) -> str:
        return self.topology.region

    def host_of(self, service: str) -> str:
        """The service's default (public) DNS name in the audited region; dotted services' labels are reversed, as
        AWS names them (ecr.api → api.ecr.us-east-1.amazonaws.com). ECR's registry (ecr.dkr) answers only under an
        account's name (<account>.dkr.ecr.<region>.amazonaws.com, what its endpoint's wildcard private name covers)."""
        if service == "ecr.dkr":
            return f"{self.topology.account or '000000000000'}.dkr.ecr.{self.region}.amazonaws.com"
        return default_private_dns_name(self.service_name(service)) or f"{service}.{self.region}.amazonaws.com"

    def service_name(self, service: str) -> str:
        return f"com.amazonaws.{self.region}.{service}"

    @cached_property
    def placements(self) -> tuple[Placement, ...]:
        """Everything that calls AWS from a subnet: the source's workloads, each subnet of each App Runner VPC
        connector (with the connector's groups), and the configured build/deploy subnets — only in subnets the model
        has."""
        subnets = self.topology.subnets
        found: list[Placement] = [p for p in self.model.placements if p.subnet_id in subnets]
        for connector in self.model.connectors.values():
            for subnet_id in connector.subnet_ids:
                if subnet_id in subnets:
                    found.append(Placement(connector.arn, "connector", subnets[subnet_id].vpc_id, subnet_id,
                                           connector.group_ids, False, f"VPC connector {connector.name}"))
        by_address = {loc.address: rid for rid, loc in self.model.locations.items()}
        for name in self.config.build_subnets:
            subnet_id = name if name in subnets else by_address.get(name)
            if subnet_id in subnets:
                found.append(Placement(subnet_id, "build-subnet", subnets[subnet_id].vpc_id, subnet_id,
                                       label=f"build/deploy subnet {name}"))
        return tuple(found)

    @cached_property
    def placements_by_vpc(self) -> dict[str, tuple[Placement, ...]]:
        grouped: dict[str, list[Placement]] = {}
        for placement in self.placements:
            grouped.setdefault(placement.vpc_id, []).append(placement)
        return {vpc: tuple(items) for vpc, items in grouped.items()}

    @cached_property
    def _vpc_topologies(self) -> dict[str, Topology]:
        """A Topology per VPC with only what a workload in it can meet (its own and its peers' resources), so a
        trace reads tens of objects, not the whole account's."""
        topology = self.topology
        peers: dict[str, set[str]] = {vpc: {vpc} for vpc in topology.vpcs}
        for peering in topology.peerings.values():
            peers.setdefault(peering.requester_vpc_id, {peering.requester_vpc_id}).add(peering.accepter_vpc_id)
            peers.setdefault(peering.accepter_vpc_id, {peering.accepter_vpc_id}).add(peering.requester_vpc_id)

        def by_vpc(items: dict, vpc_of: Callable) -> dict[str, dict]:
            grouped: dict[str, dict] = {}
            for key, item in items.items():
                grouped.setdefault(vpc_of(item), {})[key] = item
            return grouped

        subnets = by_vpc(topology.subnets, lambda s: s.vpc_id)
        tables = by_vpc(topology.route_tables, lambda t: t.vpc_id)
        groups = by_vpc(topology.security_groups, lambda g: g.vpc_id)
        endpoints = by_vpc(topology.endpoints, lambda e: e.vpc_id)
        interfaces = by_vpc(topology.interfaces, lambda i: i.vpc_id)
        gateways = by_vpc(topology.internet_gateways, lambda g: g.vpc_id or "")
        nat_vpc = {n.id: topology.subnets[n.subnet_id].vpc_id for n in topology.nat_gateways.values()
                   if n.subnet_id in topology.subnets}
        nats = by_vpc(topology.nat_gateways, lambda n: nat_vpc.get(n.id, ""))

        def union(grouped: dict[str, dict], vpcs: set[str]) -> dict:
            merged: dict = {}
            for vpc in vpcs:
                merged.update(grouped.get(vpc, {}))
            return merged

        answer = {}
        for vpc_id, scope in peers.items():
            answer[vpc_id] = replace(
                topology, vpcs={v: topology.vpcs[v] for v in scope if v in topology.vpcs},
                subnets=union(subnets, scope), route_tables=union(tables, scope),
                security_groups=union(groups, scope), endpoints=union(endpoints, scope),
                interfaces=union(interfaces, scope), internet_gateways=union(gateways, scope),
                nat_gateways=union(nats, scope),
                peerings={k: p for k, p in topology.peerings.items()
                          if p.requester_vpc_id == vpc_id or p.accepter_vpc_id == vpc_id})
        return answer

    def vpc_topology(self, vpc_id: str) -> Topology:
        return self._vpc_topologies.get(vpc_id, self.topology)

    def workload(self, placement: Placement) -> Workload:
        """The placement as the path finder's workload: the subnet's last usable address (no source knows the
        real one, and the same subnet gives the same address in every source), its groups (else the VPC's default
        group), a model public address when it has one."""
        subnet = self.topology.subnets[placement.subnet_id]
        network = ipaddress.ip_network(subnet.cidr, strict=False)
        address = str(network.broadcast_address - 1)
        groups = placement.group_ids or tuple(g for g in (self.model.default_groups.get(subnet.vpc_id),) if g)
        public = subnet.map_public_ip if placement.public_ip is None else placement.public_ip
        return Workload(placement.id, self.topology.account, self.region, subnet.vpc_id, subnet.id, address, groups,
                        MODEL_PUBLIC_IP if public else None)

    def trace(self, placement: Placement, host: str) -> Path:
        """Where a placement's HTTPS request to host ends up (memoized per audit)."""
        key = (placement.subnet_id, ",".join(placement.group_ids), host)
        if key not in self._traces:
            self._traces[key] = find_path(self.vpc_topology(placement.vpc_id), self.workload(placement), host)
        return self._traces[key]

    # Lookups the rules share, indexed once per audit (one pass over the account, then per-VPC reads).

    @cached_property
    def _endpoint_index(self) -> tuple[dict[str, list[Endpoint]], dict[tuple[str, str], list[Endpoint]]]:
        by_vpc: dict[str, list[Endpoint]] = {}
        by_service: dict[tuple[str, str], list[Endpoint]] = {}
        for endpoint in self.topology.endpoints.values():
            if endpoint.state in GONE_STATES:
                continue
            by_vpc.setdefault(endpoint.vpc_id, []).append(endpoint)
            service = self.service_of(endpoint)
            if service is not None:
                by_service.setdefault((endpoint.vpc_id, service), []).append(endpoint)
        return by_vpc, by_service

    @cached_property
    def _subnet_index(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = {}
        for subnet in self.topology.subnets.values():
            grouped.setdefault(subnet.vpc_id, []).append(subnet)
        return grouped

    def service_of(self, endpoint: Endpoint) -> str | None:
        """The endpoint's service short name in the audited region ("apprunner", "ecr.api"), None for others."""
        prefix = f"com.amazonaws.{self.region}."
        return endpoint.service_name[len(prefix):] if endpoint.service_name.startswith(prefix) else None

    def endpoints_in(self, vpc_id: str) -> tuple[Endpoint, ...]:
        """The VPC's endpoints that exist (not deleted, deleting, failed or rejected)."""
        return tuple(self._endpoint_index[0].get(vpc_id, ()))

    def endpoints_for(self, vpc_id: str, service: str, types: tuple[str, ...] = ("Interface",)) -> tuple[Endpoint, ...]:
        """The VPC's existing endpoints for a service (short name), of the given types."""
        return tuple(e for e in self._endpoint_index[1].get((vpc_id, service), ()) if e.type in types)

    @staticmethod
    def serving_types(service: str) -> tuple[str, ...]:
        """The endpoint types that keep a service's calls in the VPC: Interface, and Gateway for S3 and DynamoDB."""
        return ("Interface", "Gateway") if service in GATEWAY_SERVICES else ("Interface",)

    def subnets_in(self, vpc_id: str) -> tuple[Subnet, ...]:
        return tuple(self._subnet_index.get(vpc_id, ()))

    def representatives(self, vpc_id: str) -> tuple[Placement, ...]:
        """One placement per (subnet, security groups) in the VPC: the ones whose paths can differ."""
        seen: dict[tuple[str, tuple[str, ...]], Placement] = {}
        for placement in self.placements_by_vpc.get(vpc_id, ()):
            seen.setdefault((placement.subnet_id, placement.group_ids), placement)
        return tuple(seen.values())

    def placement_subnets(self, vpc_id: str) -> tuple[str, ...]:
        """The subnets of the VPC's placements, in placement order."""
        return tuple(dict.fromkeys(p.subnet_id for p in self.placements_by_vpc.get(vpc_id, ())))

    def who(self, placement: Placement) -> str:
        """How evidence names a placement: what it is, its subnet and zone."""
        subnet = self.topology.subnets[placement.subnet_id]
        return f"{placement.label or placement.id} in {subnet.id} ({subnet.zone})"


def is_requests(endpoint: Endpoint) -> bool:
    """An apprunner.requests endpoint: a private App Runner service's data plane, not an AWS API."""
    return is_requests_endpoint(endpoint)


def endpoint_groups(topology: Topology, endpoint: Endpoint) -> tuple[str, ...]:
    """The security groups of an endpoint: its own, and any its network interfaces carry besides."""
    groups = list(endpoint.group_ids)
    for interface_id in endpoint.interface_ids:
        interface = topology.interfaces.get(interface_id)
        if interface is not None:
            groups += [g for g in interface.group_ids if g not in groups]
    return tuple(groups)


def describe_path(path: Path) -> str:
    """A path's outcome and reason, as evidence."""
    if path.outcome == "internet":
        return f"goes {path.reason}: it succeeds with no indication that it left the VPC"
    if path.outcome == "unreachable":
        return f"is unreachable: {path.reason}"
    return f"goes {path.reason}"
