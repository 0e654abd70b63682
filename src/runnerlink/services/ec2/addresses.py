"""Elastic IP addresses: allocate from documentation ranges, associate with network interfaces, release.

Public addresses are model values (DESIGN principle 9): they come from RFC 5737 ranges and are never contacted.
"""

from __future__ import annotations

import ipaddress
import secrets

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.addresses import ELASTIC_IP, address_view, get_address, without_association
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.internet_gateways import gateway_of_vpc
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page
from runnerlink.services.ec2.records.network_interfaces import ENI
from runnerlink.services.ec2.records.tags import tags_for

# RFC 5737 TEST-NET-3. TEST-NET-2 (198.51.100.0/24) holds the S3/DynamoDB prefix lists' CIDRs and TEST-NET-1
# (192.0.2.0/24) is left for services' public addresses, so a route lookup never mistakes one for another.
POOLS = (ipaddress.ip_network("203.0.113.0/24"),)


def _free_address(ctx: HandlerContext) -> str:
    used = {r["PublicIp"] for r in ctx.tx.scan(ELASTIC_IP.name)}
    free = [str(ip) for pool in POOLS for ip in pool.hosts() if str(ip) not in used]
    if not free:
        raise EC2Error("AddressLimitExceeded", "The maximum number of addresses has been reached.")
    return secrets.choice(free)


def _requested_address(ctx: HandlerContext, address: str) -> str:
    """AllocateAddress Address=…: recover a specific address of the pools, if nobody holds it."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise InvalidParameterValue(f"Invalid value '{address}' for address") from None
    if not any(ip in pool for pool in POOLS) or any(r["PublicIp"] == address for r in ctx.tx.scan(ELASTIC_IP.name)):
        raise EC2Error("InvalidAddress.NotFound", f"Address '{address}' not found.")
    return address


def allocate_address(ctx: HandlerContext, params: dict) -> dict:
    if params.get("Domain", "vpc") != "vpc":
        # EC2-Classic is retired; only VPC addresses exist. [unsure of AWS's exact answer]
        raise InvalidParameterValue(f"Invalid value '{params['Domain']}' for domain. Only 'vpc' is supported.")
    pool = params.get("PublicIpv4Pool") or "amazon"
    if pool != "amazon":
        raise EC2Error("InvalidPublicIpv4PoolID.NotFound", f"The public IPv4 pool ID '{pool}' does not exist")
    border_group = params.get("NetworkBorderGroup") or ctx.region
    if border_group != ctx.region:
        raise InvalidParameterValue(f"Invalid value '{border_group}' for networkBorderGroup")
    tags = tags_for(params, "elastic-ip")
    public_ip = _requested_address(ctx, params["Address"]) if params.get("Address") else _free_address(ctx)
    record = {
        "AllocationId": new_id("eipalloc"),
        "PublicIp": public_ip,
        "Domain": "vpc",
        "PublicIpv4Pool": pool,
        "NetworkBorderGroup": border_group,
        "Tags": tags,
    }
    ELASTIC_IP.put(ctx, record)
    return {k: record[k] for k in ("AllocationId", "PublicIp", "Domain", "PublicIpv4Pool", "NetworkBorderGroup")}


def _by_public_ip(ctx: HandlerContext, public_ip: str) -> dict | None:
    return next((r for r in ELASTIC_IP.all(ctx) if r["PublicIp"] == public_ip), None)


def _interface_for(ctx: HandlerContext, params: dict) -> dict:
    if params.get("NetworkInterfaceId"):
        return ENI.get(ctx, params["NetworkInterfaceId"])
    if params.get("InstanceId"):
        # Instances are not modelled: no instance id exists.
        raise EC2Error("InvalidInstanceID.NotFound", f"The instance ID '{params['InstanceId']}' does not exist")
    raise EC2Error("MissingParameter", "Either an instance ID or a network interface ID must be specified")


def _private_ip_for(interface: dict, requested: str | None) -> str | None:
    if requested is None:
        return interface.get("PrivateIpAddress")
    own = {p.get("PrivateIpAddress") for p in interface.get("PrivateIpAddresses") or []}
    own.add(interface.get("PrivateIpAddress"))
    if requested not in own:
        raise InvalidParameterValue(f"The private IP address {requested} is not assigned to the network interface "
                                    f"{interface['NetworkInterfaceId']}")
    return requested


def associate_address(ctx: HandlerContext, params: dict) -> dict:
    if params.get("AllocationId"):
        address = get_address(ctx, params["AllocationId"])
    elif params.get("PublicIp"):
        if _by_public_ip(ctx, params["PublicIp"]) is None:
            raise EC2Error("AuthFailure", f"The address '{params['PublicIp']}' does not belong to you.")
        raise InvalidParameterValue("You must specify an allocation id when mapping an address to a VPC instance")
    else:
        raise EC2Error("MissingParameter", "Either a public IP or an allocation ID must be specified")
    interface = _interface_for(ctx, params)
    private_ip = _private_ip_for(interface, params.get("PrivateIpAddress"))
    vpc_id = interface.get("VpcId")
    if gateway_of_vpc(ctx, vpc_id) is None:
        raise EC2Error("Gateway.NotAttached", f"Network {vpc_id} is not attached to any internet gateway")
    if address.get("AssociationId") and (address.get("_nat_gateway_id") or not params.get("AllowReassociation")):
        raise EC2Error("Resource.AlreadyAssociated", f"resource {address['AllocationId']} is already associated "
                                                     f"with associate-id {address['AssociationId']}")
    _unmap(ctx, interface["NetworkInterfaceId"], private_ip)
    association_id = new_id("eipassoc")
    record = without_association(address)
    record.update({
        "AssociationId": association_id,
        "NetworkInterfaceId": interface["NetworkInterfaceId"],
        "NetworkInterfaceOwnerId": interface.get("OwnerId") or ctx.account,
        "PrivateIpAddress": private_ip,
        "_vpc_id": vpc_id,
    })
    instance_id = (interface.get("Attachment") or {}).get("InstanceId")
    if instance_id:
        record["InstanceId"] = instance_id
    ELASTIC_IP.put(ctx, record)
    return {"AssociationId": association_id}


def _unmap(ctx: HandlerContext, interface_id: str, private_ip: str | None) -> None:
    """A private address holds one Elastic IP: associating another moves the mapping (AWS disassociates the old)."""
    for record in ELASTIC_IP.all(ctx):
        current = address_view(ctx, record)
        if current.get("NetworkInterfaceId") == interface_id and current.get("PrivateIpAddress") == private_ip:
            ELASTIC_IP.put(ctx, without_association(current))


def disassociate_address(ctx: HandlerContext, params: dict) -> dict:
    association_id = params.get("AssociationId")
    if not association_id:
        if params.get("PublicIp"):
            raise InvalidParameterValue("You must specify an association id when unmapping an address from a VPC "
                                        "instance")
        raise EC2Error("MissingParameter", "Either a public IP or an association ID must be specified")
    address = next((a for a in (address_view(ctx, r) for r in ELASTIC_IP.all(ctx))
                    if a.get("AssociationId") == association_id), None)
    if address is None:
        raise EC2Error("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")
    if address.get("_nat_gateway_id"):
        # The NAT gateway's interface is requester-managed: its address goes only with the gateway. [unsure of code]
        raise EC2Error("AuthFailure", "You do not have permission to access the specified resource.")
    ELASTIC_IP.put(ctx, without_association(address))
    return {}


def release_address(ctx: HandlerContext, params: dict) -> dict:
    allocation_id, public_ip = params.get("AllocationId"), params.get("PublicIp")
    if allocation_id and public_ip:
        raise EC2Error("InvalidParameterCombination",
                       "You may specify public IP or allocation id, but not both in the same call")
    if public_ip:
        if _by_public_ip(ctx, public_ip) is None:
            raise EC2Error("AuthFailure", f"The address '{public_ip}' does not belong to you.")
        raise InvalidParameterValue("You must specify an allocation id when releasing a VPC elastic IP address")
    if not allocation_id:
        raise EC2Error("MissingParameter", "The request must contain the parameter AllocationId")
    address = get_address(ctx, allocation_id)
    if params.get("NetworkBorderGroup") and params["NetworkBorderGroup"] != address["NetworkBorderGroup"]:
        raise InvalidParameterValue(f"Invalid value '{params['NetworkBorderGroup']}' for networkBorderGroup")
    if address.get("AssociationId"):
        raise EC2Error("InvalidIPAddress.InUse", f"Address {address['PublicIp']} is in use.")
    ctx.tx.delete(ELASTIC_IP.name, allocation_id)
    return {}


def _described(ctx: HandlerContext, params: dict) -> list[dict]:
    found, _ = ELASTIC_IP.describe(ctx, {**params, "Filters": None}, "AllocationIds", derive=address_view,
                                   paged=False)
    for public_ip in params.get("PublicIps") or []:
        if not any(a["PublicIp"] == public_ip for a in found):
            raise EC2Error("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
    if params.get("PublicIps"):
        found = [a for a in found if a["PublicIp"] in params["PublicIps"]]
    return apply_filters(found, params.get("Filters"), ELASTIC_IP.filters)


def describe_addresses(ctx: HandlerContext, params: dict) -> dict:
    return {"Addresses": _described(ctx, params)}


def describe_addresses_attribute(ctx: HandlerContext, params: dict) -> dict:
    attribute = params.get("Attribute") or "domain-name"
    if attribute != "domain-name":
        raise InvalidParameterValue(f"Value ({attribute}) for parameter attribute is invalid.")
    found, _ = ELASTIC_IP.describe(ctx, params, "AllocationIds", paged=False)
    attributes = [{"AllocationId": a["AllocationId"], "PublicIp": a["PublicIp"],
                   **({"PtrRecord": a["_ptr_record"]} if a.get("_ptr_record") else {})} for a in found]
    items, token = paginate(attributes, params, bad_token, MAX_RESULTS)
    return page("Addresses", items, token)


HANDLERS = {
    "AllocateAddress": allocate_address,
    "AssociateAddress": associate_address,
    "DisassociateAddress": disassociate_address,
    "ReleaseAddress": release_address,
    "DescribeAddresses": describe_addresses,
    "DescribeAddressesAttribute": describe_addresses_attribute,
}
READ_ONLY = {"DescribeAddresses", "DescribeAddressesAttribute"}
