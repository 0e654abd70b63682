"""Subnet CIDR reservations: create (prefix or explicit, inside the subnet's IPv4 block or IPv6 /64, overlapping no
other reservation or address in use), delete, and GetSubnetCidrReservations (IPv4 and IPv6 apart, filters, pages).

Unverified on AWS and chosen as most plausible: a range outside the subnet, overlapping another reservation or
holding an address in use is refused with InvalidParameterValue."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.errors import InvalidParameterValue
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token
from runnerlink.services.ec2.records.subnet_cidr_reservations import RESERVATION, mirror, of_subnet, store
from runnerlink.services.ec2.records.subnets import SUBNET, get_subnet, ipv6_blocks
from runnerlink.services.ec2.records.tags import tags_for

_TYPES = ("prefix", "explicit")


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        if "/" not in text:
            raise ValueError(text)
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidParameterValue(f"Value ({text}) for parameter cidr is invalid. "
                                    f"This is not a valid CIDR block.") from None


def _check_range(ctx: HandlerContext, subnet: dict, block, others: list[dict]) -> None:
    if block.version == 4:
        within = [ipaddress.IPv4Network(subnet["CidrBlock"])]
    else:
        within = [ipaddress.IPv6Network(c) for c in ipv6_blocks(ctx, subnet)]
    if not any(block.subnet_of(w) for w in within):
        raise InvalidParameterValue(f"The CIDR '{block}' is not within the CIDR blocks of subnet "
                                    f"{subnet['SubnetId']}.")
    for other in others:
        other_block = ipaddress.ip_network(other["Cidr"])
        if other_block.version == block.version and other_block.overlaps(block):
            raise InvalidParameterValue(f"The CIDR '{block}' overlaps the subnet CIDR reservation "
                                        f"{other['SubnetCidrReservationId']} ({other['Cidr']}).")
    if block.version == 4:
        in_use = sorted(ip for ip in subnet.get("_used_ips") or [] if ipaddress.IPv4Address(ip) in block)
        if in_use:
            raise InvalidParameterValue(f"The CIDR '{block}' holds addresses in use: {', '.join(in_use)}.")


def create_subnet_cidr_reservation(ctx: HandlerContext, params: dict) -> dict:
    subnet = get_subnet(ctx, params["SubnetId"])
    kind = params["ReservationType"]
    if kind not in _TYPES:
        raise InvalidParameterValue(f"Value ({kind}) for parameter reservationType is invalid. "
                                    f"Valid values: prefix, explicit.")
    description = params.get("Description")
    if description is not None and len(description) > 255:
        raise InvalidParameterValue("The description may be at most 255 characters long.")
    block = _network(params["Cidr"])
    others = of_subnet(ctx, subnet["SubnetId"])
    _check_range(ctx, subnet, block, others)
    reservation = {"SubnetCidrReservationId": new_id("scr"), "SubnetId": subnet["SubnetId"], "Cidr": str(block),
                   "ReservationType": kind, "OwnerId": ctx.account,
                   "Tags": tags_for(params, "subnet-cidr-reservation")}
    if description is not None:
        reservation["Description"] = description
    store(ctx, reservation)
    mirror(subnet, others + [reservation])
    SUBNET.put(ctx, subnet)
    return {"SubnetCidrReservation": reservation}


def delete_subnet_cidr_reservation(ctx: HandlerContext, params: dict) -> dict:
    reservation = RESERVATION.get(ctx, params["SubnetCidrReservationId"])
    ctx.tx.delete(RESERVATION.name, reservation["SubnetCidrReservationId"])
    subnet = SUBNET.find(ctx, reservation["SubnetId"])
    if subnet is not None:
        mirror(subnet, [r for r in of_subnet(ctx, subnet["SubnetId"])
                        if r["SubnetCidrReservationId"] != reservation["SubnetCidrReservationId"]])
        SUBNET.put(ctx, subnet)
    return {"DeletedSubnetCidrReservation": reservation}


def get_subnet_cidr_reservations(ctx: HandlerContext, params: dict) -> dict:
    subnet = get_subnet(ctx, params["SubnetId"])
    found = apply_filters(of_subnet(ctx, subnet["SubnetId"]), params.get("Filters"), RESERVATION.filters)
    items, token = paginate(found, params, bad_token, MAX_RESULTS)
    answer = {"SubnetIpv4CidrReservations": [r for r in items if ":" not in r["Cidr"]],
              "SubnetIpv6CidrReservations": [r for r in items if ":" in r["Cidr"]]}
    if token:
        answer["NextToken"] = token
    return answer


HANDLERS = {
    "CreateSubnetCidrReservation": create_subnet_cidr_reservation,
    "DeleteSubnetCidrReservation": delete_subnet_cidr_reservation,
    "GetSubnetCidrReservations": get_subnet_cidr_reservations,
}
READ_ONLY = {"GetSubnetCidrReservations"}
