"""The EC2 records of one account and region as the pure network model (runnerlink.network.model), with their
states derived as of ctx.now: blackhole routes, pending/available endpoints, NAT gateway states."""

from __future__ import annotations

import ipaddress

from runnerlink.network.model import (
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
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.cidr_associations import ROUTABLE, blocks
from runnerlink.services.ec2.records.internet_gateways import INTERNET_GATEWAY, attached_vpc
from runnerlink.services.ec2.records.managed_prefix_lists import cidrs_by_list
from runnerlink.services.ec2.records.nat_gateways import NAT_GATEWAY, nat_gateway_view
from runnerlink.services.ec2.records.network_interfaces import ENI
from runnerlink.services.ec2.records.prefix_lists import prefix_lists
from runnerlink.services.ec2.records.route_tables import ROUTE_TABLE, gateway_endpoint_routes, route_table_view
from runnerlink.services.ec2.records.security_groups import GROUP_KIND, default_group_id, get_group, rules
from runnerlink.services.ec2.records.subnets import SUBNET, first_free_ip, get_subnet
from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT
from runnerlink.services.ec2.records.vpc_endpoints import state as endpoint_state
from runnerlink.services.ec2.records.vpc_peering import PEERING_KIND, peerings_of_vpc, status_of
from runnerlink.services.ec2.records.vpcs import VPC

_ROUTE_TARGETS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId",
                  "EgressOnlyInternetGatewayId", "InstanceId", "LocalGatewayId", "CarrierGatewayId")


def _vpc(ctx: HandlerContext, record: dict) -> Vpc:
    cidrs = tuple(blocks(ctx, record.get("CidrBlockAssociationSet"), "CidrBlock", ROUTABLE)) or (record["CidrBlock"],)
    attributes = record.get("_attributes") or {}
    return Vpc(record["VpcId"], cidrs, bool(attributes.get("EnableDnsSupport", True)),
               bool(attributes.get("EnableDnsHostnames", False)))


# Customer-managed prefix list id → its current CIDRs (rules carry them; routes look lists up in Topology.prefix_lists).
PrefixCidrs = dict[str, tuple[str, ...]]


def _route(record: dict) -> Route | None:
    destination = record.get("DestinationCidrBlock") or record.get("DestinationIpv6CidrBlock") \
        or record.get("DestinationPrefixListId")
    target = next((record[k] for k in _ROUTE_TARGETS if record.get(k)), None)
    if destination is None or target is None:
        return None
    return Route(destination, target, record.get("State", "active"))


def _route_table(view: dict) -> RouteTable:
    routes = tuple(r for r in (_route(raw) for raw in view["Routes"]) if r is not None)
    return RouteTable(view["RouteTableId"], view["VpcId"], routes)


def _rule(record: dict, lists: PrefixCidrs) -> Rule:
    prefix_list_id = record.get("PrefixListId")
    return Rule(protocol=str(record["IpProtocol"]), from_port=int(record.get("FromPort", -1)),
                to_port=int(record.get("ToPort", -1)), cidr=record.get("CidrIpv4") or record.get("CidrIpv6"),
                group_id=(record.get("ReferencedGroupInfo") or {}).get("GroupId"),
                prefix_list_id=prefix_list_id, prefix_cidrs=lists.get(prefix_list_id, ()) if prefix_list_id else ())


def _group(ctx: HandlerContext, record: dict, lists: PrefixCidrs) -> SecurityGroup:
    group_id = record["GroupId"]
    return SecurityGroup(group_id, record.get("VpcId", ""),
                         tuple(_rule(r, lists) for r in rules(ctx, group_id, egress=False)),
                         tuple(_rule(r, lists) for r in rules(ctx, group_id, egress=True)))


def _endpoint(ctx: HandlerContext, record: dict) -> Endpoint:
    names = [e["DnsName"] for e in record.get("DnsEntries") or []]
    private_name = next((n for n in names if not n.endswith(".vpce.amazonaws.com")), None)
    return Endpoint(
        id=record["VpcEndpointId"],
        vpc_id=record["VpcId"],
        service_name=record["ServiceName"],
        type=record.get("VpcEndpointType", "Gateway"),
        state=endpoint_state(ctx, record),
        private_dns=bool(record.get("PrivateDnsEnabled")),
        private_dns_name=private_name,
        dns_names=tuple(n for n in names if n.endswith(".vpce.amazonaws.com")),
        interface_ids=tuple(record.get("NetworkInterfaceIds") or []),
        group_ids=tuple(g["GroupId"] for g in record.get("Groups") or []),
        policy=record.get("PolicyDocument"),
    )


def _interface(record: dict) -> Interface:
    return Interface(record["NetworkInterfaceId"], record["SubnetId"], record["VpcId"], record["PrivateIpAddress"],
                     tuple(g["GroupId"] for g in record.get("Groups") or []))


def _nat(view: dict) -> NatGateway:
    public_ip = next((a.get("PublicIp") for a in view.get("NatGatewayAddresses") or []
                      if a.get("PublicIp") and a.get("IsPrimary", True)), None)
    return NatGateway(view["NatGatewayId"], view["SubnetId"], view["State"], public_ip)


def _subnet_tables(tables: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """(subnet id → its explicitly associated table, VPC id → its main table)."""
    explicit: dict[str, str] = {}
    main: dict[str, str] = {}
    for table in tables:
        for association in table["Associations"]:
            if association.get("SubnetId"):
                explicit[association["SubnetId"]] = table["RouteTableId"]
            elif association.get("Main"):
                main[table["VpcId"]] = table["RouteTableId"]
    return explicit, main


def _in_scope(kind, ctx: HandlerContext, vpc_ids: list[str] | None) -> list[dict]:
    return kind.all(ctx) if vpc_ids is None else kind.in_vpc(ctx, vpc_ids)


def _peering(ctx: HandlerContext, record: dict) -> Peering:
    return Peering(record["VpcPeeringConnectionId"], record["RequesterVpcInfo"]["VpcId"],
                   record["AccepterVpcInfo"]["VpcId"], status_of(ctx, record))


def build_topology(ctx: HandlerContext, vpc_id: str | None = None) -> Topology:
    """Everything in ctx's account and region, as it is at ctx.now. With vpc_id, only what a workload in that VPC
    can meet (its VPC's and its peered VPCs' resources — a peer's endpoint ENIs are reached across the peering, and
    their subnets' tables route the replies — and every endpoint with its interfaces, whose vpce-… names resolve
    from anywhere): the same paths, read from the store's per-VPC index."""
    peering_records = peerings_of_vpc(ctx, vpc_id) if vpc_id else PEERING_KIND.all(ctx)
    scope = None
    if vpc_id:
        peers = [p.peer_of(vpc_id) for p in (_peering(ctx, r) for r in peering_records)]
        scope = list(dict.fromkeys([vpc_id, *(peer for peer in peers if peer)]))
    vpc_records = [r for r in (VPC.find(ctx, v) for v in scope) if r] if scope else VPC.all(ctx)
    endpoint_routes = gateway_endpoint_routes(ctx)  # one scan of the endpoints, not one per table
    tables = [route_table_view(ctx, t, endpoint_routes) for t in _in_scope(ROUTE_TABLE, ctx, scope)]
    lists = cidrs_by_list(ctx)
    explicit, main = _subnet_tables(tables)
    subnet_map = {}
    for record in _in_scope(SUBNET, ctx, scope):
        subnet_id = record["SubnetId"]
        subnet_map[subnet_id] = Subnet(subnet_id, record["VpcId"], record["CidrBlock"], record["AvailabilityZone"],
                                       explicit.get(subnet_id) or main.get(record["VpcId"]),
                                       bool(record.get("MapPublicIpOnLaunch")))
    nats = [nat_gateway_view(ctx, r) for r in ctx.tx.scan(NAT_GATEWAY, parent=scope)]
    groups = ctx.tx.scan(GROUP_KIND, parent=scope)
    endpoint_records = VPC_ENDPOINT.all(ctx)
    interface_records = _in_scope(ENI, ctx, scope)
    if vpc_id:
        seen = {r["NetworkInterfaceId"] for r in interface_records}
        for record in endpoint_records:
            for eni_id in record.get("NetworkInterfaceIds") or []:
                eni = ENI.find(ctx, eni_id) if eni_id not in seen else None
                if eni is not None:
                    interface_records.append(eni)
    return Topology(
        account=ctx.account,
        region=ctx.region,
        vpcs={r["VpcId"]: _vpc(ctx, r) for r in vpc_records},
        subnets=subnet_map,
        route_tables={t["RouteTableId"]: _route_table(t) for t in tables},
        security_groups={r["GroupId"]: _group(ctx, r, lists) for r in groups if not is_gone(ctx, r)},
        endpoints={r["VpcEndpointId"]: _endpoint(ctx, r) for r in endpoint_records},
        interfaces={r["NetworkInterfaceId"]: _interface(r) for r in interface_records if r.get("PrivateIpAddress")},
        internet_gateways={r["InternetGatewayId"]: InternetGateway(r["InternetGatewayId"],
                                                                   attached_vpc(r))
                           for r in INTERNET_GATEWAY.all(ctx)},
        nat_gateways={v["NatGatewayId"]: _nat(v) for v in nats if v is not None},
        peerings={r["VpcPeeringConnectionId"]: _peering(ctx, r) for r in peering_records},
        prefix_lists={**{p["PrefixListId"]: PrefixList(p["PrefixListId"], p["PrefixListName"], tuple(p["Cidrs"]))
                         for p in prefix_lists(ctx.region)},
                      **{list_id: PrefixList(list_id, "", cidrs) for list_id, cidrs in lists.items()}},
    )


def workload_model(ctx: HandlerContext, subnet_id: str, group_ids: list[str] | tuple[str, ...] | None = None,
                   public_ip: bool | str | None = None) -> Workload:
    """A hypothetical workload in the subnet (for resolve and trace): the subnet's first free address, the given
    groups (else the VPC's default group), a public address when public_ip says so (True, or an address; None: the
    subnet's MapPublicIpOnLaunch). Raises the EC2 NotFound errors for an unknown subnet or group."""
    subnet = get_subnet(ctx, subnet_id)
    groups = list(group_ids or [])
    for group_id in groups:
        group = get_group(ctx, group_id)
        if group.get("VpcId") != subnet["VpcId"]:
            raise EC2Error("InvalidParameter", f"Security group {group_id} and subnet {subnet_id} belong to "
                                               f"different networks.")
    if not groups:
        groups = [default_group_id(ctx, subnet["VpcId"])]
    if public_ip is None:
        public_ip = bool(subnet.get("MapPublicIpOnLaunch"))
    address = public_ip if isinstance(public_ip, str) else ("192.0.2.254" if public_ip else None)
    return Workload(id="wl-hypothetical", account=ctx.account, region=ctx.region, vpc_id=subnet["VpcId"],
                    subnet_id=subnet_id, private_ip=_next_free_ip(subnet), group_ids=tuple(groups),
                    public_ip=address)


def _next_free_ip(subnet: dict) -> str:
    """The address a new workload would get, without taking it (the first one past the reserved four when full)."""
    first = ipaddress.IPv4Network(subnet["CidrBlock"]).network_address + 4
    return first_free_ip(subnet) or str(first)
