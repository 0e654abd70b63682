"""VPC endpoints: the kind, the state derived from time, and the endpoint as DescribeVpcEndpoints shows it.

A record is a VpcEndpoint shape plus internal fields: _pending_since (when the last network change began; the state
is "pending" for ctx.lifecycle_delay after it, then "available"), _deleting_at ("deleting" for one delay, then
"deleted" for one more, then gone), _label (the 8 characters in its DNS names), _enis ({subnet id: ENI id}),
_zones ({subnet id: availability zone}), _client_token and _request (for idempotent retries).
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, is_gone
from runnerlink.services.ec2.records.kind import Kind

VPC_ENDPOINT = Kind(
    name="vpc-endpoint", prefix="vpce", id_field="VpcEndpointId", code="InvalidVpcEndpointId", noun="VPC endpoint ID",
    filters={
        "service-name": lambda r: r["ServiceName"],
        "service-region": lambda r: r.get("ServiceRegion") or r["ServiceName"].split(".")[2],
        "vpc-id": lambda r: r["VpcId"],
        "vpc-endpoint-id": lambda r: r["VpcEndpointId"],
        "vpc-endpoint-state": lambda r: r["State"],  # filters run on views, whose State is derived
        "vpc-endpoint-type": lambda r: r["VpcEndpointType"],
        "ip-address-type": lambda r: r.get("IpAddressType"),
    },
    parent_filter="vpc-id",
)


def state(ctx: HandlerContext, record: dict) -> str:
    """The endpoint's state at ctx.now (lowercase, as AWS sends it for interface and gateway endpoints)."""
    deleting_at = record.get("_deleting_at")
    if deleting_at is not None:
        return "deleted" if finished(ctx, deleting_at, ctx.lifecycle_delay) else "deleting"
    return "available" if finished(ctx, record["_pending_since"], ctx.lifecycle_delay) else "pending"


def endpoint_view(ctx: HandlerContext, record: dict) -> dict:
    return {**record, "State": state(ctx, record)}


def live_endpoints(ctx: HandlerContext, records: list[dict] | None = None) -> list[dict]:
    """Endpoints that exist and are not being deleted (of records, when the caller has scanned them already)."""
    return [r for r in (VPC_ENDPOINT.all(ctx) if records is None else records)
            if r.get("_deleting_at") is None and not is_gone(ctx, r)]
