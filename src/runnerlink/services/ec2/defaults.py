"""What AWS gives every account in every region, seeded on first use: the default DHCP options and the default VPC
(172.31.0.0/16, a default /20 subnet per zone mapping public IPs, an internet gateway attached and routed from the
main route table, both DNS attributes on)."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.records.dhcp_options import create_default_options
from runnerlink.services.ec2.records.internet_gateways import create_gateway
from runnerlink.services.ec2.records.kind import put_record
from runnerlink.services.ec2.records.route_tables import add_route, main_table
from runnerlink.services.ec2.records.subnets import create_default_subnet
from runnerlink.services.ec2.records.vpcs import new_vpc, store_with_companions
from runnerlink.services.ec2.records.zones import zones

DEFAULT_VPC_CIDR = "172.31.0.0/16"
# Seeding the account/region defaults (DHCP options, default VPC) happens once; this record marks that it did.
DEFAULTS_KIND = "ec2-defaults"
DEFAULTS_KEY = "defaults"


def defaults(ctx: HandlerContext) -> dict:
    """The account/region's seeded defaults ({"VpcId", "DhcpOptionsId"}), seeding them on first use."""
    marker = ctx.tx.get(DEFAULTS_KIND, DEFAULTS_KEY)
    return marker if marker is not None else _seed_defaults(ctx)


def ensure_default_vpc(ctx: HandlerContext) -> None:
    """Called before every EC2 handler: one store read once the defaults exist."""
    if ctx.tx.get_shared(DEFAULTS_KIND, DEFAULTS_KEY) is None:
        _seed_defaults(ctx)


def recreate_default_vpc(ctx: HandlerContext) -> dict:
    """A new default VPC (CreateDefaultVpc, after the old one was deleted); the defaults name it from now on."""
    marker = defaults(ctx)
    vpc = _build_default_vpc(ctx, marker["DhcpOptionsId"])
    put_record(ctx, DEFAULTS_KIND, DEFAULTS_KEY, {**marker, "VpcId": vpc["VpcId"]})
    return vpc


def _seed_defaults(ctx: HandlerContext) -> dict:
    dhcp_options_id = create_default_options(ctx)["DhcpOptionsId"]
    marker = {"DhcpOptionsId": dhcp_options_id, "VpcId": _build_default_vpc(ctx, dhcp_options_id)["VpcId"]}
    put_record(ctx, DEFAULTS_KIND, DEFAULTS_KEY, marker)
    return marker


def _build_default_vpc(ctx: HandlerContext, dhcp_options_id: str) -> dict:
    vpc = store_with_companions(ctx, new_vpc(ctx, DEFAULT_VPC_CIDR, "default", [], True, dhcp_options_id))
    blocks = ipaddress.IPv4Network(DEFAULT_VPC_CIDR).subnets(new_prefix=20)
    for zone, block in zip(zones(ctx.region), blocks):
        create_default_subnet(ctx, vpc, zone, str(block))
    gateway = create_gateway(ctx, [], vpc["VpcId"])
    add_route(ctx, main_table(ctx, vpc["VpcId"])["RouteTableId"], "0.0.0.0/0",
              gateway_id=gateway["InternetGatewayId"])
    return vpc
