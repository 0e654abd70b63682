"""Route tables: routes (local, internet gateway, NAT gateway, network interface, gateway endpoint targets),
subnet/gateway associations and the VPC's main table.

A stored route is plain data: a destination (DestinationCidrBlock, DestinationIpv6CidrBlock or
DestinationPrefixListId), one target member (GatewayId "local"/igw-/vpce-, NatGatewayId, NetworkInterfaceId or
VpcPeeringConnectionId), Origin and State "active". Whether a route is a blackhole (its target deleted, detached or
deleting; a peering connection that is not active) is derived when read by route_table_view(); table_for_subnet() gives
the table that applies to a subnet, ready for a longest-prefix match.
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.cidr_associations import ROUTABLE, blocks
from runnerlink.services.ec2.records.internet_gateways import INTERNET_GATEWAY, attached_vpc
from runnerlink.services.ec2.records.kind import Kind
from runnerlink.services.ec2.records.nat_gateways import routes_traffic
from runnerlink.services.ec2.records.prefix_lists import prefix_lists
from runnerlink.services.ec2.records.vpc_peering import routes_traffic as peering_routes_traffic


def _routes(field: str):
    return lambda r: [route.get(field) for route in r["Routes"]]


def _associations(field: str):
    return lambda r: [a.get(field) for a in r["Associations"]]


ROUTE_TABLE = Kind(
    name="route-table",
    prefix="rtb",
    id_field="RouteTableId",
    code="InvalidRouteTableID",
    malformed_code="InvalidRouteTableId.Malformed",
    noun="routeTable ID",
    filters={
        "route-table-id": lambda r: r["RouteTableId"],
        "vpc-id": lambda r: r["VpcId"],
        "owner-id": lambda r: r["OwnerId"],
        # A table with no main association counts as "false" (the usual question is "which one is main?").
        "association.main": lambda r: [a["Main"] for a in r["Associations"]] or [False],
        "association.route-table-association-id": _associations("RouteTableAssociationId"),
        "association.route-table-id": _associations("RouteTableId"),
        "association.subnet-id": _associations("SubnetId"),
        "association.gateway-id": _associations("GatewayId"),
        "association.association-state": lambda r: [a["AssociationState"]["State"] for a in r["Associations"]],
        "route.destination-cidr-block": _routes("DestinationCidrBlock"),
        "route.destination-ipv6-cidr-block": _routes("DestinationIpv6CidrBlock"),
        "route.destination-prefix-list-id": _routes("DestinationPrefixListId"),
        "route.gateway-id": _routes("GatewayId"),
        "route.nat-gateway-id": _routes("NatGatewayId"),
        "route.network-interface-id": _routes("NetworkInterfaceId"),
        "route.instance-id": _routes("InstanceId"),
        "route.egress-only-internet-gateway-id": _routes("EgressOnlyInternetGatewayId"),
        "route.transit-gateway-id": _routes("TransitGatewayId"),
        "route.vpc-peering-connection-id": _routes("VpcPeeringConnectionId"),
        "route.origin": _routes("Origin"),
        "route.state": _routes("State"),
    },
    parent_filter="vpc-id",
)


def local_routes(ctx: HandlerContext, vpc: dict) -> list[dict]:
    """One local route per CIDR of the VPC (IPv4, then IPv6), as AWS adds one when a block is associated and removes
    it when the block is disassociated."""
    cidrs = blocks(ctx, vpc.get("CidrBlockAssociationSet"), "CidrBlock", ROUTABLE) or [vpc["CidrBlock"]]
    routes = [{"DestinationCidrBlock": c, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
              for c in cidrs]
    for cidr in blocks(ctx, vpc.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", ROUTABLE):
        routes.append({"DestinationIpv6CidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable",
                       "State": "active"})
    return routes


def new_route_table(ctx: HandlerContext, vpc: dict, tags: list[dict], client_token: str | None = None) -> dict:
    """A route table of the VPC with its local routes and no associations (not yet stored)."""
    return {
        "RouteTableId": new_id("rtb"),
        "VpcId": vpc["VpcId"],
        "OwnerId": ctx.account,
        "Routes": local_routes(ctx, vpc),
        "Associations": [],
        "PropagatingVgws": [],
        "Tags": tags,
        "_client_token": client_token,
    }


def new_association(table_id: str, main: bool = False, subnet_id: str | None = None,
                    gateway_id: str | None = None) -> dict:
    association = {"Main": main, "RouteTableAssociationId": new_id("rtbassoc"), "RouteTableId": table_id}
    if subnet_id:
        association["SubnetId"] = subnet_id
    if gateway_id:
        association["GatewayId"] = gateway_id
    association["AssociationState"] = {"State": "associated"}
    return association


def create_main_route_table(ctx: HandlerContext, vpc: dict) -> dict:
    """The VPC's main route table: its local route(s) and the Main association."""
    table = new_route_table(ctx, vpc, [])
    table["Associations"].append(new_association(table["RouteTableId"], main=True))
    ROUTE_TABLE.put(ctx, table)
    return table


def add_route(ctx: HandlerContext, route_table_id: str, cidr: str, gateway_id: str | None = None,
              nat_gateway_id: str | None = None) -> None:
    """Add a route without the checks CreateRoute makes (for seeding, e.g. the default VPC's 0.0.0.0/0 → igw)."""
    table = ROUTE_TABLE.get(ctx, route_table_id)
    route = {"DestinationCidrBlock": cidr, "Origin": "CreateRoute", "State": "active"}
    if gateway_id:
        route["GatewayId"] = gateway_id
    if nat_gateway_id:
        route["NatGatewayId"] = nat_gateway_id
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != cidr] + [route]
    ROUTE_TABLE.put(ctx, table)


def _target_alive(ctx: HandlerContext, vpc_id: str, route: dict) -> bool:
    gateway = route.get("GatewayId")
    if gateway == "local":
        return True
    if gateway and gateway.startswith("igw-"):
        record = INTERNET_GATEWAY.find(ctx, gateway)
        return record is not None and attached_vpc(record) == vpc_id
    if gateway and gateway.startswith("vpce-"):
        endpoint = ctx.tx.get("vpc-endpoint", gateway)
        return endpoint is not None and endpoint.get("_deleting_at") is None and endpoint.get("_gone_at") is None
    if route.get("NatGatewayId"):
        return routes_traffic(ctx, route["NatGatewayId"])
    if route.get("NetworkInterfaceId"):
        return ctx.tx.get("network-interface", route["NetworkInterfaceId"]) is not None
    if route.get("VpcPeeringConnectionId"):
        return peering_routes_traffic(ctx, route["VpcPeeringConnectionId"])
    return False


def gateway_endpoint_routes(ctx: HandlerContext) -> dict[str, list[dict]]:
    """The routes gateway endpoints (S3, DynamoDB) put in their route tables, by route table id: the service's
    prefix list → the endpoint. They come and go with the endpoint, so they are derived, never stored."""
    lists = {p["PrefixListName"]: p["PrefixListId"] for p in prefix_lists(ctx.region)}
    routes: dict[str, list[dict]] = {}
    for endpoint in ctx.tx.scan("vpc-endpoint"):
        prefix_list_id = lists.get(endpoint.get("ServiceName"))
        if endpoint.get("VpcEndpointType") != "Gateway" or prefix_list_id is None \
                or endpoint.get("_deleting_at") is not None or is_gone(ctx, endpoint):
            continue
        for table_id in endpoint.get("RouteTableIds") or []:
            routes.setdefault(table_id, []).append({"DestinationPrefixListId": prefix_list_id,
                                                    "GatewayId": endpoint["VpcEndpointId"], "Origin": "CreateRoute",
                                                    "State": "active"})
    return routes


def live_associations(ctx: HandlerContext, table: dict) -> list[dict]:
    """Associations, less those of deleted subnets (AWS drops them with the subnet)."""
    return [a for a in table["Associations"] if not a.get("SubnetId") or ctx.tx.get("subnet", a["SubnetId"])]


def route_table_view(ctx: HandlerContext, table: dict,
                     endpoint_routes: dict[str, list[dict]] | None = None) -> dict:
    """The table as it is now: local routes follow the VPC's CIDRs, gateway endpoints add theirs, routes to vanished
    targets are blackholes, associations of deleted subnets are gone."""
    if endpoint_routes is None:
        endpoint_routes = gateway_endpoint_routes(ctx)
    vpc = ctx.tx.get("vpc", table["VpcId"])
    stored = [r for r in table["Routes"] if r.get("GatewayId") != "local"]
    local = local_routes(ctx, vpc) if vpc else [r for r in table["Routes"] if r.get("GatewayId") == "local"]
    routes = local + [{**r, "State": "active" if _target_alive(ctx, table["VpcId"], r) else "blackhole"}
                      for r in stored] + endpoint_routes.get(table["RouteTableId"], [])
    return {**table, "Routes": routes, "Associations": live_associations(ctx, table)}


def main_table(ctx: HandlerContext, vpc_id: str) -> dict | None:
    """The VPC's main route table, as stored."""
    return next((t for t in ROUTE_TABLE.in_vpc(ctx, vpc_id) if any(a["Main"] for a in t["Associations"])), None)


def table_for_subnet(ctx: HandlerContext, subnet_id: str, vpc_id: str) -> dict | None:
    """The route table that applies to a subnet (its explicit association, else the VPC's main table), as now."""
    for table in ROUTE_TABLE.all(ctx):
        if any(a.get("SubnetId") == subnet_id for a in table["Associations"]):
            return route_table_view(ctx, table)
    main = main_table(ctx, vpc_id)
    return route_table_view(ctx, main) if main else None
