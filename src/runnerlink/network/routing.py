"""Route lookup: the table that applies to a subnet and the longest-prefix match in it."""

from __future__ import annotations

import ipaddress

from collections.abc import Mapping

from runnerlink.network.model import PrefixList, Route, RouteTable, Topology


def table_of(topology: Topology, subnet_id: str) -> RouteTable | None:
    subnet = topology.subnets.get(subnet_id)
    if subnet is None or subnet.route_table_id is None:
        return None
    return topology.route_tables.get(subnet.route_table_id)


def _network(destination: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None


def prefix_list_match(prefix_lists: Mapping[str, PrefixList], prefix_list_id: str,
                      ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
    """The prefix length of the most specific entry of the list that contains ip (None: no entry does, or the list is
    unknown). The AWS-managed lists (S3, DynamoDB) gateway endpoint routes use; kept apart so customer-managed
    lists can share it."""
    found = prefix_lists.get(prefix_list_id)
    lengths = [n.prefixlen for n in (_network(c) for c in (found.cidrs if found else ()))
               if n is not None and n.version == ip.version and ip in n]
    return max(lengths) if lengths else None


def _match_length(route: Route, ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
                  prefix_lists: Mapping[str, PrefixList]) -> int | None:
    if route.destination.startswith("pl-"):
        return prefix_list_match(prefix_lists, route.destination, ip)
    network = _network(route.destination)
    if network is None or network.version != ip.version or ip not in network:
        return None
    return network.prefixlen


def lookup(table: RouteTable, address: str, prefix_lists: Mapping[str, PrefixList] | None = None) -> Route | None:
    """The most specific route whose destination contains address (blackholes included: they still match, and
    drop the traffic), or None. A prefix-list route counts with its most specific matching entry, as on AWS."""
    ip = ipaddress.ip_address(address)
    best: Route | None = None
    best_length = -1
    for route in table.routes:
        length = _match_length(route, ip, prefix_lists or {})
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
