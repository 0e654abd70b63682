"""Elastic network interfaces: the user's own, and the requester-managed ones AWS services place in a subnet (an
interface VPC endpoint's ENI per subnet). Addresses come from the subnet (subnets.allocate_ip / release_ip)."""

from __future__ import annotations

import ipaddress
import secrets

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import Kind, page, put_record, tags_for
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue

KIND = "network-interface"
# The AWS-owned account that requests endpoint ENIs (the value AWS shows for interface endpoints in public output).
SERVICE_REQUESTER_ID = "727180483921"


def _addresses(eni: dict) -> list[str]:
    return [a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses") or []]


def _attachment(field: str):
    return lambda eni: (eni.get("Attachment") or {}).get(field)


ENI = Kind(KIND, "eni", "NetworkInterfaceId", "InvalidNetworkInterfaceID", "networkInterface ID", {
    "network-interface-id": lambda e: e["NetworkInterfaceId"],
    "subnet-id": lambda e: e["SubnetId"],
    "vpc-id": lambda e: e["VpcId"],
    "group-id": lambda e: [g["GroupId"] for g in e["Groups"]],
    "group-name": lambda e: [g["GroupName"] for g in e["Groups"]],
    "private-ip-address": _addresses,
    "addresses.private-ip-address": _addresses,
    "addresses.primary": lambda e: [a["Primary"] for a in e.get("PrivateIpAddresses") or []],
    "private-dns-name": lambda e: e.get("PrivateDnsName"),
    "availability-zone": lambda e: e["AvailabilityZone"],
    "status": lambda e: e["Status"],
    "interface-type": lambda e: e["InterfaceType"],
    "requester-managed": lambda e: e["RequesterManaged"],
    "requester-id": lambda e: e.get("RequesterId"),
    "description": lambda e: e.get("Description", ""),
    "owner-id": lambda e: e["OwnerId"],
    "mac-address": lambda e: e["MacAddress"],
    "source-dest-check": lambda e: e["SourceDestCheck"],
    "attachment.instance-id": _attachment("InstanceId"),
    "attachment.instance-owner-id": _attachment("InstanceOwnerId"),
    "attachment.attachment-id": _attachment("AttachmentId"),
    "attachment.status": _attachment("Status"),
    "attachment.device-index": _attachment("DeviceIndex"),
    "attachment.delete-on-termination": _attachment("DeleteOnTermination"),
}, parent_filter="vpc-id")


# --- the interface other modules use ---------------------------------------------------------------------------------

def create_requester_managed(ctx: HandlerContext, subnet: dict, group_ids: list[str], description: str,
                             interface_type: str = "vpc_endpoint") -> dict:
    """An ENI an AWS service owns in the user's subnet: an address from the subnet, in use, not deletable by the
    user."""
    from runnerlink.services.ec2 import subnets

    address = subnets.allocate_ip(ctx, subnet)
    eni = _new(ctx, subnet, _group_identifiers(ctx, subnet, group_ids), description, [address], [])
    eni.update(InterfaceType=interface_type, RequesterManaged=True, RequesterId=SERVICE_REQUESTER_ID,
               Status="in-use")
    ENI.put(ctx, eni)
    return eni


def delete(ctx: HandlerContext, eni_id: str) -> None:
    """Remove the ENI and give its addresses back to the subnet, at once (a no-op when it is already gone)."""
    from runnerlink.services.ec2 import subnets

    eni = ctx.tx.get(KIND, eni_id)
    if eni is None:
        return
    for address in _addresses(eni):
        subnets.release_ip(ctx, eni["SubnetId"], address)
    ctx.tx.delete(KIND, eni_id)


def set_groups(ctx: HandlerContext, eni_id: str, group_ids: list[str]) -> None:
    """Replace the ENI's security groups (an endpoint's group changes apply to all its ENIs)."""
    eni = ENI.get(ctx, eni_id)
    eni["Groups"] = _group_identifiers(ctx, {"VpcId": eni["VpcId"], "SubnetId": eni["SubnetId"]}, group_ids)
    ENI.put(ctx, eni)


# --- building one ----------------------------------------------------------------------------------------------------

def _group_identifiers(ctx: HandlerContext, subnet: dict, group_ids: list[str]) -> list[dict]:
    from runnerlink.services.ec2 import security_groups

    found = []
    for group_id in dict.fromkeys(group_ids):
        group = security_groups.get_group(ctx, group_id)
        if group["VpcId"] != subnet["VpcId"]:
            raise EC2Error("InvalidParameter",
                           f"Security group {group_id} and subnet {subnet['SubnetId']} belong to different networks.")
        found.append({"GroupId": group_id, "GroupName": group["GroupName"]})
    return found


def _dns_name(ctx: HandlerContext, address: str) -> str:
    host = "ip-" + address.replace(".", "-")
    return f"{host}.ec2.internal" if ctx.region == "us-east-1" else f"{host}.{ctx.region}.compute.internal"


def _mac() -> str:
    return "02:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


def _new(ctx: HandlerContext, subnet: dict, groups: list[dict], description: str, addresses: list[str],
         tags: list[dict]) -> dict:
    eni_id = ids.new_id("eni")
    return {
        "NetworkInterfaceId": eni_id,
        "SubnetId": subnet["SubnetId"],
        "VpcId": subnet["VpcId"],
        "AvailabilityZone": subnet["AvailabilityZone"],
        "AvailabilityZoneId": subnet.get("AvailabilityZoneId"),
        "Description": description,
        "Groups": groups,
        "InterfaceType": "interface",
        "Ipv6Addresses": [],
        "MacAddress": _mac(),
        "OwnerId": ctx.account,
        "PrivateDnsName": _dns_name(ctx, addresses[0]),
        "PrivateIpAddress": addresses[0],
        "PrivateIpAddresses": [{"Primary": index == 0, "PrivateIpAddress": address,
                                "PrivateDnsName": _dns_name(ctx, address)} for index, address in enumerate(addresses)],
        "RequesterManaged": False,
        "SourceDestCheck": True,
        "Status": "available",
        "Tags": tags,
        "Ipv6Native": False,
    }


def _claim(ctx: HandlerContext, subnet: dict, raw: str) -> str:
    """Reserve a chosen address in the subnet: inside its range, not reserved, not in use."""
    try:
        address = ipaddress.IPv4Address(raw)
    except ValueError:
        raise InvalidParameterValue(f"Invalid value '{raw}' for privateIpAddress") from None
    block = ipaddress.IPv4Network(subnet["CidrBlock"])
    if address not in block:
        raise InvalidParameterValue(f"Address {address} does not fall within the subnet's address range")
    offset = int(address) - int(block.network_address)
    if offset < 4 or address == block.broadcast_address:
        raise InvalidParameterValue(f"Address {address} is in subnet's reserved address range")
    used = subnet.get("_used_ips") or []
    if str(address) in used:
        raise EC2Error("InvalidIPAddress.InUse", f"Address {address} is in use.")
    subnet["_used_ips"] = [*used, str(address)]
    subnet["AvailableIpAddressCount"] -= 1
    put_record(ctx, "subnet", subnet["SubnetId"], subnet)
    return str(address)


def _requested_addresses(ctx: HandlerContext, subnet: dict, params: dict) -> list[str]:
    """The primary address first, then secondaries: chosen ones claimed, the rest allocated."""
    from runnerlink.services.ec2 import subnets

    chosen: dict[str, bool] = {}  # address → primary
    if params.get("PrivateIpAddress"):
        chosen[params["PrivateIpAddress"]] = True
    for item in params.get("PrivateIpAddresses") or []:
        if item.get("PrivateIpAddress"):
            address = item["PrivateIpAddress"]
            chosen[address] = chosen.get(address, False) or bool(item.get("Primary"))
    primaries = [a for a, primary in chosen.items() if primary]
    if len(primaries) > 1:
        raise InvalidParameterValue("Only one primary private IP address can be specified.")
    addresses = [_claim(ctx, subnet, a) for a in primaries + [a for a, primary in chosen.items() if not primary]]
    if not addresses:
        addresses.append(subnets.allocate_ip(ctx, subnet))
    for _ in range(params.get("SecondaryPrivateIpAddressCount") or 0):
        addresses.append(subnets.allocate_ip(ctx, subnet))
    return addresses


def _by_client_token(ctx: HandlerContext, token: str) -> dict | None:
    return next((e for e in ENI.all(ctx) if e.get("_client_token") == token), None)


def _shown(eni: dict) -> dict:
    """The record as the API shows it: NetworkInterface names its tags TagSet."""
    return {**eni, "TagSet": eni.get("Tags") or []}


# --- handlers --------------------------------------------------------------------------------------------------------

def create_network_interface(ctx: HandlerContext, params: dict) -> dict:
    from runnerlink.services.ec2 import security_groups, subnets

    token = params.get("ClientToken")
    earlier = _by_client_token(ctx, token) if token else None
    if earlier is not None:
        return {"NetworkInterface": _shown(earlier), "ClientToken": token}
    subnet = subnets.get_subnet(ctx, params["SubnetId"])
    group_ids = params.get("Groups") or [security_groups.default_group_id(ctx, subnet["VpcId"])]
    groups = _group_identifiers(ctx, subnet, group_ids)
    description = params.get("Description") or ""
    tags = tags_for(params, KIND)
    eni = _new(ctx, subnet, groups, description, _requested_addresses(ctx, subnet, params), tags)
    if params.get("InterfaceType"):
        eni["InterfaceType"] = params["InterfaceType"]
    if token:
        eni["_client_token"] = token
    ENI.put(ctx, eni)
    return {"NetworkInterface": _shown(eni), **({"ClientToken": token} if token else {})}


def describe_network_interfaces(ctx: HandlerContext, params: dict) -> dict:
    if params.get("NetworkInterfaceIds") and params.get("MaxResults"):
        raise EC2Error("InvalidParameterCombination",
                       "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults")
    items, token = ENI.describe(ctx, params, "NetworkInterfaceIds")
    return page("NetworkInterfaces", [_shown(e) for e in items], token)


def delete_network_interface(ctx: HandlerContext, params: dict) -> dict:
    eni = ENI.get(ctx, params["NetworkInterfaceId"])
    eni_id = eni["NetworkInterfaceId"]
    if eni["RequesterManaged"]:
        raise EC2Error("OperationNotPermitted",
                       f"You are not allowed to delete the requester-managed network interface '{eni_id}'; "
                       "it is managed by the service that created it.")
    if eni.get("Attachment") or eni["Status"] == "in-use":
        raise EC2Error("InvalidNetworkInterface.InUse", f"Interface: [{eni_id}] in use.")
    delete(ctx, eni_id)
    return {}


_ATTRIBUTES = ("Groups", "Description", "SourceDestCheck", "Attachment")


def modify_network_interface_attribute(ctx: HandlerContext, params: dict) -> dict:
    eni = ENI.get(ctx, params["NetworkInterfaceId"])
    given = [name for name in _ATTRIBUTES if params.get(name) is not None]
    if len(given) != 1:
        raise EC2Error("InvalidParameterCombination",
                       "Exactly one attribute (groupSet, description, sourceDestCheck or attachment) must be "
                       f"specified; got {len(given)}.")
    name = given[0]
    if name == "Groups":
        if not params["Groups"]:
            raise EC2Error("MissingParameter", "The request must contain the parameter groupSet")
        eni["Groups"] = _group_identifiers(ctx, {"VpcId": eni["VpcId"], "SubnetId": eni["SubnetId"]},
                                           params["Groups"])
    elif name == "Description":
        eni["Description"] = params["Description"].get("Value") or ""
    elif name == "SourceDestCheck":
        value = params["SourceDestCheck"].get("Value")
        if value is None:
            raise EC2Error("MissingParameter", "The request must contain the parameter sourceDestCheck.value")
        eni["SourceDestCheck"] = value
    else:
        attachment = eni.get("Attachment")
        if not attachment or attachment.get("AttachmentId") != params["Attachment"].get("AttachmentId"):
            raise EC2Error("InvalidAttachmentID.NotFound",
                           f"The attachment ID '{params['Attachment'].get('AttachmentId')}' does not exist")
        if params["Attachment"].get("DeleteOnTermination") is not None:
            attachment["DeleteOnTermination"] = params["Attachment"]["DeleteOnTermination"]
    ENI.put(ctx, eni)
    return {}


HANDLERS = {
    "CreateNetworkInterface": create_network_interface,
    "DescribeNetworkInterfaces": describe_network_interfaces,
    "DeleteNetworkInterface": delete_network_interface,
    "ModifyNetworkInterfaceAttribute": modify_network_interface_attribute,
}
READ_ONLY = {"DescribeNetworkInterfaces"}
