"""A small network built by hand for the path tests: a VPC 10.0.0.0/16 with a public subnet (10.0.1.0/24, routes
to an internet gateway, holds a NAT gateway), a private subnet (10.0.2.0/24, no internet route) and a NAT subnet
(10.0.3.0/24, default route to the NAT gateway); an endpoint group admitting 443 from the VPC; a workload group
allowing everything out. Helpers change one thing at a time (the model is frozen: they return new values)."""

from __future__ import annotations

from dataclasses import replace

from runnerlink.network import (
    Endpoint,
    Interface,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    Rule,
    SecurityGroup,
    Subnet,
    Topology,
    Vpc,
    Workload,
)

VPC = "vpc-0000000000000000a"
PUBLIC, PRIVATE, NATTED = "subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"
RTB_PUBLIC, RTB_MAIN, RTB_NAT = "rtb-0000000000000000a", "rtb-0000000000000000b", "rtb-0000000000000000c"
IGW, NAT = "igw-0000000000000000a", "nat-0000000000000000a"
SG_ENDPOINT, SG_WORKLOAD = "sg-0000000000000000e", "sg-0000000000000000w"
VPCE = "vpce-0000000000000000a"
ENI_A, ENI_B = "eni-0000000000000000a", "eni-0000000000000000b"
APPRUNNER = "com.amazonaws.us-east-1.apprunner"
HOST = "apprunner.us-east-1.amazonaws.com"
VPCE_NAME = f"{VPCE}-abcd1234.apprunner.us-east-1.vpce.amazonaws.com"
VPCE_ZONAL_B = f"{VPCE}-abcd1234-us-east-1b.apprunner.us-east-1.vpce.amazonaws.com"
NAT_EIP = "203.0.113.10"
ALL_OUT = Rule("-1", cidr="0.0.0.0/0")
HTTPS_FROM_VPC = Rule("tcp", 443, 443, cidr="10.0.0.0/16")


def local() -> Route:
    return Route("10.0.0.0/16", "local")


def topology(endpoints: tuple[Endpoint, ...] = (), dns_support: bool = True) -> Topology:
    return Topology(
        account="111122223333",
        region="us-east-1",
        vpcs={VPC: Vpc(VPC, ("10.0.0.0/16",), dns_support, True)},
        subnets={
            PUBLIC: Subnet(PUBLIC, VPC, "10.0.1.0/24", "us-east-1a", RTB_PUBLIC, True),
            PRIVATE: Subnet(PRIVATE, VPC, "10.0.2.0/24", "us-east-1b", RTB_MAIN, False),
            NATTED: Subnet(NATTED, VPC, "10.0.3.0/24", "us-east-1a", RTB_NAT, False),
        },
        route_tables={
            RTB_PUBLIC: RouteTable(RTB_PUBLIC, VPC, (local(), Route("0.0.0.0/0", IGW))),
            RTB_MAIN: RouteTable(RTB_MAIN, VPC, (local(),)),
            RTB_NAT: RouteTable(RTB_NAT, VPC, (local(), Route("0.0.0.0/0", NAT))),
        },
        security_groups={
            SG_ENDPOINT: SecurityGroup(SG_ENDPOINT, VPC, (HTTPS_FROM_VPC,), (ALL_OUT,)),
            SG_WORKLOAD: SecurityGroup(SG_WORKLOAD, VPC, (), (ALL_OUT,)),
        },
        endpoints={e.id: e for e in endpoints},
        interfaces={
            ENI_A: Interface(ENI_A, PUBLIC, VPC, "10.0.1.20", (SG_ENDPOINT,)),
            ENI_B: Interface(ENI_B, PRIVATE, VPC, "10.0.2.20", (SG_ENDPOINT,)),
        } if endpoints else {},
        internet_gateways={IGW: InternetGateway(IGW, VPC)},
        nat_gateways={NAT: NatGateway(NAT, PUBLIC, "available", NAT_EIP)},
    )


def endpoint(private_dns: bool = True, state: str = "available", **changes) -> Endpoint:
    made = Endpoint(VPCE, VPC, APPRUNNER, "Interface", state, private_dns, HOST if private_dns else None,
                    (VPCE_NAME, f"{VPCE}-abcd1234-us-east-1a.apprunner.us-east-1.vpce.amazonaws.com", VPCE_ZONAL_B),
                    (ENI_A, ENI_B), (SG_ENDPOINT,), None)
    return replace(made, **changes)


def workload(subnet: str = PRIVATE, public_ip: str | None = None, groups: tuple[str, ...] = (SG_WORKLOAD,)) -> Workload:
    ip = {PUBLIC: "10.0.1.9", PRIVATE: "10.0.2.9", NATTED: "10.0.3.9"}[subnet]
    return Workload("wl-0000000000000000a", "111122223333", "us-east-1", VPC, subnet, ip, groups, public_ip)


def with_group(topo: Topology, group: SecurityGroup) -> Topology:
    return replace(topo, security_groups={**topo.security_groups, group.id: group})


def with_table(topo: Topology, table: RouteTable) -> Topology:
    return replace(topo, route_tables={**topo.route_tables, table.id: table})


def with_nat(topo: Topology, nat: NatGateway) -> Topology:
    return replace(topo, nat_gateways={**topo.nat_gateways, nat.id: nat})
