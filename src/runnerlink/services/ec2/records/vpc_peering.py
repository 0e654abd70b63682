"""VPC peering connections: their status derived from time when read, as AWS moves them.

initiating-request → pending-acceptance (or failed, when the VPCs' CIDRs overlap or the peer VPC does not exist);
accept: provisioning → active; reject: rejected; delete: deleted; unanswered for 7 days: expired.

Stored: the requester's and accepter's VPC info as of create, "_created_at", "_failed" (decided at create),
"_accepted_at", "_rejected_at", "_deleted_at" (with "_by", the account that did it), "_gone_at" (from when it is no
longer described: rejected, failed and deleted connections stay listed for a while, as on AWS).
"""

from __future__ import annotations

import copy

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, is_gone
from runnerlink.services.ec2.errors import EC2Error, not_found
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.kind import Kind

PEERING = "vpc-peering-connection"  # the store kind (its TagSpecification ResourceType)
RETENTION = 2 * 3600.0  # rejected, failed and deleted connections stay described about 2 hours
EXPIRY = 7 * 24 * 3600.0  # a request not accepted within 7 days expires
FAILED_MESSAGE = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"
LIVE = ("initiating-request", "pending-acceptance", "provisioning", "active")


def _info(side: str):
    def read(field: str):
        return lambda r: (r.get(side) or {}).get(field)
    return read


_requester, _accepter = _info("RequesterVpcInfo"), _info("AccepterVpcInfo")

PEERING_KIND = Kind(
    name=PEERING,
    prefix="pcx",
    id_field="VpcPeeringConnectionId",
    code="InvalidVpcPeeringConnectionID",
    noun="vpcPeeringConnection ID",
    filters={
        "vpc-peering-connection-id": lambda r: r["VpcPeeringConnectionId"],
        "status-code": lambda r: r["Status"]["Code"],
        "status-message": lambda r: r["Status"]["Message"],
        "expiration-time": lambda r: r.get("ExpirationTime"),
        "requester-vpc-info.vpc-id": _requester("VpcId"),
        "requester-vpc-info.owner-id": _requester("OwnerId"),
        "requester-vpc-info.cidr-block": _requester("CidrBlock"),
        "accepter-vpc-info.vpc-id": _accepter("VpcId"),
        "accepter-vpc-info.owner-id": _accepter("OwnerId"),
        "accepter-vpc-info.cidr-block": _accepter("CidrBlock"),
    },
)


def get_peering(ctx: HandlerContext, peering_id: str) -> dict:
    """The stored record of a connection still described, or AWS's Malformed / NotFound error."""
    if not is_well_formed(peering_id, "pcx"):
        # AWS spells this code's "Id" so, unlike the NotFound one.
        raise EC2Error("InvalidVpcPeeringConnectionId.Malformed", f'Invalid id: "{peering_id}" (expecting "pcx-...")')
    record = ctx.tx.get(PEERING, peering_id)
    if record is None or is_gone(ctx, record):
        raise not_found("InvalidVpcPeeringConnectionID", "vpcPeeringConnection ID", peering_id)
    return record


def _status(ctx: HandlerContext, record: dict) -> tuple[str, str]:
    if record.get("_deleted_at") is not None:
        return "deleted", f"Deleted by {record['_by']}"
    if record.get("_rejected_at") is not None:
        return "rejected", f"Rejected by {record['_by']}"
    initiated = finished(ctx, record["_created_at"], ctx.lifecycle_delay)
    if not initiated:
        return "initiating-request", f"Initiating Request to {record['AccepterVpcInfo']['OwnerId']}"
    if record.get("_failed"):
        return "failed", FAILED_MESSAGE
    if record.get("_accepted_at") is not None:
        if finished(ctx, record["_accepted_at"], ctx.lifecycle_delay):
            return "active", "Active"
        return "provisioning", "Provisioning"
    if finished(ctx, record["_created_at"], EXPIRY):
        return "expired", "Expired"
    return "pending-acceptance", f"Pending Acceptance by {record['AccepterVpcInfo']['OwnerId']}"


def status_of(ctx: HandlerContext, record: dict) -> str:
    return _status(ctx, record)[0]


def peering_view(ctx: HandlerContext, record: dict) -> dict:
    """The connection as DescribeVpcPeeringConnections shows it at ctx.now: the accepter's CIDRs and both sides'
    options appear once it is active (as on AWS); pending requests carry their expiration time."""
    code, message = _status(ctx, record)
    view = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
    view["Status"] = {"Code": code, "Message": message}
    if code not in ("active", "provisioning"):
        for field in ("CidrBlock", "CidrBlockSet", "Ipv6CidrBlockSet", "PeeringOptions"):
            view["AccepterVpcInfo"].pop(field, None)
        view["RequesterVpcInfo"].pop("PeeringOptions", None)
    if code in ("initiating-request", "pending-acceptance"):
        view["ExpirationTime"] = record["_created_at"] + EXPIRY
    return view


def peering_of(ctx: HandlerContext, peering_id: str) -> dict | None:
    """The stored record of a connection still described (any status), or None."""
    record = ctx.tx.get(PEERING, peering_id) if is_well_formed(peering_id, "pcx") else None
    return None if record is None or is_gone(ctx, record) else record


def routes_traffic(ctx: HandlerContext, peering_id: str) -> bool:
    """Whether a route to this connection is active (else it is a blackhole): only an active peering carries."""
    record = peering_of(ctx, peering_id)
    return record is not None and status_of(ctx, record) == "active"


def peerings_of_vpc(ctx: HandlerContext, vpc_id: str) -> list[dict]:
    """The described connections with vpc_id on either side."""
    return [r for r in PEERING_KIND.all(ctx)
            if vpc_id in (r["RequesterVpcInfo"]["VpcId"], r["AccepterVpcInfo"]["VpcId"])]


def mark_deleted(ctx: HandlerContext, record: dict) -> None:
    """Delete a connection: described as deleted for RETENTION, then gone."""
    record.update(_deleted_at=ctx.now, _by=ctx.account, _gone_at=ctx.now + RETENTION)
    PEERING_KIND.put(ctx, record)


def delete_peerings_of_vpc(ctx: HandlerContext, vpc_id: str) -> None:
    """Deleting a VPC deletes its requested and active peering connections, as on AWS."""
    for record in peerings_of_vpc(ctx, vpc_id):
        if status_of(ctx, record) in LIVE:
            mark_deleted(ctx, record)
