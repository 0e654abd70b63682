"""Route tables: routes (local, internet gateway, NAT gateway, network interface, gateway endpoint targets),
subnet/gateway associations and the VPC's main table.

A stored route is plain data: a destination (DestinationCidrBlock, DestinationIpv6CidrBlock or
DestinationPrefixListId), one target member (GatewayId "local"/igw-/vpce-, NatGatewayId or NetworkInterfaceId), Origin
and State "active". Whether a route is a blackhole (its target deleted, detached or deleting) is derived when read by
view(); table_for_subnet() gives the table that applies to a subnet, ready for a longest-prefix match.
"""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import Kind, is_gone, page, tags_for
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation


def _routes(field: str):
    return lambda r: [route.get(field) for route in r["Routes"]]


def _associations(field: str):
    return lambda r: [a.get(field) for a in r["Associations"]]


KIND = Kind(
    name="route-table",
    prefix="rtb",
    id_field="RouteTableId",
    code="InvalidRouteTableID",
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

_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
# Target parameters of CreateRoute/ReplaceRoute, in the order AWS lists them.
_TARGETS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId",
            "EgressOnlyInternetGatewayId", "TransitGatewayId", "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId",
            "CoreNetworkArn", "OdbNetworkArn", "InstanceId")
# Targets runnerlink does not model: any id given is unknown.
_UNMODELLED = {
    "VpcPeeringConnectionId": ("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection ID"),
    "EgressOnlyInternetGatewayId": ("InvalidGatewayID.NotFound", "gateway ID"),
    "TransitGatewayId": ("InvalidTransitGatewayID.NotFound", "transitGateway ID"),
    "LocalGatewayId": ("InvalidLocalGatewayID.NotFound", "localGateway ID"),
    "CarrierGatewayId": ("InvalidCarrierGatewayID.NotFound", "carrierGateway ID"),
    "InstanceId": ("InvalidInstanceID.NotFound", "instance ID"),
}
_ROUTE_TARGET_FIELDS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "InstanceId", "InstanceOwnerId")


# --- local routes, main table, add_route (the cross-module interface) -----------------------------------------------

def _local_routes(vpc: dict) -> list[dict]:
    """One local route per associated CIDR of the VPC (IPv4, then IPv6)."""
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []
             if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"] or [vpc["CidrBlock"]]
    routes = [{"DestinationCidrBlock": c, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
              for c in cidrs]
    for association in vpc.get("Ipv6CidrBlockAssociationSet") or []:
        if (association.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated":
            routes.append({"DestinationIpv6CidrBlock": association["Ipv6CidrBlock"], "GatewayId": "local",
                           "Origin": "CreateRouteTable", "State": "active"})
    return routes


def _new_table(ctx: HandlerContext, vpc: dict, tags: list[dict], client_token: str | None = None) -> dict:
    return {
        "RouteTableId": ids.new_id("rtb"),
        "VpcId": vpc["VpcId"],
        "OwnerId": ctx.account,
        "Routes": _local_routes(vpc),
        "Associations": [],
        "PropagatingVgws": [],
        "Tags": tags,
        "_client_token": client_token,
    }


def _association(table_id: str, main: bool = False, subnet_id: str | None = None,
                 gateway_id: str | None = None) -> dict:
    association = {"Main": main, "RouteTableAssociationId": ids.new_id("rtbassoc"), "RouteTableId": table_id}
    if subnet_id:
        association["SubnetId"] = subnet_id
    if gateway_id:
        association["GatewayId"] = gateway_id
    association["AssociationState"] = {"State": "associated"}
    return association


def create_main_route_table(ctx: HandlerContext, vpc: dict) -> dict:
    """The VPC's main route table: its local route(s) and the Main association."""
    table = _new_table(ctx, vpc, [])
    table["Associations"].append(_association(table["RouteTableId"], main=True))
    KIND.put(ctx, table)
    return table


def add_route(ctx: HandlerContext, route_table_id: str, cidr: str, gateway_id: str | None = None,
              nat_gateway_id: str | None = None) -> None:
    """Add a route without the checks CreateRoute makes (for seeding, e.g. the default VPC's 0.0.0.0/0 → igw)."""
    table = KIND.get(ctx, route_table_id)
    route = {"DestinationCidrBlock": cidr, "Origin": "CreateRoute", "State": "active"}
    if gateway_id:
        route["GatewayId"] = gateway_id
    if nat_gateway_id:
        route["NatGatewayId"] = nat_gateway_id
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != cidr] + [route]
    KIND.put(ctx, table)


# --- derived view ----------------------------------------------------------------------------------------------------

def _target_alive(ctx: HandlerContext, vpc_id: str, route: dict) -> bool:
    from runnerlink.services.ec2 import internet_gateways, nat_gateways

    gateway = route.get("GatewayId")
    if gateway == "local":
        return True
    if gateway and gateway.startswith("igw-"):
        record = internet_gateways.KIND.find(ctx, gateway)
        return record is not None and internet_gateways.attached_vpc(record) == vpc_id
    if gateway and gateway.startswith("vpce-"):
        endpoint = ctx.tx.get("vpc-endpoint", gateway)
        return endpoint is not None and endpoint.get("_deleting_at") is None and endpoint.get("_gone_at") is None
    if route.get("NatGatewayId"):
        return nat_gateways.routes_traffic(ctx, route["NatGatewayId"])
    if route.get("NetworkInterfaceId"):
        return ctx.tx.get("network-interface", route["NetworkInterfaceId"]) is not None
    return False


def _endpoint_routes(ctx: HandlerContext) -> dict[str, list[dict]]:
    """The routes gateway endpoints (S3, DynamoDB) put in their route tables, by route table id: the service's
    prefix list → the endpoint. They come and go with the endpoint, so they are derived, never stored."""
    from runnerlink.services.ec2 import prefix_lists

    lists = {p["PrefixListName"]: p["PrefixListId"] for p in prefix_lists.prefix_lists(ctx.region)}
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


def _live_associations(ctx: HandlerContext, table: dict) -> list[dict]:
    """Associations, less those of deleted subnets (AWS drops them with the subnet)."""
    return [a for a in table["Associations"] if not a.get("SubnetId") or ctx.tx.get("subnet", a["SubnetId"])]


def view(ctx: HandlerContext, table: dict, endpoint_routes: dict[str, list[dict]] | None = None) -> dict:
    """The table as it is now: local routes follow the VPC's CIDRs, gateway endpoints add theirs, routes to vanished
    targets are blackholes, associations of deleted subnets are gone."""
    if endpoint_routes is None:
        endpoint_routes = _endpoint_routes(ctx)
    vpc = ctx.tx.get("vpc", table["VpcId"])
    stored = [r for r in table["Routes"] if r.get("GatewayId") != "local"]
    local = _local_routes(vpc) if vpc else [r for r in table["Routes"] if r.get("GatewayId") == "local"]
    routes = local + [{**r, "State": "active" if _target_alive(ctx, table["VpcId"], r) else "blackhole"}
                      for r in stored] + endpoint_routes.get(table["RouteTableId"], [])
    return {**table, "Routes": routes, "Associations": _live_associations(ctx, table)}


def main_table(ctx: HandlerContext, vpc_id: str) -> dict | None:
    return next((t for t in KIND.in_vpc(ctx, vpc_id) if any(a["Main"] for a in t["Associations"])), None)


def table_for_subnet(ctx: HandlerContext, subnet_id: str, vpc_id: str) -> dict | None:
    """The route table that applies to a subnet (its explicit association, else the VPC's main table), as now."""
    for table in KIND.all(ctx):
        if any(a.get("SubnetId") == subnet_id for a in table["Associations"]):
            return view(ctx, table)
    main = main_table(ctx, vpc_id)
    return view(ctx, main) if main else None


# --- route tables ----------------------------------------------------------------------------------------------------

def _get_vpc(ctx: HandlerContext, vpc_id: str) -> dict:
    from runnerlink.services.ec2 import vpcs

    return vpcs.get_vpc(ctx, vpc_id)


def create_route_table(ctx: HandlerContext, params: dict) -> dict:
    token = params.get("ClientToken")
    if token:
        existing = next((t for t in KIND.all(ctx) if t.get("_client_token") == token), None)
        if existing is not None:
            if existing["VpcId"] != params["VpcId"]:
                raise EC2Error("IdempotentParameterMismatch",
                               f"The client token '{token}' was already used with different parameters.")
            return {"RouteTable": view(ctx, existing), "ClientToken": token}
    vpc = _get_vpc(ctx, params["VpcId"])
    table = _new_table(ctx, vpc, tags_for(params, "route-table"), token)
    KIND.put(ctx, table)
    return {"RouteTable": view(ctx, table), **({"ClientToken": token} if token else {})}


def delete_route_table(ctx: HandlerContext, params: dict) -> dict:
    table = view(ctx, KIND.get(ctx, params["RouteTableId"]))
    if table["Associations"]:
        raise dependency_violation(table["RouteTableId"])
    ctx.tx.delete(KIND.name, table["RouteTableId"])
    return {}


def describe_route_tables(ctx: HandlerContext, params: dict) -> dict:
    endpoint_routes = _endpoint_routes(ctx)
    items, token = KIND.describe(ctx, params, "RouteTableIds",
                                 derive=lambda c, table: view(c, table, endpoint_routes))
    return page("RouteTables", items, token)


# --- routes ----------------------------------------------------------------------------------------------------------

def _destination(params: dict) -> tuple[str, str]:
    given = [(k, params[k]) for k in _DESTINATIONS if params.get(k)]
    if not given:
        raise EC2Error("MissingParameter",
                       "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock")
    if len(given) > 1:
        raise EC2Error("InvalidParameterCombination",
                       "Exactly one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId "
                       "must be specified")
    field, value = given[0]
    wire = field[0].lower() + field[1:]
    if field == "DestinationPrefixListId":
        if not ids.is_well_formed(value, "pl"):
            raise EC2Error("InvalidPrefixListId.Malformed", f'Invalid id: "{value}" (expecting "pl-...")')
        return field, value
    version = 4 if field == "DestinationCidrBlock" else 6
    try:
        network = ipaddress.ip_network(value, strict=False)
        if network.version != version or "/" not in value:
            raise ValueError
    except ValueError:
        raise InvalidParameterValue(f"Value ({value}) for parameter {wire} is invalid. This is not a valid CIDR "
                                    f"block.") from None
    return field, str(network)


def _find_route(table: dict, field: str, destination: str) -> dict | None:
    return next((r for r in table["Routes"] if r.get(field) == destination), None)


def _different_networks(table: dict, target: str, noun: str = "network gateway") -> EC2Error:
    return InvalidParameterValue(f"route table {table['RouteTableId']} and {noun} {target} belong to different "
                                 f"networks")


def _target(ctx: HandlerContext, table: dict, params: dict) -> dict:
    """The route's target members, after checking that exactly one target is given and exists in the VPC."""
    given = [k for k in _TARGETS if params.get(k)]
    if not given:
        raise EC2Error("MissingParameter", "The request must contain exactly one of gatewayId, natGatewayId, "
                                           "networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, "
                                           "transitGatewayId, localGatewayId, carrierGatewayId, vpcEndpointId, "
                                           "coreNetworkArn or instanceId")
    if len(given) > 1:
        raise EC2Error("InvalidParameterCombination", "More than one target was specified: " + ", ".join(given))
    field, value = given[0], params[given[0]]
    if field == "GatewayId" and value.startswith("vpce-") or field == "VpcEndpointId":
        return {"GatewayId": _endpoint_target(ctx, table, value)}
    if field == "GatewayId":
        return {"GatewayId": _internet_gateway_target(ctx, table, value)}
    if field == "NatGatewayId":
        return {"NatGatewayId": _nat_target(ctx, table, value)}
    if field == "NetworkInterfaceId":
        return _interface_target(ctx, table, value)
    if field in _UNMODELLED:
        code, noun = _UNMODELLED[field]
        raise EC2Error(code, f"The {noun} '{value}' does not exist")
    raise InvalidParameterValue(f"Value ({value}) for parameter {field[0].lower() + field[1:]} is invalid.")


def _internet_gateway_target(ctx: HandlerContext, table: dict, gateway_id: str) -> str:
    from runnerlink.services.ec2 import internet_gateways

    gateway = internet_gateways.KIND.find(ctx, gateway_id)
    if gateway is None:
        raise EC2Error("InvalidGatewayID.NotFound", f"The gateway ID '{gateway_id}' does not exist")
    if internet_gateways.attached_vpc(gateway) != table["VpcId"]:
        raise _different_networks(table, gateway_id)
    return gateway_id


def _nat_target(ctx: HandlerContext, table: dict, nat_id: str) -> str:
    from runnerlink.services.ec2 import nat_gateways

    nat = nat_gateways.find(ctx, nat_id)
    if nat is None or nat["State"] in ("deleting", "deleted", "failed"):
        raise EC2Error("InvalidNatGatewayID.NotFound", f"The natGateway ID '{nat_id}' does not exist")
    if nat["VpcId"] != table["VpcId"]:
        raise _different_networks(table, nat_id)
    return nat_id


def _interface_target(ctx: HandlerContext, table: dict, interface_id: str) -> dict:
    interface = ctx.tx.get("network-interface", interface_id) if ids.is_well_formed(interface_id, "eni") else None
    if interface is None:
        raise EC2Error("InvalidNetworkInterfaceID.NotFound",
                       f"The networkInterface ID '{interface_id}' does not exist")
    if interface.get("VpcId") != table["VpcId"]:
        raise _different_networks(table, interface_id, "interface")
    target = {"NetworkInterfaceId": interface_id}
    instance_id = (interface.get("Attachment") or {}).get("InstanceId")
    if instance_id:
        target.update(InstanceId=instance_id, InstanceOwnerId=interface.get("OwnerId"))
    return target


def _endpoint_target(ctx: HandlerContext, table: dict, endpoint_id: str) -> str:
    endpoint = ctx.tx.get("vpc-endpoint", endpoint_id) if ids.is_well_formed(endpoint_id, "vpce") else None
    if endpoint is None or endpoint.get("_gone_at") is not None:
        raise EC2Error("InvalidVpcEndpointId.NotFound", f"The Vpc Endpoint Id '{endpoint_id}' does not exist")
    if endpoint.get("VpcId") != table["VpcId"]:
        raise _different_networks(table, endpoint_id, "endpoint")
    if endpoint.get("VpcEndpointType") == "Interface":
        raise InvalidParameterValue(f"Route table target '{endpoint_id}' is an interface endpoint; only gateway "
                                    f"and Gateway Load Balancer endpoints can be route targets")
    return endpoint_id


def _refuse_endpoint_route(table: dict, field: str, destination: str, route: dict) -> None:
    """A gateway endpoint's route (derived, not stored) changes only with the endpoint. [unsure of AWS's wording]"""
    if _find_route(table, field, destination) is None:
        raise InvalidParameterValue(f"The route {destination} in route table {table['RouteTableId']} belongs to "
                                    f"VPC endpoint {route['GatewayId']}; modify the endpoint instead")


def create_route(ctx: HandlerContext, params: dict) -> dict:
    table = KIND.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    if _find_route(view(ctx, table), field, destination):
        raise EC2Error("RouteAlreadyExists", f"The route identified by {destination} already exists.")
    route = {field: destination, **_target(ctx, table, params), "Origin": "CreateRoute", "State": "active"}
    table["Routes"].append(route)
    KIND.put(ctx, table)
    return {"Return": True}


def replace_route(ctx: HandlerContext, params: dict) -> dict:
    table = KIND.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    route = _find_route(view(ctx, table), field, destination)
    if route is None:
        raise InvalidParameterValue(f"There is no route defined for '{destination}' in the route table. "
                                    f"Use CreateRoute instead.")
    if route.get("GatewayId") == "local" or params.get("LocalTarget"):
        # Only "back to local" is modelled for local routes (AWS's middlebox routing is not).
        if route.get("GatewayId") == "local" and params.get("LocalTarget"):
            return {}
        raise InvalidParameterValue(f"The route {destination} in route table {table['RouteTableId']} cannot be "
                                    f"replaced with that target")
    _refuse_endpoint_route(table, field, destination, route)
    target = _target(ctx, table, params)
    replaced = {k: v for k, v in route.items() if k not in _ROUTE_TARGET_FIELDS}
    replaced.update(target, State="active")
    table["Routes"] = [replaced if r.get(field) == destination else r for r in table["Routes"]]
    KIND.put(ctx, table)
    return {}


def delete_route(ctx: HandlerContext, params: dict) -> dict:
    table = KIND.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    route = _find_route(view(ctx, table), field, destination)
    wire = {"DestinationCidrBlock": "destination-cidr-block", "DestinationIpv6CidrBlock": "destination-ipv6-cidr-block",
            "DestinationPrefixListId": "destination-prefix-list-id"}[field]
    if route is None:
        raise EC2Error("InvalidRoute.NotFound",
                       f"no route with {wire} {destination} in route table {table['RouteTableId']}")
    if route.get("GatewayId") == "local":
        raise InvalidParameterValue(f"cannot remove local route {destination} in route table "
                                    f"{table['RouteTableId']}")
    _refuse_endpoint_route(table, field, destination, route)
    table["Routes"] = [r for r in table["Routes"] if r.get(field) != destination]
    KIND.put(ctx, table)
    return {}


# --- associations ----------------------------------------------------------------------------------------------------

def _find_association(ctx: HandlerContext, association_id: str) -> tuple[dict, dict]:
    for table in KIND.all(ctx):
        for association in _live_associations(ctx, table):
            if association["RouteTableAssociationId"] == association_id:
                return table, association
    raise EC2Error("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")


def _associated_elsewhere(ctx: HandlerContext, member: str, value: str) -> dict | None:
    return next((t for t in KIND.all(ctx) for a in _live_associations(ctx, t) if a.get(member) == value), None)


def _associate_target(ctx: HandlerContext, table: dict, params: dict) -> tuple[str, str]:
    from runnerlink.services.ec2 import subnets

    subnet_id, gateway_id = params.get("SubnetId"), params.get("GatewayId")
    if bool(subnet_id) == bool(gateway_id):
        raise EC2Error("InvalidParameterCombination" if subnet_id else "MissingParameter",
                       "The request must contain exactly one of subnetId or gatewayId")
    if subnet_id:
        subnet = subnets.get_subnet(ctx, subnet_id)
        if subnet["VpcId"] != table["VpcId"]:
            raise InvalidParameterValue(f"Route table {table['RouteTableId']} and subnet {subnet_id} belong to "
                                        f"different networks")
        return "SubnetId", subnet_id
    return "GatewayId", _internet_gateway_target(ctx, table, gateway_id)


def associate_route_table(ctx: HandlerContext, params: dict) -> dict:
    table = KIND.get(ctx, params["RouteTableId"])
    member, value = _associate_target(ctx, table, params)
    if _associated_elsewhere(ctx, member, value):
        raise EC2Error("Resource.AlreadyAssociated", f"the specified association for route table "
                                                     f"{table['RouteTableId']} conflicts with an existing association")
    association = _association(table["RouteTableId"], **{"subnet_id" if member == "SubnetId" else "gateway_id": value})
    table["Associations"].append(association)
    KIND.put(ctx, table)
    return {"AssociationId": association["RouteTableAssociationId"], "AssociationState": {"State": "associated"}}


def _remove_association(ctx: HandlerContext, table: dict, association_id: str) -> None:
    table["Associations"] = [a for a in table["Associations"] if a["RouteTableAssociationId"] != association_id]
    KIND.put(ctx, table)


def disassociate_route_table(ctx: HandlerContext, params: dict) -> dict:
    table, association = _find_association(ctx, params["AssociationId"])
    if association["Main"]:
        raise InvalidParameterValue(f"cannot disassociate the main route table association "
                                    f"{association['RouteTableAssociationId']}")
    _remove_association(ctx, table, association["RouteTableAssociationId"])
    return {}


def replace_route_table_association(ctx: HandlerContext, params: dict) -> dict:
    old_table, association = _find_association(ctx, params["AssociationId"])
    new_table = KIND.get(ctx, params["RouteTableId"])
    if new_table["VpcId"] != old_table["VpcId"]:
        raise InvalidParameterValue(f"Route table {new_table['RouteTableId']} and association "
                                    f"{association['RouteTableAssociationId']} belong to different networks")
    _remove_association(ctx, old_table, association["RouteTableAssociationId"])
    if new_table["RouteTableId"] == old_table["RouteTableId"]:
        new_table = old_table
    replacement = _association(new_table["RouteTableId"], main=association["Main"],
                               subnet_id=association.get("SubnetId"), gateway_id=association.get("GatewayId"))
    # The main association is listed first, as AWS does.
    new_table["Associations"] = ([replacement] + new_table["Associations"] if replacement["Main"]
                                 else new_table["Associations"] + [replacement])
    KIND.put(ctx, new_table)
    return {"NewAssociationId": replacement["RouteTableAssociationId"], "AssociationState": {"State": "associated"}}


HANDLERS = {
    "CreateRouteTable": create_route_table,
    "DeleteRouteTable": delete_route_table,
    "DescribeRouteTables": describe_route_tables,
    "CreateRoute": create_route,
    "ReplaceRoute": replace_route,
    "DeleteRoute": delete_route,
    "AssociateRouteTable": associate_route_table,
    "DisassociateRouteTable": disassociate_route_table,
    "ReplaceRouteTableAssociation": replace_route_table_association,
}
READ_ONLY = {"DescribeRouteTables"}
