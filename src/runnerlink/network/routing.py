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
        return None  # a prefix list id


def _match(route: Route, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
    """The length of the route's most specific destination prefix holding ip, or None. A prefix list matches by its
    CIDRs (none when the model was not given them)."""
    network = _network(route.destination)
    candidates = [network] if network is not None else [_network(c) for c in route.prefix_cidrs]
    lengths = [n.prefixlen for n in candidates if n is not None and n.version == ip.version and ip in n]
    return max(lengths) if lengths else None


def lookup(table: RouteTable, address: str) -> Route | None:
    """The most specific route whose destination contains address (blackholes included: they still match, and
    drop the traffic), or None. A route to a prefix list competes with the length of its most specific CIDR that
    holds the address."""
    ip = ipaddress.ip_address(address)
    best: Route | None = None
    best_length = -1
    for route in table.routes:
        length = _match(route, ip)
        if length is None:
            continue
        if length > best_length or (length == best_length and _rank(route) > _rank(best)):
            best, best_length = route, length
    return best


def _rank(route: Route | None) -> int:
    """Which of two routes to equally long prefixes wins: "local", then a CIDR route, then a prefix list route (AWS:
    a static route takes priority over an overlapping prefix list route)."""
    if route is None:
        return -1
    if route.target == "local":
        return 2
    return 1 if _network(route.destination) is not None else 0


def describe(route: Route) -> str:
    return f"{route.destination} → {route.target}"
