"""Paths through VPC peering (to a peer VPC's interface endpoint, by its vpce- name or address only: private DNS does
not cross peering) and through gateway endpoints (S3, DynamoDB: prefix-list routes)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from runnerlink.network import Route, find_path, resolve
from runnerlink.network.dns import service_address
from runnerlink.network.routing import lookup, prefix_list_match
from tests.unit.network.builders import (
    DDB_LIST,
    GATEWAY_VPCE,
    HOST,
    NATTED,
    PCX,
    PEER_ENI,
    PEER_IP,
    PEER_RTB,
    PEER_SG,
    PEER_VPC,
    PEER_VPCE,
    PEER_VPCE_NAME,
    PRIVATE,
    PUBLIC,
    RTB_MAIN,
    S3_LIST,
    managed_lists,
    peered,
    topology,
    with_gateway_endpoint,
    workload,
)

S3 = "s3.us-east-1.amazonaws.com"
BUCKET = "my-bucket.s3.us-east-1.amazonaws.com"
DYNAMODB = "dynamodb.us-east-1.amazonaws.com"


def steps(path) -> list[tuple[str, bool]]:
    return [(h.step, h.ok) for h in path.hops]


# --- peering ---------------------------------------------------------------------------------------------------------

def test_the_peers_endpoint_is_reached_by_its_vpce_name_through_an_active_peering():
    path = find_path(peered(topology()), workload(PRIVATE), PEER_VPCE_NAME)
    assert path.outcome == "endpoint" and path.endpoint_id == PEER_VPCE and path.destination_ip == PEER_IP
    assert steps(path) == [("dns", True), ("route", True), ("peering", True), ("security-group", True),
                           ("endpoint", True)]
    assert PCX in path.hops[1].detail and PCX in path.hops[2].detail and PCX in path.hops[-1].detail
    assert path.private_ip == "10.0.2.9" and path.service == "apprunner"
    assert f"through VPC peering connection {PCX}" in path.reason
    assert path.endpoint_vpc_id == PEER_VPC and path.to_dict()["endpointVpc"] == PEER_VPC


def test_the_peers_endpoint_is_reached_by_its_eni_address():
    path = find_path(peered(topology()), workload(PRIVATE), PEER_IP)
    assert path.outcome == "endpoint" and path.endpoint_id == PEER_VPCE


def test_a_pending_or_deleted_peering_carries_nothing():
    for status in ("pending-acceptance", "provisioning", "deleted"):
        path = find_path(peered(topology(), status=status), workload(PRIVATE), PEER_VPCE_NAME)
        assert path.outcome == "unreachable" and steps(path)[-1] == ("route", False)
        assert f"VPC peering connection {PCX} is {status}" in path.reason


def test_a_blackhole_route_to_the_peering_drops_the_traffic():
    topo = peered(topology())
    main = topo.route_tables[RTB_MAIN]
    blackholed = replace(main, routes=tuple(replace(r, state="blackhole") if r.target == PCX else r
                                            for r in main.routes))
    path = find_path(replace(topo, route_tables={**topo.route_tables, RTB_MAIN: blackholed}), workload(PRIVATE),
                     PEER_VPCE_NAME)
    assert path.outcome == "unreachable" and "blackhole" in path.reason


def test_no_route_to_the_peering():
    path = find_path(peered(topology(), route_there=False), workload(PRIVATE), PEER_VPCE_NAME)
    assert path.outcome == "unreachable" and path.reason.startswith(f"no route from {RTB_MAIN} to {PEER_IP}")


def test_no_route_back_from_the_peer_drops_the_replies():
    path = find_path(peered(topology(), route_back=False), workload(PRIVATE), PEER_VPCE_NAME)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("peering", False)
    assert f"no route back from {PEER_RTB}" in path.reason and PCX in path.reason


def test_the_peers_security_groups_apply():
    topo = peered(topology())
    closed = replace(topo.security_groups[PEER_SG], ingress=())
    path = find_path(replace(topo, security_groups={**topo.security_groups, PEER_SG: closed}), workload(PRIVATE),
                     PEER_VPCE_NAME)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("security-group", False)
    assert f"{PEER_SG} of {PEER_VPCE} does not admit TCP 443 from 10.0.2.9" in path.reason


def test_private_dns_does_not_cross_peering():
    topo = peered(topology())
    resolution = resolve(topo, workload(PRIVATE), HOST)
    assert resolution.via == "public" and PEER_IP not in resolution.addresses
    path = find_path(topo, workload(PRIVATE), HOST)
    assert path.outcome == "unreachable" and path.endpoint_id is None
    assert f"endpoint {PEER_VPCE} in {PEER_VPC}, peered through {PCX}" in path.reason
    assert "private DNS does not cross VPC peering" in path.reason
    # from the peer VPC itself the default name is its endpoint's
    inside = replace(workload(PRIVATE), vpc_id=PEER_VPC, subnet_id="subnet-0000000000000000p", private_ip="10.1.1.9")
    assert resolve(topo, inside, HOST).addresses == (PEER_IP,)


def test_an_address_in_the_peer_that_is_no_endpoint_is_not_a_destination():
    path = find_path(peered(topology()), workload(PRIVATE), "10.1.1.77")
    assert path.outcome == "unreachable" and "no service answers there" in path.reason and PCX in path.reason


def test_a_peering_to_another_vpc_does_not_reach_the_endpoint():
    topo = peered(topology())
    elsewhere = replace(topo.peerings[PCX], accepter_vpc_id="vpc-0000000000000000x")
    path = find_path(replace(topo, peerings={PCX: elsewhere}), workload(PRIVATE), PEER_VPCE_NAME)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("peering", False)


def test_an_own_endpoint_eni_address_is_the_endpoint():
    from tests.unit.network.builders import endpoint
    path = find_path(topology((endpoint(),)), workload(PRIVATE), "10.0.2.20")
    assert path.outcome == "endpoint" and path.endpoint_id == "vpce-0000000000000000a"
    assert PEER_ENI not in {h.detail for h in path.hops}


# --- gateway endpoints -----------------------------------------------------------------------------------------------

def test_s3_names_resolve_inside_the_managed_prefix_list():
    topo = with_gateway_endpoint(topology())
    for host in (S3, BUCKET):
        address = service_address(topo, host)
        assert prefix_list_match(managed_lists(), S3_LIST, ipaddress.ip_address(address)) == 25
    assert prefix_list_match(managed_lists(), DDB_LIST,
                             ipaddress.ip_address(service_address(topo, DYNAMODB))) == 25


def test_the_prefix_list_route_wins_over_a_default_route():
    table = with_gateway_endpoint(topology(), tables=("rtb-0000000000000000a",)).route_tables["rtb-0000000000000000a"]
    found = lookup(table, "198.51.100.7", managed_lists())
    assert found == Route(S3_LIST, GATEWAY_VPCE)
    assert lookup(table, "198.51.100.7") == Route("0.0.0.0/0", "igw-0000000000000000a")  # lists unknown: no match


def test_s3_from_a_private_subnet_goes_through_the_gateway_endpoint():
    for host in (S3, BUCKET):
        path = find_path(with_gateway_endpoint(topology()), workload(PRIVATE), host)
        assert path.outcome == "endpoint" and path.endpoint_id == GATEWAY_VPCE and path.service == "s3"
        assert steps(path) == [("dns", True), ("route", True), ("security-group", True), ("endpoint", True)]
        assert S3_LIST in path.hops[1].detail and path.source_ip is None and path.private_ip == "10.0.2.9"
        assert path.endpoint_vpc_id == path.vpc_id and "endpointVpc" not in path.to_dict()


def test_dynamodb_goes_through_its_gateway_endpoint():
    path = find_path(with_gateway_endpoint(topology(), "dynamodb"), workload(PRIVATE), DYNAMODB)
    assert path.outcome == "endpoint" and path.endpoint_id == GATEWAY_VPCE and path.service == "dynamodb"


def test_without_the_route_s3_takes_the_internet_or_is_unreachable():
    topo = with_gateway_endpoint(topology(), tables=())
    assert find_path(topo, workload(PRIVATE), S3).outcome == "unreachable"
    public = find_path(topo, workload(PUBLIC, public_ip="192.0.2.200"), S3)
    assert public.outcome == "internet" and public.source_ip == "192.0.2.200"
    assert find_path(topo, workload(NATTED), S3).outcome == "internet"


def test_a_pending_gateway_endpoint_does_not_carry_yet():
    path = find_path(with_gateway_endpoint(topology(), state="pending"), workload(PRIVATE), S3)
    assert path.outcome == "unreachable" and path.reason.startswith(f"endpoint {GATEWAY_VPCE} is pending")


def test_the_s3_endpoint_does_not_take_dynamodb_traffic():
    path = find_path(with_gateway_endpoint(topology(), "s3"), workload(PRIVATE), DYNAMODB)
    assert path.outcome == "unreachable" and path.reason.startswith("no route from")
