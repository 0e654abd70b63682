"""Security groups: whether a group set admits a connection inbound, or lets it out."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from runnerlink.network.model import Rule, Topology

_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def _protocol_matches(rule: Rule, protocol: str) -> bool:
    if rule.protocol in ("-1", "all"):
        return True
    wanted = _PROTOCOL_NUMBERS.get(protocol, protocol)
    return _PROTOCOL_NUMBERS.get(rule.protocol.lower(), rule.protocol) == wanted


def _port_matches(rule: Rule, port: int) -> bool:
    if rule.protocol in ("-1", "all") or (rule.from_port == -1 and rule.to_port == -1):
        return True
    return rule.from_port <= port <= rule.to_port


def _in(address: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:  # an address of the other family, or a malformed CIDR
        return False


def _peer_matches(rule: Rule, address: str, peer_groups: Iterable[str]) -> bool:
    if rule.cidr is not None:
        return _in(address, rule.cidr)
    if rule.group_id is not None:
        return rule.group_id in set(peer_groups)
    # A prefix list admits its CIDRs (none when the model was not given them).
    return any(_in(address, cidr) for cidr in rule.prefix_cidrs)


def matching_rule(rules: Iterable[Rule], protocol: str, port: int, address: str,
                  peer_groups: Iterable[str] = ()) -> Rule | None:
    """The first rule that allows protocol/port with the peer at address in peer_groups, or None."""
    groups = tuple(peer_groups)
    for rule in rules:
        if _protocol_matches(rule, protocol) and _port_matches(rule, port) and _peer_matches(rule, address, groups):
            return rule
    return None


def admits(topology: Topology, group_ids: Iterable[str], protocol: str, port: int, source_ip: str,
           source_groups: Iterable[str] = ()) -> tuple[str, Rule] | None:
    """(group id, rule) of the first inbound rule of the groups that admits the connection, or None."""
    return _first(topology, group_ids, False, protocol, port, source_ip, tuple(source_groups))


def lets_out(topology: Topology, group_ids: Iterable[str], protocol: str, port: int, destination_ip: str,
             destination_groups: Iterable[str] = ()) -> tuple[str, Rule] | None:
    """(group id, rule) of the first outbound rule of the groups that allows the connection, or None."""
    return _first(topology, group_ids, True, protocol, port, destination_ip, tuple(destination_groups))


def _first(topology: Topology, group_ids: Iterable[str], egress: bool, protocol: str, port: int, address: str,
           peer_groups: tuple[str, ...]) -> tuple[str, Rule] | None:
    for group_id in group_ids:
        group = topology.security_groups.get(group_id)
        if group is None:
            continue
        rule = matching_rule(group.egress if egress else group.ingress, protocol, port, address, peer_groups)
        if rule is not None:
            return group_id, rule
    return None


def describe(rule: Rule) -> str:
    protocol = "all traffic" if rule.protocol in ("-1", "all") else rule.protocol.upper()
    ports = "" if rule.protocol in ("-1", "all") or rule.from_port == -1 else (
        f" {rule.from_port}" if rule.from_port == rule.to_port else f" {rule.from_port}-{rule.to_port}")
    peer = rule.cidr or rule.group_id or rule.prefix_list_id or "?"
    return f"{protocol}{ports} {peer}"
