"""NAT gateways: pending → available (or failed) and deleting → deleted, derived from time when read.

Stored: CreateTime, "_deleted_at" (when a deletion completes), "_failure" (code, message) decided at create time,
"_gone_at" (from when other resources stop seeing the gateway: it no longer blocks a subnet, holds its Elastic IP or
routes traffic) and "_visible_until" (deleted and failed gateways stay listed, as on AWS, for a while).
"""

from __future__ import annotations

import math

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import apply_filters, finished, page, paginate, put_record, tags_for
from runnerlink.services.ec2.errors import EC2Error

KIND = "natgateway"
# How long a deleted or failed gateway is still described (AWS: about an hour).
RETENTION = 3600.0

_FILTERS = {
    "nat-gateway-id": lambda r: r["NatGatewayId"],
    "state": lambda r: r["State"],
    "subnet-id": lambda r: r["SubnetId"],
    "vpc-id": lambda r: r["VpcId"],
}


def _not_found(nat_id: str) -> EC2Error:
    return EC2Error("NatGatewayNotFound", f"The Nat Gateway {nat_id} was not found")


def _reached(ctx: HandlerContext, at: float | None) -> bool:
    if at is None:
        return False
    ctx.note_change(at)
    return ctx.now >= at


# --- derived view ----------------------------------------------------------------------------------------------------

def view(ctx: HandlerContext, record: dict) -> dict | None:
    """The gateway as it is at ctx.now, or None once it is no longer described."""
    if _reached(ctx, record.get("_visible_until")):
        return None
    current = {k: v for k, v in record.items() if not k.startswith("_")}
    ready = finished(ctx, record["CreateTime"], ctx.lifecycle_delay)
    ctx.note_change(record["CreateTime"] + ctx.lifecycle_delay)
    if record.get("_deleted_at") is not None:
        deleted = _reached(ctx, record["_deleted_at"])
        current["State"] = "deleted" if deleted else "deleting"
        if deleted:
            current["DeleteTime"] = record["_deleted_at"]
        status = "succeeded" if deleted else "disassociating"
    elif record.get("_failure"):
        current["State"] = "failed" if ready else "pending"
        if ready:
            current["FailureCode"], current["FailureMessage"] = record["_failure"]
        status = "failed" if ready else "associating"
    else:
        current["State"] = "available" if ready else "pending"
        status = "succeeded" if ready else "associating"
    current["NatGatewayAddresses"] = [{**a, "Status": status} for a in record["NatGatewayAddresses"]]
    return current


def find(ctx: HandlerContext, nat_id: str) -> dict | None:
    """The gateway's current view (any state, deleted included), or None."""
    record = ctx.tx.get(KIND, nat_id) if ids.is_well_formed(nat_id, "nat") else None
    return None if record is None else view(ctx, record)


def routes_traffic(ctx: HandlerContext, nat_id: str) -> bool:
    """Whether a route to this gateway is active (else it is a blackhole)."""
    current = find(ctx, nat_id)
    return current is not None and current["State"] in ("pending", "available")


def _get_live(ctx: HandlerContext, nat_id: str) -> dict:
    if not ids.is_well_formed(nat_id, "nat"):
        raise EC2Error("NatGatewayMalformed", f"The Nat Gateway ID '{nat_id}' is malformed")
    record = ctx.tx.get(KIND, nat_id)
    current = None if record is None else view(ctx, record)
    if current is None or current["State"] == "deleted":
        raise _not_found(nat_id)
    return record


# --- create ----------------------------------------------------------------------------------------------------------

def _prune(ctx: HandlerContext) -> None:
    """Forget gateways no longer described (writes happen only in mutating calls)."""
    for record in ctx.tx.scan(KIND):
        if ctx.now >= record.get("_visible_until", math.inf):
            ctx.tx.delete(KIND, record["NatGatewayId"])


def _same_request(record: dict, params: dict, connectivity: str) -> bool:
    return (record["SubnetId"] == params.get("SubnetId") and record["ConnectivityType"] == connectivity
            and all(a.get("AllocationId") == params.get("AllocationId")
                    for a in record["NatGatewayAddresses"] if a.get("IsPrimary")))


def _by_client_token(ctx: HandlerContext, params: dict, connectivity: str) -> dict | None:
    token = params.get("ClientToken")
    if not token:
        return None
    for record in ctx.tx.scan(KIND):
        if record.get("_client_token") == token:
            if not _same_request(record, params, connectivity):
                raise EC2Error("IdempotentParameterMismatch",
                               f"The client token '{token}' was already used with different parameters.")
            return record
    return None


def _failure(ctx: HandlerContext, vpc_id: str, address: dict | None) -> tuple[str, str] | None:
    """Why AWS would let this gateway go to "failed" (decided at create time), or None."""
    from runnerlink.services.ec2 import internet_gateways

    if address is None:
        return None
    if internet_gateways.gateway_of_vpc(ctx, vpc_id) is None:
        return "Gateway.NotAttached", f"Network {vpc_id} has no Internet gateway attached"
    if address.get("AssociationId"):
        return "Resource.AlreadyAssociated", f"Elastic IP address [{address['AllocationId']}] is already associated"
    return None


def _interface(ctx: HandlerContext, subnet: dict, nat_id: str) -> dict:
    """The gateway's requester-managed network interface in its subnet."""
    from runnerlink.services.ec2 import network_interfaces

    return network_interfaces.create_requester_managed(ctx, subnet, [], f"Interface for NAT Gateway {nat_id}",
                                                       "nat_gateway")


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
    from runnerlink.services.ec2 import addresses, subnets

    _prune(ctx)
    connectivity = _connectivity(params)
    existing = _by_client_token(ctx, params, connectivity)
    if existing is not None:
        return {"ClientToken": params["ClientToken"], "NatGateway": view(ctx, existing)}
    subnet = subnets.get_subnet(ctx, params["SubnetId"])
    address = addresses.get(ctx, params["AllocationId"]) if connectivity == "public" else None
    tags = tags_for(params, "natgateway")
    nat_id = ids.new_id("nat")
    failure = _failure(ctx, subnet["VpcId"], address)
    interface = association_id = None
    if failure is None:
        interface = _interface(ctx, subnet, nat_id)
        if address is not None:
            association_id = addresses.associate_with_nat_gateway(ctx, address, nat_id, interface)
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
    put_record(ctx, KIND, nat_id, record)
    output = {"NatGateway": view(ctx, record)}
    if params.get("ClientToken"):
        output["ClientToken"] = params["ClientToken"]
    return output


# --- delete / describe -----------------------------------------------------------------------------------------------

def _release_interface(ctx: HandlerContext, record: dict) -> None:
    from runnerlink.services.ec2 import network_interfaces

    for entry in record["NatGatewayAddresses"]:
        interface_id = entry.get("NetworkInterfaceId")
        if interface_id and ctx.tx.get("network-interface", interface_id) is not None:
            network_interfaces.delete(ctx, interface_id)


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
        put_record(ctx, KIND, record["NatGatewayId"], record)
    return {"NatGatewayId": record["NatGatewayId"]}


def describe_nat_gateways(ctx: HandlerContext, params: dict) -> dict:
    found = [v for v in (view(ctx, r) for r in ctx.tx.scan(KIND)) if v is not None]
    wanted = params.get("NatGatewayIds")
    if wanted:
        by_id = {g["NatGatewayId"]: g for g in found}
        missing = next((nat_id for nat_id in wanted if nat_id not in by_id), None)
        if missing:
            raise _not_found(missing)
        found = [by_id[nat_id] for nat_id in dict.fromkeys(wanted)]
    found = apply_filters(found, params.get("Filter"), _FILTERS)
    items, token = paginate(found, params)
    return page("NatGateways", items, token)


HANDLERS = {
    "CreateNatGateway": create_nat_gateway,
    "DeleteNatGateway": delete_nat_gateway,
    "DescribeNatGateways": describe_nat_gateways,
}
READ_ONLY = {"DescribeNatGateways"}
