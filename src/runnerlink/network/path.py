"""The path of one request from a workload to a host: DNS, route, security groups, and where it ends up
(DESIGN.md section 4). Every step is a hop; an unreachable path's reason names the hop that failed."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from runnerlink.network import dns, routing, security
from runnerlink.network.dns import Resolution, resolve
from runnerlink.network.model import Endpoint, Interface, Route, RouteTable, Topology, Workload

__all__ = ["Hop", "Path", "Resolution", "find_path", "resolve"]


@dataclass(frozen=True)
class Hop:
    step: str  # "dns" | "route" | "peering" | "security-group" | "endpoint" | "nat" | "internet-gateway"
    ok: bool
    detail: str


@dataclass(frozen=True)
class Path:
    outcome: str  # "endpoint" | "internet" | "unreachable"
    hops: tuple[Hop, ...]
    reason: str
    host: str
    service: str | None  # "apprunner", "codebuild", "ecr.api" … (None for a host that is not AWS's)
    endpoint_id: str | None
    vpc_id: str | None
    subnet_id: str | None
    private_ip: str | None  # the workload's address (aws:VpcSourceIp on the endpoint path)
    source_ip: str | None  # aws:SourceIp on the internet path: the workload's public address or the NAT's EIP
    destination_ip: str | None
    # The endpoint's VPC (aws:SourceVpc), when the path ends at an endpoint: another than the workload's only across
    # a VPC peering connection.
    endpoint_vpc_id: str | None = None
    # The host is an App Runner application's (<id>.<region>.awsapprunner.com): App Runner's front end answers it,
    # not an AWS API.
    application: bool = False

    def to_dict(self) -> dict:
        answer = {"outcome": self.outcome, "reason": self.reason, "host": self.host, "service": self.service,
                  "endpoint": self.endpoint_id, "vpc": self.vpc_id, "subnet": self.subnet_id,
                  "privateIp": self.private_ip, "sourceIp": self.source_ip, "destinationIp": self.destination_ip,
                  "hops": [asdict(h) for h in self.hops]}
        if self.endpoint_vpc_id and self.endpoint_vpc_id != self.vpc_id:
            answer["endpointVpc"] = self.endpoint_vpc_id
        if self.application:
            answer["application"] = True
        return answer


class _Unreachable(Exception):
    def __init__(self, step: str, detail: str):
        super().__init__(detail)
        self.hop = Hop(step, False, detail)


class _Trace:
    """The hops of one path as it is followed."""

    def __init__(self, topology: Topology, workload: Workload, host: str, port: int):
        self.topology, self.workload, self.host, self.port = topology, workload, host, port
        self.hops: list[Hop] = []

    def ok(self, step: str, detail: str) -> None:
        self.hops.append(Hop(step, True, detail))

    def label(self, address: str) -> str:
        return address if address == self.host else f"{address} ({self.host})"

    def check_egress(self, destination: str, destination_groups: tuple[str, ...] = ()) -> str:
        """The workload's groups must let TCP <port> out to destination; the rule that does, described."""
        found = security.lets_out(self.topology, self.workload.group_ids, "tcp", self.port, destination,
                                  destination_groups)
        if found is None:
            groups = ", ".join(self.workload.group_ids) or "(none)"
            raise _Unreachable("security-group", f"security groups {groups} of {self.workload.id} do not allow "
                                                 f"TCP {self.port} out to {destination}")
        return f"{found[0]} allows TCP {self.port} out ({security.describe(found[1])})"


def _pick(topology: Topology, workload: Workload, addresses: tuple[str, ...]) -> str:
    """The address a client uses: an endpoint ENI in its own subnet, then its zone, else the first."""
    subnet = topology.subnets.get(workload.subnet_id)
    by_ip = {i.private_ip: i for i in topology.interfaces.values() if i.private_ip in addresses}

    def rank(address: str) -> int:
        interface = by_ip.get(address)
        if interface is None:
            return 2
        if interface.subnet_id == workload.subnet_id:
            return 0
        other = topology.subnets.get(interface.subnet_id)
        return 1 if subnet and other and other.zone == subnet.zone else 2

    return min(addresses, key=lambda a: (rank(a), addresses.index(a)))


def _route(trace: _Trace, table: RouteTable, destination: str) -> Route:
    route = routing.lookup(table, destination, trace.topology.prefix_lists)
    if route is None:
        raise _Unreachable("route", f"no route from {table.id} to {trace.label(destination)}")
    peering = trace.topology.peerings.get(route.target)
    if route.state != "active" or (peering is not None and peering.status != "active"):
        why = f" (VPC peering connection {peering.id} is {peering.status})" if peering is not None else ""
        raise _Unreachable("route", f"route {routing.describe(route)} in {table.id} is a blackhole{why}: "
                                    f"{trace.label(destination)} is dropped")
    return route


def _interface_at(topology: Topology, address: str) -> Interface | None:
    return next((i for i in topology.interfaces.values() if i.private_ip == address), None)


def _endpoint_at(topology: Topology, address: str) -> Endpoint | None:
    """The interface endpoint whose network interface has this address (a client may connect to it directly)."""
    interface = _interface_at(topology, address)
    if interface is None:
        return None
    return next((e for e in topology.endpoints.values() if e.type == "Interface" and interface.id in e.interface_ids),
                None)


def _across_peering(trace: _Trace, endpoint: Endpoint, table: RouteTable, route: Route, destination: str) -> str:
    """The hops through an active VPC peering connection to an endpoint's ENI in the peer VPC, replies included:
    AWS delivers only if the ENI's subnet routes the workload's address back through the same connection."""
    topology, workload = trace.topology, trace.workload
    peering = topology.peerings.get(route.target)
    if peering is None:
        raise _Unreachable("peering", f"VPC peering connection {route.target} does not exist")
    peer = peering.peer_of(workload.vpc_id)
    if peer is None or peer != endpoint.vpc_id:
        raise _Unreachable("peering", f"VPC peering connection {peering.id} connects {peering.requester_vpc_id} and "
                                      f"{peering.accepter_vpc_id}: endpoint {endpoint.id} is in {endpoint.vpc_id}")
    trace.ok("route", f"{table.id}: {destination} matches {routing.describe(route)}: VPC peering connection "
                      f"{peering.id} to {peer}")
    interface = _interface_at(topology, destination)
    back_table = routing.table_of(topology, interface.subnet_id) if interface else None
    back = routing.lookup(back_table, workload.private_ip, topology.prefix_lists) if back_table else None
    if back is None or back.target != peering.id or back.state != "active":
        where = f"{back_table.id} (subnet {interface.subnet_id})" if back_table and interface else f"{peer}"
        found = f": it has {routing.describe(back)}" if back is not None else ""
        raise _Unreachable("peering", f"no route back from {where} to {workload.private_ip} through {peering.id}"
                                      f"{found}; the replies are dropped")
    trace.ok("peering", f"{peering.id} ({peering.requester_vpc_id} ⇄ {peering.accepter_vpc_id}) is active; "
                        f"replies: {back_table.id}: {workload.private_ip} matches {routing.describe(back)}")
    return peering.id


def _to_endpoint(trace: _Trace, endpoint: Endpoint, table: RouteTable, route: Route, destination: str) -> str:
    topology, workload = trace.topology, trace.workload
    via = ""
    if route.target.startswith("pcx-"):
        via = f" (through VPC peering connection {_across_peering(trace, endpoint, table, route, destination)})"
    elif route.target != "local" or endpoint.vpc_id != workload.vpc_id:
        raise _Unreachable("route", f"no route from {table.id} to {trace.label(destination)}: endpoint "
                                    f"{endpoint.id} is in {endpoint.vpc_id}, not {workload.vpc_id}")
    else:
        trace.ok("route", f"{table.id}: {destination} matches {routing.describe(route)} (within {workload.vpc_id})")
    if endpoint.state != "available":
        raise _Unreachable("endpoint", f"endpoint {endpoint.id} is {endpoint.state}")
    interface = _interface_at(topology, destination)
    groups = interface.group_ids if interface and interface.group_ids else endpoint.group_ids
    out = trace.check_egress(destination, groups)
    admitted = security.admits(topology, groups, "tcp", trace.port, workload.private_ip, workload.group_ids)
    if admitted is None:
        noun = "security group" if len(groups) == 1 else "security groups"
        raise _Unreachable("security-group", f"{noun} {', '.join(groups) or '(none)'} of {endpoint.id} "
                                             f"{'does' if len(groups) == 1 else 'do'} not admit TCP {trace.port} "
                                             f"from {workload.private_ip}")
    trace.ok("security-group", f"{out}; {admitted[0]} of {endpoint.id} admits TCP {trace.port} from "
                               f"{workload.private_ip} ({security.describe(admitted[1])})")
    eni = f" ENI {interface.id}" if interface else ""
    policy = ("App Runner's front end takes it (endpoint policies do not apply to apprunner.requests)"
              if is_requests_endpoint(endpoint) else "the endpoint policy applies")
    trace.ok("endpoint", f"{endpoint.id} ({endpoint.service_name}){eni} in {endpoint.vpc_id}{via}: {policy}")
    return f"through endpoint {endpoint.id} ({endpoint.service_name}) at {destination}{via}"


def _to_gateway_endpoint(trace: _Trace, table: RouteTable, route: Route, destination: str) -> Endpoint:
    """A gateway endpoint (S3, DynamoDB) takes the traffic its prefix-list route matches, in its own VPC."""
    workload = trace.workload
    endpoint = trace.topology.endpoints.get(route.target)
    if endpoint is None or endpoint.type != "Gateway":
        raise _Unreachable("route", f"route {routing.describe(route)} in {table.id}: {route.target} is not a "
                                    f"gateway endpoint")
    if endpoint.vpc_id != workload.vpc_id:
        raise _Unreachable("route", f"gateway endpoint {endpoint.id} is in {endpoint.vpc_id}, not {workload.vpc_id}")
    trace.ok("route", f"{table.id}: {destination} matches {routing.describe(route)} (the prefix list of "
                      f"{endpoint.service_name})")
    if endpoint.state != "available":
        raise _Unreachable("endpoint", f"endpoint {endpoint.id} is {endpoint.state}")
    trace.ok("security-group", trace.check_egress(destination))
    trace.ok("endpoint", f"gateway endpoint {endpoint.id} ({endpoint.service_name}) in {endpoint.vpc_id}: the "
                         f"endpoint policy applies")
    return endpoint


def _internet_gateway(trace: _Trace, gateway_id: str, source: str, destination: str, via: str) -> None:
    gateway = trace.topology.internet_gateways.get(gateway_id)
    if gateway is None or gateway.vpc_id != trace.workload.vpc_id:
        raise _Unreachable("internet-gateway", f"internet gateway {gateway_id} is not attached to "
                                               f"{trace.workload.vpc_id}")
    trace.ok("internet-gateway", f"{gateway_id} carries {via} as {source} to {trace.label(destination)}")


def _through_nat(trace: _Trace, nat_id: str, destination: str) -> str:
    topology = trace.topology
    nat = topology.nat_gateways.get(nat_id)
    if nat is None:
        raise _Unreachable("nat", f"NAT gateway {nat_id} does not exist")
    if nat.state != "available":
        raise _Unreachable("nat", f"NAT gateway {nat.id} is {nat.state}")
    if not nat.public_ip:
        raise _Unreachable("nat", f"NAT gateway {nat.id} is private (no Elastic IP): it does not reach the "
                                  f"internet")
    table = routing.table_of(topology, nat.subnet_id)
    route = routing.lookup(table, destination, topology.prefix_lists) if table else None
    if table is None or route is None or route.state != "active" or not route.target.startswith("igw-"):
        where = table.id if table else "no route table"
        raise _Unreachable("nat", f"no route from {where} (subnet {nat.subnet_id} of {nat.id}) to an internet "
                                  f"gateway for {trace.label(destination)}")
    trace.ok("nat", f"{nat.id} in {nat.subnet_id} translates {trace.workload.private_ip} to {nat.public_ip}; "
                    f"{table.id}: {destination} matches {routing.describe(route)}")
    _internet_gateway(trace, route.target, nat.public_ip, destination, f"{nat.id}'s traffic")
    return nat.public_ip


def _to_internet(trace: _Trace, table: RouteTable, route: Route, destination: str) -> str:
    workload = trace.workload
    if route.target == "local":
        raise _Unreachable("route", f"{trace.label(destination)} is inside {workload.vpc_id} "
                                    f"({routing.describe(route)} in {table.id}): no service answers there")
    if route.target.startswith("pcx-"):
        raise _Unreachable("route", f"{trace.label(destination)} is reached through VPC peering connection "
                                    f"{route.target} ({routing.describe(route)} in {table.id}), but no service "
                                    f"answers there: in a peer VPC only interface endpoints' network interfaces are "
                                    f"destinations")
    if not route.target.startswith(("igw-", "nat-")):
        raise _Unreachable("route", f"route {routing.describe(route)} in {table.id} for "
                                    f"{trace.label(destination)}: target {route.target} is not modelled")
    trace.ok("route", f"{table.id}: {destination} matches {routing.describe(route)}")
    trace.ok("security-group", trace.check_egress(destination))
    if route.target.startswith("nat-"):
        return _through_nat(trace, route.target, destination)
    if not workload.public_ip:
        raise _Unreachable("internet-gateway", f"{workload.id} ({workload.private_ip}) has no public IP: "
                                               f"{route.target} does not carry its traffic to "
                                               f"{trace.label(destination)}")
    _internet_gateway(trace, route.target, workload.public_ip, destination, workload.private_ip)
    return workload.public_ip


def is_requests_endpoint(endpoint: Endpoint) -> bool:
    """An App Runner apprunner.requests endpoint (private services' data plane): AWS supports no endpoint policy
    on it."""
    return endpoint.service_name.endswith(".apprunner.requests")


def _service(host: str, endpoint: Endpoint | None, region: str) -> str | None:
    if dns.app_host(host) is not None:  # App Runner's data plane, over the internet or an apprunner.requests endpoint
        return "apprunner"
    if endpoint is not None:
        prefix = f"com.amazonaws.{region}."
        if endpoint.service_name.startswith(prefix):
            return endpoint.service_name[len(prefix):]
    parsed = dns.aws_host(host)
    return parsed.service if parsed else None


def find_path(topology: Topology, workload: Workload, host: str, port: int = 443) -> Path:
    """Where a TCP connection from workload to host:port ends up, hop by hop."""
    host = dns.normalize(host)
    trace = _Trace(topology, workload, host, port)
    resolution = resolve(topology, workload, host)
    endpoint = topology.endpoints.get(resolution.endpoint_id or "")
    if endpoint is None and resolution.addresses == (host,):  # an address: an endpoint's ENI is one, too
        endpoint = _endpoint_at(topology, host)
    base = dict(host=host, service=_service(host, endpoint, topology.region), vpc_id=workload.vpc_id,
                subnet_id=workload.subnet_id, private_ip=workload.private_ip,
                application=dns.app_host(host) is not None)
    destination: str | None = None
    note = dns.endpoint_note(topology, workload.vpc_id, host) if resolution.via == "public" else None
    try:
        if resolution.via == "none":
            raise _Unreachable("dns", resolution.reason)
        trace.ok("dns", resolution.reason)
        destination = _pick(topology, workload, resolution.addresses)
        if workload.subnet_id not in topology.subnets:
            raise _Unreachable("route", f"subnet {workload.subnet_id} does not exist")
        table = routing.table_of(topology, workload.subnet_id)
        if table is None:
            raise _Unreachable("route", f"subnet {workload.subnet_id} has no route table")
        route = _route(trace, table, destination)
        if endpoint is None and route.target.startswith("vpce-"):
            gateway = _to_gateway_endpoint(trace, table, route, destination)
            return Path("endpoint", tuple(trace.hops), f"through gateway endpoint {gateway.id} "
                                                       f"({gateway.service_name}) to {trace.label(destination)}",
                        endpoint_id=gateway.id, source_ip=None, destination_ip=destination,
                        endpoint_vpc_id=gateway.vpc_id,
                        **{**base, "service": _service(host, gateway, topology.region)})
        if endpoint is not None:
            reason = _to_endpoint(trace, endpoint, table, route, destination)
            return Path("endpoint", tuple(trace.hops), reason, endpoint_id=endpoint.id, source_ip=None,
                        destination_ip=destination, endpoint_vpc_id=endpoint.vpc_id, **base)
        source = _to_internet(trace, table, route, destination)
        return Path("internet", tuple(trace.hops), f"over the internet to {trace.label(destination)} as {source}",
                    endpoint_id=None, source_ip=source, destination_ip=destination, **base)
    except _Unreachable as failure:
        trace.hops.append(failure.hop)
        reason = failure.hop.detail + (f"; {note}" if note else "")
        return Path("unreachable", tuple(trace.hops), reason, endpoint_id=endpoint.id if endpoint else None,
                    source_ip=None, destination_ip=destination, **base)
