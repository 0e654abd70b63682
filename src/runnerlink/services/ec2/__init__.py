"""Amazon EC2 (2016-11-15): the VPC networking App Runner's private networking is built on."""

from __future__ import annotations

from functools import wraps

from runnerlink.services.base import Handler, HandlerContext, ServicePackage
from runnerlink.services.ec2 import (
    addresses,
    authorization,
    cidr_blocks,
    dhcp_options,
    endpoint_services,
    instances,
    internet_gateways,
    managed_prefix_lists,
    nat_gateways,
    network_acls,
    network_interfaces,
    network_tools,
    prefix_lists,
    route_tables,
    security_groups,
    subnet_cidr_reservations,
    subnets,
    tags,
    vpc_endpoints,
    vpc_peering,
    vpcs,
    zones,
)
from runnerlink.services.ec2.defaults import ensure_default_vpc
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.input_style import STYLE
from runnerlink.wire.routing import ServiceSpec

_OPERATIONS = (tags, zones, vpcs, cidr_blocks, subnets, subnet_cidr_reservations, network_acls, prefix_lists,
               managed_prefix_lists, dhcp_options, endpoint_services, vpc_endpoints, security_groups,
               network_interfaces, internet_gateways, addresses, nat_gateways, vpc_peering, route_tables, instances)


def _dry_run(handler: Handler) -> Handler:
    """DryRun=true: answer as AWS does for a caller with permission, without doing anything."""

    @wraps(handler)
    def run(ctx: HandlerContext, params: dict) -> dict:
        ensure_default_vpc(ctx)  # every account/region has its default VPC: seeded on first use, then one read
        if params.get("DryRun") and not getattr(handler, "refuses_dry_run", False):
            raise EC2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", status=412)
        return handler(ctx, params)

    return run


def _package() -> ServicePackage:
    handlers: dict = {}
    read_only: set[str] = set()
    for module in _OPERATIONS:
        handlers.update({op: _dry_run(fn) for op, fn in module.HANDLERS.items()})
        read_only.update(module.READ_ONLY)
    spec = ServiceSpec(model_name="ec2", signing_name="ec2", validation_error=InvalidParameterValue,
                       input_style=STYLE)
    return ServicePackage(spec=spec, handlers=handlers, read_only=frozenset(read_only),
                          authorize=authorization.authorize, denial=authorization.DENIAL,
                          admin=network_tools.ADMIN)


PACKAGE = _package()
