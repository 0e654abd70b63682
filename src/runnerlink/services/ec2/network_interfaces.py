"""Elastic network interfaces: create (addresses chosen or allocated from the subnet), describe, delete, modify."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.network_interfaces import (
    ENI,
    delete_interface,
    group_identifiers,
    interface_view,
    new_interface,
)
from runnerlink.services.ec2.records.security_groups import default_group_id
from runnerlink.services.ec2.records.subnets import allocate_ip, allocate_ipv6, claim_ip, get_subnet
from runnerlink.services.ec2.records.tags import tags_for


def _requested_addresses(ctx: HandlerContext, subnet: dict, params: dict) -> list[str]:
    """The primary address first, then secondaries: chosen ones claimed, the rest allocated."""
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
    addresses = [claim_ip(ctx, subnet, a) for a in primaries + [a for a, primary in chosen.items() if not primary]]
    if not addresses:
        addresses.append(allocate_ip(ctx, subnet))
    for _ in range(params.get("SecondaryPrivateIpAddressCount") or 0):
        addresses.append(allocate_ip(ctx, subnet))
    return addresses


def _ipv6_addresses(ctx: HandlerContext, subnet: dict, params: dict) -> list[str]:
    """Ipv6AddressCount addresses from the subnet's /64; without it, one when the subnet assigns IPv6 on creation.
    (Chosen IPv6 addresses are not modelled.)"""
    if params.get("Ipv6Addresses"):
        raise InvalidParameterValue("Choosing IPv6 addresses is not supported by runnerlink; use Ipv6AddressCount.")
    count = params.get("Ipv6AddressCount")
    if count is None:
        count = 1 if subnet.get("AssignIpv6AddressOnCreation") else 0
    return [allocate_ipv6(ctx, subnet) for _ in range(count)]


def _by_client_token(ctx: HandlerContext, token: str) -> dict | None:
    return next((e for e in ENI.all(ctx) if e.get("_client_token") == token), None)


def create_network_interface(ctx: HandlerContext, params: dict) -> dict:
    token = params.get("ClientToken")
    earlier = _by_client_token(ctx, token) if token else None
    if earlier is not None:
        return {"NetworkInterface": interface_view(earlier), "ClientToken": token}
    subnet = get_subnet(ctx, params["SubnetId"])
    group_ids = params.get("Groups") or [default_group_id(ctx, subnet["VpcId"])]
    groups = group_identifiers(ctx, subnet, group_ids)
    description = params.get("Description") or ""
    tags = tags_for(params, ENI.name)
    ipv6 = _ipv6_addresses(ctx, subnet, params)
    eni = new_interface(ctx, subnet, groups, description, _requested_addresses(ctx, subnet, params), tags)
    if ipv6:
        eni["Ipv6Addresses"] = [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in ipv6]
        eni["Ipv6Address"] = ipv6[0]
    if params.get("InterfaceType"):
        eni["InterfaceType"] = params["InterfaceType"]
    if token:
        eni["_client_token"] = token
    ENI.put(ctx, eni)
    return {"NetworkInterface": interface_view(eni), **({"ClientToken": token} if token else {})}


def describe_network_interfaces(ctx: HandlerContext, params: dict) -> dict:
    if params.get("NetworkInterfaceIds") and params.get("MaxResults"):
        raise EC2Error("InvalidParameterCombination",
                       "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults")
    items, token = ENI.describe(ctx, params, "NetworkInterfaceIds")
    return page("NetworkInterfaces", [interface_view(e) for e in items], token)


def delete_network_interface(ctx: HandlerContext, params: dict) -> dict:
    eni = ENI.get(ctx, params["NetworkInterfaceId"])
    eni_id = eni["NetworkInterfaceId"]
    if eni["RequesterManaged"]:
        raise EC2Error("OperationNotPermitted",
                       f"You are not allowed to delete_interface the requester-managed network interface '{eni_id}'; "
                       "it is managed by the service that created it.")
    if eni.get("Attachment") or eni["Status"] == "in-use":
        raise EC2Error("InvalidNetworkInterface.InUse", f"Interface: [{eni_id}] in use.")
    delete_interface(ctx, eni_id)
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
        eni["Groups"] = group_identifiers(ctx, {"VpcId": eni["VpcId"], "SubnetId": eni["SubnetId"]},
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
