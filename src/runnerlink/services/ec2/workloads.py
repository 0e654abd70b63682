"""Workloads: clients placed in a subnet (`runnerlink exec --subnet …`). A workload holds a private address from the
subnet, security groups (given, else the VPC's default group), maybe a public address, and the token its programs
present to the subnet gateway as proxy password.

Records live in the account/region scope (kind "workload"); services/workload_index.py maps each workload id to
that scope, so the gateway can find a workload from its proxy credentials alone.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from runnerlink.network.model import Workload
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.kind import put_record
from runnerlink.services.ec2.records.security_groups import default_group_id, get_group
from runnerlink.services.ec2.records.subnets import allocate_ip, get_subnet, release_ip

KIND = "workload"
PUBLIC_POOL = ipaddress.ip_network("192.0.2.128/25")  # RFC 5737; the lower half models services' public addresses


def new_id() -> str:
    return f"wl-{secrets.token_hex(9)[:17]}"


def create_workload(ctx: HandlerContext, subnet_id: str, group_ids: list[str] | None = None,
                    public_ip: bool | None = None, owner: str | None = None, name: str | None = None) -> dict:
    """Place a workload in the subnet. public_ip None: as the subnet's MapPublicIpOnLaunch says. owner: the ARN of
    the resource it is part of (an App Runner service's egress), name: how the traffic log names it."""
    subnet = get_subnet(ctx, subnet_id)
    vpc_id = subnet["VpcId"]
    if group_ids:
        for group_id in group_ids:
            group = get_group(ctx, group_id)
            if group["VpcId"] != vpc_id:
                raise EC2Error("InvalidParameter",
                               f"Security group {group_id} and subnet {subnet_id} belong to different networks.")
        groups = list(dict.fromkeys(group_ids))
    else:
        groups = [default_group_id(ctx, vpc_id)]
    wants_public = subnet.get("MapPublicIpOnLaunch", False) if public_ip is None else public_ip
    record = {
        "WorkloadId": new_id(),
        "SubnetId": subnet_id,
        "VpcId": vpc_id,
        "AvailabilityZone": subnet.get("AvailabilityZone"),
        "PrivateIp": allocate_ip(ctx, subnet),
        "SecurityGroupIds": groups,
        "PublicIp": _public_ip(ctx) if wants_public else None,
        "Token": secrets.token_urlsafe(18),
        "Account": ctx.account,
        "Region": ctx.region,
        "CreatedAt": ctx.now,
    }
    if owner:
        record.update(Owner=owner, Name=name or owner)
    put_record(ctx, KIND, record["WorkloadId"], record)
    return record


def get_workload(ctx: HandlerContext, workload_id: str) -> dict | None:
    return ctx.tx.get(KIND, workload_id)


def delete_workload(ctx: HandlerContext, workload_id: str) -> dict | None:
    """Remove the workload and give its private address back to the subnet; None when there is no such workload."""
    record = ctx.tx.get(KIND, workload_id)
    if record is None:
        return None
    release_ip(ctx, record["SubnetId"], record["PrivateIp"])
    ctx.tx.delete(KIND, workload_id)
    return record


def list_workloads(ctx: HandlerContext) -> list[dict]:
    return ctx.tx.scan(KIND)


def find_by_token(ctx: HandlerContext, workload_id: str, token: str) -> dict | None:
    """The workload whose id and token these are (the gateway's proxy credentials), else None."""
    record = ctx.tx.get(KIND, workload_id)
    if record is None or not hmac.compare_digest(record["Token"].encode(), token.encode()):
        return None
    return record


def to_model(record: dict) -> Workload:
    return Workload(id=record["WorkloadId"], account=record["Account"], region=record["Region"],
                    vpc_id=record["VpcId"], subnet_id=record["SubnetId"], private_ip=record["PrivateIp"],
                    group_ids=tuple(record["SecurityGroupIds"]), public_ip=record.get("PublicIp"))


def public_view(record: dict) -> dict:
    """The record without its token."""
    return {key: value for key, value in record.items() if key != "Token"}


def _public_ip(ctx: HandlerContext) -> str:
    taken = {r.get("PublicIp") for r in list_workloads(ctx)}
    for address in PUBLIC_POOL.hosts():
        if str(address) not in taken:
            return str(address)
    raise EC2Error("AddressLimitExceeded", "No public address is left for another workload in this region.")
