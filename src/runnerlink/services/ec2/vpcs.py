"""VPCs: create (with the main route table, default network ACL and default security group AWS makes alongside),
describe, delete (honouring dependencies), the DNS attributes, and each account/region's default VPC."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import dhcp_options, ids, network_acls, zones
from runnerlink.services.ec2.common import Kind, is_gone, page, put_record, tags_for
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation

KIND = "vpc"
DEFAULT_VPC_CIDR = "172.31.0.0/16"
# Seeding the account/region defaults (DHCP options, default VPC) happens once; this record marks that it did.
DEFAULTS_KIND = "ec2-defaults"
DEFAULTS_KEY = "defaults"
# DescribeVpcAttribute's Attribute value → the member holding it.
ATTRIBUTES = {
    "enableDnsSupport": "EnableDnsSupport",
    "enableDnsHostnames": "EnableDnsHostnames",
    "enableNetworkAddressUsageMetrics": "EnableNetworkAddressUsageMetrics",
}


def _associations(field: str, inner: str | None = None):
    def read(r: dict) -> list:
        return [(a.get(field) or {}).get(inner) if inner else a.get(field)
                for a in r.get("CidrBlockAssociationSet") or []]
    return read


def _ipv6(field: str):
    return lambda r: [a.get(field) for a in r.get("Ipv6CidrBlockAssociationSet") or []]


VPC = Kind(
    name=KIND, prefix="vpc", id_field="VpcId", code="InvalidVpcID", noun="vpc ID",
    filters={
        "vpc-id": lambda r: r["VpcId"],
        "cidr": lambda r: r["CidrBlock"],
        "cidr-block": lambda r: r["CidrBlock"],
        "cidr-block-association.cidr-block": _associations("CidrBlock"),
        "cidr-block-association.association-id": _associations("AssociationId"),
        "cidr-block-association.state": _associations("CidrBlockState", "State"),
        "ipv6-cidr-block-association.ipv6-cidr-block": _ipv6("Ipv6CidrBlock"),
        "ipv6-cidr-block-association.association-id": _ipv6("AssociationId"),
        "state": lambda r: r["State"],
        "is-default": lambda r: r["IsDefault"],
        "isDefault": lambda r: r["IsDefault"],
        "owner-id": lambda r: r["OwnerId"],
        "dhcp-options-id": lambda r: r["DhcpOptionsId"],
        "instance-tenancy": lambda r: r["InstanceTenancy"],
    },
    parent_filter="vpc-id",  # a VPC record's VpcId is its own id: it is its own parent
)


# --- the interface other modules use ----------------------------------------------------------------------------------

def get_vpc(ctx: HandlerContext, vpc_id: str) -> dict:
    """The VPC, or InvalidVpcID.Malformed / InvalidVpcID.NotFound."""
    return VPC.get(ctx, vpc_id)


def dns_attributes(ctx: HandlerContext, vpc_id: str) -> tuple[bool, bool]:
    """(enableDnsSupport, enableDnsHostnames) of the VPC."""
    attributes = get_vpc(ctx, vpc_id)["_attributes"]
    return attributes["EnableDnsSupport"], attributes["EnableDnsHostnames"]


def network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr)


# --- creation ---------------------------------------------------------------------------------------------------------

def parse_cidr(value: str) -> ipaddress.IPv4Network:
    """An IPv4 CIDR block as given (host bits cleared), or InvalidParameterValue."""
    try:
        if "/" not in value:
            raise ValueError(value)
        return ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise InvalidParameterValue(f"Value ({value}) for parameter cidrBlock is invalid. "
                                    f"This is not a valid CIDR block.") from None


def _new_vpc(ctx: HandlerContext, cidr: str, tenancy: str, tags: list[dict], default: bool) -> dict:
    return {
        "VpcId": ids.new_id("vpc"),
        "OwnerId": ctx.account,
        "InstanceTenancy": tenancy,
        "CidrBlockAssociationSet": [{"AssociationId": ids.new_id("vpc-cidr-assoc"), "CidrBlock": cidr,
                                     "CidrBlockState": {"State": "associated"}}],
        "IsDefault": default,
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "State": "available",
        "CidrBlock": cidr,
        "DhcpOptionsId": defaults(ctx)["DhcpOptionsId"],
        "Tags": tags,
        "_attributes": {"EnableDnsSupport": True, "EnableDnsHostnames": default,
                        "EnableNetworkAddressUsageMetrics": False},
        "_created_at": ctx.now,
    }


def _with_companions(ctx: HandlerContext, vpc: dict) -> dict:
    """Store the VPC with what AWS creates alongside: main route table, default network ACL, default group."""
    from runnerlink.services.ec2 import route_tables, security_groups

    VPC.put(ctx, vpc)
    route_tables.create_main_route_table(ctx, vpc)
    network_acls.create_default_acl(ctx, vpc)
    security_groups.create_default_group(ctx, vpc)
    return vpc


def create_vpc(ctx: HandlerContext, params: dict) -> dict:
    if not params.get("CidrBlock"):
        if params.get("Ipv4IpamPoolId"):
            raise EC2Error("InvalidParameterValue", "IPAM pools are not supported by runnerlink.")
        raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
    cidr = parse_cidr(params["CidrBlock"])
    if not 16 <= cidr.prefixlen <= 28:
        raise EC2Error("InvalidVpc.Range", f"The CIDR '{params['CidrBlock']}' is invalid.")
    tenancy = params.get("InstanceTenancy") or "default"
    if tenancy == "host":
        raise InvalidParameterValue("The tenancy value host is not supported.")
    vpc = _new_vpc(ctx, str(cidr), tenancy, tags_for(params, "vpc"), default=False)
    if params.get("AmazonProvidedIpv6CidrBlock"):
        vpc["Ipv6CidrBlockAssociationSet"] = [_amazon_ipv6_block(ctx)]
    _with_companions(ctx, vpc)
    return {"Vpc": {**vpc, "State": "pending"}}  # AWS answers the create with pending; it is available at once


def _amazon_ipv6_block(ctx: HandlerContext) -> dict:
    """A /56 from the documentation range 2001:db8::/32 (modelled addresses are never real ones)."""
    block = int(ids.new_id("x")[2:6], 16)
    return {"AssociationId": ids.new_id("vpc-cidr-assoc"),
            "Ipv6CidrBlock": f"2001:db8:{block:x}:{(block & 0xff) << 8:x}::/56",
            "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": ctx.region,
            "Ipv6Pool": "Amazon", "Ipv6AddressAttribute": "public", "IpSource": "amazon"}


# --- the default VPC --------------------------------------------------------------------------------------------------

def defaults(ctx: HandlerContext) -> dict:
    """The account/region's seeded defaults ({"VpcId", "DhcpOptionsId"}), seeding them on first use."""
    marker = ctx.tx.get(DEFAULTS_KIND, DEFAULTS_KEY)
    return marker if marker is not None else _seed_defaults(ctx)


def ensure_default_vpc(ctx: HandlerContext) -> None:
    """Called before every EC2 handler: one store read once the defaults exist."""
    if ctx.tx.get(DEFAULTS_KIND, DEFAULTS_KEY) is None:
        _seed_defaults(ctx)


def _seed_defaults(ctx: HandlerContext) -> dict:
    """What AWS gives every account in every region: default DHCP options and the default VPC."""
    marker = {"DhcpOptionsId": dhcp_options.create_default_options(ctx)["DhcpOptionsId"]}
    put_record(ctx, DEFAULTS_KIND, DEFAULTS_KEY, marker)  # before the VPC: _new_vpc reads it
    marker["VpcId"] = _create_default_vpc(ctx)["VpcId"]
    put_record(ctx, DEFAULTS_KIND, DEFAULTS_KEY, marker)
    return marker


def _create_default_vpc(ctx: HandlerContext) -> dict:
    """A default VPC: 172.31.0.0/16, a default /20 subnet per zone mapping public IPs, an internet gateway attached
    and routed from the main route table, both DNS attributes on."""
    from runnerlink.services.ec2 import subnets

    vpc = _with_companions(ctx, _new_vpc(ctx, DEFAULT_VPC_CIDR, "default", [], default=True))
    blocks = network(DEFAULT_VPC_CIDR).subnets(new_prefix=20)
    for zone, block in zip(zones.zones(ctx.region), blocks):
        subnets.create_default_subnet(ctx, vpc, zone, str(block))
    from runnerlink.services.ec2 import internet_gateways, route_tables

    gateway = internet_gateways.create_attached(ctx, vpc["VpcId"])
    route_tables.add_route(ctx, _main_route_table_id(ctx, vpc["VpcId"]), "0.0.0.0/0",
                           gateway_id=gateway["InternetGatewayId"])
    return vpc


def create_default_vpc(ctx: HandlerContext, params: dict) -> dict:
    """Recreates the default VPC after it was deleted."""
    if any(v["IsDefault"] for v in VPC.all(ctx)):
        raise EC2Error("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
    vpc = _create_default_vpc(ctx)
    marker = defaults(ctx)
    put_record(ctx, DEFAULTS_KIND, DEFAULTS_KEY, {**marker, "VpcId": vpc["VpcId"]})
    return {"Vpc": vpc}


def _main_route_table_id(ctx: HandlerContext, vpc_id: str) -> str | None:
    for table in ctx.tx.scan("route-table"):
        if table.get("VpcId") == vpc_id and any(a.get("Main") for a in table.get("Associations") or []):
            return table["RouteTableId"]
    return None


# --- describe / delete ------------------------------------------------------------------------------------------------

def describe_vpcs(ctx: HandlerContext, params: dict) -> dict:
    items, token = VPC.describe(ctx, params, "VpcIds")
    return page("Vpcs", items, token)


def _live(ctx: HandlerContext, kind: str) -> list[dict]:
    return [r for r in ctx.tx.scan(kind) if not is_gone(ctx, r) and r.get("State") not in ("deleted", "failed")]


def _dependents(ctx: HandlerContext, vpc_id: str) -> list[str]:
    """What keeps a VPC from being deleted, by id."""
    found = [s["SubnetId"] for s in _live(ctx, "subnet") if s["VpcId"] == vpc_id]
    found += [g["InternetGatewayId"] for g in _live(ctx, "internet-gateway")
              if any(a.get("VpcId") == vpc_id for a in g.get("Attachments") or [])]
    from runnerlink.services.ec2 import vpc_endpoints

    found += [e["VpcEndpointId"] for e in _live(ctx, "vpc-endpoint") if e.get("VpcId") == vpc_id
              and vpc_endpoints.state(ctx, e) not in ("deleted", "rejected", "failed")]
    found += [n["NatGatewayId"] for n in _live(ctx, "natgateway") if n.get("VpcId") == vpc_id]
    found += [t["RouteTableId"] for t in _live(ctx, "route-table")
              if t.get("VpcId") == vpc_id and not any(a.get("Main") for a in t.get("Associations") or [])]
    found += [g["GroupId"] for g in _live(ctx, "security-group")
              if g.get("VpcId") == vpc_id and g.get("GroupName") != "default"]
    found += network_acls.custom_acl_ids(ctx, vpc_id)
    return found


def _delete_companions(ctx: HandlerContext, vpc_id: str) -> None:
    """The main route table, default network ACL and default security group (and its rules) go with the VPC."""
    for table in ctx.tx.scan("route-table"):
        if table.get("VpcId") == vpc_id:
            ctx.tx.delete("route-table", table["RouteTableId"])
    network_acls.delete_for_vpc(ctx, vpc_id)
    groups = {g["GroupId"] for g in ctx.tx.scan("security-group") if g.get("VpcId") == vpc_id}
    for group_id in groups:
        ctx.tx.delete("security-group", group_id)
    for rule in ctx.tx.scan("security-group-rule"):
        if rule.get("GroupId") in groups:
            ctx.tx.delete("security-group-rule", rule["SecurityGroupRuleId"])


def delete_vpc(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    dependents = _dependents(ctx, vpc["VpcId"])
    if dependents:
        raise dependency_violation(vpc["VpcId"])
    _delete_companions(ctx, vpc["VpcId"])
    ctx.tx.delete(KIND, vpc["VpcId"])
    return {}


# --- attributes -------------------------------------------------------------------------------------------------------

def modify_vpc_attribute(ctx: HandlerContext, params: dict) -> dict:
    """Exactly one attribute per call; DNS hostnames only while DNS support is on."""
    vpc = get_vpc(ctx, params["VpcId"])
    given = [(name, member) for name, member in ATTRIBUTES.items() if params.get(member) is not None]
    if not given:
        raise EC2Error("MissingParameter", "The request must contain exactly one attribute to modify.")
    if len(given) > 1:
        raise EC2Error("InvalidParameterCombination",
                       f"Fields for multiple attribute types specified: {', '.join(name for name, _ in given)}")
    member = given[0][1]
    value = params[member].get("Value")
    if value is None:
        raise EC2Error("MissingParameter", f"The request must contain the parameter {given[0][0]}.Value")
    attributes = vpc["_attributes"]
    if member == "EnableDnsHostnames" and value and not attributes["EnableDnsSupport"]:
        raise InvalidParameterValue("You can only enable DNS hostnames if you've enabled DNS support.")
    attributes[member] = bool(value)
    VPC.put(ctx, vpc)
    return {}


def describe_vpc_attribute(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    member = ATTRIBUTES.get(params["Attribute"])
    if member is None:
        raise InvalidParameterValue(f"Value ({params['Attribute']}) for parameter attribute is invalid. "
                                    f"Unknown attribute.")
    return {"VpcId": vpc["VpcId"], member: {"Value": vpc["_attributes"][member]}}


HANDLERS = {
    "CreateVpc": create_vpc,
    "CreateDefaultVpc": create_default_vpc,
    "DescribeVpcs": describe_vpcs,
    "DeleteVpc": delete_vpc,
    "ModifyVpcAttribute": modify_vpc_attribute,
    "DescribeVpcAttribute": describe_vpc_attribute,
}
READ_ONLY = {"DescribeVpcs", "DescribeVpcAttribute"}
