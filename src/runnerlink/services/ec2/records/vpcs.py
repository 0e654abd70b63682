"""VPCs: the lookup, the DNS attributes, and a new VPC stored with what AWS creates alongside it (the main route
table, the default network ACL and the default security group)."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import InvalidParameterValue
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records import cidr_associations
from runnerlink.services.ec2.records.kind import Kind
from runnerlink.services.ec2.records.network_acls import create_default_acl
from runnerlink.services.ec2.records.route_tables import create_main_route_table
from runnerlink.services.ec2.records.security_groups import create_default_group


def _associations(field: str, inner: str | None = None):
    def read(r: dict) -> list:
        return [(a.get(field) or {}).get(inner) if inner else a.get(field)
                for a in r.get("CidrBlockAssociationSet") or []]
    return read


def _ipv6(field: str):
    return lambda r: [a.get(field) for a in r.get("Ipv6CidrBlockAssociationSet") or []]


VPC = Kind(
    name="vpc", prefix="vpc", id_field="VpcId", code="InvalidVpcID", noun="vpc ID",
    filters={
        "vpc-id": lambda r: r["VpcId"],
        "cidr": lambda r: r["CidrBlock"],
        "cidr-block": lambda r: r["CidrBlock"],
        "cidr-block-association.cidr-block": _associations("CidrBlock"),
        "cidr-block-association.association-id": _associations("AssociationId"),
        "cidr-block-association.state": _associations("CidrBlockState", "State"),
        "ipv6-cidr-block-association.ipv6-cidr-block": _ipv6("Ipv6CidrBlock"),
        "ipv6-cidr-block-association.association-id": _ipv6("AssociationId"),
        "ipv6-cidr-block-association.state": lambda r: [(a.get("Ipv6CidrBlockState") or {}).get("State")
                                                        for a in r.get("Ipv6CidrBlockAssociationSet") or []],
        "ipv6-cidr-block-association.ipv6-pool": _ipv6("Ipv6Pool"),
        "state": lambda r: r["State"],
        "is-default": lambda r: r["IsDefault"],
        "isDefault": lambda r: r["IsDefault"],
        "owner-id": lambda r: r["OwnerId"],
        "dhcp-options-id": lambda r: r["DhcpOptionsId"],
        "instance-tenancy": lambda r: r["InstanceTenancy"],
    },
    parent_filter="vpc-id",  # a VPC record's VpcId is its own id: it is its own parent
)


def get_vpc(ctx: HandlerContext, vpc_id: str) -> dict:
    """The VPC, or InvalidVpcID.Malformed / InvalidVpcID.NotFound."""
    return VPC.get(ctx, vpc_id)


def vpc_view(ctx: HandlerContext, vpc: dict) -> dict:
    """The VPC as described now: its CIDR associations with their states as of ctx.now."""
    shown = {**vpc, "CidrBlockAssociationSet": cidr_associations.views(ctx, vpc.get("CidrBlockAssociationSet"))}
    if "Ipv6CidrBlockAssociationSet" in vpc:
        shown["Ipv6CidrBlockAssociationSet"] = cidr_associations.views(ctx, vpc["Ipv6CidrBlockAssociationSet"])
    return shown


def ipv4_blocks(ctx: HandlerContext, vpc: dict) -> list[str]:
    """The VPC's associated IPv4 CIDRs (where subnets may be created)."""
    return cidr_associations.blocks(ctx, vpc.get("CidrBlockAssociationSet"), "CidrBlock")


def ipv6_blocks(ctx: HandlerContext, vpc: dict) -> list[str]:
    """The VPC's associated IPv6 CIDRs (where subnets' /64s may be)."""
    return cidr_associations.blocks(ctx, vpc.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock")


def amazon_ipv6_association(ctx: HandlerContext) -> dict:
    """A new Amazon-provided /56 association, a block no VPC of the account and region has."""
    taken = {a["Ipv6CidrBlock"] for v in VPC.all(ctx) for a in v.get("Ipv6CidrBlockAssociationSet") or []}
    return cidr_associations.new_amazon_ipv6(ctx, taken)


def check_border_group(ctx: HandlerContext, group: str | None) -> None:
    """An Amazon-provided IPv6 block comes from the region's own network border group (no Local Zones here)."""
    if group is not None and group != ctx.region:
        raise InvalidParameterValue(f"Value ({group}) for parameter Ipv6CidrBlockNetworkBorderGroup is invalid. "
                                    f"The network border group must be the region {ctx.region}.")


def dns_attributes(ctx: HandlerContext, vpc_id: str) -> tuple[bool, bool]:
    """(enableDnsSupport, enableDnsHostnames) of the VPC."""
    attributes = get_vpc(ctx, vpc_id)["_attributes"]
    return attributes["EnableDnsSupport"], attributes["EnableDnsHostnames"]


def parse_cidr(value: str) -> ipaddress.IPv4Network:
    """An IPv4 CIDR block as given (host bits cleared), or InvalidParameterValue."""
    try:
        if "/" not in value:
            raise ValueError(value)
        return ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise InvalidParameterValue(f"Value ({value}) for parameter cidrBlock is invalid. "
                                    f"This is not a valid CIDR block.") from None


def new_vpc(ctx: HandlerContext, cidr: str, tenancy: str, tags: list[dict], default: bool,
            dhcp_options_id: str) -> dict:
    """A VPC record (not yet stored: store_with_companions does that)."""
    return {
        "VpcId": new_id("vpc"),
        "OwnerId": ctx.account,
        "InstanceTenancy": tenancy,
        "CidrBlockAssociationSet": [{"AssociationId": new_id("vpc-cidr-assoc"), "CidrBlock": cidr,
                                     "CidrBlockState": {"State": "associated"}}],
        "IsDefault": default,
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "State": "available",
        "CidrBlock": cidr,
        "DhcpOptionsId": dhcp_options_id,
        "Tags": tags,
        "_attributes": {"EnableDnsSupport": True, "EnableDnsHostnames": default,
                        "EnableNetworkAddressUsageMetrics": False},
        "_created_at": ctx.now,
    }


def store_with_companions(ctx: HandlerContext, vpc: dict) -> dict:
    """Store the VPC with what AWS creates alongside: main route table, default network ACL, default group."""
    VPC.put(ctx, vpc)
    create_main_route_table(ctx, vpc)
    create_default_acl(ctx, vpc)
    create_default_group(ctx, vpc)
    return vpc
