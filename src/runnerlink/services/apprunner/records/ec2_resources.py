"""The EC2 resources App Runner reads: connector subnets and security groups, ingress VPCs and endpoints (EC2 keeps
its records in the same store scope)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.records.vpc_endpoints import state as endpoint_state


def ec2_record(ctx: HandlerContext, kind: str, resource_id: str) -> dict | None:
    """An EC2 resource of this account and Region; None if there is none, or it is gone at ctx.now."""
    record = ctx.tx.get(kind, resource_id)
    if record is None or is_gone(ctx, record):
        return None
    return record


def usable_endpoint(ctx: HandlerContext, endpoint_id: str) -> dict | None:
    """A VPC endpoint of this account and Region that is pending or available at ctx.now (not being deleted)."""
    endpoint = ec2_record(ctx, "vpc-endpoint", endpoint_id)
    if endpoint is None or endpoint_state(ctx, endpoint) not in ("pending", "available"):
        return None
    return endpoint


def default_security_groups(ctx: HandlerContext, vpc_id: str) -> list[str]:
    """The VPC's default security group, as a list of its id (empty if the VPC has none)."""
    return [g["GroupId"] for g in ctx.tx.scan("security-group")
            if g.get("VpcId") == vpc_id and g.get("GroupName") == "default"][:1]
