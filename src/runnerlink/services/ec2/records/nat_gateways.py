"""NAT gateways: pending → available (or failed) and deleting → deleted, derived from time when read.

Stored: CreateTime, "_deleted_at" (when a deletion completes), "_failure" (code, message) decided at create time,
"_gone_at" (from when other resources stop seeing the gateway: it no longer blocks a subnet, holds its Elastic IP or
routes traffic) and "_visible_until" (deleted and failed gateways stay listed, as on AWS, for a while).
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, is_gone, public
from runnerlink.services.ec2.ids import is_well_formed

NAT_GATEWAY = "natgateway"  # the store kind
# How long a deleted or failed gateway is still described (AWS: about an hour).
RETENTION = 3600.0


def nat_gateway_view(ctx: HandlerContext, record: dict) -> dict | None:
    """The gateway as it is at ctx.now, or None once it is no longer described."""
    if is_gone(ctx, record, "_visible_until"):
        return None
    current = public(record)
    ready = finished(ctx, record["CreateTime"], ctx.lifecycle_delay)
    if record.get("_deleted_at") is not None:
        deleted = finished(ctx, record["_deleted_at"])
        current["State"] = "deleted" if deleted else "deleting"
        if deleted:
            current["DeleteTime"] = record["_deleted_at"]
        status = "succeeded" if deleted else "disassociating"
    elif record.get("_failure"):
        current["State"] = "failed" if ready else "pending"
        if ready:
            current["FailureCode"], current["FailureMessage"] = record["_failure"]
        status = "failed" if ready else "associating"
    else:
        current["State"] = "available" if ready else "pending"
        status = "succeeded" if ready else "associating"
    current["NatGatewayAddresses"] = [{**a, "Status": status} for a in record["NatGatewayAddresses"]]
    return current


def find_nat_gateway(ctx: HandlerContext, nat_id: str) -> dict | None:
    """The gateway's current view (any state, deleted included), or None."""
    record = ctx.tx.get(NAT_GATEWAY, nat_id) if is_well_formed(nat_id, "nat") else None
    return None if record is None else nat_gateway_view(ctx, record)


def routes_traffic(ctx: HandlerContext, nat_id: str) -> bool:
    """Whether a route to this gateway is active (else it is a blackhole)."""
    current = find_nat_gateway(ctx, nat_id)
    return current is not None and current["State"] in ("pending", "available")
