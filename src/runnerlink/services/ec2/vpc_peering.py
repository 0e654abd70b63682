"""VPC peering connections within one account and Region: create, accept, reject, delete, describe, options.

Peering with another account or Region is refused: a store transaction holds one account and Region, so the other
side could be neither checked nor told.
"""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed, new_id
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpc_peering import (
    LIVE,
    PEERING_KIND,
    RETENTION,
    get_peering,
    mark_deleted,
    peering_view,
    status_of,
)
from runnerlink.services.ec2.records.vpcs import VPC, get_vpc

_OPTIONS = ("AllowDnsResolutionFromRemoteVpc", "AllowEgressFromLocalClassicLinkToRemoteVpc",
            "AllowEgressFromLocalVpcToRemoteClassicLink")


def _cidrs(vpc: dict) -> list[str]:
    return [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []
            if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"] or [vpc["CidrBlock"]]


def _vpc_info(ctx: HandlerContext, vpc: dict) -> dict:
    cidrs = _cidrs(vpc)
    info = {"OwnerId": ctx.account, "VpcId": vpc["VpcId"], "Region": ctx.region, "CidrBlock": cidrs[0],
            "CidrBlockSet": [{"CidrBlock": c} for c in cidrs],
            "PeeringOptions": {option: False for option in _OPTIONS}}
    ipv6 = [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
            if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"]
    if ipv6:
        info["Ipv6CidrBlockSet"] = [{"Ipv6CidrBlock": c} for c in ipv6]
    return info


def _overlap(first: list[str], second: list[str]) -> bool:
    return any(ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b)) for a in first for b in second)


def _refuse_other_side(ctx: HandlerContext, params: dict) -> None:
    owner, region = params.get("PeerOwnerId"), params.get("PeerRegion")
    if owner and owner != ctx.account:
        raise EC2Error("UnsupportedOperation", f"runnerlink does not emulate VPC peering with another account "
                                               f"({owner}): peer VPCs of account {ctx.account} only")
    if region and region != ctx.region:
        raise EC2Error("UnsupportedOperation", f"runnerlink does not emulate inter-Region VPC peering ({region}): "
                                               f"peer VPCs in {ctx.region} only")


def create_vpc_peering_connection(ctx: HandlerContext, params: dict) -> dict:
    requester = get_vpc(ctx, params["VpcId"])
    peer_id = params.get("PeerVpcId")
    if not peer_id:
        raise EC2Error("MissingParameter", "The request must contain the parameter peerVpcId")
    if not is_well_formed(peer_id, "vpc"):
        raise EC2Error("InvalidVpcID.Malformed", f'Invalid id: "{peer_id}" (expecting "vpc-...")')
    _refuse_other_side(ctx, params)
    tags = tags_for(params, "vpc-peering-connection")
    accepter = VPC.find(ctx, peer_id)
    # AWS accepts the request and then fails it, rather than refusing, for an unknown peer or overlapping CIDRs.
    failed = accepter is None or _overlap(_cidrs(requester), _cidrs(accepter))
    accepter_info = _vpc_info(ctx, accepter) if accepter else {"OwnerId": ctx.account, "VpcId": peer_id,
                                                               "Region": ctx.region}
    record = {
        "VpcPeeringConnectionId": new_id("pcx"),
        "RequesterVpcInfo": _vpc_info(ctx, requester),
        "AccepterVpcInfo": accepter_info,
        "Tags": tags,
        "_created_at": ctx.now,
        "_failed": failed,
    }
    if failed:
        record["_gone_at"] = ctx.now + ctx.lifecycle_delay + RETENTION
    PEERING_KIND.put(ctx, record)
    return {"VpcPeeringConnection": peering_view(ctx, record)}


def _transition_error(peering_id: str, current: str, wanted: str) -> EC2Error:
    return EC2Error("InvalidStateTransition", f"Invalid state transition for {peering_id}, attempted to transition "
                                              f"from {current} to {wanted}")


def accept_vpc_peering_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_peering(ctx, params["VpcPeeringConnectionId"])
    current = status_of(ctx, record)
    if current != "pending-acceptance":
        raise _transition_error(record["VpcPeeringConnectionId"], current, "provisioning")
    accepter = VPC.find(ctx, record["AccepterVpcInfo"]["VpcId"])
    if accepter is not None:  # the accepter's CIDRs as they are when it accepts
        record["AccepterVpcInfo"] = {**_vpc_info(ctx, accepter),
                                     "PeeringOptions": record["AccepterVpcInfo"].get("PeeringOptions")
                                     or {option: False for option in _OPTIONS}}
    record["_accepted_at"] = ctx.now
    PEERING_KIND.put(ctx, record)
    return {"VpcPeeringConnection": peering_view(ctx, record)}


def reject_vpc_peering_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_peering(ctx, params["VpcPeeringConnectionId"])
    current = status_of(ctx, record)
    if current != "pending-acceptance":
        raise _transition_error(record["VpcPeeringConnectionId"], current, "rejected")
    record.update(_rejected_at=ctx.now, _by=ctx.account, _gone_at=ctx.now + RETENTION)
    PEERING_KIND.put(ctx, record)
    return {"Return": True}


def delete_vpc_peering_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_peering(ctx, params["VpcPeeringConnectionId"])
    current = status_of(ctx, record)
    if current not in LIVE:
        raise _transition_error(record["VpcPeeringConnectionId"], current, "deleted")
    mark_deleted(ctx, record)
    return {"Return": True}


def describe_vpc_peering_connections(ctx: HandlerContext, params: dict) -> dict:
    for peering_id in params.get("VpcPeeringConnectionIds") or []:
        get_peering(ctx, peering_id)  # AWS's Malformed code for these ids is spelled "Id", not the kind's "ID"
    items, token = PEERING_KIND.describe(ctx, params, "VpcPeeringConnectionIds", derive=peering_view)
    return page("VpcPeeringConnections", items, token)


def modify_vpc_peering_connection_options(ctx: HandlerContext, params: dict) -> dict:
    """Only the DNS resolution option means anything in a VPC today (the ClassicLink ones are stored as given)."""
    record = get_peering(ctx, params["VpcPeeringConnectionId"])
    requested = {side: params.get(f"{side}PeeringConnectionOptions") for side in ("Requester", "Accepter")}
    if not any(requested.values()):
        raise EC2Error("MissingParameter", "The request must contain the parameter "
                                           "requesterPeeringConnectionOptions or accepterPeeringConnectionOptions")
    current = status_of(ctx, record)
    if current != "active":
        raise EC2Error("OperationNotPermitted", f"Peering {record['VpcPeeringConnectionId']} is not active "
                                                f"(it is {current}): its options cannot be modified")
    answer = {}
    for side, options in requested.items():
        if not options:
            continue
        info = record[f"{side}VpcInfo"]
        info["PeeringOptions"] = {**(info.get("PeeringOptions") or {}),
                                  **{k: bool(v) for k, v in options.items() if k in _OPTIONS}}
        answer[f"{side}PeeringConnectionOptions"] = dict(info["PeeringOptions"])
    PEERING_KIND.put(ctx, record)
    return answer


HANDLERS = {
    "CreateVpcPeeringConnection": create_vpc_peering_connection,
    "AcceptVpcPeeringConnection": accept_vpc_peering_connection,
    "RejectVpcPeeringConnection": reject_vpc_peering_connection,
    "DeleteVpcPeeringConnection": delete_vpc_peering_connection,
    "DescribeVpcPeeringConnections": describe_vpc_peering_connections,
    "ModifyVpcPeeringConnectionOptions": modify_vpc_peering_connection_options,
}

READ_ONLY = {"DescribeVpcPeeringConnections"}
