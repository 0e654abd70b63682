"""Elastic IP addresses and their associations with network interfaces.

An address used by a NAT gateway stays associated until the gateway is deleted; that association is derived when read
(record["_nat_gateway_id"]), so no write is needed when the deletion completes.
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import MALFORMED_IS_NOT_FOUND, Kind
from runnerlink.services.ec2.records.nat_gateways import NAT_GATEWAY
from runnerlink.services.ec2.records.network_interfaces import ENI

# Members present only while the address is associated.
_ASSOCIATION = ("AssociationId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress", "InstanceId",
                "_nat_gateway_id", "_vpc_id")

ELASTIC_IP = Kind(
    name="elastic-ip",
    prefix="eipalloc",
    id_field="AllocationId",
    code="InvalidAllocationID",
    malformed_code=MALFORMED_IS_NOT_FOUND,  # EC2 has no InvalidAllocationID.Malformed
    noun="allocation ID",
    filters={
        "allocation-id": lambda r: r["AllocationId"],
        "association-id": lambda r: r.get("AssociationId"),
        "domain": lambda r: r["Domain"],
        "instance-id": lambda r: r.get("InstanceId"),
        "network-border-group": lambda r: r["NetworkBorderGroup"],
        "network-interface-id": lambda r: r.get("NetworkInterfaceId"),
        "network-interface-owner-id": lambda r: r.get("NetworkInterfaceOwnerId"),
        "private-ip-address": lambda r: r.get("PrivateIpAddress"),
        "public-ip": lambda r: r["PublicIp"],
    },
)


def address_view(ctx: HandlerContext, record: dict) -> dict:
    """The address as it is now: an association whose NAT gateway or network interface is gone no longer shows."""
    if "AssociationId" in record and not _association_alive(ctx, record):
        return without_association(record)
    return record


def _association_alive(ctx: HandlerContext, record: dict) -> bool:
    nat_id = record.get("_nat_gateway_id")
    if nat_id:
        nat = ctx.tx.get(NAT_GATEWAY, nat_id)
        return nat is not None and not is_gone(ctx, nat)
    return ENI.find(ctx, record["NetworkInterfaceId"]) is not None


def without_association(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in _ASSOCIATION}


def get_address(ctx: HandlerContext, allocation_id: str) -> dict:
    """The address (as now) or InvalidAllocationID.NotFound (for a malformed id too, as AWS answers)."""
    return address_view(ctx, ELASTIC_IP.get(ctx, allocation_id))


def has_mapped_public_addresses(ctx: HandlerContext, vpc_id: str) -> bool:
    """Whether anything in the VPC holds a public address (blocks detaching its internet gateway)."""
    if any(address_view(ctx, r).get("_vpc_id") == vpc_id for r in ELASTIC_IP.all(ctx)):
        return True
    return any(r.get("VpcId") == vpc_id and (r.get("Association") or {}).get("PublicIp")
               for r in ENI.all(ctx))


def associate_with_nat_gateway(ctx: HandlerContext, address: dict, nat_id: str, interface: dict) -> str:
    """Map the address to a NAT gateway's interface; the association lasts until the gateway is deleted."""
    association_id = new_id("eipassoc")
    record = without_association(address)
    record.update({
        "AssociationId": association_id,
        "NetworkInterfaceId": interface["NetworkInterfaceId"],
        "NetworkInterfaceOwnerId": ctx.account,
        "PrivateIpAddress": interface.get("PrivateIpAddress"),
        "_nat_gateway_id": nat_id,
        "_vpc_id": interface.get("VpcId"),
    })
    ELASTIC_IP.put(ctx, record)
    return association_id
