"""EC2 identifiers: prefix + 17 lowercase hex, and the resource kind each prefix names."""

from __future__ import annotations

import re
import secrets

# The store kind of a resource is its TagSpecification ResourceType name.
KIND_BY_PREFIX = {
    "vpc": "vpc",
    "subnet": "subnet",
    "igw": "internet-gateway",
    "eipalloc": "elastic-ip",
    "nat": "natgateway",
    "rtb": "route-table",
    "sg": "security-group",
    "sgr": "security-group-rule",
    "acl": "network-acl",
    "eni": "network-interface",
    "vpce": "vpc-endpoint",
    "dopt": "dhcp-options",
    "pcx": "vpc-peering-connection",
    "pl": "prefix-list",
    "scr": "subnet-cidr-reservation",
}
# The record member holding each kind's id.
ID_FIELD = {
    "vpc": "VpcId",
    "subnet": "SubnetId",
    "internet-gateway": "InternetGatewayId",
    "elastic-ip": "AllocationId",
    "natgateway": "NatGatewayId",
    "route-table": "RouteTableId",
    "security-group": "GroupId",
    "security-group-rule": "SecurityGroupRuleId",
    "network-acl": "NetworkAclId",
    "network-interface": "NetworkInterfaceId",
    "vpc-endpoint": "VpcEndpointId",
    "dhcp-options": "DhcpOptionsId",
    "vpc-peering-connection": "VpcPeeringConnectionId",
    "prefix-list": "PrefixListId",
    "subnet-cidr-reservation": "SubnetCidrReservationId",
}
_ID = re.compile(r"(?P<prefix>[a-z]+(?:-[a-z]+)*?)-(?P<hex>[0-9a-f]{8}|[0-9a-f]{17})")


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def kind_of(resource_id: str) -> str | None:
    """The store kind of a well-formed id, else None."""
    match = _ID.fullmatch(resource_id)
    return KIND_BY_PREFIX.get(match["prefix"]) if match else None


def is_well_formed(resource_id: str, prefix: str) -> bool:
    match = _ID.fullmatch(resource_id)
    return bool(match) and match["prefix"] == prefix


def arn(region: str, account: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{resource_id}"
