"""Route tables: create, delete, describe; routes (CreateRoute, ReplaceRoute, DeleteRoute) with their targets
checked; associations with subnets and gateways."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.internet_gateways import INTERNET_GATEWAY, attached_vpc
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.managed_prefix_lists import malformed, referable
from runnerlink.services.ec2.records.nat_gateways import find_nat_gateway
from runnerlink.services.ec2.records.network_interfaces import ENI
from runnerlink.services.ec2.records.route_tables import (
    ROUTE_TABLE,
    gateway_endpoint_routes,
    live_associations,
    new_association,
    new_route_table,
    route_table_view,
)
from runnerlink.services.ec2.records.subnets import get_subnet
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT
from runnerlink.services.ec2.records.vpc_peering import LIVE, peering_of, status_of
from runnerlink.services.ec2.records.vpcs import get_vpc

_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
# Target parameters of CreateRoute/ReplaceRoute, in the order AWS lists them.
_TARGETS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId",
            "EgressOnlyInternetGatewayId", "TransitGatewayId", "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId",
            "CoreNetworkArn", "OdbNetworkArn", "InstanceId")
# Targets runnerlink does not model: any id given is unknown.
_UNMODELLED = {
    "EgressOnlyInternetGatewayId": ("InvalidGatewayID.NotFound", "gateway ID"),
    "TransitGatewayId": ("InvalidTransitGatewayID.NotFound", "transitGateway ID"),
    "LocalGatewayId": ("InvalidLocalGatewayID.NotFound", "localGateway ID"),
    "CarrierGatewayId": ("InvalidCarrierGatewayID.NotFound", "carrierGateway ID"),
    "InstanceId": ("InvalidInstanceID.NotFound", "instance ID"),
}
_ROUTE_TARGET_FIELDS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "InstanceId", "InstanceOwnerId",
                        "VpcPeeringConnectionId")


def create_route_table(ctx: HandlerContext, params: dict) -> dict:
    token = params.get("ClientToken")
    if token:
        existing = next((t for t in ROUTE_TABLE.all(ctx) if t.get("_client_token") == token), None)
        if existing is not None:
            if existing["VpcId"] != params["VpcId"]:
                raise EC2Error("IdempotentParameterMismatch",
                               f"The client token '{token}' was already used with different parameters.")
            return {"RouteTable": route_table_view(ctx, existing), "ClientToken": token}
    vpc = get_vpc(ctx, params["VpcId"])
    table = new_route_table(ctx, vpc, tags_for(params, "route-table"), token)
    ROUTE_TABLE.put(ctx, table)
    return {"RouteTable": route_table_view(ctx, table), **({"ClientToken": token} if token else {})}


def delete_route_table(ctx: HandlerContext, params: dict) -> dict:
    table = route_table_view(ctx, ROUTE_TABLE.get(ctx, params["RouteTableId"]))
    if table["Associations"]:
        raise dependency_violation(table["RouteTableId"])
    ctx.tx.delete(ROUTE_TABLE.name, table["RouteTableId"])
    return {}


def describe_route_tables(ctx: HandlerContext, params: dict) -> dict:
    endpoint_routes = gateway_endpoint_routes(ctx)
    items, token = ROUTE_TABLE.describe(ctx, params, "RouteTableIds",
                                        derive=lambda c, table: route_table_view(c, table, endpoint_routes))
    return page("RouteTables", items, token)


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
        if not is_well_formed(value, "pl"):
            raise malformed(value)
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
    if field == "VpcPeeringConnectionId":
        return {"VpcPeeringConnectionId": _peering_target(ctx, table, value)}
    if field in _UNMODELLED:
        code, noun = _UNMODELLED[field]
        raise EC2Error(code, f"The {noun} '{value}' does not exist")
    raise InvalidParameterValue(f"Value ({value}) for parameter {field[0].lower() + field[1:]} is invalid.")


def _internet_gateway_target(ctx: HandlerContext, table: dict, gateway_id: str) -> str:
    gateway = INTERNET_GATEWAY.find(ctx, gateway_id)
    if gateway is None:
        raise EC2Error("InvalidGatewayID.NotFound", f"The gateway ID '{gateway_id}' does not exist")
    if attached_vpc(gateway) != table["VpcId"]:
        raise _different_networks(table, gateway_id)
    return gateway_id


def _nat_target(ctx: HandlerContext, table: dict, nat_id: str) -> str:
    nat = find_nat_gateway(ctx, nat_id)
    if nat is None or nat["State"] in ("deleting", "deleted", "failed"):
        raise EC2Error("InvalidNatGatewayID.NotFound", f"The natGateway ID '{nat_id}' does not exist")
    if nat["VpcId"] != table["VpcId"]:
        raise _different_networks(table, nat_id)
    return nat_id


def _interface_target(ctx: HandlerContext, table: dict, interface_id: str) -> dict:
    if not is_well_formed(interface_id, ENI.prefix):
        raise ENI.malformed(interface_id)
    interface = ctx.tx.get("network-interface", interface_id)
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


def _peering_target(ctx: HandlerContext, table: dict, peering_id: str) -> str:
    """A connection that is requested or active, with the table's VPC on one side (a route to a pending one is
    allowed: it is a blackhole until the connection is active)."""
    record = peering_of(ctx, peering_id)
    if record is None or status_of(ctx, record) not in LIVE:
        raise EC2Error("InvalidVpcPeeringConnectionID.NotFound",
                       f"The vpcPeeringConnection ID '{peering_id}' does not exist")
    if table["VpcId"] not in (record["RequesterVpcInfo"]["VpcId"], record["AccepterVpcInfo"]["VpcId"]):
        raise _different_networks(table, peering_id, "VPC peering connection")
    return peering_id


def _endpoint_target(ctx: HandlerContext, table: dict, endpoint_id: str) -> str:
    if not is_well_formed(endpoint_id, VPC_ENDPOINT.prefix):
        raise VPC_ENDPOINT.malformed(endpoint_id)
    endpoint = ctx.tx.get("vpc-endpoint", endpoint_id)
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
    table = ROUTE_TABLE.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    if field == "DestinationPrefixListId":
        referable(ctx, destination)  # a new route's list must exist (an existing route's is never deleted)
    if _find_route(route_table_view(ctx, table), field, destination):
        raise EC2Error("RouteAlreadyExists", f"The route identified by {destination} already exists.")
    route = {field: destination, **_target(ctx, table, params), "Origin": "CreateRoute", "State": "active"}
    table["Routes"].append(route)
    ROUTE_TABLE.put(ctx, table)
    return {"Return": True}


def replace_route(ctx: HandlerContext, params: dict) -> dict:
    table = ROUTE_TABLE.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    route = _find_route(route_table_view(ctx, table), field, destination)
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
    ROUTE_TABLE.put(ctx, table)
    return {}


def delete_route(ctx: HandlerContext, params: dict) -> dict:
    table = ROUTE_TABLE.get(ctx, params["RouteTableId"])
    field, destination = _destination(params)
    route = _find_route(route_table_view(ctx, table), field, destination)
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
    ROUTE_TABLE.put(ctx, table)
    return {}


def _find_association(ctx: HandlerContext, association_id: str) -> tuple[dict, dict]:
    for table in ROUTE_TABLE.all(ctx):
        for association in live_associations(ctx, table):
            if association["RouteTableAssociationId"] == association_id:
                return table, association
    raise EC2Error("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")


def _associated_elsewhere(ctx: HandlerContext, member: str, value: str) -> dict | None:
    return next((t for t in ROUTE_TABLE.all(ctx) for a in live_associations(ctx, t) if a.get(member) == value), None)


def _associate_target(ctx: HandlerContext, table: dict, params: dict) -> tuple[str, str]:
    subnet_id, gateway_id = params.get("SubnetId"), params.get("GatewayId")
    if bool(subnet_id) == bool(gateway_id):
        raise EC2Error("InvalidParameterCombination" if subnet_id else "MissingParameter",
                       "The request must contain exactly one of subnetId or gatewayId")
    if subnet_id:
        subnet = get_subnet(ctx, subnet_id)
        if subnet["VpcId"] != table["VpcId"]:
            raise InvalidParameterValue(f"Route table {table['RouteTableId']} and subnet {subnet_id} belong to "
                                        f"different networks")
        return "SubnetId", subnet_id
    return "GatewayId", _internet_gateway_target(ctx, table, gateway_id)


def associate_route_table(ctx: HandlerContext, params: dict) -> dict:
    table = ROUTE_TABLE.get(ctx, params["RouteTableId"])
    member, value = _associate_target(ctx, table, params)
    if _associated_elsewhere(ctx, member, value):
        raise EC2Error("Resource.AlreadyAssociated", f"the specified association for route table "
                                                     f"{table['RouteTableId']} conflicts with an existing association")
    association = new_association(table["RouteTableId"],
                                  **{"subnet_id" if member == "SubnetId" else "gateway_id": value})
    table["Associations"].append(association)
    ROUTE_TABLE.put(ctx, table)
    return {"AssociationId": association["RouteTableAssociationId"], "AssociationState": {"State": "associated"}}


def _remove_association(ctx: HandlerContext, table: dict, association_id: str) -> None:
    table["Associations"] = [a for a in table["Associations"] if a["RouteTableAssociationId"] != association_id]
    ROUTE_TABLE.put(ctx, table)


def disassociate_route_table(ctx: HandlerContext, params: dict) -> dict:
    table, association = _find_association(ctx, params["AssociationId"])
    if association["Main"]:
        raise InvalidParameterValue(f"cannot disassociate the main route table association "
                                    f"{association['RouteTableAssociationId']}")
    _remove_association(ctx, table, association["RouteTableAssociationId"])
    return {}


def replace_route_table_association(ctx: HandlerContext, params: dict) -> dict:
    old_table, association = _find_association(ctx, params["AssociationId"])
    new_table = ROUTE_TABLE.get(ctx, params["RouteTableId"])
    if new_table["VpcId"] != old_table["VpcId"]:
        raise InvalidParameterValue(f"Route table {new_table['RouteTableId']} and association "
                                    f"{association['RouteTableAssociationId']} belong to different networks")
    _remove_association(ctx, old_table, association["RouteTableAssociationId"])
    if new_table["RouteTableId"] == old_table["RouteTableId"]:
        new_table = old_table
    replacement = new_association(new_table["RouteTableId"], main=association["Main"],
                               subnet_id=association.get("SubnetId"), gateway_id=association.get("GatewayId"))
    # The main association is listed first, as AWS does.
    new_table["Associations"] = ([replacement] + new_table["Associations"] if replacement["Main"]
                                 else new_table["Associations"] + [replacement])
    ROUTE_TABLE.put(ctx, new_table)
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
