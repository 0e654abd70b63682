"""Subnets: each in one zone of its VPC, and the private addresses handed out to network interfaces and workloads
(AWS reserves the first four and the last address of every subnet)."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import arn, new_id
from runnerlink.services.ec2.records import cidr_associations
from runnerlink.services.ec2.records.kind import Kind
from runnerlink.services.ec2.records.network_acls import associate_default

RESERVED = 5  # network, router, DNS, future use, broadcast


def _first(field: str):
    return lambda r: r.get(field)


SUBNET = Kind(
    name="subnet", prefix="subnet", id_field="SubnetId", code="InvalidSubnetID", noun="subnet ID",
    filters={
        "subnet-id": _first("SubnetId"),
        "vpc-id": _first("VpcId"),
        "availability-zone": _first("AvailabilityZone"),
        "availabilityZone": _first("AvailabilityZone"),
        "availability-zone-id": _first("AvailabilityZoneId"),
        "availabilityZoneId": _first("AvailabilityZoneId"),
        "cidr-block": _first("CidrBlock"),
        "cidr": _first("CidrBlock"),
        "cidrBlock": _first("CidrBlock"),
        "state": _first("State"),
        "default-for-az": _first("DefaultForAz"),
        "defaultForAz": _first("DefaultForAz"),
        "map-public-ip-on-launch": _first("MapPublicIpOnLaunch"),
        "available-ip-address-count": _first("AvailableIpAddressCount"),
        "owner-id": _first("OwnerId"),
        "subnet-arn": _first("SubnetArn"),
        "ipv6-native": _first("Ipv6Native"),
        "ipv6-cidr-block-association.ipv6-cidr-block":
            lambda r: [a.get("Ipv6CidrBlock") for a in r.get("Ipv6CidrBlockAssociationSet") or []],
        "ipv6-cidr-block-association.association-id":
            lambda r: [a.get("AssociationId") for a in r.get("Ipv6CidrBlockAssociationSet") or []],
        "ipv6-cidr-block-association.state":
            lambda r: [a["Ipv6CidrBlockState"]["State"] for a in r.get("Ipv6CidrBlockAssociationSet") or []],
        "assign-ipv6-address-on-creation": _first("AssignIpv6AddressOnCreation"),
        "enable-dns64": _first("EnableDns64"),
        "private-dns-name-options-on-launch.hostname-type":
            lambda r: r["PrivateDnsNameOptionsOnLaunch"]["HostnameType"],
    },
    parent_filter="vpc-id",
)


def get_subnet(ctx: HandlerContext, subnet_id: str) -> dict:
    """The subnet, or InvalidSubnetID.Malformed / InvalidSubnetID.NotFound."""
    return SUBNET.get(ctx, subnet_id)


def subnet_view(ctx: HandlerContext, subnet: dict) -> dict:
    """The subnet as described now: its IPv6 associations with their states as of ctx.now."""
    return {**subnet, "Ipv6CidrBlockAssociationSet":
            cidr_associations.views(ctx, subnet.get("Ipv6CidrBlockAssociationSet"))}


def ipv6_blocks(ctx: HandlerContext, subnet: dict) -> list[str]:
    """The subnet's associated IPv6 /64s."""
    return cidr_associations.blocks(ctx, subnet.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock")


def check_subnet_ipv6(ctx: HandlerContext, text: str, vpc: dict, siblings: list[dict]) -> ipaddress.IPv6Network:
    """A subnet's IPv6 block: a /64 inside one of the VPC's associated IPv6 blocks, overlapping no other subnet's."""
    try:
        block = ipaddress.IPv6Network(text, strict=False) if "/" in text else None
    except ValueError:
        block = None
    if block is None:
        raise InvalidParameterValue(f"Value ({text}) for parameter ipv6CidrBlock is invalid. "
                                    f"This is not a valid IPv6 CIDR block.")
    vpc_blocks = [ipaddress.IPv6Network(c) for c in
                  cidr_associations.blocks(ctx, vpc.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock")]
    if block.prefixlen != 64 or not any(block.subnet_of(v) for v in vpc_blocks):
        raise EC2Error("InvalidSubnet.Range", f"The CIDR '{text}' is invalid.")
    for sibling in siblings:
        for association in cidr_associations.live(ctx, sibling.get("Ipv6CidrBlockAssociationSet")):
            if block.overlaps(ipaddress.IPv6Network(association["Ipv6CidrBlock"])):
                raise EC2Error("InvalidSubnet.Conflict", f"The CIDR '{text}' conflicts with another subnet")
    return block


def _reserved(subnet: dict, kinds: tuple[str, ...] = ("prefix", "explicit")) -> list[ipaddress.IPv4Network]:
    """The subnet's IPv4 CIDR reservations of those types (their addresses are never handed out automatically)."""
    return [ipaddress.IPv4Network(r["Cidr"]) for r in subnet.get("_reservations") or []
            if r["ReservationType"] in kinds and ":" not in r["Cidr"]]


def first_free_ip(subnet: dict) -> str | None:
    """The subnet's lowest free address (past the four reserved at the start, before the broadcast address, outside
    its CIDR reservations), or None when every address is taken."""
    block = ipaddress.IPv4Network(subnet["CidrBlock"])
    used = set(subnet.get("_used_ips") or [])
    reserved = _reserved(subnet)
    first, last = int(block.network_address) + 4, int(block.broadcast_address) - 1
    value = first
    while value <= last:
        address = ipaddress.IPv4Address(value)
        inside = next((r for r in reserved if address in r), None)
        if inside is not None:
            value = int(inside.broadcast_address) + 1
            continue
        if str(address) not in used:
            return str(address)
        value += 1
    return None


def allocate_ip(ctx: HandlerContext, subnet: dict) -> str:
    """The subnet's first_free_ip, recorded as used and the subnet saved."""
    address = first_free_ip(subnet)
    if address is None:
        raise EC2Error("InsufficientFreeAddressesInSubnet",
                       "The specified subnet does not have enough free addresses to satisfy the request.")
    subnet["_used_ips"] = [*subnet.get("_used_ips", []), address]
    subnet["AvailableIpAddressCount"] -= 1
    SUBNET.put(ctx, subnet)
    return address


def claim_ip(ctx: HandlerContext, subnet: dict, raw: str) -> str:
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
    if any(address in r for r in _reserved(subnet, ("prefix",))):
        raise InvalidParameterValue(f"Address {address} is in a prefix CIDR reservation of the subnet")
    used = subnet.get("_used_ips") or []
    if str(address) in used:
        raise EC2Error("InvalidIPAddress.InUse", f"Address {address} is in use.")
    subnet["_used_ips"] = [*used, str(address)]
    subnet["AvailableIpAddressCount"] -= 1
    SUBNET.put(ctx, subnet)
    return str(address)


def allocate_ipv6(ctx: HandlerContext, subnet: dict) -> str:
    """The next free address of the subnet's IPv6 /64 (from ::4 on, as AWS reserves the first four), recorded as
    used and the subnet saved; InvalidParameterValue when the subnet has no IPv6 block."""
    blocks = ipv6_blocks(ctx, subnet)
    if not blocks:
        raise InvalidParameterValue(f"The subnet {subnet['SubnetId']} has no IPv6 CIDR block: IPv6 addresses cannot "
                                    f"be assigned.")
    block = ipaddress.IPv6Network(blocks[0])
    used = set(subnet.get("_used_ipv6") or [])
    value = int(block.network_address) + 4
    while str(ipaddress.IPv6Address(value)) in used:
        value += 1
    address = str(ipaddress.IPv6Address(value))
    subnet["_used_ipv6"] = [*used, address]
    SUBNET.put(ctx, subnet)
    return address


def release_ipv6(ctx: HandlerContext, subnet_id: str, ip: str) -> None:
    """Give an IPv6 address back to the subnet (a no-op when the subnet or the address is gone)."""
    subnet = SUBNET.find(ctx, subnet_id)
    if subnet is None or ip not in (subnet.get("_used_ipv6") or []):
        return
    subnet["_used_ipv6"].remove(ip)
    SUBNET.put(ctx, subnet)


def release_ip(ctx: HandlerContext, subnet_id: str, ip: str) -> None:
    """Give an address back to the subnet (a no-op when the subnet or the address is gone)."""
    subnet = SUBNET.find(ctx, subnet_id)
    if subnet is None or ip not in (subnet.get("_used_ips") or []):
        return
    subnet["_used_ips"].remove(ip)
    subnet["AvailableIpAddressCount"] += 1
    SUBNET.put(ctx, subnet)


def create_default_subnet(ctx: HandlerContext, vpc: dict, zone: dict, cidr: str) -> dict:
    """A default VPC's subnet in one zone: default for the zone, mapping public addresses on launch."""
    subnet = new_subnet(ctx, vpc, zone, ipaddress.IPv4Network(cidr), [])
    subnet.update(DefaultForAz=True, MapPublicIpOnLaunch=True)
    store_new_subnet(ctx, subnet)
    return subnet


def new_subnet(ctx: HandlerContext, vpc: dict, zone: dict, block: ipaddress.IPv4Network, tags: list[dict]) -> dict:
    """A subnet record of the VPC in the zone (not yet stored: store_new_subnet does that)."""
    subnet_id = new_id("subnet")
    return {
        "AvailabilityZoneId": zone["ZoneId"],
        "MapCustomerOwnedIpOnLaunch": False,
        "OwnerId": ctx.account,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "Tags": tags,
        "SubnetArn": arn(ctx.region, ctx.account, "subnet", subnet_id),
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                          "EnableResourceNameDnsAAAARecord": False},
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "SubnetId": subnet_id,
        "State": "available",
        "VpcId": vpc["VpcId"],
        "CidrBlock": str(block),
        "AvailableIpAddressCount": block.num_addresses - RESERVED,
        "AvailabilityZone": zone["ZoneName"],
        "DefaultForAz": False,
        "MapPublicIpOnLaunch": False,
        "_used_ips": [],
        "_created_at": ctx.now,
    }


def store_new_subnet(ctx: HandlerContext, subnet: dict) -> None:
    """Store a new subnet, associated with its VPC's default network ACL as every new subnet starts."""
    SUBNET.put(ctx, subnet)
    associate_default(ctx, subnet)
