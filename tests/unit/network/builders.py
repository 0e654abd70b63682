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
    Peering,
    PrefixList,
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


# A peer VPC 10.1.0.0/16 with one subnet (10.1.1.0/24, us-east-1b) whose table routes 10.0.0.0/16 back through PCX,
# an apprunner interface endpoint there (private DNS on) with one ENI and a group admitting 443 from both VPCs.
PEER_VPC, PEER_SUBNET, PEER_RTB = "vpc-0000000000000000p", "subnet-0000000000000000p", "rtb-0000000000000000p"
PEER_VPCE, PEER_ENI, PEER_SG = "vpce-0000000000000000f", "eni-0000000000000000p", "sg-0000000000000000p"
PEER_IP = "10.1.1.20"
PCX = "pcx-0000000000000000a"
PEER_VPCE_NAME = f"{PEER_VPCE}-abcd1234.apprunner.us-east-1.vpce.amazonaws.com"
S3_LIST, DDB_LIST = "pl-63a5400a", "pl-02cd2c6b"
GATEWAY_VPCE = "vpce-0000000000000000g"


def peered(topo: Topology, status: str = "active", route_back: bool = True, route_there: bool = True) -> Topology:
    """The topology with the peer VPC, its endpoint, and PCX (in status) between them; the private subnet's main table
    routes 10.1.0.0/16 to PCX unless told otherwise."""
    back = (Route("10.1.0.0/16", "local"),) + ((Route("10.0.0.0/16", PCX),) if route_back else ())
    main = topo.route_tables[RTB_MAIN]
    there = replace(main, routes=main.routes + ((Route("10.1.0.0/16", PCX),) if route_there else ()))
    peer_endpoint = Endpoint(PEER_VPCE, PEER_VPC, APPRUNNER, "Interface", "available", True, HOST,
                             (PEER_VPCE_NAME,), (PEER_ENI,), (PEER_SG,), None)
    return replace(
        topo,
        vpcs={**topo.vpcs, PEER_VPC: Vpc(PEER_VPC, ("10.1.0.0/16",))},
        subnets={**topo.subnets, PEER_SUBNET: Subnet(PEER_SUBNET, PEER_VPC, "10.1.1.0/24", "us-east-1b", PEER_RTB)},
        route_tables={**topo.route_tables, RTB_MAIN: there, PEER_RTB: RouteTable(PEER_RTB, PEER_VPC, back)},
        security_groups={**topo.security_groups, PEER_SG: SecurityGroup(
            PEER_SG, PEER_VPC, (Rule("tcp", 443, 443, cidr="10.0.0.0/8"),), (ALL_OUT,))},
        endpoints={**topo.endpoints, PEER_VPCE: peer_endpoint},
        interfaces={**topo.interfaces, PEER_ENI: Interface(PEER_ENI, PEER_SUBNET, PEER_VPC, PEER_IP, (PEER_SG,))},
        peerings={**topo.peerings, PCX: Peering(PCX, VPC, PEER_VPC, status)},
    )


def with_gateway_endpoint(topo: Topology, service: str = "s3", state: str = "available",
                          tables: tuple[str, ...] = (RTB_MAIN,)) -> Topology:
    """An S3 (or DynamoDB) gateway endpoint in the VPC, its prefix-list route in the given tables, and the Region's
    AWS-managed lists (documentation ranges)."""
    list_id = S3_LIST if service == "s3" else DDB_LIST
    gateway = Endpoint(GATEWAY_VPCE, VPC, f"com.amazonaws.us-east-1.{service}", "Gateway", state)
    route_tables = {**topo.route_tables}
    for table_id in tables:
        table = route_tables[table_id]
        route_tables[table_id] = replace(table, routes=table.routes + (Route(list_id, GATEWAY_VPCE),))
    return replace(topo, route_tables=route_tables, endpoints={**topo.endpoints, GATEWAY_VPCE: gateway},
                   prefix_lists=managed_lists())


def managed_lists() -> dict[str, PrefixList]:
    return {S3_LIST: PrefixList(S3_LIST, "com.amazonaws.us-east-1.s3", ("198.51.100.0/25",)),
            DDB_LIST: PrefixList(DDB_LIST, "com.amazonaws.us-east-1.dynamodb", ("198.51.100.128/25",))}
