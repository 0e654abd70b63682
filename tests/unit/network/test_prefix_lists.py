"""Prefix lists in the network model: a route to a prefix list matches the list's CIDRs (competing with the length of
its most specific CIDR holding the address), a security group rule with a prefix list admits the list's CIDRs."""

from __future__ import annotations

import dataclasses

from runnerlink.network import PrefixList, Route, RouteTable, Rule, SecurityGroup, find_path
from runnerlink.network.routing import lookup
from runnerlink.network.security import matching_rule

from tests.unit.network.builders import (
    HOST,
    IGW,
    NAT,
    PRIVATE,
    RTB_MAIN,
    SG_ENDPOINT,
    VPC,
    endpoint,
    local,
    topology,
    with_group,
    with_table,
    workload,
)

PL = "pl-0000000000000000a"
CORP = ("198.51.100.0/24", "203.0.113.0/28", "2001:db8::/32")


def table(*routes: Route) -> RouteTable:
    return RouteTable("rtb-0000000000000000f", VPC, (local(), *routes))


def listed(*cidrs: str) -> dict[str, PrefixList]:
    """The topology's prefix lists, with PL holding cidrs."""
    return {PL: PrefixList(PL, "corp", cidrs)}


def test_route_to_a_prefix_list_matches_its_cidrs():
    routes, lists = table(Route(PL, IGW)), listed(*CORP)
    assert lookup(routes, "198.51.100.7", lists).target == IGW
    assert lookup(routes, "203.0.113.15", lists).target == IGW
    assert lookup(routes, "2001:db8::1", lists).target == IGW
    assert lookup(routes, "203.0.113.16", lists) is None
    assert lookup(routes, "10.0.2.9", lists).target == "local"


def test_prefix_list_route_without_known_cidrs_matches_nothing():
    assert lookup(table(Route(PL, IGW)), "198.51.100.7") is None


def test_longest_prefix_wins_between_a_list_and_a_cidr_route():
    # The list's most specific CIDR holding the address is what competes.
    routes, lists = table(Route("198.51.100.0/25", NAT), Route(PL, IGW)), listed("198.51.100.0/24", "198.51.100.0/26")
    assert lookup(routes, "198.51.100.7", lists).target == IGW  # /26 from the list beats the /25 route
    assert lookup(routes, "198.51.100.100", lists).target == NAT  # only the list's /24 holds it: the /25 route wins
    wide = table(Route("0.0.0.0/0", NAT), Route(PL, IGW))
    assert lookup(wide, "198.51.100.7", listed("198.51.100.0/24")).target == IGW
    assert lookup(wide, "192.0.2.1", listed("198.51.100.0/24")).target == NAT


def test_a_cidr_route_beats_a_list_route_of_equal_length():
    """AWS: a static route takes priority over an overlapping prefix list route with the same prefix."""
    for order in ((Route(PL, IGW), Route("198.51.100.0/24", NAT)), (Route("198.51.100.0/24", NAT), Route(PL, IGW))):
        assert lookup(table(*order), "198.51.100.7", listed("198.51.100.0/24")).target == NAT


def test_blackhole_list_route_still_matches():
    route = Route(PL, IGW, "blackhole")
    assert lookup(table(route), "198.51.100.7", listed("198.51.100.0/24")) == route


def test_rule_with_a_prefix_list_admits_its_cidrs():
    rule = Rule("tcp", 443, 443, prefix_list_id=PL, prefix_cidrs=CORP)
    assert matching_rule((rule,), "tcp", 443, "198.51.100.9") == rule
    assert matching_rule((rule,), "tcp", 443, "2001:db8::9") == rule
    assert matching_rule((rule,), "tcp", 443, "192.0.2.9") is None
    assert matching_rule((rule,), "tcp", 80, "198.51.100.9") is None
    assert matching_rule((Rule("tcp", 443, 443, prefix_list_id=PL),), "tcp", 443, "198.51.100.9") is None


def test_endpoint_group_admitting_a_prefix_list_of_the_workload_subnet():
    admitting = SecurityGroup(SG_ENDPOINT, VPC, (Rule("tcp", 443, 443, prefix_list_id=PL,
                                                      prefix_cidrs=("10.0.2.0/24",)),), ())
    assert find_path(with_group(topology((endpoint(),)), admitting), workload(PRIVATE), HOST).outcome == "endpoint"
    elsewhere = SecurityGroup(SG_ENDPOINT, VPC, (Rule("tcp", 443, 443, prefix_list_id=PL,
                                                      prefix_cidrs=("10.0.3.0/24",)),), ())
    assert find_path(with_group(topology((endpoint(),)), elsewhere), workload(PRIVATE), HOST).outcome == "unreachable"


def test_list_route_sends_the_private_subnet_to_the_internet_gateway():
    main = RouteTable(RTB_MAIN, VPC, (local(), Route(PL, IGW)))
    model = dataclasses.replace(with_table(topology(), main), prefix_lists=listed("0.0.0.0/1", "128.0.0.0/1"))
    path = find_path(model, workload(PRIVATE, public_ip="192.0.2.44"), "codebuild.us-east-1"
                                                                                              ".amazonaws.com")
    assert path.outcome == "internet"
