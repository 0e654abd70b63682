"""Elastic network interfaces: the user's own, and the requester-managed ones AWS services place in a subnet (an
interface VPC endpoint's ENI per subnet, a NAT gateway's). Addresses come from the subnet (allocate_ip / release_ip)."""

from __future__ import annotations

import secrets

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import Kind
from runnerlink.services.ec2.records.quotas import check_groups
from runnerlink.services.ec2.records.security_groups import get_group
from runnerlink.services.ec2.records.subnets import allocate_ip, release_ip, release_ipv6

# The AWS-owned account that requests endpoint ENIs (the value AWS shows for interface endpoints in public output).
SERVICE_REQUESTER_ID = "727180483921"


def private_addresses(eni: dict) -> list[str]:
    return [a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses") or []]


def _attachment(field: str):
    return lambda eni: (eni.get("Attachment") or {}).get(field)


ENI = Kind("network-interface", "eni", "NetworkInterfaceId", "InvalidNetworkInterfaceID", "networkInterface ID", {
    "network-interface-id": lambda e: e["NetworkInterfaceId"],
    "subnet-id": lambda e: e["SubnetId"],
    "vpc-id": lambda e: e["VpcId"],
    "group-id": lambda e: [g["GroupId"] for g in e["Groups"]],
    "group-name": lambda e: [g["GroupName"] for g in e["Groups"]],
    "private-ip-address": private_addresses,
    "addresses.private-ip-address": private_addresses,
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
}, parent_filter="vpc-id", malformed_code="InvalidNetworkInterfaceId.Malformed")


def create_requester_managed(ctx: HandlerContext, subnet: dict, group_ids: list[str], description: str,
                             interface_type: str = "vpc_endpoint") -> dict:
    """An ENI an AWS service owns in the user's subnet: an address from the subnet, in use, not deletable by the
    user."""
    address = allocate_ip(ctx, subnet)
    eni = new_interface(ctx, subnet, group_identifiers(ctx, subnet, group_ids), description, [address], [])
    eni.update(InterfaceType=interface_type, RequesterManaged=True, RequesterId=SERVICE_REQUESTER_ID,
               Status="in-use")
    ENI.put(ctx, eni)
    return eni


def delete_interface(ctx: HandlerContext, eni_id: str) -> None:
    """Remove the ENI and give its addresses back to the subnet, at once (a no-op when it is already gone)."""
    eni = ctx.tx.get(ENI.name, eni_id)
    if eni is None:
        return
    for address in private_addresses(eni):
        release_ip(ctx, eni["SubnetId"], address)
    for item in eni.get("Ipv6Addresses") or []:
        release_ipv6(ctx, eni["SubnetId"], item["Ipv6Address"])
    ctx.tx.delete(ENI.name, eni_id)


def set_groups(ctx: HandlerContext, eni_id: str, group_ids: list[str]) -> None:
    """Replace the ENI's security groups (an endpoint's group changes apply to all its ENIs)."""
    eni = ENI.get(ctx, eni_id)
    eni["Groups"] = group_identifiers(ctx, {"VpcId": eni["VpcId"], "SubnetId": eni["SubnetId"]}, group_ids)
    ENI.put(ctx, eni)


def group_identifiers(ctx: HandlerContext, subnet: dict, group_ids: list[str]) -> list[dict]:
    """The GroupIdentifiers of an interface in the subnet: each group must exist and be of the subnet's VPC."""
    unique = list(dict.fromkeys(group_ids))
    check_groups(len(unique))
    found = []
    for group_id in unique:
        group = get_group(ctx, group_id)
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


def new_interface(ctx: HandlerContext, subnet: dict, groups: list[dict], description: str, addresses: list[str],
                  tags: list[dict]) -> dict:
    """An interface record in the subnet (not yet stored), addresses[0] its primary private address."""
    eni_id = new_id("eni")
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


def interface_view(eni: dict) -> dict:
    """The record as the API shows it: NetworkInterface names its tags TagSet."""
    return {**eni, "TagSet": eni.get("Tags") or []}
