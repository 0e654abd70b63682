"""NAT gateways: create (deciding then whether it will fail), delete, describe."""

from __future__ import annotations

import math

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed, new_id
from runnerlink.services.ec2.records.addresses import associate_with_nat_gateway, get_address
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.internet_gateways import gateway_of_vpc
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page, put_record
from runnerlink.services.ec2.records.nat_gateways import NAT_GATEWAY, RETENTION, nat_gateway_view
from runnerlink.services.ec2.records.network_interfaces import ENI, create_requester_managed, delete_interface
from runnerlink.services.ec2.records.subnets import get_subnet
from runnerlink.services.ec2.records.tags import tags_for

_FILTERS = {
    "nat-gateway-id": lambda r: r["NatGatewayId"],
    "state": lambda r: r["State"],
    "subnet-id": lambda r: r["SubnetId"],
    "vpc-id": lambda r: r["VpcId"],
}


def _not_found(nat_id: str) -> EC2Error:
    return EC2Error("NatGatewayNotFound", f"The Nat Gateway {nat_id} was not found")


def _malformed(nat_id: str) -> EC2Error:
    return EC2Error("NatGatewayMalformed", f"The Nat Gateway ID '{nat_id}' is malformed")


def _get_live(ctx: HandlerContext, nat_id: str) -> dict:
    if not is_well_formed(nat_id, "nat"):
        raise _malformed(nat_id)
    record = ctx.tx.get(NAT_GATEWAY, nat_id)
    current = None if record is None else nat_gateway_view(ctx, record)
    if current is None or current["State"] == "deleted":
        raise _not_found(nat_id)
    return record


# --- create ----------------------------------------------------------------------------------------------------------

def _prune(ctx: HandlerContext) -> None:
    """Forget gateways no longer described (writes happen only in mutating calls)."""
    for record in ctx.tx.scan(NAT_GATEWAY):
        if ctx.now >= record.get("_visible_until", math.inf):
            ctx.tx.delete(NAT_GATEWAY, record["NatGatewayId"])


def _same_request(record: dict, params: dict, connectivity: str) -> bool:
    return (record["SubnetId"] == params.get("SubnetId") and record["ConnectivityType"] == connectivity
            and all(a.get("AllocationId") == params.get("AllocationId")
                    for a in record["NatGatewayAddresses"] if a.get("IsPrimary")))


def _by_client_token(ctx: HandlerContext, params: dict, connectivity: str) -> dict | None:
    token = params.get("ClientToken")
    if not token:
        return None
    for record in ctx.tx.scan(NAT_GATEWAY):
        if record.get("_client_token") == token:
            if not _same_request(record, params, connectivity):
                raise EC2Error("IdempotentParameterMismatch",
                               f"The client token '{token}' was already used with different parameters.")
            return record
    return None


def _failure(ctx: HandlerContext, vpc_id: str, address: dict | None) -> tuple[str, str] | None:
    """Why AWS would let this gateway go to "failed" (decided at create time), or None."""
    if address is None:
        return None
    if gateway_of_vpc(ctx, vpc_id) is None:
        return "Gateway.NotAttached", f"Network {vpc_id} has no Internet gateway attached"
    if address.get("AssociationId"):
        return "Resource.AlreadyAssociated", f"Elastic IP address [{address['AllocationId']}] is already associated"
    return None


def _interface(ctx: HandlerContext, subnet: dict, nat_id: str) -> dict:
    """The gateway's requester-managed network interface in its subnet."""
    return create_requester_managed(ctx, subnet, [], f"Interface for NAT Gateway {nat_id}", "nat_gateway")


def _address_entry(address: dict | None, interface: dict | None, association_id: str | None) -> dict:
    entry: dict = {"IsPrimary": True}
    if address is not None:
        entry.update(AllocationId=address["AllocationId"], PublicIp=address["PublicIp"])
    if interface is not None:
        entry.update(NetworkInterfaceId=interface["NetworkInterfaceId"], PrivateIp=interface.get("PrivateIpAddress"))
    if association_id:
        entry["AssociationId"] = association_id
    return entry


def _connectivity(params: dict) -> str:
    connectivity = params.get("ConnectivityType") or "public"
    if connectivity == "public" and not params.get("AllocationId"):
        raise EC2Error("MissingParameter", "The request must contain the parameter AllocationId")
    if connectivity == "private" and params.get("AllocationId"):
        raise EC2Error("InvalidParameterCombination", "AllocationId cannot be specified for a private NAT gateway")
    if not params.get("SubnetId"):
        raise EC2Error("MissingParameter", "The request must contain the parameter SubnetId")
    return connectivity


def create_nat_gateway(ctx: HandlerContext, params: dict) -> dict:
    _prune(ctx)
    connectivity = _connectivity(params)
    existing = _by_client_token(ctx, params, connectivity)
    if existing is not None:
        return {"ClientToken": params["ClientToken"], "NatGateway": nat_gateway_view(ctx, existing)}
    subnet = get_subnet(ctx, params["SubnetId"])
    address = get_address(ctx, params["AllocationId"]) if connectivity == "public" else None
    tags = tags_for(params, "natgateway")
    nat_id = new_id("nat")
    failure = _failure(ctx, subnet["VpcId"], address)
    interface = association_id = None
    if failure is None:
        interface = _interface(ctx, subnet, nat_id)
        if address is not None:
            association_id = associate_with_nat_gateway(ctx, address, nat_id, interface)
    record = {
        "NatGatewayId": nat_id,
        "SubnetId": subnet["SubnetId"],
        "VpcId": subnet["VpcId"],
        "CreateTime": ctx.now,
        "State": "pending",
        "ConnectivityType": connectivity,
        "NatGatewayAddresses": [_address_entry(address, interface, association_id)],
        "Tags": tags,
        "_client_token": params.get("ClientToken"),
        "_failure": failure,
    }
    if failure is not None:
        record["_gone_at"] = ctx.now + ctx.lifecycle_delay
        record["_visible_until"] = record["_gone_at"] + RETENTION
    put_record(ctx, NAT_GATEWAY, nat_id, record)
    output = {"NatGateway": nat_gateway_view(ctx, record)}
    if params.get("ClientToken"):
        output["ClientToken"] = params["ClientToken"]
    return output


# --- delete / describe -----------------------------------------------------------------------------------------------

def _release_interface(ctx: HandlerContext, record: dict) -> None:
    for entry in record["NatGatewayAddresses"]:
        interface_id = entry.get("NetworkInterfaceId")
        if interface_id and ctx.tx.get(ENI.name, interface_id) is not None:
            delete_interface(ctx, interface_id)


def delete_nat_gateway(ctx: HandlerContext, params: dict) -> dict:
    _prune(ctx)
    record = _get_live(ctx, params["NatGatewayId"])
    if record.get("_deleted_at") is None:
        deleted_at = ctx.now + ctx.lifecycle_delay
        record["_deleted_at"] = deleted_at
        record["_gone_at"] = min(record.get("_gone_at", math.inf), deleted_at)
        record["_visible_until"] = deleted_at + RETENTION
        # The interface goes at once (synchronously, so DeleteSubnet is never held up); the Elastic IP stays mapped
        # until the deletion completes (addresses derives that from _gone_at).
        _release_interface(ctx, record)
        put_record(ctx, NAT_GATEWAY, record["NatGatewayId"], record)
    return {"NatGatewayId": record["NatGatewayId"]}


def describe_nat_gateways(ctx: HandlerContext, params: dict) -> dict:
    found = [v for v in (nat_gateway_view(ctx, r) for r in ctx.tx.scan(NAT_GATEWAY)) if v is not None]
    wanted = params.get("NatGatewayIds")
    if wanted:
        by_id = {g["NatGatewayId"]: g for g in found}
        missing = next((nat_id for nat_id in wanted if nat_id not in by_id), None)
        if missing:
            raise _not_found(missing) if is_well_formed(missing, "nat") else _malformed(missing)
        found = [by_id[nat_id] for nat_id in dict.fromkeys(wanted)]
    found = apply_filters(found, params.get("Filter"), _FILTERS)
    items, token = paginate(found, params, bad_token, MAX_RESULTS)
    return page("NatGateways", items, token)


HANDLERS = {
    "CreateNatGateway": create_nat_gateway,
    "DeleteNatGateway": delete_nat_gateway,
    "DescribeNatGateways": describe_nat_gateways,
}
READ_ONLY = {"DescribeNatGateways"}
