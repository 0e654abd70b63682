"""CIDR block associations of VPCs (IPv4 and IPv6) and of subnets (IPv6): stored with when they were asked for,
their state derived from the clock — associating for one lifecycle delay, then associated; after a disassociation,
disassociating for one delay, then disassociated (still listed for one more delay, as AWS lists it a while, then
dropped).

The primary IPv4 association of a VPC is stored "associated" with no timestamps, so it is associated from the start.
Modelled IPv6 blocks come from the documentation range 2001:db8::/32: they are never real addresses.
"""

from __future__ import annotations

import ipaddress
import secrets

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished
from runnerlink.services.ec2.ids import new_id

IPV6_RANGE = ipaddress.IPv6Network("2001:db8::/32")
_STATE_FIELDS = ("CidrBlockState", "Ipv6CidrBlockState")
ROUTABLE = ("associated", "disassociating")  # states in which the VPC's local route covers the block


def state(ctx: HandlerContext, association: dict) -> str | None:
    """The association's state now; None once it is no longer listed."""
    delay = ctx.lifecycle_delay
    leaving = association.get("_disassociated_at")
    if leaving is not None:
        if finished(ctx, leaving, 2 * delay):
            return None
        return "disassociated" if finished(ctx, leaving, delay) else "disassociating"
    since = association.get("_associated_at")
    if since is not None and not finished(ctx, since, delay):
        return "associating"
    return "associated"


def view(ctx: HandlerContext, association: dict) -> dict | None:
    """The association as DescribeVpcs/DescribeSubnets show it now (None once dropped)."""
    now = state(ctx, association)
    if now is None:
        return None
    field = next(f for f in _STATE_FIELDS if f in association)
    shown = {k: v for k, v in association.items() if not k.startswith("_")}
    shown[field] = {**association[field], "State": now}
    return shown


def views(ctx: HandlerContext, associations: list[dict] | None) -> list[dict]:
    return [v for v in (view(ctx, a) for a in associations or []) if v is not None]


def blocks(ctx: HandlerContext, associations: list[dict] | None, field: str,
           states: tuple[str, ...] = ("associated",)) -> list[str]:
    """The CIDRs (field "CidrBlock" or "Ipv6CidrBlock") of the associations in one of states now."""
    return [a[field] for a in associations or [] if state(ctx, a) in states]


def live(ctx: HandlerContext, associations: list[dict] | None) -> list[dict]:
    """The associations not yet disassociating (what counts against limits and overlaps)."""
    return [a for a in associations or [] if state(ctx, a) in ("associating", "associated")]


def prune(ctx: HandlerContext, associations: list[dict] | None) -> list[dict]:
    """The stored associations less those no longer listed (called when the owner is written anyway)."""
    return [a for a in associations or [] if state(ctx, a) is not None]


def new_ipv4(ctx: HandlerContext, cidr: str) -> dict:
    return {"AssociationId": new_id("vpc-cidr-assoc"), "CidrBlock": cidr,
            "CidrBlockState": {"State": "associating"}, "_associated_at": ctx.now}


def new_amazon_ipv6(ctx: HandlerContext, taken: set[str], immediate: bool = False) -> dict:
    """An Amazon-provided /56 for a VPC, one no other VPC of the account/region holds."""
    while True:
        index = secrets.randbelow(1 << 24)
        block = str(ipaddress.IPv6Network((int(IPV6_RANGE.network_address) + (index << 72), 56)))
        if block not in taken:
            break
    association = {"AssociationId": new_id("vpc-cidr-assoc"), "Ipv6CidrBlock": block,
                   "Ipv6CidrBlockState": {"State": "associated" if immediate else "associating"},
                   "NetworkBorderGroup": ctx.region, "Ipv6Pool": "Amazon", "Ipv6AddressAttribute": "public",
                   "IpSource": "amazon"}
    if not immediate:
        association["_associated_at"] = ctx.now
    return association


def new_subnet_ipv6(ctx: HandlerContext, cidr: str, immediate: bool = False) -> dict:
    association = {"AssociationId": new_id("subnet-cidr-assoc"), "Ipv6CidrBlock": cidr,
                   "Ipv6CidrBlockState": {"State": "associated" if immediate else "associating"},
                   "Ipv6AddressAttribute": "public", "IpSource": "amazon"}
    if not immediate:
        association["_associated_at"] = ctx.now
    return association


def disassociate(ctx: HandlerContext, association: dict) -> None:
    association["_disassociated_at"] = ctx.now
