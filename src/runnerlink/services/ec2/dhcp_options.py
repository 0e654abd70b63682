"""DHCP options sets: create (AWS's checks of each option), describe, delete (not while a VPC uses the set), and
associate with a VPC (a set, or "default" for none)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.dhcp_options import DHCP_OPTIONS, NO_OPTIONS, checked_configurations, new_options
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpcs import VPC, get_vpc


def create_dhcp_options(ctx: HandlerContext, params: dict) -> dict:
    configurations = checked_configurations(params.get("DhcpConfigurations"))
    record = new_options(ctx, configurations, tags_for(params, "dhcp-options"))
    DHCP_OPTIONS.put(ctx, record)
    return {"DhcpOptions": record}


def describe_dhcp_options(ctx: HandlerContext, params: dict) -> dict:
    items, token = DHCP_OPTIONS.describe(ctx, params, "DhcpOptionsIds")
    return page("DhcpOptions", items, token)


def delete_dhcp_options(ctx: HandlerContext, params: dict) -> dict:
    record = DHCP_OPTIONS.get(ctx, params["DhcpOptionsId"])
    if any(v.get("DhcpOptionsId") == record["DhcpOptionsId"] for v in VPC.all(ctx)):
        raise EC2Error("DependencyViolation", f"The dhcpOptions '{record['DhcpOptionsId']}' has dependencies and "
                                              f"cannot be deleted.")
    ctx.tx.delete(DHCP_OPTIONS.name, record["DhcpOptionsId"])
    return {}


def associate_dhcp_options(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    options_id = params["DhcpOptionsId"]
    if options_id != NO_OPTIONS:
        options_id = DHCP_OPTIONS.get(ctx, options_id)["DhcpOptionsId"]
    vpc["DhcpOptionsId"] = options_id
    VPC.put(ctx, vpc)
    return {}


HANDLERS = {
    "CreateDhcpOptions": create_dhcp_options,
    "DescribeDhcpOptions": describe_dhcp_options,
    "DeleteDhcpOptions": delete_dhcp_options,
    "AssociateDhcpOptions": associate_dhcp_options,
}
READ_ONLY = {"DescribeDhcpOptions"}
