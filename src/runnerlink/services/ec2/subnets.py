"""Subnets: create (CIDRs checked against the VPC and its other subnets, a zone picked when none is given), describe,
delete, and the attributes ModifySubnetAttribute changes one at a time."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation
from runnerlink.services.ec2.records.kind import page, put_record
from runnerlink.services.ec2.records.network_acls import forget_subnet
from runnerlink.services.ec2.records.cidr_associations import new_subnet_ipv6
from runnerlink.services.ec2.records.quotas import check_subnets
from runnerlink.services.ec2.records.subnet_cidr_reservations import forget_reservations
from runnerlink.services.ec2.records.subnets import (
    SUBNET,
    check_subnet_ipv6,
    get_subnet,
    ipv6_blocks,
    new_subnet,
    store_new_subnet,
    subnet_view,
)
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpcs import get_vpc, ipv4_blocks, parse_cidr
from runnerlink.services.ec2.records.zones import zone, zones


def _block(ctx: HandlerContext, params: dict, vpc: dict, siblings: list[dict]) -> ipaddress.IPv4Network:
    """The requested CIDR: valid, /16-/28, inside one of the VPC's blocks, overlapping no other subnet."""
    text = params["CidrBlock"]
    block = parse_cidr(text)
    vpc_blocks = [ipaddress.IPv4Network(c) for c in ipv4_blocks(ctx, vpc)]
    if not 16 <= block.prefixlen <= 28 or not any(block.subnet_of(v) for v in vpc_blocks):
        raise EC2Error("InvalidSubnet.Range", f"The CIDR '{text}' is invalid.")
    if any(block.overlaps(ipaddress.IPv4Network(s["CidrBlock"])) for s in siblings):
        raise EC2Error("InvalidSubnet.Conflict", f"The CIDR '{text}' conflicts with another subnet")
    return block


def _zone(ctx: HandlerContext, params: dict, siblings: list[dict]) -> dict:
    name, zone_id = params.get("AvailabilityZone"), params.get("AvailabilityZoneId")
    if name and zone_id:
        raise EC2Error("InvalidParameterCombination",
                       "Only one of availabilityZone or availabilityZoneId may be specified.")
    if name or zone_id:
        return zone(ctx.region, name=name, zone_id=zone_id)
    # AWS picks a zone for you; here, the one of the VPC's zones with the fewest subnets (then the first).
    counts = {z["ZoneName"]: 0 for z in zones(ctx.region)}
    for sibling in siblings:
        if sibling["AvailabilityZone"] in counts:
            counts[sibling["AvailabilityZone"]] += 1
    return zone(ctx.region, name=min(counts, key=lambda n: counts[n]))


def create_subnet(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    if not params.get("CidrBlock"):
        raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
    if params.get("Ipv6Native"):
        raise InvalidParameterValue("IPv6-only subnets are not supported by runnerlink.")
    siblings = SUBNET.in_vpc(ctx, vpc["VpcId"])
    check_subnets(len(siblings))
    block = _block(ctx, params, vpc, siblings)
    ipv6 = params.get("Ipv6CidrBlock")
    if ipv6 is not None:
        ipv6 = str(check_subnet_ipv6(ctx, ipv6, vpc, siblings))
    subnet_zone = _zone(ctx, params, siblings)
    subnet = new_subnet(ctx, vpc, subnet_zone, block, tags_for(params, "subnet"))
    if ipv6 is not None:
        subnet["Ipv6CidrBlockAssociationSet"] = [new_subnet_ipv6(ctx, ipv6)]
    store_new_subnet(ctx, subnet)
    return {"Subnet": subnet_view(ctx, subnet)}


def describe_subnets(ctx: HandlerContext, params: dict) -> dict:
    items, token = SUBNET.describe(ctx, params, "SubnetIds", derive=subnet_view)
    return page("Subnets", items, token)


def _in_use(ctx: HandlerContext, subnet_id: str) -> bool:
    """Network interfaces (endpoint ENIs too) or NAT gateways still in the subnet."""
    for kind in ("network-interface", "natgateway"):
        for record in ctx.tx.scan(kind):
            if record.get("SubnetId") == subnet_id and not is_gone(ctx, record) \
                    and record.get("State") not in ("deleted", "failed"):
                return True
    return False


def _forget_route_table_associations(ctx: HandlerContext, subnet_id: str) -> None:
    """A deleted subnet's explicit route table association is removed with it (AWS doesn't refuse the delete)."""
    for table in ctx.tx.scan("route-table"):
        associations = table.get("Associations") or []
        kept = [a for a in associations if a.get("SubnetId") != subnet_id]
        if len(kept) != len(associations):
            table["Associations"] = kept
            put_record(ctx, "route-table", table["RouteTableId"], table)


def delete_subnet(ctx: HandlerContext, params: dict) -> dict:
    subnet = get_subnet(ctx, params["SubnetId"])
    if _in_use(ctx, subnet["SubnetId"]):
        raise dependency_violation(subnet["SubnetId"])
    forget_subnet(ctx, subnet["SubnetId"])
    forget_reservations(ctx, subnet["SubnetId"])
    _forget_route_table_associations(ctx, subnet["SubnetId"])
    ctx.tx.delete(SUBNET.name, subnet["SubnetId"])
    return {}


# ModifySubnetAttribute's one-attribute-per-call members: request member → how the record changes.
def _boolean(member: str):
    def apply(subnet: dict, value: dict) -> None:
        subnet[member] = bool(value.get("Value"))
    return apply


def _dns_name_option(option: str):
    def apply(subnet: dict, value) -> None:
        subnet["PrivateDnsNameOptionsOnLaunch"][option] = value if isinstance(value, str) else bool(value.get("Value"))
    return apply


def _lni(enable: bool):
    def apply(subnet: dict, value) -> None:
        if enable:
            subnet["EnableLniAtDeviceIndex"] = value
        elif value.get("Value"):
            subnet.pop("EnableLniAtDeviceIndex", None)
    return apply


_ATTRIBUTES = {
    "MapPublicIpOnLaunch": ("mapPublicIpOnLaunch", _boolean("MapPublicIpOnLaunch")),
    "AssignIpv6AddressOnCreation": ("assignIpv6AddressOnCreation", _boolean("AssignIpv6AddressOnCreation")),
    "MapCustomerOwnedIpOnLaunch": ("mapCustomerOwnedIpOnLaunch", _boolean("MapCustomerOwnedIpOnLaunch")),
    "EnableDns64": ("enableDns64", _boolean("EnableDns64")),
    "PrivateDnsHostnameTypeOnLaunch": ("privateDnsHostnameTypeOnLaunch", _dns_name_option("HostnameType")),
    "EnableResourceNameDnsARecordOnLaunch": ("enableResourceNameDnsARecordOnLaunch",
                                             _dns_name_option("EnableResourceNameDnsARecord")),
    "EnableResourceNameDnsAAAARecordOnLaunch": ("enableResourceNameDnsAAAARecordOnLaunch",
                                                _dns_name_option("EnableResourceNameDnsAAAARecord")),
    "EnableLniAtDeviceIndex": ("enableLniAtDeviceIndex", _lni(True)),
    "DisableLniAtDeviceIndex": ("disableLniAtDeviceIndex", _lni(False)),
}


def _refuse_outpost_only(subnet: dict, member: str, value, params: dict) -> None:
    """Customer-owned addresses and local network interfaces exist only on Outposts, and no subnet here is on one.
    Turning them off (or asking for no LNI) is accepted as the no-op it is; the wording is runnerlink's (unverified)."""
    if member == "MapCustomerOwnedIpOnLaunch" and (value.get("Value") or params.get("CustomerOwnedIpv4Pool")):
        if value.get("Value") and not params.get("CustomerOwnedIpv4Pool"):
            raise EC2Error("InvalidParameterCombination", "mapCustomerOwnedIpOnLaunch requires customerOwnedIpv4Pool.")
        raise InvalidParameterValue(f"The subnet {subnet['SubnetId']} is not in an Outpost: customer-owned IP "
                                    f"addresses cannot be mapped on launch.")
    if member == "EnableLniAtDeviceIndex":
        if not isinstance(value, int) or value < 1:
            raise InvalidParameterValue(f"Value ({value}) for parameter enableLniAtDeviceIndex is invalid. "
                                        f"The device index must be a positive number.")
        raise InvalidParameterValue(f"The subnet {subnet['SubnetId']} is not in an Outpost: local network "
                                    f"interfaces cannot be enabled.")
    if member == "PrivateDnsHostnameTypeOnLaunch" and value not in ("ip-name", "resource-name"):
        raise InvalidParameterValue(f"Value ({value}) for parameter privateDnsHostnameTypeOnLaunch is invalid.")


def modify_subnet_attribute(ctx: HandlerContext, params: dict) -> dict:
    """One attribute per call (MapCustomerOwnedIpOnLaunch and CustomerOwnedIpv4Pool count as one)."""
    subnet = get_subnet(ctx, params["SubnetId"])
    given = [member for member in _ATTRIBUTES if params.get(member) is not None]
    if not given:
        raise EC2Error("MissingParameter", "The request must contain exactly one attribute to modify.")
    if len(given) > 1:
        raise EC2Error("InvalidParameterCombination", "Fields for multiple attribute types specified: "
                                                      f"{', '.join(_ATTRIBUTES[m][0] for m in given)}")
    member = given[0]
    value = params[member]
    if isinstance(value, dict) and value.get("Value") is None:
        raise EC2Error("MissingParameter", f"The request must contain the parameter {_ATTRIBUTES[member][0]}.Value")
    if member == "AssignIpv6AddressOnCreation" and value.get("Value") and not ipv6_blocks(ctx, subnet):
        raise InvalidParameterValue(f"Invalid value 'true' for assignIpv6AddressOnCreation: "
                                    f"subnet {subnet['SubnetId']} has no IPv6 CIDR block.")
    _refuse_outpost_only(subnet, member, value, params)
    _ATTRIBUTES[member][1](subnet, value)
    if member == "MapCustomerOwnedIpOnLaunch" and params.get("CustomerOwnedIpv4Pool"):
        subnet["CustomerOwnedIpv4Pool"] = params["CustomerOwnedIpv4Pool"]
    SUBNET.put(ctx, subnet)
    return {}


HANDLERS = {
    "CreateSubnet": create_subnet,
    "DescribeSubnets": describe_subnets,
    "DeleteSubnet": delete_subnet,
    "ModifySubnetAttribute": modify_subnet_attribute,
}


READ_ONLY = {"DescribeSubnets"}
