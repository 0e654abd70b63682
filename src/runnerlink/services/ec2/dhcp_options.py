"""DescribeDhcpOptions."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.records.dhcp_options import DHCP_OPTIONS
from runnerlink.services.ec2.records.kind import page


def describe_dhcp_options(ctx: HandlerContext, params: dict) -> dict:
    items, token = DHCP_OPTIONS.describe(ctx, params, "DhcpOptionsIds")
    return page("DhcpOptions", items, token)


HANDLERS = {"DescribeDhcpOptions": describe_dhcp_options}
READ_ONLY = {"DescribeDhcpOptions"}
