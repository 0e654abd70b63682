"""Route lookup: the table that applies to a subnet and the longest-prefix match in it."""

from __future__ import annotations

import ipaddress

from runnerlink.network.model import Route, RouteTable, Topology


def table_of(topology: Topology, subnet_id: str) -> RouteTable | None:
    subnet = topology.subnets.get(subnet_id)
    if subnet is None or subnet.route_table_id is None:
        return None
    return topology.route_tables.get(subnet.route_table_id)


def _network(destination: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None  # a prefix list id: gateway endpoint routes carry S3/DynamoDB ranges the model does not know


def lookup(table: RouteTable, address: str) -> Route | None:
    """The most specific route whose destination contains address (blackholes included: they still match, and
    drop the traffic), or None."""
    ip = ipaddress.ip_address(address)
    best: Route | None = None
    best_length = -1
    for route in table.routes:
        network = _network(route.destination)
        if network is None or network.version != ip.version or ip not in network:
            continue
        # Equal prefixes cannot coexist in a table; "local" wins over a stored route to the same range anyway.
        if network.prefixlen > best_length or (network.prefixlen == best_length and route.target == "local"):
            best, best_length = route, network.prefixlen
    return best


def describe(route: Route) -> str:
    return f"{route.destination} → {route.target}"
