"""find_path: outcomes and hops for the endpoint path, the internet (internet gateway, NAT gateway) and every way a
request ends up nowhere, with reasons naming the failing hop."""

from __future__ import annotations

from dataclasses import replace

from runnerlink.network import (
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    Rule,
    SecurityGroup,
    find_path,
    public_address,
)

from tests.unit.network.builders import (
    ALL_OUT,
    HOST,
    IGW,
    NAT,
    NAT_EIP,
    NATTED,
    PRIVATE,
    PUBLIC,
    RTB_MAIN,
    RTB_NAT,
    RTB_PUBLIC,
    SG_ENDPOINT,
    SG_WORKLOAD,
    VPC,
    VPCE,
    VPCE_NAME,
    endpoint,
    local,
    topology,
    with_group,
    with_nat,
    with_table,
    workload,
)

CODEBUILD = "codebuild.us-east-1.amazonaws.com"


def steps(path) -> list[tuple[str, bool]]:
    return [(h.step, h.ok) for h in path.hops]


# --- the endpoint path -----------------------------------------------------------------------------------------------

def test_endpoint_path_through_private_dns():
    path = find_path(topology((endpoint(),)), workload(PRIVATE), HOST)
    assert path.outcome == "endpoint"
    assert steps(path) == [("dns", True), ("route", True), ("security-group", True), ("endpoint", True)]
    assert path.endpoint_id == VPCE and path.service == "apprunner"
    assert path.destination_ip == "10.0.2.20"  # the interface in the workload's own subnet
    assert (path.vpc_id, path.subnet_id, path.private_ip, path.source_ip) == (VPC, PRIVATE, "10.0.2.9", None)
    assert VPCE in path.reason


def test_endpoint_path_prefers_the_interface_in_the_same_zone():
    # NATTED is in us-east-1a like ENI_A's subnet.
    assert find_path(topology((endpoint(),)), workload(NATTED), HOST).destination_ip == "10.0.1.20"


def test_endpoint_path_through_the_endpoint_name_with_private_dns_off():
    path = find_path(topology((endpoint(private_dns=False),)), workload(PRIVATE), VPCE_NAME)
    assert path.outcome == "endpoint" and path.service == "apprunner" and path.endpoint_id == VPCE


def test_endpoint_in_another_vpc_is_unreachable():
    other = endpoint(vpc_id="vpc-0000000000000000b")
    path = find_path(topology((other,)), workload(PRIVATE), VPCE_NAME)
    assert path.outcome == "unreachable"
    assert path.hops[-1].step == "route" and "vpc-0000000000000000b" in path.reason


def test_port_must_be_admitted_by_the_endpoint_group():
    path = find_path(topology((endpoint(),)), workload(PRIVATE), HOST, port=8443)
    assert path.outcome == "unreachable"
    assert path.reason == f"security group {SG_ENDPOINT} of {VPCE} does not admit TCP 8443 from 10.0.2.9"


def test_endpoint_group_without_443():
    topo = with_group(topology((endpoint(),)), SecurityGroup(SG_ENDPOINT, VPC, (Rule("tcp", 22, 22,
                                                                                     cidr="0.0.0.0/0"),), ()))
    path = find_path(topo, workload(PRIVATE), HOST)
    assert path.outcome == "unreachable" and path.endpoint_id == VPCE
    assert steps(path)[-1] == ("security-group", False)
    assert path.reason == f"security group {SG_ENDPOINT} of {VPCE} does not admit TCP 443 from 10.0.2.9"


def test_endpoint_group_admitting_another_cidr_only():
    topo = with_group(topology((endpoint(),)), SecurityGroup(SG_ENDPOINT, VPC, (Rule("tcp", 443, 443,
                                                                                     cidr="10.0.1.0/24"),), ()))
    assert find_path(topo, workload(PUBLIC), HOST).outcome == "endpoint"
    assert find_path(topo, workload(PRIVATE), HOST).outcome == "unreachable"


def test_endpoint_group_admitting_the_workloads_group():
    topo = with_group(topology((endpoint(),)), SecurityGroup(SG_ENDPOINT, VPC, (Rule("tcp", 443, 443,
                                                                                     group_id=SG_WORKLOAD),), ()))
    assert find_path(topo, workload(PRIVATE), HOST).outcome == "endpoint"
    assert find_path(topo, workload(PRIVATE, groups=()), HOST).outcome == "unreachable"


def test_endpoint_group_with_all_traffic_and_port_ranges():
    for rule in (Rule("-1", cidr="10.0.0.0/8"), Rule("tcp", 0, 65535, cidr="10.0.2.9/32"), Rule("6", 400, 500,
                                                                                             cidr="0.0.0.0/0")):
        topo = with_group(topology((endpoint(),)), SecurityGroup(SG_ENDPOINT, VPC, (rule,), ()))
        assert find_path(topo, workload(PRIVATE), HOST).outcome == "endpoint", rule
    for rule in (Rule("udp", 443, 443, cidr="0.0.0.0/0"), Rule("tcp", 80, 80, cidr="0.0.0.0/0"),
                 Rule("tcp", 443, 443, prefix_list_id="pl-0000000000000000a")):
        topo = with_group(topology((endpoint(),)), SecurityGroup(SG_ENDPOINT, VPC, (rule,), ()))
        assert find_path(topo, workload(PRIVATE), HOST).outcome == "unreachable", rule


def test_workload_egress_must_allow_443():
    topo = with_group(topology((endpoint(),)), SecurityGroup(SG_WORKLOAD, VPC, (), (Rule("tcp", 80, 80,
                                                                                     cidr="0.0.0.0/0"),)))
    path = find_path(topo, workload(PRIVATE), HOST)
    assert path.outcome == "unreachable"
    assert steps(path)[-1] == ("security-group", False)
    assert path.reason == f"security groups {SG_WORKLOAD} of wl-0000000000000000a do not allow TCP 443 out to 10.0.2.20"


def test_workload_egress_to_the_endpoint_group():
    topo = with_group(topology((endpoint(),)), SecurityGroup(SG_WORKLOAD, VPC, (), (Rule("tcp", 443, 443,
                                                                                     group_id=SG_ENDPOINT),)))
    assert find_path(topo, workload(PRIVATE), HOST).outcome == "endpoint"


def test_endpoint_interface_without_groups_uses_the_endpoints():
    topo = topology((endpoint(),))
    topo = replace(topo, interfaces={k: replace(v, group_ids=()) for k, v in topo.interfaces.items()})
    assert find_path(topo, workload(PRIVATE), HOST).outcome == "endpoint"


# --- the internet ----------------------------------------------------------------------------------------------------

def test_internet_gateway_with_a_public_ip():
    path = find_path(topology(), workload(PUBLIC, public_ip="192.0.2.200"), HOST)
    assert path.outcome == "internet"
    assert steps(path) == [("dns", True), ("route", True), ("security-group", True), ("internet-gateway", True)]
    assert path.source_ip == "192.0.2.200" and path.destination_ip == public_address(HOST)
    assert path.endpoint_id is None and path.private_ip == "10.0.1.9"
    assert "192.0.2.200" in path.reason


def test_internet_gateway_without_a_public_ip():
    path = find_path(topology(), workload(PUBLIC), CODEBUILD)
    assert path.outcome == "unreachable"
    assert steps(path)[-1] == ("internet-gateway", False)
    assert path.reason.startswith("wl-0000000000000000a (10.0.1.9) has no public IP")
    assert "no endpoint for com.amazonaws.us-east-1.codebuild" in path.reason


def test_default_name_with_private_dns_off_goes_to_the_internet():
    path = find_path(topology((endpoint(private_dns=False),)), workload(PUBLIC, public_ip="192.0.2.201"), HOST)
    assert path.outcome == "internet" and path.endpoint_id is None


def test_nat_gateway_path():
    path = find_path(topology(), workload(NATTED), CODEBUILD)
    assert path.outcome == "internet" and path.service == "codebuild"
    assert steps(path) == [("dns", True), ("route", True), ("security-group", True), ("nat", True),
                           ("internet-gateway", True)]
    assert path.source_ip == NAT_EIP
    assert NAT in path.hops[3].detail and NAT_EIP in path.hops[3].detail


def test_nat_gateway_path_ignores_the_workloads_public_ip():
    assert find_path(topology(), workload(NATTED, public_ip="192.0.2.202"), HOST).source_ip == NAT_EIP


def test_nat_gateway_whose_subnet_has_no_internet_route():
    topo = with_table(topology(), RouteTable(RTB_PUBLIC, VPC, (local(),)))
    path = find_path(topo, workload(NATTED), HOST)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("nat", False)
    assert f"no route from {RTB_PUBLIC}" in path.reason and NAT in path.reason


def test_nat_gateway_pending_or_private():
    path = find_path(with_nat(topology(), NatGateway(NAT, PUBLIC, "pending", NAT_EIP)), workload(NATTED), HOST)
    assert path.outcome == "unreachable" and path.reason.startswith(f"NAT gateway {NAT} is pending")
    path = find_path(with_nat(topology(), NatGateway(NAT, PUBLIC, "available", None)), workload(NATTED), HOST)
    assert path.outcome == "unreachable" and "private" in path.reason


def test_internet_gateway_detached():
    topo = replace(topology(), internet_gateways={IGW: InternetGateway(IGW, None)})
    path = find_path(topo, workload(PUBLIC, public_ip="192.0.2.200"), HOST)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("internet-gateway", False)


def test_egress_rules_apply_to_the_internet_too():
    topo = with_group(topology(), SecurityGroup(SG_WORKLOAD, VPC, (), (Rule("tcp", 443, 443, cidr="10.0.0.0/16"),)))
    path = find_path(topo, workload(PUBLIC, public_ip="192.0.2.200"), HOST)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("security-group", False)


# --- no way -----------------------------------------------------------------------------------------------------------

def test_no_route_names_the_table_the_address_and_the_missing_endpoint():
    path = find_path(topology(), workload(PRIVATE), CODEBUILD)
    assert path.outcome == "unreachable"
    assert steps(path) == [("dns", True), ("route", False)]
    address = public_address(CODEBUILD)
    assert path.reason == (f"no route from {RTB_MAIN} to {address} ({CODEBUILD}); "
                           f"no endpoint for com.amazonaws.us-east-1.codebuild with private DNS in {VPC}")
    assert path.destination_ip == address and path.source_ip is None


def test_pending_endpoint_does_not_serve():
    path = find_path(topology((endpoint(state="pending"),)), workload(PRIVATE), HOST)
    assert path.outcome == "unreachable" and path.endpoint_id is None
    assert f"endpoint {VPCE} is pending" in path.reason
    path = find_path(topology((endpoint(state="pending"),)), workload(PRIVATE), VPCE_NAME)
    assert path.outcome == "unreachable" and steps(path) == [("dns", False)]
    assert f"endpoint {VPCE} is pending" in path.reason


def test_blackhole_route():
    topo = with_table(topology(), RouteTable(RTB_NAT, VPC, (local(), Route("0.0.0.0/0", NAT, "blackhole"))))
    path = find_path(topo, workload(NATTED), HOST)
    assert path.outcome == "unreachable" and steps(path)[-1] == ("route", False)
    assert "blackhole" in path.reason and RTB_NAT in path.reason


def test_longest_prefix_wins():
    address = public_address(HOST)
    table = RouteTable(RTB_NAT, VPC, (local(), Route("0.0.0.0/0", NAT), Route(f"{address}/32", IGW)))
    path = find_path(with_table(topology(), table), workload(NATTED, public_ip="192.0.2.200"), HOST)
    assert path.outcome == "internet" and path.source_ip == "192.0.2.200"  # the gateway's /32, not the NAT's /0
    assert f"{address}/32 → {IGW}" in path.hops[1].detail
    table = RouteTable(RTB_NAT, VPC, (local(), Route("0.0.0.0/0", NAT), Route(f"{address}/32", IGW, "blackhole")))
    assert find_path(with_table(topology(), table), workload(NATTED, public_ip="192.0.2.200"), HOST).outcome \
        == "unreachable"
    # Other names still take the NAT's default route.
    assert find_path(with_table(topology(), table), workload(NATTED), CODEBUILD).source_ip == NAT_EIP


def test_dns_support_off():
    path = find_path(topology((endpoint(),), dns_support=False), workload(PRIVATE), HOST)
    assert path.outcome == "unreachable" and steps(path) == [("dns", False)]
    assert path.reason == f"VPC {VPC} has DNS support disabled: {HOST} does not resolve"
    assert path.service == "apprunner"


def test_unmodelled_route_target():
    address = public_address(HOST)
    table = RouteTable(RTB_MAIN, VPC, (local(), Route("0.0.0.0/0", "tgw-0000000000000000a")))
    path = find_path(with_table(topology(), table), workload(PRIVATE), HOST)
    assert path.outcome == "unreachable" and "not modelled" in path.reason and address in path.reason


def test_unknown_subnet():
    gone = replace(workload(PRIVATE), subnet_id="subnet-0000000000000000z")
    path = find_path(topology(), gone, HOST)
    assert path.outcome == "unreachable" and "does not exist" in path.reason


def test_non_aws_hosts_take_the_public_path():
    path = find_path(topology(), workload(PUBLIC, public_ip="192.0.2.200"), "example.com")
    assert path.outcome == "internet" and path.service is None


def test_to_dict_is_plain_data():
    data = find_path(topology((endpoint(),)), workload(PRIVATE), HOST).to_dict()
    assert data["outcome"] == "endpoint" and data["endpoint"] == VPCE and data["privateIp"] == "10.0.2.9"
    assert data["hops"][0] == {"step": "dns", "ok": True, "detail": data["hops"][0]["detail"]}


def test_all_out_rule_is_the_default_egress():
    assert ALL_OUT.protocol == "-1"
    assert find_path(topology((endpoint(),)), workload(PRIVATE), HOST).hops[2].detail.startswith(SG_WORKLOAD)


def test_sts_global_name():
    path = find_path(topology(), workload(NATTED), "sts.amazonaws.com")
    assert path.outcome == "internet" and path.service == "sts"
    assert RTB_NAT in path.hops[1].detail
