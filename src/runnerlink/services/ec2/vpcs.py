"""VPCs: create (with the main route table, default network ACL and default security group AWS makes alongside),
recreate the default VPC, describe, delete (honouring dependencies), and the DNS attributes."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.defaults import defaults, recreate_default_vpc
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation
from runnerlink.services.ec2.records.dhcp_options import DHCP_OPTIONS, NO_OPTIONS
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.network_acls import custom_acl_ids, delete_for_vpc
from runnerlink.services.ec2.records.quotas import check_vpcs
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpc_endpoints import state
from runnerlink.services.ec2.records.vpc_peering import delete_peerings_of_vpc
from runnerlink.services.ec2.records.vpcs import (
    VPC,
    amazon_ipv6_association,
    check_border_group,
    get_vpc,
    new_vpc,
    parse_cidr,
    store_with_companions,
    vpc_view,
)

# DescribeVpcAttribute's Attribute value → the member holding it.
ATTRIBUTES = {
    "enableDnsSupport": "EnableDnsSupport",
    "enableDnsHostnames": "EnableDnsHostnames",
    "enableNetworkAddressUsageMetrics": "EnableNetworkAddressUsageMetrics",
}


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
    check_vpcs(len(VPC.all(ctx)))
    vpc = new_vpc(ctx, str(cidr), tenancy, tags_for(params, "vpc"), default=False,
                  dhcp_options_id=_default_options(ctx))
    if params.get("AmazonProvidedIpv6CidrBlock"):
        check_border_group(ctx, params.get("Ipv6CidrBlockNetworkBorderGroup"))
        vpc["Ipv6CidrBlockAssociationSet"] = [amazon_ipv6_association(ctx)]
    store_with_companions(ctx, vpc)
    # AWS answers the create with pending; it is available at once
    return {"Vpc": {**vpc_view(ctx, vpc), "State": "pending"}}


def _default_options(ctx: HandlerContext) -> str:
    """The region's default DHCP options set while it exists, else "default" (no options)."""
    options_id = defaults(ctx)["DhcpOptionsId"]
    return options_id if DHCP_OPTIONS.find(ctx, options_id) else NO_OPTIONS


def create_default_vpc(ctx: HandlerContext, params: dict) -> dict:
    """Recreates the default VPC after it was deleted."""
    if any(v["IsDefault"] for v in VPC.all(ctx)):
        raise EC2Error("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
    check_vpcs(len(VPC.all(ctx)))
    return {"Vpc": recreate_default_vpc(ctx)}


def describe_vpcs(ctx: HandlerContext, params: dict) -> dict:
    items, token = VPC.describe(ctx, params, "VpcIds", derive=vpc_view)
    return page("Vpcs", items, token)


def _live(ctx: HandlerContext, kind: str) -> list[dict]:
    return [r for r in ctx.tx.scan(kind) if not is_gone(ctx, r) and r.get("State") not in ("deleted", "failed")]


def _dependents(ctx: HandlerContext, vpc_id: str) -> list[str]:
    """What keeps a VPC from being deleted, by id."""
    found = [s["SubnetId"] for s in _live(ctx, "subnet") if s["VpcId"] == vpc_id]
    found += [g["InternetGatewayId"] for g in _live(ctx, "internet-gateway")
              if any(a.get("VpcId") == vpc_id for a in g.get("Attachments") or [])]
    found += [e["VpcEndpointId"] for e in _live(ctx, "vpc-endpoint") if e.get("VpcId") == vpc_id
              and state(ctx, e) not in ("deleted", "rejected", "failed")]
    found += [n["NatGatewayId"] for n in _live(ctx, "natgateway") if n.get("VpcId") == vpc_id]
    found += [t["RouteTableId"] for t in _live(ctx, "route-table")
              if t.get("VpcId") == vpc_id and not any(a.get("Main") for a in t.get("Associations") or [])]
    found += [g["GroupId"] for g in _live(ctx, "security-group")
              if g.get("VpcId") == vpc_id and g.get("GroupName") != "default"]
    found += custom_acl_ids(ctx, vpc_id)
    return found


def _delete_companions(ctx: HandlerContext, vpc_id: str) -> None:
    """The main route table, default network ACL and default security group (and its rules) go with the VPC."""
    for table in ctx.tx.scan("route-table"):
        if table.get("VpcId") == vpc_id:
            ctx.tx.delete("route-table", table["RouteTableId"])
    delete_for_vpc(ctx, vpc_id)
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
    delete_peerings_of_vpc(ctx, vpc["VpcId"])
    ctx.tx.delete(VPC.name, vpc["VpcId"])
    return {}


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
